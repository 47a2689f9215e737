"""HTTP servers for the benchmark: ours (``make run``'s) and the seed's, started alike.

Both are measured the same way, one after the other on the same loopback: the time
from spawning the server process to its first answer to POST /predict (the cold start
a user of ``uvicorn`` meets), then sequential requests on one keep-alive connection.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The environment as the benchmark found it: what importing our handler sets for its own
# process (OPENBLAS_NUM_THREADS) must not reach the seed's server, which runs as shipped.
BASE_ENV = dict(os.environ)
PYTHONPATH = f"{ROOT / 'function'}:{ROOT}"
JSON_HEADERS = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Server:
    name: str
    # {port} is replaced by the port; the server must listen on 127.0.0.1 there.
    command: tuple[str, ...]
    env: dict[str, str]

    def argv(self, port: int) -> list[str]:
        return [part.format(port=port) for part in self.command]


def ours() -> Server:
    """``make run``'s server: the Lambda app plus the page, uvicorn, one worker."""
    return Server(
        "digit-lambda",
        (sys.executable, "-m", "tools.local.serve"),
        {"PYTHONPATH": PYTHONPATH, "PORT": "{port}"},
    )


def seed(model: Path) -> Server:
    """The seed's server as its post starts it (``uvicorn app.main:app``), minus --reload
    (a file watcher in a second process: not how anyone measures a server)."""
    return Server(
        "seed",
        (sys.executable, "-m", "uvicorn", "bench.seed.app:app", "--host", "127.0.0.1",
         "--port", "{port}"),
        {"PYTHONPATH": PYTHONPATH, "SEED_MODEL": str(model)},
    )  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running(
    server: Server, port: int | None = None
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = port or free_port()
    env = {**BASE_ENV, **{k: v.format(port=port) for k, v in server.env.items()}}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        server.argv(port), env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield process, port
    finally:
        process.terminate()
        process.wait(timeout=20)


def time_to_first_answer(server: Server, body: bytes, timeout: float = 60.0) -> float:
    """Seconds from spawning the server to its first 200 to POST /predict with ``body``."""
    port = free_port()
    started = time.perf_counter()
    with running(server, port) as (process, _):
        while time.perf_counter() - started < timeout:
            if process.poll() is not None:
                raise RuntimeError(f"{server.name} exited with {process.returncode}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                status = post(connection, body)
                connection.close()
            except OSError:
                time.sleep(0.005)
                continue
            if status == 200:
                return time.perf_counter() - started
            raise RuntimeError(f"{server.name} answered {status}")
    raise TimeoutError(f"{server.name} did not answer within {timeout:.0f} s")


def sequential(
    server: Server, bodies: Sequence[bytes], limit: int, seconds: float
) -> tuple[list[float], float]:
    """Per-request ms for ``bodies`` in turn (up to ``limit`` requests or ``seconds``)
    on one keep-alive connection, and the requests per second over the whole run."""
    with running(server) as (process, port):
        connection = connect(port, process)
        for body in bodies[:10]:  # first-call costs belong to the cold start
            post(connection, body)
        latencies: list[float] = []
        started = time.perf_counter()
        while len(latencies) < limit and time.perf_counter() - started < seconds:
            body = bodies[len(latencies) % len(bodies)]
            sent = time.perf_counter()
            status = post(connection, body)
            latencies.append((time.perf_counter() - sent) * 1000)
            if status != 200:
                raise RuntimeError(f"{server.name}: /predict answered {status}")
        elapsed = time.perf_counter() - started
        connection.close()
        return latencies, len(latencies) / elapsed


def connect(port: int, process: subprocess.Popen[bytes]) -> http.client.HTTPConnection:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.connect()
            return connection
        time.sleep(0.05)
    raise TimeoutError("the server did not start")


def post(connection: http.client.HTTPConnection, body: bytes) -> int:
    connection.request("POST", "/predict", body=body, headers=JSON_HEADERS)
    response = connection.getresponse()
    response.read()
    return response.status
