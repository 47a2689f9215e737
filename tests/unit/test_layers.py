"""The package's layers import as docs/api.md says, and no module imports one that imports
it back: read from the sources, so a new import across a layer fails here first."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "function" / "digits"
ANYWHERE = ("digits.errors", "digits.settings")
# Beyond its own folder and ANYWHERE, what each layer's modules may import.
ALLOWED = {
    "inference": (),
    "segmentation": (
        "digits.inference",
        "digits.reading.ink_box",
        "digits.reading.preprocess",
        "digits.reading.strokes",
    ),
    "reading": (),
    "web": ("digits.reading", "digits.inference"),
}
# The one module of a layer that reaches further: the reader drives a whole reading.
ALSO = {"digits.reading.reader": ("digits.segmentation", "digits.inference")}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The digits modules a source file imports, at any depth of the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] == "digits"}


GRAPH = {module_name(path): imports(path) for path in PACKAGE.rglob("*.py")}


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def test_every_layer_imports_only_what_it_may() -> None:
    crossings = []
    for module, imported in GRAPH.items():
        layer = module.split(".")[1] if module.count(".") >= 2 else None
        if layer not in ALLOWED:
            continue  # the top: handler, app, settings, errors
        allowed = (f"digits.{layer}", *ANYWHERE, *ALLOWED[layer], *ALSO.get(module, ()))
        crossings += [f"{module} -> {name}" for name in imported if not within(name, allowed)]
    assert crossings == []
    assert set(ALLOWED) == {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}


def test_no_module_imports_one_that_imports_it_back() -> None:
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        if module in path:
            raise AssertionError(" -> ".join((*path[path.index(module) :], module)))
        if module in done:
            return
        for name in GRAPH.get(module, ()):
            visit(name, (*path, module))
        done.add(module)

    for module in GRAPH:
        visit(module, ())


def test_the_rules_see_a_crossing() -> None:
    # What the first test would flag: inference reaching up into reading.
    assert not within("digits.reading.preprocess", ("digits.inference", *ANYWHERE))
    assert within("digits.inference.model", ("digits.inference",))
    assert not within("digits.inferencex", ("digits.inference",))
