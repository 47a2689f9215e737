"""Rendered sets kept on disk: the same key gives the stored arrays, any change renders anew."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from training import render_cache
from training.render_cache import cached, render_key


def arrays(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (5, 784), dtype=np.uint8), rng.integers(0, 10, 5, dtype=np.uint8)


def test_a_set_is_rendered_once_then_read_back_as_it_was(tmp_path: Path) -> None:
    calls: list[int] = []

    def make() -> tuple[np.ndarray, np.ndarray]:
        calls.append(1)
        return arrays(1)

    first = cached("pen", {"copies": 2}, make, tmp_path)
    again = cached("pen", {"copies": 2}, make, tmp_path)
    assert len(calls) == 1
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype == np.uint8
    assert [p.name.endswith(".npz") and "partial" not in p.name for p in tmp_path.iterdir()] == [
        True
    ]


def test_other_parameters_or_other_drawing_code_render_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = render_key("pen", {"copies": 2})
    assert render_key("pen", {"copies": 3}) != key
    assert render_key("mnist-train", {"copies": 2}) != key
    assert render_key("pen", {"copies": 2}) == key
    changed = tmp_path / "preprocess.py"
    changed.write_text("# another preprocessing\n")
    monkeypatch.setattr(render_cache, "SOURCES", (*render_cache.SOURCES[:-1], changed))
    assert render_key("pen", {"copies": 2}) != key


def test_every_module_that_draws_or_preprocesses_is_in_the_key() -> None:
    names = {path.name for path in render_cache.SOURCES}
    assert {"augment.py", "dataset.py", "page_render.py", "pen_augment.py"} <= names
    assert all(path.is_file() for path in render_cache.SOURCES)
    # Serving's preprocessing (function/digits/reading/preprocess.py), wherever it lives.
    assert any(p.name == "preprocess.py" and "digits" in p.parts for p in render_cache.SOURCES)
