"""Small process helpers shared by the local servers and the emulator wrapper."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from types import TracebackType
from typing import Self

LOOPBACK = "127.0.0.1"


# Ports this process has handed out. A port is not bound until its server starts, so the
# kernel may offer it again meanwhile: a stack's gateway and its emulator once drew the same
# one, and every browser test behind them failed with "address already in use".
_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now and that this
    process has not handed out before."""
    while True:
        with socket.socket() as probe:
            probe.bind((LOOPBACK, 0))
            port: int = probe.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def http_status(url: str, timeout: float) -> int:
    """The HTTP status a GET of ``url`` answers (error statuses too, not raised)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code


def stop(process: subprocess.Popen[bytes] | None, group: bool = False) -> None:
    """Terminate, wait up to 10 s, then kill; ``group``: its whole process group.

    A group is for processes started with ``start_new_session=True`` that have
    children of their own (the emulator and its Python, SAM's front and its workers).
    """
    if process is None or process.poll() is not None:
        return

    def send(signal_number: signal.Signals) -> None:
        if group:
            os.killpg(process.pid, signal_number)
        else:
            process.send_signal(signal_number)

    send(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        process.wait(timeout=10)


def follow_logs(read: Callable[[], str], running: Callable[[], bool] = lambda: True) -> None:
    """Print what ``read()`` adds to its text every half second until Ctrl-C or not running."""
    shown = 0
    try:
        while running():
            text = read()
            if len(text) > shown:
                sys.stdout.write(text[shown:])
                sys.stdout.flush()
                shown = len(text)
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping")


class Service:
    """A server or stack that ``start()`` brings up and ``stop()`` takes down; ``with`` does
    both, then ``discard()`` removes the files it kept (logs, a work folder) for a caller
    to read after ``stop()``."""

    def start(self) -> object:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def discard(self) -> None:
        """What a ``with`` block leaves behind once stopped: nothing by default."""

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
        self.discard()
