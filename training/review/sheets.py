"""Contact sheets: per claimed digit, every drawing beside the 28x28 the model read.

Each tile: the drawing as stored, the 28x28 (white ink on black, as the model sees it),
the sample's short id, the claimed digit against the model's reading, and a border in the
screens' proposal's colour (amber flag, green accept, red reject). Duplicates are left
out (their original is shown; the decisions file lists them). Large digits run to
several pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from training.feedback import Candidate
from training.review.screens import Screened

CELL = 84  # each image's side on the sheet (the 28x28 at 3x)
PAD = 6
TILE_W, TILE_H = 2 * CELL + 3 * PAD, CELL + 2 * PAD + 30
COLUMNS, ROWS = 8, 12
HEADER = 34
COLOURS = {"flag": (230, 160, 0), "accept": (40, 150, 60), "reject": (200, 40, 40)}
_ORDER = {"flag": 0, "accept": 1, "reject": 2}
_DUPLICATES = frozenset({"exact-duplicate", "near-duplicate"})


def write_sheets(folder: Path, samples: Sequence[Candidate], screened: Screened) -> list[Path]:
    """``digit-<claimed>[-<page>].png`` for every claimed digit with samples to show."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("digit-*.png"):  # a previous run's pages must not linger
        old.unlink()
    shown = [s for s in samples if screened.verdicts[s.id].screen not in _DUPLICATES]
    written = []
    for digit in range(10):
        group = sorted(
            (s for s in shown if s.claimed == digit),
            key=lambda s: (_ORDER[screened.verdicts[s.id].decision], s.created, s.id),
        )
        per_page = COLUMNS * ROWS
        pages = [group[start : start + per_page] for start in range(0, len(group), per_page)]
        for number, page in enumerate(pages, start=1):
            suffix = "" if len(pages) == 1 else f"-{number}"
            path = folder / f"digit-{digit}{suffix}.png"
            title = _title(digit, group, screened, number, len(pages))
            _sheet(page, screened, title).save(path, optimize=True)
            written.append(path)
    return written


def _title(
    digit: int, group: Sequence[Candidate], screened: Screened, page: int, pages: int
) -> str:
    counts = dict.fromkeys(_ORDER, 0)
    for sample in group:
        counts[screened.verdicts[sample.id].decision] += 1
    return (
        f"Claimed {digit}  (page {page} of {pages}):  {counts['flag']} flagged, "
        f"{counts['accept']} accepted, {counts['reject']} rejected; duplicates not shown"
    )


def _sheet(page: Sequence[Candidate], screened: Screened, title: str) -> Image.Image:
    rows = max(1, -(-len(page) // COLUMNS))
    sheet = Image.new("RGB", (COLUMNS * TILE_W, HEADER + rows * TILE_H), "white")
    pen = ImageDraw.Draw(sheet)
    pen.text((PAD, 8), title, fill="black", font=ImageFont.load_default(size=16))
    for index, sample in enumerate(page):
        left = (index % COLUMNS) * TILE_W
        top = HEADER + (index // COLUMNS) * TILE_H
        _tile(sheet, pen, sample, screened, (left, top))
    return sheet


def _tile(
    sheet: Image.Image,
    pen: ImageDraw.ImageDraw,
    sample: Candidate,
    screened: Screened,
    corner: tuple[int, int],
) -> None:
    left, top = corner
    verdict = screened.verdicts[sample.id]
    box = (left + 1, top + 1, left + TILE_W - 2, top + TILE_H - 2)
    pen.rectangle(box, outline=COLOURS[verdict.decision], width=3)
    drawing = _drawing(sample.png)
    sheet.paste(drawing, (left + PAD, top + PAD))
    seen = Image.fromarray(sample.pixels.reshape(28, 28))
    seen = seen.resize((CELL, CELL), Image.Resampling.NEAREST)
    sheet.paste(seen.convert("RGB"), (left + 2 * PAD + CELL, top + PAD))
    reading = screened.readings.get(sample.id)
    says = "" if reading is None else f"model {reading.digit} {reading.confidence:.0%}"
    font = ImageFont.load_default(size=11)
    text_top = top + PAD + CELL + 2
    pen.text((left + PAD, text_top), f"{sample.id[-8:]}  claims {sample.claimed}", "black", font)
    pen.text((left + PAD, text_top + 13), f"{says}  {verdict.decision}", "black", font)


def _drawing(png: bytes) -> Image.Image:
    with Image.open(BytesIO(png)) as image:
        rgba = image.convert("RGBA")
    # Transparent paper shows as white, as the page shows it.
    paper = Image.new("RGBA", rgba.size, "white")
    paper.alpha_composite(rgba)
    return paper.convert("RGB").resize((CELL, CELL), Image.Resampling.BOX)
