"""Where the model file comes from: the baked path, or an S3 object fetched to /tmp once.

A joblib file is a pickle, so one from a bucket is only used when its sha256 equals
MODEL_SHA256; a mismatch is refused, never loaded. The download lands in Lambda's
/tmp, which outlives the process within one execution environment, so a restart
of the function there reuses it instead of downloading again.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from digits.errors import ModelUnavailable
from digits.model import sha256_of
from digits.settings import Settings


def resolve_model_file(settings: Settings, s3_client: Any = None) -> Path:
    """The local path of the model to load (downloading it first if it is in S3)."""
    expected = settings.model_sha256
    if settings.model_s3_uri:
        if not expected:
            raise ModelUnavailable(
                "MODEL_S3_URI is set without MODEL_SHA256: refusing an unverified model"
            )
        return fetch_from_s3(settings.model_s3_uri, expected, settings.model_cache_dir, s3_client)
    path = settings.model_path
    if expected and path.is_file():
        _verify(path, expected, str(path))
    return path


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> (bucket, key)."""
    if not uri.startswith("s3://"):
        raise ModelUnavailable(f"MODEL_S3_URI is not an s3:// URI: {uri}")
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not bucket or not key or key.endswith("/"):
        raise ModelUnavailable(f"MODEL_S3_URI names no object: {uri}")
    return bucket, key


def fetch_from_s3(uri: str, sha256: str, cache_dir: Path, s3_client: Any = None) -> Path:
    """Download the object once (and its sibling .json metadata, if any); verify it."""
    bucket, key = parse_s3_uri(uri)
    suffix = PurePosixPath(key).suffix or ".joblib"
    # Named by content: a cached file is valid exactly when its hash matches its name.
    target = cache_dir / f"{sha256}{suffix}"
    if target.is_file() and sha256_of(target) == sha256:
        return target
    if s3_client is None:
        # Imported here: only functions configured for S3 pay boto3's import time.
        import boto3

        s3_client = boto3.client("s3")
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = _download(s3_client, bucket, key, cache_dir, uri)
    try:
        _verify(partial, sha256, uri)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    _fetch_metadata(s3_client, bucket, key, target.with_suffix(".json"))
    return target


def _download(client: Any, bucket: str, key: str, folder: Path, uri: str) -> Path:
    handle, name = tempfile.mkstemp(dir=folder, suffix=".part")
    os.close(handle)
    partial = Path(name)
    try:
        client.download_file(bucket, key, str(partial))
    except Exception as error:  # botocore raises many types; all mean "no model"
        partial.unlink(missing_ok=True)
        raise ModelUnavailable(f"cannot download {uri}: {type(error).__name__}: {error}") from error
    return partial


def _fetch_metadata(client: Any, bucket: str, key: str, target: Path) -> None:
    """The model's JSON beside it in the bucket; optional (the API then reports less)."""
    metadata_key = str(PurePosixPath(key).with_suffix(".json"))
    try:
        client.download_file(bucket, metadata_key, str(target))
    except Exception:  # no metadata object is a normal case, not an error
        target.unlink(missing_ok=True)


def _verify(path: Path, expected: str, origin: str) -> None:
    actual = sha256_of(path)
    if actual != expected:
        raise ModelUnavailable(
            f"model from {origin} has sha256 {actual}, expected {expected}: refused"
        )
