"""README and docs/ stay honest: commands that exist, links that resolve, figures as measured."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tools import docs_figures

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# `make <target>` in code: an inline code span or a fenced block (in prose, "make" is a verb).
# `make X` as a command in code: at a span's or line's start, after `&&`, `;`, `$` or `(`, and
# after VAR=value settings; not the verb in a code comment ("reduced to make this map").
MAKE = re.compile(
    r"(?:^[`\s]*|&&\s*|;\s*|\$\s*|\(\s*)(?:[A-Z_]+=\S*\s+)*make ([a-z][a-z0-9-]*)", re.MULTILINE
)
CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)
# Markdown links and images, and HTML src/href: ](target) or src="target".
LINK = re.compile(r"\]\(([^)\s]+)\)|(?:src|href)=\"([^\"]+)\"")
# Targets and pages other branches of this change add (CI/CD, feedback review, the
# performance report, SAM with Docker). Each entry must still be missing: once it
# exists (after the merge), this test says to remove it from here.
PENDING: set[str] = set()


def make_targets() -> set[str]:
    rules = re.findall(r"^([a-z][a-z0-9-]*)\s*:", (ROOT / "Makefile").read_text(), re.MULTILINE)
    return set(rules)


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_make_commands_are_told_from_the_verb_in_code() -> None:
    code = "`make run`\n`PORT=8001 make run`\n```\ncd x && make test; make docs\n$ make lint\n```"
    assert MAKE.findall(code) == ["run", "run", "test", "docs", "lint"]
    assert MAKE.findall("`self.scale = 1  # reduced to make this map`") == []


@pytest.mark.parametrize("page", PAGES, ids=relative)
def test_every_make_target_named_exists(page: Path) -> None:
    targets = make_targets()
    code = "\n".join(CODE.findall(page.read_text(encoding="utf-8")))
    named = set(MAKE.findall(code))
    assert page.name != "README.md" or {"run", "test"} <= named  # the two commands
    missing = {t for t in named if t not in targets and f"make {t}" not in PENDING}
    assert not missing, f"{relative(page)} names make targets the Makefile lacks: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=relative)
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for match in LINK.finditer(page.read_text(encoding="utf-8")):
        target = (match.group(1) or match.group(2)).split("#", 1)[0]
        if not target or re.match(r"^[a-z]+:", target):  # an anchor, https:, mailto:
            continue
        resolved = (page.parent / target).resolve()
        if not resolved.exists() and relative(resolved) not in PENDING:
            broken.append(target)
    assert not broken, f"{relative(page)} links to what does not exist: {broken}"


def test_pending_entries_are_still_pending() -> None:
    """An entry that now exists is no longer excused: remove it from PENDING."""
    targets = make_targets()
    arrived = [
        entry
        for entry in PENDING
        if (entry.startswith("make ") and entry.removeprefix("make ") in targets)
        or (not entry.startswith("make ") and (ROOT / entry).exists())
    ]
    assert not arrived, f"remove from PENDING in {relative(Path(__file__))}: {arrived}"


def test_the_figures_are_what_the_reports_give_now() -> None:
    stale = docs_figures.stale_blocks(docs_figures.read_reports())
    assert not stale, f"figures out of date (run make docs): {stale}"


def test_the_figures_follow_the_reports() -> None:
    """A changed report changes the figures: they are made from it, not typed."""
    reports = docs_figures.read_reports()
    metrics = {**reports.model["metrics"], "canvas_fill_accuracy": 0.5}
    changed = docs_figures.Reports({**reports.model, "metrics": metrics}, None, None, 512)
    assert "| 50.00 % |" in docs_figures.summary(changed)
    assert "| 50.00 % |" in docs_figures.model_figures(changed)
    assert "at 512 MB" in docs_figures.cost_table(changed)
    bench = {
        "machine": {"date": "2026-11-30", "commit": "abc1234", "load_average_before": [0.5]},
        "warm": {"p50_ms": 2.5, "cpu_p50_ms": 2.4},
        "cold_start": {"median_s": 0.44, "cpu_median_s": 0.43},
    }
    measured = docs_figures.summary(docs_figures.Reports(reports.model, bench, None, 1769))
    assert "| 2.50 ms (CPU 2.40 ms) |" in measured and "| 0.44 s (CPU 0.43 s) |" in measured
    assert "commit abc1234, load 0.5" in measured and "not measured" not in measured
    numbers = {
        "sets": {
            name: {"2-4": {"exact": share}}
            for name, share in (("test", 0.9512), ("pen", 0.9), ("dev", 0.1))
        }
    }
    read = docs_figures.summary(docs_figures.Reports(reports.model, None, None, 512, numbers))
    assert "| 95.1 % / 90.0 % | `make evaluate-numbers` |" in read


def test_a_refit_shows_its_references_figure_for_writers_it_never_saw() -> None:
    refit = {
        "metrics": {"pen_seen_accuracy": 0.9991, "mnist_test_accuracy": 0.992},
        "training": {"reference": {"metrics": {"pen_held_out_accuracy": 0.995}}},
    }
    assert docs_figures.accuracies(refit) == {"pen_held_out": 0.995, "mnist_test": 0.992}
    held_out = {"metrics": {"pen_held_out_accuracy": 0.993}, "training": {}}
    assert docs_figures.accuracies(held_out) == {"pen_held_out": 0.993}


def test_the_cost_adds_up() -> None:
    cost = docs_figures.cost_per_million(1769, "x86_64")
    assert cost["total"] == pytest.approx(sum(v for k, v in cost.items() if k != "total"))
    # 1769 MB for 10 ms a million times, at the x86_64 price per GB-second.
    assert cost["Lambda compute"] == pytest.approx(1769 / 1024 * 0.010 * 1e6 * 0.0000166667)
    assert docs_figures.cost_per_million(1769, "arm64")["total"] < cost["total"]


def test_the_readme_is_a_front_door() -> None:
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 200


# The topic pages the README's map leads to (generated reports have their own heading).
TOPICS = ["api", "page", "model", "numbers", "deploy", "lambda-local", "troubleshooting"]


@pytest.mark.parametrize("name", TOPICS)
def test_each_topic_page_starts_with_what_the_reader_gets(name: str) -> None:
    text = (ROOT / "docs" / f"{name}.md").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines[0].startswith("# "), "a page starts with its title"
    assert lines[1].startswith("What you get"), lines[1]
