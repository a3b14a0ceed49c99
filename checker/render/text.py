"""Check results and traces as text for a terminal. Pure functions returning strings.

Nothing here depends on the clock or the machine: the same result renders to the same
bytes (times are left to the caller, which prints them only where asked).
"""

from __future__ import annotations

from checker.result import CheckResult, PropertyResult, Trace, Verdict


def count(n: int) -> str:
    """12345 -> '12,345'."""
    return f"{n:,}"


def trace_lines(trace: Trace, indent: str = "  ") -> list[str]:
    """One line per step (`  3  rm[1]: on commit() from tm`), its changes under it."""
    width = len(str(len(trace.steps) - 1))
    out = []
    for n, step in enumerate(trace.steps):
        out.append(f"{indent}{n:>{width}}  {step.action['action']}")
        out += [f"{indent}{' ' * width}      {c}" for c in step.changes]
    return out


def state_lines(trace: Trace, indent: str = "  ") -> list[str]:
    """The last state of a trace: one `name = value` row each, then the messages in flight."""
    last = trace.steps[-1]
    out = [f"{indent}{name} = {value}" for name, value in last.rows]
    flight = last.state.get("network", [])
    if flight:
        out.append(f"{indent}in flight:")
        out += [f"{indent}  {m}" for m in flight]
    else:
        out.append(f"{indent}in flight: nothing")
    return out


def path_text(trace: Trace) -> str:
    """The replayable encoding of a trace: action indices joined by dots."""
    return ".".join(str(i) for i in trace.path)


def _property_heading(p: PropertyResult) -> str:
    what = f"invariant {p.name}" if p.kind == "invariant" else f"check {p.kind}"
    if p.verdict is Verdict.VIOLATED and p.trace is not None:
        steps = p.trace.length
        return f"{what}: violated after {steps} step{'s' if steps != 1 else ''}"
    if p.verdict is Verdict.UNKNOWN:
        return f"{what}: unknown ({p.reason})"
    return f"{what}: {p.verdict.word}"


def report(result: CheckResult, spec: str, replay_hint: str) -> str:
    """The whole text report of `capcheck check`. `replay_hint` is the command that replays
    a path, with `{path}` where the path goes."""
    s = result.stats
    out = [f"{spec}: {count(s.distinct_states)} distinct states, {count(s.generated_states)} generated, "
           f"depth {s.max_depth}"]
    for p in result.properties:
        out.append(_property_heading(p))
        if p.verdict is Verdict.VIOLATED and p.trace is not None:
            out += trace_lines(p.trace)
            out.append("  final state:")
            out += state_lines(p.trace, "    ")
            out.append("  replay: " + replay_hint.format(path=path_text(p.trace)))
    if result.failure is not None:
        f = result.failure
        out.append(f"the spec failed while running: {f.message}")
        out += trace_lines(f.trace)
        out.append("  state:")
        out += state_lines(f.trace, "    ")
    if not result.properties and result.failure is None:
        out.append("no properties to check (declare an 'invariant' or a 'check')")
    out.append(f"result: {result.result} ({result.detail})")
    return "\n".join(out)
