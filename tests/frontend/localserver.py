"""The real local server, `python -m tools.local.serve` (what `make run` starts), for tests."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tools.local.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
# A cold start loads the model; a busy 2-core CI machine can take a while.
SERVER_START_TIMEOUT_S = 90.0


def _health(url: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            body: dict[str, Any] = json.load(response)
            return body
    except (OSError, urllib.error.URLError, ValueError):
        return None


@contextlib.contextmanager
def local_server(**env: str) -> Iterator[str]:
    """`python -m tools.local.serve` on a free port, with extra environment; yields its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tools.local.serve"],
            cwd=ROOT,
            env={**os.environ, **env, "PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT_S
            while (body := _health(url)) is None:
                if process.poll() is not None:
                    code = process.returncode
                    pytest.fail(f"tools.local.serve exited ({code}): {log_path.read_text()}")
                if time.monotonic() > deadline:
                    waited = f"{SERVER_START_TIMEOUT_S:.0f}s"
                    pytest.fail(
                        f"tools.local.serve not healthy after {waited}: {log_path.read_text()}"
                    )
                time.sleep(0.2)
            assert body.get("status") == "ok", f"the model did not load: {body}"
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
