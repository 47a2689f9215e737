"""The reader: image bytes -> a Reading, the one path /predict, benchmarks and evaluation share."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tests.function_support import SHIPPED_MODEL, png_bytes, settings_for
from tests.support.number_canvas import draw_number, number_png

from digits.errors import EmptyCanvas, InvalidImage, ModelUnavailable
from digits.inference.predictor import Predictor, load_predictor
from digits.reading.decode import ImageLimits
from digits.reading.preprocess import preprocess
from digits.reading.reader import STAGES, open_drawing, read_drawing, read_image
from tools.canvas import canvas_png, data_url, draw_digit

LIMITS = ImageLimits(max_side=4096, max_pixels=4096 * 4096)


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    return load_predictor(settings_for(SHIPPED_MODEL))


def test_a_digit_is_read_with_its_28x28_and_stage_times(predictor: Predictor) -> None:
    reading = read_drawing(canvas_png(7, variant=3), predictor, LIMITS)
    assert reading.prediction.digit == 7 and reading.number == "7"
    np.testing.assert_array_equal(reading.pixels, preprocess(draw_digit(7, variant=3)))
    (only,) = reading.digits
    assert only.digit == 7 and only.pixels is reading.pixels
    assert tuple(reading.stages_ms) == STAGES
    assert reading.stages_ms["segment"] == 0.0 and reading.stages_ms["model"] > 0.0


def test_bytes_and_a_data_url_read_alike(predictor: Predictor) -> None:
    png = canvas_png(4, variant=2)
    from_bytes = read_drawing(png, predictor, LIMITS)
    from_url = read_drawing(data_url(png), predictor, LIMITS)
    assert from_bytes.prediction == from_url.prediction
    assert from_bytes.digits == from_url.digits


def test_a_number_is_read_only_when_asked(predictor: Predictor) -> None:
    png = number_png("47", 1)
    number = read_drawing(png, predictor, LIMITS)
    assert number.number == "47" and number.stages_ms["segment"] > 0.0
    for read in number.digits:
        assert read.pixels is not None and read.pixels.shape == (28, 28)
    whole = read_drawing(png, predictor, LIMITS, number=False)
    assert whole.digits == () and whole.number == "" and whole.stages_ms["segment"] == 0.0
    assert whole.prediction == number.prediction


def test_a_decoded_image_reads_as_its_bytes_do(predictor: Predictor) -> None:
    """Evaluation hands over PIL images: the same reading, with no decode time."""
    image = draw_number("135", 2)
    from_image = read_image(image, predictor, number=True)
    from_bytes = read_drawing(png_bytes(image), predictor, LIMITS)
    assert from_image.prediction == from_bytes.prediction
    assert from_image.number == from_bytes.number == "135"
    assert read_image(image, predictor).digits == ()


def test_refusals_are_the_domain_errors(predictor: Predictor, tmp_path: Path) -> None:
    blank = png_bytes(Image.new("L", (280, 280), 255))
    with pytest.raises(EmptyCanvas):
        read_drawing(blank, predictor, LIMITS)
    with pytest.raises(InvalidImage):
        read_drawing(b"not an image", predictor, LIMITS)
    with pytest.raises(EmptyCanvas):
        open_drawing(data_url(blank), LIMITS)
    # No model: refused before the image is even looked at.
    missing = load_predictor(settings_for(tmp_path / "absent.joblib"))
    with pytest.raises(ModelUnavailable):
        read_drawing(b"not an image", missing, LIMITS)


def test_a_large_canvas_reads_as_the_full_size_pipeline_would(
    predictor: Predictor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The working-size reduction moves no answer: 60 drawings at 400 and 560 px, read
    reduced and (WORKING_SIDE out of reach) at full size: same digits, near the same
    confidence."""
    pngs = [
        canvas_png(index % 10, variant=index // 10 + 1, size=400 + 160 * (index % 2))
        for index in range(60)
    ]
    reduced = [read_drawing(png, predictor, LIMITS).prediction for png in pngs]
    monkeypatch.setattr("digits.reading.preprocess.WORKING_SIDE", 10**6)
    full = [read_drawing(png, predictor, LIMITS).prediction for png in pngs]
    assert [r.digit for r in reduced] == [f.digit for f in full]
    # The same "not sure" flag, but for an answer whose confidence sits right at the
    # threshold, where any change of input, however small, may cross it.
    edge = 0.01
    flags = [
        (r.uncertain, f.uncertain)
        for r, f in zip(reduced, full, strict=True)
        if min(
            abs(r.confidence - predictor.uncertain_below),
            abs(f.confidence - predictor.uncertain_below),
        )
        > edge
    ]
    assert len(flags) >= 55 and all(a == b for a, b in flags)
    gaps = [abs(r.confidence - f.confidence) for r, f in zip(reduced, full, strict=True)]
    assert float(np.mean(gaps)) < 0.005
    # A sure answer barely moves; a doubtful one (flagged either way) sits where the
    # softmax is steep, so the same small change of input moves its confidence more.
    sure = [gap for gap, r in zip(gaps, reduced, strict=True) if not r.uncertain]
    assert max(sure) < 0.02 and max(gaps) < 0.1


def test_boxes_of_a_large_number_are_in_the_sent_images_pixels(predictor: Predictor) -> None:
    small = read_drawing(png_bytes(draw_number("47", 1)), predictor, LIMITS)
    large_image = draw_number("47", 1).resize((1120, 560), Image.Resampling.LANCZOS)
    large = read_drawing(png_bytes(large_image), predictor, LIMITS)
    assert small.number == large.number == "47"
    for near, far in zip(small.digits, large.digits, strict=True):
        for edge in ("left", "top", "right", "bottom"):
            assert abs(getattr(far.box, edge) - 2 * getattr(near.box, edge)) <= 4
        assert far.box.right <= 1120 and far.box.bottom <= 560
