"""Real pen trajectories: the UCI pendigits training writers, shipped in training/data/.

7,494 digits by 30 writers, each a list of pen-down strokes of (x, y) tablet points
(500x500 tablet, y growing upwards, about 100 points a second). Credit and licence:
training/data/README.md (CC BY 4.0). Only this training split is ever used: the test
writers and every other pen collection are kept for the independent evaluation.

Whole writers are held out for validation, calibration and every choice made in
training (`HELD_OUT_WRITERS`), so the figures on them say how the model reads people
it has never seen.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

DATA_FILE = Path(__file__).resolve().parent / "data" / "pendigits-orig.tra.gz"
# sha256 of the uncompressed text, as published beside the data.
SHA256 = "a66225d68d7d68591e62944df1ad33b3f5aa608e2df2505844b41f5568a80da4"
WRITERS = range(1, 31)  # the file numbers its writers 1-30
# Six of the thirty writers (a fifth), drawn with a fixed seed rather than picked by
# looking at them: every model, augmentation and threshold is chosen on them.
HELD_OUT_WRITERS = frozenset(
    int(w) for w in np.random.default_rng(2026).choice(np.asarray(WRITERS), 6, replace=False)
)

Stroke = npt.NDArray[np.float32]  # (n, 2) points as (x, y), y growing downwards


@dataclass(frozen=True)
class PenDigit:
    label: int
    writer: int
    strokes: tuple[Stroke, ...]


class PendigitsUnavailable(RuntimeError):
    """The data file is missing or not the published one."""


def load_pendigits(path: Path = DATA_FILE) -> list[PenDigit]:
    """Every digit of the file, strokes flipped so y grows downwards as on a canvas."""
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as error:
        raise PendigitsUnavailable(f"cannot read {path}: {error}") from error
    if hashlib.sha256(raw).hexdigest() != SHA256:
        raise PendigitsUnavailable(f"{path} is not the published pendigits training file")
    return parse(raw.decode("ascii"))


def parse(text: str) -> list[PenDigit]:
    """Parse the UNIPEN-like text: .SEGMENT opens a digit, .COMMENT names its writer."""
    digits: list[PenDigit] = []
    label = writer = -1
    strokes: list[Stroke] = []
    points: list[tuple[float, float]] | None = None

    def close_digit() -> None:
        if label >= 0 and strokes:
            digits.append(PenDigit(label, writer, tuple(strokes)))

    for line in text.splitlines():
        fields = line.split()
        if not fields:
            continue
        keyword = fields[0]
        if keyword == ".SEGMENT":
            close_digit()
            label, writer, strokes = int(fields[-1].strip('"')), -1, []
        elif keyword == ".COMMENT" and len(fields) >= 3:
            writer = int(fields[2])
        elif keyword == ".PEN_DOWN":
            points = []
        elif keyword == ".PEN_UP":
            if points:
                array = np.asarray(points, dtype=np.float32)
                array[:, 1] = -array[:, 1]  # the tablet's y grows upwards
                strokes.append(array)
            points = None
        elif points is not None and not keyword.startswith("."):
            points.append((float(fields[0]), float(fields[1])))
    close_digit()
    return digits


def split_by_writer(
    digits: list[PenDigit], held_out_writers: Collection[int] = HELD_OUT_WRITERS
) -> tuple[list[PenDigit], list[PenDigit]]:
    """(training writers, held-out writers)."""
    held_out = frozenset(held_out_writers)
    train = [d for d in digits if d.writer not in held_out]
    return train, [d for d in digits if d.writer in held_out]
