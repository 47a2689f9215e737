"""Evaluate a model: `python -m training.evaluate` (or `make evaluate`).

Sets, all from MNIST test (never used for training or model selection):
- ``mnist_test``: the 10k digits as they are, through serving's preprocessing;
- ``canvas_fill``: each digit re-drawn with a round canvas brush on a 280x280 white
  canvas, large (170-235 px) and roughly centred;
- ``canvas_small``: the same, small (60-120 px) and anywhere on the canvas, with the
  same brush, so strokes are relatively thick.
Writes models/REPORT.md, a confusion-matrix PNG and a grid of misclassified inputs,
and refreshes the metrics in the model's JSON.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time
from pathlib import Path
from typing import Any

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import numpy.typing as npt
from PIL import Image

from digits.model import DigitModel, load_model
from digits.preprocess import preprocess
from training import dataset
from training.export import MODEL_NAME, MODELS_DIR
from training.mnist import Mnist, load_mnist

EVAL_SEED = 7
SET_TITLES = {
    "mnist_test": "MNIST test (10k), as is",
    "canvas_fill": "Canvas-style, filling the canvas",
    "canvas_small": "Canvas-style, small / off-centre",
}


def build_sets(
    mnist: Mnist, limit: int = 0
) -> dict[str, tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]]:
    images, labels = mnist.test_images, mnist.test_labels
    if limit:
        images, labels = images[:limit], labels[:limit]
    skeletons = dataset.compute_skeletons(images)
    return {
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
    model: DigitModel, mnist: Mnist, models_dir: Path = MODELS_DIR, limit: int = 0
) -> dict[str, Any]:
    """Accuracy per set and per digit, latency; writes the PNGs beside the model."""
    metrics: dict[str, Any] = {}
    confusions = {}
    wrong_examples: list[tuple[npt.NDArray[np.uint8], int, int]] = []
    for name, (pixels, labels) in build_sets(mnist, limit).items():
        predicted = model.predict_proba(pixels.astype(np.float32) / 255.0).argmax(axis=1)
        confusion = np.zeros((10, 10), dtype=np.int64)
        np.add.at(confusion, (labels, predicted), 1)
        confusions[name] = confusion
        metrics[f"{name}_accuracy"] = round(float((predicted == labels).mean()), 5)
        metrics[f"{name}_per_digit"] = [
            round(float(confusion[d, d] / max(confusion[d].sum(), 1)), 4) for d in range(10)
        ]
        if name != "mnist_test":
            wrong = np.flatnonzero(predicted != labels)[:40]
            wrong_examples += [(pixels[i], int(labels[i]), int(predicted[i])) for i in wrong]
    metrics.update(canvas_latency(model))
    metrics["evaluated_digits"] = int(limit or len(mnist.test_labels))
    models_dir.mkdir(parents=True, exist_ok=True)
    _plot_confusions(confusions, models_dir / "confusion.png")
    _plot_misclassified(wrong_examples[:60], models_dir / "misclassified.png")
    return metrics


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
    wall, cpu = [], []
    for _ in range(repeats):
        tick, cpu_tick = time.perf_counter(), time.thread_time()
        pixels = preprocess(Image.open(io.BytesIO(png)))
        model.predict_proba(pixels.reshape(1, -1))
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


def _plot_misclassified(examples: list[tuple[npt.NDArray[np.uint8], int, int]], path: Path) -> None:
    columns = 10
    rows = max(1, -(-len(examples) // columns))
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 1.2, rows * 1.4))
    for axis in np.atleast_1d(axes).ravel():
        axis.axis("off")
    for axis, (pixels, truth, guess) in zip(np.atleast_1d(axes).ravel(), examples, strict=False):
        axis.imshow(pixels.reshape(28, 28), cmap="gray")
        axis.set_title(f"{truth}→{guess}", fontsize=9)
    figure.suptitle("Canvas-style digits the model gets wrong (true→predicted)")
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def write_report(metadata: dict[str, Any], models_dir: Path = MODELS_DIR) -> Path:
    metrics, training = metadata["metrics"], metadata["training"]
    lines = [
        "# Model report: digit_model_28",
        "",
        f"Version `{metadata['version']}`, {metadata['networks']} MLPs "
        f"{' → '.join(str(layer[1]) for layer in metadata['architecture'])} averaged, "
        f"{metadata['size_bytes'] / 1e6:.2f} MB, "
        f"scikit-learn {metadata['libraries']['scikit-learn']}, "
        f"trained in {training.get('seconds', 0) / 60:.0f} min.",
        "",
        "Reproduce: `make train` (training, ending with this evaluation) or `make evaluate`.",
        "",
        "| set | accuracy |",
        "|---|---|",
    ]
    lines += [
        f"| {title} | {metrics[f'{name}_accuracy']:.2%} |" for name, title in SET_TITLES.items()
    ]
    lines += [
        f"| validation (5k held out of MNIST train, as is + augmented) | "
        f"{training.get('validation_accuracy_ensemble', 0):.2%} |",
        "",
        "Decode + preprocess + model for one 280x280 canvas PNG: "
        f"p50 {metrics['latency_ms_p50']} ms, p99 {metrics['latency_ms_p99']} ms wall time; "
        f"p50 {metrics['latency_cpu_ms_p50']} ms of CPU time (this machine, one thread).",
        "",
        "Numbers of several digits (segmentation, then this model): [NUMBERS.md](NUMBERS.md),"
        " made by `make evaluate-numbers`.",
        "",
        "## Per-digit accuracy",
        "",
        "| set | " + " | ".join(str(d) for d in range(10)) + " |",
        "|---|" + "---|" * 10,
    ]
    for name in SET_TITLES:
        lines.append(
            f"| {name} | " + " | ".join(f"{v:.1%}" for v in metrics[f"{name}_per_digit"]) + " |"
        )
    lines += [
        "",
        "## Confusions (off-diagonal counts)",
        "",
        "![confusion matrices](confusion.png)",
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
    path = models_dir / "REPORT.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


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
    metadata["metrics"] = evaluate(model, load_mnist(), args.models_dir, limit=args.limit)
    metadata_path.write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(metadata["metrics"], indent=2))
    print(f"Report: {write_report(metadata, args.models_dir)}")


if __name__ == "__main__":
    main()
