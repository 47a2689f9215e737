"""``make run``: the Lambda app and the page on one origin, http://127.0.0.1:$PORT.

    python -m tools.local.serve          (PORT=8000 by default; loopback only)

The API is the very app the Lambda handler wraps (same routes, errors, logs); the
page from frontend_static/ is mounted at "/" after the API's routes, so /predict,
/health, /model and /docs win and every other path is a static file. The page's
config.js leaves API_BASE_URL empty, meaning "same origin": no CORS needed.
"""

from __future__ import annotations

import gc
import logging
import os
from pathlib import Path

# As in digits/handler.py: no garbage collection while importing and building the app.
gc.disable()

# One BLAS thread, as in the Lambda handler (see digits/handler.py), before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from fastapi import FastAPI  # noqa: E402 - imported with the collector off, on purpose
from starlette.staticfiles import StaticFiles  # noqa: E402 - imported with the collector off, on purpose

from digits.app import create_app  # noqa: E402 - imported with the collector off, on purpose

# Frozen first: re-enabling would otherwise start with a full collection of all of the
# above (~25 ms). Importers of build_local_app (tests) get their collector back.
gc.freeze()
gc.enable()

STATIC_DIR = Path(__file__).resolve().parents[2] / "frontend_static"
HOST = "127.0.0.1"

logger = logging.getLogger("digits.serve")


def build_local_app(static_dir: Path = STATIC_DIR) -> FastAPI:
    """The Lambda app plus the static page at "/" (skipped, with a warning, if absent)."""
    app = create_app()
    if static_dir.is_dir():
        app.mount("/", StaticFiles(directory=static_dir, html=True), name="page")
    else:
        logger.warning("no page to serve: %s does not exist; the API still works", static_dir)
    return app


def main() -> None:
    import uvicorn

    port = int(os.environ.get("PORT", "8000"))
    gc.disable()
    app = build_local_app()
    gc.freeze()
    gc.enable()
    # access_log off: the app already writes one JSON line per request.
    uvicorn.run(app, host=HOST, port=port, access_log=False, log_level="warning")


if __name__ == "__main__":
    main()
