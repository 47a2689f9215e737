"""Run the function under the AWS Lambda Runtime Interface Emulator, staged as the image is.

No Docker needed: the function is staged the way function/Dockerfile builds it
(``pip install -r function/requirements.txt --target`` a folder, then digits/ and
models/ copied beside it), and the emulator binary that ships inside aws-sam-cli
(``make sam``) runs ``python -m awslambdaric digits.handler.handler`` there, the
same runtime client the Lambda base image uses. The interpreter runs with ``-S``,
so nothing from the developer's venv leaks in: a missing pin fails here too.

Use it as a context manager::

    from tools.local.lambda_runtime import LambdaRuntime

    with LambdaRuntime(port=9000, env={"LOG_LEVEL": "DEBUG"}) as runtime:
        answer = runtime.invoke(event)   # the handler's return value, e.g. {"statusCode": 200, ...}
        print(runtime.url)               # POST events here yourself (curl) if you like
        print(runtime.logs())            # the function's stdout/stderr so far (its JSON lines)

or from a shell, serving until Ctrl-C (what ``make lambda-local`` can run)::

    python -m tools.local.lambda_runtime --port 9000
    curl -s -d @events/http-v2-predict-json.json \\
        http://127.0.0.1:9000/2015-03-31/functions/function/invocations

``stage_dependencies()`` caches the installed requirements under build/lambda-runtime/,
keyed by a hash of function/requirements.txt, the base image's own packages (awslambdaric,
and boto3 as AWS's images have it) and the Python version, so only a change of pins
reinstalls. Code and models are copied afresh into
a temporary task root on every start (and removed on stop).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from importlib import metadata
from pathlib import Path
from typing import Any

from tools.local.processes import Service, free_port, stop

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "function" / "requirements.txt"
CODE_DIR = ROOT / "function" / "digits"
MODELS_DIR = ROOT / "models"
CACHE_DIR = ROOT / "build" / "lambda-runtime"
SAM_SITE_PACKAGES = ROOT / ".venv" / "sam" / "lib"
HANDLER = "digits.handler.handler"
INVOKE_PATH = "/2015-03-31/functions/function/invocations"
# What the base image has beside the function's own pins: the runtime client, and the AWS
# SDK that AWS's Python images ship (POST /feedback and MODEL_S3_URI use it), with what it
# needs. Pinned by requirements-dev.lock (as the venv has them), read from the venv.
AWSLAMBDARIC = f"awslambdaric=={metadata.version('awslambdaric')}"
AWS_SDK = tuple(
    f"{name}=={metadata.version(name)}"
    for name in ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")
)
BASE_IMAGE_PACKAGES = (AWSLAMBDARIC, *AWS_SDK)


def emulator_binary() -> Path:
    """The aws-lambda-rie binary inside the SAM CLI venv (``make sam`` installs it)."""
    arch = "arm64" if os.uname().machine in {"aarch64", "arm64"} else "x86_64"
    found = sorted(
        SAM_SITE_PACKAGES.glob(f"python3*/site-packages/samcli/local/rapid/aws-lambda-rie-{arch}")
    )
    if not found:
        raise FileNotFoundError(
            f"aws-lambda-rie-{arch} not found under {SAM_SITE_PACKAGES}: run `make sam`"
        )
    return found[-1]


def stage_dependencies(python: str = sys.executable, cache_dir: Path = CACHE_DIR) -> Path:
    """The requirements installed into a folder (cached by pins and Python version)."""
    version = subprocess.run(  # noqa: S603 - fixed argv
        [python, "-c", "import sys; print(sys.version_info[:2])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    key = hashlib.sha256(
        REQUIREMENTS.read_bytes() + " ".join(BASE_IMAGE_PACKAGES).encode() + version.encode()
    ).hexdigest()[:16]
    target = cache_dir / f"deps-{key}"
    if (target / ".complete").is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(dir=cache_dir, prefix="deps-partial-"))
    try:
        subprocess.run(  # noqa: S603 - fixed argv
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--only-binary=:all:", "--target", str(partial),
             "--requirement", str(REQUIREMENTS), *BASE_IMAGE_PACKAGES],
            check=True,
        )  # fmt: skip
        (partial / ".complete").write_text(version, encoding="utf-8")
        try:
            partial.rename(target)
        except OSError:  # staged meanwhile by another process: keep theirs
            if not (target / ".complete").is_file():
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


def stage_task_root(into: Path) -> Path:
    """digits/ and the model files copied as the Dockerfile's COPY lines do."""
    shutil.copytree(CODE_DIR, into / "digits", ignore=shutil.ignore_patterns("__pycache__"))
    models = into / "models"
    models.mkdir()
    for path in MODELS_DIR.glob("*"):
        if path.suffix in {".joblib", ".json"}:
            shutil.copy2(path, models / path.name)
    return into


