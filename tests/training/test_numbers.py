"""Synthetic handwritten numbers and their evaluation, on real MNIST digits."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from digits.reading.preprocess import SIZE, ink_map
from training.augment import skeleton_points
from training.evaluate_numbers import build_numbers, edit_distance, evaluate, main, summary
from training.mnist import Mnist, load_mnist
from training.numbers import HEIGHT, MARGIN, WIDTH, render_number

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def mnist() -> Mnist:
    return load_mnist()


def test_a_number_is_its_digits_side_by_side_on_the_wide_canvas(mnist: Mnist) -> None:
    rng = np.random.default_rng(3)
    indices = [0, 1, 2, 3]
    skeletons = [skeleton_points(mnist.test_images[i]) for i in indices]
    labels = [int(mnist.test_labels[i]) for i in indices]
    sample = render_number(skeletons, labels, rng)
    assert sample.image.mode == "L" and sample.image.size == (WIDTH, HEIGHT)
    assert sample.digits == tuple(labels) and sample.text == "".join(map(str, labels))
    pixels = np.asarray(sample.image)
    assert set(np.unique(pixels)) <= {0, 255}
    ink_columns = np.flatnonzero((pixels == 0).any(axis=0))
    boxes = sample.boxes
    assert [b.left for b in boxes] == sorted(b.left for b in boxes)  # left to right
    assert ink_columns[0] == boxes[0].left and ink_columns[-1] + 1 == max(b.right for b in boxes)
    for box in boxes:
        assert box.left >= MARGIN - 1 and box.right <= WIDTH - MARGIN + 1
        assert box.top >= 0 and box.bottom <= HEIGHT
        assert (pixels[box.slices] == 0).any()
    assert len(sample.alone) == 4 and all(a.shape == (SIZE, SIZE) for a in sample.alone)


def test_six_digits_fit_the_canvas_at_a_readable_size(mnist: Mnist) -> None:
    for seed in range(5):
        (sample,) = build_numbers(mnist.test_images, mnist.test_labels, seed, 1, lengths=(6,))
        heights = [b.height for b in sample.boxes]
        assert sample.image.size[1] == HEIGHT
        assert sample.image.size[0] <= WIDTH + 200  # widened only a little, if at all
        assert min(heights) >= 60


def test_numbers_are_deterministic_for_a_seed(mnist: Mnist) -> None:
    first = list(build_numbers(mnist.train_images, mnist.train_labels, 5, 2, lengths=(2, 3)))
    again = list(build_numbers(mnist.train_images, mnist.train_labels, 5, 2, lengths=(2, 3)))
    other = list(build_numbers(mnist.train_images, mnist.train_labels, 6, 2, lengths=(2, 3)))
    assert [s.text for s in first] == [s.text for s in again]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(first, again, strict=True))
    assert [s.text for s in first] != [s.text for s in other]
    assert [len(s.digits) for s in first] == [2, 3, 2, 3]  # lengths interleaved


def test_edit_distance() -> None:
    assert edit_distance("2026", "2026") == 0
    assert edit_distance("2026", "206") == 1  # a digit lost (two merged)
    assert edit_distance("2026", "20226") == 1  # a digit too many (one split)
    assert edit_distance("2026", "2036") == 1
    assert edit_distance("", "12") == 2


def test_evaluation_tallies_readings_of_real_numbers(mnist: Mnist) -> None:
    from digits.inference.model import load_model

    model = load_model(ROOT / "models" / "digit_model_28.joblib")
    samples = list(build_numbers(mnist.test_images, mnist.test_labels, 9, 3, lengths=(2, 3)))
    tallies, first, wrong = evaluate(model, samples, keep=len(samples))
    assert sorted(tallies) == [2, 3]
    assert tallies[2].numbers == 3 and tallies[3].digits == 9
    rows = summary(tallies)
    assert set(rows) == {"2", "3", "2-4", "all"}
    assert rows["all"]["numbers"] == 6
    # Re-derived from what was read: whole numbers right, and 1 - edits / digits drawn.
    assert [sample for sample, _ in first] == samples
    read = ["".join(str(r.digit) for r in readings) for _, readings in first]
    texts = [sample.text for sample in samples]
    exact = sum(r == t for r, t in zip(read, texts, strict=True)) / len(samples)
    edits = sum(min(edit_distance(t, r), len(t)) for r, t in zip(read, texts, strict=True))
    assert rows["all"]["exact"] == round(exact, 4)
    assert rows["all"]["per_digit"] == round(1 - edits / sum(map(len, texts)), 4)
    assert [sample.text for sample, _ in wrong] == [
        t for r, t in zip(read, texts, strict=True) if r != t
    ]
    # The model alone on each digit drawn alone, recounted.
    alone = [
        model.predict_proba(np.stack([a.reshape(-1) for a in s.alone])).argmax(axis=1)
        for s in samples
    ]
    right = sum(int((a == np.asarray(s.digits)).sum()) for a, s in zip(alone, samples, strict=True))
    assert rows["all"]["alone_per_digit"] == round(right / sum(map(len, texts)), 4)
    # Every number read wrongly has one cause, and the cause fits what was read.
    for length, tally in tallies.items():
        causes = tally.fewer + tally.more + tally.misread_alone + tally.misread_in_number
        assert causes == tally.numbers - tally.exact, length
    pieces = [len(readings) for _, readings in first]
    drawn = [len(sample.digits) for sample in samples]
    assert sum(t.fewer for t in tallies.values()) == sum(
        p < d for p, d, r, t in zip(pieces, drawn, read, texts, strict=True) if r != t
    )
    assert ink_map(samples[0].image).shape == (HEIGHT, samples[0].image.size[0])


MODEL_FILES = ("digit_model_28.joblib", "digit_model_28.json")


def copy_model(folder: str, to: Path) -> None:
    """The model and its metadata from models/<folder>, where a report may be written."""
    for name in MODEL_FILES:
        shutil.copy(ROOT / "models" / folder / name, to / name)


@pytest.mark.slow
@pytest.mark.parametrize("folder", ["reference", "."], ids=["reference", "shipped refit"])
def test_the_report_is_written(tmp_path: Path, folder: str) -> None:
    copy_model(folder, tmp_path)
    small = ["--per-length", "2", "--dev-per-length", "1", "--pen-per-length", "1"]
    small += ["--pen-dev-per-length", "1"]
    main(["--models-dir", str(tmp_path), *small])
    report = (tmp_path / "NUMBERS.md").read_text()
    metadata = json.loads((tmp_path / "digit_model_28.json").read_text())
    assert metadata["version"] in report
    assert "from MNIST test digits" in report and "from MNIST train digits" in report
    assert "from training writers' pen digits" in report
    assert "## Where numbers fail" in report
    pen = "from held-out writers' real pen digits" in report
    figures = json.loads((tmp_path / "numbers.json").read_text())["sets"]
    if metadata["training"]["held_out_writers"]:
        assert pen and "pen" in figures
    else:  # a refit trained on those writers: its reference reads their numbers
        assert not pen and "pen" not in figures
        assert "[reference/NUMBERS.md](reference/NUMBERS.md)" in report
    assert (tmp_path / "numbers_wrong.png").stat().st_size > 0
    assert (tmp_path / "numbers_examples.png").stat().st_size > 1000


def test_a_quick_dev_check_of_some_lengths_prints_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_model("reference", tmp_path)
    sets = ["--per-length", "0", "--pen-per-length", "0", "--pen-dev-per-length", "0"]
    main(
        [
            "--models-dir",
            str(tmp_path),
            *sets,
            "--dev-per-length",
            "2",
            "--lengths",
            "3",
            "--no-report",
        ]
    )
    printed = capsys.readouterr().out
    figures = json.loads(printed[printed.index("{") :])
    assert figures["3"]["numbers"] == 2 and set(figures) == {"3", "2-4", "all"}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(MODEL_FILES)


@pytest.mark.parametrize("lengths", [["2", "3"], ["7"]], ids=["with-a-report", "unknown-length"])
def test_lengths_other_than_all_are_refused_for_a_report_or_unknown(
    tmp_path: Path, lengths: list[str]
) -> None:
    extra = [] if lengths == ["2", "3"] else ["--no-report"]
    with pytest.raises(SystemExit) as refused:
        main(["--models-dir", str(tmp_path), "--lengths", *lengths, *extra])
    assert refused.value.code == 2
