"""The decisions file: one row per sample, the screens' proposal that a person edits.

A CSV (a spreadsheet opens it; ``decision`` is the one column to edit: ``accept``,
``reject`` or ``flag``). ``flag`` means "not decided": it never trains. Rows are grouped
by claimed digit, as the contact sheets are, flagged ones first.

It holds the sample's labels as stored (claimed, predicted, model version, time), what the
current model reads, and a hash of the 28x28: nothing about who sent it, since the store
has nothing (COLUMNS is the whole list; tests hold it to that). The hash ties a decision
to the drawing reviewed: a sample whose drawing no longer matches is not used.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from training.feedback import Candidate
from training.review.screens import DECISIONS, Decision, Screened

COLUMNS = (
    "id",
    "created",
    "claimed",
    "predicted",
    "model_version",
    "model_reads",
    "model_confidence",
    "model_p_claimed",
    "drawing_hash",
    "decision",
    "screen",
    "reason",
)
_ORDER = {"flag": 0, "accept": 1, "reject": 2}


class DecisionsInvalid(ValueError):
    """The decisions file cannot be used as it is; the message says where and why."""


@dataclass(frozen=True)
class Reviewed:
    decision: Decision
    drawing_hash: str


def write_decisions(path: Path, samples: Sequence[Candidate], screened: Screened) -> None:
    def order(sample: Candidate) -> tuple[int, int, str, str]:
        decision = screened.verdicts[sample.id].decision
        return sample.claimed, _ORDER[decision], sample.created.isoformat(), sample.id

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for sample in sorted(samples, key=order):
            verdict = screened.verdicts[sample.id]
            reading = screened.readings.get(sample.id)
            writer.writerow(
                {
                    "id": sample.id,
                    "created": sample.created.isoformat(timespec="seconds"),
                    "claimed": sample.claimed,
                    "predicted": "" if sample.predicted is None else sample.predicted,
                    "model_version": sample.model_version or "",
                    "model_reads": "" if reading is None else reading.digit,
                    "model_confidence": "" if reading is None else f"{reading.confidence:.4f}",
                    "model_p_claimed": "" if reading is None else f"{reading.p_claimed:.4f}",
                    "drawing_hash": sample.drawing_hash,
                    "decision": verdict.decision,
                    "screen": verdict.screen,
                    "reason": verdict.reason,
                }
            )


def read_decisions(path: Path) -> dict[str, Reviewed]:
    """Decision and drawing hash by sample id; DecisionsInvalid on any doubtful row."""
    if not path.is_file():
        raise DecisionsInvalid(f"decisions file not found: {path}")
    reviewed: dict[str, Reviewed] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"id", "decision", "drawing_hash"} - set(reader.fieldnames or ())
        if missing:
            raise DecisionsInvalid(f"{path}: no column {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            decision = (row["decision"] or "").strip().lower()
            if decision not in DECISIONS:
                raise DecisionsInvalid(
                    f"{path}:{line}: decision {row['decision']!r} is not one of "
                    + ", ".join(DECISIONS)
                )
            if row["id"] in reviewed:
                raise DecisionsInvalid(f"{path}:{line}: {row['id']} appears twice")
            reviewed[row["id"]] = Reviewed(_as_decision(decision), row["drawing_hash"])
    return reviewed


def _as_decision(text: str) -> Decision:
    for decision in DECISIONS:
        if decision == text:
            return decision
    raise DecisionsInvalid(text)
