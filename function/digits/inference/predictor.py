"""The model as the API sees it: loaded once, with its metadata, or the reason it is not.

Loading never raises: a missing or corrupt model leaves a predictor that says why
(one log line at init), so /health can answer "degraded" and /predict 503, instead
of the function crashing on every cold start.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from digits.errors import ModelUnavailable
from digits.inference.model import DigitModel, load_model, sha256_of
from digits.inference.model_source import resolve_model_file
from digits.settings import Settings

logger = logging.getLogger("digits.model")
DEFAULT_UNCERTAIN_BELOW = 0.6  # for a model that brings no calibrated threshold


@dataclass(frozen=True)
class Prediction:
    digit: int
    confidence: float
    probabilities: list[float]
    uncertain: bool


@dataclass(frozen=True)
class Predictor:
    model: DigitModel | None
    metadata: dict[str, Any]
    problem: str | None
    uncertain_below: float

    @property
    def ready(self) -> bool:
        return self.model is not None

    @property
    def version(self) -> str | None:
        return str(self.metadata["version"]) if self.ready else None

    def require_model(self) -> DigitModel:
        if self.model is None:
            raise ModelUnavailable(self.problem or "no model")
        return self.model

    def predict(self, pixels: np.ndarray) -> Prediction:
        """A (28, 28) array in [0, 1] -> the digit and all ten probabilities."""
        probabilities = self.require_model().predict_proba(pixels.reshape(1, -1))[0]
        digit = int(np.argmax(probabilities))
        # Six decimals: more is noise from float32, and it keeps the answer small.
        rounded = [round(float(p), 6) for p in probabilities]
        confidence = rounded[digit]
        return Prediction(digit, confidence, rounded, confidence < self.uncertain_below)


def load_predictor(settings: Settings) -> Predictor:
    """Resolve, load and describe the configured model; log one line either way."""
    started = time.perf_counter()
    try:
        path = resolve_model_file(settings)
        model = load_model(path, input_scale=settings.model_input_scale)
    except ModelUnavailable as error:
        logger.error("model unavailable: %s", error, extra={"fields": {"reason": str(error)}})
        return Predictor(None, {}, str(error), uncertain_threshold(settings, {}))
    metadata = read_metadata(path)
    logger.info(
        "model loaded",
        extra={
            "fields": {
                "model_version": metadata["version"],
                "model_path": str(path),
                "load_ms": round((time.perf_counter() - started) * 1000, 1),
            }
        },
    )
    return Predictor(model, metadata, None, uncertain_threshold(settings, metadata))


def uncertain_threshold(settings: Settings, metadata: dict[str, Any]) -> float:
    """UNCERTAIN_BELOW if set, else the threshold calibrated with the model, else 0.6."""
    if settings.uncertain_below is not None:
        return settings.uncertain_below
    calibrated = (metadata.get("calibration") or {}).get("uncertain_below")
    return float(calibrated) if isinstance(calibrated, int | float) else DEFAULT_UNCERTAIN_BELOW


def read_metadata(model_path: Path) -> dict[str, Any]:
    """The model's JSON (same name, .json); without one, a name and a content version."""
    try:
        loaded = json.loads(model_path.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        logger.warning("model metadata unreadable: %s", type(error).__name__)
        loaded = None
    if isinstance(loaded, dict) and isinstance(loaded.get("version"), str):
        return loaded
    digest = sha256_of(model_path)
    return {"name": model_path.stem, "version": f"sha256-{digest[:12]}", "sha256": digest}
