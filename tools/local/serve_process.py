"""``python -m tools.local.serve`` (what ``make run`` starts) as a child process, for tests.

    with ServeProcess(env={"LOG_LEVEL": "WARNING"}) as server:
        server.url   # http://127.0.0.1:<free port>
        server.pid   # the server's own process: its memory is read from /proc

``ServeProcess(api_only=True)`` serves the Lambda app alone (``digits.app:create_app``
under uvicorn, no page): the API exactly as API Gateway exposes it, where a wrong method
on /predict is a 405 (with the page mounted at "/", a GET there is the page's 404).
Loopback only; started with the model loaded (/health answers "ok") or not at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tools.local.processes import Service, free_port, stop

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
START_TIMEOUT_S = 90.0  # a busy 2-core machine can be slow to import and load the model


def health(url: str, timeout: float = 2.0) -> str | None:
    """The /health status ("ok", "degraded"), or None when nothing answers."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as response:  # noqa: S310 - loopback URL we built
            status = json.load(response).get("status")
            return str(status) if status is not None else None
    except (OSError, urllib.error.URLError, ValueError):
        return None


class ServeProcess(Service):
    def __init__(
        self, env: dict[str, str] | None = None, port: int | None = None, api_only: bool = False
    ) -> None:
        self.port = port or free_port()
        self.env = dict(env or {})
        self.api_only = api_only
        self._process: subprocess.Popen[bytes] | None = None
        self.log_path = Path(tempfile.mkstemp(prefix="serve-", suffix=".log")[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("not started")
        return self._process.pid

    def logs(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def start(self) -> ServeProcess:
        environment = {
            **os.environ,
            "PYTHONPATH": f"{ROOT / 'function'}:{ROOT}",
            **self.env,
            "PORT": str(self.port),
        }
        command = [sys.executable, "-m", "tools.local.serve"]
        if self.api_only:
            command = [
                sys.executable, "-m", "uvicorn", "--factory", "digits.app:create_app",
                "--host", HOST, "--port", str(self.port),
                "--no-access-log", "--log-level", "warning",
            ]  # fmt: skip
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed argv
                command,
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while (status := health(self.url)) is None:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"tools.local.serve exited ({self._process.returncode}):\n{self.logs()}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"tools.local.serve did not answer in {START_TIMEOUT_S:.0f} s")
            time.sleep(0.1)
        if status != "ok":
            self.stop()
            raise RuntimeError(
                f"tools.local.serve is {status}: the model did not load\n{self.logs()}"
            )
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        stop(process)

    def discard(self) -> None:
        self.log_path.unlink(missing_ok=True)
