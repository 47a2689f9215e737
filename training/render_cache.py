"""Rendered training sets kept on disk between runs of the experiments.

Rendering is the slow part of a reduced-scale run (a pen drawing costs ~7 ms), and every
fold and every variant that changes only the model reads the same renders. A set is
stored under a key made of what it was rendered from: its parameters and the source of
every module that draws or preprocesses, so a change to the drawing code renders anew.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / "build" / "renders"
# Everything a rendered, preprocessed 28x28 depends on.
SOURCES = (
    ROOT / "training" / "augment.py",
    ROOT / "training" / "dataset.py",
    ROOT / "training" / "page_render.py",
    ROOT / "training" / "pen_augment.py",
    ROOT / "function" / "digits" / "reading" / "ink_box.py",
    ROOT / "function" / "digits" / "reading" / "preprocess.py",
    ROOT / "function" / "digits" / "reading" / "strokes.py",
)

Arrays = tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]


def render_key(name: str, parameters: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(parameters, sort_keys=True, default=str).encode())
    for source in SOURCES:
        digest.update(source.read_bytes())
    return f"{name}-{digest.hexdigest()[:16]}"


def cached(
    name: str,
    parameters: dict[str, Any],
    make: Callable[[], Arrays],
    folder: Path = CACHE_DIR,
) -> Arrays:
    """The arrays `make` returns, from disk when the same key was rendered before."""
    path = folder / f"{render_key(name, parameters)}.npz"
    if path.is_file():
        with np.load(path) as stored:
            return stored["pixels"], stored["labels"]
    pixels, labels = make()
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npz")
    np.savez(partial, pixels=pixels, labels=labels)
    partial.replace(path)  # never a half-written set under the real name
    return pixels, labels
