"""Driving the canvas page like a person: mouse, finger or pen along stroke paths."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager

from PIL import Image
from playwright.sync_api import FloatRect, Page, Request, Route
from tests.frontend.handwriting import SAMPLES, Point, Sample, polylines

Strokes = Sequence[Sequence[Point]]
# The open_page fixture: open_page(**browser_context_options) -> a loaded page.
OpenPage = Callable[..., Page]
# A stack's context manager, `with server(**env) as origin:` (local_server, lambda_local_server).
ServerFactory = Callable[..., AbstractContextManager[str]]


def canvas_box(page: Page) -> FloatRect:
    box = page.get_by_test_id("canvas").bounding_box()
    assert box is not None, "the canvas is not on screen"
    return box


def _screen(box: FloatRect, point: Point) -> tuple[float, float]:
    """A point of the unit box -> CSS pixels on the page, wherever the canvas is."""
    return box["x"] + point[0] * box["width"], box["y"] + point[1] * box["height"]


def draw_with_mouse(page: Page, strokes: Strokes) -> None:
    box = canvas_box(page)
    for stroke in strokes:
        page.mouse.move(*_screen(box, stroke[0]))
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(*_screen(box, point))
        page.mouse.up()


def draw_with_touch(page: Page, strokes: Strokes) -> None:
    """Real touch input through the DevTools protocol (needs a has_touch context)."""
    box = canvas_box(page)
    cdp = page.context.new_cdp_session(page)
    try:
        for stroke in strokes:
            for index, point in enumerate(stroke):
                x, y = _screen(box, point)
                kind = "touchStart" if index == 0 else "touchMove"
                cdp.send(
                    "Input.dispatchTouchEvent",
                    {
                        "type": kind,
                        "touchPoints": [{"x": x, "y": y, "id": 1, "radiusX": 4, "radiusY": 4}],
                    },
                )
            cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    finally:
        cdp.detach()


def draw_with_pen(page: Page, strokes: Strokes) -> None:
    """A stylus: mouse events the browser reports with pointerType "pen"."""
    box = canvas_box(page)
    cdp = page.context.new_cdp_session(page)

    def send(kind: str, point: Point, buttons: int) -> None:
        x, y = _screen(box, point)
        cdp.send(
            "Input.dispatchMouseEvent",
            {
                "type": kind,
                "x": x,
                "y": y,
                "button": "left" if kind != "mouseMoved" or buttons else "none",
                "buttons": buttons,
                "clickCount": 1 if kind != "mouseMoved" else 0,
                "pointerType": "pen",
                "force": 0.5,
            },
        )

    try:
        for stroke in strokes:
            send("mouseMoved", stroke[0], 0)
            send("mousePressed", stroke[0], 1)
            for point in stroke[1:]:
                send("mouseMoved", point, 1)
            send("mouseReleased", stroke[-1], 0)
    finally:
        cdp.detach()


def draw_sample(page: Page, sample: Sample, how: str = "mouse") -> None:
    strokes = polylines(sample)
    {"mouse": draw_with_mouse, "touch": draw_with_touch, "pen": draw_with_pen}[how](page, strokes)


def line(start: Point, end: Point, count: int = 12) -> list[Point]:
    """A straight stroke as a person drags it: many small moves."""
    return [
        (start[0] + (end[0] - start[0]) * i / count, start[1] + (end[1] - start[1]) * i / count)
        for i in range(count + 1)
    ]


def is_predict(request: Request) -> bool:
    return request.method == "POST" and request.url.endswith("/predict")


def sent_image(request: Request) -> Image.Image:
    """The PNG the page posted, decoded."""
    body = json.loads(request.post_data or "{}")
    header, _, encoded = body["image"].partition(",")
    assert header == "data:image/png;base64", header
    image = Image.open(io.BytesIO(base64.b64decode(encoded)))
    image.load()
    return image


def feedback_switched_on(page: Page) -> None:
    """/health as an API that collects feedback answers it (the real answer, feedback on).

    Install before the page loads: the page asks /health once, at start.
    """

    def health(route: Route) -> None:
        answer = route.fetch()
        route.fulfill(response=answer, json={**answer.json(), "feedback": True})

    page.route("**/health", health)


BY_ID = {sample.id: sample for sample in SAMPLES}


def number_strokes(sample_ids: list[str]) -> list[list[Point]]:
    """The samples' strokes placed side by side on the wide (2:1) canvas's unit box."""
    count = len(sample_ids)
    # A sample's ink spans about half its square; a square at most the canvas height.
    side = min(0.5, 1.5 / count)  # in canvas widths (the height is 0.5 of them)
    strokes = []
    for index, sample_id in enumerate(sample_ids):
        centre_x = (index + 0.5) / count
        for stroke in polylines(BY_ID[sample_id]):
            strokes.append(
                [(centre_x + (x - 0.5) * side, 0.5 + (y - 0.5) * side * 2) for x, y in stroke]
            )
    return strokes


class PageProblems:
    """What went wrong inside a page that no assertion looked at."""

    def __init__(self, page: Page, origin: str) -> None:
        self.errors: list[str] = []
        self.missing: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "response",
            lambda response: (
                self.missing.append(f"{response.status} {response.url}")
                if response.status == 404 and response.url.startswith(origin)
                else None
            ),
        )

    def assert_none(self) -> None:
        """At a test's end: no uncaught error in the page, no 404 from its origin."""
        assert self.errors == [], f"uncaught errors in the page: {self.errors}"
        assert self.missing == [], f"404s (a favicon?): {self.missing}"
