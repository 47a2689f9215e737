"""Trained scikit-learn MLPs -> the shipped numpy bundle and its metadata JSON."""

from __future__ import annotations

import json
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.neural_network import MLPClassifier

from digits.model import BUNDLE_FORMAT, MlpEnsemble, Network, sha256_of
from digits.preprocess import CENTRE, FIT, INK_THRESHOLD, MIN_CONTRAST, MIN_EXTENT, SIZE

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
MODEL_NAME = "digit_model_28"


def ensemble_from_sklearn(estimators: Sequence[MLPClassifier]) -> MlpEnsemble:
    """The numpy twin of scikit-learn's forward pass (ReLU hidden layers, softmax out)."""
    networks = []
    for estimator in estimators:
        if estimator.activation != "relu" or estimator.out_activation_ != "softmax":
            raise ValueError("only ReLU MLPs with a softmax output can be exported")
        if [int(c) for c in estimator.classes_] != list(range(10)):
            raise ValueError("the estimator must be trained on all ten digits, 0-9")
        networks.append(
            Network(
                weights=tuple(np.asarray(w, dtype=np.float32) for w in estimator.coefs_),
                biases=tuple(np.asarray(b, dtype=np.float32) for b in estimator.intercepts_),
            )
        )
    return MlpEnsemble(tuple(networks))


def write_model(
    ensemble: MlpEnsemble,
    training: dict[str, Any],
    metrics: dict[str, Any],
    models_dir: Path = MODELS_DIR,
) -> Path:
    """Write <name>.joblib and <name>.json; the JSON pins the file's sha256."""
    models_dir.mkdir(parents=True, exist_ok=True)
    model_path = models_dir / f"{MODEL_NAME}.joblib"
    # Uncompressed: float weights barely compress, and zlib would add ~80 ms to cold start.
    joblib.dump(ensemble.to_bundle(), model_path)
    created = datetime.now(UTC)
    digest = sha256_of(model_path)
    metadata = {
        "name": MODEL_NAME,
        "version": f"{created:%Y-%m-%d}-{digest[:8]}",
        "sha256": digest,
        "format": BUNDLE_FORMAT,
        "created": created.isoformat(timespec="seconds"),
        "size_bytes": model_path.stat().st_size,
        "libraries": {
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "input": {
            "shape": [SIZE, SIZE],
            "range": [0.0, 1.0],
            "polarity": "ink = 1.0 on a background of 0.0",
            "preprocessing": "digits.preprocess.preprocess",
            "fit_box": FIT,
            "centre_of_mass": CENTRE,
            "ink_threshold": INK_THRESHOLD,
            "min_contrast": MIN_CONTRAST,
            "min_extent": MIN_EXTENT,
        },
        "architecture": [[int(w.shape[0]), int(w.shape[1])] for w in ensemble.networks[0].weights],
        "networks": len(ensemble.networks),
        "training": training,
        "metrics": metrics,
    }
    metadata_path = models_dir / f"{MODEL_NAME}.json"
    metadata_path.write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
    return model_path
