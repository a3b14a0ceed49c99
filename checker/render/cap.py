"""`capcheck cap` reports as text and as JSON data. Pure functions of a CapReport."""

from __future__ import annotations

from typing import Sequence

from checker.analysis.cap import CapReport, Row
from checker.explore.cost import OperationCost, Quantity, SizeCost
from checker.props import kinds
from checker.render.text import detail, plural, property_lines, reduction_line, run_key, same_run_lines
from checker.result import PropertyResult, Verdict
from checker.semantics import ir


def fault_text(faults: ir.Faults) -> str:
    """`crash <= 1, partition <= 1`, or `no faults`."""
    budgets = faults.nonzero()
    if not budgets:
        return "no faults"
    return ", ".join(f"{k} <= {v}" if v is not None else f"{k} (unbounded)" for k, v in budgets.items())


def _what(row: Row) -> str:
    p = row.result
    what = kinds.heading(p.kind, p.name)
    return what + (" (added)" if row.added else "")


def _verdict(row: Row) -> tuple[str, str]:
    p = row.result
    if p.verdict is Verdict.VIOLATED and p.trace is not None:
        return "violated", plural(p.trace.length, "step")
    return p.verdict.word, "-"


def table(headers: tuple[str, ...], rows: Sequence[tuple[str, ...]], indent: str = "  ") -> list[str]:
    """Columns padded to their widest cell; the last column unpadded."""
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    def line(cells: tuple[str, ...]) -> str:
        return (indent + "  ".join(c.ljust(w) for c, w in zip(cells[:-1], widths)) + "  " + cells[-1]).rstrip()
    return [line(headers)] + [line(r) for r in rows]


def _cost_rows(costs: tuple[OperationCost, ...]) -> list[tuple[str, str, str]]:
    return [(c.operation, c.latency.text(), c.messages.text()) for c in costs]


def report(rep: CapReport, spec: str, faults: ir.Faults, replay_hint: str) -> str:
    """The whole text report; `replay_hint` as for render.text.report."""
    out = [f"{spec}: CAP report under {fault_text(faults)}"]
    if not rep.partitions:
        out.append("note: the fault model has no partition or cut link; add one to see what the protocol "
                   "gives up under a partition")
    out.append("")
    rows = [(_what(r), *_verdict(r), f"{r.states:,}") for r in rep.rows]
    out += table(("property", "verdict", "counterexample", "states"), rows)
    if any(r.added for r in rep.rows):
        out.append("  (added: not declared in the spec; checked because it applies)")
    for name, run in (("safety", rep.runs[0]), ("liveness", rep.runs[1])):
        if run is not None:
            out += [f"  the {name} search: {reduction_line(r)}" for r in (run.symmetry, run.partial_order)
                    if r is not None]
    out.append("")
    out.append(f"classification: {rep.classification.label}")
    out += [f"  - {why}" for why in rep.classification.reasons]
    for name, run in (("safety", rep.runs[0]), ("liveness", rep.runs[1])):
        if run is not None and run.exit_reason not in ("complete", "all_violated"):
            out.append(f"  the {name} search {detail(run)}")
    out.append("")
    out.append("cost on fault-free runs (one client, one operation, from the initial state):")
    if rep.costs:
        out += table(("operation", "latency (message delays)", "messages"), _cost_rows(rep.costs))
    else:
        out.append("  no operation to measure")
    if rep.scale:
        out.append("")
        out += _scale_lines(rep.scale)
    shown = counterexample_lines(rep, replay_hint)
    if shown:
        out += ["", "counterexamples:", *shown]
    for name, run in (("safety", rep.runs[0]), ("liveness", rep.runs[1])):
        if run is not None and run.failure is not None:
            out.append(f"the spec failed while running ({name} search): {run.failure.message}")
    out.append("")
    out.append(f"result: {rep.classification.label}" + ("" if rep.complete else " (some verdicts are unknown)"))
    return "\n".join(out)


def counterexample_lines(rep: CapReport, replay_hint: str) -> list[str]:
    """Every violated property's counterexample, each run once: a property whose run is one
    already shown (several properties often break on the same shortest run) names it and
    says only what the run shows for it. Each one follows a blank line."""
    out: list[str] = []
    first: dict[tuple, PropertyResult] = {}
    for r in rep.rows:
        p = r.result
        if p.verdict is not Verdict.VIOLATED or p.trace is None:
            continue
        key = run_key(p)
        out.append("")
        out += same_run_lines(p, first[key]) if key in first else property_lines(p, replay_hint)
        first.setdefault(key, p)
    return out


