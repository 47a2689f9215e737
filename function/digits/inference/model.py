"""The digit model: load once, answer ten probabilities per 28x28 image.

The shipped model is a bundle of plain numpy arrays with a numpy forward pass here, so
a cold start never imports scikit-learn or SciPy: a convolution-like feature layer
(digits.inference.features, filters learned by k-means), then the trained scikit-learn MLPs'
weights, their softmax averaged after dividing the logits by a temperature fitted on
held-out writers, so that a confidence of 0.9 is right about nine times in ten. A model
may also read each drawing moved by a pixel (its ``moves``): each network's logits are
then averaged over those views before the softmax. And some of its networks may read a
second feature layer (``other_features``): with mixed views, the drawing as drawn where
the first layer stands it upright, so the networks err on different drawings.
Any other estimator saved with joblib that has ``predict_proba`` on 784 features is
served too ("bring your own model").
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import joblib
import numpy as np
import numpy.typing as npt

from digits.errors import ModelUnavailable
from digits.inference.features import PLACED, Move, PatchFeatures
from digits.inference.network import Network, softmax
from digits.inference.pieces import PieceHead

BUNDLE_FORMAT = "digit-mlp-ensemble/7"
# Bundles of the earlier formats still load: the first (MLPs on raw pixels, no
# temperature), the second (no piece head: numbers are cut by the shape rules), the
# third (no moved views: each drawing is read as placed), the fourth (no upper
# feature layer), the fifth (drawings read as slanted as they came) and the sixth (one
# feature layer for every network). A reader of an earlier format refuses a later
# format's bundle rather than read it wrongly.
READABLE_FORMATS = frozenset({f"digit-mlp-ensemble/{number}" for number in range(1, 8)})
MAX_MOVE = 2  # pixels: a view moved further could push ink off the 28x28 field
FEATURES = 28 * 28
CLASSES = 10

Floats = npt.NDArray[np.float32]
# What the networks read, per feature layer: (views, n, inputs) of the first layer (or the
# pixels), and of the second layer if a network reads one.
Views = tuple[Floats, Floats | None]


class DigitModel(Protocol):
    def predict_proba(self, pixels: Floats) -> Floats:
        """(n, 784) pixels in [0, 1] -> (n, 10) probabilities of digits 0-9."""
        ...


@dataclass(frozen=True)
class MlpEnsemble:
    """The averaged, temperature-scaled softmax of several networks, as exported by training.

    With a feature layer the networks read its features; without one, the pixels.
    """

    networks: tuple[Network, ...]
    features: PatchFeatures | None = None
    temperature: float = 1.0
    pieces: PieceHead | None = None  # one digit, several or part of one (digits.inference.pieces)
    # The views each drawing is read in, the first as placed (digits.inference.features).
    moves: tuple[Move, ...] = PLACED
    # A second feature layer (bundle format 7), and for each network whether it reads that
    # layer instead of the first (empty: none does). The piece head reads the first.
    other_features: PatchFeatures | None = None
    reads_other: tuple[bool, ...] = ()

    def __post_init__(self) -> None:
        check_moves(self.moves, self.features)
        check_layers(self)

    def predict_proba(self, pixels: Floats) -> Floats:
        return self._digits(self._views(pixels))

    def read_pieces(self, pixels: Floats) -> tuple[Floats, Floats | None]:
        """The digits' probabilities and, with a piece head, the kinds' (digits.inference.pieces),
        from one pass of the feature layers; the head reads the drawing as placed."""
        views = self._views(pixels)
        kinds = None if self.pieces is None else self.pieces.probabilities(views[0][0])
        return self._digits(views), kinds

    def logits(self, pixels: Floats) -> Floats:
        """Each network's logits, averaged over the views: (networks, n, 10), before the
        temperature (what calibration fits it on)."""
        return np.stack(list(self._each_networks_logits(self._views(pixels))))

    def with_networks(self, members: tuple[int, ...]) -> MlpEnsemble:
        """The same model with only these networks (each still reading its layer)."""
        reads_other = tuple(self.reads_other[i] for i in members) if self.reads_other else ()
        return replace(
            self,
            networks=tuple(self.networks[i] for i in members),
            reads_other=reads_other if any(reads_other) else (),
            other_features=self.other_features if any(reads_other) else None,
        )

    def _digits(self, views: Views) -> Floats:
        total = np.zeros((views[0].shape[1], CLASSES), dtype=np.float32)
        for network_logits in self._each_networks_logits(views):
            total += softmax(network_logits * np.float32(1.0 / self.temperature))
        return total / np.float32(len(self.networks))

    def _each_networks_logits(self, views: Views) -> Iterator[Floats]:
        first, other = views
        reads_other = self.reads_other or (False,) * len(self.networks)
        for network, on_other in zip(self.networks, reads_other, strict=True):
            layer_views = other if on_other and other is not None else first
            count, rows, size = layer_views.shape
            if count == 1:  # the drawing as placed (serving's path): nothing to average
                yield network.logits(layer_views[0])
                continue
            flat = layer_views.reshape(count * rows, size)  # one product per layer, every view
            yield network.logits(flat).reshape(count, rows, CLASSES).mean(axis=0)

    def inputs(self, pixels: Floats) -> Floats:
        """What the networks read of the drawing as placed: the feature layer's output, or
        the pixels."""
        pixels = np.asarray(pixels, dtype=np.float32).reshape(-1, FEATURES)
        return pixels if self.features is None else self.features.transform(pixels)

    def _views(self, pixels: Floats) -> Views:
        """Per layer, (views, n, inputs): the first feature layer's output for each move (or
        the pixels), and the second layer's, if a network reads it."""
        pixels = np.asarray(pixels, dtype=np.float32).reshape(-1, FEATURES)
        if self.features is None:
            return pixels[np.newaxis], None
        other = None
        if self.other_features is not None:
            other = self.other_features.views(pixels, self.moves)
        return self.features.views(pixels, self.moves), other

    def to_bundle(self) -> dict[str, Any]:
        bundle: dict[str, Any] = {
            "format": BUNDLE_FORMAT,
            "networks": [
                {"weights": list(net.weights), "biases": list(net.biases)} for net in self.networks
            ],
            "temperature": self.temperature,
        }
        if self.features is not None:
            bundle["features"] = self.features.to_bundle()
        if self.pieces is not None:
            bundle["pieces"] = self.pieces.to_bundle()
        if self.moves != PLACED:
            bundle["moves"] = [list(move) for move in self.moves]
        if self.other_features is not None:  # only in bundles of format 7
            bundle["other_features"] = self.other_features.to_bundle()
            for network, on_other in zip(bundle["networks"], self.reads_other, strict=True):
                network["reads_other"] = on_other
        return bundle

    @classmethod
    def from_bundle(cls, bundle: dict[str, Any]) -> MlpEnsemble:
        features = PatchFeatures.from_bundle(bundle["features"]) if bundle.get("features") else None
        other = bundle.get("other_features")
        other_features = PatchFeatures.from_bundle(other) if other else None
        reads_other = tuple(bool(net.get("reads_other", False)) for net in bundle["networks"])
        temperature = float(bundle.get("temperature", 1.0))
        if not 0.05 <= temperature <= 20.0:
            raise ValueError(f"temperature {temperature} is out of range")
        networks = tuple(
            Network(tuple(net["weights"]), tuple(net["biases"])) for net in bundle["networks"]
        )
        if not networks:
            raise ValueError("bundle has no networks")
        if other_features is None and not any(reads_other):
            reads_other = ()  # a bundle of format 6 or before: every network reads the first
        elif other_features is None or features is None:
            raise ValueError("a network reads a second feature layer the bundle lacks")
        for net, on_other in zip(networks, reads_other or (False,) * len(networks), strict=True):
            layer = other_features if on_other else features
            inputs = FEATURES if layer is None else layer.size
            if net.weights[0].shape[0] != inputs or net.weights[-1].shape[1] != CLASSES:
                raise ValueError(f"bundle networks must map {inputs} features to 10 classes")
        inputs = FEATURES if features is None else features.size
        pieces = PieceHead.from_bundle(bundle["pieces"], inputs) if bundle.get("pieces") else None
        moves = tuple((int(down), int(right)) for down, right in bundle.get("moves", PLACED))
        return cls(networks, features, temperature, pieces, moves, other_features, reads_other)


