"""Check results as JSON: the schema documented in docs/cli.md ("The JSON report").

`report_data` builds plain data; `dumps` turns it into text with sorted keys, so the same
result always gives the same bytes apart from the two measurements `stats.seconds` and
`stats.memory_bytes` (and each violation's `found.seconds`, only given when asked for:
`times`).
"""

from __future__ import annotations

import json

from checker.render import coverage
from checker.render.text import detail
from checker.result import CheckResult, Found, PropertyResult, Trace, Verdict

SCHEMA_VERSION = 6


def trace_data(trace: Trace) -> dict:
    """A run as JSON: its replayable `path`, its `length` in steps, and `trace`, the list of
    its steps (the initial state first), each with the action and the whole state after it."""
    return {
        "path": ".".join(str(i) for i in trace.path),
        "length": trace.length,
        "trace": [
            {"index": step.index, "action": step.action["action"], "kind": step.action["kind"],
             "actor": step.action["actor"], "message": step.action["message"],
             "changes": list(step.changes), "state": step.state,
             **({"replies": step.action["replies"]} if "replies" in step.action else {})}
            for step in trace.steps],
    }


def found_data(found: Found, times: bool = False) -> dict:
    """When a violation was found: `states` (distinct states, or a simulation's steps), a
    simulation's `walk` and `seed`, and with `times` the `seconds`."""
    out: dict = {"states": found.states}
    if found.walk is not None:
        out.update(walk=found.walk, seed=found.seed)
    if times:
        out["seconds"] = round(found.seconds, 3)
    return out


def property_data(p: PropertyResult, times: bool = False) -> dict:
    out: dict = {"name": p.name, "kind": p.kind, "verdict": p.verdict.word}
    if p.verdict is Verdict.VIOLATED and p.trace is not None:
        out.update(trace_data(p.trace))
        if p.found is not None:
            out["found"] = found_data(p.found, times)
        if p.shrunk_from is not None:
            out["shrunk_from"] = p.shrunk_from
        if p.lasso is not None:
            out["lasso"] = {"start": p.lasso.start, "loop": p.lasso.loop, "ending": p.lasso.ending,
                            "subject": p.lasso.subject}
    if p.reason is not None:
        out["reason"] = p.reason
    if p.constants is not None:
        out["constants"] = dict(p.constants)
    if p.data is not None:
        out["object_values"] = list(p.data)
    return out


def report_data(result: CheckResult, spec: str, protocol: str, constants: dict,
                faults: dict | None = None, times: bool = False) -> dict:
    """The JSON report of a check: `constants` and `faults` (the budgets a run used, after
    `--faults`; kind -> bound, None for unbounded) are what a replay must match; with
    `times`, each violation's `found` gives its seconds."""
    s = result.stats
    sim = result.simulation
    data: dict = {
        "schema": SCHEMA_VERSION,
        "spec": spec,
        "protocol": protocol,
        "constants": constants,
        **({"faults": faults} if faults is not None else {}),
        **({"symbolic": result.bounds["symbolic"]} if result.bounds.get("symbolic") else {}),
        "engine": result.engine,
        "result": result.result,
        "exit_reason": result.exit_reason,
        "detail": detail(result),
        **({"stopped_during": result.stopped_during} if result.stopped_during else {}),
        "stats": {"distinct_states": s.distinct_states, "generated_states": s.generated_states,
                  "max_depth": s.max_depth, "queue": s.queue, "seconds": round(s.seconds, 3),
                  "memory_bytes": s.memory_bytes},
        "complete_depth": result.complete_depth,
        **({"simulation": {"walks": sim.walks, "requested": sim.requested, "max_depth": sim.max_depth,
                           "seed": sim.seed, "swarm": sim.swarm, "steps": sim.steps}} if sim is not None else {}),
        **({"not_checked": list(result.not_checked)} if result.not_checked else {}),
        "properties": [property_data(p, times) for p in result.properties],
    }
    if result.symmetry is not None:
        r = result.symmetry
        data["symmetry"] = {"used": r.used, "sets": list(r.over), "reason": r.reason}
    if result.partial_order is not None:
        r = result.partial_order
        data["partial_order"] = {"used": r.used, "states_expanded_in_part": r.states, "reason": r.reason}
    if result.coverage is not None:
        data["coverage"] = coverage.data(result.coverage)
    if result.parallel:
        data["parallel"] = result.parallel
    if result.failure is not None:
        f = result.failure
        where = None
        if f.span is not None:
            where = {"line": f.span.line, "column": f.span.column}  # type: ignore[attr-defined]
        data["error"] = {"message": f.message, "location": where, **trace_data(f.trace),
                         **({"constants": dict(f.constants)} if f.constants is not None else {}),
                         **({"object_values": list(f.data)} if f.data is not None else {})}
    return data


def dumps(data: dict) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)
