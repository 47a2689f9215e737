"""A canvas with several digits -> one piece of ink per digit, left to right.

The ink's connected components (digits.segmentation.components) are the starting point; then
1. a piece too short to be a digit by itself (a 5's detached flag, a 7's bar, a 1's
   flag or foot, the dot of an i-like 1), or the first stroke of a two-stroke 4
   hanging from its stem's top line, joins the neighbour it sits beside or above:
   the one that leaves the narrowest piece;
2. pieces one above the other in the same columns are one digit (an 8 drawn as two
   loops) and are joined; given a scorer, a big part stays apart from its neighbour
   if joined they read worse than either alone;
3. a piece that may be touching digits is cut along a top-to-bottom path that
   crosses little ink (digits.segmentation.cuts): with a piece head
   (digits.inference.pieces), when the head reads the piece as several digits, along the
   candidate cut whose halves look least like parts of a digit; otherwise (or when the
   head finds no such cut) along the path that crosses the least ink, when the piece is
   wide enough for the ink the cut crosses, the scorer's confidence in the whole and in
   the halves weighing in; and when neither cuts a piece the head is sure holds several
   digits, along the candidate whose halves the scorer reads surely as digits; once
   a piece is to be cut, another candidate whose halves the scorer reads clearly surer
   takes the cut's place;
4. what is left smaller than preprocess.MIN_EXTENT of the canvas height is a speck;
5. with a piece head, a piece left short that it reads surely as part of a digit (a flag
   or a stem broken off, a sliver a cut left) joins the neighbour beside it, the one that
   leaves the narrowest piece, if the head reads the two joined as one digit.
Sizes are relative to the height of the digits on the canvas, so the rules hold for
small and large handwriting alike. The scorer is the model's top probability
(model_scorer), and the piece head's kinds (model_kinds) when the model has one;
read_number uses both, and then reads each piece with the model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from digits.inference.model import DigitModel, MlpEnsemble
from digits.inference.pieces import ONE, PART, SEVERAL
from digits.reading.preprocess import INK_THRESHOLD, MIN_EXTENT, FloatImage, fit_and_centre
from digits.reading.strokes import stroke_width
from digits.segmentation.components import Box, Component, label
from digits.segmentation.cuts import Cut, find_cuts

# Scores crops of ink (as Piece.crop) by how much each looks like one digit, in [0, 1].
Scorer = Callable[[Sequence[FloatImage]], Sequence[float]]
# Reads crops of ink as the probabilities of digits.inference.pieces.KINDS, one row a crop.
KindsReader = Callable[[Sequence[FloatImage]], npt.NDArray[np.float32]]

# A piece shorter than this fraction of the digits' height is part of a digit.
PARTIAL = 0.6
# ...and joins a neighbour no farther than this (in digit heights) to the side,
ATTACH_GAP = 0.3
# ...or, sitting above or below it, no farther than this.
ATTACH_VGAP = 0.35
# A taller piece's neighbour that is shorter than HANG times its height, starts no
# more than HANG_TOP above its top and ends HANG_FOOT above its foot (in digit
# heights), at most HANG_GAP beside it, is a stroke of the same digit.
HANG = 0.8
HANG_TOP = 0.15
HANG_FOOT = 0.25
HANG_GAP = 0.15
# Parts shorter than this (flags, bars, dots) join without asking a scorer.
SMALL_PART = 0.35
# Two pieces are one digit when the narrower lies this much within the other's columns
# and they share at most STACKED_ROWS of the shorter one's rows.
NESTED = 0.75
STACKED_ROWS = 0.25
# Wider than this (in digit heights), a piece may be touching digits: look for a cut.
SPLIT_TRY = 0.45
# The cheapest cut is made when the piece is wide enough (in digit heights) for what
# the cut costs:
#   width > SPLIT_BASE + SPLIT_PER_STROKE * ink crossed (in stroke widths)
#           + SPLIT_PER_NINE * (nines of the whole - SPLIT_HALF_NINES * nines of the halves)
# where nines = -log10(1 - p) of the model's top probability, at most MAX_NINES
# (p = 0.99 is 2 nines), for the whole piece and for the less sure of the two halves.
# Two digits that touch are wide and the cut between them crosses little ink, while
# a cut through one digit (a 0, a wide 2) crosses two strokes or more; then the model
# weighs in: sure of the whole, it argues against the cut, sure of both halves, for
# it (less so: it is often sure of the halves of one digit too). The weights were
# chosen on the dev numbers (training.evaluate_numbers, made from MNIST train digits);
# the code that chose them was not kept, so they are tuned constants, and what they
# give is measured by `make evaluate-numbers` (models/NUMBERS.md), on test numbers too.
SPLIT_BASE = 0.45
SPLIT_PER_STROKE = 0.71
SPLIT_PER_NINE = 0.15
SPLIT_HALF_NINES = 0.71
MAX_NINES = 4.0
# The same without a scorer, from the shape alone.
SHAPE_SPLIT_BASE = 0.82
SHAPE_SPLIT_PER_STROKE = 0.51
# With a piece head: a piece it reads as several digits at least this surely is cut,
# along the candidate whose halves it reads as parts of a digit least surely, if that is
# below CUT_PART. Chosen on dev numbers (training.pieces, from training digits only).
CUT_SEVERAL = 0.5
CUT_PART = 0.5
# Digits that overlap leave a spur of the neighbour in every candidate's halves, so the
# head reads each half as part of a digit and neither rule above cuts. A piece the head
# reads as several digits at least this surely is then cut all the same, along the
# candidate least like parts among those whose halves the scorer reads at least
# SURE_HALVES surely as digits. Chosen on dev numbers (training writers' pen digits and
# MNIST train digits; docs/numbers.md).
SURELY_SEVERAL = 0.99
SURE_HALVES = 0.9
# Whether to cut is the rules' above; where is, in the end, the scorer's: digits that
# overlap leave the cheapest path through one of them, giving a stroke of one digit to
# its neighbour (a 4's left stroke to the 2 before it), and the halves then read unsurely.
# The candidate whose less sure half the scorer reads surest replaces the chosen cut when
# it reads that half surer by more than this. Chosen on the dev numbers: 0.05-0.2 read
# them alike, 0 a little worse (docs/numbers.md).
RECUT_MARGIN = 0.1
# After the cuts, a piece shorter than PARTIAL that the head reads as part of a digit at
# least this surely joins a neighbour (as near as step 1's parts) that it makes a digit
# with, by the head at least JOINED_ONE. Chosen on the dev numbers (docs/numbers.md).
LEFT_PART = 0.9
JOINED_ONE = 0.5
DUST = 0.25  # blobs smaller than this fraction of a speck are ignored from the start
MAX_BLOBS = 48
MAX_DEPTH = 4  # cuts within cuts at most this deep: up to 16 digits from one blob


@dataclass(frozen=True)
class Piece:
    """One digit's ink: its box in canvas pixels and the ink inside (others' masked out)."""

    box: Box
    crop: FloatImage  # shape (box.height, box.width), ink = 1

    @property
    def centre_x(self) -> float:
        return (self.box.left + self.box.right) / 2


@dataclass(frozen=True)
class DigitReading:
    """What the model read in one piece, and where the piece is."""

    digit: int
    confidence: float
    probabilities: tuple[float, ...]
    box: Box
    # The 28x28 the model read (ink = 1), as the page shows it beside the digit.
    pixels: FloatImage | None = field(default=None, compare=False, repr=False)


def segment(
    ink: FloatImage, scorer: Scorer | None = None, kinds: KindsReader | None = None
) -> list[Piece]:
    """The digits on an ink map (preprocess.ink_map), left to right; [] if none."""
    joined = joined_blobs(ink, scorer, kinds)
    if joined is None:
        return []
    blobs, canvas = joined
    blobs = [part for blob in blobs for part in _split(blob, canvas)]
    speck = MIN_EXTENT * ink.shape[0]
    blobs = [blob for blob in blobs if _extent(blob) >= speck]
    if canvas.kinds_reader is not None:  # specks are gone: a noisy canvas asks it little
        blobs = _merge(blobs, canvas, _left_over, _makes_a_digit)
    return sorted((as_piece(blob, ink) for blob in blobs), key=lambda piece: piece.centre_x)


def joined_blobs(
    ink: FloatImage, scorer: Scorer | None = None, kinds: KindsReader | None = None
) -> tuple[list[Component], Canvas] | None:
    """Steps 1 and 2: the ink's blobs with the parts of a digit joined, before any cut
    (training.pieces learns the cuts from these); None when there is no ink."""
    speck = MIN_EXTENT * ink.shape[0]
    # Dust (scanner noise, stray pixels) is no part of a stroke; and a drawing has a
    # few dozen strokes at most, so only the largest blobs are kept, bounding the work.
    blobs = [c for c in label(ink > INK_THRESHOLD) if _extent(c) >= DUST * speck]
    blobs = sorted(blobs, key=lambda c: c.area, reverse=True)[:MAX_BLOBS]
    height = _digit_height(blobs, speck)
    if height == 0:
        return None
    canvas = Canvas(ink, height, scorer, kinds)
    blobs = _merge(blobs, canvas, _part_of, _unless_it_reads_worse)
    blobs = _merge(blobs, canvas, _stacked, _unless_it_reads_worse)
    return blobs, canvas


def read_number(ink: FloatImage, model: DigitModel) -> list[DigitReading]:
    """Segment the ink and read each piece with the model, left to right."""
    pieces = segment(ink, *model_readers(model))
    if not pieces:
        return []
    fields = [fit_and_centre(piece.crop) for piece in pieces]
    probabilities = model.predict_proba(np.stack([f.reshape(-1) for f in fields]))
    readings = []
    for piece, pixels, row in zip(pieces, fields, probabilities, strict=True):
        digit = int(row.argmax())
        probs = tuple(float(p) for p in row)
        readings.append(DigitReading(digit, float(row[digit]), probs, piece.box, pixels))
    return readings


def model_scorer(model: DigitModel) -> Scorer:
    """The model's top probability for each crop: how surely it reads as one digit."""
    return model_readers(model)[0]


