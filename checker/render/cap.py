"""`capcheck cap` reports as text and as JSON data. Pure functions of a CapReport."""

from __future__ import annotations

from checker.analysis.cap import CapReport, Row
from checker.explore.cost import OperationCost, Quantity, SizeCost
from checker.props import kinds
from checker.render.text import detail, plural, property_lines, reduction_line
from checker.result import Verdict
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


def table(headers: tuple[str, ...], rows: list[tuple[str, ...]], indent: str = "  ") -> list[str]:
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
    violated = [r for r in rep.rows if r.result.verdict is Verdict.VIOLATED]
    if violated:
        out.append("")
        out.append("counterexamples:")
        for r in violated:
            out.append("")
            out += property_lines(r.result, replay_hint)
    for name, run in (("safety", rep.runs[0]), ("liveness", rep.runs[1])):
        if run is not None and run.failure is not None:
            out.append(f"the spec failed while running ({name} search): {run.failure.message}")
    out.append("")
    out.append(f"result: {rep.classification.label}" + ("" if rep.complete else " (some verdicts are unknown)"))
    return "\n".join(out)


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
