"""The model-quality gate: the shipped model must still earn the figures its JSON states.

The shipped model, through serving's preprocessing, is evaluated again on the sets
training/evaluate.py builds (its own `build_sets`, so the figures are re-derived by
the code that recorded them), and each figure in `models/digit_model_28.json`
("metrics") must be reproduced within a stated tolerance; the recorded figure must
also be at or above the project's floor. A damaged model cannot land: its figures
either no longer reproduce (JSON left as it was) or fall under the floor (JSON
re-recorded honestly). The last tests prove it on a deliberately damaged copy. The
shipped model is refit on every writer; its reference (models/reference/, the same recipe
with six writers held out) is gated the same way on those writers, the figure the shipped
model reports for writers it never saw.

Cost: the three full 10k sets take about 20-30 s to build on 2 shared cores (the
canvas sets are rendered; MNIST test is only preprocessed), once for the module;
each model's evaluation is then under a second.

To gate a new figure, add one row to SHIPPED_GATES (or REFERENCE_GATES): the metric's key
in the JSON, how to recompute it from the sets (or any callable), the tolerance and why,
and the floor.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import numpy.typing as npt
import pytest

from digits.inference.model import DigitModel, load_model, sha256_of
from training.evaluate import build_sets
from training.mnist import load_mnist

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
REFERENCE = MODELS / "reference"
NAME = "digit_model_28"

EvalSets = dict[str, tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]]
Recompute = Callable[[DigitModel, EvalSets], float]

# A figure recomputed on the very set that produced it is deterministic: same digits, same
# renderings (fixed seeds per chunk), same code. What may still move it is float summation
# order (another BLAS, another CPU) flipping a near-tie, or another scikit-image/Pillow
# drawing a rendering a pixel differently: a handful of digits of 10 000. 0.1 pt is 10
# digits; the damage the issue describes (noise sd 0.12 on the first layer) costs ~2.5 pt.
FULL_SET_TOLERANCE = 0.001


def subset_tolerance(accuracy: float, digits: int, z: float = 3.0) -> float:
    """For a figure recomputed on a random subset of `digits` of the recorded set.

    The subset's accuracy is then a binomial estimate of the recorded one, with standard
    error sqrt(p(1-p)/n); z = 3 keeps an unchanged model from failing by chance (0.3 %
    two-sided) while a 2.5-pt regression is still far outside for n of a few thousand.
    """
    return z * math.sqrt(accuracy * (1.0 - accuracy) / digits)


def accuracy_on(set_name: str) -> Recompute:
    """The share of a set's digits the model's top answer gets right, as evaluate.py counts."""

    def recompute(model: DigitModel, sets: EvalSets) -> float:
        pixels, labels = sets[set_name]
        predicted = model.predict_proba(pixels.astype(np.float32) / 255.0).argmax(axis=1)
        return float((predicted == labels).mean())

    return recompute


@dataclass(frozen=True)
class Gate:
    metric: str  # key under "metrics" in the model's JSON
    recompute: Recompute
    tolerance: float  # |recomputed - recorded| allowed, as a fraction (0.001 = 0.1 pt)
    floor: float  # the recorded figure must be at least this
    why: str  # where the tolerance and the floor come from


# The floors: the figures less about half a point, which a retrain does not lose (two
# trainings with other data sizes differed by under 0.15 pt on each; two seeds of one recipe
# by up to 0.2 pt on the 10k sets and 0.23 pt on the small pen drawings, docs/model.md) but
# a real regression does. MNIST 99.11, canvas 98.68 / 97.57 % at the reference: those floors
# stay where they were (99.0, 98.5, 97.5 %) rather than follow the model down, so a model
# worse than the last one on them still fails. The targets (99.5 / 99.5 / 99.3 / 99 %,
# docs/model.md) are where the floors go once reached.
#
# The shipped model is a refit on every writer (make train): the held-out writers' figure
# that judges it is its reference's (models/reference/, the same recipe without them; floor
# 99.0 %, raised from 98.5 % when it reached 99.5 %), and the refit's own reading of those
# writers, seen in training, must stay near perfect.
SHIPPED_GATES = (
    Gate(
        "pen_seen_accuracy",
        accuracy_on("pen_held_out"),
        FULL_SET_TOLERANCE,
        floor=0.995,
        why="the six writers' ~3k pen drawings, seeds fixed, seen in training: 0.1 pt",
    ),
    Gate(
        "mnist_test_accuracy",
        accuracy_on("mnist_test"),
        FULL_SET_TOLERANCE,
        floor=0.99,
        why="MNIST test, all 10k digits: deterministic, so 0.1 pt",
    ),
    Gate(
        "canvas_fill_accuracy",
        accuracy_on("canvas_fill"),
        FULL_SET_TOLERANCE,
        floor=0.985,
        why="the 10k canvas-style renderings, seeds fixed: deterministic, so 0.1 pt",
    ),
    Gate(
        "canvas_small_accuracy",
        accuracy_on("canvas_small"),
        FULL_SET_TOLERANCE,
        floor=0.975,
        why="the 10k small/off-centre renderings, seeds fixed: deterministic, so 0.1 pt",
    ),
)
REFERENCE_GATES = (
    Gate(
        "pen_held_out_accuracy",
        accuracy_on("pen_held_out"),
        FULL_SET_TOLERANCE,
        floor=0.99,
        why="the held-out writers' ~3k pen drawings, seeds fixed: deterministic, so 0.1 pt",
    ),
    Gate(
        "pen_flagged_ones_accuracy",
        accuracy_on("pen_flagged_ones"),
        FULL_SET_TOLERANCE,
        # 97.76 % when the lever came; the model before it read 95.19 % (issue 20's ones).
        floor=0.965,
        why="the held-out writers' 312 ones, flagged, seeds fixed: deterministic, so 0.1 pt",
    ),
    Gate(
        "pen_fine_pen_accuracy",
        accuracy_on("pen_fine_pen"),
        FULL_SET_TOLERANCE,
        # 99.50 % when thickening came (digits.reading.strokes); the reference before it
        # read the same drawings, unthickened, 97.77 %.
        floor=0.99,
        why="the held-out writers' ~3k drawings with a fine pen, seeds fixed: so 0.1 pt",
    ),
    Gate(
        "pen_small_digits_accuracy",
        accuracy_on("pen_small_digits"),
        FULL_SET_TOLERANCE,
        # 98.47 % when thinning came (digits.reading.strokes); the same reference read the
        # same drawings, strokes as drawn, 95.53 %.
        floor=0.975,
        why="the held-out writers' ~3k small drawings, the page's pen, seeds fixed: so 0.1 pt",
    ),
)
GATES = {MODELS: SHIPPED_GATES, REFERENCE: REFERENCE_GATES}


def gate_failures(
    models_dir: Path, sets: EvalSets, gates: tuple[Gate, ...] = SHIPPED_GATES
) -> list[str]:
    """Every way the model in `models_dir` fails the gate; empty when it passes."""
    metadata = json.loads((models_dir / f"{NAME}.json").read_text(encoding="utf-8"))
    model_file = models_dir / f"{NAME}.joblib"
    if metadata["sha256"] != sha256_of(model_file):
        return ["the JSON's sha256 is not the model file's: the figures are not about this file"]
    model = load_model(model_file)
    metrics = metadata.get("metrics", {})
    failures = []
    for gate in gates:
        if gate.metric not in metrics:
            failures.append(f"{gate.metric}: not recorded in the model's JSON")
            continue
        recorded = float(metrics[gate.metric])
        if recorded < gate.floor:
            failures.append(
                f"{gate.metric}: recorded {recorded:.4%} is under the floor {gate.floor:.2%}"
            )
        recomputed = gate.recompute(model, sets)
        if abs(recomputed - recorded) > gate.tolerance:
            failures.append(
                f"{gate.metric}: recomputed {recomputed:.4%}, recorded {recorded:.4%} "
                f"(tolerance {gate.tolerance:.2%}: {gate.why})"
            )
    return failures


@pytest.fixture(scope="module")
def sets() -> EvalSets:
    return build_sets(load_mnist())


@pytest.mark.slow
@pytest.mark.parametrize("models_dir", GATES, ids=["shipped", "reference"])
def test_the_model_earns_the_figures_it_states(sets: EvalSets, models_dir: Path) -> None:
    assert gate_failures(models_dir, sets, GATES[models_dir]) == []


def test_the_shipped_model_is_its_reference_refit_and_ships_its_calibration() -> None:
    shipped = json.loads((MODELS / f"{NAME}.json").read_text(encoding="utf-8"))
    reference = json.loads((REFERENCE / f"{NAME}.json").read_text(encoding="utf-8"))
    recorded = shipped["training"]["reference"]
    assert (recorded["version"], recorded["sha256"]) == (reference["version"], reference["sha256"])
    assert recorded["sha256"] == sha256_of(REFERENCE / f"{NAME}.joblib")
    assert recorded["held_out_writers"] == reference["training"]["held_out_writers"] != []
    assert recorded["metrics"] == {
        key: value for key, value in reference["metrics"].items() if key.startswith("pen_")
    }
    assert shipped["calibration"] == reference["calibration"]
    assert shipped["temperature"] == reference["temperature"]
    # The same recipe, every writer trained on.
    recipe = dict(reference["training"]["config"], held_out_writers=[])
    assert shipped["training"]["config"] == recipe
    assert shipped["training"]["held_out_writers"] == []


def test_every_gate_has_a_floor_its_tolerance_cannot_hide() -> None:
    for gates in GATES.values():
        for gate in gates:
            assert 0.9 <= gate.floor < 1.0, gate.metric
            # A tolerance of a point or more would let the damaged model through.
            assert 0.0 < gate.tolerance < 0.01, gate.metric
        assert len({gate.metric for gate in gates}) == len(gates)


def test_a_subset_tolerance_follows_the_binomial_standard_error() -> None:
    # 99 % on 2000 digits: standard error 0.22 pt, so 3 SE = 0.67 pt.
    assert subset_tolerance(0.99, 2000) == pytest.approx(0.00667, abs=1e-5)
    assert subset_tolerance(0.99, 8000) == pytest.approx(subset_tolerance(0.99, 2000) / 2)


def damaged_copy(
    folder: Path, noise_sd: float = 0.12, rerecord: dict[str, float] | None = None
) -> Path:
    """The issue's experiment: Gaussian noise on every first-layer weight, the JSON's sha256
    and size updated so the copy loads (and, optionally, its metrics re-recorded)."""
    bundle = joblib.load(MODELS / f"{NAME}.joblib")
    rng = np.random.default_rng(16)
    for network in bundle["networks"]:
        first = network["weights"][0]
        network["weights"][0] = (first + rng.normal(0.0, noise_sd, first.shape)).astype(first.dtype)
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(bundle, folder / f"{NAME}.joblib")
    metadata = json.loads((MODELS / f"{NAME}.json").read_text(encoding="utf-8"))
    metadata["sha256"] = sha256_of(folder / f"{NAME}.joblib")
    metadata["size_bytes"] = (folder / f"{NAME}.joblib").stat().st_size
    metadata["metrics"].update(rerecord or {})
    (folder / f"{NAME}.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    return folder


@pytest.mark.slow
def test_a_damaged_model_with_the_old_figures_fails_the_gate(
    sets: EvalSets, tmp_path: Path
) -> None:
    failures = gate_failures(damaged_copy(tmp_path), sets)
    assert {failure.split(":")[0] for failure in failures} == {g.metric for g in SHIPPED_GATES}
    assert all("recomputed" in failure for failure in failures)


@pytest.mark.slow
def test_a_damaged_model_with_honest_figures_fails_on_the_floors(
    sets: EvalSets, tmp_path: Path
) -> None:
    damaged = damaged_copy(tmp_path / "probe")
    model = load_model(damaged / f"{NAME}.joblib")
    honest = {gate.metric: round(gate.recompute(model, sets), 5) for gate in SHIPPED_GATES}
    failures = gate_failures(damaged_copy(tmp_path / "honest", rerecord=honest), sets)
    assert failures, honest
    assert all("under the floor" in failure for failure in failures)


def test_a_model_whose_json_describes_another_file_fails(tmp_path: Path) -> None:
    damaged = damaged_copy(tmp_path)
    metadata = json.loads((damaged / f"{NAME}.json").read_text(encoding="utf-8"))
    metadata["sha256"] = "0" * 64
    (damaged / f"{NAME}.json").write_text(json.dumps(metadata), encoding="utf-8")
    assert gate_failures(damaged, {}) == [
        "the JSON's sha256 is not the model file's: the figures are not about this file"
    ]