class LambdaRuntime(Service):
    """The staged function behind the emulator on 127.0.0.1:``port``; a context manager."""

    def __init__(
        self,
        port: int | None = None,
        env: dict[str, str] | None = None,
        python: str = sys.executable,
        start_timeout: float = 30.0,
    ) -> None:
        self.port = port or free_port()
        self.env = dict(env or {})
        self.python = python
        self.start_timeout = start_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._task_root: Path | None = None
        self._log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{INVOKE_PATH}"

    @property
    def emulator_pid(self) -> int:
        """The emulator's process id; the function's Python runs as its child."""
        if self._process is None:
            raise RuntimeError("the emulator is not running")
        return self._process.pid

    def start(self) -> LambdaRuntime:
        deps = stage_dependencies(self.python)
        (CACHE_DIR / "tasks").mkdir(parents=True, exist_ok=True)
        self._task_root = stage_task_root(Path(tempfile.mkdtemp(dir=CACHE_DIR / "tasks")))
        self._log_path = self._task_root.with_suffix(".log")
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "LAMBDA_TASK_ROOT": str(self._task_root),
            "PYTHONPATH": f"{self._task_root}:{deps}",
            "AWS_LAMBDA_FUNCTION_NAME": "digit-function",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
            "AWS_LAMBDA_FUNCTION_TIMEOUT": "15",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            **self.env,
        }
        command = [
            str(emulator_binary()),
            "--log-level", "error",
            "--runtime-interface-emulator-address", f"127.0.0.1:{self.port}",
            "--runtime-api-address", f"127.0.0.1:{free_port()}",
            # -S: no site-packages of the interpreter's own; only the staged folder.
            self.python, "-S", "-m", "awslambdaric", HANDLER,
        ]  # fmt: skip
        with self._log_path.open("wb") as log:
            self._process = subprocess.Popen(  # noqa: S603 - fixed argv
                command,
                cwd=self._task_root,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, stopped as one
            )
        self._wait_listening()
        return self

    def invoke(self, event: dict[str, Any], timeout: float = 60.0) -> Any:
        """Send one event; the handler's JSON answer (the first call includes the init)."""
        request = urllib.request.Request(  # noqa: S310 - a loopback http URL we built
            self.url, data=json.dumps(event).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read())

    def logs(self) -> str:
        """Everything the emulator and the function printed so far."""
        if self._log_path is None or not self._log_path.exists():
            return ""
        return self._log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        process, self._process = self._process, None
        stop(process, group=True)
        if self._task_root is not None:
            shutil.rmtree(self._task_root, ignore_errors=True)
            self._task_root = None

    def discard(self) -> None:
        if self._log_path is not None:
            self._log_path.unlink(missing_ok=True)

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise RuntimeError(f"the emulator exited early:\n{self.logs()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"the emulator did not listen on port {self.port}:\n{self.logs()}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the function under the Lambda emulator.")
    parser.add_argument("--port", type=int, default=9000)
    port = parser.parse_args().port
    with LambdaRuntime(port=port) as runtime:
        print(f"function staged and listening: POST events to {runtime.url} (Ctrl-C stops)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
