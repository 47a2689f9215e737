"""The seed's model: an RBF SVC on MNIST's raw pixels, as ``digit_model_28.joblib``.

    python -m bench.seed.model          (make benchmark does it when the file is missing)

The seed post loads ``digit_model_28.joblib`` and calls ``decision_function`` and
``predict`` on 784 values in 0-255 (its preprocessing never scales them), so its model
is an SVC fitted on MNIST's 60k training digits as they are: scikit-learn's defaults
(RBF kernel, C=1, gamma="scale"). That reproduces the file the project first met:
about 79 MB, some 12,300 support vectors, 97.9 % on MNIST test. Fitting takes ~2 min
on one core, once: the file is kept in build/seed/ (not committed: it is 79 MB).
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

import joblib
import numpy as np
from sklearn.svm import SVC
from tqdm import tqdm

from training.mnist import load_mnist

ROOT = Path(__file__).resolve().parents[2]
SEED_MODEL = ROOT / "build" / "seed" / "digit_model_28.joblib"
# libsvm reports no progress: the bar runs against this estimate (2-core machine).
EXPECTED_FIT_S = 120


def train(train_size: int | None = None) -> SVC:
    """The seed's SVC on the first ``train_size`` MNIST training digits (all by default)."""
    mnist = load_mnist()
    images = mnist.train_images[:train_size].reshape(-1, 28 * 28).astype(np.float32)
    labels = mnist.train_labels[:train_size]
    model = SVC()
    expected = EXPECTED_FIT_S * (len(images) / 60_000) ** 2
    with _ElapsedBar(expected, f"fitting the seed's SVC on {len(images)} digits"):
        model.fit(images, labels)
    return model


def ensure_seed_model(path: Path = SEED_MODEL) -> Path:
    """The seed's model file, trained first if it is not there yet."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        joblib.dump(train(), partial)
        partial.replace(path)
    return path


class _ElapsedBar:
    """A tqdm bar that ticks once a second against an expected duration (ETA = estimate)."""

    def __init__(self, expected_s: float, description: str) -> None:
        self._bar = tqdm(total=max(1, round(expected_s)), desc=description, unit="s")
        self._done = threading.Event()
        self._ticker = threading.Thread(target=self._tick, daemon=True)

    def _tick(self) -> None:
        while not self._done.wait(1.0):
            if self._bar.n < self._bar.total - 1:
                self._bar.update(1)

    def __enter__(self) -> None:
        self._started = time.monotonic()
        self._ticker.start()

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._ticker.join()
        self._bar.n = self._bar.total
        self._bar.set_postfix_str(f"took {time.monotonic() - self._started:.0f} s")
        self._bar.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=SEED_MODEL)
    args = parser.parse_args(argv)
    path = ensure_seed_model(args.output)
    model = joblib.load(path)
    print(f"{path}: {path.stat().st_size / 1e6:.1f} MB, {len(model.support_)} support vectors")


if __name__ == "__main__":
    main()
