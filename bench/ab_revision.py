"""Is the working tree's reader faster than a revision's? Both timed in one process, in turns.

    make ab-revision                 (against HEAD)
    make ab-revision AGAINST=abc1234 (= PYTHONPATH=function:. .venv/bin/python
                                        bench/ab_revision.py --against abc1234)

A speed change is judged against the code it replaces, on the same machine in the same
minutes: timings here drift by a fifth from hour to hour, so figures from two runs cannot be
compared. The revision's ``function/digits`` is extracted (git archive) as a package of
another name, and both read the same canvas PNGs with the same model file, alternating which
goes first. Printed per canvas size: each one's p50 of ``read_drawing`` and of each stage,
the ratio (working tree / revision), and whether every answer is the same to float32
(the probabilities' largest difference).
"""

from __future__ import annotations

import argparse
import importlib
import io
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "function"), str(ROOT)]

from tqdm import tqdm  # noqa: E402

from tools.canvas import canvas_png, data_url  # noqa: E402

PACKAGE = "digits"
OLD_PACKAGE = "digits_at_revision"
MODEL = ROOT / "models" / "digit_model_28.joblib"
SIZES = (280, 560)  # the page's canvas, and a 2x screen's (reduced before any float work)
DRAWINGS = 200  # per size: every digit, many hands
ROUNDS = 3


def extract_revision(revision: str, into: Path) -> ModuleType:
    """The revision's digits package, importable as OLD_PACKAGE from ``into``."""
    archive = subprocess.run(  # noqa: S603 - git with a revision the user names
        ["git", "archive", "--format=tar", revision, f"function/{PACKAGE}"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    target = into / OLD_PACKAGE
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.endswith(".py"):
                continue
            relative = Path(member.name).relative_to(f"function/{PACKAGE}")
            source = tar.extractfile(member)
            if source is None:
                raise RuntimeError(f"git archive gave no content for {member.name}")
            text = source.read().decode("utf-8")
            # Absolute imports of the package name the renamed one, nothing else changes.
            text = re.sub(rf"\b(from|import) {PACKAGE}\b", rf"\1 {OLD_PACKAGE}", text)
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            (target / relative).write_text(text, encoding="utf-8")
    for name in [name for name in sys.modules if name.split(".")[0] == OLD_PACKAGE]:
        del sys.modules[name]  # another revision's, extracted before in this process
    sys.path.insert(0, str(into))
    return importlib.import_module(OLD_PACKAGE)


class Reader:
    """One package's read_drawing with its own predictor, loaded from the same model file."""

    def __init__(self, package: str) -> None:
        # The working tree's model file for both (the revision's copy finds none beside it).
        settings = importlib.import_module(f"{package}.settings").Settings(model_path=MODEL)
        predictor_module = importlib.import_module(f"{package}.inference.predictor")
        reader = importlib.import_module(f"{package}.reading.reader")
        decode = importlib.import_module(f"{package}.reading.decode")
        self.predictor = predictor_module.load_predictor(settings)
        self.read_drawing = reader.read_drawing
        self.stages: tuple[str, ...] = reader.STAGES
        self.limits = decode.ImageLimits(settings.max_image_side, settings.max_image_pixels)

    def read(self, url: str) -> Any:
        return self.read_drawing(url, self.predictor, self.limits)


def compare(readers: dict[str, Reader], urls: list[str], progress: tqdm[Any]) -> dict[str, Any]:
    """Wall time and stage times per reader, alternating which goes first."""
    wall: dict[str, list[float]] = {name: [] for name in readers}
    stages: dict[str, dict[str, list[float]]] = {
        name: {stage: [] for stage in reader.stages} for name, reader in readers.items()
    }
    largest_difference = 0.0
    order = list(readers)
    for url in urls[:10]:  # warm both: caches, lazy imports
        for reader in readers.values():
            reader.read(url)
    for round_ in range(ROUNDS):
        for index, url in enumerate(urls):
            turn = order if (index + round_) % 2 else order[::-1]
            probabilities = {}
            for name in turn:
                started = time.perf_counter()
                reading = readers[name].read(url)
                wall[name].append(time.perf_counter() - started)
                for stage, milliseconds in reading.stages_ms.items():
                    stages[name][stage].append(milliseconds)
                probabilities[name] = reading.prediction.probabilities
            first, second = probabilities.values()
            largest_difference = max(
                largest_difference, max(abs(a - b) for a, b in zip(first, second, strict=True))
            )
            progress.update(1)
    return {
        "p50_ms": {name: statistics.median(times) * 1000 for name, times in wall.items()},
        "stages_ms": {
            name: {stage: statistics.median(values) for stage, values in by_stage.items()}
            for name, by_stage in stages.items()
        },
        "largest_difference": largest_difference,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default="HEAD", help="a git revision (default HEAD)")
    parser.add_argument("--drawings", type=int, default=DRAWINGS, help="canvas PNGs per size")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temporary:
        extract_revision(args.against, Path(temporary))
        readers = {"working tree": Reader(PACKAGE), args.against: Reader(OLD_PACKAGE)}
        drawings = {
            size: [
                data_url(canvas_png(index % 10, variant=index // 10 + 1, size=size))
                for index in range(args.drawings)
            ]
            for size in SIZES
        }
        results = {}
        with tqdm(total=len(SIZES) * args.drawings * ROUNDS, unit="drawing") as progress:
            for size, urls in drawings.items():
                results[size] = compare(readers, urls, progress)
    for size, result in results.items():
        ours, theirs = result["p50_ms"].values()
        print(f"\n{size} px canvas PNGs, read_drawing p50 (ms), {ROUNDS} x {args.drawings}:")
        for name, p50 in result["p50_ms"].items():
            parts = ", ".join(f"{s} {v:.3f}" for s, v in result["stages_ms"][name].items())
            print(f"  {name:>14}: {p50:.3f}  ({parts})")
        print(f"  ratio (working tree / {args.against}): {ours / theirs:.3f}")
        print(f"  largest difference in a probability: {result['largest_difference']:.2g}")


if __name__ == "__main__":
    main()
