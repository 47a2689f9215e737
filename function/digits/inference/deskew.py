"""Upright drawings: undo each digit's slant before the feature layer reads it (numpy only).

People slant their digits by different amounts, and a slant the training set seldom shows
is a writer the model has not met. The slant is measured from the ink's second moments,
as for LeCun's deskewed MNIST: how far the ink moves right per row down (its covariance
of x with y over its variance in y). Each row is then moved back sideways by that much
about the centre of mass, so the centre of mass stays where preprocessing put it and the
digit stands upright. Only rows move, so one linear interpolation along each row does it.

Cross-validated over writers, upright drawings read MNIST's validation digits better in
every fold and the writers no worse (models/EXPERIMENTS.md).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]
# The steepest slant undone, in pixels sideways per pixel down (45 degrees). Handwriting
# slants far less; past this the moments describe a digit's shape (a long flag, a wide
# base), not how it was written.
MAX_SLANT = 1.0


def upright(images: Floats) -> Floats:
    """(n, side, side) ink in [0, 1] -> the same drawings with their slant undone.

    A blank image stays blank; ink moved beyond the field's edge is dropped (preprocessing
    leaves a margin of four pixels, and an upright digit is narrower than a slanted one).
    """
    count, side, _ = images.shape
    centres = np.arange(side, dtype=np.float32) + np.float32(0.5)  # pixel centres
    mass = images.sum(axis=(1, 2))
    safe_mass = np.where(mass > 0, mass, 1.0)
    row_mass = images.sum(axis=2)  # (n, side): ink per row
    centre_y = row_mass @ centres / safe_mass
    centre_x = images.sum(axis=1) @ centres / safe_mass
    down = centres[None, :] - centre_y[:, None]  # (n, side): each row's distance below it
    across = centres[None, :] - centre_x[:, None]
    variance_y = (row_mass * down * down).sum(axis=1) / safe_mass
    covariance = np.einsum("nij,ni,nj->n", images, down, across) / safe_mass
    slant = np.where(variance_y > 0, covariance / np.where(variance_y > 0, variance_y, 1.0), 0.0)
    slant = np.minimum(np.maximum(slant, -MAX_SLANT), MAX_SLANT)
    # Row y of the upright digit is row y of the drawing read `slant * down` further right.
    source = centres[None, None, :] - 0.5 + (slant[:, None] * down)[:, :, None]
    left = np.floor(source)
    weight = (source - left).astype(np.float32)
    # One blank column either side; every index beyond the field reads a blank one. The
    # framed rows are gathered from as one flat array (a fraction of take_along_axis's cost
    # on the one drawing a request reads).
    width = side + 2
    framed = np.zeros((count, side, width), np.float32)
    framed[:, :, 1:-1] = images
    flat = framed.reshape(-1)
    index = left.astype(np.intp) + 1
    first_of_row = (np.arange(count * side, dtype=np.intp) * width).reshape(count, side, 1)
    at_left = flat[first_of_row + np.minimum(np.maximum(index, 0), width - 1)]
    at_right = flat[first_of_row + np.minimum(np.maximum(index + 1, 0), width - 1)]
    out: Floats = (at_left * (1.0 - weight) + at_right * weight).astype(np.float32)
    return out
