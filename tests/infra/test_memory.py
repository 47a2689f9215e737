"""The template's memory floor against the function's real peak, under the emulator.

MemorySize's MinValue (and so the default above it) must clear the peak RSS of the function
handling the largest image its limits admit: Lambda stops a function that outgrows its memory.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.infra.cfn import Evaluator, load_template
from tests.support.process_memory import children, peak_kib

from tools.canvas import data_url, largest_admitted_png
from tools.local.lambda_runtime import LambdaRuntime

pytestmark = [pytest.mark.lambda_runtime, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
# Lambda's "Max Memory Used" counts more than the process's resident set (the runtime's
# own share, page cache of the image): keep a quarter of the floor for it.
HEADROOM = 1.25


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
        peak = peak_kib(function) / 1024
    memory = template["Parameters"]["MemorySize"]
    assert peak * HEADROOM < memory["MinValue"] <= memory["Default"], f"peak {peak:.0f} MB"
    assert peak > 100  # the image was really decoded at full size