def model_kinds(model: DigitModel) -> KindsReader | None:
    """The model's piece head as a KindsReader; None for a model without one."""
    return model_readers(model)[1]


def model_readers(model: DigitModel) -> tuple[Scorer, KindsReader | None]:
    """The scorer and, with a piece head, the kinds reader of one model, sharing each
    crop's pass through the feature layer: segmentation asks both about the same crops."""
    if not isinstance(model, MlpEnsemble) or model.pieces is None:

        def score(crops: Sequence[FloatImage]) -> Sequence[float]:
            if not crops:
                return []
            return [float(p) for p in _predict(model, list(crops)).max(axis=1)]

        return score, None
    ensemble = model
    read: dict[bytes, tuple[float, npt.NDArray[np.float32]]] = {}

    def answers(crops: Sequence[FloatImage]) -> list[tuple[float, npt.NDArray[np.float32]]]:
        keys = [crop.tobytes() + str(crop.shape).encode() for crop in crops]
        new = {key: crop for key, crop in zip(keys, crops, strict=True) if key not in read}
        if new:
            pixels = np.stack([fit_and_centre(crop).reshape(-1) for crop in new.values()])
            digits, kinds = ensemble.read_pieces(pixels)
            assert kinds is not None  # noqa: S101  # checked above: the model has a head
            read.update(zip(new, zip(digits.max(axis=1).tolist(), kinds, strict=True), strict=True))
        return [read[key] for key in keys]

    def scores(crops: Sequence[FloatImage]) -> Sequence[float]:
        return [confidence for confidence, _ in answers(crops)]

    def kinds(crops: Sequence[FloatImage]) -> npt.NDArray[np.float32]:
        return np.stack([row for _, row in answers(crops)]).astype(np.float32)

    return scores, kinds


