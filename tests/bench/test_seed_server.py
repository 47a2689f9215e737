"""The benchmark's reference: the seed's server rebuilt from the seed document, started and
measured exactly as ours is, and the goals judged from the figures."""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import joblib
import numpy as np
import pytest
from bench.benchmark_function import GOALS, by_size, json_body, ratios
from fastapi.testclient import TestClient
from sklearn.svm import SVC

from bench import servers
from tools.canvas import canvas_png, data_url

SEED_DOCUMENT = Path(__file__).resolve().parents[3] / "shared" / "seed"


@pytest.fixture(scope="module")
def seed_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny SVC in the seed's format: 784 values in 0-255, digits 0-9 (not its accuracy)."""
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, size=(30, 784)).astype(np.float32)
    path = tmp_path_factory.mktemp("seed") / "digit_model_28.joblib"
    joblib.dump(SVC().fit(pixels, np.arange(30) % 10), path)
    return path


@pytest.fixture
def seed_app(seed_model: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("SEED_MODEL", str(seed_model))
    monkeypatch.delitem(sys.modules, "bench.seed.app", raising=False)
    return importlib.import_module("bench.seed.app")


def test_the_seed_app_is_the_seed_documents_code(seed_app: ModuleType) -> None:
    """Every function of the seed's request path is the document's, character for character
    (whitespace aside: the document's code lost its indentation)."""
    documents = sorted(SEED_DOCUMENT.glob("*.txt"))
    if not documents:
        pytest.skip(f"the seed document is not beside the checkout ({SEED_DOCUMENT})")
    document = re.sub(r"\s+", "", documents[0].read_text(encoding="utf-8"))
    functions = (
        "center_by_mass_np", "preprocess_canvas_png_to_28x28", "_resolve_model_path",
        "load_model", "debug_print_image_28", "predict_digit_from_data_url", "predict_digit",
    )  # fmt: skip
    for name in functions:
        # Our only additions are suppression comments, which the document does not have.
        source = re.sub(r"\s+#\s*noqa[^\n]*", "", inspect.getsource(getattr(seed_app, name)))
        source = re.sub(r"\s+", "", source)
        assert source in document, name


def test_the_seed_app_answers_as_the_seed_did(seed_app: ModuleType, capsys: Any) -> None:
    client = TestClient(seed_app.app)
    answer = client.post("/predict", json={"image": data_url(canvas_png(7, variant=2))})
    assert answer.status_code == 200
    assert set(answer.json()) == {"digit"} and 0 <= answer.json()["digit"] <= 9
    assert "[AI가 인식한 28x28 이미지 데이터]" in capsys.readouterr().out  # its per-request print
    # The seed answers 400 with the exception's own text for a broken image.
    broken = client.post("/predict", json={"image": "data:image/png;base64,AAAA"})
    assert broken.status_code == 400 and "detail" in broken.json()


@pytest.mark.slow
def test_both_servers_start_and_answer_the_same_requests(seed_model: Path) -> None:
    bodies = [json_body(canvas_png(digit, variant=1, size=size)) for digit, size in
              ((1, 280), (4, 400), (8, 560))]  # fmt: skip
    for server in (servers.ours(), servers.seed(seed_model)):
        cold = servers.time_to_first_answer(server, bodies[0])
        assert 0.05 < cold < 60, server.name
        latencies, per_second = servers.sequential(server, bodies, limit=6, seconds=30)
        assert len(latencies) == 6 and min(latencies) > 0 and per_second > 0, server.name


def test_a_server_that_cannot_start_is_reported_not_waited_for() -> None:
    broken = servers.Server("broken", (sys.executable, "-c", "raise SystemExit(3)"), {})
    with pytest.raises(RuntimeError, match="exited with 3"):
        servers.time_to_first_answer(broken, b"{}", timeout=20)


def test_figures_are_grouped_by_canvas_size_and_judged_against_the_goals() -> None:
    grouped = by_size([280, 400, 280, 400, 280], [1.0, 3.0, 2.0, 5.0, 4.0])
    assert grouped["280"] == {"p50_ms": 2.0, "p99_ms": 4.0}
    assert grouped["400"]["p99_ms"] == 5.0 and grouped["mixed"]["p50_ms"] == 3.0
    fast = {"p50_ms": 2.0, "p99_ms": 3.0}
    results = {
        "warm": {"p50_ms": 1.9},
        "versus_seed": {
            "in_process": {"ours": {"280": {"p50_ms": 1.5}, "560": {"p50_ms": 3.5}}},
            "http": {
                "ours": {"mixed": fast, "per_second": 400.0},
                "seed": {"mixed": {"p50_ms": 20.0, "p99_ms": 30.0}, "per_second": 45.0},
            },
            "cold_start_s": {"ours": 0.45, "seed": 1.5},
        },
    }
    judged = ratios(results)
    assert judged["goals"] == GOALS
    assert judged["figures"]["http_p50_ratio"] == 0.1 and judged["met"]["http_p50_ratio"]
    assert judged["met"]["per_second_ratio"] and judged["met"]["cold_start_ratio"]
    assert judged["met"]["handler_p50_ms"]
    assert not judged["met"]["in_process_p50_ms"]  # 3.5 ms at 560 px is over 3 ms
