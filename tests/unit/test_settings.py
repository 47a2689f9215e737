"""Settings: read from the environment, defaults that work in Lambda and in a checkout."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from digits.settings import Settings, default_model_path, get_settings

ROOT = Path(__file__).resolve().parents[2]


def test_without_environment_the_model_is_the_checkouts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAMBDA_TASK_ROOT", raising=False)
    monkeypatch.delenv("MODEL_PATH", raising=False)
    assert Settings().model_path == ROOT / "models" / "digit_model_28.joblib"


def test_in_lambda_the_model_is_under_the_task_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    assert default_model_path() == Path("/var/task/models/digit_model_28.joblib")


def test_environment_variables_set_every_field(monkeypatch: pytest.MonkeyPatch) -> None:
    environment = {
        "MODEL_PATH": "/opt/model.joblib",
        "MODEL_S3_URI": "s3://bucket/model.joblib",
        "MODEL_SHA256": " ABCDEF ",
        "MODEL_INPUT_SCALE": "255",
        "UNCERTAIN_BELOW": "0.8",
        "MAX_BODY_BYTES": "1000",
        "MAX_IMAGE_SIDE": "512",
        "MAX_IMAGE_PIXELS": "100000",
        "CORS_ORIGINS": "http://localhost:5173, http://127.0.0.1:5173,",
        "LOG_LEVEL": "debug",
        "MODEL_CACHE_DIR": "/mnt/cache",
        "FEEDBACK_BUCKET": "feedback-bucket",
        "FEEDBACK_PREFIX": "drawings/",
        "FEEDBACK_MAX_BYTES": "1234",
        "METRICS_NAMESPACE": "Digits/Test",
        "SERVICE_NAME": "digits-test",
    }
    # Every field, so a new one must be added here (and so be shown to come from the env).
    assert set(environment) == {name.upper() for name in Settings.model_fields}
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.model_path == Path("/opt/model.joblib")
    assert settings.model_s3_uri == "s3://bucket/model.joblib"
    assert settings.model_sha256 == "abcdef"
    assert settings.model_input_scale == 255.0
    assert settings.uncertain_below == 0.8
    assert (settings.max_body_bytes, settings.max_image_side) == (1000, 512)
    assert settings.max_image_pixels == 100000
    assert settings.cors_origins == ("http://localhost:5173", "http://127.0.0.1:5173")
    assert settings.log_level == "DEBUG"
    assert settings.model_cache_dir == Path("/mnt/cache")
    assert (settings.feedback_bucket, settings.feedback_prefix) == ("feedback-bucket", "drawings/")
    assert settings.feedback_max_bytes == 1234
    assert (settings.metrics_namespace, settings.service_name) == ("Digits/Test", "digits-test")
    # And none of them is the default any more: each value above really came from the env.
    defaults = Settings.model_construct()
    changed = {
        name for name in Settings.model_fields if getattr(settings, name) != getattr(defaults, name)
    }
    assert changed == set(Settings.model_fields)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("UNCERTAIN_BELOW", "1.5"),
        ("MAX_BODY_BYTES", "0"),
        ("MAX_BODY_BYTES", "lots"),
        ("MAX_IMAGE_SIDE", "4"),
        ("LOG_LEVEL", "chatty"),
        ("MODEL_INPUT_SCALE", "-1"),
        ("FEEDBACK_MAX_BYTES", "0"),
        ("MAX_IMAGE_PIXELS", "10"),
    ],
)
def test_invalid_values_are_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


def test_empty_cors_origins_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "")
    assert Settings().cors_origins == ()


def test_settings_are_read_once() -> None:
    assert get_settings() is get_settings()
