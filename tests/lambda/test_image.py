"""function/Dockerfile and its pins: lint-clean, cache-friendly, what the image needs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.function_support import ROOT

DOCKERFILE = ROOT / "function" / "Dockerfile"


def instructions() -> list[str]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_hadolint_finds_nothing() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run([str(hadolint), str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_is_built_in_cache_friendly_order() -> None:
    steps = instructions()
    assert steps[0] == "FROM public.ecr.aws/lambda/python:3.12"
    order = [
        next(i for i, s in enumerate(steps) if s.startswith(prefix))
        for prefix in (
            "COPY function/requirements.lock",
            "RUN pip install",
            "COPY function/digits/",
            "COPY models/",
            "RUN python -m compileall",
        )
    ]
    assert order == sorted(order)
    assert steps[-1] == 'CMD ["digits.handler.handler"]'
    install = next(s for s in steps if s.startswith("RUN pip install"))
    assert "--only-binary=:all:" in install and "--no-cache-dir" in install
    assert "--require-hashes" in install and "requirements.lock" in install
    assert not any(re.search(r"\b(gcc|make|yum|dnf|apt)\b", s) for s in steps)


def test_the_build_context_admits_what_the_dockerfile_copies() -> None:
    patterns = (ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in patterns
    for needed in ("!function/requirements.lock", "!function/digits/", "!models/*.joblib"):
        assert needed in patterns


def test_runtime_pins_are_exact() -> None:
    lines = (ROOT / "function" / "requirements.txt").read_text().splitlines()
    for line in lines:
        if line and not line.startswith("#"):
            assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.+]*", line), line


def test_scikit_learn_is_the_version_the_model_was_trained_with() -> None:
    metadata = json.loads((ROOT / "models" / "digit_model_28.json").read_text())
    requirements = (ROOT / "function" / "requirements.txt").read_text()
    assert f"scikit-learn=={metadata['libraries']['scikit-learn']}" in requirements
    assert f"numpy=={metadata['libraries']['numpy']}" in requirements
