"""Mutation testing of the critical path: `make mutation` (mutmut; about 10-20 min on 2 cores).

mutmut changes one thing at a time in decode.py, preprocess.py, features.py, model.py,
network.py (the model's forward pass), and the segmentation's components.py and cuts.py
(how a number's ink becomes pieces): an operator, a constant, a comparison, a returned value. Each
change (a "mutant") is run against the unit tests of those modules; a mutant the
tests still pass on "survived" and shows what no test checks.

mutmut names code by its path under `src/`, while this repository keeps the
function in `function/` (the Lambda image's layout), so the run happens in a staged
copy under build/mutation/ where function/ is src/. The figures go to
bench/results/mutation.json (with commit, date and machine load), which
bench/reliability_report.py turns into docs/RELIABILITY.md's mutation section.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STAGE = ROOT / "build" / "mutation"
RESULTS = ROOT / "bench" / "results" / "mutation.json"
# Paths under function/digits/ (the layer folders).
MODULES = (
    "reading/decode.py",
    "reading/preprocess.py",
    "inference/features.py",
    "inference/model.py",
    "inference/network.py",
    "segmentation/components.py",
    "segmentation/cuts.py",
)
# What the tests import besides the function (tests/conftest.py reaches tools/).
COPIED = ("tests", "tools", "models", "events", "frontend_static", "training")
PYTHONPATH_LINE = 'pythonpath = ["function", "."]'
MUTMUT_CONFIG = """
[tool.mutmut]
source_paths = ["src"]
only_mutate = [{modules}]
also_copy = [{copied}]
pytest_add_cli_args = ["-p", "no:cacheprovider", "-x", "-q", {deselected}]
pytest_add_cli_args_test_selection = [{tests}]
"""
# The unit tests of those modules: fast, and they test behaviour, not internals.
TESTS = (
    "tests/unit/reading/test_preprocess.py",
    "tests/unit/reading/test_decode.py",
    "tests/unit/reading/test_decode_fuzz.py",
    "tests/unit/inference/test_features.py",
    "tests/unit/inference/test_model_bundle.py",
    "tests/unit/segmentation/test_components.py",
    "tests/unit/segmentation/test_cuts.py",
    "tests/unit/segmentation/test_segment.py",
)
# They run the function from function/ in a child process, which the staged copy does not
# have (and a child process would not see the mutant anyway).
SUBPROCESS_TESTS = (
    "tests/unit/inference/test_model_bundle.py::"
    "test_loading_the_shipped_bundle_never_imports_scikit_learn_or_scipy",
    "tests/unit/inference/test_features.py::"
    "test_serving_a_model_with_features_never_imports_scikit_learn_or_scipy",
)
# Outcomes that are not a surviving mutant: caught, or not run at all.
DONE = frozenset({"killed", "timeout", "not checked", "skipped"})
_RESULT_LINE = re.compile(r"^\s+(\S+__mutmut_\d+): (.+)$")


def stage() -> Path:
    """A copy of the repository with function/ as src/, and mutmut's configuration."""
    if STAGE.exists():
        shutil.rmtree(STAGE)
    STAGE.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "test-artifacts")
    shutil.copytree(ROOT / "function", STAGE / "src", ignore=ignore)
    for name in COPIED:
        shutil.copytree(ROOT / name, STAGE / name, ignore=ignore)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    if PYTHONPATH_LINE not in pyproject:
        raise SystemExit(
            f"pyproject.toml no longer has {PYTHONPATH_LINE!r}: update bench/mutation.py"
        )
    pyproject = pyproject.replace(PYTHONPATH_LINE, 'pythonpath = ["src", "."]')
    pyproject += MUTMUT_CONFIG.format(
        modules=", ".join(f'"src/digits/{m}"' for m in MODULES),
        tests=", ".join(f'"{t}"' for t in TESTS),
        deselected=", ".join(f'"--deselect", "{test}"' for test in SUBPROCESS_TESTS),
        copied=", ".join(f'"{name}/"' for name in COPIED if name != "tests"),
    )
    (STAGE / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return STAGE


def mutmut(*args: str, check: bool = True) -> str:
    command = [str(Path(sys.executable).with_name("mutmut")), *args]
    done = subprocess.run(  # noqa: S603 - mutmut from this venv, fixed arguments
        command, cwd=STAGE, capture_output=True, text=True, check=False
    )
    if check and done.returncode != 0:
        raise SystemExit(
            f"mutmut {' '.join(args)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return done.stdout


def statuses() -> dict[str, str]:
    """Every mutant's name and outcome (killed, survived, timeout, no tests, ...)."""
    found = {}
    for line in mutmut("results", "--all", "true").splitlines():
        match = _RESULT_LINE.match(line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def mutant_diffs(names: list[str]) -> dict[str, str]:
    """Each mutant's changed lines (- original, + mutant), read from mutmut's mutated files,
    which hold every variant of a function beside the original (`mutmut show`, in-process)."""
    functions: dict[str, dict[str, str]] = {}
    diffs = {}
    for name in names:
        module, _, function = name.rpartition(".")
        if module not in functions:
            path = STAGE / "mutants" / "src" / (module.replace(".", "/") + ".py")
            source = path.read_text(encoding="utf-8")
            functions[module] = {
                node.name: "\n".join((ast.get_source_segment(source, node) or "").splitlines()[1:])
                for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            }
        variants = functions[module]
        original = variants.get(function.rpartition("__mutmut_")[0] + "__mutmut_orig", "")
        changed = difflib.unified_diff(
            original.splitlines(), variants.get(function, "").splitlines(), lineterm="", n=0
        )
        diffs[name] = "\n".join(
            line for line in changed if line[:1] in "+-" and line[:3] not in {"+++", "---"}
        )
    return diffs


def summarise(outcomes: dict[str, str], diffs: dict[str, str]) -> dict[str, Any]:
    """Score = killed (or timed out: an infinite loop is caught too) / mutants tested."""
    by_module: dict[str, dict[str, int]] = {}
    for name, outcome in outcomes.items():
        module = name.split(".x")[0].removeprefix("digits.")
        counts = by_module.setdefault(module, {})
        counts[outcome] = counts.get(outcome, 0) + 1
    caught = sum(1 for o in outcomes.values() if o in {"killed", "timeout"})
    # "not checked": the run was stopped before it reached them; they count nowhere.
    tested = sum(1 for o in outcomes.values() if o not in {"skipped", "not checked"})
    return {
        "tool": "mutmut",
        "modules": [f"function/digits/{m}" for m in MODULES],
        "tests": list(TESTS),
        "mutants": len(outcomes),
        "caught": caught,
        "timed_out": sum(1 for o in outcomes.values() if o == "timeout"),
        "tested": tested,
        "not_checked": sum(1 for o in outcomes.values() if o == "not checked"),
        "score_percent": round(100.0 * caught / max(tested, 1), 1),
        "by_module": by_module,
        "survivors": [
            {"mutant": name, "outcome": outcome, "diff": diffs.get(name, "")}
            for name, outcome in sorted(outcomes.items())
            if outcome not in DONE
        ],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, default=RESULTS)
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--summarise-only",
        action="store_true",
        help="re-read the last run in build/mutation (no staging, no mutmut run)",
    )
    args = parser.parse_args(argv)
    from bench.provenance import short_commit, utc_stamp

    load_before = list(os.getloadavg())
    began = time.monotonic()
    if not args.summarise_only:
        stage()
        print(f"Staged in {STAGE.relative_to(ROOT)}; running mutmut (progress below)", flush=True)
        mutmut_run = [str(Path(sys.executable).with_name("mutmut")), "run", "--max-children"]
        subprocess.run(  # noqa: S603 - mutmut from this venv, fixed arguments
            [*mutmut_run, str(args.max_children)], cwd=STAGE, check=True
        )
    outcomes = statuses()
    diffs = mutant_diffs([n for n, o in outcomes.items() if o not in DONE])
    result = summarise(outcomes, diffs)
    result["machine"] = {
        "date": utc_stamp(),
        "commit": short_commit(),
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": list(os.getloadavg()),
        "seconds": round(time.monotonic() - began, 1),
        "summarised_only": args.summarise_only,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"Mutation score {result['score_percent']} % ({result['caught']}/{result['tested']}); "
        f"{len(result['survivors'])} survivors listed in {args.json}"
    )


if __name__ == "__main__":
    main()
