"""/predict, /feedback, /health, /model: HTTP in, JSON out; the reading is reader.py's.

/predict checks the request (media type, encoding, size), hands the image to
reader.read_drawing, and turns the Reading into JSON: the whole drawing read as one
digit (``digit``), and the number on it (``number``, ``digits``).

/predict is ``async`` and does its ~1 ms of CPU work inline: a thread hop would
cost about as much as the work, and Lambda sends one request at a time anyway.
It reads the body itself (not as a FastAPI parameter) because one route takes
both JSON and raw image bodies, and so the body limit holds while reading.

The routes return Responses and name their schemas by reference only (schemas.py
adds them to /openapi.json when it is asked for): a ``response_model`` would make
FastAPI import pydantic.v1 at startup, 40 ms of the cold start here.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from digits.errors import FeedbackUnavailable, ImageTooLarge, UnsupportedMediaType
from digits.inference.predictor import Predictor
from digits.reading.decode import MEDIA_TYPES, ImageLimits
from digits.reading.reader import Reading, elapsed_ms, open_drawing, read_drawing
from digits.settings import Settings
from digits.web.feedback import FeedbackRecord, store_feedback
from digits.web.preview import preview_data_url
from digits.web.schemas import (
    DigitBox,
    FeedbackRequest,
    FeedbackResponse,
    HealthResponse,
    PredictRequest,
    PredictResponse,
    ReadDigit,
    reference,
)

router = APIRouter()

JSON_TYPE = "application/json"
IDENTITY = frozenset({"", "identity"})  # Content-Encoding values meaning "not encoded"
IMAGE_BODY = {"schema": {"type": "string", "format": "binary"}}
PREDICT_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            JSON_TYPE: {"schema": reference("PredictRequest")},
            "image/png": IMAGE_BODY,
            "image/jpeg": IMAGE_BODY,
            "image/webp": IMAGE_BODY,
        },
    }
}


def _answer(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON_TYPE: {"schema": reference(schema)}}}


def _error(description: str) -> dict[str, Any]:
    return _answer("ErrorResponse", description)


PREDICT_ERRORS: dict[int | str, dict[str, Any]] = {
    200: _answer(
        "PredictResponse",
        "The digit, all ten probabilities, the 28x28 preview, and the number with each digit's box",
    ),
    400: _error("invalid_image: not a data URL, bad base64, not a PNG/JPEG/WebP, under 8x8"),
    413: _error("too_large: body over MAX_BODY_BYTES, or image over the pixel limits"),
    415: _error("unsupported_media_type: Content-Type not JSON/PNG/JPEG/WebP, or compressed"),
    422: _error("empty_canvas: nothing drawn; invalid_request: JSON not as documented"),
    500: _error("internal: unexpected failure (details in the logs, by request_id)"),
    503: _error("model_unavailable: the model could not be loaded"),
}


@router.post(
    "/predict",
    responses=PREDICT_ERRORS,
    openapi_extra=PREDICT_OPENAPI,
    summary="Read the digit in a drawing",
)
async def predict(request: Request) -> Response:
    predictor: Predictor = request.app.state.predictor
    settings: Settings = request.app.state.settings
    predictor.require_model()  # 503 before any work when there is no model
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != JSON_TYPE and media_type not in MEDIA_TYPES:
        raise UnsupportedMediaType(
            'send application/json ({"image": data URL}) or an image/png, image/jpeg '
            "or image/webp body"
        )
    # A compressed body is refused as RFC 9110 says (415), not misread as bad JSON; and
    # nothing is ever inflated, so a small gzip bomb cannot become a large body here.
    if request.headers.get("content-encoding", "identity").strip().lower() not in IDENTITY:
        raise UnsupportedMediaType("send the body uncompressed (no Content-Encoding)")
    body = await read_body(request, settings.max_body_bytes)

    image = _data_url(body) if media_type == JSON_TYPE else body
    reading = read_drawing(image, predictor, request.app.state.limits)

    started = time.perf_counter()
    answer = predict_answer(reading, predictor.version or "").model_dump_json()
    serialised = time.perf_counter()

    prediction = reading.prediction
    outcome = request.state.outcome
    outcome["digit"] = prediction.digit
    outcome["confidence"] = prediction.confidence
    outcome["uncertain"] = prediction.uncertain
    outcome["number_length"] = len(reading.digits)
    outcome["stages_ms"] = {**reading.stages_ms, "serialize": elapsed_ms(started, serialised)}
    return Response(answer, media_type=JSON_TYPE)


@router.post(
    "/feedback",
    status_code=201,
    responses={
        201: _answer("FeedbackResponse", "Stored, for the next training run"),
        400: _error("invalid_image: the image is not a readable PNG/JPEG/WebP"),
        413: _error("too_large: body over FEEDBACK_MAX_BYTES, or image over the pixel limits"),
        415: _error("unsupported_media_type: not application/json, or compressed"),
        422: _error("empty_canvas: nothing drawn; invalid_request: JSON not as documented"),
        500: _error("internal: unexpected failure (details in the logs, by request_id)"),
        503: _error("feedback_unavailable: not collected here (no FEEDBACK_BUCKET), or not stored"),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {JSON_TYPE: {"schema": reference("FeedbackRequest")}},
        }
    },
    summary="Tell the model the right digit for a drawing it read",
)
async def feedback(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    if not settings.feedback_bucket:
        raise FeedbackUnavailable("FEEDBACK_BUCKET is not set")  # before any work
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if media_type != JSON_TYPE or encoding not in IDENTITY:
        raise UnsupportedMediaType('send application/json: {"image", "predicted", "correct"}')
    body = await read_body(request, settings.feedback_max_bytes)
    try:
        report = FeedbackRequest.model_validate_json(body)
    except ValidationError as error:
        raise RequestValidationError(
            error.errors(include_url=False, include_input=False, include_context=False)
        ) from None
    # EmptyCanvas (422) for a blank canvas: it teaches nothing.
    image = open_drawing(report.image, request.app.state.limits)
    record = FeedbackRecord(report.correct, report.predicted, report.model_version)
    # boto3 blocks: off the event loop.
    await run_in_threadpool(
        store_feedback, settings.feedback_bucket, settings.feedback_prefix, image, record
    )
    request.state.outcome["digit"] = report.correct
    answer = FeedbackResponse(status="stored").model_dump_json()
    return Response(answer, status_code=201, media_type=JSON_TYPE)


@router.get(
    "/health",
    responses={
        200: _answer(
            "HealthResponse", "ok, or degraded when the model is missing; and what is switched on"
        )
    },
    summary="Is the model loaded, and is feedback collected?",
)
async def health(request: Request) -> Response:
    predictor: Predictor = request.app.state.predictor
    settings: Settings = request.app.state.settings
    answer = HealthResponse(
        status="ok" if predictor.ready else "degraded",
        model_version=predictor.version,
        feedback=bool(settings.feedback_bucket),
    )
    return Response(answer.model_dump_json(), media_type=JSON_TYPE)


@router.get(
    "/model",
    responses={
        200: {"description": "The model's JSON metadata (models/*.json)"},
        503: _error("model_unavailable: the model could not be loaded"),
    },
    summary="The model's metadata (version, training, metrics)",
)
async def model_info(request: Request) -> Response:
    predictor: Predictor = request.app.state.predictor
    predictor.require_model()
    return JSONResponse(predictor.metadata)


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ImageTooLarge(f"the body is over the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ImageTooLarge(f"the body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _data_url(body: bytes) -> str:
    try:
        parsed = PredictRequest.model_validate_json(body)
    except ValidationError as error:
        # include_input=False: the error must never carry the request back out.
        raise RequestValidationError(
            error.errors(include_url=False, include_input=False, include_context=False)
        ) from None
    return parsed.image


def predict_answer(reading: Reading, model_version: str) -> PredictResponse:
    """A Reading -> /predict's answer; each 28x28 as a PNG data URL (MNIST's colours)."""
    prediction = reading.prediction
    return PredictResponse(
        digit=prediction.digit,
        confidence=prediction.confidence,
        probabilities=prediction.probabilities,
        uncertain=prediction.uncertain,
        model_version=model_version,
        preview=preview_data_url(reading.pixels),
        number=reading.number,
        digits=[
            ReadDigit(
                digit=read.digit,
                confidence=round(read.confidence, 6),
                box=DigitBox(
                    left=read.box.left,
                    top=read.box.top,
                    right=read.box.right,
                    bottom=read.box.bottom,
                ),
                # One digit read: its 28x28 is the answer's preview, not sent twice.
                preview=None
                if read.pixels is None or read.pixels is reading.pixels
                else preview_data_url(read.pixels),
            )
            for read in reading.digits
        ],
    )


def image_limits(settings: Settings) -> ImageLimits:
    return ImageLimits(max_side=settings.max_image_side, max_pixels=settings.max_image_pixels)
