"""The README's pictures of the page, taken from the running page (``make screenshots``).

Starts ``python -m tools.local.serve`` with the shipped model, opens the page in Debian's
Chromium (Playwright, never a downloaded browser), draws as a person would with the
mouse or a finger, waits for the API's answer, checks the page shows what was drawn,
and writes docs/screenshots/<name>.png. The page is served as deployed, feedback on
(its buttons show; none is pressed, so nothing is stored). The browser tests call
``take_screenshots`` too (tests/frontend/test_page_screens.py), so a page change that
breaks a picture fails the suite instead of leaving a stale image behind.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from tools.canvas import STROKES, Point, smooth_stroke
from tools.chromium import CHROMIUM, FLAGS
from tools.local.serve_process import ServeProcess

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "docs" / "screenshots"
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=390, height=844)
# A bucket name only: /health then says feedback is collected, as when deployed.
SERVER_ENV = {"FEEDBACK_BUCKET": "screenshots-never-written", "LOG_LEVEL": "WARNING"}


@dataclass(frozen=True)
class Shot:
    name: str
    number: str  # what is drawn: one digit, or several in number mode
    locale: str
    viewport: ViewportSize
    touch: bool = False


SHOTS = (
    Shot("desktop-en", "5", "en-US", DESKTOP),
    Shot("desktop-ko", "3", "ko-KR", DESKTOP),
    Shot("number-en", "2026", "en-US", DESKTOP),
    Shot("phone-ko", "4", "ko-KR", PHONE, touch=True),
)


def strokes_for(number: str) -> list[list[Point]]:
    """The digits' pen strokes side by side in the canvas's unit box (x right, y down)."""
    count = len(number)
    # On the 2:1 number canvas a digit's unit square is half the width, shrunk to fit.
    width = 1.0 if count == 1 else min(0.5, 1.0 / count)
    height = 1.0 if count == 1 else 2 * width
    strokes = []
    for index, character in enumerate(number):
        left = (index + 0.5) / count - width / 2 if count > 1 else 0.0
        for keys in STROKES[int(character)]:
            strokes.append(
                [(left + x * width, 0.5 + (y - 0.5) * height) for x, y in smooth_stroke(keys)]
            )
    return strokes


def draw(page: Page, strokes: Sequence[Sequence[Point]], touch: bool) -> None:
    """Mouse moves, or real touch events through the DevTools protocol, along the strokes."""
    box = page.get_by_test_id("canvas").bounding_box()
    if box is None:
        raise RuntimeError("the canvas is not on screen")

    def at(point: Point) -> tuple[float, float]:
        return box["x"] + point[0] * box["width"], box["y"] + point[1] * box["height"]

    if not touch:
        for stroke in strokes:
            page.mouse.move(*at(stroke[0]))
            page.mouse.down()
            for point in stroke[1:]:
                page.mouse.move(*at(point))
            page.mouse.up()
        return
    cdp = page.context.new_cdp_session(page)
    try:
        for stroke in strokes:
            for index, point in enumerate(stroke):
                x, y = at(point)
                touches = [{"x": x, "y": y, "id": 1, "radiusX": 4, "radiusY": 4}]
                kind = "touchStart" if index == 0 else "touchMove"
                cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touches})
            cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    finally:
        cdp.detach()


def take(browser: Browser, origin: str, shot: Shot, folder: Path) -> Path:
    """One picture: draw shot.number, wait for the answer, check it, save the viewport."""
    context = browser.new_context(
        base_url=origin,
        viewport=shot.viewport,
        locale=shot.locale,
        has_touch=shot.touch,
        is_mobile=shot.touch,
    )
    try:
        page = context.new_page()
        page.goto("/")
        if len(shot.number) > 1:
            page.get_by_test_id("number-mode").check()
        # One request for the whole drawing: on a slow machine, automatic predictions
        # could answer a half-drawn number first.
        auto = page.get_by_test_id("auto")
        auto.uncheck()
        draw(page, strokes_for(shot.number), shot.touch)
        with page.expect_response(lambda r: r.url.endswith("/predict")):
            page.get_by_test_id("predict").click()
        expect(page.get_by_test_id("prediction")).to_have_text(shot.number, timeout=30_000)
        auto.check()  # as the page starts; the answer is current, so nothing is re-asked
        page.wait_for_timeout(400)  # the bars' growth, and the focus ring, settle
        page.locator("body").click(position={"x": 1, "y": 1})
        path = folder / f"{shot.name}.png"
        page.screenshot(path=path)
        return path
    finally:
        context.close()


def take_screenshots(
    browser: Browser, origin: str, folder: Path = FOLDER, shots: Sequence[Shot] = SHOTS
) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [take(browser, origin, shot, folder) for shot in shots]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=FOLDER)
    args = parser.parse_args(argv)
    with ServeProcess(env=SERVER_ENV) as server, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=list(FLAGS))
        try:
            for path in take_screenshots(browser, server.url, args.folder):
                print(f"written: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
