"""Configuration, read once from the environment (the template sets it in Lambda)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MODEL_FILE = Path("models") / "digit_model_28.joblib"


def default_model_path() -> Path:
    """The baked model: under LAMBDA_TASK_ROOT in Lambda, else the checkout's models/."""
    task_root = os.environ.get("LAMBDA_TASK_ROOT")
    if task_root:
        return Path(task_root) / MODEL_FILE
    # function/digits/settings.py -> the repository root holds models/.
    return Path(__file__).resolve().parents[2] / MODEL_FILE


class Settings(BaseSettings):
    """Every knob of the function; names are the environment variables, upper-cased."""

    model_config = SettingsConfigDict(
        case_sensitive=False, extra="ignore", frozen=True, protected_namespaces=()
    )

    # Where the model comes from: the baked file, or an S3 object fetched to /tmp once.
    model_path: Path = Field(default_factory=default_model_path)
    model_s3_uri: str = ""
    model_sha256: str = ""
    model_cache_dir: Path = Path("/tmp/digits-model")  # noqa: S108 - Lambda's only writable place
    # Estimators trained on raw MNIST bytes (0-255) need 255 here; the shipped bundle uses 1.
    model_input_scale: float = Field(default=1.0, gt=0)
    # Answers whose top probability is below this are flagged "uncertain". Unset: the
    # threshold calibrated with the model on held-out writers (its JSON), else 0.6.
    uncertain_below: float | None = Field(default=None, ge=0, le=1)
    # Request limits: body bytes as received, then image dimensions from the header.
    max_body_bytes: int = Field(default=2_000_000, gt=0)
    max_image_side: int = Field(default=4096, ge=8)
    max_image_pixels: int = Field(default=4096 * 4096, ge=64)
    # Browser origins allowed to call the API directly (local use; API Gateway does it in AWS).
    # Feedback (POST /feedback): labelled drawings go to this private bucket, under the
    # prefix; no bucket, no feedback (503). Smaller than MAX_BODY_BYTES: a canvas PNG is small.
    feedback_bucket: str = ""
    feedback_prefix: str = "feedback/"
    feedback_max_bytes: int = Field(default=300_000, gt=0)
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    metrics_namespace: str = "DigitLambda"
    service_name: str = "digits"

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        # CORS_ORIGINS="http://localhost:5173, http://127.0.0.1:5173" (comma-separated).
        if isinstance(value, str):
            return tuple(origin.strip() for origin in value.split(",") if origin.strip())
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("model_sha256", mode="before")
    @classmethod
    def _lower_hex(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
