"""Expected verdicts written in specs (`check linearizable expect violated in 6 steps`,
`invariant safe: ... expect holds`), checked by `capcheck test` and the pytest plugin.

`expectations(protocol)` lists what a parsed spec expects; `check_spec(path)` compiles
the spec, runs the explicit search once (breadth-first, so a counterexample is a
shortest one) and compares each property's verdict, and for a violation with a number
of steps the length of its counterexample, with what was expected. Deterministic: the
same spec gives the same outcomes. A property left unknown (a bound was hit) fails its
expectation, never passes it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator

from checker.resources import UNBOUNDED, Budget

if TYPE_CHECKING:
    from checker.result import Coverage

_EXPECT = re.compile(rb"\bexpect\b")


@dataclass(frozen=True)
class Expected:
    """One property's expectation: its `name` (an invariant's name or a check's kind),
    how the spec declares it (`label`: 'invariant safe', 'check linearizable'), the
    expected `verdict` ('holds' or 'violated') and `steps` (None: any length)."""

    name: str
    label: str
    verdict: str
    steps: int | None

    def text(self) -> str:
        return f"expect {self.verdict}" + (f" in {self.steps} steps" if self.steps is not None else "")


@dataclass(frozen=True)
class Outcome:
    """What one expectation got: `passed`, and `got` ('holds', 'violated after 5 steps',
    'unknown: ...'); for a violation the counterexample as text (`trace`, else None)."""

    expected: Expected
    passed: bool
    got: str
    trace: str | None = None

    def message(self) -> str:
        return f"{self.expected.label}: {self.expected.text()}, got {self.got}"


def may_have_expectations(data: bytes) -> bool:
    """A cheap look before parsing: does the text of a spec say `expect` at all?"""
    return _EXPECT.search(data) is not None


def expectations(protocol) -> list[Expected]:
    """The expectations a parsed spec (an ast.Protocol) writes, in the spec's order."""
    from checker.dsl import ast

    out = []
    for d in protocol.decls:
        if isinstance(d, (ast.Invariant, ast.Check)) and d.expect is not None:
            kind = "invariant" if isinstance(d, ast.Invariant) else "check"
            out.append(Expected(str(d.name), f"{kind} {d.name}", d.expect.verdict, d.expect.steps))
    return out


def spec_files(paths: Iterable[str]) -> Iterator[str]:
    """The .cap files `paths` name: a file as given, a directory as the *.cap files below
    it (sorted, hidden ones left out)."""
    for path in paths:
        if not os.path.isdir(path):
            yield path
            continue
        found = []
        for root, dirs, names in os.walk(path):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            found += [os.path.join(root, n) for n in names if n.endswith(".cap") and not n.startswith(".")]
        yield from sorted(found)


def check_spec(path: str, budget: Budget = UNBOUNDED) -> list[Outcome]:
    """Check the spec at `path` once and compare every expectation it writes (none: []).
    Raises SpecError or UsageError for a spec that cannot be read, parsed or compiled."""
    return run_spec(path, budget)[0]


def run_spec(path: str, budget: Budget = UNBOUNDED, coverage: bool = False) -> tuple[list[Outcome], Coverage | None]:
    """`check_spec`, and with `coverage` the search's coverage (explore/coverage.py; None
    without it, or for a spec that writes no expectation and so is not searched)."""
    from checker.pipeline import compile_spec, load_spec, read_spec

    if not may_have_expectations(read_spec(path)):
        return [], None
    protocol, _ = load_spec(path)
    wanted = expectations(protocol)
    if not wanted:
        return [], None
    from checker.explore import SearchOptions, search
    from checker.explore.coverage import counting

    _, model = compile_spec(path)
    counted, counter = counting(model) if coverage else (model, None)
    result = search(counted, SearchOptions(), budget=budget)
    found = {p.name: p for p in result.properties}
    return [_compare(e, found.get(e.name), result) for e in wanted], \
        counter.coverage() if counter is not None else None


def _compare(expected: Expected, prop, result) -> Outcome:
    from checker.reports import trace_text
    from checker.render.text import detail
    from checker.result import Verdict

    if prop is None or prop.verdict is Verdict.UNKNOWN:
        why = prop.reason if prop is not None and prop.reason else detail(result)
        return Outcome(expected, False, f"unknown ({why})")
    if prop.verdict is Verdict.HOLDS:
        return Outcome(expected, expected.verdict == "holds", "holds")
    length = prop.trace.length if prop.trace is not None else None
    got = f"violated after {length} step{'s' if length != 1 else ''}" if length is not None else "violated"
    passed = expected.verdict == "violated" and expected.steps in (None, length)
    return Outcome(expected, passed, got, trace_text(prop.trace) if prop.trace is not None else None)
