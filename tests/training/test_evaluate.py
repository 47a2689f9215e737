"""training.evaluate's record of a refit's reference, kept in step with the reference's JSON."""

from __future__ import annotations

import json
from pathlib import Path

from training.evaluate import reference_summary, refresh_reference
from training.export import MODEL_NAME


def reference_json(folder: Path, version: str, accuracy: float) -> dict[str, object]:
    reference = {
        "version": version,
        "sha256": f"sha-{version}",
        "training": {"held_out_writers": [3, 7]},
        "metrics": {"pen_held_out_accuracy": accuracy, "mnist_test_accuracy": 0.99},
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{MODEL_NAME}.json").write_text(json.dumps(reference), encoding="utf-8")
    return reference


def test_the_summary_keeps_the_held_out_writers_figures_only(tmp_path: Path) -> None:
    summary = reference_summary(reference_json(tmp_path, "v1", 0.99))
    assert summary == {
        "version": "v1",
        "sha256": "sha-v1",
        "held_out_writers": [3, 7],
        "metrics": {"pen_held_out_accuracy": 0.99},
    }


def test_a_refit_takes_its_references_figures_as_they_now_stand(tmp_path: Path) -> None:
    stale = reference_summary(reference_json(tmp_path, "v1", 0.99))
    reference_json(tmp_path, "v1", 0.995)  # evaluated again, after a preprocessing change
    training = {"reference": stale}
    refresh_reference(training, tmp_path)
    assert training["reference"]["metrics"] == {"pen_held_out_accuracy": 0.995}


def test_another_models_figures_are_never_taken(tmp_path: Path) -> None:
    recorded = reference_summary(reference_json(tmp_path, "v1", 0.99))
    reference_json(tmp_path, "v2", 0.5)  # a reference trained since: not this refit's
    training = {"reference": recorded}
    refresh_reference(training, tmp_path)
    assert training["reference"] == recorded
    not_a_refit: dict[str, object] = {}
    refresh_reference(not_a_refit, tmp_path)
    assert not_a_refit == {}
