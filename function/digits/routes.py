"""/predict, /health, /model: body -> decode -> preprocess -> model -> JSON.

/predict reads the whole drawing as one digit (``digit``), and the number on it
(``number``, ``digits``): numbers.read_digits segments the canvas only when it may
hold more than one digit, so a single digit costs what it always did.

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

from digits.decode import MEDIA_TYPES, ImageLimits, bytes_from_data_url, open_image
from digits.errors import FeedbackUnavailable, ImageTooLarge, UnsupportedMediaType
from digits.feedback import FeedbackRecord, store_feedback
from digits.numbers import read_digits
from digits.predictor import Predictor
from digits.preprocess import fit_and_centre, ink_bounds, ink_map
from digits.preview import preview_data_url
from digits.schemas import (
    DigitBox,
    FeedbackRequest,
    FeedbackResponse,
    HealthResponse,
    PredictRequest,
    PredictResponse,
    ReadDigit,
    reference,
)
from digits.settings import Settings

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

    started = time.perf_counter()
    data = _image_bytes(body) if media_type == JSON_TYPE else body
    image = open_image(data, request.app.state.limits)
    decoded = time.perf_counter()
    # preprocess() in its three steps: the ink map and its bounds serve the number too.
    ink = ink_map(image)
    rows, cols = ink_bounds(ink)
    pixels = fit_and_centre(ink[rows, cols])
    preprocessed = time.perf_counter()
    prediction = predictor.predict(pixels)
    predicted = time.perf_counter()
    readings, segmented = read_digits(ink, rows, cols, prediction, predictor.require_model())
    numbered = time.perf_counter()
    answer = PredictResponse(
        digit=prediction.digit,
        confidence=prediction.confidence,
        probabilities=prediction.probabilities,
        uncertain=prediction.uncertain,
        model_version=predictor.version or "",
        preview=preview_data_url(pixels),
        number="".join(str(reading.digit) for reading in readings),
        digits=[
            ReadDigit(
                digit=reading.digit,
                confidence=round(reading.confidence, 6),
                box=DigitBox(
                    left=reading.box.left,
                    top=reading.box.top,
                    right=reading.box.right,
                    bottom=reading.box.bottom,
                ),
            )
            for reading in readings
        ],
    ).model_dump_json()
    serialised = time.perf_counter()

    outcome = request.state.outcome
    outcome["digit"] = prediction.digit
    outcome["confidence"] = prediction.confidence
    outcome["uncertain"] = prediction.uncertain
    outcome["number_length"] = len(readings)
    outcome["stages_ms"] = {
        "decode": _ms(started, decoded),
        "preprocess": _ms(decoded, preprocessed),
        "model": _ms(preprocessed, predicted),
        # 0 when the canvas clearly held one digit and segmentation was skipped.
        "segment": _ms(predicted, numbered) if segmented else 0.0,
        "serialize": _ms(numbered, serialised),
    }
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
    image = open_image(bytes_from_data_url(report.image), request.app.state.limits)
    ink_map(image)  # EmptyCanvas (422): a blank canvas teaches nothing
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
    responses={200: _answer("HealthResponse", "ok, or degraded when the model is missing")},
    summary="Is the model loaded?",
)
async def health(request: Request) -> Response:
    predictor: Predictor = request.app.state.predictor
    answer = HealthResponse(
        status="ok" if predictor.ready else "degraded", model_version=predictor.version
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


def _image_bytes(body: bytes) -> bytes:
    try:
        parsed = PredictRequest.model_validate_json(body)
    except ValidationError as error:
        # include_input=False: the error must never carry the request back out.
        raise RequestValidationError(
            error.errors(include_url=False, include_input=False, include_context=False)
        ) from None
    return bytes_from_data_url(parsed.image)


def _ms(start: float, end: float) -> float:
    return round((end - start) * 1000, 3)


def image_limits(settings: Settings) -> ImageLimits:
    return ImageLimits(max_side=settings.max_image_side, max_pixels=settings.max_image_pixels)
