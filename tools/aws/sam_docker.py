"""The real SAM path with Docker: `sam build`, `sam local invoke`, `sam local start-api`, and
the built image run the way Lambda runs it. Shared by ``make sam-local``, tests/sam_docker/,
the browser tests and bench/sam_docker.py (docs/sam-docker.md).

Every address is 127.0.0.1, on ports published for containers started here or by SAM.
The base image comes from tools/aws/standin_base_image.sh (AWS's, or a labelled local
stand-in); Docker's own image store caches it and the function image between runs.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.local.lambda_local import describe_function
from tools.local.lambda_local import sam_environment as local_sam_environment
from tools.local.lambda_runtime import HANDLER, INVOKE_PATH, emulator_binary
from tools.local.processes import LOOPBACK, Service, follow_logs, free_port, http_status, stop

ROOT = Path(__file__).resolve().parents[2]
SAM = ROOT / ".venv" / "sam" / "bin" / "sam"
SAM_PYTHON = SAM.with_name("python")
STANDIN_SCRIPT = ROOT / "tools" / "aws" / "standin_base_image.sh"
FUNCTION = "DigitFunction"
# Containers started here carry this label (SAM's carry sam.cli.container.type=lambda), so
# whoever started Docker for a run can remove exactly them (.ci/run).
TEST_LABEL = "org.digit-lambda.container"
# How Lambda runs a function: as this user (sbx_user1051), with 512 MB of /tmp.
LAMBDA_USER = "993:990"
TMP_SIZE = "512m"
# A busy 2-core machine: container start, Python imports and the model load.
START_TIMEOUT_S = 120.0
# The first `sam local invoke` after a build also layers SAM's emulator onto the image.
INVOKE_TIMEOUT_S = 300.0


def sam_environment() -> dict[str, str]:
    """SAM as make lambda-local runs it, with the classic builder (Debian's dockerd has no
    BuildKit plugin)."""
    return {**local_sam_environment(), "DOCKER_BUILDKIT": "0"}


def docker_unavailable() -> str | None:
    """Why the Docker path cannot run here, or None when it can."""
    if shutil.which("docker") is None:
        return "no docker CLI (Debian: apt-get install docker.io; .ci/run does)"
    info = subprocess.run(
        ["docker", "info", "--format", "{{.ServerVersion}}"],  # noqa: S607 - docker from PATH
        capture_output=True,
        text=True,
        check=False,
    )
    if info.returncode != 0:
        return "dockerd is not running (make sam-local starts it as root; .ci/run does in CI)"
    if not SAM.exists():
        return f"{SAM} is missing: run `make sam`"
    return None


def start_dockerd(timeout_s: float = 60.0) -> str | None:
    """Start dockerd in the background if it is not running and this user may; why not, or None.

    Only as root with Debian's dockerd installed; its log goes to /tmp/dockerd.log. It is left
    running (as the docker.service unit would be).
    """
    if docker_unavailable() is None:
        return None
    dockerd = shutil.which("dockerd")
    if dockerd is None or os.geteuid() != 0:
        return docker_unavailable()
    with Path("/tmp/dockerd.log").open("ab") as log:  # noqa: S108 - dockerd's own log
        subprocess.Popen(  # noqa: S603 - fixed argv
            [dockerd], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + timeout_s
    while (reason := docker_unavailable()) is not None and time.monotonic() < deadline:
        time.sleep(0.5)
    return reason


def ensure_base_image() -> str:
    """AWS's base image pulled, or the stand-in built (minutes the first time); its notice."""
    done = subprocess.run(  # noqa: S603 - fixed argv
        [str(STANDIN_SCRIPT)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{STANDIN_SCRIPT.name} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def standin_notice() -> str:
    """The stand-in's one-line notice, empty when the base image is AWS's own."""
    done = subprocess.run(  # noqa: S603 - fixed argv
        [str(STANDIN_SCRIPT), "--notice"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return done.stdout.strip()


@dataclass(frozen=True)
class Built:
    """What `sam build` made: the built template (for sam local) and the function's image."""

    template: Path
    image: str
    build_log: str


def image_uri(built_template: Path) -> str:
    """The function's ImageUri in a template that `sam build` wrote."""
    found = re.search(r"^\s*ImageUri:\s*(\S+)\s*$", built_template.read_text(), re.MULTILINE)
    if found is None:
        raise ValueError(f"no ImageUri in {built_template}")
    return found.group(1).strip("'\"")


def sam_build(build_dir: Path) -> Built:
    """`sam build` of template.yaml into build_dir (Docker's layer cache makes a rebuild quick)."""
    ensure_base_image()
    done = subprocess.run(  # noqa: S603 - fixed argv
        [str(SAM), "build", "--template", str(ROOT / "template.yaml"),
         "--build-dir", str(build_dir)],
        cwd=ROOT, env=sam_environment(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"sam build failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    template = build_dir / "template.yaml"
    return Built(template=template, image=image_uri(template), build_log=done.stdout)


@functools.cache
def built_once() -> Built:
    """One `sam build` per process, in a temporary folder (the image lives in Docker's store)."""
    return sam_build(Path(tempfile.mkdtemp(prefix="digit-lambda-sam-build-")))


def sam_local_invoke(built: Built, event: dict[str, Any]) -> dict[str, Any]:
    """`sam local invoke` of one event (a fresh container, as a cold Lambda): the answer."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as file:
        json.dump(event, file)
        file.flush()
        done = subprocess.run(  # noqa: S603 - fixed argv
            [str(SAM), "local", "invoke", FUNCTION, "--template", str(built.template),
             "--event", file.name, "--skip-pull-image"],
            cwd=ROOT, env=sam_environment(), capture_output=True, text=True, check=False,
            timeout=INVOKE_TIMEOUT_S,
        )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"sam local invoke failed:\n{done.stdout}\n{done.stderr}")
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


class SamApi(Service):
    """`sam local start-api` (tools/aws/sam_start_api.py: the page on the same origin); a
    context manager. One warm container (--warm-containers LAZY) serves the requests.

    ``env`` overrides the template's function environment (e.g. ``{"UNCERTAIN_BELOW": "0.99"}``).
    """

    def __init__(self, built: Built, port: int | None = None, env: dict[str, str] | None = None):
        self.built = built
        self.port = port or free_port()
        self.env = dict(env or {})
        self._process: subprocess.Popen[bytes] | None = None
        self._work = Path(tempfile.mkdtemp(prefix="digit-lambda-sam-api-"))
        self._log = self._work / "sam.log"

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> SamApi:
        command = [
            str(SAM_PYTHON), "-m", "tools.aws.sam_start_api",
            "--template", str(self.built.template),
            "--host", LOOPBACK, "--port", str(self.port),
            "--warm-containers", "LAZY", "--skip-pull-image",
        ]  # fmt: skip
        if self.env:
            env_file = self._work / "env.json"
            env_file.write_text(json.dumps({FUNCTION: self.env}), encoding="utf-8")
            command += ["--env-vars", str(env_file)]
        with self._log.open("wb") as log:
            self._process = subprocess.Popen(  # noqa: S603 - fixed argv
                command, cwd=ROOT, env=sam_environment(), stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise RuntimeError(f"sam local start-api exited:\n{self.logs()}")
            with contextlib.suppress(OSError):
                if http_status(f"{self.url}/health", timeout=START_TIMEOUT_S) == 200:
                    return
            time.sleep(0.5)
        raise TimeoutError(f"{self.url}/health did not answer 200:\n{self.logs()}")

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def logs(self) -> str:
        return self._log.read_text(encoding="utf-8", errors="replace") if self._log.exists() else ""

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            # SIGINT, as Ctrl-C: SAM stops and removes its warm container on the way out.
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                stop(process, group=True)

    def discard(self) -> None:
        shutil.rmtree(self._work, ignore_errors=True)


def lambda_environment(described: dict[str, Any]) -> dict[str, str]:
    """The template's environment plus what Lambda sets from the function's configuration."""
    return {
        **described["environment"],
        "AWS_LAMBDA_FUNCTION_NAME": "digit-function",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(described["memory"]),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(described["timeout"]),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


class LambdaLikeContainer(Service):
    """The built image run as Lambda runs it; a context manager.

    Read-only root filesystem with only /tmp writable (a tmpfs), a non-root user, the
    template's memory size as the container's memory limit (no swap), SAM's Runtime Interface
    Emulator as the entry point (mounted read-only, as SAM does) running the image's
    /lambda-entrypoint.sh with its CMD. Invocations go to 127.0.0.1:``port``.
    """

    def __init__(
        self,
        image: str,
        env: dict[str, str] | None = None,
        described: dict[str, Any] | None = None,
    ) -> None:
        """``described``: tools.local.lambda_local.describe_function()'s answer, if already read."""
        self.image = image
        self.described = described or describe_function()
        self.memory_mb = int(self.described["memory"])
        self.env = {**lambda_environment(self.described), **(env or {})}
        self.container: str | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}{INVOKE_PATH}"

    def run_command(self) -> list[str]:
        environment = [part for item in self.env.items() for part in ("-e", "=".join(item))]
        return [
            "docker", "run", "--detach", "--label", f"{TEST_LABEL}=lambda-like",
            "--read-only", "--tmpfs", f"/tmp:rw,size={TMP_SIZE}",  # noqa: S108 - in the container
            "--user", LAMBDA_USER,
            "--memory", f"{self.memory_mb}m", "--memory-swap", f"{self.memory_mb}m",
            "--publish", f"{LOOPBACK}::8080",
            "--volume", f"{emulator_binary()}:/var/rapid/aws-lambda-rie:ro",
            "--entrypoint", "/var/rapid/aws-lambda-rie",
            *environment,
            self.image, "/lambda-entrypoint.sh", HANDLER,
        ]  # fmt: skip

    def start(self) -> LambdaLikeContainer:
        done = subprocess.run(  # noqa: S603 - fixed argv
            self.run_command(), capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"docker run failed: {done.stderr}")
        self.container = done.stdout.strip()
        try:
            self.port = self._published_port()
        except BaseException:
            self.stop()
            raise
        return self

    def _published_port(self) -> int:
        mapping = subprocess.run(  # noqa: S603 - fixed argv
            ["docker", "port", str(self.container), "8080/tcp"],  # noqa: S607
            capture_output=True, text=True, check=True,
        ).stdout.split()[0]  # fmt: skip
        host, _, port = mapping.rpartition(":")
        if host != LOOPBACK:
            raise RuntimeError(f"published on {host}, expected {LOOPBACK}")
        return int(port)

    def inspect(self) -> dict[str, Any]:
        out = subprocess.run(  # noqa: S603 - fixed argv
            ["docker", "inspect", str(self.container)],  # noqa: S607
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        found: dict[str, Any] = json.loads(out)[0]
        return found

    def invoke(self, event: dict[str, Any], timeout: float = START_TIMEOUT_S) -> Any:
        """One event through the emulator (retried while the emulator is still starting)."""
        deadline = time.monotonic() + timeout
        while True:
            request = urllib.request.Request(  # noqa: S310 - loopback, a port we published
                self.url, data=json.dumps(event).encode(), method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback
                    return json.loads(response.read())
            except (ConnectionError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def exec(self, *command: str) -> subprocess.CompletedProcess[str]:
        """A command inside the running container, as its user."""
        return subprocess.run(  # noqa: S603 - fixed argv
            ["docker", "exec", str(self.container), *command],  # noqa: S607
            capture_output=True, text=True, check=False,
        )  # fmt: skip

    def logs(self) -> str:
        done = subprocess.run(  # noqa: S603 - fixed argv
            ["docker", "logs", str(self.container)],  # noqa: S607
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        return done.stdout + done.stderr

    def stop(self) -> None:
        container, self.container = self.container, None
        if container:
            subprocess.run(  # noqa: S603 - docker CLI, the container we started
                ["docker", "rm", "-f", container],  # noqa: S607 - docker CLI
                capture_output=True,
                check=False,
            )


def image_size_bytes(image: str) -> int:
    out = subprocess.run(  # noqa: S603 - fixed argv
        ["docker", "image", "inspect", "--format", "{{.Size}}", image],  # noqa: S607
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return int(out.strip())


@contextlib.contextmanager
def sam_api(**env: str) -> Iterator[str]:
    """The SAM + Docker stack (built once per process) with extra function environment."""
    with SamApi(built_once(), env=env) as api:
        yield api.url


def main(argv: list[str] | None = None) -> int:
    """``make sam-local``: dockerd, the base image, sam build, sam local start-api on PORT."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tools.aws.sam_docker", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 3000)))
    args = parser.parse_args(argv)
    reason = start_dockerd()
    if reason is not None:
        print(f"cannot use Docker here: {reason}. `make lambda-local` needs no Docker.")
        return 1
    print("the base image (the first time: minutes)...", flush=True)
    print(ensure_base_image(), flush=True)
    print("sam build...", flush=True)
    built = sam_build(ROOT / ".aws-sam" / "build")
    print(f"built {built.image}; sam local start-api...", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with SamApi(built, port=args.port) as api:
        notice = standin_notice()
        print(f"the API and the page: {api.url}  (Ctrl-C stops)", flush=True)
        if notice:
            print(notice, flush=True)
        follow_logs(api.logs, api.running)  # SAM's own lines and the function's
    return 0


if __name__ == "__main__":
    sys.exit(main())
