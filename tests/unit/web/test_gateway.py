"""The stage prefix API Gateway adds, found in the event (never hard-coded)."""

from __future__ import annotations

from typing import Any

import pytest

from digits.web.gateway import apply_root_path, gateway_prefix


def rest(path: str, full: str) -> dict[str, Any]:
    return {"path": path, "httpMethod": "GET", "requestContext": {"stage": "prod", "path": full}}


def http(raw_path: str, stage: str) -> dict[str, Any]:
    return {"version": "2.0", "rawPath": raw_path, "requestContext": {"stage": stage}}


@pytest.mark.parametrize(
    ("event", "prefix"),
    [
        (rest("/docs", "/prod/docs"), "/prod"),
        (rest("/", "/prod/"), "/prod"),
        (rest("/", "/prod"), "/prod"),
        (rest("/docs", "/docs"), ""),  # custom domain, no base path
        (rest("/docs", "/api/v1/docs"), "/api/v1"),  # custom domain with a base path
        (rest("/docs", "/other"), ""),
        (http("/docs", "$default"), ""),
        (http("/dev/docs", "dev"), "/dev"),
        (http("/dev", "dev"), "/dev"),
        (http("/docs", "dev"), ""),
        (http("/development/docs", "dev"), ""),
        (None, ""),
        ({"path": "/x"}, ""),
        ({"requestContext": {"path": 3}, "path": "/x"}, ""),
    ],
)
def test_the_prefix_is_what_the_client_used_before_the_apis_own_path(
    event: Any, prefix: str
) -> None:
    assert gateway_prefix(event) == prefix


def test_root_path_is_set_and_path_keeps_it_as_asgi_expects() -> None:
    scope: dict[str, Any] = {
        "path": "/docs",
        "root_path": "",
        "aws.event": rest("/docs", "/prod/docs"),
    }
    apply_root_path(scope)
    assert (scope["root_path"], scope["path"]) == ("/prod", "/prod/docs")
    named: dict[str, Any] = {
        "path": "/dev/docs",
        "root_path": "",
        "aws.event": http("/dev/docs", "dev"),
    }
    apply_root_path(named)
    assert (named["root_path"], named["path"]) == ("/dev", "/dev/docs")


def test_without_an_event_nothing_changes() -> None:
    scope: dict[str, Any] = {"path": "/docs", "root_path": ""}
    apply_root_path(scope)
    assert scope == {"path": "/docs", "root_path": ""}
