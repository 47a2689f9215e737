"""tools.local.processes: the helpers the local stacks start their servers with."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tools.local import processes


class RepeatingKernel:
    """A socket whose bind to port 0 gets these ports in turn, as a kernel may offer a port
    again once the probe that drew it is closed."""

    def __init__(self, ports: Iterator[int]) -> None:
        self._ports = ports
        self._port = 0

    def __enter__(self) -> RepeatingKernel:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def bind(self, address: tuple[str, int]) -> None:
        self._port = next(self._ports)

    def getsockname(self) -> tuple[str, int]:
        return (processes.LOOPBACK, self._port)


def test_free_port_never_hands_out_a_port_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    # A gateway and its emulator once drew the same port: both servers were told to bind it.
    offered = iter([41001, 41001, 41001, 41002])
    monkeypatch.setattr(processes, "_HANDED_OUT", set())
    fake: Any = lambda *args, **kwargs: RepeatingKernel(offered)  # noqa: E731
    monkeypatch.setattr(processes.socket, "socket", fake)
    assert [processes.free_port(), processes.free_port()] == [41001, 41002]


def test_free_port_gives_a_port_nothing_listens_on() -> None:
    port = processes.free_port()
    with socket.socket() as server:
        server.bind((processes.LOOPBACK, port))  # would raise if something held it
        server.listen()
    assert port != processes.free_port()
