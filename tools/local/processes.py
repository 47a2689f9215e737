"""Small process helpers shared by the local servers and the emulator wrapper."""

from __future__ import annotations

import os
import signal
import socket
import subprocess

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


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
