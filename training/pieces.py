"""Train the piece head (digits.inference.pieces) on what segmentation meets in numbers.

`make train` fits one for every model it trains; `python -m training.train --pieces`
fits one for the model already in models/. Numbers are drawn from training digits only, MNIST's
training digits and the training writers' pen digits (training.numbers), and read by
serving's own steps: the blobs with their parts joined (digits.segmentation.segment.joined_blobs),
then the candidate cuts of the wide ones (digits.segmentation.cuts.find_cuts). Every piece those
steps would show the model is labelled by where the drawn digits really are:

- a blob holding one digit's centre is *one* digit, two or more *several*, none *part*;
- both halves of every candidate cut through a blob of one digit are *part*s;
- the halves of the cut that parts a blob's digits rightly are labelled in turn, as
  blobs, as segmentation would cut them again.

The head is a small scikit-learn MLP on the model's feature layer (standardised, the
standardisation folded into its first layer at export, as the digit networks are).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from tqdm import tqdm

from digits.inference.model import MlpEnsemble
from digits.inference.pieces import KINDS, ONE, PART, SEVERAL, PieceHead
from digits.reading.preprocess import fit_and_centre, ink_map
from digits.segmentation.components import Box, Component
from digits.segmentation.cuts import find_cuts
from digits.segmentation.segment import (
    MAX_DEPTH,
    SPLIT_TRY,
    Canvas,
    as_piece,
    joined_blobs,
    model_scorer,
)
from training.evaluate_numbers import LENGTHS, build_numbers, build_pen_numbers
from training.export import network_from_sklearn
from training.numbers import NumberSample
from training.pendigits import PenDigit

Pixels = npt.NDArray[np.uint8]
Labels = npt.NDArray[np.uint8]
Point = tuple[float, float]
PARTS_PER_OTHER = 2  # parts are many; at most this many for every other piece
HIDDEN = (64,)
SEEDS = {"mnist": 51, "pen": 53}  # other numbers than evaluate_numbers' sets


@dataclass(frozen=True)
class Examples:
    pixels: Pixels  # (n, 784), as the model reads them
    labels: Labels  # indices of digits.inference.pieces.KINDS


def centres(sample: NumberSample) -> list[Point]:
    return [((b.left + b.right) / 2, (b.top + b.bottom) / 2) for b in sample.boxes]


def inside(box: Box, points: Sequence[Point]) -> list[Point]:
    return [p for p in points if box.left <= p[0] < box.right and box.top <= p[1] < box.bottom]


def piece_examples(samples: Iterable[NumberSample], model: MlpEnsemble) -> Examples:
    """Every piece segmentation would show the model in these numbers, labelled."""
    scorer = model_scorer(model)
    pixels: list[Pixels] = []
    labels: list[int] = []

    def add(blob: Component, canvas: Canvas, kind: int) -> None:
        crop = fit_and_centre(as_piece(blob, canvas.ink).crop)
        pixels.append(np.rint(crop.reshape(-1) * 255.0).astype(np.uint8))
        labels.append(kind)

    def visit(blob: Component, canvas: Canvas, digits: list[Point], depth: int) -> None:
        mine = inside(blob.box, digits)
        add(blob, canvas, PART if not mine else ONE if len(mine) == 1 else SEVERAL)
        if depth == 0 or blob.box.width / canvas.height < SPLIT_TRY:
            return
        for cut in find_cuts(blob, canvas.height):
            left, right = inside(cut.left.box, mine), inside(cut.right.box, mine)
            if len(mine) == 1:
                add(cut.left, canvas, PART)
                add(cut.right, canvas, PART)
            elif left and right and not set(left) & set(right) and len(left + right) == len(mine):
                visit(cut.left, canvas, digits, depth - 1)
                visit(cut.right, canvas, digits, depth - 1)
                return

    for sample in samples:
        joined = joined_blobs(ink_map(sample.image), scorer)
        if joined is None:
            continue
        blobs, canvas = joined
        for blob in blobs:
            visit(blob, canvas, centres(sample), MAX_DEPTH)
    return Examples(np.stack(pixels), np.asarray(labels, np.uint8))


def training_numbers(
    images: npt.NDArray[np.uint8],
    labels: npt.NDArray[np.uint8],
    pen: Sequence[PenDigit],
    per_length: int,
) -> Iterable[NumberSample]:
    """Numbers of 2-6 digits from training digits only, with a progress bar: per_length
    of each length from MNIST digits, half as many from pen digits."""
    pen_per_length = per_length // 2 if pen else 0
    total = len(LENGTHS) * (per_length + pen_per_length)
    numbers = [build_numbers(images, labels, SEEDS["mnist"], per_length)]
    if pen_per_length:
        numbers.append(build_pen_numbers(pen, SEEDS["pen"], pen_per_length))
    return tqdm((s for part in numbers for s in part), total=total, desc="  numbers", unit="number")


def balanced(examples: Examples, rng: np.random.Generator) -> Examples:
    """At most PARTS_PER_OTHER parts for every whole digit or group of several."""
    parts = np.flatnonzero(examples.labels == PART)
    others = np.flatnonzero(examples.labels != PART)
    keep = rng.permutation(parts)[: PARTS_PER_OTHER * len(others)]
    chosen = np.sort(np.concatenate([others, keep]))
    return Examples(examples.pixels[chosen], examples.labels[chosen])


def fit_piece_head(model: MlpEnsemble, examples: Examples, seed: int) -> PieceHead | None:
    """The head, or None when the examples lack a kind (a tiny smoke run)."""
    if set(examples.labels.tolist()) != set(range(len(KINDS))):
        print(f"  piece head: not every kind among the examples {np.bincount(examples.labels)}")
        return None
    features = model.inputs(examples.pixels.astype(np.float32) / 255.0)
    mean = features.mean(axis=0)
    # A floor on the scale, as for the digit networks (training.train.learn_features).
    scale = np.maximum(features.std(axis=0), 0.1 * float(features.std())).astype(np.float32)
    estimator = MLPClassifier(
        hidden_layer_sizes=HIDDEN, alpha=1e-3, max_iter=60, random_state=seed, shuffle=True
    )
    with warnings.catch_warnings():
        # A fixed number of epochs is the recipe: reaching it is not a failure to converge.
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit((features - mean) / scale, examples.labels)
    return PieceHead(network_from_sklearn(estimator, mean, scale))


def head_accuracy(model: MlpEnsemble, examples: Examples) -> dict[str, float]:
    """The share of each kind the model's head reads as that kind."""
    assert model.pieces is not None  # noqa: S101  # called on a model with a head
    _, kinds = model.read_pieces(examples.pixels.astype(np.float32) / 255.0)
    assert kinds is not None  # noqa: S101  # the model has a head
    read = kinds.argmax(axis=1)
    return {
        name: round(float((read[examples.labels == kind] == kind).mean()), 4)
        for kind, name in enumerate(KINDS)
        if (examples.labels == kind).any()
    }


