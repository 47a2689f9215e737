"""Evaluate reading whole numbers: `python -m training.evaluate_numbers`.

Sets of synthetic handwritten numbers, 2 to 6 digits (training.numbers):
- ``test``: built from MNIST test digits, never used for the segmentation rules
  or for training the model;
- ``dev``: built from MNIST train digits, the set the segmentation rules were
  tuned on;
- ``pen``: built from the real pen digits of the writers training held out
  (training.pendigits), each number from one writer's digits, as a person writes it; a
  model refit on every writer (``make train``) saw them, so for it this set is its
  reference's (models/reference/NUMBERS.md, the same recipe without those writers).
For each number the canvas goes through serving's path, `ink_map` then
`digits.segmentation.segment.read_number`, and the result is compared with the digits drawn.
Writes models/NUMBERS.md, its figures as models/numbers.json, and a picture of numbers read
wrongly.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt
from matplotlib.patches import Rectangle
from tqdm import tqdm

from digits.inference.model import DigitModel, load_model
from digits.reading.preprocess import INK_THRESHOLD, ink_map
from digits.segmentation.components import label
from digits.segmentation.segment import DigitReading, read_number
from training import numbers
from training.augment import Points, skeleton_points
from training.export import MODEL_NAME, MODELS_DIR, REFERENCE_DIR
from training.mnist import load_mnist
from training.numbers import NumberSample, pen_points, render_number
from training.pendigits import PenDigit, load_pendigits, split_by_writer

LENGTHS = (2, 3, 4, 5, 6)
KEEP = 10  # numbers kept for each picture: two of each length for the examples
SEEDS = {"dev": 11, "test": 12, "pen": 13, "pen_dev": 21}
NUMBERS_JSON = "numbers.json"  # the report's figures, for tools.docs_figures
FAILURES = {
    "fewer": "fewer pieces than digits (touching digits left whole, or two joined)",
    "more": "more pieces (a digit cut in two, or a stray stroke kept)",
    "misread_alone": "pieces right, a digit the model misreads drawn alone too",
    "misread_in_number": "pieces right, a digit misread only as cut from the number",
}
SET_TITLES = {
    "test": "from MNIST test digits",
    "pen": "from held-out writers' real pen digits",
    "dev": "from MNIST train digits (the set the rules were tuned on)",
    # The model trained on these writers: its "model alone" is optimistic here; the set is
    # for the segmentation rules, on real pen strokes, without touching the held-out writers.
    "pen_dev": "from training writers' pen digits (the pen set the rules were tuned on)",
}


@dataclass
class Tally:
    """Counts for one set and one number length."""

    numbers: int = 0
    exact: int = 0
    count_right: int = 0
    components_right: int = 0  # connected components alone would have the count right
    digits: int = 0
    digit_errors: int = 0  # edits from the drawn digits to the digits read
    alone_right: int = 0  # digits the model reads right when drawn alone
    alone_exact: int = 0  # numbers whose every digit the model reads right drawn alone
    # Why numbers were read wrongly, one reason each (they sum to numbers - exact):
    fewer: int = 0  # fewer pieces than digits: touching digits left whole, or joined
    more: int = 0  # more pieces: a digit cut or split in two, or a stray stroke kept
    misread_alone: int = 0  # right pieces, a misread the model makes on the digit alone too
    misread_in_number: int = 0  # right pieces, misread only as cut from the number
    seconds: list[float] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        # Every field is a count or a list of timings: both add up.
        for name in (f.name for f in fields(self)):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def count_failure(self, pieces: int, drawn: int, alone_exact: bool) -> None:
        """File a number read wrongly under its first cause."""
        if pieces < drawn:
            self.fewer += 1
        elif pieces > drawn:
            self.more += 1
        elif not alone_exact:
            self.misread_alone += 1
        else:
            self.misread_in_number += 1


def build_numbers(
    images: npt.NDArray[np.uint8],
    labels: npt.NDArray[np.uint8],
    seed: int,
    per_length: int,
    lengths: Sequence[int] = LENGTHS,
) -> Iterator[NumberSample]:
    """per_length random numbers of each length, deterministic for a seed.

    A generator: thousands of wide canvases would not fit in memory at once.
    """
    rng = np.random.default_rng(seed)
    skeletons: dict[int, Points] = {}
    for _ in range(per_length):
        for length in lengths:  # lengths interleaved: any prefix holds each length
            indices = rng.choice(len(labels), length, replace=False).tolist()
            for index in indices:
                if index not in skeletons:
                    skeletons[index] = skeleton_points(images[index])
            points = [skeletons[i] for i in indices]
            yield render_number(points, [int(labels[i]) for i in indices], rng)


def build_pen_numbers(
    digits: Sequence[PenDigit], seed: int, per_length: int, lengths: Sequence[int] = LENGTHS
) -> Iterator[NumberSample]:
    """Like build_numbers, from real pen digits; one writer per number."""
    rng = np.random.default_rng(seed)
    by_writer: dict[int, list[PenDigit]] = {}
    for digit in digits:
        by_writer.setdefault(digit.writer, []).append(digit)
    writers = sorted(by_writer)
    for _ in range(per_length):
        for length in lengths:
            # Writers with enough digits for the number (all of them, with whole writers).
            able = [w for w in writers if len(by_writer[w]) >= length]
            own = by_writer[able[int(rng.integers(len(able)))]]
            chosen = [own[i] for i in rng.choice(len(own), length, replace=False).tolist()]
            points = [pen_points(digit) for digit in chosen]
            yield render_number(points, [digit.label for digit in chosen], rng)


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]


Reading = tuple[NumberSample, list[DigitReading]]


def evaluate(
    model: DigitModel, samples: Iterable[NumberSample], keep: int = KEEP
) -> tuple[dict[int, Tally], list[Reading], list[Reading]]:
    """Tallies per number length; the first `keep` numbers and the first `keep` read
    wrongly, with what was read."""
    tallies: dict[int, Tally] = {}
    first: list[Reading] = []
    wrong: list[Reading] = []
    for sample in samples:
        tally = tallies.setdefault(len(sample.digits), Tally())
        tick = time.perf_counter()
        ink = ink_map(sample.image)
        readings = read_number(ink, model)
        tally.seconds.append(time.perf_counter() - tick)
        read = "".join(str(r.digit) for r in readings)
        tally.numbers += 1
        tally.exact += read == sample.text
        tally.count_right += len(readings) == len(sample.digits)
        tally.components_right += len(label(ink > INK_THRESHOLD)) == len(sample.digits)
        tally.digits += len(sample.digits)
        tally.digit_errors += min(edit_distance(sample.text, read), len(sample.digits))
        alone = model.predict_proba(np.stack([a.reshape(-1) for a in sample.alone]))
        alone_hits = alone.argmax(axis=1) == np.asarray(sample.digits)
        tally.alone_right += int(alone_hits.sum())
        every_alone_right = bool(alone_hits.all())
        tally.alone_exact += every_alone_right
        if len(first) < keep:
            first.append((sample, readings))
        if read != sample.text:
            tally.count_failure(len(readings), len(sample.digits), every_alone_right)
            if len(wrong) < keep:
                wrong.append((sample, readings))
    return tallies, first, wrong


def summary(tallies: dict[int, Tally]) -> dict[str, Any]:
    def row(t: Tally) -> dict[str, Any]:
        return {
            "numbers": t.numbers,
            "exact": round(t.exact / t.numbers, 4),
            "per_digit": round(1 - t.digit_errors / t.digits, 4),
            "count_right": round(t.count_right / t.numbers, 4),
            "components_right": round(t.components_right / t.numbers, 4),
            "alone_per_digit": round(t.alone_right / t.digits, 4),
            "alone_exact": round(t.alone_exact / t.numbers, 4),
            "ms_p50": round(float(np.median(t.seconds)) * 1000, 2),
            "failures": {reason: round(getattr(t, reason) / t.numbers, 4) for reason in FAILURES},
        }

    result = {str(length): row(tallies[length]) for length in sorted(tallies)}
    short = Tally()
    for length in (2, 3, 4):
        if length in tallies:
            short.add(tallies[length])
    if short.numbers:
        result["2-4"] = row(short)
    everything = Tally()
    for tally in tallies.values():
        everything.add(tally)
    result["all"] = row(everything)
    return result


def plot_readings(readings: Sequence[Reading], path: Path, empty: str = "") -> None:
    """Canvases with each piece outlined and its digit, drawn vs read in the title."""
    shown = list(readings)[:KEEP]
    columns = 2
    rows = max(1, -(-len(shown) // columns))
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 5.6, rows * 3.0))
    for axis in np.atleast_1d(axes).ravel():
        axis.axis("off")
    if not shown:
        np.atleast_1d(axes).ravel()[0].text(0.5, 0.5, empty, ha="center")
    for axis, (sample, pieces) in zip(np.atleast_1d(axes).ravel(), shown, strict=False):
        axis.imshow(np.asarray(sample.image), cmap="gray", vmin=0, vmax=255)
        for reading in pieces:
            box = reading.box
            axis.add_patch(
                Rectangle(
                    (box.left - 0.5, box.top - 0.5),
                    box.width,
                    box.height,
                    fill=False,
                    edgecolor="tab:red",
                    linewidth=1.2,
                )
            )
            axis.text(box.left, box.top - 4, str(reading.digit), color="tab:red", fontsize=9)
        read = "".join(str(r.digit) for r in pieces)
        axis.set_title(f"drawn {sample.text}, read {read or '(nothing)'}", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=70)
    plt.close(figure)


def write_report(
    results: dict[str, dict[str, Any]], metadata: dict[str, Any], models_dir: Path
) -> Path:
    header = (
        "| digits | numbers | read exactly | per digit | pieces right "
        "| components alone | model alone: digits | model alone: numbers | ms p50 |"
    )
    folder = "" if models_dir.resolve() == MODELS_DIR.resolve() else f" --models-dir {models_dir}"
    if models_dir.resolve() == REFERENCE_DIR.resolve():
        folder = " --models-dir models/reference"
    lines = [
        "# Reading numbers: several digits on one canvas",
        "",
        f"Model `{metadata.get('version', '?')}`, read with "
        "`digits.segmentation.segment.read_number`. "
        "Reproduce: `PYTHONPATH=function:. .venv/bin/python -m training.evaluate_numbers"
        f"{folder}` (3 to 10 minutes on 2 cores).",
        "",
    ]
    reference = metadata.get("training", {}).get("reference")
    if reference and "pen" not in results:
        lines += [
            "This model was refit on every writer, so numbers of the held-out writers' pen"
            f" digits are read by its reference `{reference['version']}` (the same recipe"
            " without those writers): [reference/NUMBERS.md](reference/NUMBERS.md).",
            "",
        ]
    for name, rows in results.items():
        lines += [f"## Numbers {SET_TITLES[name]}", "", header, "|---|" + "---|" * 8]
        for length, row in rows.items():
            lines.append(
                f"| {length} | {row['numbers']} | {row['exact']:.1%} | {row['per_digit']:.1%} "
                f"| {row['count_right']:.1%} | {row['components_right']:.1%} "
                f"| {row['alone_per_digit']:.1%} | {row['alone_exact']:.1%} | {row['ms_p50']} |"
            )
        lines.append("")
    lines += [
        "## Where numbers fail",
        "",
        "Each number read wrongly, filed under its first cause, as a share of all the numbers"
        " of 2 to 4 digits in the set:",
        "",
        "| cause | " + " | ".join(SET_TITLES[name].split(" (")[0] for name in results) + " |",
        "|---|" + "---|" * len(results),
    ]
    for reason, title in FAILURES.items():
        shares = [rows.get("2-4", rows["all"])["failures"][reason] for rows in results.values()]
        lines.append(f"| {title} | " + " | ".join(f"{share:.1%}" for share in shares) + " |")
    lines += [
        "",
        "- **read exactly**: the whole number read right (sequence accuracy);",
        "- **per digit**: 1 - (edits from the number drawn to the number read) / digits drawn;",
        "- **pieces right**: segmentation alone: as many pieces as digits drawn;",
        "- **components alone**: the same for plain connected components of the ink: how often",
        "  no digit is broken and no two touch, which is where the merge and cut rules start;",
        "- **model alone**: each digit drawn alone on its own canvas and read by the model:",
        "  the digits read right, and the numbers with every digit read right, which is what",
        "  perfect segmentation would reach (the model was trained on MNIST train digits, so",
        "  on the dev set this is higher than on the test set);",
        "- **ms p50**: `ink_map` + `read_number` per canvas, median, on the machine that ran",
        "  this (shared with other work).",
        "",
        "## How the numbers are made",
        "",
        "Each set has the same number of numbers of each length, 2 to 6 digits, the digits",
        "drawn at random from MNIST test (the test set, never used to tune anything),",
        "MNIST train (the dev set the segmentation rules were tuned on; the model trained on",
        "these digits too), the held-out writers' pen digits (never used to tune anything)",
        "or the training writers' (the pen dev set; one writer per number in both). Every",
        "canvas goes through serving's path: `ink_map`, then",
        "`read_number` (segmentation, then the model on each piece, the model also judging",
        "doubtful merges and cuts).",
        "",
        (numbers.__doc__ or "").strip(),
        "",
        "## Examples (test set)",
        "",
        "Red: the pieces found and what the model read in each.",
        "",
        "![numbers from the test set](numbers_examples.png)",
        "",
        "## Numbers read wrongly (test set)",
        "",
        "![numbers read wrongly](numbers_wrong.png)",
        "",
    ]
    path = models_dir / "NUMBERS.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models-dir", type=Path, default=MODELS_DIR)
    parser.add_argument("--per-length", type=int, default=1000, help="test numbers per length")
    parser.add_argument("--dev-per-length", type=int, default=500, help="dev numbers per length")
    parser.add_argument(
        "--pen-per-length", type=int, default=500, help="held-out writers' numbers per length"
    )
    parser.add_argument(
        "--pen-dev-per-length",
        type=int,
        default=300,
        help="numbers per length from the training writers' pen digits (a dev set)",
    )
    parser.add_argument("--no-report", action="store_true", help="print figures, write nothing")
    parser.add_argument(
        "--lengths",
        type=int,
        nargs="+",
        default=list(LENGTHS),
        metavar="N",
        help="only numbers of these lengths: a quicker check of a rule on the dev sets "
        "(with --no-report: the report's tables need every length)",
    )
    args = parser.parse_args(argv)
    lengths, every = tuple(args.lengths), " ".join(map(str, LENGTHS))
    if lengths != LENGTHS and not args.no_report:
        parser.error(f"--lengths other than {every} needs --no-report")
    if not set(lengths) <= set(LENGTHS):
        parser.error(f"lengths are among {every}")
    metadata = json.loads((args.models_dir / f"{MODEL_NAME}.json").read_text(encoding="utf-8"))
    model = load_model(args.models_dir / f"{MODEL_NAME}.joblib")
    mnist = load_mnist()
    training_writers, held_out = split_by_writer(load_pendigits())
    if not metadata["training"].get("held_out_writers", True):
        print("pen: this refit trained on those writers; its reference reads them")
        args.pen_per_length = 0
    sets = {
        "test": (mnist.test_images, mnist.test_labels, args.per_length),
        "pen": (None, None, args.pen_per_length),
        "dev": (mnist.train_images, mnist.train_labels, args.dev_per_length),
        "pen_dev": (None, None, args.pen_dev_per_length),
    }
    pen_digits = {"pen": held_out, "pen_dev": training_writers}
    results: dict[str, dict[str, Any]] = {}
    pictures: dict[str, list[Reading]] = {}
    for name, (images, labels, per_length) in sets.items():
        if per_length <= 0:
            continue
        print(f"{name}: {per_length} numbers of each length {lengths}", flush=True)
        samples = (
            build_pen_numbers(pen_digits[name], SEEDS[name], per_length, lengths)
            if images is None or labels is None
            else build_numbers(images, labels, SEEDS[name], per_length, lengths)
        )
        bar = tqdm(samples, total=per_length * len(lengths), desc=name, unit="number")
        tallies, first, wrong = evaluate(model, bar)
        results[name] = summary(tallies)
        if name == "test":
            pictures = {"numbers_examples.png": first, "numbers_wrong.png": wrong}
        print(json.dumps(results[name], indent=2), flush=True)
    if args.no_report:
        return
    for filename, readings in pictures.items():
        plot_readings(readings, args.models_dir / filename, empty="every number read right")
    figures = {"version": metadata.get("version"), "sets": results}
    (args.models_dir / NUMBERS_JSON).write_text(
        json.dumps(figures, indent=1) + "\n", encoding="utf-8"
    )
    print(f"Report: {write_report(results, metadata, args.models_dir)}")


if __name__ == "__main__":
    main()
