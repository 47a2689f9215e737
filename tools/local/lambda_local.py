"""``make lambda-local``: the deployed shape on one machine, without Docker.

    python -m tools.local.lambda_local          (PORT=3000 by default, as `sam local start-api`)

Two processes, as in AWS:

- the function: staged as function/Dockerfile builds the image and run under AWS's Runtime
  Interface Emulator with awslambdaric (tools/local/lambda_runtime.py), with the handler from the
  Dockerfile's CMD and the environment, memory size and timeout that template.yaml gives it
  (resolved by SAM CLI's own template code, as `sam local` does);
- in front, SAM CLI's local API Gateway (tools/local/local_apigw.py, on the SAM venv): the
  template's HTTP API routes become payload-2.0 events for the function, and the page
  (frontend_static/) is served on the same origin with the template's CloudFront security
  headers.

Paths under /var/task in the template's environment (the image's task root) are given to the
function relative to its working directory, which is the staged task root, as /var/task is in
Lambda. ``LocalStack`` is the same thing as a context manager, for tests.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tools.local.lambda_runtime import HANDLER, LambdaRuntime
from tools.local.processes import Service, follow_logs, free_port, http_status, stop

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
SAM_PYTHON = ROOT / ".venv" / "sam" / "bin" / "python"
DEFAULT_PORT = 3000
IMAGE_TASK_ROOT = "/var/task/"
# A cold start stages code, starts Python and loads the model; a busy 2-core machine is slow.
START_TIMEOUT_S = 120.0


def dockerfile_cmd(dockerfile: Path) -> str:
    """The handler the image starts: the exec-form CMD of the Dockerfile (its last one)."""
    commands = [
        line.split(None, 1)[1]
        for line in dockerfile.read_text(encoding="utf-8").splitlines()
        if line.strip().upper().startswith("CMD ")
    ]
    if not commands:
        raise ValueError(f"{dockerfile} has no CMD")
    try:
        cmd = json.loads(commands[-1])
    except json.JSONDecodeError:
        cmd = None  # the shell form: not how a Lambda base image names its handler
    if not (isinstance(cmd, list) and len(cmd) == 1 and isinstance(cmd[0], str)):
        raise ValueError(f'{dockerfile}: expected CMD ["module.handler"], got {commands[-1]}')
    handler: str = cmd[0]
    return handler


def describe_function(template: Path = TEMPLATE, region: str | None = None) -> dict[str, Any]:
    """What SAM CLI resolves from the template for the function (see tools/local/local_apigw.py)."""
    command = [
        str(sam_python()),
        "-m",
        "tools.local.local_apigw",
        "describe",
        "--template",
        str(template),
    ]
    if region:
        command += ["--region", region]
    done = subprocess.run(  # noqa: S603 - fixed argv
        command, cwd=ROOT, capture_output=True, text=True, check=False, env=sam_environment()
    )
    if done.returncode != 0:
        raise RuntimeError(f"reading {template} with SAM CLI failed:\n{done.stderr}")
    described: dict[str, Any] = json.loads(done.stdout)
    return described


def function_environment(described: dict[str, Any]) -> dict[str, str]:
    """The template's environment for the emulator, plus what Lambda itself sets from it."""
    env = {
        name: value[len(IMAGE_TASK_ROOT) :] if value.startswith(IMAGE_TASK_ROOT) else value
        for name, value in described["environment"].items()
    }
    env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = str(described["memory"])
    env["AWS_LAMBDA_FUNCTION_TIMEOUT"] = str(described["timeout"])
    return env


def sam_python() -> Path:
    if not SAM_PYTHON.exists():
        raise FileNotFoundError(f"{SAM_PYTHON} is missing: run `make sam`")
    return SAM_PYTHON


def sam_environment() -> dict[str, str]:
    return {**os.environ, "SAM_CLI_TELEMETRY": "0", "PYTHONPATH": str(ROOT)}


class LocalStack(Service):
    """The function under the emulator behind SAM's local API Gateway; a context manager.

    ``url`` is the origin serving both the API (/predict, /health, ...) and the page (/).
    ``env`` overrides the template's environment (e.g. ``{"UNCERTAIN_BELOW": "0.99"}``).
    """

    def __init__(
        self,
        port: int | None = None,
        env: dict[str, str] | None = None,
        template: Path = TEMPLATE,
        host: str = "127.0.0.1",
    ) -> None:
        self.port = port or free_port()
        self.host = host
        self.template = template
        self.overrides = dict(env or {})
        self.runtime: LambdaRuntime | None = None
        self._front: subprocess.Popen[bytes] | None = None
        self._front_log = Path(tempfile.mkstemp(prefix="lambda-local-", suffix=".log")[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> LocalStack:
        described = describe_function(self.template)
        metadata_dockerfile = ROOT / described["docker_context"] / described["dockerfile"]
        handler = dockerfile_cmd(metadata_dockerfile)
        if handler != HANDLER:
            # tools/local/lambda_runtime.py starts HANDLER; refuse to pretend it is the image's CMD.
            raise RuntimeError(
                f"{metadata_dockerfile} runs {handler}, lambda_runtime runs {HANDLER}"
            )
        env = {**function_environment(described), **self.overrides}
        self.runtime = LambdaRuntime(env=env).start()
        try:
            self._start_front(timeout_s=float(described["timeout"]) + 5)
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_front(self, timeout_s: float) -> None:
        if self.runtime is None:
            raise RuntimeError("start the function first")
        command = [
            str(sam_python()), "-m", "tools.local.local_apigw", "serve",
            "--template", str(self.template),
            "--invoke-url", self.runtime.url,
            "--invoke-timeout", str(timeout_s),
            "--host", self.host,
            "--port", str(self.port),
        ]  # fmt: skip
        with self._front_log.open("wb") as log:
            self._front = subprocess.Popen(  # noqa: S603 - fixed argv
                command,
                cwd=ROOT,
                env=sam_environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait_ready(self) -> None:
        # /health goes through the gateway to the function: ready means the whole path works
        # (the first call is the cold start).
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._front is None or self._front.poll() is not None:
                raise RuntimeError(f"the local API Gateway exited:\n{self.logs()}")
            try:
                if http_status(f"{self.url}/health", timeout=START_TIMEOUT_S) == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.url}/health did not answer 200:\n{self.logs()}")

    def logs(self) -> str:
        """The gateway's log, then the function's (emulator, runtime and app lines)."""
        front = self._front_log.read_text(encoding="utf-8", errors="replace")
        function = self.runtime.logs() if self.runtime else ""
        return f"--- local API Gateway ---\n{front}\n--- function ---\n{function}"

    def stop(self) -> None:
        front, self._front = self._front, None
        stop(front, group=True)
        if self.runtime is not None:
            self.runtime.__exit__(None, None, None)
            self.runtime = None

    def discard(self) -> None:
        self._front_log.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.local.lambda_local", description=__doc__)
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT", DEFAULT_PORT)),
        help="default: $PORT or 3000",
    )
    args = parser.parse_args(argv)
    # SIGTERM (kill, a supervisor) unwinds like Ctrl-C: the emulator and the gateway run in
    # their own process groups and would outlive us otherwise.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("staging the function and starting the emulator (the first run installs the pins)...")
    with LocalStack(port=args.port) as stack:
        print(
            f"the API and the page: {stack.url}  (function logs follow; Ctrl-C stops)", flush=True
        )
        runtime = stack.runtime
        follow_logs(runtime.logs if runtime else lambda: "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