def train_piece_head(
    model: MlpEnsemble,
    images: npt.NDArray[np.uint8],
    labels: npt.NDArray[np.uint8],
    pen: Sequence[PenDigit],
    per_length: int,
    seed: int,
) -> tuple[MlpEnsemble, dict[str, object]]:
    """The model with a head fitted on numbers from these training digits (see
    training_numbers), and what the head reads right of a fifth of the examples it was
    not fitted on."""
    rng = np.random.default_rng((seed, 7))
    examples = piece_examples(training_numbers(images, labels, pen, per_length), model)
    order = rng.permutation(len(examples.labels))
    fifth = len(order) // 5
    held = Examples(examples.pixels[order[:fifth]], examples.labels[order[:fifth]])
    fitted = balanced(Examples(examples.pixels[order[fifth:]], examples.labels[order[fifth:]]), rng)
    head = fit_piece_head(model, fitted, seed)
    counts = {name: int((examples.labels == kind).sum()) for kind, name in enumerate(KINDS)}
    if head is None:
        return model, {"examples": counts}
    with_head = replace(model, pieces=head)
    accuracy = head_accuracy(with_head, held)
    print(f"  piece head: {counts} examples; read right, held-out fifth: {accuracy}")
    info = {"numbers_per_length": per_length, "examples": counts, "hidden": list(HIDDEN)}
    return with_head, {**info, "held_out_accuracy": accuracy}
