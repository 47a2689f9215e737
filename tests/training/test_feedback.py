"""Feedback into training: page-style drawings -> POST /feedback (moto S3) -> training input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
from fastapi.testclient import TestClient
from moto import mock_aws
from tests.function_support import SHIPPED_MODEL, settings_for

from digits.app import create_app
from digits.inference.model import load_model
from digits.reading.preprocess import preprocess
from digits.web import feedback as feedback_store
from tools.canvas import canvas_png, data_url, draw_digit
from training.feedback import feedback_accuracy, load_feedback, read_candidates
from training.review.decisions import write_decisions
from training.review.screens import ScreenConfig, screen
from training.train import Config, train

BUCKET = "digits-feedback"
CORRECTED = [(7, 1), (4, 9), (2, None)]  # (correct, predicted)


@pytest.fixture
def bucket(aws_env: None) -> Iterator[Any]:
    """A moto bucket holding what the API stored for three corrected drawings."""
    feedback_store.s3_client.cache_clear()
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        app = create_app(settings_for(SHIPPED_MODEL, feedback_bucket=BUCKET))
        with TestClient(app) as client:
            for correct, predicted in CORRECTED:
                report = {
                    "image": data_url(canvas_png(correct, variant=5)),
                    "predicted": predicted,
                    "correct": correct,
                }
                assert client.post("/feedback", json=report).status_code == 201
        yield s3
    feedback_store.s3_client.cache_clear()


def test_training_reads_the_api_feedback_from_s3(bucket: Any) -> None:
    samples = load_feedback(f"s3://{BUCKET}/feedback/")
    assert len(samples) == 3 and samples.skipped == 0
    assert sorted(samples.labels.tolist()) == sorted(c for c, _ in CORRECTED)
    # Each sample is what serving's preprocessing makes of the drawing, as 0-255.
    expected = {c: np.round(preprocess(draw_digit(c, variant=5)) * 255) for c, _ in CORRECTED}
    for pixels, label in zip(samples.pixels, samples.labels, strict=True):
        np.testing.assert_allclose(pixels.reshape(28, 28), expected[int(label)], atol=1)
    assert load_feedback(f"s3://{BUCKET}/elsewhere/").pixels.shape == (0, 784)


def test_training_reads_a_local_copy_and_skips_what_it_cannot_use(
    bucket: Any, tmp_path: Path
) -> None:
    for item in bucket.list_objects_v2(Bucket=BUCKET)["Contents"]:
        target = tmp_path / item["Key"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(bucket.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read())
    day = next(tmp_path.rglob("*.json")).parent
    (day / "orphan.json").write_text(json.dumps({"correct": 3}))  # its PNG is missing
    (day / "bad.json").write_text(json.dumps({"correct": 12}))
    (day / "bad.png").write_bytes(canvas_png(3))
    samples = load_feedback(str(tmp_path / "feedback"))
    assert len(samples) == 3 and samples.skipped == 2
    shipped = load_model(SHIPPED_MODEL)
    assert feedback_accuracy(shipped, samples) == 1.0  # plain drawings: the model knows them


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_training_run_uses_only_reviewed_feedback(bucket: Any, tmp_path: Path) -> None:
    source = f"s3://{BUCKET}/feedback/"
    config = Config(subset=600, copies=1, pen_copies=1, networks=1, hidden=(16,), epochs=1,
                    decay_every=1, feedback=source, feedback_copies=3)  # fmt: skip
    with pytest.raises(SystemExit, match="--feedback-decisions"):
        train(config, models_dir=tmp_path)
    samples = read_candidates(source).samples
    decisions = tmp_path / "decisions.csv"
    write_decisions(decisions, samples, screen(load_model(SHIPPED_MODEL), samples, ScreenConfig()))
    train(replace(config, feedback_decisions=str(decisions)), models_dir=tmp_path)
    used = json.loads((tmp_path / "digit_model_28.json").read_text())["training"]["feedback"]
    assert used["train_samples"] + used["heldout_samples"] == 3 and used["copies"] == 3
    assert used["heldout_accuracy_before"] is None
