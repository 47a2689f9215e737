"""Feedback samples for training: the drawings people corrected on the page.

POST /feedback stores each as ``<prefix>YYYY/MM/DD/<id>.png`` plus ``<id>.json`` (its
labels, ``correct`` among them). ``load_feedback`` reads them from a local folder (a
copy of the bucket, e.g. ``aws s3 sync``) or straight from ``s3://bucket/prefix/``, and
passes each through serving's preprocessing, so they are what the model would read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from digits.errors import DigitError
from digits.model import DigitModel
from digits.preprocess import preprocess

MAX_SAMPLES = 100_000  # a bound on what one run reads, whatever the bucket holds


@dataclass(frozen=True)
class FeedbackSet:
    pixels: npt.NDArray[np.uint8]  # (n, 784), preprocessed, 0-255 like the training set
    labels: npt.NDArray[np.uint8]  # the digits people said were right
    skipped: int  # pairs that could not be read (no PNG, bad labels, blank image)

    def __len__(self) -> int:
        return len(self.labels)


def load_feedback(source: str) -> FeedbackSet:
    """The samples under a local folder or an ``s3://bucket/prefix``."""
    pairs = _s3_pairs(source) if source.startswith("s3://") else _folder_pairs(Path(source))
    pixels: list[npt.NDArray[np.uint8]] = []
    labels: list[int] = []
    skipped = 0
    for png, labels_json in pairs:
        try:
            correct = json.loads(labels_json)["correct"]
            if not isinstance(correct, int) or not 0 <= correct <= 9:
                raise ValueError("label out of range")
            with Image.open(BytesIO(png)) as image:
                field = preprocess(image)
        except (OSError, ValueError, KeyError, TypeError, DigitError):
            skipped += 1
            continue
        pixels.append(np.round(field.reshape(-1) * 255).astype(np.uint8))
        labels.append(correct)
        if len(labels) >= MAX_SAMPLES:
            break
    stacked = np.stack(pixels) if pixels else np.zeros((0, 784), np.uint8)
    return FeedbackSet(stacked, np.array(labels, dtype=np.uint8), skipped)


def feedback_accuracy(model: DigitModel, samples: FeedbackSet) -> float | None:
    """How many of the samples the model reads as the corrected digit; None if none."""
    if len(samples) == 0:
        return None
    predicted = model.predict_proba(samples.pixels.astype(np.float32) / 255.0).argmax(axis=1)
    return float((predicted == samples.labels).mean())


def _folder_pairs(folder: Path) -> Iterator[tuple[bytes, bytes]]:
    if not folder.is_dir():
        raise SystemExit(f"feedback folder not found: {folder}")
    for labels in sorted(folder.rglob("*.json")):
        png = labels.with_suffix(".png")
        yield (png.read_bytes() if png.is_file() else b""), labels.read_bytes()


def _s3_pairs(uri: str) -> Iterator[tuple[bytes, bytes]]:
    import boto3  # only runs that read from S3 need it

    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    client: Any = boto3.client("s3")
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            key = item["Key"]
            if not key.endswith(".json"):
                continue
            labels = client.get_object(Bucket=bucket, Key=key)["Body"].read()
            try:
                png_key = key.removesuffix(".json") + ".png"
                png = client.get_object(Bucket=bucket, Key=png_key)["Body"].read()
            except client.exceptions.NoSuchKey:
                png = b""
            yield png, labels
