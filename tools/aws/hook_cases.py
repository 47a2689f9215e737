"""Write hooks/pre_traffic/cases.json: the golden cases the pre-traffic hook checks.

    python -m tools.aws.hook_cases        (make hook-cases)

Each case is a real HTTP API (payload 2.0) event from events/, or one made from it, with the
answer every version must give: the canvas of a 3 and of a 7 (the digits `make events` drew),
a blank canvas (empty_canvas), bytes that are no image (invalid_image), /health and /model.
The hook ships as a zip of its own folder, so it carries this copy; tests/infra keeps it
equal to what this writes from events/.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

from tools.canvas import blank_png, data_url
from tools.make_events import EVENTS, PREDICT_EVENTS

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "hooks" / "pre_traffic" / "cases.json"


def load_event(stem: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / f"http-v2-{stem}.json").read_text("utf-8"))
    return loaded


def with_json_image(event: dict[str, Any], image: str) -> dict[str, Any]:
    changed = copy.deepcopy(event)
    changed["body"] = json.dumps({"image": image})
    changed["isBase64Encoded"] = False
    return changed


def build_cases() -> list[dict[str, Any]]:
    cases = [
        {
            "name": f"{stem}: the canvas of a {digit}",
            "event": load_event(stem),
            "expect": {"status": 200, "digit": digit},
        }
        for stem, digit, _ in PREDICT_EVENTS
    ]
    predict_json = load_event("predict-json")
    cases += [
        {
            "name": "a blank canvas",
            "event": with_json_image(predict_json, data_url(blank_png())),
            "expect": {"status": 422, "error": "empty_canvas"},
        },
        {
            "name": "bytes that are no image",
            "event": with_json_image(predict_json, data_url(b"not a png at all")),
            "expect": {"status": 400, "error": "invalid_image"},
        },
        {"name": "health", "event": load_event("health"), "expect": {"status": 200}},
        {"name": "model", "event": load_event("model"), "expect": {"status": 200}},
    ]
    return cases


def render() -> str:
    document = {
        "about": "Written from events/ by `make hook-cases` (tools/aws/hook_cases.py).",
        "cases": build_cases(),
    }
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


def main() -> int:
    CASES.write_text(render(), encoding="utf-8")
    print(f"{CASES.relative_to(ROOT)}: {len(build_cases())} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
