"""Builds the FastAPI app: settings, the model (loaded once, here), routes, errors, logs.

Every error a client sees is made in one place, ``error_response``, from the table
below: domain errors by type, request-schema errors, Starlette's 404/405, and (via
the middleware) anything unexpected as a generic 500. Messages come from our own
code only; exception text from libraries never reaches a client.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from digits.errors import (
    DigitError,
    EmptyCanvas,
    FeedbackUnavailable,
    ImageTooLarge,
    InvalidImage,
    ModelUnavailable,
    UnsupportedMediaType,
)
from digits.inference.predictor import load_predictor
from digits.settings import Settings, get_settings
from digits.web.middleware import RequestMiddleware
from digits.web.observability import RequestLog, configure_logging
from digits.web.routes import image_limits, router
from digits.web.schemas import openapi_components

logger = logging.getLogger("digits.app")

# Domain error -> (status, code, public message; None = the error's own message,
# which our code writes for clients: decode's explanations of what was wrong).
DOMAIN_ERRORS: dict[type[DigitError], tuple[int, str, str | None]] = {
    InvalidImage: (400, "invalid_image", None),
    ImageTooLarge: (413, "too_large", None),
    UnsupportedMediaType: (415, "unsupported_media_type", None),
    EmptyCanvas: (422, "empty_canvas", "nothing is drawn: draw a digit and try again"),
    ModelUnavailable: (503, "model_unavailable", "the model is not available; try again later"),
    FeedbackUnavailable: (503, "feedback_unavailable", "feedback is not being collected here"),
}
HTTP_ERRORS = {404: "not_found", 405: "method_not_allowed"}
INTERNAL_MESSAGE = "something went wrong on our side; quote the request_id if it persists"


def describe_error(error: Exception) -> tuple[int, str, str]:
    """Any exception -> (HTTP status, error code, message safe to show)."""
    for kind, (status, code, message) in DOMAIN_ERRORS.items():
        if isinstance(error, kind):
            return status, code, message or str(error)
    if isinstance(error, RequestValidationError):
        return 422, "invalid_request", _schema_message(error)
    if isinstance(error, HTTPException) and error.status_code < 500:
        status = error.status_code
        return status, HTTP_ERRORS.get(status, "invalid_request"), _http_message(status)
    return 500, "internal", INTERNAL_MESSAGE


def error_response(request_id: str, error: Exception) -> JSONResponse:
    status, code, message = describe_error(error)
    headers = getattr(error, "headers", None) if status == 405 else None  # keeps Allow
    return JSONResponse(
        {"error": code, "message": message, "request_id": request_id},
        status_code=status,
        headers=headers,
    )


async def handle_error(request: Request, error: Exception) -> JSONResponse:
    """The one exception handler: every expected error becomes the contract's JSON."""
    request_id: str = request.state.request_id
    status, code, _ = describe_error(error)
    request.state.outcome["error"] = code
    if status >= 500:
        # The reason (a path, an S3 error) is for operators: logs, not the answer.
        logger.error("request failed: %s", error, extra={"fields": {"request_id": request_id}})
    return error_response(request_id, error)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API for these settings; loads the model now (never raises for a bad model)."""
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        title="digit-lambda",
        summary="Reads a handwritten digit from a canvas drawing.",
        version="1",
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.limits = image_limits(settings)
    app.state.predictor = load_predictor(settings)
    app.include_router(router)
    _add_schemas_to_openapi(app)
    for kind in (DigitError, RequestValidationError, HTTPException):
        app.add_exception_handler(kind, handle_error)
    if settings.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
            expose_headers=["X-Request-ID"],
        )
    # Added last, so it is outermost: it sees every response, CORS included.
    app.add_middleware(
        RequestMiddleware,
        request_log=RequestLog(settings.metrics_namespace, settings.service_name),
        internal_error=lambda request_id: error_response(request_id, RuntimeError()),
    )
    return app


def _add_schemas_to_openapi(app: FastAPI) -> None:
    """The routes name their schemas by reference; add the schemas when the spec is made."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = generate()
            spec.setdefault("components", {}).setdefault("schemas", {}).update(openapi_components())
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]


def _schema_message(error: RequestValidationError) -> str:
    # Location and pydantic's generic text only ("image: Field required"); never the input.
    parts = []
    for item in error.errors()[:3]:
        where = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        text = "the body is not valid JSON" if item.get("type") == "json_invalid" else item["msg"]
        parts.append(f"{where}: {text}" if where else text)
    return "; ".join(parts) or "the request does not match the API"


def _http_message(status: int) -> str:
    if status == 404:
        return "no such resource"
    if status == 405:
        return "method not allowed here"
    return "the request is not one this API accepts"


def __getattr__(name: str) -> FastAPI:
    # ``from digits.app import app`` (the handler, at init) builds the app once, on
    # first use; importing create_app alone (tests, tools.local.serve) loads no model.
    if name == "app":
        app = globals()["app"] = create_app()
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
