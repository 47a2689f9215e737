"""The seed's backend as the seed post prints it, in one module (reference only).

    SEED_MODEL=build/seed/digit_model_28.joblib uvicorn bench.seed.app:app

The post's files are backend/app/{main.py, core/config.py, services/inference.py,
services/image_preprocessing.py, api/routes/predict.py, schemas/prediction.py}; here
they follow one another in that data flow's order, each marked, with the code as
printed. One change, outside the request path: the model path comes from
SEED_MODEL (the post's backend/models/ folder does not exist here). The per-request
prints (the 28x28 as text, the value range, the top-3 scores) are kept: they are
part of what the seed's server does for every request.
"""
# The seed's code as printed, its int(round(...)) included:
# ruff: noqa: RUF046

from __future__ import annotations

import base64
import io
import os
from pathlib import Path

import joblib
import numpy as np
from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from PIL import Image, ImageFilter, ImageOps
from pydantic import BaseModel

# --- app/core/config.py ---------------------------------------------------------------
MODEL_PATH = Path(os.environ.get("SEED_MODEL", "build/seed/digit_model_28.joblib"))
LEGACY_MODEL_PATH = MODEL_PATH


# --- app/services/image_preprocessing.py ----------------------------------------------
def center_by_mass_np(data: np.ndarray) -> np.ndarray:
    """
    질량 중심(centroid)을 이미지 중앙(13.5, 13.5)에 가깝게 이동.
    SciPy 없이 numpy만으로 shift 구현.
    """
    ys, xs = np.indices(data.shape)
    total = float(data.sum())
    if total <= 0:
        return data
    cy = float((ys * data).sum() / total)
    cx = float((xs * data).sum() / total)
    target = (data.shape[0] - 1) / 2.0
    shift_y = int(round(target - cy))
    shift_x = int(round(target - cx))
    out = np.zeros_like(data)
    height, width = data.shape
    y0_src = max(0, -shift_y)
    y1_src = min(height, height - shift_y)
    x0_src = max(0, -shift_x)
    x1_src = min(width, width - shift_x)
    y0_dst = max(0, shift_y)
    y1_dst = min(height, height + shift_y)
    x0_dst = max(0, shift_x)
    x1_dst = min(width, width + shift_x)
    out[y0_dst:y1_dst, x0_dst:x1_dst] = data[y0_src:y1_src, x0_src:x1_src]
    return out


def preprocess_canvas_png_to_28x28(img: Image.Image) -> np.ndarray:
    """
    캔버스 PNG를 MNIST 스타일 28x28 grayscale 배열로 전처리.
    """
    img = img.convert("L")
    img = ImageOps.invert(img)
    arr = np.asarray(img)
    mask = arr > 30
    if mask.any():
        ys, xs = np.where(mask)
        x0, x1 = xs.min(), xs.max()
        y0, y1 = ys.min(), ys.max()
        box_width = int(x1 - x0 + 1)
        box_height = int(y1 - y0 + 1)
        pad = int(0.35 * max(box_width, box_height))
        x0 = max(0, x0 - pad)
        y0 = max(0, y0 - pad)
        x1 = min(arr.shape[1] - 1, x1 + pad)
        y1 = min(arr.shape[0] - 1, y1 + pad)
        img = img.crop((x0, y0, x1 + 1, y1 + 1))
    width, height = img.size
    side = max(width, height)
    square = Image.new("L", (side, side), 0)
    square.paste(img, ((side - width) // 2, (side - height) // 2))
    img = square
    img = img.resize((56, 56), Image.Resampling.LANCZOS)
    img = img.filter(ImageFilter.MaxFilter(size=3))
    img = img.filter(ImageFilter.MinFilter(size=3))
    img = img.filter(ImageFilter.GaussianBlur(radius=0.4))
    img = img.resize((28, 28), Image.Resampling.LANCZOS)
    data = np.asarray(img).astype(np.float32)
    return center_by_mass_np(data)


# --- app/services/inference.py ----------------------------------------------------------
def _resolve_model_path() -> Path:
    for candidate in (MODEL_PATH, LEGACY_MODEL_PATH):
        if candidate.exists():
            return candidate
    raise RuntimeError(
        "Model file not found. Run `python scripts/train_model_28.py` to create "
        f"`{MODEL_PATH.name}`."
    )


def load_model():
    model_path = _resolve_model_path()
    try:
        return joblib.load(model_path)
    except Exception as exc:
        raise RuntimeError(f"Error loading model from {model_path}: {exc}") from exc


model = load_model()


def debug_print_image_28(data_28: np.ndarray) -> None:
    """
    28x28 데이터를 터미널에 대략 시각화.
    """
    print("\n[AI가 인식한 28x28 이미지 데이터]\n")
    for row in data_28:
        line = ""
        for value in row:
            if value > 180:
                line += "##"
            elif value > 50:
                line += ".."
            else:
                line += " "
        print(line)
    print("\n" + "-" * 40)


def predict_digit_from_data_url(data_url: str) -> int:
    _, encoded = data_url.split(",", 1)
    image_data = base64.b64decode(encoded)
    img = Image.open(io.BytesIO(image_data))
    data_28 = preprocess_canvas_png_to_28x28(img)
    debug_print_image_28(data_28)
    values = data_28.flatten().reshape(1, -1)
    print(
        "X range:",
        float(values.min()),
        float(values.max()),
        "mean:",
        float(values.mean()),
    )
    try:
        scores = model.decision_function(values)[0]
        top = np.argsort(scores)[::-1][:3]
        print("top3 scores:", [(int(i), float(scores[i])) for i in top])
    except Exception:  # noqa: S110 - the seed's own code, kept as printed
        pass
    prediction = model.predict(values)[0]
    return int(prediction)


# --- app/schemas/prediction.py ----------------------------------------------------------
class ImageRequest(BaseModel):
    image: str


class PredictionResponse(BaseModel):
    digit: int


# --- app/api/routes/predict.py ----------------------------------------------------------
router = APIRouter()


@router.post("/predict", response_model=PredictionResponse)
async def predict_digit(request: ImageRequest) -> PredictionResponse:
    try:
        digit = predict_digit_from_data_url(request.image)
        return PredictionResponse(digit=digit)
    except Exception as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from exc


# --- app/main.py --------------------------------------------------------------------------
app = FastAPI()
app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_methods=["*"],
    allow_headers=["*"],
)
predict_router = router
app.include_router(predict_router)
