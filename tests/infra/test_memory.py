"""The template's memory floor against the function's real peak, under the emulator.

MemorySize's MinValue (and so the default above it) must clear the peak RSS of the function
handling the largest image its limits admit: Lambda stops a function that outgrows its memory.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from tests.infra.cfn import Evaluator, load_template

from tools.canvas import data_url
from tools.lambda_runtime import LambdaRuntime

pytestmark = [pytest.mark.lambda_runtime, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
# Lambda's "Max Memory Used" counts more than the process's resident set (the runtime's
# own share, page cache of the image): keep a quarter of the floor for it.
HEADROOM = 1.25


def largest_admitted_png(side: int, max_body: int) -> bytes:
    image = Image.new("RGBA", (side, side), (255, 255, 255, 255))
    ImageDraw.Draw(image).line(
        [(side * 0.55, side * 0.2), (side * 0.5, side * 0.8)], fill=(0, 0, 0, 255), width=side // 12
    )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    png = out.getvalue()
    assert len(base64.b64encode(png)) + 64 <= max_body, "the test image must be admitted"
    return png


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    (line,) = [entry for entry in status if entry.startswith("VmHWM:")]
    return int(line.split()[1]) / 1024


def test_memory_floor_clears_the_peak_of_the_largest_admitted_image() -> None:
    template = load_template()
    variables = Evaluator(template).resources()["DigitFunction"]["Properties"]["Environment"][
        "Variables"
    ]
    env = {k: v.removeprefix("/var/task/") for k, v in variables.items()}
    png = largest_admitted_png(int(env["MAX_IMAGE_SIDE"]), int(env["MAX_BODY_BYTES"]))
    event = json.loads((ROOT / "events" / "http-v2-predict-json.json").read_text())
    event.update(body=json.dumps({"image": data_url(png)}), isBase64Encoded=False)
    with LambdaRuntime(env=env) as runtime:
        answer = runtime.invoke(event, timeout=120)
        assert answer["statusCode"] == 200, str(answer)[:300]
        assert json.loads(answer["body"])["digit"] == 1
        # This runtime's own emulator: other stacks (the page's tests) may be running too.
        (function,) = children(runtime.emulator_pid)
        peak = peak_rss_mb(function)
    memory = template["Parameters"]["MemorySize"]
    assert peak * HEADROOM < memory["MinValue"] <= memory["Default"], f"peak {peak:.0f} MB"
    assert peak > 100  # the image was really decoded at full size
