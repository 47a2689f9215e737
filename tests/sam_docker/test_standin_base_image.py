"""tools/aws/standin_base_image.sh: where the stand-in's Debian comes from, and its notice."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from tests.function_support import ROOT
from tests.support.requirements import pins

from tools.aws.sam_docker import STANDIN_SCRIPT, Built, standin_notice

# A reserved name (RFC 2606): these tests need no mirror, only apt's configuration.
MIRROR = "http://mirror.invalid/debian"
SECURITY = "http://mirror.invalid/debian-security"


def codename() -> str:
    found = re.search(r"^VERSION_CODENAME=(\S+)$", Path("/etc/os-release").read_text(), re.M)
    if found is None:
        pytest.skip("no VERSION_CODENAME in /etc/os-release: not Debian")
    return found.group(1)


def mirror_in(apt_etc: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(STANDIN_SCRIPT), "--mirror"],
        env={**os.environ, "APT_ETC": str(apt_etc)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_mirror_is_the_one_apt_uses_for_this_release(tmp_path: Path) -> None:
    suite = codename()
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        f"Types: deb\nURIs: {SECURITY}\nSuites: {suite}-security\nComponents: main\n\n"
        f"Types: deb deb-src\nURIs: {MIRROR}\nSuites: {suite} {suite}-updates\n"
        "Components: main\n"
    )
    assert mirror_in(tmp_path).stdout.strip() == MIRROR


def test_a_one_line_sources_list_works_too(tmp_path: Path) -> None:
    suite = codename()
    (tmp_path / "sources.list").write_text(
        f"deb {SECURITY} {suite}-security main\ndeb [arch=amd64] {MIRROR} {suite} main\n"
    )
    assert mirror_in(tmp_path).stdout.strip() == MIRROR


def test_no_source_for_the_release_is_said_plainly(tmp_path: Path) -> None:
    (tmp_path / "sources.list").write_text(f"deb {MIRROR} some-other-release main\n")
    done = mirror_in(tmp_path)
    assert done.returncode != 0 and "no apt source for Debian" in done.stderr


def test_the_script_names_no_host() -> None:
    """Mirror and index come from this machine's apt and pip settings, never from the code."""
    text = STANDIN_SCRIPT.read_text(encoding="utf-8")
    assert "://" not in text
    assert (ROOT / "function" / "Dockerfile").read_text().count("FROM ") == 1


@pytest.mark.sam_docker
def test_a_stand_in_says_what_it_is_on_every_start(built: Built) -> None:
    notice = standin_notice()
    if not notice:
        pytest.skip("AWS's own base image is in use")
    assert "stand-in" in notice and "Python 3.11" in notice
    started = subprocess.run(
        ["docker", "run", "--rm", "--label", "org.digit-lambda.container=notice", built.image],
        capture_output=True,
        text=True,
        check=False,
    )
    # Without a Runtime API it refuses to start, after saying what it is.
    assert started.returncode != 0
    assert "stand-in Lambda base image" in started.stderr
    assert "AWS_LAMBDA_RUNTIME_API is not set" in started.stderr


@pytest.mark.sam_docker
def test_the_stand_in_brings_boto3_at_its_pin(built: Built) -> None:
    # MODEL_S3_URI loads the model with boto3, which the function image does not install.
    if not standin_notice():
        pytest.skip("AWS's own base image is in use")
    pin = pins(ROOT / "requirements-dev.txt")["boto3"]
    version = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "--label",
            "org.digit-lambda.container=boto3",
            "--entrypoint",
            "python",
            built.image,
            "-c",
            "import boto3; print(boto3.__version__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.strip() == pin
