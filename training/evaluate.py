"""Evaluate a model: `python -m training.evaluate` (or `make evaluate`).

Sets, all from MNIST test (never used for training or model selection):
- ``mnist_test``: the 10k digits as they are, through serving's preprocessing;
- ``canvas_fill``: each digit re-drawn with a round canvas brush on a 280x280 white
  canvas, large (170-235 px) and roughly centred;
- ``canvas_small``: the same, small (60-120 px) and anywhere on the canvas, with the
  same brush, so strokes are relatively thick;
- ``pen_held_out``: the real pen digits of the six writers training held out
  (training.pendigits), drawn twice each by the page's drawing code with real use's
  variety, from other random draws than the ones training chose its model on; for a
  model refit on every writer (``make train``) the same drawings are ``pen_seen``, and
  its held-out figures are its reference's (the same recipe without those writers);
- ``pen_flagged_ones``: those writers' ones drawn the same way, each plain one (a stem)
  given a flag into its top, now and then a foot, by training's own ``flag_one``: the
  style of one people draw and these writers rarely did. A stress set of a generator
  training may use, not real drawings: it shows whether the model reads the style at all,
  so it is read by the model that never saw the writers (a refit reports its reference's);
- ``pen_fine_pen``: those writers' digits drawn the same way with a fine pen (3-8 px on the
  280 canvas, as a client's own 560-pixel canvas with a 6-16 px pen sends them; the page's
  brush is 25): a stress set of what preprocessing does with strokes finer than any in
  training (digits.reading.strokes), read by the reference too;
- ``pen_small_digits``: those writers' digits drawn small (50-90 px on the 280 canvas) with
  the page's own pen (25 px), as a person who draws small on the page sends them: strokes
  wider for their digit than any in training (training caps a brush at a third of the
  digit), thinned by preprocessing (digits.reading.strokes); read by the reference too.
Writes models/REPORT.md, a confusion-matrix PNG, grids of misread inputs, the
reliability diagram, and refreshes the metrics in the model's JSON.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt

from digits.inference.features import UpperLayer
from digits.inference.model import DigitModel, MlpEnsemble, load_model
from digits.inference.predictor import Predictor
from digits.reading.decode import ImageLimits
from digits.reading.reader import read_drawing
from training import dataset
from training.calibrate import BINS, calibration_error, reliability
from training.export import MODEL_NAME, MODELS_DIR, REFERENCE_DIR
from training.mnist import Mnist, load_mnist
from training.page_render import BRUSH_SIZE
from training.pen_augment import PenVariation
from training.pendigits import PenDigit, load_pendigits, split_by_writer
from training.review import report_lines

EVAL_SEED = 7
PEN_COPIES = 2
SET_TITLES = {
    "mnist_test": "MNIST test (10k), as is",
    "canvas_fill": "Canvas-style, filling the canvas",
    "canvas_small": "Canvas-style, small / off-centre",
    "pen_held_out": "Real pen, held-out writers",
    "pen_seen": "Real pen, the same six writers, seen in training (a refit)",
    "pen_flagged_ones": "Real pen, held-out writers' ones, each plain one given a flag",
    "pen_fine_pen": "Real pen, held-out writers, drawn with a fine pen (3-8 px)",
    "pen_small_digits": "Real pen, held-out writers, drawn small (50-90 px) with the page's pen",
}
FLAGGED_ONES = replace(dataset.AS_WRITTEN, flagged_ones=1.0)  # every plain one flagged
FINE_PEN = replace(dataset.AS_WRITTEN, brush=(3.0, 8.0))


def with_the_pages_pen(size: tuple[float, float]) -> PenVariation:
    """The writers' digits at this size (the longer side, pixels of the 280 canvas) drawn with
    the page's own pen, whatever the size: no cap of the brush to a share of the digit."""
    return replace(dataset.AS_WRITTEN, size=size, brush=(BRUSH_SIZE, BRUSH_SIZE), brush_to_size=1.0)


