"""Segmenting a canvas into digits: merge rules, cuts, specks, and reading each piece.

Canvases are drawn with PIL like the page draws them: a round 25 px brush, black
on white, 560x280. Digit shapes live in a 130x200 cell whose top is y = 40.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from tests.support.number_canvas import draw_number

from digits.inference.model import MlpEnsemble, load_model
from digits.reading.preprocess import MIN_EXTENT, SIZE, fit_and_centre, ink_map
from digits.segmentation.cuts import find_cuts
from digits.segmentation.segment import (
    Piece,
    joined_blobs,
    model_kinds,
    model_scorer,
    read_number,
    segment,
)

Stroke = list[tuple[float, float]]
BRUSH = 25
MODEL = Path(__file__).resolve().parents[3] / "models" / "digit_model_28.joblib"

ONE = [[(60, 40), (60, 240)]]
SEVEN = [[(10, 45), (110, 45), (50, 240)]]
ZERO = [[(60, 40), (20, 80), (15, 160), (45, 235), (85, 235), (110, 160), (100, 70), (60, 40)]]
# Multi-stroke digits whose strokes do not touch.
FIVE_WITH_FLAG = [
    [(25, 45), (20, 130), (60, 115), (100, 150), (100, 200), (60, 240), (15, 220)],
    [(60, 40), (115, 35)],
]
FOUR_TWO_STROKES = [[(40, 40), (15, 150), (72, 150)], [(105, 40), (105, 240)]]
SEVEN_TWO_STROKES = [[(10, 45), (85, 45)], [(125, 45), (60, 240)]]
SEVEN_CROSSED_BAR = [[(10, 45), (110, 45), (50, 240)], [(40, 150), (65, 150)]]
ONE_WITH_FLAG = [[(22, 95), (42, 55)], [(68, 40), (68, 240)]]
DOTTED_ONE = [[(60, 100), (60, 240)], [(60, 50)]]
EIGHT_TWO_LOOPS = [
    [(60, 40), (25, 70), (60, 120), (95, 70), (60, 40)],
    [(60, 150), (20, 195), (60, 240), (100, 195), (60, 150)],
]


def draw(
    *digits: tuple[Sequence[Stroke], float], size: tuple[int, int] = (560, 280)
) -> Image.Image:
    """Digits (strokes, left offset) drawn with a round brush on a white RGBA canvas."""
    image = Image.new("RGBA", size, (255, 255, 255, 255))
    pen = ImageDraw.Draw(image)
    radius = BRUSH / 2
    for strokes, left in digits:
        for stroke in strokes:
            points = [(x + left, y) for x, y in stroke]
            if len(points) > 1:
                pen.line(points, fill=(0, 0, 0, 255), width=BRUSH, joint="curve")
            for x, y in points:  # round caps, as the page's brush has
                pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill="black")
    return image


def pieces_of(*digits: tuple[Sequence[Stroke], float]) -> list[Piece]:
    return segment(ink_map(draw(*digits)))


def columns(pieces: list[Piece]) -> list[tuple[int, int]]:
    return [(p.box.left, p.box.right) for p in pieces]


def test_separate_digits_come_left_to_right_with_their_boxes() -> None:
    pieces = pieces_of((ZERO, 380), (ONE, 20), (SEVEN, 180))
    # Each box is the drawn extent plus the brush's radius (round caps), within a pixel.
    assert len(pieces) == 3
    expected = [(80 - 12.5, 80 + 12.5), (190 - 12.5, 290 + 12.5), (395 - 12.5, 490 + 12.5)]
    for (left, right), (want_left, want_right) in zip(columns(pieces), expected, strict=True):
        assert abs(left - want_left) <= 1.5 and abs(right - want_right) <= 1.5
    for piece in pieces:
        assert piece.crop.shape == (piece.box.height, piece.box.width)
        assert piece.crop.dtype == np.float32 and piece.crop.max() == pytest.approx(1.0)


def test_each_crop_holds_only_its_own_ink() -> None:
    # The 7's bar reaches over the 1's columns; neither crop may show the other's ink.
    seven = [[(10, 45), (150, 45)], [(110, 45), (50, 240)]]
    short_one = [[(0, 85), (0, 240)]]
    image = draw((seven, 40), (short_one, 205))
    ink = ink_map(image)
    pieces = segment(ink)
    assert len(pieces) == 2
    assert pieces[0].box.right > pieces[1].box.left  # the extents do overlap
    assert sum(float(p.crop.sum()) for p in pieces) == pytest.approx(float(ink.sum()), rel=1e-4)
    field = fit_and_centre(pieces[1].crop)
    assert field.shape == (SIZE, SIZE)


@pytest.mark.parametrize(
    ("name", "strokes"),
    [
        ("5 with a detached flag", FIVE_WITH_FLAG),
        ("4 in two strokes", FOUR_TWO_STROKES),
        ("7 in two strokes", SEVEN_TWO_STROKES),
        ("7 with a crossing bar", SEVEN_CROSSED_BAR),
        ("1 with a detached flag", ONE_WITH_FLAG),
        ("i-like 1 with its dot", DOTTED_ONE),
        ("8 drawn as two loops", EIGHT_TWO_LOOPS),
    ],
)
def test_strokes_of_one_digit_make_one_piece(name: str, strokes: list[Stroke]) -> None:
    drawn = draw((strokes, 200))
    assert len(segment(ink_map(drawn))) == 1, name
    # Between other digits too, and whichever side they are on.
    pieces = segment(ink_map(draw((ZERO, 30), (strokes, 200), (ONE, 380))))
    assert len(pieces) == 3, name
    middle = pieces[1].box
    assert middle.left >= 200 - BRUSH and middle.right <= 200 + 130 + BRUSH, name


def test_the_parts_of_a_two_stroke_digit_are_all_in_its_piece() -> None:
    ink = ink_map(draw((FIVE_WITH_FLAG, 100)))
    (piece,) = segment(ink)
    assert float(piece.crop.sum()) == pytest.approx(float(ink.sum()), rel=1e-4)
    assert piece.box.top <= 35 - 12 and piece.box.right >= 100 + 115 + 12  # the flag's end


def test_digits_touching_at_one_point_are_cut_apart() -> None:
    # Two 0s whose sides touch: one blob of ink, wider than a digit, with a thin waist.
    pieces = pieces_of((ZERO, 150), (ZERO, 270))
    assert len(pieces) == 2
    (left_a, right_a), (left_b, right_b) = columns(pieces)
    assert abs(left_a - (165 - 12.5)) <= 2 and abs(right_b - (380 + 12.5)) <= 2
    # The cut runs where they touch (x = 272.5), not through a 0.
    assert abs(right_a - 272.5) <= 6 and abs(left_b - 272.5) <= 6


def test_a_blob_as_wide_as_two_digits_is_cut_even_where_strokes_overlap() -> None:
    # Wide 0s overlapping along their sides: no thin waist, but far too wide for one.
    wide_zero = [[(x * 1.4, y) for x, y in ZERO[0]]]
    pieces = pieces_of((wide_zero, 80), (wide_zero, 80 + 150))
    assert len(pieces) == 2
    assert pieces[0].box.width > 100 and pieces[1].box.width > 100


def test_three_touching_digits_are_cut_into_three() -> None:
    pieces = pieces_of((ZERO, 60), (ZERO, 180), (ZERO, 300))
    assert len(pieces) == 3
    assert [round(p.centre_x, -1) for p in pieces] == [120, 240, 360]


def test_a_scorer_decides_a_cut_the_shape_alone_does_not() -> None:
    # The end of a 7's bar touching the top of a 1: one blob, narrower than two digits.
    wide_seven = [[(10, 45), (150, 45)], [(110, 45), (50, 240)]]
    one = [[(168, 58), (168, 240)]]
    ink = ink_map(draw((wide_seven, 150), (one, 150)))
    assert len(segment(ink)) == 1
    whole_width = segment(ink)[0].box.width

    def unsure_of_the_whole(crops: Sequence[np.ndarray]) -> list[float]:
        return [0.3 if crop.shape[1] == whole_width else 0.9999 for crop in crops]

    def sure_of_the_whole(crops: Sequence[np.ndarray]) -> list[float]:
        return [0.9999 if crop.shape[1] == whole_width else 0.3 for crop in crops]

    # Unsure of the whole, sure of both halves: cut, between the bar and the 1.
    halves_read_well = segment(ink, scorer=unsure_of_the_whole)
    assert len(halves_read_well) == 2
    seven, one_piece = halves_read_well
    assert seven.box.left == 150 + 10 - 13 and one_piece.box.right == 150 + 168 + 13
    assert 300 <= seven.box.right <= 320 and 295 <= one_piece.box.left <= 320
    # Sure of the whole, unsure of the halves: keep it whole.
    assert len(segment(ink, scorer=sure_of_the_whole)) == 1


def seven_touching_a_one() -> tuple[np.ndarray, int]:
    """The end of a 7's bar touching the top of a 1 (a cut the shape alone does not
    make), and the width of the blob they make."""
    wide_seven = [[(10, 45), (150, 45)], [(110, 45), (50, 240)]]
    one = [[(168, 58), (168, 240)]]
    ink = ink_map(draw((wide_seven, 150), (one, 150)))
    return ink, segment(ink)[0].box.width


def sure_of(width: int) -> Callable[[Sequence[np.ndarray]], list[float]]:
    """A scorer sure of crops `width` wide only: the rules alone keep such a blob whole."""
    return lambda crops: [0.9999 if crop.shape[1] == width else 0.3 for crop in crops]


def test_a_piece_head_that_sees_touching_digits_cuts_where_its_halves_look_whole() -> None:
    ink, width = seven_touching_a_one()
    asked: list[int] = []

    def kinds(crops: Sequence[np.ndarray]) -> np.ndarray:
        rows = []
        for crop in crops:
            if crop.shape[1] == width:
                rows.append([0.05, 0.9, 0.05])  # the whole: several digits
            else:
                asked.append(crop.shape[1])
                rows.append([0.8, 0.0, 0.2])  # every half looks like a whole digit
        return np.asarray(rows, np.float32)

    assert len(segment(ink, sure_of(width))) == 1  # the rules alone keep it whole
    pieces = segment(ink, sure_of(width), kinds)
    assert len(pieces) == 2
    seven, one = pieces
    assert seven.box.left == 150 + 10 - 13 and one.box.right == 150 + 168 + 13
    assert one.box.width < 60  # the 1 alone, the bar left with the 7
    assert seven.box.width in asked and one.box.width in asked


@pytest.mark.parametrize(
    ("whole", "half"),
    [([0.9, 0.05, 0.05], [0.8, 0.0, 0.2]), ([0.05, 0.9, 0.05], [0.2, 0.0, 0.8])],
    ids=["one-digit", "halves-are-parts"],
)
def test_without_the_head_seeing_a_clean_cut_the_rules_decide(
    whole: list[float], half: list[float]
) -> None:
    ink, width = seven_touching_a_one()

    def kinds(crops: Sequence[np.ndarray]) -> np.ndarray:
        return np.asarray([whole if c.shape[1] == width else half for c in crops], np.float32)

    assert len(segment(ink, sure_of(width), kinds)) == 1
    unsure_of_the_whole = lambda crops: [0.3 if c.shape[1] == width else 0.9999 for c in crops]  # noqa: E731
    assert len(segment(ink, unsure_of_the_whole, kinds)) == 2


@pytest.mark.parametrize(
    ("several", "halves", "pieces"),
    [(0.995, 0.95, 2), (0.995, 0.85, 1), (0.9, 0.9999, 1)],
    ids=["sure-head-readable-halves", "halves-read-unsurely", "head-not-sure-enough"],
)
def test_a_head_sure_of_several_digits_cuts_where_both_halves_read_as_digits(
    several: float, halves: float, pieces: int
) -> None:
    # Overlapping digits: every candidate's halves look like parts to the head, and the
    # scorer is sure of the whole, so neither rule cuts; a head sure of several digits
    # (SURELY_SEVERAL) cuts all the same where the scorer reads both halves surely.
    ink, width = seven_touching_a_one()

    def kinds(crops: Sequence[np.ndarray]) -> np.ndarray:
        whole = [0.999 - several, several, 0.001]
        return np.asarray([whole if c.shape[1] == width else [0.2, 0.0, 0.8] for c in crops])

    def scorer(crops: Sequence[np.ndarray]) -> list[float]:
        return [0.9999 if crop.shape[1] == width else halves for crop in crops]

    found = segment(ink, scorer, kinds)
    assert len(found) == pieces
    if pieces == 2:
        seven, one = found
        assert seven.box.left == 150 + 10 - 13 and one.box.right == 150 + 168 + 13


@pytest.mark.parametrize(
    ("surer_by", "placed_by"),
    [(0.3, "the scorer"), (0.05, "the rules")],
    ids=["clearly-surer-halves-move-the-cut", "barely-surer-halves-do-not"],
)
def test_a_cut_moves_to_the_candidate_whose_halves_read_surer(
    surer_by: float, placed_by: str
) -> None:
    # Whether to cut is the rules' (here the head's: several digits, every half a whole
    # digit, so the first candidate); where, in the end, the scorer's (RECUT_MARGIN).
    ink, width = seven_touching_a_one()
    (blob,), canvas = joined_blobs(ink) or pytest.fail("no ink")
    first, other, *_ = find_cuts(blob, canvas.height)
    other_halves = {other.left.mask.shape, other.right.mask.shape}
    assert other_halves.isdisjoint({first.left.mask.shape, first.right.mask.shape})

    def kinds(crops: Sequence[np.ndarray]) -> np.ndarray:
        rows = [[0.05, 0.9, 0.05] if c.shape[1] == width else [0.8, 0.0, 0.2] for c in crops]
        return np.asarray(rows, np.float32)

    def scorer(crops: Sequence[np.ndarray]) -> list[float]:
        return [
            0.3 if c.shape[1] == width else 0.6 + surer_by * (c.shape in other_halves)
            for c in crops
        ]

    found = segment(ink, scorer, kinds)
    expected = other if placed_by == "the scorer" else first
    assert [p.box for p in found] == [expected.left.box, expected.right.box]


@pytest.mark.parametrize(
    ("alone_part", "joined_one", "pieces"),
    [(0.95, 0.9, 1), (0.95, 0.3, 2), (0.6, 0.9, 2)],
    ids=["a-part-making-a-digit", "joined-not-a-digit", "not-surely-a-part"],
)
def test_a_short_piece_the_head_reads_as_a_part_joins_the_digit_it_completes(
    alone_part: float, joined_one: float, pieces: int
) -> None:
    # A flick off a 1's top corner: diagonal to it, so the shape rules keep it apart.
    short_one = [[(60, 100), (60, 240)]]
    flick = [[(95, 40), (120, 60)]]
    ink = ink_map(draw((short_one, 100), (flick, 100)))
    apart = segment(ink)
    assert len(apart) == 2
    flick_width = apart[1].box.width

    def kinds(crops: Sequence[np.ndarray]) -> np.ndarray:
        rows = []
        for crop in crops:
            if crop.shape[1] == flick_width:
                rows.append([1 - alone_part, 0.0, alone_part])
            elif crop.shape[1] > flick_width:  # the two joined
                rows.append([joined_one, 0.0, 1 - joined_one])
            else:
                rows.append([1.0, 0.0, 0.0])
        return np.asarray(rows)

    found = segment(ink, lambda crops: [0.99] * len(crops), kinds)
    assert len(found) == pieces
    if pieces == 1:
        assert (found[0].box.left, found[0].box.right) == (147, 233)


def test_the_piece_head_of_a_model_without_one_is_none() -> None:
    model = load_model(MODEL)
    assert isinstance(model, MlpEnsemble)
    plain = replace(model, pieces=None)
    assert model_kinds(plain) is None


def test_specks_are_dropped_but_small_digits_are_kept() -> None:
    speck = [[(0, 0)]]  # one dab of the brush, 25 px: below MIN_EXTENT of 280
    assert MIN_EXTENT * 280 > 25
    pieces = pieces_of((ONE, 60), (speck, 400))
    assert len(pieces) == 1
    assert segment(ink_map(draw((speck, 300)))) == []
    small_zero = [[(x * 0.3, 150 + y * 0.3) for x, y in ZERO[0]]]  # 60 px tall with the brush
    assert len(pieces_of((ONE, 60), (small_zero, 300))) == 2


def test_dust_does_not_change_the_digits() -> None:
    clean = ink_map(draw((ONE, 20), (SEVEN, 180), (ZERO, 380)))
    rng = np.random.default_rng(0)
    noisy = clean.copy()
    ys, xs = rng.integers(0, 280, 4000), rng.integers(0, 560, 4000)
    noisy[ys, xs] = 1.0  # thousands of one-pixel specks, as from a noisy scan
    # Dust touching a stroke joins it, moving its box by a pixel at most.
    pairs = zip(columns(segment(noisy)), columns(segment(clean)), strict=True)
    assert all(abs(a - c) <= 1 and abs(b - d) <= 1 for (a, b), (c, d) in pairs)


def test_the_scorer_is_asked_about_each_piece_once() -> None:
    asked: list[bytes] = []

    def scorer(crops: Sequence[np.ndarray]) -> list[float]:
        asked.extend(crop.tobytes() + str(crop.shape).encode() for crop in crops)
        return [0.999] * len(crops)

    def zero(scale: float) -> list[Stroke]:  # 0s a little different: no two crops alike
        return [[(60 + (x - 60) * scale, y) for x, y in ZERO[0]]]

    # Touching 0s: a half of the first cut is the whole of the second.
    ink = ink_map(draw((zero(1.0), 60), (zero(0.97), 178), (zero(1.03), 300)))
    assert len(segment(ink, scorer)) == 3
    assert asked and len(asked) == len(set(asked))
    # Strokes of one digit, a part at a time, next to digits whose columns overlap.
    asked.clear()
    wide_seven = [[(10, 45), (150, 45)], [(110, 45), (50, 240)]]
    other_seven = [[(10, 45), (150, 45)], [(115, 45), (60, 240)]]
    short_one = [[(0, 95), (0, 240)]]
    drawn = ((wide_seven, 0), (short_one, 167), (other_seven, 175), (FOUR_TWO_STROKES, 330))
    assert len(segment(ink_map(draw(*drawn)), scorer)) == 4
    assert asked and len(asked) == len(set(asked))


def test_blank_ink_gives_no_pieces() -> None:
    assert segment(np.zeros((280, 560), dtype=np.float32)) == []


@pytest.mark.parametrize(
    ("drawn", "number"),
    [
        (((ONE, 20), (SEVEN, 180), (ZERO, 380)), [1, 7, 0]),
        (((FIVE_WITH_FLAG, 20), (FOUR_TWO_STROKES, 200), (DOTTED_ONE, 380)), [5, 4, 1]),
        (((ZERO, 150), (ZERO, 270)), [0, 0]),  # touching
    ],
)
def test_read_number_reads_each_piece_with_the_shipped_model(
    drawn: tuple[tuple[list[Stroke], float], ...], number: list[int]
) -> None:
    model = load_model(MODEL)
    ink = ink_map(draw(*drawn))
    readings = read_number(ink, model)
    assert [r.digit for r in readings] == number
    pieces = segment(ink, model_scorer(model))
    for reading, piece in zip(readings, pieces, strict=True):
        assert reading.box == piece.box
        assert len(reading.probabilities) == 10
        assert sum(reading.probabilities) == pytest.approx(1.0, abs=1e-4)
        assert reading.confidence == max(reading.probabilities)
        assert reading.confidence == reading.probabilities[reading.digit]
    assert read_number(np.zeros((280, 560), dtype=np.float32), model) == []


# Canvases of tests.support.number_canvas that the shipped reader gets wrong: the
# contract tests draw other layouts; these keep the misses in sight. Strict: the day
# segmentation reads one of them, this fails, and it joins the tests that must pass; and
# only a misreading is expected, so an error on the way (no model, a crash) still fails.
KNOWN_MISSES = [
    # A narrow 0 touching the 2: the cut is right, but the 0 keeps a spur of the 2 and
    # reads as a 6.
    pytest.param("2026", 7, id="0-with-a-spur-of-the-2"),
    # The 2's hook ends inside the 0's stroke, so every cut leaves the 2 without it. The
    # shape rules alone never parted it. The models that stood drawings upright read it
    # (2026-12-07: the 2 without its hook read as a 2 at 0.87); the one trained with
    # flagged ones (2026-12-07-28a628ed) reads the 2 and the 0 together as one 0 at 1.0.
    pytest.param("2026", 0, id="2-hook-inside-the-0"),
]


def read_drawn_number(number: str, variant: int) -> str:
    """The shipped reader's digits for a number drawn by tests.support.number_canvas."""
    readings = read_number(ink_map(draw_number(number, variant)), load_model(MODEL))
    return "".join(str(r.digit) for r in readings)


@pytest.mark.xfail(
    strict=True, raises=AssertionError, reason="known segmentation misses; see KNOWN_MISSES"
)
@pytest.mark.parametrize(("number", "variant"), KNOWN_MISSES)
def test_known_misses_of_touching_digits(number: str, variant: int) -> None:
    assert read_drawn_number(number, variant) == number
