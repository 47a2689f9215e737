"""Compare model choices on held-out data only: `python -m training.experiments`.

Each variant is trained at a reduced scale (a subset of MNIST, fewer renders, one
smaller network) and judged on the held-out writers and the MNIST validation digits,
the very figures `make train` chooses on; no test set is touched. The table goes to
models/EXPERIMENTS.md, so the choices in training.train.Config can be checked.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from training.export import MODELS_DIR
from training.train import Config, fit

BASE = Config(
    subset=15_000, copies=1, pen_copies=4, networks=1, hidden=(400,), epochs=6, decay_every=2
)
VARIANTS: dict[str, Config] = {
    "pixels, MNIST only (the previous recipe)": replace(BASE, feature_kinds=0, pen_copies=0),
    "pixels + pen renders": replace(BASE, feature_kinds=0),
    "features 64 filters, 3x3 pooling + pen renders": replace(BASE, feature_grid=3),
    "features 64 filters, 4x4 pooling + pen renders (shipped)": BASE,
    "features 64 filters, 4x4 pooling, MNIST only": replace(BASE, pen_copies=0),
    "features 64 filters, 4x4 pooling + pen renders with style strokes": replace(
        BASE, pen_styles=True
    ),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=MODELS_DIR / "EXPERIMENTS.md")
    args = parser.parse_args(argv)
    rows = []
    for name, config in VARIANTS.items():
        print(f"== {name}")
        started = time.perf_counter()
        fitted = fit(config, models_dir=Path("/nonexistent"))
        info, calibration = fitted.info, fitted.calibration
        rows.append(
            f"| {name} | {info['validation_accuracy_pen_held_out']:.2%} | "
            f"{info['validation_accuracy_mnist']:.2%} | {calibration.error_after:.2%} | "
            f"{time.perf_counter() - started:.0f} s |"
        )
        print(rows[-1], flush=True)
    lines = [
        "# Experiments: what wins on held-out writers",
        "",
        "Made by `python -m training.experiments` (reduced scale: "
        f"{BASE.subset} MNIST digits, {BASE.copies} augmented copy, {BASE.pen_copies} renders "
        f"of each training writer's pen digit, one {BASE.hidden} network, {BASE.epochs} epochs)."
        " Judged only on held-out data: the six held-out writers' drawings and 20% of the"
        " MNIST subset; never on MNIST test or the canvas sets.",
        "",
        "| variant | held-out writers | MNIST validation | calibration error | time |",
        "|---|---|---|---|---|",
        *rows,
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print(f"Written: {args.out}")


if __name__ == "__main__":
    main()
