"""How a model reads the held-out writers when their digits sit a little off MNIST's placement.

    make evaluate-placement     (= python -m training.evaluate_placement [--against MODEL])

Serving places every digit exactly: fitted into 20x20 by its ink box, centred by mass. The
same drawing made a little longer, lower or on another canvas size moves that box and that
centre by a fraction of a field pixel, so a model that only reads exact placements is
fragile there. This reads the evaluation's own renders of the held-out writers (the
drawings behind `pen_held_out` in REPORT.md) placed exactly, then up to 0.5 and 1 field
pixel off centre and fitted up to 10 % larger or smaller (training.dataset.PlacementJitter,
fixed seeds), and prints the accuracy of each, for the reference and optionally a second
model. Only the reference reads these writers as unseen: a refit trained on them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from digits.inference.model import DigitModel, load_model
from training.dataset import PlacementJitter
from training.evaluate import held_out_renders
from training.export import MODEL_NAME, REFERENCE_DIR
from training.pendigits import PenDigit, load_pendigits, split_by_writer

PLACEMENTS = {
    "exactly as served": PlacementJitter(),
    "up to 0.5 px off centre": PlacementJitter(shift=0.5),
    "up to 1 px off centre": PlacementJitter(shift=1.0),
    "fitted up to 10 % larger or smaller": PlacementJitter(scale=0.1),
}


def accuracies(
    models: dict[str, DigitModel], held_out: list[PenDigit]
) -> dict[str, dict[str, float]]:
    """Each placement's accuracy, by model, on the same drawings of the held-out writers."""
    table: dict[str, dict[str, float]] = {}
    for placement, jitter in PLACEMENTS.items():
        pixels, labels = held_out_renders(held_out, placement, jitter)
        inputs = pixels.astype(np.float32) / 255.0
        table[placement] = {
            name: float((model.predict_proba(inputs).argmax(axis=1) == labels).mean())
            for name, model in models.items()
        }
    return table


def markdown(table: dict[str, dict[str, float]]) -> str:
    names = list(next(iter(table.values())))
    lines = [
        "| held-out writers' drawings, placed | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    lines += [
        f"| {placement} | " + " | ".join(f"{row[name]:.2%}" for name in names) + " |"
        for placement, row in table.items()
    ]
    return "\n".join(lines)


def model_name(model_file: Path) -> str:
    """A column's name: the model's version from the metadata beside it, else the file's
    path (a model from git history, say, comes without its JSON)."""
    metadata = model_file.with_suffix(".json")
    if metadata.is_file():
        version = json.loads(metadata.read_text(encoding="utf-8")).get("version")
        if version:
            return str(version)
    return str(model_file)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models-dir", type=Path, default=REFERENCE_DIR)
    parser.add_argument("--against", type=Path, help="a second model file to read the same sets")
    parser.add_argument("--limit", type=int, default=0, help="only every n-th digit (tests)")
    args = parser.parse_args(argv)
    # Each model as (the path given on the command line, the model file it names).
    sources = [(args.models_dir, args.models_dir / f"{MODEL_NAME}.joblib")]
    if args.against:
        sources.append((args.against, args.against))
    names = [model_name(file) for _, file in sources]
    if len(set(names)) < len(names):  # the same version twice: the paths as given
        names = [str(given) for given, _ in sources]
    models = {name: load_model(file) for name, (_, file) in zip(names, sources, strict=True)}
    held_out = split_by_writer(load_pendigits())[1]
    if args.limit:
        held_out = held_out[:: args.limit]
    print(markdown(accuracies(models, held_out)))


if __name__ == "__main__":
    main()
