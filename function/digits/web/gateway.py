"""The URL prefix API Gateway put in front of the API (its stage), as ASGI's root_path.

Mangum (0.22) always passes ``root_path=""``, so behind a REST API stage the docs
page would fetch ``/openapi.json`` instead of ``/prod/openapi.json``. The prefix is
in the event Mangum leaves in the scope; nothing is hard-coded, so the same app
serves a stage, a custom domain's base path, an HTTP API ``$default`` stage and a
local server alike.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any


def gateway_prefix(event: Any) -> str:
    """The path prefix the client used before the API's own paths ("" if none)."""
    if not isinstance(event, dict):
        return ""
    context = event.get("requestContext")
    if not isinstance(context, dict):
        return ""
    if event.get("version") == "2.0":
        # HTTP API: rawPath keeps a named stage's prefix; $default has none.
        stage = context.get("stage")
        raw_path = event.get("rawPath")
        if not isinstance(stage, str) or not isinstance(raw_path, str) or stage == "$default":
            return ""
        prefix = f"/{stage}"
        return prefix if raw_path == prefix or raw_path.startswith(prefix + "/") else ""
    # REST API: requestContext.path is what the client asked for (/prod/docs, or a custom
    # domain's /base/docs), event.path the API's own path (/docs).
    full, own = context.get("path"), event.get("path")
    if not isinstance(full, str) or not isinstance(own, str) or not own.startswith("/"):
        return ""
    if own == "/":
        return full.rstrip("/")
    return full[: -len(own)].rstrip("/") if full.endswith(own) else ""


def apply_root_path(scope: MutableMapping[str, Any]) -> None:
    """Set root_path from the gateway event; path then includes it, as ASGI expects."""
    prefix = gateway_prefix(scope.get("aws.event"))
    if not prefix:
        return
    scope["root_path"] = prefix
    path = scope["path"]
    if path != prefix and not path.startswith(prefix + "/"):
        scope["path"] = prefix + path
