"""Helpers for the function's tests: tiny real models, settings, images, API checks."""

from __future__ import annotations

import json
import re
import struct
import zlib
from io import BytesIO
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from PIL import Image

from digits.inference.model import MlpEnsemble, sha256_of
from digits.inference.network import Network
from digits.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
SHIPPED_MODEL = ROOT / "models" / "digit_model_28.joblib"
ERROR_CODES = {
    "invalid_image",
    "too_large",
    "unsupported_media_type",
    "empty_canvas",
    "invalid_request",
    "model_unavailable",
    "internal",
    "not_found",
    "method_not_allowed",
}
# What must never reach a client: Python's exception vocabulary, paths, addresses.
LEAKS = (
    "Traceback",
    'File "',
    "Error(",
    "Exception",
    "/work/",
    "/tmp/",  # noqa: S108 - a string to look for, not a file we use
    "site-packages",
    "PIL",
    "pydantic",
    "joblib",
    "numpy",
    "ValueError",
    "KeyError",
    "TypeError",
    "OSError",
    "cannot identify",
)

ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")  # a memory address, as in "<object at 0x7f...>"


# Every field of a 200 answer from /predict (the contract the page and the seed rely on).
PREDICT_ANSWER_KEYS = frozenset(
    {
        "digit",
        "confidence",
        "probabilities",
        "uncertain",
        "model_version",
        "preview",
        "number",
        "digits",
    }
)

# Fake credentials for moto and the local S3 stand-ins: never a real account, and
# never the instance metadata service.
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def tiny_model(folder: Path, seed: int = 0, version: str = "test-1", metadata: bool = True) -> Path:
    """A real MlpEnsemble bundle with random weights (and its JSON), in ``folder``."""
    rng = np.random.default_rng(seed)
    network = Network(
        weights=(
            rng.normal(0, 0.05, (784, 16)).astype(np.float32),
            rng.normal(0, 0.5, (16, 10)).astype(np.float32),
        ),
        biases=(np.zeros(16, np.float32), rng.normal(0, 0.1, 10).astype(np.float32)),
    )
    path = folder / "tiny_model.joblib"
    joblib.dump(MlpEnsemble((network,)).to_bundle(), path)
    if metadata:
        info = {"name": "tiny_model", "version": version, "sha256": sha256_of(path)}
        path.with_suffix(".json").write_text(json.dumps(info), encoding="utf-8")
    return path


def settings_for(model_path: Path, **overrides: Any) -> Settings:
    """Settings as the environment would give them, for one test (no env needed)."""
    return Settings(model_path=model_path, **overrides)


def png_bytes(image: Image.Image, fmt: str = "PNG", **options: Any) -> bytes:
    buffer = BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height, with one row of pixel data.

    Decoding it would fail (truncated); reading its header is cheap. A server that
    checks dimensions before decoding answers "too large" at once.
    """

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    row = zlib.compress(b"\x00" + b"\xff" * min(width, 1 << 16))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", row) + chunk(b"IEND", b"")


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The contract's error shape, nothing internal in it, and a small answer."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "message", "request_id"}
    assert body["error"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert body["request_id"] == response.headers["x-request-id"]
    assert len(response.content) < 512
    for leak in LEAKS:
        assert leak not in body["message"], (leak, body["message"])
    assert not ADDRESS.search(body["message"]), body["message"]
    return body


def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return loaded
