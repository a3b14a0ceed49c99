"""The layout's rules (docs/architecture.md, "Pipeline"), checked on the source: no import
cycle between modules (imports inside functions and under TYPE_CHECKING count too), the
engines never import each other nor the renderers, lark stays in dsl/ and z3 in smt/, and
no module passes 600 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from support import REPO_ROOT

PACKAGE = REPO_ROOT / "checker"
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(REPO_ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Every module of ours and every outside top-level package `name` imports, anywhere in
    the file. `from a.b import c` names the module a.b.c when there is one, else a.b."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            out.update(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names)
    out.discard(name)
    return out


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in GRAPH[v]:
            if w not in MODULES:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in MODULES:
        if v not in index:
            visit(v)
    return out


def _importers(target: str) -> list[str]:
    return sorted(m for m, deps in GRAPH.items() if any(d == target or d.startswith(target + ".") for d in deps))


def test_no_import_cycles() -> None:
    assert _cycles() == []


def test_the_cycle_finder_finds_a_cycle(monkeypatch) -> None:
    monkeypatch.setitem(GRAPH, "checker.result", GRAPH["checker.result"] | {"checker.errors"})
    monkeypatch.setitem(GRAPH, "checker.errors", GRAPH["checker.errors"] | {"checker.result"})
    assert ["checker.errors", "checker.result"] in _cycles()


@pytest.mark.parametrize("engine, other", [("checker.explore", "checker.smt"), ("checker.smt", "checker.explore")])
def test_the_engines_do_not_import_each_other(engine: str, other: str) -> None:
    assert [m for m in _importers(other) if m.startswith(engine)] == []


@pytest.mark.parametrize("engine", ["checker.explore", "checker.smt", "checker.model", "checker.props"])
def test_engines_never_import_the_renderers_or_the_command_line(engine: str) -> None:
    offending = [m for m in _importers("checker.render") + _importers("checker.cli") if m.startswith(engine)]
    assert offending == []


@pytest.mark.parametrize("library, home", [("lark", "checker.dsl"), ("z3", "checker.smt")])
def test_a_library_stays_in_its_package(library: str, home: str) -> None:
    assert [m for m in _importers(library) if not m.startswith(home)] == []


def test_nothing_outside_the_command_line_imports_it() -> None:
    """But `python -m checker` and the fuzz harness, which drive it as a user would."""
    assert [m for m in _importers("checker.cli") if not m.startswith(("checker.cli", "checker.fuzz"))
            and m != "checker.__main__"] == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_passes_600_lines(name: str) -> None:
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{MODULES[name].relative_to(REPO_ROOT)} has {lines} lines; split it"
