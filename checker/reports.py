"""What the command line prints, for Python: a check's text and JSON reports, a trace as
text or as a sequence diagram (DOT), a history's report. Pure functions of results: the
same result gives the same text (apart from the JSON's two measurements, `stats.seconds`
and `stats.memory_bytes`). `import checker` makes these available as `checker.NAME`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from checker.history.read import History
    from checker.model import Model
    from checker.props.operations import LinearizabilityResult
    from checker.result import CheckResult, PropertyResult, Trace
    from checker.semantics.ir import Program


def report_text(result: CheckResult, spec: str, traces: bool = True) -> str:
    """The report `capcheck check SPEC` prints for `result` (`spec`: the path it names);
    without `traces`, only the verdicts (as `--quiet`)."""
    from checker.render.text import replay_command, report

    return report(result, spec, replay_command(spec, [], None), traces)


def report_json(result: CheckResult, spec: str, program: Program) -> dict:
    """The JSON report of `capcheck check SPEC --json` as a dict (docs/cli.md, schema 4)."""
    from checker.pipeline import constants_of
    from checker.render.json import report_data

    return report_data(result, spec, program.name, constants_of(program), program.faults.nonzero())


def trace_text(trace: Trace) -> str:
    """A run, one line per step with the changes it made under it, as in a report."""
    from checker.render.text import trace_lines

    return "\n".join(trace_lines(trace))


def sequence_diagram(model: Model, trace: Trace, prop: PropertyResult | None = None, title: str = "") -> str:
    """The DOT text of a run's sequence diagram (a lane per node and per client); with the
    property it breaks, its last step is highlighted and explained. Graphviz's `dot`
    draws it (`dot -Tsvg`)."""
    from checker.traces.diagram import diagram

    return diagram(model, trace, prop, title)


def history_text(history: History, result: LinearizabilityResult) -> str:
    """The report `capcheck history FILE` prints."""
    from checker.render.history import text

    return text(history, result)