COMPARED = ("linearizable", "available", "converges", "durable")


def comparison_row(rep: CapReport) -> tuple[str, ...]:
    """A spec's cells in the comparison table: its class, the verdict of each of COMPARED
    (`violated (N)` with its shortest counterexample's length, `-` when it does not apply),
    and the cost of a write (`delays / messages`, `-` without one)."""
    cells = [rep.classification.label]
    for kind in COMPARED:
        row = next((r for r in rep.rows if r.result.kind == kind), None)
        p = row.result if row is not None else None
        cells.append("-" if p is None else f"violated ({p.trace.length})" if p.trace is not None else p.verdict.word)
    write = next((c for c in rep.costs if c.operation == "write"), None)
    if write is None:
        cells.append("-")
    else:
        messages = write.messages.text() if write.messages.value is None else str(write.messages.value)
        cells.append(f"{write.latency.text()} / {'never quiet' if messages.startswith('never') else messages}")
    return tuple(cells)


COMPARISON_HEADERS = ("spec", "class", *COMPARED, "write: delays / messages")


def comparison(reports: list[tuple[str, CapReport]], replay_hints: list[str]) -> str:
    """The text report of `capcheck cap A.cap B.cap ...`: one table, then each spec's
    counterexamples (each run once), then the result."""
    out = ["CAP comparison (each spec under its own fault model):", ""]
    out += table(COMPARISON_HEADERS, [(spec, *comparison_row(rep)) for spec, rep in reports])
    for (spec, rep), hint in zip(reports, replay_hints):
        shown = counterexample_lines(rep, hint)
        if shown:
            out += ["", f"counterexamples of {spec}:", *shown]
    unknown = [spec for spec, rep in reports if not rep.complete]
    out += ["", "result: " + ("complete" if not unknown else "some verdicts are unknown: " + ", ".join(unknown))]
    return "\n".join(out)


def markdown_table(reports: list[tuple[str, CapReport]]) -> str:
    """The comparison table in Markdown (docs/cap.md's map): a spec's name in backquotes."""
    def row(cells) -> str:
        return "| " + " | ".join(cells) + " |"
    lines = [row(COMPARISON_HEADERS), "|" + "---|" * len(COMPARISON_HEADERS)]
    lines += [row((f"`{spec}`", *comparison_row(rep))) for spec, rep in reports]
    return "\n".join(lines)


def _scale_lines(scale: tuple[SizeCost, ...]) -> list[str]:
    """How latency and messages grow with the size: one row per size and operation."""
    out = ["cost by size:"]
    rows = []
    for size in scale:
        label = ", ".join(f"{k}={v}" for k, v in size.overrides) + f" ({plural(size.nodes, 'node')})"
        for c in size.operations:
            rows.append((label, c.operation, c.latency.text(), c.messages.text()))
    return out + table(("size", "operation", "latency", "messages"), rows)


def data(rep: CapReport, spec: str, protocol: str, constants: dict, faults: ir.Faults, prop_data) -> dict:
    """The report as JSON-ready data; `prop_data` turns a PropertyResult into data (the
    `check --json` form)."""
    return {
        "spec": spec,
        "protocol": protocol,
        "constants": constants,
        "faults": faults.nonzero(),
        "classification": {"label": rep.classification.label, "reasons": list(rep.classification.reasons)},
        "complete": rep.complete,
        "properties": [{**prop_data(r.result), "added": r.added, "states": r.states} for r in rep.rows],
        "costs": [_cost_data(c) for c in rep.costs],
        "scale": [{"overrides": dict(s.overrides), "nodes": s.nodes, "costs": [_cost_data(c) for c in s.operations]}
                  for s in rep.scale],
    }


def _cost_data(c: OperationCost) -> dict:
    return {"operation": c.operation, "latency": _quantity_data(c.latency), "messages": _quantity_data(c.messages)}


def _quantity_data(q: Quantity) -> dict:
    out: dict = {"status": q.status.value, "low": q.low, "high": q.high}
    if q.reason:
        out["reason"] = q.reason
    return out
