"""The API's JSON shapes (request, answers, errors): the contract the page relies on."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class PredictRequest(BaseModel):
    """POST /predict as JSON; a raw image/png or image/jpeg body is accepted too."""

    # Strict: a number or a list is a wrong type, not something to coerce.
    # Unknown fields are ignored so older clients that send more keep working.
    model_config = ConfigDict(strict=True, extra="ignore")

    image: str = Field(
        description="The drawing as a data URL: data:image/png;base64,... (PNG, JPEG or WebP).",
        examples=["data:image/png;base64,iVBORw0KGgo..."],
    )


class DigitBox(BaseModel):
    """Where a digit is on the canvas, in the sent image's pixels (right, bottom exclusive)."""

    left: int = Field(ge=0)
    top: int = Field(ge=0)
    right: int = Field(ge=0)
    bottom: int = Field(ge=0)


class ReadDigit(BaseModel):
    digit: int = Field(ge=0, le=9)
    confidence: float = Field(ge=0, le=1, description="The probability of that digit.")
    box: DigitBox
    preview: str | None = Field(
        default=None,
        description="The 28x28 image this digit was read from (ink white on black), as a "
        "PNG data URL, when several digits were read; null for one digit: it is then the "
        "answer's `preview`.",
    )


class PredictResponse(BaseModel):
    digit: int = Field(
        ge=0,
        le=9,
        description="The most probable digit, reading the whole drawing as one digit (as "
        "always, so older clients are unchanged). With several digits drawn it is that "
        "single-image reading, not one of `digits`: use `number` and `digits` instead.",
    )
    confidence: float = Field(ge=0, le=1, description="The probability of that digit.")
    probabilities: list[float] = Field(
        min_length=10, max_length=10, description="Probability of each digit 0-9."
    )
    uncertain: bool = Field(description="True when confidence is below UNCERTAIN_BELOW.")
    model_version: str
    preview: str = Field(
        description="The 28x28 image the model saw (ink white on black) as a PNG data URL."
    )
    number: str = Field(
        pattern="^[0-9]+$",
        description='Every digit read, left to right, e.g. "2026"; for one digit, `digit`.',
    )
    digits: list[ReadDigit] = Field(
        min_length=1,
        description="Each digit read, left to right, with its confidence and its box. "
        "One entry, agreeing with `digit`, when the drawing holds one digit.",
    )


class FeedbackRequest(BaseModel):
    """POST /feedback: the drawing the model read, what it said, and the right digit."""

    model_config = ConfigDict(strict=True, extra="ignore")

    image: str = Field(description="The drawing as sent to /predict: a PNG/JPEG/WebP data URL.")
    predicted: int | None = Field(
        default=None, ge=0, le=9, description="The digit /predict answered."
    )
    correct: int = Field(ge=0, le=9, description="The digit the person meant.")
    model_version: str | None = Field(default=None, max_length=100)


class FeedbackResponse(BaseModel):
    status: Literal["stored"]


class HealthResponse(BaseModel):
    status: Literal["ok", "degraded"]
    model_version: str | None
    feedback: bool = Field(
        description="Whether POST /feedback is collected here (FEEDBACK_BUCKET is set); "
        'the page offers its "wrong?" buttons only then.'
    )


class ErrorResponse(BaseModel):
    error: str = Field(
        description="A stable code: invalid_image, too_large, unsupported_media_type, "
        "empty_canvas, invalid_request, model_unavailable, feedback_unavailable, not_found, "
        "method_not_allowed, internal."
    )
    message: str = Field(description="What went wrong, for people; never internal detail.")
    request_id: str = Field(description="Quote it when reporting a problem; it is in the logs.")


COMPONENTS = (
    PredictRequest,
    FeedbackRequest,
    FeedbackResponse,
    DigitBox,
    ReadDigit,
    PredictResponse,
    HealthResponse,
    ErrorResponse,
)
_REF = "#/components/schemas/{model}"


def reference(name: str) -> dict[str, str]:
    """An OpenAPI reference to one of COMPONENTS."""
    return {"$ref": _REF.format(model=name)}


def openapi_components() -> dict[str, Any]:
    """The JSON schemas of COMPONENTS, made only when /openapi.json is first asked for."""
    return {model.__name__: model.model_json_schema(ref_template=_REF) for model in COMPONENTS}
