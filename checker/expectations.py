"""Expected verdicts written in specs (`check linearizable expect violated in 6 steps`,
`invariant safe: ... expect holds`), checked by `capcheck test` and the pytest plugin.

`expectations(protocol)` lists what a parsed spec expects; `check_spec(path)` compiles
the spec, runs the explicit search once per set of constants the expectations name
(`expect holds with N = 2`; breadth-first, so a counterexample is a shortest one) and
compares each property's verdict, and for a violation with a number of steps the length
of its counterexample, with what was expected. Deterministic: the
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


Constants = tuple[tuple[str, int | bool], ...]
"""Constant values by name, in the order the spec writes them (`with N = 2, CRASH = true`)."""


@dataclass(frozen=True)
class Expected:
    """One property's expectation: its `name` (an invariant's name or a check's kind),
    how the spec declares it (`label`: 'invariant safe', 'check linearizable'), the
    expected `verdict` ('holds' or 'violated'), `steps` (None: any length) and the
    `constants` it is expected under (`with N = 2`; (): the spec's own values)."""

    name: str
    label: str
    verdict: str
    steps: int | None
    constants: Constants = ()

    def text(self) -> str:
        """`expect violated in 5 steps with N = 2`, as the spec writes it."""
        from checker.dsl.printer import expectation_text
        from checker.dsl import ast

        return expectation_text(ast.Expectation(self.verdict, self.steps, self.constants))

    @property
    def title(self) -> str:
        """The label, with the constants when there are some: 'check linearizable with N = 2'
        (what tells a property's expectations apart: a pytest item's name)."""
        from checker.dsl.printer import constants_text

        return self.label + constants_text(self.constants)


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
        if isinstance(d, (ast.Invariant, ast.Check)):
            kind = "invariant" if isinstance(d, ast.Invariant) else "check"
            out += [Expected(str(d.name), f"{kind} {d.name}", e.verdict, e.steps,
                             tuple((str(n), v) for n, v in e.constants)) for e in d.expects]
    return out


def load_expectations(path: str) -> list[Expected]:
    """Read, parse and type-check the spec at `path`, and list its expectations. Raises
    SpecError for a mistake in the spec, a `with` naming no constant among them, and
    UsageError for a file that cannot be read."""
    from checker.diagnostics import Diagnostic, did_you_mean, quote_list
    from checker.dsl import ast, parse_bytes
    from checker.errors import SpecError
    from checker.pipeline import read_spec
    from checker.semantics import check

    protocol, source = parse_bytes(read_spec(path), path)
    check(protocol, source)
    declared = sorted(str(d.name) for d in protocol.decls if isinstance(d, ast.Const))
    for d in protocol.decls:
        for e in getattr(d, "expects", ()):
            for name, _ in e.constants:
                if name not in declared:
                    hint = did_you_mean(name, declared)
                    known = f"; the constants are {quote_list(declared, 'and')}" if declared and not hint else ""
                    raise SpecError([Diagnostic(f"there is no constant '{name}'{hint}{known}", name.span)], source)
    return expectations(protocol)


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
    """Check the spec at `path` and compare every expectation it writes (none: []): one
    search per set of constants the expectations name, in the order they first appear.
    Raises SpecError or UsageError for a spec that cannot be read, parsed or compiled, or
    constants it cannot be compiled with."""
    return run_spec(path, budget)[0]


def run_spec(path: str, budget: Budget = UNBOUNDED, coverage: bool = False) -> tuple[list[Outcome], Coverage | None]:
    """`check_spec`, and with `coverage` the searches' coverage added up (explore/coverage.py;
    None without it, or for a spec that writes no expectation and so is not searched)."""
    from checker.pipeline import read_spec

    if not may_have_expectations(read_spec(path)):
        return [], None
    wanted = load_expectations(path)
    outcomes: dict[Expected, Outcome] = {}
    counted: Coverage | None = None
    for constants in dict.fromkeys(e.constants for e in wanted):
        result, counts = _search(path, constants, budget, coverage)
        if counts is not None:
            counted = counts if counted is None else counted.merge(counts)
        found = {p.name: p for p in result.properties}
        outcomes.update((e, _compare(e, found.get(e.name), result)) for e in wanted if e.constants == constants)
    return [outcomes[e] for e in wanted], counted


def _search(path: str, constants: Constants, budget: Budget, coverage: bool):
    """The explicit search's result on the spec at `path` under `constants`, and with
    `coverage` its coverage (None without)."""
    from checker.errors import UsageError
    from checker.dsl.printer import constants_text
    from checker.explore import SearchOptions, search
    from checker.explore.coverage import counting
    from checker.pipeline import compile_spec

    try:
        _, model = compile_spec(path, dict(constants))
    except UsageError as err:
        raise UsageError(f"{path}: expectations{constants_text(constants)}: {err}") from None
    counted, counter = counting(model) if coverage else (model, None)
    result = search(counted, SearchOptions(), budget=budget)
    return result, counter.coverage() if counter is not None else None


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
