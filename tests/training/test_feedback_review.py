"""Feedback review: the screens, the decisions file, contact sheets, and what may train."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageChops
from tests.function_support import SHIPPED_MODEL
from tests.training.test_feedback import BUCKET, bucket

from digits.inference.model import load_model
from digits.reading.preprocess import preprocess
from tools.canvas import canvas_png, draw_digit
from training.feedback import Candidate, read_candidates
from training.review import FeedbackNotReviewed, feedback_report, load_accepted, report_lines
from training.review.__main__ import main
from training.review.accepted import is_heldout
from training.review.decisions import COLUMNS, DecisionsInvalid, write_decisions
from training.review.fingerprint import NearDuplicateIndex, distance, perceptual_hash
from training.review.screens import ScreenConfig, Screened, screen

__all__ = ["bucket"]  # the API-filled moto bucket of test_feedback.py
STORE_FIELDS = {"correct", "predicted", "model_version", "created", "width", "height"}
DAY = datetime(2026, 11, 20, 9, tzinfo=UTC)


def store(folder: Path, png: bytes, claimed: int, when: datetime = DAY) -> str:
    """One sample as POST /feedback stores it; its id."""
    token = hashlib.sha256(png + f"{claimed}{when}".encode()).hexdigest()[:32]
    key = f"{when:%Y/%m/%d}/{token}"
    labels = {
        "correct": claimed,
        "predicted": None,
        "model_version": "test",
        "created": when.isoformat(timespec="seconds"),
        "width": 280,
        "height": 280,
    }
    (folder / key).parent.mkdir(parents=True, exist_ok=True)
    (folder / f"{key}.png").write_bytes(png)
    (folder / f"{key}.json").write_text(json.dumps(labels))
    return key


def moved(digit: int, variant: int, dx: int, dy: int) -> bytes:
    """The same drawing a few pixels elsewhere on the canvas."""
    drawing = draw_digit(digit, variant).convert("RGB")
    shifted = ImageChops.offset(drawing, dx, dy)
    buffer = BytesIO()
    shifted.save(buffer, format="PNG")
    return buffer.getvalue()


def screened_folder(
    folder: Path, config: ScreenConfig | None = None, model: Any = None
) -> tuple[Sequence[Candidate], Screened]:
    samples = read_candidates(str(folder)).samples
    reader = model if model is not None else load_model(SHIPPED_MODEL)
    return samples, screen(reader, samples, config or ScreenConfig())


class TableModel:
    """A model whose answer for each drawing is set by the test (default: unsure)."""

    def __init__(self, answers: dict[bytes, tuple[int, float, dict[int, float]]]) -> None:
        self.answers = answers

    def predict_proba(self, pixels: Any) -> Any:
        rows = np.full((len(pixels), 10), 0.1, np.float32)
        for row, image in zip(rows, pixels, strict=True):
            key = np.rint(image * 255).astype(np.uint8).tobytes()
            if key in self.answers:
                digit, confidence, others = self.answers[key]
                row[:] = (1 - confidence - sum(others.values())) / 8
                row[digit] = confidence
                for other, p in others.items():
                    row[other] = p
        return rows


def test_copies_collapse_to_the_first_and_copies_claiming_other_digits_are_flagged(
    tmp_path: Path,
) -> None:
    first = store(tmp_path, canvas_png(3, variant=2), 3, DAY)
    for minute in range(1, 5):  # the same drawing sent again
        store(tmp_path, canvas_png(3, variant=2), 3, DAY + timedelta(minutes=minute))
    nearby = store(tmp_path, moved(3, 2, 9, -6), 3, DAY + timedelta(hours=1))
    disputed = store(tmp_path, canvas_png(4, variant=3), 4, DAY)
    store(tmp_path, canvas_png(4, variant=3), 9, DAY + timedelta(minutes=5))
    other = store(tmp_path, canvas_png(3, variant=7), 3, DAY)  # another hand: kept

    samples, result = screened_folder(tmp_path)
    verdicts = result.verdicts
    assert len(samples) == 9
    assert verdicts[first].decision == "accept" and verdicts[other].decision == "accept"
    assert verdicts[nearby].screen in {"near-duplicate", "exact-duplicate"}
    assert first in verdicts[nearby].reason
    assert verdicts[disputed].decision == "flag"
    assert verdicts[disputed].screen == "conflicting-duplicates"
    assert "4, 9" in verdicts[disputed].reason
    assert result.removed["exact-duplicate"] + result.removed["near-duplicate"] == 6
    assert result.removed["conflicting-duplicates"] == 1
    assert result.count("accept") == 2 and result.count("reject") == 6


def test_a_claim_the_model_finds_implausible_is_flagged_for_a_person(tmp_path: Path) -> None:
    # A plain 7 "is a 4". (Not "a 1": a model may well give a 7 a 1 % chance of being a 1.)
    wrong = store(tmp_path, canvas_png(7, variant=3), 4)
    right = store(tmp_path, canvas_png(7, variant=4), 7)
    _, result = screened_folder(tmp_path)
    assert result.verdicts[wrong].decision == "flag"
    assert result.verdicts[wrong].screen == "implausible"
    assert "reads 7" in result.verdicts[wrong].reason
    assert result.readings[wrong].digit == 7 and result.readings[wrong].p_claimed < 0.01
    assert result.verdicts[right].decision == "accept"
    assert result.removed["implausible"] == 1


def test_a_flood_taints_its_digit_and_day_only(tmp_path: Path) -> None:
    # Different shapes, so no two are near copies (the model's answers are set below).
    obvious = [store(tmp_path, canvas_png(digit, variant=2), 1) for digit in (0, 2, 7, 8)]
    subtle = store(tmp_path, canvas_png(7, variant=9), 1, DAY + timedelta(hours=2))
    subtle_later = store(tmp_path, canvas_png(7, variant=10), 1, DAY + timedelta(days=1))
    real_one = store(tmp_path, canvas_png(1, variant=5), 1, DAY + timedelta(hours=3))
    answers = {}
    for sample in read_candidates(str(tmp_path)).samples:
        if sample.id in obvious:  # the model is sure these are 7s
            answers[sample.pixels.tobytes()] = (7, 0.99, {1: 0.001})
        elif sample.id in (subtle, subtle_later):  # alone, not implausible
            answers[sample.pixels.tobytes()] = (7, 0.8, {1: 0.15})
        else:
            answers[sample.pixels.tobytes()] = (1, 0.95, {})
    _, result = screened_folder(tmp_path, ScreenConfig(flood_after=3), TableModel(answers))
    assert result.removed["implausible"] == 4 and result.removed["flood"] == 1
    assert result.verdicts[subtle].screen == "flood"
    assert result.verdicts[subtle].decision == "flag"
    assert "4 implausible claims of 1s on 2026-11-20" in result.verdicts[subtle].reason
    assert result.verdicts[subtle_later].decision == "accept"  # another day
    assert result.verdicts[real_one].decision == "accept"  # the model reads a 1


def test_caps_keep_a_fair_draw_not_the_first_comers(tmp_path: Path) -> None:
    ids = [
        store(tmp_path, canvas_png(2, variant=variant), 2, DAY + timedelta(minutes=variant))
        for variant in range(1, 13)
    ]
    config = ScreenConfig(cap_per_digit_day=5)
    samples, result = screened_folder(tmp_path, config)
    accepted = {sample_id for sample_id in ids if result.verdicts[sample_id].decision == "accept"}
    assert len(accepted) == 5 and result.removed["cap-per-digit-day"] == 7
    by_hash = sorted(samples, key=lambda sample: sample.drawing_hash)
    assert accepted == {sample.id for sample in by_hash[:5]}
    assert "12 passed for 2s on 2026-11-20; the cap is 5" in result.verdicts[by_hash[-1].id].reason
    config = ScreenConfig(cap_per_day=3)
    _, result = screened_folder(tmp_path, config)
    assert result.count("accept") == 3 and result.removed["cap-per-day"] == 9


def test_the_near_duplicate_index_finds_what_comparing_every_pair_finds() -> None:
    rng = np.random.default_rng(3)
    originals = rng.random((20, 784)) < 0.3
    hashes = []
    for _ in range(300):  # copies of a few drawings, each flipped in 0-7 bits
        bits = originals[rng.integers(0, 20)].copy()
        flips = rng.choice(784, size=int(rng.integers(0, 8)), replace=False)
        bits[flips] = ~bits[flips]
        hashes.append(bits)
    index = NearDuplicateIndex(max_distance=10)
    kept: list[int] = []
    for number, bits in enumerate(hashes):
        expected = next((str(i) for i in kept if distance(hashes[i], bits) <= 10), None)
        found = index.find(bits)
        assert (found[0] if found else None) == expected
        if found is None:
            index.add(bits, str(number))
            kept.append(number)
    assert 20 <= len(kept) < 150  # both outcomes were exercised


def test_the_perceptual_hash_ignores_where_the_drawing_sits() -> None:
    plain = perceptual_hash(pixels_of(canvas_png(5, variant=4)))
    assert distance(plain, perceptual_hash(pixels_of(moved(5, 4, 12, 10)))) <= 10
    assert distance(plain, perceptual_hash(pixels_of(canvas_png(5, variant=8)))) > 10


def pixels_of(png: bytes) -> Any:
    with Image.open(BytesIO(png)) as image:
        return np.round(preprocess(image).reshape(-1) * 255).astype(np.uint8)


def test_the_screen_command_reads_the_api_bucket_and_writes_nothing_personal(
    bucket: Any, tmp_path: Path
) -> None:
    # What the store keeps is the image and these labels; the page's privacy note says so.
    stored = [item["Key"] for item in bucket.list_objects_v2(Bucket=BUCKET)["Contents"]]
    for key in (key for key in stored if key.endswith(".json")):
        labels = json.loads(bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read())
        assert set(labels) == STORE_FIELDS
    main(["screen", f"s3://{BUCKET}/feedback/", "--out", str(tmp_path)])

    with (tmp_path / "decisions.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    # The review files: stored labels, the model's reading, a hash of the 28x28, the
    # decision. Nothing else: a new column here needs a look at the privacy note first.
    assert tuple(rows[0]) == COLUMNS == (
        "id", "created", "claimed", "predicted", "model_version", "model_reads",
        "model_confidence", "model_p_claimed", "drawing_hash", "decision", "screen", "reason",
    )  # fmt: skip
    assert sorted(int(row["claimed"]) for row in rows) == [2, 4, 7]
    assert {row["decision"] for row in rows} == {"accept"}
    assert all(row["id"] + ".json" in [k.removeprefix("feedback/") for k in stored] for row in rows)
    sheets = sorted(path.name for path in (tmp_path / "sheets").iterdir())
    assert sheets == ["digit-2.png", "digit-4.png", "digit-7.png"]
    with Image.open(tmp_path / "sheets" / "digit-7.png") as sheet:
        assert sheet.width > 1000 and sheet.getextrema() != ((255, 255),) * 3
    summary = (tmp_path / "summary.md").read_text()
    assert "3 readable samples, 0 unreadable" in summary and "delete this folder by" in summary
    with pytest.raises(SystemExit, match="exists: choose another --out, or --force"):
        main(["screen", f"s3://{BUCKET}/feedback/", "--out", str(tmp_path)])


def test_only_accepted_samples_train_and_a_decision_holds_for_the_drawing_reviewed(
    tmp_path: Path,
) -> None:
    feedback, decisions = tmp_path / "feedback", tmp_path / "review" / "decisions.csv"
    honest = [store(feedback, canvas_png(d, variant=3), d) for d in (0, 2, 3, 5, 6, 8)]
    poisoned = store(feedback, canvas_png(7, variant=3), 4)
    with pytest.raises(FeedbackNotReviewed, match="--feedback-decisions"):
        load_accepted(str(feedback), None)
    samples, result = screened_folder(feedback)
    write_decisions(decisions, samples, result)

    accepted = load_accepted(str(feedback), decisions)
    assert len(accepted.train) + len(accepted.heldout) == 6
    assert accepted.pending == 1 and accepted.rejected == 0
    assert 4 not in accepted.train.labels.tolist() + accepted.heldout.labels.tolist()

    # A person decides: the flagged one is wrong, and one honest sample is rejected too.
    edit(decisions, {poisoned: "reject", honest[0]: "Reject"})
    store(feedback, canvas_png(9, variant=3), 9)  # arrived after the review
    (feedback / f"{honest[1]}.png").write_bytes(canvas_png(4, variant=3))  # replaced since
    accepted = load_accepted(str(feedback), decisions)
    assert accepted.summary() == {
        "train_samples": len(accepted.train),
        "heldout_samples": len(accepted.heldout),
        "rejected": 2,
        "pending": 0,
        "unreviewed": 1,
        "changed": 1,
        "unreadable": 0,
    }
    assert len(accepted.train) + len(accepted.heldout) == 4

    edit(decisions, {honest[2]: "maybe"})
    with pytest.raises(DecisionsInvalid, match=r"decisions.csv:.*'maybe' is not one of"):
        load_accepted(str(feedback), decisions)


def edit(decisions: Path, changes: dict[str, str]) -> None:
    """What a person does in a spreadsheet: change the decision column of some rows."""
    with decisions.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["decision"] = changes.get(row["id"], row["decision"])
    with decisions.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def test_the_held_out_part_is_a_fixed_share_of_drawings() -> None:
    hashes = [hashlib.sha256(str(n).encode()).hexdigest()[:16] for n in range(5000)]
    held = [is_heldout(h) for h in hashes]
    assert 0.18 < sum(held) / len(held) < 0.22
    assert held == [is_heldout(h) for h in hashes]  # the same every run
    assert not any(is_heldout(h, 0.0) for h in hashes) and all(is_heldout(h, 1.0) for h in hashes)


def test_the_report_compares_two_models_on_held_out_feedback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feedback, decisions = tmp_path / "feedback", tmp_path / "decisions.csv"
    for digit in range(10):
        for variant in (3, 11, 19):
            store(feedback, canvas_png(digit, variant=variant), digit)
    samples, result = screened_folder(feedback)
    write_decisions(decisions, samples, result)
    accepted = load_accepted(str(feedback), decisions, heldout_share=0.5)
    assert len(accepted.heldout) > 3 and len(accepted.train) > 3
    shipped = load_model(SHIPPED_MODEL)
    blind = TableModel({})  # unsure of everything: reads each drawing as 0
    info = feedback_report(accepted, copies=10, before=blind, after=shipped)
    zeros = float(np.mean(accepted.heldout.labels == 0))
    assert info["heldout_accuracy_before"] == pytest.approx(zeros, abs=1e-5)
    assert info["heldout_accuracy_after"] == 1.0
    assert info["heldout_samples"] == len(accepted.heldout) and info["copies"] == 10
    assert feedback_report(accepted, 10, None, shipped)["heldout_accuracy_before"] is None
    main(["check", str(feedback), str(decisions)])
    assert json.loads(capsys.readouterr().out) == load_accepted(str(feedback), decisions).summary()
    main(["compare", str(feedback), str(decisions), "--before", str(SHIPPED_MODEL)])
    compared = json.loads(capsys.readouterr().out)
    assert compared["heldout_accuracy_before"] == compared["heldout_accuracy_after"] == 1.0
    text = "\n".join(report_lines(info))
    assert "| this one | 100.0% |" in text and f"{len(accepted.train)} samples trained" in text
    assert json.loads(json.dumps(info)) == info  # fits the model's JSON as it is
