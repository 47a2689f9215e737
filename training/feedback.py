"""Feedback samples: the drawings people corrected on the page, read back for review and training.

POST /feedback stores each as ``<prefix>YYYY/MM/DD/<id>.png`` plus ``<id>.json`` (its
labels, ``correct`` among them). ``read_candidates`` reads them from a local folder (a
copy of the bucket, e.g. ``aws s3 sync``) or straight from ``s3://bucket/prefix/``, and
passes each through serving's preprocessing, so each carries what the model would read.

Stored feedback is a *candidate*, never training data by itself: training.review screens
the candidates and a person confirms the decisions; only accepted samples train
(training.review.accepted).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image
from tqdm import tqdm

from digits.errors import DigitError
from digits.inference.model import DigitModel
from digits.reading.preprocess import preprocess

MAX_SAMPLES = 100_000  # a bound on what one run reads, whatever the bucket holds


@dataclass(frozen=True)
class FeedbackSet:
    pixels: npt.NDArray[np.uint8]  # (n, 784), preprocessed, 0-255 like the training set
    labels: npt.NDArray[np.uint8]  # the digits people said were right
    skipped: int  # pairs that could not be read (no PNG, bad labels, blank image)

    def __len__(self) -> int:
        return len(self.labels)


EMPTY = FeedbackSet(np.zeros((0, 784), np.uint8), np.zeros(0, np.uint8), 0)


@dataclass(frozen=True)
class Candidate:
    """One stored sample: the image and its labels, nothing else (no one's identity)."""

    id: str  # "2026/11/30/<32 hex>": its key's date and random token (sample_id)
    png: bytes  # the drawing as stored
    pixels: npt.NDArray[np.uint8]  # (784,) what the model reads, 0-255
    claimed: int  # the digit the person picked ("correct" in the store)
    predicted: int | None  # what the page said the model read (client-sent, untrusted)
    model_version: str | None
    created: datetime  # when it was stored (from its labels, else from its key's date)

    @property
    def drawing_hash(self) -> str:
        """Names the 28x28 the model reads: identical inputs, identical hash."""
        return drawing_hash(self.pixels)


@dataclass(frozen=True)
class Candidates:
    samples: tuple[Candidate, ...]
    unreadable: tuple[str, ...]  # ids that could not be read (no PNG, bad labels, blank)


def drawing_hash(pixels: npt.NDArray[np.uint8]) -> str:
    return hashlib.sha256(np.ascontiguousarray(pixels, np.uint8).tobytes()).hexdigest()[:16]


def read_candidates(source: str, limit: int = MAX_SAMPLES, progress: bool = False) -> Candidates:
    """Every sample under a local folder or an ``s3://bucket/prefix``, in key order."""
    store = _S3Store(source) if source.startswith("s3://") else _FolderStore(Path(source))
    keys = store.keys()
    samples: list[Candidate] = []
    unreadable: list[str] = []
    for key in tqdm(keys, desc="reading feedback", unit="sample", disable=not progress):
        name = sample_id(key)
        try:
            samples.append(_candidate(name, store.read(key + ".png"), store.read(key + ".json")))
        except (OSError, ValueError, KeyError, TypeError, DigitError):
            unreadable.append(name)
            continue
        if len(samples) >= limit:
            break
    return Candidates(tuple(samples), tuple(unreadable))


def as_feedback_set(samples: Sequence[Candidate], skipped: int = 0) -> FeedbackSet:
    """The samples as training arrays, labelled with the claimed digits."""
    if not samples:
        return FeedbackSet(EMPTY.pixels, EMPTY.labels, skipped)
    pixels = np.stack([sample.pixels for sample in samples])
    labels = np.array([sample.claimed for sample in samples], dtype=np.uint8)
    return FeedbackSet(pixels, labels, skipped)


def load_feedback(source: str) -> FeedbackSet:
    """Every readable sample, unscreened (for reading only: training takes accepted ones)."""
    candidates = read_candidates(source)
    return as_feedback_set(candidates.samples, len(candidates.unreadable))


def feedback_accuracy(model: DigitModel, samples: FeedbackSet) -> float | None:
    """How many of the samples the model reads as the corrected digit; None if none."""
    if len(samples) == 0:
        return None
    predicted = model.predict_proba(samples.pixels.astype(np.float32) / 255.0).argmax(axis=1)
    return float((predicted == samples.labels).mean())


def _candidate(key: str, png: bytes, labels_json: bytes) -> Candidate:
    labels = json.loads(labels_json)
    claimed = labels["correct"]
    if not _is_digit(claimed):
        raise ValueError("label out of range")
    predicted = labels.get("predicted")
    version = labels.get("model_version")
    with Image.open(BytesIO(png)) as image:
        field = preprocess(image)
    return Candidate(
        id=key,
        png=png,
        pixels=np.round(field.reshape(-1) * 255).astype(np.uint8),
        claimed=claimed,
        predicted=predicted if _is_digit(predicted) else None,
        model_version=version if isinstance(version, str) else None,
        created=_created(labels.get("created"), key),
    )


def _is_digit(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 9


def _created(stamp: Any, key: str) -> datetime:
    """The stored time; for a sample without one, midnight of its key's YYYY/MM/DD."""
    if isinstance(stamp, str):
        try:
            parsed = datetime.fromisoformat(stamp)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            pass
    parts = PurePosixPath(key).parts
    try:
        year, month, day = (int(part) for part in parts[-4:-1])
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=UTC)


class _FolderStore:
    """A local copy of the bucket (``aws s3 sync``), or any folder in its layout."""

    def __init__(self, folder: Path) -> None:
        if not folder.is_dir():
            raise SystemExit(f"feedback folder not found: {folder}")
        self.folder = folder

    def keys(self) -> list[str]:
        """Every sample's path without extension, found by its labels file."""
        found = self.folder.rglob("*.json")
        return sorted(path.relative_to(self.folder).with_suffix("").as_posix() for path in found)

    def read(self, key: str) -> bytes:
        path = self.folder / key
        return path.read_bytes() if path.is_file() else b""


class _S3Store:
    def __init__(self, uri: str) -> None:
        import boto3  # only runs that read from S3 need it

        self.bucket, _, self.prefix = uri.removeprefix("s3://").partition("/")
        self.client: Any = boto3.client("s3")

    def keys(self) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        return sorted(
            item["Key"].removesuffix(".json")
            for page in pages
            for item in page.get("Contents", [])
            if item["Key"].endswith(".json")
        )

    def read(self, key: str) -> bytes:
        try:
            body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except self.client.exceptions.NoSuchKey:
            return b""
        return body


def sample_id(key: str) -> str:
    """``YYYY/MM/DD/<token>``: the key's last four parts, so the bucket (whatever its
    prefix) and any local copy of it name a sample alike."""
    return "/".join(PurePosixPath(key).parts[-4:])