def _predict(model: DigitModel, crops: list[FloatImage]) -> npt.NDArray[np.float32]:
    pixels = np.stack([fit_and_centre(crop).reshape(-1) for crop in crops])
    return model.predict_proba(pixels)


def as_piece(blob: Component, ink: FloatImage) -> Piece:
    # The blob's pixels plus a one-pixel rim: antialiased edges below the threshold
    # belong to the stroke, as they do for single-digit preprocessing.
    rim = blob.mask.copy()
    rim[1:] |= blob.mask[:-1]
    rim[:-1] |= blob.mask[1:]
    rim[:, 1:] |= rim[:, :-1].copy()
    rim[:, :-1] |= rim[:, 1:].copy()
    crop = np.where(rim, ink[blob.box.slices], np.float32(0.0)).astype(np.float32)
    return Piece(blob.box, crop)


def _extent(blob: Component) -> int:
    return max(blob.box.width, blob.box.height)


def _digit_height(blobs: list[Component], speck: float) -> float:
    """The typical height of the digits: the median of the tall blobs' heights."""
    heights = [b.box.height for b in blobs if _extent(b) >= speck]
    if not heights:
        return 0.0
    tall = [h for h in heights if h >= 0.5 * max(heights)]
    return float(np.median(tall))


def _horizontal_gap(a: Box, b: Box) -> int:
    """Pixels between the boxes' columns; negative when their extents overlap."""
    return max(a.left, b.left) - min(a.right, b.right)


