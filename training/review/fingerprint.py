"""Near-duplicate drawings: a perceptual hash of the 28x28 the model reads, and an index.

The hash is the 28x28 thresholded at its own mean: 784 bits. Preprocessing has already
cropped, scaled and centred the drawing, so the same drawing sent again, moved or a
little larger, differs in a few bits (at most 17, 99% within 10, over 200 rescaled MNIST
digits), while two people's drawings of one digit differ in 18 or more (1s excepted: a
bar is a bar, 1% of pairs within 14). A 2x2-block hash (196 bits) was measured too and
rejected: it put 1s by different hands within 4 bits of each other.

The index finds a stored hash within ``max_distance`` bits without comparing every pair:
split into ``max_distance + 1`` bands, two hashes that close agree exactly on at least one
band (pigeonhole), so only hashes sharing a band are compared.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import numpy.typing as npt

Bits = npt.NDArray[np.bool_]
HASH_BITS = 784


def perceptual_hash(pixels: npt.NDArray[np.uint8]) -> Bits:
    """784 bits: which pixels of the 28x28 hold more ink than the mean pixel."""
    field = pixels.reshape(-1).astype(np.float32)
    bits: Bits = field > field.mean()
    return bits


def distance(a: Bits, b: Bits) -> int:
    return int(np.count_nonzero(a != b))


class NearDuplicateIndex:
    """Hashes added so far, each with a name; ``find`` returns the first one close enough."""

    def __init__(self, max_distance: int) -> None:
        self.max_distance = max_distance
        self._bands = np.array_split(np.arange(HASH_BITS), max_distance + 1)
        self._buckets: defaultdict[tuple[int, bytes], list[int]] = defaultdict(list)
        self._hashes: list[Bits] = []
        self._names: list[str] = []

    def find(self, bits: Bits) -> tuple[str, int] | None:
        """(name, distance) of the earliest added hash within max_distance bits, or None."""
        seen: set[int] = set()
        for entry in sorted(i for key in self._keys(bits) for i in self._buckets.get(key, ())):
            if entry in seen:
                continue
            seen.add(entry)
            apart = distance(self._hashes[entry], bits)
            if apart <= self.max_distance:
                return self._names[entry], apart
        return None

    def add(self, bits: Bits, name: str) -> None:
        entry = len(self._hashes)
        self._hashes.append(bits)
        self._names.append(name)
        for key in self._keys(bits):
            self._buckets[key].append(entry)

    def _keys(self, bits: Bits) -> list[tuple[int, bytes]]:
        return [(band, np.packbits(bits[span]).tobytes()) for band, span in enumerate(self._bands)]
