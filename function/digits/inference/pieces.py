"""Is a piece of ink one digit, several digits that touch, or part of a digit?

Reading a number (digits.segmentation.segment) means deciding whether a wide piece of ink is two
digits that touch, and where to cut it. The digit model cannot tell: it was trained on
single digits, so two touching digits squeezed into 28x28 read to it as one digit, often
surely, and half a 0 reads as a 1. This small head reads the same features as the digit
networks (digits.inference.features) and was trained on the pieces segmentation meets in
synthetic numbers (training.pieces): whole digits, touching pairs, and the halves of
digits cut wrongly. It ships in the model bundle beside the networks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from digits.inference.network import Network, softmax

Floats = npt.NDArray[np.float32]

KINDS = ("one", "several", "part")  # the head's outputs, in this order
ONE, SEVERAL, PART = range(len(KINDS))


@dataclass(frozen=True)
class PieceHead:
    """Features -> the probabilities of KINDS (a network like the digit model's)."""

    network: Network

    def probabilities(self, features: Floats) -> Floats:
        return softmax(self.network.logits(features))

    def to_bundle(self) -> dict[str, Any]:
        return {"weights": list(self.network.weights), "biases": list(self.network.biases)}

    @classmethod
    def from_bundle(cls, bundle: dict[str, Any], inputs: int) -> PieceHead:
        network = Network(tuple(bundle["weights"]), tuple(bundle["biases"]))
        weights = network.weights
        if not weights or len(weights) != len(network.biases):
            raise ValueError("piece head: weights and biases do not agree")
        if weights[0].shape[0] != inputs or weights[-1].shape[1] != len(KINDS):
            raise ValueError(f"piece head must map {inputs} features to {len(KINDS)} kinds")
        return cls(network)
