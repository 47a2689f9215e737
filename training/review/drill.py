"""The poisoning drill: a flood of wrong labels through the screens and a small training.

It writes, in the bucket's own layout, honest corrections of every digit plus a flood
aimed at one digit (distinct MNIST drawings of ``source`` all claimed as ``target``, and
one of them replayed many times, exactly and slightly moved), reads them back as
candidates, screens them with the current model, and trains a small scikit-learn MLP
three times: without feedback, with every sample as stored (what training did before
the screens) and with the screened, accepted train part only. Accuracy is measured on
clean MNIST test digits, never used for anything else here.

The digits come from MNIST (train for the base and the feedback, test for the clean
set), each drawn on a 280x280 white canvas and stored as a PNG, so the drill goes
through the same reading and preprocessing as real feedback.
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from digits.inference.model import DigitModel, EstimatorModel
from digits.reading.preprocess import preprocess
from training.feedback import as_feedback_set, read_candidates
from training.mnist import Mnist
from training.review.accepted import load_accepted
from training.review.compare import heldout_comparison
from training.review.decisions import write_decisions
from training.review.screens import ScreenConfig, Screened, screen

CANVAS = 280
KINDS = ("honest", "corrected", "poisoned", "replayed")


@dataclass(frozen=True)
class DrillConfig:
    seed: int = 20261130
    base: int = 3000  # MNIST train digits the small model learns from
    honest: int = 200  # honest reports: every digit, its true label
    corrected: int = 50  # honest corrections of drawings the current model misreads
    search: int = 20000  # MNIST train digits searched for those
    poisoned: int = 400  # distinct drawings of `source`, each claimed as `target`
    replays: int = 100  # one poisoned drawing sent again this many times
    source: int = 7
    target: int = 1
    clean: int = 2000  # MNIST test digits, the clean set
    copies: int = 10  # each feedback sample counts this many times, as training does
    hidden: tuple[int, ...] = (64,)
    epochs: int = 30


@dataclass
class DrillResult:
    config: DrillConfig
    submitted: dict[str, int]
    outcome: dict[str, dict[str, int]]  # kind -> decision -> count
    removed: dict[str, int]  # screen -> count
    unreadable: int
    accuracy: dict[str, dict[str, float]]  # model -> measure -> value
    heldout: dict[str, Any]
    seconds: float = 0.0

    def held_back(self, kind: str) -> int:
        """Samples of a kind that will not train (rejected or flagged)."""
        return self.submitted[kind] - self.outcome[kind]["accept"]


def run_drill(
    config: DrillConfig, mnist: Mnist, model: DigitModel, workdir: Path, screens: ScreenConfig
) -> DrillResult:
    started = time.perf_counter()
    rng = np.random.default_rng(config.seed)
    base, honest, poisoned, rest = _pick(config, mnist, rng)
    corrected = misread(model, mnist, rest[: config.search])[: config.corrected]
    honest_kinds = {"honest": honest, "corrected": corrected}
    kinds = write_feedback(workdir / "feedback", config, mnist, honest_kinds, poisoned, rng)
    candidates = read_candidates(str(workdir / "feedback"))
    screened = screen(model, candidates.samples, screens)
    decisions = workdir / "decisions.csv"
    write_decisions(decisions, candidates.samples, screened)
    accepted = load_accepted(str(workdir / "feedback"), decisions)

    x_base = _preprocessed(mnist.train_images[base])
    y_base = mnist.train_labels[base]
    x_clean = _preprocessed(mnist.test_images[: config.clean])
    y_clean = mnist.test_labels[: config.clean]
    everything = as_feedback_set(candidates.samples)
    trained = {
        "without feedback": _train(config, x_base, y_base),
        "all feedback, unscreened": _train(
            config, *_with(x_base, y_base, everything.pixels, everything.labels, config.copies)
        ),
        "accepted feedback only": _train(
            config,
            *_with(x_base, y_base, accepted.train.pixels, accepted.train.labels, config.copies),
        ),
    }
    accuracy = {name: _measure(m, x_clean, y_clean, config) for name, m in trained.items()}
    return DrillResult(
        config=config,
        submitted={kind: sum(k == kind for k in kinds.values()) for kind in KINDS},
        outcome=_outcome(kinds, screened),
        removed=dict(screened.removed),
        unreadable=len(candidates.unreadable),
        accuracy=accuracy,
        heldout=heldout_comparison(
            trained["without feedback"], trained["accepted feedback only"], accepted.heldout
        ),
        seconds=round(time.perf_counter() - started, 1),
    )


def canvas_png(digit: npt.NDArray[np.uint8], size: int, corner: tuple[int, int]) -> bytes:
    """An MNIST digit drawn black on a white 280x280 canvas, as the page exports it."""
    ink = Image.fromarray(255 - digit).resize((size, size), Image.Resampling.BICUBIC)
    canvas = Image.new("RGB", (CANVAS, CANVAS), "white")
    canvas.paste(ink.convert("RGB"), corner)
    buffer = BytesIO()
    canvas.save(buffer, format="PNG")
    return buffer.getvalue()


def write_feedback(
    folder: Path,
    config: DrillConfig,
    mnist: Mnist,
    honest: dict[str, npt.NDArray[np.intp]],
    poisoned: npt.NDArray[np.intp],
    rng: np.random.Generator,
) -> dict[str, str]:
    """The store's layout and labels for every sample; sample id -> kind."""
    start = datetime(2026, 11, 2, tzinfo=UTC)
    kinds: dict[str, str] = {}

    def store(index: int, claimed: int, kind: str, when: datetime, placed: tuple[int, ...]) -> None:
        token = rng.bytes(16).hex()
        key = f"{when:%Y/%m/%d}/{token}"
        size, left, top = placed
        png = canvas_png(mnist.train_images[index], size, (left, top))
        labels = {
            "correct": claimed,
            "predicted": None,  # the screens never read it: the client could send anything
            "model_version": "drill",
            "created": when.isoformat(timespec="seconds"),
            "width": CANVAS,
            "height": CANVAS,
        }
        (folder / key).parent.mkdir(parents=True, exist_ok=True)
        (folder / f"{key}.png").write_bytes(png)
        (folder / f"{key}.json").write_text(json.dumps(labels), encoding="utf-8")
        kinds[key] = kind

    def placement() -> tuple[int, int, int]:
        size = int(rng.integers(150, 231))
        room = CANVAS - size
        return size, int(rng.integers(0, room + 1)), int(rng.integers(0, room + 1))

    for kind, indices in honest.items():  # a trickle over ten days
        for index in indices:
            when = start + timedelta(seconds=int(rng.integers(0, 10 * 86400)))
            store(int(index), int(mnist.train_labels[index]), kind, when, placement())
    flood = start + timedelta(days=4, hours=3)  # the attack: one burst, two per second
    for n, index in enumerate(poisoned):
        store(int(index), config.target, "poisoned", flood + timedelta(seconds=n // 2), placement())
    replayed = placement()
    for n in range(config.replays):  # half exact copies, half moved a few pixels
        size, left, top = replayed
        if n % 2:
            left, top = left + int(rng.integers(-4, 5)), top + int(rng.integers(-4, 5))
            left, top = min(max(left, 0), CANVAS - size), min(max(top, 0), CANVAS - size)
        when = flood + timedelta(hours=1, seconds=n)
        store(int(poisoned[0]), config.target, "replayed", when, (size, left, top))
    return kinds


def misread(model: DigitModel, mnist: Mnist, indices: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """The MNIST train digits (of those given) the model reads as another digit."""
    pixels = _preprocessed(mnist.train_images[indices]).astype(np.float32) / 255.0
    read = model.predict_proba(pixels).argmax(axis=1)
    wrong: npt.NDArray[np.intp] = indices[read != mnist.train_labels[indices]]
    return wrong


def _pick(
    config: DrillConfig, mnist: Mnist, rng: np.random.Generator
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Disjoint MNIST train indices: the base set, honest feedback, poisoned drawings, the
    rest."""
    order = rng.permutation(len(mnist.train_labels))
    base = order[: config.base]
    honest = order[config.base : config.base + config.honest]
    rest = order[config.base + config.honest :]
    poisoned = rest[mnist.train_labels[rest] == config.source][: config.poisoned]
    return base, honest, poisoned, np.setdiff1d(rest, poisoned)


def _outcome(kinds: dict[str, str], screened: Screened) -> dict[str, dict[str, int]]:
    outcome = {kind: {"accept": 0, "flag": 0, "reject": 0} for kind in KINDS}
    for sample_id, kind in kinds.items():
        outcome[kind][screened.verdicts[sample_id].decision] += 1
    return outcome


def _preprocessed(images: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """MNIST digits through serving's preprocessing, as training feeds them."""
    fields = [preprocess(Image.fromarray(image)).reshape(-1) for image in images]
    return np.rint(np.stack(fields) * 255).astype(np.uint8)


def _with(
    x: npt.NDArray[np.uint8],
    y: npt.NDArray[np.uint8],
    extra_x: npt.NDArray[np.uint8],
    extra_y: npt.NDArray[np.uint8],
    copies: int,
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    return (
        np.concatenate([x, np.tile(extra_x, (copies, 1))]),
        np.concatenate([y, np.tile(extra_y, copies)]),
    )


def _train(config: DrillConfig, x: npt.NDArray[np.uint8], y: npt.NDArray[np.uint8]) -> DigitModel:
    estimator = MLPClassifier(
        hidden_layer_sizes=config.hidden,
        alpha=1e-4,
        max_iter=config.epochs,
        random_state=config.seed,
    )
    with warnings.catch_warnings():  # a few epochs are enough for a drill
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(x.astype(np.float32) / 255.0, y)
    return EstimatorModel(estimator)


def _measure(
    model: DigitModel, x: npt.NDArray[np.uint8], y: npt.NDArray[np.uint8], config: DrillConfig
) -> dict[str, float]:
    read = model.predict_proba(x.astype(np.float32) / 255.0).argmax(axis=1)
    sources = y == config.source
    return {
        "clean": round(float((read == y).mean()), 4),
        "source_digit": round(float((read[sources] == config.source).mean()), 4),
        "source_read_as_target": round(float((read[sources] == config.target).mean()), 4),
    }
