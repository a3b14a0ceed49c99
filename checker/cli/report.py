"""`--report FILE.html` on `capcheck check` and `capcheck cap`: the HTML report
(render/html.py) of a run, with every counterexample drawn (docs/cli.md, "The HTML report").

The diagrams are the SVG capcheck draws itself (render/sequence_svg.py): the report needs
no Graphviz.
"""

from __future__ import annotations

import sys

from checker.analysis.cap import CapReport
from checker.cli.output import make_parent
from checker.errors import UsageError
from checker.model import Model
from checker.props import kinds
from checker.render import coverage, html
from checker.render.cap import fault_text
from checker.render.sequence import caption_lines
from checker.render.text import detail, path_text, plural, summary
from checker.result import CheckResult
from checker.semantics import ir
from checker.traces.diagram import counterexample_jobs, diagram_title, model_of_run, pictures
from checker.traces.traffic import watched


def add_report_option(cmd) -> None:
    cmd.add_argument("--report", metavar="FILE.html",
                     help="also write an HTML report: the verdicts, every counterexample's sequence diagram, "
                          "and the state after each of its steps (one file, viewable offline)")


class _Drawing:
    """Draws the counterexamples of one report and remembers their anchors."""

    def __init__(self) -> None:
        self.anchors: dict[tuple[int, str], str] = {}

    def counterexamples(self, model: Model, result: CheckResult, spec: str, hint: str) -> list[html.Counterexample]:
        out = []
        for name, trace, prop in counterexample_jobs(result):
            anchor = f"cx-{len(self.anchors) + 1}"
            self.anchors[(id(result), name)] = anchor
            drawn = pictures(model, trace, prop, diagram_title(spec, name, result))
            if prop is None:
                assert result.failure is not None  # a trace without a property is the run-time failure's
                heading = f"the spec failed while running: {result.failure.message}"
                words: tuple[str, ...] = ()
            else:
                heading = kinds.heading(prop.kind, prop.name)
                words = tuple(caption_lines(trace, prop, watched(model, prop.name)))
            assert drawn.svg is not None  # pictures() draws the SVG itself
            out.append(html.Counterexample(anchor, heading, words, trace, prop,
                                           hint.format(path=path_text(trace)), drawn.svg))
        return out

    def anchor(self, result: CheckResult, name: str) -> str | None:
        return self.anchors.get((id(result), name))


def check_report(model: Model, result: CheckResult, spec: str, program: ir.Program, constants: dict,
                 hint: str) -> str:
    """The HTML report of `capcheck check`."""
    drawing = _Drawing()
    cxs = drawing.counterexamples(model, result, spec, hint)
    rows = tuple(html.property_cells(p, drawing.anchor(result, p.name)) for p in result.properties)
    about = (*_about(program, constants), summary(result), f"result: {result.result} ({detail(result)})")
    tables: tuple[tuple[str, html.Table], ...] = (
        ("verdicts", html.Table(("property", "verdict", "counterexample", "note"), rows)),)
    notes: tuple[str, ...] = ()
    if result.coverage is not None:
        cov = result.coverage
        tables += ((coverage.table_lines(cov)[0], html.Table(coverage.HEADERS, tuple(coverage.rows(cov)))),)
        notes = tuple(coverage.warnings(cov, spec))
    return html.page(f"capcheck check {spec}", about, tables, notes, tuple(cxs))


def cap_report(models: list[Model], rep: CapReport, spec: str, program: ir.Program, constants: dict,
               hint: str) -> str:
    """The HTML report of `capcheck cap` (see check_report)."""
    drawing = _Drawing()
    cxs: list[html.Counterexample] = []
    for run in rep.runs:
        model = model_of_run(models, run) if run is not None else None
        if run is not None and model is not None:
            cxs += drawing.counterexamples(model, run, spec, hint)
    rows = tuple((*html.property_cells(r.result, drawing.anchor(r.run, r.result.name)),
                  f"{r.states:,}", "added" if r.added else "declared") for r in rep.rows)
    tables = [("verdicts", html.Table(("property", "verdict", "counterexample", "note", "states", ""), rows))]
    costs = tuple((c.operation, c.latency.text(), c.messages.text()) for c in rep.costs)
    tables.append(("cost on fault-free runs (one client, one operation, from the initial state)",
                   html.Table(("operation", "latency (message delays)", "messages"), costs)))
    if rep.scale:
        scaled = tuple((", ".join(f"{k}={v}" for k, v in size.overrides) + f" ({plural(size.nodes, 'node')})",
                        c.operation, c.latency.text(), c.messages.text())
                       for size in rep.scale for c in size.operations)
        tables.append(("cost by size", html.Table(("size", "operation", "latency", "messages"), scaled)))
    notes = [f"classification: {rep.classification.label}", *rep.classification.reasons]
    if not rep.partitions:
        notes.append("The fault model has no partition or cut link; add one to see what the protocol gives up "
                     "under a partition.")
    summary = (*_about(program, constants), f"faults: {fault_text(program.faults)}",
               f"result: {rep.classification.label}" + ("" if rep.complete else " (some verdicts are unknown)"))
    text = html.page(f"capcheck cap {spec}", summary, tuple(tables), tuple(notes), tuple(cxs))
    return text


def _about(program: ir.Program, constants: dict) -> tuple[str, ...]:
    shown = ", ".join(f"{k} = {str(v).lower() if isinstance(v, bool) else v}" for k, v in constants.items())
    return (f"protocol {program.name}" + (f" ({shown})" if shown else ""),)


def write_report(target: str, text: str) -> None:
    """Write the report; say on stderr what was written."""
    make_parent(target, "--report")
    try:
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise UsageError(f"--report: cannot write '{target}': {exc.strerror or type(exc).__name__}") from None
    print(f"report: {target}", file=sys.stderr)