def _vertical_gap(a: Box, b: Box) -> int:
    return max(a.top, b.top) - min(a.bottom, b.bottom)


def _merge(
    blobs: list[Component],
    canvas: Canvas,
    nearness: Callable[[Box, Box, float], float | None],
    accept: Callable[[Component, Component, Component, Canvas], bool],
) -> list[Component]:
    """Join pairs the `nearness` rule pairs up (nearest first) if `accept` agrees."""
    blobs = list(blobs)
    refused: set[tuple[Box, Box]] = set()  # pairs `accept` said no to: same answer again
    while True:
        candidates = sorted(
            (distance, i, j)
            for i, a in enumerate(blobs)
            for j, b in enumerate(blobs)
            if i != j
            and (a.box, b.box) not in refused
            and (distance := nearness(a.box, b.box, canvas.height)) is not None
        )
        for _, i, j in candidates:
            joined = blobs[i].merged(blobs[j])
            if accept(blobs[i], blobs[j], joined, canvas):
                blobs = [b for k, b in enumerate(blobs) if k not in (i, j)] + [joined]
                break
            refused.add((blobs[i].box, blobs[j].box))
        else:
            return blobs


def _part_of(part: Box, other: Box, height: float) -> float | None:
    """If `part` looks like a stroke of the same digit as `other`, how wide the two are
    together: of the pieces it could belong to, it joins the one that stays narrowest,
    the most like one digit (a flag between two digits joins the one it overhangs)."""
    gap = _horizontal_gap(part, other)
    vgap = _vertical_gap(part, other)
    if part.height >= other.height:
        return None
    distance = float(part.union(other).width)
    short = part.height < PARTIAL * height
    if short and _within_reach(part, other, height):
        if gap > 0 and vgap > 0:
            return None  # off a corner: flags and bars sit beside or above, not diagonally
        return distance
    # The first stroke of a two-stroke 4 (or a 5's body without its flag, ...): shorter
    # than its neighbour, hanging from the same top line and ending well above its foot.
    hanging = (
        part.height < HANG * other.height
        and part.top >= other.top - HANG_TOP * height
        and part.bottom <= other.bottom - HANG_FOOT * height
        and gap <= HANG_GAP * height
    )
    return distance if hanging else None


