"""The shared preprocessing: every input style -> the same MNIST-style 28x28."""

from __future__ import annotations

import io
import math
from unittest import mock

import numpy as np
import pytest
from PIL import Image, ImageDraw

from digits.errors import EmptyCanvas
from digits.reading import strokes
from digits.reading.preprocess import (
    CENTRE,
    FIT,
    INK_THRESHOLD,
    MIN_CONTRAST,
    MIN_EXTENT,
    SIZE,
    Placement,
    _lowest_alpha,
    find_ink,
    fit_and_centre,
    ink_bounds,
    ink_map,
    preprocess,
    working_scale,
)
from tools.canvas import draw_digit

SEVEN = [(90, 60), (190, 60), (130, 230)]


def canvas(
    mode: str = "RGBA",
    background: object = (255, 255, 255, 255),
    ink: object = (0, 0, 0, 255),
    lines: list[tuple[int, int]] = SEVEN,
    width: int = 25,
    size: int = 280,
) -> Image.Image:
    image = Image.new(mode, (size, size), background)  # type: ignore[arg-type]
    ImageDraw.Draw(image).line(lines, fill=ink, width=width, joint="curve")  # type: ignore[arg-type]
    return image


def centre_of_mass(field: np.ndarray) -> tuple[float, float]:
    coords = np.arange(SIZE) + 0.5
    mass = field.sum()
    return float(field.sum(axis=1) @ coords / mass), float(field.sum(axis=0) @ coords / mass)


