"""Where the model file comes from: the baked path, or an S3 object fetched to /tmp once.

A joblib file is a pickle, so one from a bucket is only used when its sha256 equals
MODEL_SHA256; a mismatch is refused, never loaded. The download lands in Lambda's
/tmp, which outlives the process within one execution environment, so a restart
of the function there reuses it instead of downloading again.

The download runs during Lambda's init, which has 10 s in all. botocore's defaults
(60 s connect and read timeouts, retries without a total bound) could spend all of it
on a slow or unreachable S3, and the init would then fail instead of coming up
degraded. So each attempt has short timeouts, transient failures are retried with
jittered exponential backoff, and the whole fetch (model and metadata) runs in a
worker thread that is given up on after DOWNLOAD_BUDGET_S, however the server
behaves (a trickle of bytes never trips a read timeout).
"""

from __future__ import annotations

import logging
import os
import random
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from digits.errors import ModelUnavailable
from digits.inference.model import sha256_of
from digits.settings import Settings

logger = logging.getLogger("digits.model")

# The whole fetch: well inside the 10 s init, after ~1 s of imports, with room to load.
DOWNLOAD_BUDGET_S = 4.0
# One attempt: S3 in the function's region connects in milliseconds and streams a few
# MB in well under a second; longer waits mean an attempt worth abandoning.
CONNECT_TIMEOUT_S = 1.0
READ_TIMEOUT_S = 2.0
MAX_ATTEMPTS = 4
BACKOFF_BASE_S = 0.2  # before attempt n+1: uniform(0, 0.2 * 2**n) s ("full jitter")
CHUNK_BYTES = 256 * 1024
# Client errors that another attempt cannot fix are not retried (NoSuchKey, AccessDenied).
_RETRYABLE_STATUS = frozenset({408, 429})
_RETRYABLE_CODES = frozenset({"SlowDown", "Throttling", "RequestTimeout", "InternalError"})


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


def fetch_from_s3(
    uri: str,
    sha256: str,
    cache_dir: Path,
    s3_client: Any = None,
    budget_s: float = DOWNLOAD_BUDGET_S,
) -> Path:
    """Download the object once (and its sibling .json metadata, if any); verify it."""
    bucket, key = parse_s3_uri(uri)
    suffix = PurePosixPath(key).suffix or ".joblib"
    # Named by content: a cached file is valid exactly when its hash matches its name.
    target = cache_dir / f"{sha256}{suffix}"
    if target.is_file() and sha256_of(target) == sha256:
        return target
    client = s3_client if s3_client is not None else s3_client_for_init()
    cache_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + budget_s
    partial = _within(
        deadline, budget_s, uri, lambda job: _download(client, bucket, key, cache_dir, job)
    )
    try:
        _verify(partial, sha256, uri)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    _fetch_metadata(client, bucket, key, target.with_suffix(".json"), deadline, budget_s)
    return target


def s3_client_for_init() -> Any:
    """An S3 client whose every attempt is short (the retries are ours, see _download)."""
    # Imported here: only functions configured for S3 pay boto3's import time.
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"mode": "standard", "total_max_attempts": 1},
    )
    return boto3.client("s3", config=config)


@dataclass
class _Job:
    """What a download worker shares with the thread waiting for it."""

    uri: str
    cancelled: threading.Event = field(default_factory=threading.Event)
    attempts: int = 0
    last_error: str = ""
    result: Path | None = None
    error: BaseException | None = None


def _within(deadline: float, budget_s: float, uri: str, work: Callable[[_Job], Path]) -> Path:
    """Run ``work`` in a daemon thread; ModelUnavailable if it is not done by ``deadline``."""
    job = _Job(uri)

    def run() -> None:
        try:
            job.result = work(job)
        except BaseException as error:  # handed to the waiting thread, which raises it
            job.error = error

    worker = threading.Thread(target=run, name="model-download", daemon=True)
    worker.start()
    worker.join(timeout=max(0.0, deadline - time.monotonic()))
    if worker.is_alive():
        # The worker stops at its next chunk or timeout and removes its partial file.
        job.cancelled.set()
        tried = (
            f" ({job.attempts} attempts, last error: {job.last_error})" if job.last_error else ""
        )
        raise ModelUnavailable(f"downloading {uri} timed out after {budget_s:g} s{tried}")
    if job.error is not None:
        raise job.error
    if job.result is None:
        raise ModelUnavailable(f"downloading {uri} gave no file")
    return job.result


def _download(client: Any, bucket: str, key: str, folder: Path, job: _Job) -> Path:
    """The object into a new partial file, retrying transient failures with backoff."""
    for attempt in range(MAX_ATTEMPTS):
        # Backoff before a retry; a cancelled job stops waiting at once.
        if attempt and job.cancelled.wait(random.uniform(0, BACKOFF_BASE_S * 2**attempt)):  # noqa: S311 - jitter, not security
            break
        job.attempts = attempt + 1
        handle, name = tempfile.mkstemp(dir=folder, suffix=".part")
        partial = Path(name)
        try:
            with os.fdopen(handle, "wb") as out:
                body = client.get_object(Bucket=bucket, Key=key)["Body"]
                for chunk in body.iter_chunks(CHUNK_BYTES):
                    if job.cancelled.is_set():
                        break
                    out.write(chunk)
        except Exception as error:  # botocore raises many types; classified below
            partial.unlink(missing_ok=True)
            job.last_error = f"{type(error).__name__}: {error}"
            if not _retryable(error):
                raise ModelUnavailable(f"cannot download {job.uri}: {job.last_error}") from error
            continue
        if job.cancelled.is_set():  # given up on meanwhile: nobody will use the file
            partial.unlink(missing_ok=True)
            break
        if attempt:
            logger.warning(
                "model file downloaded after %d attempts",
                job.attempts,
                extra={"fields": {"uri": job.uri, "last_error": job.last_error}},
            )
        return partial
    raise ModelUnavailable(
        f"cannot download {job.uri} after {job.attempts} attempts: {job.last_error}"
    )


def _retryable(error: Exception) -> bool:
    """Network trouble, throttling and S3's 5xx: yes. Missing, forbidden, misconfigured: no."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        NoCredentialsError,
        ParamValidationError,
    )

    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        code = error.response.get("Error", {}).get("Code", "")
        return status >= 500 or status in _RETRYABLE_STATUS or code in _RETRYABLE_CODES
    if isinstance(error, NoCredentialsError | ParamValidationError):
        return False
    return isinstance(error, BotoCoreError)


def _fetch_metadata(
    client: Any, bucket: str, key: str, target: Path, deadline: float, budget_s: float
) -> None:
    """The model's JSON beside it in the bucket; optional (the API then reports less)."""
    metadata_key = str(PurePosixPath(key).with_suffix(".json"))
    uri = f"s3://{bucket}/{metadata_key}"
    try:
        partial = _within(
            deadline,
            budget_s,
            uri,
            lambda job: _download(client, bucket, metadata_key, target.parent, job),
        )
    except ModelUnavailable as error:  # no metadata object is a normal case, not an error
        logger.info("no model metadata: %s", error)
        return
    partial.replace(target)


def _verify(path: Path, expected: str, origin: str) -> None:
    actual = sha256_of(path)
    if actual != expected:
        raise ModelUnavailable(
            f"model from {origin} has sha256 {actual}, expected {expected}: refused"
        )
