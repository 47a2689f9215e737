"""Feedback: a drawing the model read wrongly, with the right digit, kept for training.

Each report becomes two objects in the private FEEDBACK_BUCKET, under FEEDBACK_PREFIX:
``<prefix>YYYY/MM/DD/<random id>.png`` (the drawing, re-encoded: no metadata the
client put in the file survives) and ``<same>.json`` (the labels). Nothing about the
person is stored: no IP address, user agent or request headers.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from io import BytesIO
from typing import Any

from PIL import Image

from digits.errors import FeedbackUnavailable

logger = logging.getLogger("digits.feedback")


@dataclass(frozen=True)
class FeedbackRecord:
    correct: int
    predicted: int | None
    model_version: str | None


def object_key(prefix: str, when: datetime, token: str) -> str:
    """``<prefix>YYYY/MM/DD/<token>``, without the extension."""
    return f"{prefix}{when:%Y/%m/%d}/{token}"


def store_feedback(bucket: str, prefix: str, image: Image.Image, record: FeedbackRecord) -> str:
    """Put the PNG and its JSON into the bucket; the key (without extension) stored."""
    if not bucket:
        raise FeedbackUnavailable("FEEDBACK_BUCKET is not set")
    now = datetime.now(UTC)
    key = object_key(prefix, now, secrets.token_hex(16))
    png = BytesIO()
    image.save(png, format="PNG")
    metadata = {
        "correct": record.correct,
        "predicted": record.predicted,
        "model_version": record.model_version,
        "created": now.isoformat(timespec="seconds"),
        "width": image.width,
        "height": image.height,
    }
    client = s3_client()
    try:
        client.put_object(
            Bucket=bucket, Key=f"{key}.png", Body=png.getvalue(), ContentType="image/png"
        )
        client.put_object(
            Bucket=bucket,
            Key=f"{key}.json",
            Body=json.dumps(metadata).encode(),
            ContentType="application/json",
        )
    except Exception as error:  # botocore's errors: logged by type, told as 503
        logger.error("feedback not stored: %s", type(error).__name__)
        raise FeedbackUnavailable("the feedback store failed") from None
    return key


@lru_cache(maxsize=1)
def s3_client() -> Any:
    """One client per container; imported here so /predict never pays boto3's import."""
    import boto3

    return boto3.client("s3")
