"""capcheck: a model checker for replication and failover protocols.

The import package is `checker`; the command is `capcheck` (checker/cli). This module is
the Python API, the same pipeline the command line runs:

    import checker

    program, model = checker.compile_spec("specs/two_phase.cap", {"RM": 3})
    result = checker.search(model, checker.SearchOptions(max_states=100_000))
    for p in result.properties:
        print(p.name, p.verdict.name, p.trace.length if p.trace else "")

- specs: `read_spec`, `load_spec` (parse and check: the AST and the IR), `compile_spec`
  (and the compiled explicit model; constants as a dict, fault budgets as a
  `FaultOverride`), `compile_symbolic` (for the SMT engine with symbolic
  constants, `Symbolic`), `constants_of`;
- the explicit engine: `search` with `SearchOptions`, `replay` (a path to a Trace),
  `simulate` with `SimulationOptions` (seeded random walks); `counting` (a copy of a
  model that counts the steps a search takes: `--coverage`, as a `Coverage`);
- the SMT engine: `smt_check` with `SmtOptions` (every trace replayed and checked in the
  explicit semantics before it is returned);
- recorded histories: `check_history` (read a file and check it), or `read_history`
  then `check_operations` with `CheckOptions`;
- what the command line prints: `report_text`, `report_json`, `trace_text`,
  `sequence_diagram` (DOT), `history_text`;
- bounds: `Budget` (a deadline, a memory bound, a `StopRequest`) that `search`,
  `smt_check` and `CheckOptions` take to bound a whole run, as the command line does;
- results: `CheckResult`, `PropertyResult`, `Trace`, `Verdict` (VIOLATED < UNKNOWN <
  HOLDS), `Found` (when a violation was found); errors: `CheckerError`, `SpecError` (located), `UsageError`, `InternalError`.

Names are loaded on first use, so `import checker` stays cheap. docs/api.md documents
them with examples that the tests run.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_API = {
    "checker.pipeline": ("read_spec", "load_spec", "compile_spec", "compile_symbolic", "constants_of"),
    "checker.explore": ("search", "SearchOptions", "replay"),
    "checker.explore.simulate": ("simulate", "SimulationOptions"),
    "checker.explore.coverage": ("counting",),
    "checker.analysis.verify": ("smt_check", "SmtOptions"),
    "checker.history": ("read_history",),
    "checker.history.checking": ("check_history",),
    "checker.reports": ("report_text", "report_json", "trace_text", "sequence_diagram", "history_text"),
    "checker.props.linearizability": ("check_operations", "CheckOptions"),
    "checker.result": ("CheckResult", "PropertyResult", "Trace", "Verdict", "Found", "Coverage"),
    "checker.errors": ("CheckerError", "SpecError", "UsageError", "InternalError"),
    "checker.semantics.faults": ("FaultOverride",),
    "checker.semantics.ir": ("Symbolic",),
    "checker.resources": ("Budget", "StopRequest"),
}
_HOME = {name: module for module, names in _API.items() for name in names}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> object:
    if name not in _HOME:
        raise AttributeError(f"module 'checker' has no attribute '{name}'")
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