def ink_extent(field: np.ndarray, threshold: float = 0.05) -> tuple[int, int]:
    rows = np.flatnonzero((field > threshold).any(axis=1))
    cols = np.flatnonzero((field > threshold).any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


REFERENCE = preprocess(canvas())


def test_output_is_a_28x28_float_field_with_ink_as_one() -> None:
    assert REFERENCE.shape == (SIZE, SIZE)
    assert REFERENCE.dtype == np.float32
    assert REFERENCE.min() >= 0.0 and REFERENCE.max() <= 1.0
    assert REFERENCE.max() > 0.99  # solid strokes stay solid
    assert REFERENCE[0].sum() == 0 and REFERENCE[:, 0].sum() == 0  # background is 0


def test_centre_of_mass_lands_on_mnists_mean_centre_with_subpixel_precision() -> None:
    cy, cx = centre_of_mass(REFERENCE)
    assert cy == pytest.approx(CENTRE, abs=0.05)
    assert cx == pytest.approx(CENTRE, abs=0.05)


def test_longer_side_is_fitted_into_twenty_pixels_keeping_aspect() -> None:
    tall_one = preprocess(canvas(lines=[(140, 40), (140, 240)]))
    height, width = ink_extent(tall_one)
    assert FIT <= height <= FIT + 1
    assert width <= 5  # a vertical stroke stays thin: no stretching to a square
    dash = preprocess(canvas(lines=[(40, 140), (240, 140)]))
    height, width = ink_extent(dash)
    assert FIT <= width <= FIT + 1 and height <= 5


def test_exact_placement_is_what_serving_uses_to_the_bit() -> None:
    assert np.array_equal(preprocess(canvas(), Placement()), REFERENCE)


def test_a_placement_moves_and_scales_the_digit_in_the_field() -> None:
    right_and_up = preprocess(canvas(), Placement(shift_x=1.0, shift_y=-0.5))
    cy, cx = centre_of_mass(right_and_up)
    assert cx == pytest.approx(CENTRE + 1.0, abs=0.05)
    assert cy == pytest.approx(CENTRE - 0.5, abs=0.05)
    tall_one = canvas(lines=[(140, 40), (140, 240)])
    height, _ = ink_extent(preprocess(tall_one, Placement(scale=1.2)))
    assert 1.2 * FIT <= height <= 1.2 * FIT + 1


def test_position_and_size_on_the_canvas_do_not_matter() -> None:
    moved = preprocess(canvas(lines=[(x - 40, y + 17) for x, y in SEVEN]))
    assert np.abs(moved - REFERENCE).max() < 0.02
    smaller = preprocess(canvas(lines=[(x // 2 + 30, y // 2 + 50) for x, y in SEVEN], width=12))
    assert np.abs(smaller - REFERENCE).mean() < 0.03


def test_never_filled_transparent_canvas_with_black_strokes_reads_like_white() -> None:
    transparent = canvas(background=(0, 0, 0, 0))
    assert np.abs(preprocess(transparent) - REFERENCE).max() < 1e-4


def test_light_strokes_on_transparent_canvas_are_read_from_alpha() -> None:
    white_on_clear = canvas(background=(0, 0, 0, 0), ink=(255, 255, 255, 255))
    assert np.abs(preprocess(white_on_clear) - REFERENCE).max() < 1e-4


def test_white_ink_on_black_is_detected_and_read_the_same() -> None:
    inverted = canvas(mode="L", background=0, ink=255)
    assert np.abs(preprocess(inverted) - REFERENCE).max() < 1e-4


@pytest.mark.parametrize(
    ("mode", "background", "ink"),
    [
        ("L", 255, 0),
        ("RGB", (255, 255, 255), (0, 0, 0)),
        ("LA", (255, 255), (0, 255)),
        ("1", 1, 0),
        ("CMYK", (0, 0, 0, 0), (0, 0, 0, 255)),
    ],
)
def test_every_common_mode_reads_the_same(mode: str, background: object, ink: object) -> None:
    result = preprocess(canvas(mode=mode, background=background, ink=ink))
    assert np.abs(result - REFERENCE).max() < 1e-4


def test_opaque_alpha_takes_the_short_path_with_the_same_result() -> None:
    # Coloured ink on tinted paper, opaque: every colour channel matters to luminance.
    tinted = canvas(background=(240, 230, 200, 255), ink=(30, 60, 120, 255))
    seethrough = tinted.copy()
    seethrough.putpixel((0, 0), (240, 230, 200, 254))  # one pixel forces the composite
    assert np.abs(preprocess(tinted) - preprocess(seethrough)).max() < 1e-3
    assert np.abs(preprocess(tinted) - REFERENCE).max() < 1e-3


def test_palette_png_with_a_transparent_background_index() -> None:
    # Index 0 (black, transparent) is the background, index 1 (black, opaque) the ink.
    palette = Image.new("P", (280, 280), 0)
    palette.putpalette([0, 0, 0, 0, 0, 0])
    ImageDraw.Draw(palette).line(SEVEN, fill=1, width=25, joint="curve")
    buffer = io.BytesIO()
    palette.save(buffer, "PNG", transparency=0)
    reopened = Image.open(buffer)
    assert reopened.mode == "P" and "transparency" in reopened.info
    assert np.abs(preprocess(reopened) - REFERENCE).max() < 1e-4


def test_sixteen_bit_grey_is_scaled_not_clipped() -> None:
    grey = np.asarray(canvas(mode="L", background=255, ink=0), dtype=np.uint16) * 257
    sixteen = Image.fromarray(grey.astype(np.uint16))
    assert sixteen.mode.startswith("I")
    assert np.abs(preprocess(sixteen) - REFERENCE).max() < 1e-3


def test_jpeg_artefacts_do_not_change_the_digit() -> None:
    buffer = io.BytesIO()
    canvas(mode="RGB", background=(255, 255, 255), ink=(0, 0, 0)).save(buffer, "JPEG", quality=60)
    jpeg = preprocess(Image.open(buffer))
    assert np.abs(jpeg - REFERENCE).mean() < 0.02


def test_grey_paper_and_grey_ink_are_normalised_to_full_contrast() -> None:
    photo_like = canvas(mode="L", background=200, ink=90)
    assert np.abs(preprocess(photo_like) - REFERENCE).max() < 1e-3


def test_output_of_preprocessing_is_a_fixed_point() -> None:
    again = preprocess(Image.fromarray((REFERENCE * 255).astype(np.uint8)))
    assert np.abs(again - REFERENCE).mean() < 0.02


@pytest.mark.parametrize(
    "blank",
    [
        Image.new("RGBA", (280, 280), (255, 255, 255, 255)),
        Image.new("RGBA", (280, 280), (0, 0, 0, 0)),
        Image.new("L", (280, 280), 0),
        Image.new("L", (280, 280), 128),
        Image.new("RGB", (1, 1), (0, 0, 0)),
        Image.new("1", (1, 1), 1),
    ],
    ids=["white", "transparent", "black", "grey", "1x1-black", "1x1-white"],
)
def test_blank_images_are_empty_never_a_digit(blank: Image.Image) -> None:
    with pytest.raises(EmptyCanvas):
        preprocess(blank)


def test_faint_noise_is_not_ink() -> None:
    rng = np.random.default_rng(0)
    noise = np.clip(245 + rng.normal(0, 4, (280, 280)), 0, 255).astype(np.uint8)
    with pytest.raises(EmptyCanvas):
        preprocess(Image.fromarray(noise))


def test_a_single_tap_is_a_speck_but_a_short_stroke_is_a_digit() -> None:
    dot = canvas(lines=[(140, 140), (141, 140)])
    with pytest.raises(EmptyCanvas, match="speck"):
        preprocess(dot)
    short_one = preprocess(canvas(lines=[(140, 110), (140, 170)]))
    assert short_one.max() > 0.9


@pytest.mark.parametrize("tap", [(20, 20), (140, 262), (262, 140), (30, 250)])
def test_a_stray_tap_beside_the_digit_leaves_the_28x28_as_it_was(tap: tuple[int, int]) -> None:
    # A small seven, room around it; one dot of the page's pen somewhere else on the canvas.
    seven = canvas(lines=[(110, 90), (170, 90), (135, 190)])
    tapped = seven.copy()
    x, y = tap
    ImageDraw.Draw(tapped).ellipse((x - 12, y - 12, x + 12, y + 12), fill=(0, 0, 0, 255))
    assert find_ink(tapped).bounds() == find_ink(seven).bounds()
    assert np.array_equal(preprocess(tapped), preprocess(seven))


# -- behaviour the mutation run (make mutation) found unpinned --------------------------------


def line_ink(length: int, vertical: bool = False, side: int = 100) -> np.ndarray:
    """An ink map (as ink_map returns) holding one 1-pixel line of `length` pixels."""
    ink = np.zeros((side, side), np.float32)
    if vertical:
        ink[40 : 40 + length, 50] = 1.0
    else:
        ink[50, 40 : 40 + length] = 1.0
    return ink


@pytest.mark.parametrize("vertical", [False, True], ids=["horizontal", "vertical"])
def test_the_speck_rule_is_exactly_min_extent_of_the_shorter_side(vertical: bool) -> None:
    shortest = math.ceil(MIN_EXTENT * 100)  # the first length that is not a speck
    rows, cols = ink_bounds(line_ink(shortest, vertical))
    assert (rows.stop - rows.start, cols.stop - cols.start) == (
        (shortest, 1) if vertical else (1, shortest)
    )
    with pytest.raises(EmptyCanvas, match="speck"):
        ink_bounds(line_ink(shortest - 1, vertical))


def test_ink_bounds_are_the_ink_box_exactly_and_ignore_faint_halos() -> None:
    ink = np.zeros((100, 120), np.float32)
    ink[20:70, 30:55] = 1.0
    ink[5, 5] = ink[95, 110] = INK_THRESHOLD  # not above the threshold: not ink
    assert ink_bounds(ink) == (slice(20, 70), slice(30, 55))
    with pytest.raises(EmptyCanvas, match="no ink"):
        ink_bounds(np.full((100, 100), INK_THRESHOLD, np.float32))


@pytest.mark.parametrize("shape", [(50, 100), (100, 50), (60, 60)], ids=["wide", "tall", "square"])
def test_fitting_scales_the_longer_side_to_fit_and_keeps_the_ink(shape: tuple[int, int]) -> None:
    # Area-averaging keeps the ink: a filled h x w box becomes h*w*(FIT/longer side)^2 of it.
    # A filled box is all stroke, which the stroke band would thin: only the fit is tested.
    with mock.patch.object(strokes, "MAX_FIELD_STROKE", math.inf):
        field = fit_and_centre(np.ones(shape, np.float32))
    scale = FIT / max(shape)
    assert field.sum() == pytest.approx(shape[0] * shape[1] * scale**2, rel=1e-3)
    assert field.dtype == np.float32 and field.shape == (SIZE, SIZE)


def test_a_palette_image_without_transparency_reads_like_its_rgb() -> None:
    palette = Image.new("P", (280, 280), 0)
    palette.putpalette([255, 255, 255, 0, 0, 0])
    ImageDraw.Draw(palette).line(SEVEN, fill=1, width=25, joint="curve")
    assert "transparency" not in palette.info
    assert np.abs(preprocess(palette) - REFERENCE).max() < 1e-4


@pytest.mark.parametrize("mode", ["I", "F"])
def test_32_bit_and_float_images_in_the_8_bit_range_read_like_grey(mode: str) -> None:
    wide = canvas(mode="L", background=255, ink=0).convert(mode)
    assert wide.getextrema() == (0, 255)  # exactly 255: still the 8-bit range
    assert np.abs(preprocess(wide) - REFERENCE).max() < 1e-3


def test_sixteen_bit_grey_paper_and_ink_keep_their_contrast() -> None:
    # Mid-tones: clipping 16-bit values at 255 instead of scaling them would make both white.
    grey = np.asarray(canvas(mode="L", background=200, ink=90), dtype=np.uint16) * 257
    assert np.abs(preprocess(Image.fromarray(grey)) - REFERENCE).max() < 1e-3


def test_ink_is_the_contrast_with_the_paper_scaled_to_the_darkest_stroke() -> None:
    grey = np.full((60, 60), 200, np.uint8)  # grey paper
    grey[10:50, 20:24] = 40  # the darkest stroke: ink 1
    grey[10:50, 40:44] = 120  # half as dark over the paper: ink 1/2
    grey[5, 5] = 255  # lighter than the paper: no ink, never negative
    ink = ink_map(Image.fromarray(grey))
    assert ink[30, 21] == pytest.approx(1.0)
    assert ink[30, 41] == pytest.approx(0.5)
    assert ink[5, 5] == 0.0 and ink.min() == 0.0


def test_light_ink_on_dark_grey_paper_reads_like_black_on_white() -> None:
    chalkboard = canvas(mode="L", background=50, ink=220)
    assert np.abs(preprocess(chalkboard) - REFERENCE).max() < 1e-3


def test_the_faintest_drawing_has_exactly_min_contrast() -> None:
    faintest = int(255 - MIN_CONTRAST)
    assert preprocess(canvas(mode="L", background=255, ink=faintest)).max() > 0.9
    with pytest.raises(EmptyCanvas, match="no ink"):
        preprocess(canvas(mode="L", background=255, ink=faintest + 1))


@pytest.mark.parametrize(
    ("size", "scale"),
    [((280, 280), 1), ((399, 399), 1), ((400, 400), 2), ((560, 560), 2), ((560, 280), 1),
     ((1120, 560), 2), ((900, 840), 4), ((8, 4096), 1)],
)  # fmt: skip
def test_working_scale_is_the_whole_number_of_working_sides_in_the_shorter_side(
    size: tuple[int, int], scale: int
) -> None:
    assert working_scale(size) == scale


def _unreduced(image: Image.Image, monkeypatch: pytest.MonkeyPatch) -> np.ndarray:
    with monkeypatch.context() as patch:
        patch.setattr("digits.reading.preprocess.WORKING_SIDE", 10**6)
        return preprocess(image)


@pytest.mark.parametrize(("variant", "size"), [(v, s) for v in range(1, 9) for s in (400, 560)])
def test_a_large_canvas_is_read_at_working_size_into_the_same_28x28(
    variant: int, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    large = draw_digit(variant % 10, variant=variant, size=size)
    assert ink_map(large).shape == (size // 2, size // 2)  # a quarter of the pixels
    reduced, full = preprocess(large), _unreduced(large, monkeypatch)
    assert ink_map(draw_digit(3, size=280)).shape == (280, 280)  # the page's canvas: as is
    difference = np.abs(reduced - full)
    assert difference.mean() < 0.006 and difference.max() < 0.25


def test_a_large_transparent_canvas_is_composited_before_it_is_reduced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = [(2 * x, 2 * y) for x, y in SEVEN]
    # Red strokes on a never-filled canvas: averaging before compositing would darken
    # the stroke edges against the transparent black around them.
    large = canvas(background=(0, 0, 0, 0), ink=(220, 0, 0, 255), lines=lines, width=50, size=600)
    assert ink_map(large).shape == (200, 200)
    difference = np.abs(preprocess(large) - _unreduced(large, monkeypatch))
    assert difference.mean() < 0.006 and difference.max() < 0.25
    half = canvas(ink=(220, 0, 0, 255), width=25, size=300)
    assert np.abs(preprocess(large) - preprocess(half)).mean() < 0.02


def test_a_large_grey_canvas_in_floats_is_reduced_too(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [(2 * x, 2 * y) for x, y in SEVEN]
    large = canvas(mode="I", background=40000, ink=2000, lines=lines, width=50, size=560)
    assert ink_map(large).shape == (280, 280)
    difference = np.abs(preprocess(large) - _unreduced(large, monkeypatch))
    assert difference.mean() < 0.006


@pytest.mark.parametrize("mode", ["L", "F"])
def test_the_paper_is_the_borders_median_exactly(mode: str) -> None:
    """Noisy paper: the ink is the contrast with the border's median (np.median's value),
    scaled to the darkest stroke, on 8-bit and float images alike."""
    grey = np.full((80, 90), 230, np.uint8)
    # Half the border at 100, half at 200: the two middle values differ (median 150).
    grey[0], grey[-1] = 100, 100
    grey[:, 0], grey[:, -1] = 200, 200
    grey[0, 1:4], grey[-1, 1:4] = 200, 200
    grey[20:60, 30:36] = 10
    border = np.concatenate((grey[0], grey[-1], grey[:, 0], grey[:, -1])).astype(np.float32)
    middle = np.sort(border)[[border.size // 2 - 1, border.size // 2]]
    assert border.size % 2 == 0 and middle[0] != middle[1]
    paper = float(np.median(border))
    expected = np.clip((paper - grey.astype(np.float32)) / (paper - 10.0), 0.0, 1.0)
    ink = find_ink(Image.fromarray(grey).convert(mode))
    np.testing.assert_allclose(ink.full, expected, atol=1e-6)
    assert ink.size == 80 * 90
    rows, cols = ink.bounds()
    np.testing.assert_array_equal(ink.crop(rows, cols), ink.full[rows, cols])


@pytest.mark.parametrize("mode", ["L", "F"])
def test_paper_at_mid_grey_counts_as_light_paper(mode: str) -> None:
    """The polarity boundary: paper at 128 with dark ink is light paper; at 127, dark."""
    light = canvas(mode="L", background=128, ink=0).convert(mode)
    assert np.abs(preprocess(light) - REFERENCE).max() < 1e-3
    dark = canvas(mode="L", background=127, ink=255).convert(mode)
    assert np.abs(preprocess(dark) - REFERENCE).max() < 1e-3


def test_white_ink_on_black_in_floats_reads_like_black_on_white() -> None:
    chalk = canvas(mode="L", background=0, ink=255).convert("F")
    assert np.abs(preprocess(chalk) - REFERENCE).max() < 1e-3


def test_compositing_reads_the_alpha_band_not_a_colour_band() -> None:
    """Blue strokes on a transparent canvas whose hidden colour is blue too: only the alpha
    band tells the strokes from the paper (the blue band is 255 everywhere)."""
    hidden_blue = canvas(background=(0, 0, 255, 0), ink=(0, 0, 255, 255))
    expected = preprocess(canvas(background=(255, 255, 255, 255), ink=(0, 0, 255, 255)))
    assert np.abs(preprocess(hidden_blue) - expected).max() < 1e-3


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_the_lowest_alpha_is_the_alpha_bands_whatever_the_colours(mode: str) -> None:
    """Bright colours over the faintest pixel, dark ones over opaque pixels: only the alpha
    band decides whether the drawing is composited."""
    rng = np.random.default_rng(7)
    for trial in range(50):
        pixels = rng.integers(0, 256, (9, 11, 4), dtype=np.uint8)
        pixels[..., 3] = 255
        row, col = rng.integers(9), rng.integers(11)
        pixels[row, col] = (255, 255, 255, trial * 5)
        image = Image.fromarray(pixels, "RGBA").convert(mode)
        assert _lowest_alpha(image) == trial * 5
