"""Trained scikit-learn MLPs (and the feature layer) -> the shipped numpy bundle and its JSON."""

from __future__ import annotations

import json
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import numpy.typing as npt
import sklearn
from sklearn.neural_network import MLPClassifier

from digits.inference.features import PatchFeatures
from digits.inference.model import BUNDLE_FORMAT, MlpEnsemble, sha256_of
from digits.inference.network import Network
from digits.reading.preprocess import CENTRE, FIT, INK_THRESHOLD, MIN_CONTRAST, MIN_EXTENT, SIZE

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
# The shipped model's reference: its recipe with six writers held out (make train-reference).
REFERENCE_DIR = MODELS_DIR / "reference"
MODEL_NAME = "digit_model_28"


def ensemble_from_sklearn(
    estimators: Sequence[MLPClassifier],
    features: PatchFeatures | None = None,
    mean: npt.NDArray[np.float32] | None = None,
    scale: npt.NDArray[np.float32] | None = None,
) -> MlpEnsemble:
    """The numpy twin of the estimators' forward passes (network_from_sklearn)."""
    networks = [digit_network_from_sklearn(estimator, mean, scale) for estimator in estimators]
    return MlpEnsemble(tuple(networks), features)


def digit_network_from_sklearn(
    estimator: MLPClassifier,
    mean: npt.NDArray[np.float32] | None = None,
    scale: npt.NDArray[np.float32] | None = None,
) -> Network:
    """One digit network's numpy twin; its estimator must know all ten digits."""
    if [int(c) for c in estimator.classes_] != list(range(10)):
        raise ValueError("the estimator must be trained on all ten digits, 0-9")
    return network_from_sklearn(estimator, mean, scale)


def network_from_sklearn(
    estimator: MLPClassifier,
    mean: npt.NDArray[np.float32] | None = None,
    scale: npt.NDArray[np.float32] | None = None,
) -> Network:
    """The numpy twin of scikit-learn's forward pass (ReLU hidden layers, softmax out).

    A network trained on standardised inputs, (x - mean) / scale, gets the
    standardisation folded into its first layer, so serving feeds x as it is.
    """
    if estimator.activation != "relu" or estimator.out_activation_ != "softmax":
        raise ValueError("only ReLU MLPs with a softmax output can be exported")
    weights = [np.asarray(w, dtype=np.float64) for w in estimator.coefs_]
    biases = [np.asarray(b, dtype=np.float64) for b in estimator.intercepts_]
    if mean is not None and scale is not None:
        first = weights[0] / scale.astype(np.float64)[:, None]
        biases[0] = biases[0] - mean.astype(np.float64) @ first
        weights[0] = first
    return Network(
        weights=tuple(w.astype(np.float32) for w in weights),
        biases=tuple(b.astype(np.float32) for b in biases),
    )


def write_model(
    ensemble: MlpEnsemble,
    training: dict[str, Any],
    metrics: dict[str, Any],
    calibration: dict[str, Any] | None = None,
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
            "preprocessing": "digits.reading.preprocess.preprocess",
            "fit_box": FIT,
            "centre_of_mass": CENTRE,
            "ink_threshold": INK_THRESHOLD,
            "min_contrast": MIN_CONTRAST,
            "min_extent": MIN_EXTENT,
        },
        "features": _describe_features(ensemble.features),
        # Mixed views (bundle format 7): the second layer, and which networks read it.
        "other_features": _describe_features(ensemble.other_features),
        "reads_other": list(ensemble.reads_other),
        "architecture": [[int(w.shape[0]), int(w.shape[1])] for w in ensemble.networks[0].weights],
        "networks": len(ensemble.networks),
        "temperature": ensemble.temperature,
        "calibration": calibration or {},
        "training": training,
        "metrics": metrics,
    }
    metadata_path = models_dir / f"{MODEL_NAME}.json"
    metadata_path.write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
    return model_path


def _describe_features(features: PatchFeatures | None) -> dict[str, Any] | None:
    if features is None:
        return None
    return {
        "kind": "k-means patch filters, soft threshold, sum pooling (digits.inference.features)",
        "filters": int(features.filters.shape[1]),
        "patch": features.patch,
        "grid": features.grid,
        "second_grid": features.second_grid,
        "deskew": features.deskew,
        "upper": None
        if features.upper is None
        else {"filters": int(features.upper.filters.shape[1]), "grid": features.upper.grid},
        "outputs": features.size,
    }
