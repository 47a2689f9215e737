"""The predictor: loaded once with its metadata, or degraded with one clear log line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tests.function_support import settings_for, tiny_model

from digits.errors import ModelUnavailable
from digits.inference.model import sha256_of
from digits.inference.predictor import load_predictor
from digits.web.observability import configure_logging


def logged(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_a_model_loads_with_its_metadata(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO")
    predictor = load_predictor(settings_for(tiny_model(tmp_path, version="v-42")))
    assert predictor.ready and predictor.version == "v-42" and predictor.problem is None
    assert predictor.metadata["name"] == "tiny_model"
    [line] = logged(capsys)
    assert line["message"] == "model loaded" and line["model_version"] == "v-42"


def test_without_metadata_the_version_comes_from_the_content(tmp_path: Path) -> None:
    model = tiny_model(tmp_path, metadata=False)
    predictor = load_predictor(settings_for(model))
    assert predictor.version == f"sha256-{sha256_of(model)[:12]}"
    assert predictor.metadata["sha256"] == sha256_of(model)


def test_a_prediction_has_ten_probabilities_and_the_top_digit(tmp_path: Path) -> None:
    predictor = load_predictor(settings_for(tiny_model(tmp_path)))
    pixels = np.random.default_rng(1).random((28, 28), dtype=np.float32)
    prediction = predictor.predict(pixels)
    assert len(prediction.probabilities) == 10
    assert abs(sum(prediction.probabilities) - 1) < 1e-4
    assert prediction.digit == int(np.argmax(prediction.probabilities))
    assert prediction.confidence == max(prediction.probabilities)


@pytest.mark.parametrize(("threshold", "uncertain"), [(0.0, False), (1.0, True)])
def test_uncertain_follows_the_threshold(tmp_path: Path, threshold: float, uncertain: bool) -> None:
    predictor = load_predictor(settings_for(tiny_model(tmp_path), uncertain_below=threshold))
    assert predictor.predict(np.zeros((28, 28), np.float32)).uncertain is uncertain


@pytest.mark.parametrize("content", [None, b"", b"not a pickle at all", b"\x80\x04K\x01."])
def test_a_missing_or_corrupt_model_degrades_with_one_log_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None
) -> None:
    configure_logging("INFO")
    path = tmp_path / "model.joblib"
    if content is not None:
        path.write_bytes(content)
    predictor = load_predictor(settings_for(path))
    assert not predictor.ready and predictor.version is None
    assert predictor.problem and str(path) in predictor.problem
    [line] = logged(capsys)
    assert line["level"] == "ERROR" and line["message"].startswith("model unavailable")
    with pytest.raises(ModelUnavailable):
        predictor.predict(np.zeros((28, 28), np.float32))


def test_without_uncertain_below_the_models_calibrated_threshold_applies(tmp_path: Path) -> None:
    model = tiny_model(tmp_path)
    info = json.loads(model.with_suffix(".json").read_text())
    info["calibration"] = {"uncertain_below": 0.87}
    model.with_suffix(".json").write_text(json.dumps(info))
    assert load_predictor(settings_for(model)).uncertain_below == 0.87
    # An explicit UNCERTAIN_BELOW still wins; a model without calibration gets 0.6.
    assert load_predictor(settings_for(model, uncertain_below=0.3)).uncertain_below == 0.3
    plain = tiny_model(tmp_path / "plain" if (tmp_path / "plain").mkdir() is None else tmp_path)
    assert load_predictor(settings_for(plain)).uncertain_below == 0.6