SMALL_DIGITS = with_the_pages_pen((50.0, 90.0))
# Sets of the held-out writers drawn in one style: accuracy alone (no per-digit row, no
# confusion panel), read by the model that never saw the writers.
STRESS_SETS = ("pen_flagged_ones", "pen_fine_pen", "pen_small_digits")


def held_out_renders(
    held_out: list[PenDigit],
    progress: str = "held-out writers",
    jitter: dataset.PlacementJitter = dataset.EXACTLY,
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """The held-out writers' evaluation drawings (``pen_held_out``), fixed seeds; placed
    exactly as served unless `jitter` says otherwise (training.evaluate_placement)."""
    return dataset.render_pen(held_out, PEN_COPIES, (EVAL_SEED, 3), progress, jitter=jitter)


def build_sets(
    mnist: Mnist, limit: int = 0
) -> dict[str, tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]]:
    images, labels = mnist.test_images, mnist.test_labels
    if limit:
        images, labels = images[:limit], labels[:limit]
    skeletons = dataset.compute_skeletons(images)
    held_out = split_by_writer(load_pendigits())[1]
    if limit:
        held_out = held_out[:: max(1, len(held_out) * PEN_COPIES // limit)]
    ones = [digit for digit in held_out if digit.label == 1]
    return {
        "pen_held_out": held_out_renders(held_out),
        "pen_flagged_ones": dataset.render_pen(
            ones, PEN_COPIES, (EVAL_SEED, 4), "flagged ones", FLAGGED_ONES
        ),
        "pen_fine_pen": dataset.render_pen(
            held_out, PEN_COPIES, (EVAL_SEED, 5), "fine pen", FINE_PEN
        ),
        "pen_small_digits": dataset.render_pen(
            held_out, PEN_COPIES, (EVAL_SEED, 8), "small digits", SMALL_DIGITS
        ),
        "mnist_test": (dataset.preprocess_mnist(images), labels),
        "canvas_fill": (
            dataset.render("canvas-fill", images, labels, skeletons, (EVAL_SEED, 1)),
            labels,
        ),
        "canvas_small": (
            dataset.render("canvas-small", images, labels, skeletons, (EVAL_SEED, 2)),
            labels,
        ),
    }


def evaluate(
    model: DigitModel,
    mnist: Mnist,
    models_dir: Path = MODELS_DIR,
    limit: int = 0,
    writers_seen: bool = False,
) -> dict[str, Any]:
    """Accuracy per set and per digit, latency; writes the PNGs beside the model.

    writers_seen: the model trained on the held-out six too (a refit), so its reading of
    them is reported as ``pen_seen``, with no confidence figures: those are its reference's.
    """
    models_dir.mkdir(parents=True, exist_ok=True)
    metrics: dict[str, Any] = {}
    confusions = {}
    wrong_examples: list[tuple[npt.NDArray[np.uint8], int, int]] = []
    for name, (pixels, labels) in build_sets(mnist, limit).items():
        if name in STRESS_SETS and (writers_seen or not len(labels)):
            continue  # the model saw these writers: its reference's figures are the ones
        probabilities = model.predict_proba(pixels.astype(np.float32) / 255.0)
        predicted = probabilities.argmax(axis=1)
        if name in STRESS_SETS:
            metrics[f"{name}_accuracy"] = round(float((predicted == labels).mean()), 5)
            continue
        if name == "pen_held_out" and writers_seen:
            name = "pen_seen"  # the same drawings, known to the model
        if name == "pen_held_out":
            metrics.update(confidence_figures(model, pixels, labels, probabilities, models_dir))
            wrong = np.flatnonzero(predicted != labels)[:60]
            _plot_misclassified(
                [(pixels[i], int(labels[i]), int(predicted[i])) for i in wrong],
                models_dir / "held_out_misread.png",
                "Held-out writers' pen digits the model misreads (true→predicted)",
            )
        confusion = np.zeros((10, 10), dtype=np.int64)
        np.add.at(confusion, (labels, predicted), 1)
        confusions[name] = confusion
        metrics[f"{name}_accuracy"] = round(float((predicted == labels).mean()), 5)
        metrics[f"{name}_per_digit"] = [
            round(float(confusion[d, d] / max(confusion[d].sum(), 1)), 4) for d in range(10)
        ]
        if name.startswith("canvas"):
            wrong = np.flatnonzero(predicted != labels)[:40]
            wrong_examples += [(pixels[i], int(labels[i]), int(predicted[i])) for i in wrong]
    metrics.update(canvas_latency(model))
    metrics["evaluated_digits"] = int(limit or len(mnist.test_labels))
    _plot_confusions(confusions, models_dir / "confusion.png")
    _plot_misclassified(
        wrong_examples[:60],
        models_dir / "misclassified.png",
        "Canvas-style digits the model gets wrong (true→predicted)",
    )
    return metrics


def confidence_figures(
    model: DigitModel,
    pixels: npt.NDArray[np.uint8],
    labels: npt.NDArray[np.uint8],
    after: npt.NDArray[np.float32],
    folder: Path,
) -> dict[str, Any]:
    """Calibration on the held-out writers, with the shipped temperature and threshold,
    and the reliability diagram before (temperature 1) and after."""
    inputs = pixels.astype(np.float32) / 255.0
    curves = {"shipped": reliability(after, labels)}
    figures: dict[str, Any] = {
        "pen_held_out_calibration_error": round(calibration_error(after, labels), 5)
    }
    if isinstance(model, MlpEnsemble):
        before = replace(model, temperature=1.0).predict_proba(inputs)
        curves = {"temperature 1": reliability(before, labels), **curves}
        figures["pen_held_out_calibration_error_t1"] = round(calibration_error(before, labels), 5)
    _plot_reliability(curves, folder / "reliability.png")
    return figures


def canvas_latency(model: DigitModel, repeats: int = 500) -> dict[str, float]:
    """Decode + preprocess + model for one 280x280 canvas PNG: wall p50/p99, CPU p50.

    The CPU time of this thread is what the code costs; wall time on a shared
    machine also counts the time other processes held the core.
    """
    from training.augment import draw_points, segment

    stroke = np.concatenate([segment((8, 6), (20, 6)), segment((20, 6), (12, 23))])
    canvas = draw_points(stroke, 200.0, 25.0, (140.0, 140.0)).convert("RGBA")
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    png = buffer.getvalue()
    # The serving path itself (digits.reading.reader): decode, preprocess, model, one PNG.
    predictor = Predictor(model, {}, None, 0.6)
    limits = ImageLimits(max_side=4096, max_pixels=4096 * 4096)
    wall, cpu = [], []
    for _ in range(repeats):
        tick, cpu_tick = time.perf_counter(), time.thread_time()
        read_drawing(png, predictor, limits, number=False)
        cpu.append((time.thread_time() - cpu_tick) * 1000)
        wall.append((time.perf_counter() - tick) * 1000)
    wall.sort()
    return {
        "latency_ms_p50": round(statistics.median(wall), 3),
        "latency_ms_p99": round(wall[int(0.99 * len(wall)) - 1], 3),
        "latency_cpu_ms_p50": round(statistics.median(cpu), 3),
    }


def _plot_confusions(confusions: dict[str, npt.NDArray[np.int64]], path: Path) -> None:
    figure, axes = plt.subplots(1, len(confusions), figsize=(6 * len(confusions), 5.5))
    for axis, (name, confusion) in zip(np.atleast_1d(axes), confusions.items(), strict=True):
        shown = confusion.astype(float)
        np.fill_diagonal(shown, np.nan)  # the diagonal would drown the errors
        axis.imshow(shown, cmap="Reds")
        for (row, col), count in np.ndenumerate(confusion):
            if count:
                axis.text(col, row, str(count), ha="center", va="center", fontsize=7)
        axis.set_title(SET_TITLES[name])
        axis.set_xlabel("predicted")
        axis.set_ylabel("true")
        axis.set_xticks(range(10))
        axis.set_yticks(range(10))
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def _plot_reliability(curves: dict[str, list[tuple[float, float, int]]], path: Path) -> None:
    figure, axis = plt.subplots(figsize=(5.5, 5))
    axis.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfectly honest")
    for name, points in curves.items():
        confidence, accuracy, counts = zip(*points, strict=True) if points else ((), (), ())
        axis.plot(confidence, accuracy, marker="o", label=name)
        for x, y, n in zip(confidence, accuracy, counts, strict=True):
            axis.annotate(str(n), (x, y), fontsize=6, textcoords="offset points", xytext=(3, -8))
    axis.set_xlabel(f"confidence (mean of each of {BINS} bins)")
    axis.set_ylabel("accuracy in the bin")
    axis.set_title("Reliability on held-out writers (numbers: answers per bin)")
    axis.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def _plot_misclassified(
    examples: list[tuple[npt.NDArray[np.uint8], int, int]], path: Path, title: str
) -> None:
    columns = 10
    rows = max(1, -(-len(examples) // columns))
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 1.2, rows * 1.4))
    for axis in np.atleast_1d(axes).ravel():
        axis.axis("off")
    for axis, (pixels, truth, guess) in zip(np.atleast_1d(axes).ravel(), examples, strict=False):
        axis.imshow(pixels.reshape(28, 28), cmap="gray")
        axis.set_title(f"{truth}→{guess}", fontsize=9)
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def _grids(features: dict[str, Any]) -> str:
    """The pooling grids, e.g. 4x4, or 4x4 and 3x3 with a second grid (bundle format 4)."""
    grids = [features["grid"], features.get("second_grid", 0)]
    return " and ".join(f"{grid}x{grid}" for grid in grids if grid)


def _feature_layers(features: dict[str, Any]) -> str:
    """The feature layers in words, an upper layer (bundle format 5) included."""
    patch, grids, upper = features["patch"], _grids(features), features.get("upper")
    first = f"a feature layer of {features['filters']} k-means {patch}x{patch} filters"
    if features.get("deskew"):  # bundle format 6
        first = f"each drawing stood upright, then {first}"
    if not upper:
        return f"{first} pooled over {grids} regions"
    pooled = f" pooled over {grids} regions and" if grids else ""
    side = UpperLayer.PATCH
    return (
        f"{first}{pooled} read by an upper layer of {upper['filters']} {side}x{side} filters"
        f" pooled over {upper['grid']}x{upper['grid']} regions"
    )


def write_report(metadata: dict[str, Any], models_dir: Path = MODELS_DIR) -> Path:
    metrics, training = metadata["metrics"], metadata["training"]
    calibration = metadata.get("calibration") or {}
    reference = training.get("reference")  # a refit on every writer: its reference's figures
    features = metadata.get("features")
    layer = f"{_feature_layers(features)}, then " if features else ""
    if features and metadata.get("other_features"):  # bundle format 7: mixed views
        as_drawn = sum(metadata.get("reads_other", []))
        layer = (
            f"{_feature_layers(features)}; {as_drawn} of the networks read the drawing as drawn"
            f" instead, through {_feature_layers(metadata['other_features'])}; then "
        )
    lines = [
        "# Model report: digit_model_28",
        "",
        f"Version `{metadata['version']}`: {layer}{metadata['networks']} MLPs "
        f"{' → '.join(str(layer[1]) for layer in metadata['architecture'])} averaged at "
        f"temperature {metadata.get('temperature', 1.0)}, "
        f"{metadata['size_bytes'] / 1e6:.2f} MB, "
        f"scikit-learn {metadata['libraries']['scikit-learn']}, "
        f"trained in {training.get('seconds', 0) / 60:.0f} min.",
        "",
        *_provenance(training, models_dir),
        "",
        "| set | accuracy |",
        "|---|---|",
    ]
    lines += [
        f"| {title} | {metrics[f'{name}_accuracy']:.2%} |"
        for name, title in SET_TITLES.items()
        if f"{name}_accuracy" in metrics
    ]
    if reference:
        lines += [
            f"| {SET_TITLES[name]}, read by the reference `{reference['version']}` "
            f"(the same recipe without them) | "
            f"{reference['metrics'][f'{name}_accuracy']:.2%} |"
            for name in ("pen_held_out", *STRESS_SETS)
            if f"{name}_accuracy" in reference["metrics"]
        ]
    if "validation_accuracy_pen_held_out" in training:
        chosen = (
            "the model was chosen on"
            if training.get("config", {}).get("keep_best_epoch", True)
            else "its temperature and threshold were fitted on"
        )
        lines.append(
            f"| validation: held-out writers {training.get('held_out_writers')}, the renders "
            f"{chosen} | {training['validation_accuracy_pen_held_out']:.2%} |"
        )
    if "validation_accuracy_mnist" in training:
        lines.append(
            f"| validation: 5k digits held out of MNIST train, as is + augmented | "
            f"{training['validation_accuracy_mnist']:.2%} |"
        )
    lines += [
        "",
        "Decode + preprocess + model for one 280x280 canvas PNG: "
        f"p50 {metrics['latency_ms_p50']} ms, p99 {metrics['latency_ms_p99']} ms wall time; "
        f"p50 {metrics['latency_cpu_ms_p50']} ms of CPU time (this machine, one thread).",
        "",
        "Numbers of several digits (segmentation, then this model): [NUMBERS.md](NUMBERS.md),"
        " made by `make evaluate-numbers`. How the recipe was chosen, by cross-validation over"
        f" the training writers: [EXPERIMENTS.md]({_up(models_dir)}EXPERIMENTS.md), made by"
        " `make experiments`.",
        "",
    ]
    if calibration:
        lines += _calibration_section(calibration, metrics, reference)
    lines += [
        "## Per-digit accuracy",
        "",
        "| set | " + " | ".join(str(d) for d in range(10)) + " |",
        "|---|" + "---|" * 10,
    ]
    per_digit = {name: metrics.get(f"{name}_per_digit") for name in SET_TITLES}
    if reference:
        per_digit["pen_held_out (reference)"] = reference["metrics"]["pen_held_out_per_digit"]
    for name, values in per_digit.items():
        if values:
            lines.append(f"| {name} | " + " | ".join(f"{v:.1%}" for v in values) + " |")
    misread = "reference/held_out_misread.png" if reference else "held_out_misread.png"
    lines += [
        "",
        "## Confusions (off-diagonal counts)",
        "",
        "![confusion matrices](confusion.png)",
        "",
        "## Held-out writers' digits misread (as the model saw them)",
        "",
        *(["By the reference, which never saw them:", ""] if reference else []),
        f"![held-out misreads]({misread})",
        "",
        "## Misclassified canvas-style inputs (as the model saw them)",
        "",
        "![misclassified](misclassified.png)",
        "",
        "## How the sets are made",
        "",
        __doc__.split("Sets, all from MNIST test", 1)[1].split("Writes models", 1)[0].strip(),
        "",
        "## Training",
        "",
        "```json",
        json.dumps(training, indent=2),
        "```",
        "",
    ]
    if "feedback" in training:
        lines += report_lines(training["feedback"])
    path = models_dir / "REPORT.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _up(models_dir: Path) -> str:
    """The way from models_dir's reports to models/'s (the reference's sit a folder down)."""
    return "../" if models_dir.resolve() == REFERENCE_DIR.resolve() else ""


def _provenance(training: dict[str, Any], models_dir: Path) -> list[str]:
    """How the model was made and is re-made."""
    if training.get("reference"):
        return [
            "Refit on every pendigits training writer, the six held-out ones included, with "
            "the recipe of its reference ([reference/REPORT.md](reference/REPORT.md)), which "
            "holds those six out and reads them unseen: the temperature, the threshold and "
            "every held-out figure below are the reference's. Reproduce: `make train-reference`"
            " (the reference), then `make train` (this refit, ending with this evaluation) or "
            "`make evaluate`.",
        ]
    if models_dir.resolve() == REFERENCE_DIR.resolve():
        return [
            "The reference of the shipped model ([../REPORT.md](../REPORT.md)): the same recipe "
            "with six writers held out, so that its answers on them are out-of-fold; the refit "
            "ships its temperature, threshold and held-out figures. Reproduce: "
            "`make train-reference` (training, ending with this evaluation) or "
            "`make evaluate-reference`.",
        ]
    return [
        "Reproduce: `python -m training.train --models-dir` this folder (training, ending with"
        " this evaluation) or `python -m training.evaluate --models-dir` it.",
    ]


def _calibration_section(
    calibration: dict[str, Any], metrics: dict[str, Any], reference: dict[str, Any] | None
) -> list[str]:
    fitted_on = (
        f"the reference's answers for the held-out writers (`{reference['version']}`, out-of-fold)"
        if reference
        else "the held-out writers"
    )
    source = reference["metrics"] if reference else metrics
    return [
        "## Honest confidence (held-out writers)",
        "",
        f"A temperature of {calibration['temperature']} divides the networks' logits, and answers"
        f" below {calibration['uncertain_below']} confidence are flagged `uncertain` (the"
        f" shipped default of `UNCERTAIN_BELOW`). Both were fitted on {fitted_on};"
        " the figures below are cross-fitted (fitted on half of those writers, judged on the"
        " other half, both ways), so none comes from the data its parameters were fitted on.",
        "",
        "| figure | before (temperature 1, threshold 0.6) | after |",
        "|---|---|---|",
        f"| expected calibration error | {calibration['error_before']:.2%} |"
        f" {calibration['error_after']:.2%} |",
        f"| wrong answers flagged `uncertain` | {calibration['errors_flagged_before']:.1%} |"
        f" {calibration['errors_flagged']:.1%} |",
        f"| right answers flagged `uncertain` | {calibration['right_flagged_before']:.1%} |"
        f" {calibration['right_flagged']:.1%} |",
        "",
        "On the evaluation's own renders of the same writers (shipped temperature"
        f"{', the reference' if reference else ''}):"
        f" calibration error {source.get('pen_held_out_calibration_error', 0):.2%}"
        f" (at temperature 1: {source.get('pen_held_out_calibration_error_t1', 0):.2%}).",
        "",
        f"![reliability diagram]({'reference/' if reference else ''}reliability.png)",
        "",
    ]


def reference_summary(reference: dict[str, Any]) -> dict[str, Any]:
    """What a refit's JSON records of its reference (the reference's JSON): which model, and
    its figures on the writers it held out."""
    return {
        "version": reference["version"],
        "sha256": reference["sha256"],
        "held_out_writers": reference["training"]["held_out_writers"],
        "metrics": {
            key: value for key, value in reference["metrics"].items() if key.startswith("pen_")
        },
    }


def refresh_reference(training: dict[str, Any], reference_dir: Path = REFERENCE_DIR) -> None:
    """A refit's record of its reference, its figures as the reference's JSON now has them:
    `make evaluate-reference` reads the writers again when preprocessing changes, and the
    refit reports those figures as its own. Only the very model it was refit from counts."""
    recorded = training.get("reference")
    path = reference_dir / f"{MODEL_NAME}.json"
    if not recorded or not path.is_file():
        return
    reference = json.loads(path.read_text(encoding="utf-8"))
    if (reference["version"], reference["sha256"]) != (recorded["version"], recorded["sha256"]):
        print(f"{path} is not this model's reference: its recorded figures stay as they were")
        return
    training["reference"] = reference_summary(reference)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models-dir", type=Path, default=MODELS_DIR)
    parser.add_argument(
        "--limit", type=int, default=0, help="evaluate on the first N test digits only"
    )
    args = parser.parse_args(argv)
    metadata_path = args.models_dir / f"{MODEL_NAME}.json"
    metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    model = load_model(args.models_dir / f"{MODEL_NAME}.joblib")
    seen = not metadata["training"].get("held_out_writers", True)  # a refit's: []
    metadata["metrics"] = evaluate(
        model, load_mnist(), args.models_dir, limit=args.limit, writers_seen=seen
    )
    if seen and not args.limit:
        refresh_reference(metadata["training"])
    metadata_path.write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(metadata["metrics"], indent=2))
    print(f"Report: {write_report(metadata, args.models_dir)}")


if __name__ == "__main__":
    main()
