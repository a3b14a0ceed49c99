"""docs/cap.md's map of the spec library is what `capcheck cap A.cap B.cap ... --markdown`
prints (scripts/update_cap_map.py): each row's class, verdicts with their shortest
counterexample lengths, and the cost of a write."""

from __future__ import annotations

import importlib.util
import re

import pytest

from support import DOCS, REPO_ROOT, SPECS

DOC = DOCS / "cap.md"


def _script():
    """scripts/update_cap_map.py, the script that writes the map, as a module."""
    spec = importlib.util.spec_from_file_location("update_cap_map", REPO_ROOT / "scripts" / "update_cap_map.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


update_cap_map = _script()


def _rows() -> list[list[str]]:
    lines = DOC.read_text(encoding="utf-8").splitlines()
    first = next(i for i in range(lines.index("## The map"), len(lines)) if lines[i].startswith("|"))
    end = next(i for i in range(first, len(lines)) if not lines[i].startswith("|"))
    return [[c.strip() for c in row.strip().strip("|").split("|")] for row in lines[first + 2:end]]


ROWS = _rows()


def test_the_map_covers_every_client_spec_of_the_library():
    named = {re.fullmatch(r"`(.+)`", r[0]).group(1) for r in ROWS}  # type: ignore[union-attr]
    with_clients = {p.name for p in SPECS.glob("*.cap") if "\n    clients " in p.read_text()
                    and not p.name.startswith(("abd_no_writeback", "raft_log"))}
    assert named == with_clients


@pytest.mark.slow
def test_the_map_is_what_cap_prints():
    text = DOC.read_text(encoding="utf-8")
    first, end = update_cap_map.doc_table(text)
    assert "\n".join(text.splitlines()[first:end]) == update_cap_map.table(), \
        "docs/cap.md's map differs from what capcheck prints: run scripts/update_cap_map.py"


def test_the_command_in_the_page_is_the_one_the_script_runs():
    text = DOC.read_text(encoding="utf-8")
    shown = text.split("```text\ncapcheck cap ", 1)[1].split("```", 1)[0].replace("\\\n", " ").split()
    assert tuple(shown) == update_cap_map.COMMAND[1:]