def check_moves(moves: tuple[Move, ...], features: PatchFeatures | None) -> None:
    """Views are moved by the feature layer, the first is the drawing as placed (the piece
    head reads it), each once and at most MAX_MOVE pixels."""
    if moves == PLACED:
        return
    if features is None:
        raise ValueError("moved views need a feature layer")
    if not moves or moves[0] != PLACED[0] or len(set(moves)) != len(moves):
        raise ValueError("the first view is the drawing as placed, and each view comes once")
    if any(abs(step) > MAX_MOVE for move in moves for step in move):
        raise ValueError(f"views are moved by at most {MAX_MOVE} pixels")


def check_layers(model: MlpEnsemble) -> None:
    """A second feature layer comes beside a first, and some network reads it."""
    if model.other_features is None and not model.reads_other:
        return
    if model.features is None or model.other_features is None:
        raise ValueError("a second feature layer needs a first, and the networks that read it")
    if len(model.reads_other) != len(model.networks) or not any(model.reads_other):
        raise ValueError("say for each network whether it reads the second feature layer")


class EstimatorModel:
    """A user's own estimator: anything with predict_proba over 784 features."""

    def __init__(self, estimator: Any, input_scale: float = 1.0) -> None:
        classes = [int(c) for c in getattr(estimator, "classes_", range(CLASSES))]
        if sorted(classes) != classes or not set(classes) <= set(range(CLASSES)):
            raise ValueError("estimator classes must be digits 0-9")
        self._estimator = estimator
        self._columns = np.asarray(classes)
        # Estimators trained on raw MNIST bytes expect 0-255, not 0-1.
        self._input_scale = np.float32(input_scale)

    def predict_proba(self, pixels: Floats) -> Floats:
        pixels = np.asarray(pixels, dtype=np.float32).reshape(-1, FEATURES)
        scores = np.asarray(self._estimator.predict_proba(pixels * self._input_scale))
        probabilities = np.zeros((pixels.shape[0], CLASSES), dtype=np.float32)
        probabilities[:, self._columns] = scores
        return probabilities


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_model(path: Path, input_scale: float = 1.0) -> DigitModel:
    """Load a bundle or a joblib estimator; ModelUnavailable says why not."""
    try:
        loaded = joblib.load(path)
    except FileNotFoundError as error:
        raise ModelUnavailable(f"model file not found: {path}") from error
    except Exception as error:  # a corrupt pickle can raise almost anything
        raise ModelUnavailable(f"model file unreadable: {path}: {type(error).__name__}") from error
    try:
        if isinstance(loaded, dict) and loaded.get("format") in READABLE_FORMATS:
            return MlpEnsemble.from_bundle(loaded)
        if hasattr(loaded, "predict_proba"):
            return EstimatorModel(loaded, input_scale=input_scale)
    except (KeyError, TypeError, ValueError) as error:
        raise ModelUnavailable(f"model file invalid: {path}: {error}") from error
    raise ModelUnavailable(f"model file holds no usable model: {path}")
