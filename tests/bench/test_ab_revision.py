"""bench/ab_revision.py: a revision's reader imported beside the working tree's, both timed."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tqdm import tqdm

from bench import ab_revision
from tools.canvas import canvas_png, data_url


@pytest.fixture
def readers(tmp_path: Path) -> Iterator[dict[str, ab_revision.Reader]]:
    package = ab_revision.extract_revision("HEAD", tmp_path)
    new, old = ab_revision.Reader("digits"), ab_revision.Reader(package.__name__)
    yield {"working tree": new, "HEAD": old}
    sys.path.remove(str(tmp_path))
    for name in [name for name in sys.modules if name.startswith(ab_revision.OLD_PACKAGE)]:
        del sys.modules[name]


def test_the_revisions_package_is_its_own_and_reads_like_the_working_trees(
    readers: dict[str, ab_revision.Reader], tmp_path: Path
) -> None:
    old = readers["HEAD"]
    # The revision's code, from the extracted copy: not the working tree's under a new name.
    assert old.read_drawing.__module__ == f"{ab_revision.OLD_PACKAGE}.reading.reader"
    assert Path(sys.modules[old.read_drawing.__module__].__file__ or "").is_relative_to(tmp_path)
    assert type(old.predictor).__module__.startswith(ab_revision.OLD_PACKAGE)
    urls = [data_url(canvas_png(digit, variant=1)) for digit in (0, 4, 7)]
    with tqdm(total=len(urls) * ab_revision.ROUNDS, disable=True) as progress:
        result = ab_revision.compare(readers, urls, progress)
    assert set(result["p50_ms"]) == {"working tree", "HEAD"}
    assert all(p50 > 0 for p50 in result["p50_ms"].values())
    assert set(result["stages_ms"]["HEAD"]) == {"decode", "preprocess", "model", "segment"}
    # On a clean checkout both are the same code: the same answers, whatever the timing.
    assert result["largest_difference"] < 1e-4
    for reader in readers.values():
        assert [reader.read(url).prediction.digit for url in urls] == [0, 4, 7]
