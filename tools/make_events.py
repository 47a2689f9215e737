"""Regenerate events/: real API Gateway events with real canvas PNGs as bodies.

    python -m tools.make_events        (make events)

The envelopes come from ``sam local generate-event apigateway http-api-proxy``
(HTTP API, payload v2) and ``... aws-proxy`` (REST API, payload v1, stage "prod");
only path, method, headers and body are changed. The PNGs are drawn by Chromium's
own canvas with the page's settings (280x280, round brush 25, black on white) and
exported with ``toDataURL("image/png")``, exactly as the page does. Needs the SAM
venv (make sam) and Debian's chromium.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from tools.canvas import SIZE, STROKES, smooth_stroke
from tools.chromium import FLAGS as CHROMIUM_FLAGS

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
SAM = ROOT / ".venv" / "sam" / "bin" / "sam"
# Digits whose canvas PNGs become event bodies: (file stem, digit, body kind).
PREDICT_EVENTS = (("predict-json", 3, "json"), ("predict-png", 7, "png"))

_PAGE = """<!doctype html><html><body><pre id="out"></pre><script>
const drawings = %s;
const out = {};
for (const [name, strokes] of Object.entries(drawings)) {
  const canvas = document.createElement("canvas");
  canvas.width = %d; canvas.height = %d;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.lineWidth = 25;
  ctx.strokeStyle = "#000000";
  for (const stroke of strokes) {
    ctx.beginPath();
    ctx.moveTo(stroke[0][0], stroke[0][1]);
    for (const [x, y] of stroke.slice(1)) ctx.lineTo(x, y);
    ctx.stroke();
  }
  out[name] = canvas.toDataURL("image/png");
}
document.getElementById("out").textContent = JSON.stringify(out);
</script></body></html>"""


def chromium_canvas_pngs(digits: list[int]) -> dict[int, bytes]:
    """Each digit's strokes painted by a real browser canvas -> its PNG export."""
    browser = shutil.which("chromium")
    if browser is None:
        raise SystemExit("chromium not found: apt-get install -y chromium")
    drawings = {
        str(digit): [
            [(x * SIZE, y * SIZE) for x, y in smooth_stroke(keys)] for keys in STROKES[digit]
        ]
        for digit in digits
    }
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "canvas.html"
        page.write_text(_PAGE % (json.dumps(drawings), SIZE, SIZE), encoding="utf-8")
        dom = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [browser, *CHROMIUM_FLAGS, f"--user-data-dir={folder}/profile", "--dump-dom",
             page.as_uri()],
            check=True, capture_output=True, text=True, timeout=120,
        ).stdout  # fmt: skip
    payload = dom.split('<pre id="out">', 1)[1].split("</pre>", 1)[0]
    urls: dict[str, str] = json.loads(payload)
    return {int(name): base64.b64decode(url.split(",", 1)[1]) for name, url in urls.items()}


def sam_event(kind: str, *options: str) -> dict[str, Any]:
    output = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [str(SAM), "local", "generate-event", "apigateway", kind, *options],
        check=True, capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    event: dict[str, Any] = json.loads(output)
    return event


def http_api_event(method: str, path: str, content_type: str | None, body: bytes | None) -> Any:
    event = sam_event("http-api-proxy")
    event["rawPath"] = path
    event["rawQueryString"] = ""
    event["routeKey"] = f"{method} {path}"
    event["requestContext"]["routeKey"] = event["routeKey"]
    event["requestContext"]["http"].update(method=method, path=path)
    for key in ("cookies", "queryStringParameters", "pathParameters", "stageVariables"):
        event.pop(key, None)
    event["requestContext"].pop("authentication", None)
    event["requestContext"].pop("authorizer", None)
    event["headers"] = {"accept": "application/json", "host": event["requestContext"]["domainName"]}
    _set_body(event, content_type, body)
    return event


def rest_api_event(method: str, path: str, content_type: str | None, body: bytes | None) -> Any:
    event = sam_event("aws-proxy", "--stage", "prod", "--method", method, "--path", path[1:])
    event["resource"] = path
    event["requestContext"]["resourcePath"] = path
    event["pathParameters"] = None
    event["queryStringParameters"] = None
    event["multiValueQueryStringParameters"] = None
    headers = {"Accept": "application/json", "Host": event["headers"]["Host"]}
    if content_type:
        headers["Content-Type"] = content_type
    event["headers"] = headers
    event["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
    _set_body(event, None, body)
    return event


def _set_body(event: dict[str, Any], content_type: str | None, body: bytes | None) -> None:
    if content_type:
        event["headers"]["content-type"] = content_type
    if body is None:
        event["body"] = None
        event["isBase64Encoded"] = False
    elif body.startswith(b"{"):
        event["body"] = body.decode("utf-8")
        event["isBase64Encoded"] = False
    else:  # binary bodies reach Lambda base64-encoded
        event["body"] = base64.b64encode(body).decode("ascii")
        event["isBase64Encoded"] = True


def main() -> None:
    pngs = chromium_canvas_pngs([digit for _, digit, _ in PREDICT_EVENTS])
    EVENTS.mkdir(exist_ok=True)
    events: dict[str, Any] = {}
    for stem, digit, kind in PREDICT_EVENTS:
        png = pngs[digit]
        (EVENTS / f"canvas-{digit}.png").write_bytes(png)
        if kind == "json":
            url = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            body, content_type = json.dumps({"image": url}).encode(), "application/json"
        else:
            body, content_type = png, "image/png"
        events[f"http-v2-{stem}"] = http_api_event("POST", "/predict", content_type, body)
        events[f"rest-v1-{stem}"] = rest_api_event("POST", "/predict", content_type, body)
    for path in ("/health", "/model", "/docs", "/openapi.json"):
        stem = path.strip("/").replace(".", "-")
        events[f"http-v2-{stem}"] = http_api_event("GET", path, None, None)
        events[f"rest-v1-{stem}"] = rest_api_event("GET", path, None, None)
    for name, event in events.items():
        (EVENTS / f"{name}.json").write_text(json.dumps(event, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(events)} events and {len(pngs)} canvas PNGs to {EVENTS}")


if __name__ == "__main__":
    main()