def _stacked(a: Box, b: Box, height: float) -> float | None:
    """Pieces one above the other in the same columns are strokes of one digit."""
    if a.left > b.left:
        return None  # each pair once
    # Side by side digits can share columns too (a 7's bar over a 1), but then they
    # share rows as well.
    columns = -_horizontal_gap(a, b) >= NESTED * min(a.width, b.width)
    rows = -_vertical_gap(a, b) <= STACKED_ROWS * min(a.height, b.height)
    return float(_vertical_gap(a, b)) if columns and rows else None


def _left_over(part: Box, other: Box, height: float) -> float | None:
    """A short piece near a taller one (step 5): how wide the two are together."""
    if part.height >= min(other.height, PARTIAL * height):
        return None
    return float(part.union(other).width) if _within_reach(part, other, height) else None


def _within_reach(part: Box, other: Box, height: float) -> bool:
    """Whether a part of a digit is near enough to join `other` (steps 1 and 5)."""
    return (
        _horizontal_gap(part, other) <= ATTACH_GAP * height
        and _vertical_gap(part, other) <= ATTACH_VGAP * height
    )


def _makes_a_digit(part: Component, other: Component, joined: Component, canvas: Canvas) -> bool:
    """The head's yes to step 5: the piece alone is part of a digit, joined one digit."""
    alone, whole = canvas.kinds([part, joined])
    return bool(alone[PART] >= LEFT_PART and whole[ONE] >= JOINED_ONE)


def _unless_it_reads_worse(
    part: Component, other: Component, joined: Component, canvas: Canvas
) -> bool:
    """A scorer's veto: a big part stays apart if joined it reads worse than both alone."""
    if canvas.scorer is None or part.box.height < SMALL_PART * canvas.height:
        return True
    whole, alone_a, alone_b = canvas.score([joined, part, other])
    return whole >= min(alone_a, alone_b)


class Canvas:
    """What the rules know about the whole canvas, and the scorer's answers so far."""

    def __init__(
        self,
        ink: FloatImage,
        height: float,
        scorer: Scorer | None,
        kinds: KindsReader | None = None,
    ) -> None:
        self.ink = ink
        self.height = height  # of the digits, in pixels
        self.scorer = scorer
        self.kinds_reader = kinds
        self._scores: dict[tuple[Box, int], float] = {}
        self._kinds: dict[tuple[Box, int], npt.NDArray[np.float32]] = {}

    def kinds(self, blobs: Sequence[Component]) -> list[npt.NDArray[np.float32]]:
        """The piece head's probabilities of each kind for each blob, each asked once."""
        if self.kinds_reader is None:
            raise ValueError("no piece head")
        keys = [(blob.box, blob.area) for blob in blobs]
        new = {key: blob for key, blob in zip(keys, blobs, strict=True) if key not in self._kinds}
        if new:
            crops = [as_piece(blob, self.ink).crop for blob in new.values()]
            self._kinds.update(zip(new, self.kinds_reader(crops), strict=True))
        return [self._kinds[key] for key in keys]

    def score(self, blobs: Sequence[Component]) -> list[float]:
        """The scorer's score for each blob, asking it only about blobs not seen yet."""
        if self.scorer is None:
            raise ValueError("no scorer")
        keys = [(blob.box, blob.area) for blob in blobs]
        new = {key: blob for key, blob in zip(keys, blobs, strict=True) if key not in self._scores}
        if new:
            crops = [as_piece(blob, self.ink).crop for blob in new.values()]
            self._scores.update(zip(new, self.scorer(crops), strict=True))
        return [self._scores[key] for key in keys]


