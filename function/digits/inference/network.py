"""A fully connected ReLU network's forward pass in numpy: the digit model's networks and
the piece head (digits.inference.pieces) are both of this kind, exported from scikit-learn MLPs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Network:
    """One fully connected ReLU network; its last layer gives the logits of a softmax."""

    weights: tuple[Floats, ...]
    biases: tuple[Floats, ...]

    def __post_init__(self) -> None:
        # float32, each weight matrix column-major, however the network was made (a bundle,
        # training's export, a test): one drawing's product then runs the BLAS's faster
        # matrix-vector kernel (some 13 % of the model stage: make ab-revision), and every
        # network computes alike, so training reads what serving will, to the bit.
        object.__setattr__(
            self, "weights", tuple(np.asfortranarray(w, dtype=np.float32) for w in self.weights)
        )
        object.__setattr__(
            self, "biases", tuple(np.ascontiguousarray(b, dtype=np.float32) for b in self.biases)
        )

    def logits(self, pixels: Floats) -> Floats:
        activation = pixels
        last = len(self.weights) - 1
        for index, (weight, bias) in enumerate(zip(self.weights, self.biases, strict=True)):
            activation = activation @ weight + bias
            if index < last:
                np.maximum(activation, 0.0, out=activation)
        return activation


def softmax(logits: Floats) -> Floats:
    shifted: Floats = logits - logits.max(axis=1, keepdims=True)
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=1, keepdims=True)
    return shifted
