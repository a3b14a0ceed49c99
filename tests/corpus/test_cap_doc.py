"""docs/cap.md's map of the spec library is what `capcheck cap` reports: each row's class,
verdicts with their shortest counterexample lengths, and the cost of a write."""

from __future__ import annotations

import re

import pytest

from checker.analysis.cap import analyse
from checker.pipeline import compile_spec
from checker.model import compile_model

from support import DOCS, SPECS

DOC = DOCS / "cap.md"
CONSTANTS = {"abd_register.cap": {"CLIENTS": 1, "OPS": 1}}   # as the page says


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


def _cell(report, kind: str) -> str:
    row = next((r for r in report.rows if r.result.kind == kind), None)
    if row is None:
        return "-"
    p = row.result
    return f"violated ({p.trace.length})" if p.trace is not None else p.verdict.word


def _cost(report) -> str:
    write = next(c for c in report.costs if c.operation in ("write", "put"))
    messages = write.messages.text() if write.messages.value is None else str(write.messages.value)
    return f"{write.latency.text()} / {'never quiet' if messages.startswith('never') else messages}"


@pytest.mark.slow
@pytest.mark.parametrize("row", ROWS, ids=[r[0].strip("`") for r in ROWS])
def test_the_map_row_is_what_cap_reports(row):
    name = row[0].strip("`")
    program, _ = compile_spec(str(SPECS / name), CONSTANTS.get(name, {}), "cap")
    report = analyse(program, compile_model)
    got = [report.classification.label] + [_cell(report, k) for k in ("linearizable", "available", "converges",
                                                                      "durable")] + [_cost(report)]
    assert got == row[2:]