def _split(blob: Component, canvas: Canvas, depth: int = MAX_DEPTH) -> list[Component]:
    """Cut touching digits apart where a cut is clearly better than none."""
    width = blob.box.width / canvas.height  # in digit heights
    narrowest = SPLIT_TRY if canvas.scorer is not None else SHAPE_SPLIT_BASE
    if depth == 0 or width < narrowest:
        return [blob]
    cuts = find_cuts(blob, canvas.height)
    if not cuts:
        return [blob]
    chosen = _touching_cut(blob, cuts, canvas) if canvas.kinds_reader is not None else None
    if chosen is None:
        chosen = _worth_cutting(blob, min(cuts, key=lambda c: c.crossed), canvas)
    if chosen is None and canvas.kinds_reader is not None:
        chosen = _surely_several_cut(blob, cuts, canvas)
    if chosen is None:
        return [blob]
    chosen = _best_placed(chosen, cuts, canvas)
    return [*_split(chosen.left, canvas, depth - 1), *_split(chosen.right, canvas, depth - 1)]


def _best_placed(chosen: Cut, cuts: list[Cut], canvas: Canvas) -> Cut:
    """Where to cut, once the rules above said whether: the candidate whose less sure
    half the scorer reads surest, if surer than the chosen cut's by RECUT_MARGIN."""
    if canvas.scorer is None:
        return chosen

    def worse_half(cut: Cut) -> float:
        return min(canvas.score([cut.left, cut.right]))

    best = max(cuts, key=worse_half)
    return best if worse_half(best) > worse_half(chosen) + RECUT_MARGIN else chosen


def _touching_cut(blob: Component, cuts: list[Cut], canvas: Canvas) -> Cut | None:
    """With a piece head: the cut between digits it sees touching, if it sees one."""
    (whole,) = canvas.kinds([blob])
    if whole[SEVERAL] < CUT_SEVERAL:
        return None
    best = min(cuts, key=lambda cut: _worse_half_part(cut, canvas))
    return best if _worse_half_part(best, canvas) < CUT_PART else None


def _surely_several_cut(blob: Component, cuts: list[Cut], canvas: Canvas) -> Cut | None:
    """With a piece head sure the piece holds several digits: the candidate whose halves
    the scorer reads surely as digits and the head least as parts (see SURELY_SEVERAL)."""
    (whole,) = canvas.kinds([blob])
    if whole[SEVERAL] < SURELY_SEVERAL:
        return None
    readable = [cut for cut in cuts if min(canvas.score([cut.left, cut.right])) >= SURE_HALVES]
    return min(readable, key=lambda cut: _worse_half_part(cut, canvas)) if readable else None


def _worse_half_part(cut: Cut, canvas: Canvas) -> float:
    """How surely the cut's worse half is only part of a digit, by the piece head."""
    return float(max(half[PART] for half in canvas.kinds([cut.left, cut.right])))


def _worth_cutting(blob: Component, cut: Cut, canvas: Canvas) -> Cut | None:
    """The cut if the piece is wide enough for what it costs (see SPLIT_BASE)."""
    width = blob.box.width / canvas.height
    crossing = cut.crossed / max(stroke_width(blob.mask), 1.0)
    if canvas.scorer is None:
        return cut if width > SHAPE_SPLIT_BASE + SHAPE_SPLIT_PER_STROKE * crossing else None
    # The model is asked only as far as its answers can still matter: first about the
    # whole, assuming the surest halves, then about the halves.
    needed = SPLIT_BASE + SPLIT_PER_STROKE * crossing
    surest_halves = SPLIT_PER_NINE * SPLIT_HALF_NINES * MAX_NINES
    if width <= needed - surest_halves:
        return None
    (whole,) = canvas.score([blob])
    needed += SPLIT_PER_NINE * _nines(whole)
    if width <= needed - surest_halves:
        return None
    left, right = canvas.score([cut.left, cut.right])
    needed -= SPLIT_PER_NINE * SPLIT_HALF_NINES * min(_nines(left), _nines(right))
    return cut if width > needed else None


def _nines(probability: float) -> float:
    return -math.log10(max(1.0 - probability, 10.0**-MAX_NINES))
