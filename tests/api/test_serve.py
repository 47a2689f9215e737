"""tools.local.serve: the Lambda app plus the page on one origin (what make run starts)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from fastapi.testclient import TestClient
from tests.function_support import ROOT

from tools.canvas import canvas_png
from tools.local.serve import build_local_app


def test_the_page_is_served_at_the_root_beside_the_api(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>digits</title>")
    (tmp_path / "config.js").write_text('export const API_BASE_URL = "";')
    with TestClient(build_local_app(tmp_path)) as client:
        page = client.get("/")
        assert page.status_code == 200 and "<title>digits</title>" in page.text
        assert client.get("/config.js").headers["content-type"].startswith("text/javascript")
        assert client.get("/health").json()["status"] == "ok"
        png = canvas_png(2)
        answer = client.post("/predict", content=png, headers={"content-type": "image/png"})
        assert answer.json()["digit"] == 2
        assert client.get("/missing.js").json()["error"] == "not_found"


def test_a_missing_page_folder_leaves_the_api_working(tmp_path: Path) -> None:
    with TestClient(build_local_app(tmp_path / "not-built-yet")) as client:
        assert client.get("/health").json()["status"] == "ok"
        assert client.get("/").json()["error"] == "not_found"


def test_make_run_serves_on_loopback_at_port(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "tools.local.serve"],
        cwd=ROOT,
        env={**os.environ, "PORT": str(port)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                    assert b'"status":"ok"' in answer.read()
                    break
            except OSError:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, "tools.local.serve did not answer in 30 s"
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
            assert b"<html" in page.read().lower()
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
