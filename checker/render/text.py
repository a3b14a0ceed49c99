"""Check results and traces as text for a terminal. Pure functions returning strings.

Nothing here depends on the clock or the machine: the same result renders to the same
bytes (times are left to the caller, which prints them only where asked).
"""

from __future__ import annotations

import shlex
from typing import Sequence

from checker.props import kinds
from checker.render import coverage
from checker.result import (
    ALL_DECIDED, COMPLETE, FIRST_VIOLATION, INTERRUPTED, MAX_DEPTH, MAX_STATES, MEMORY, TIMEOUT, WALKS, WORKER_LOST,
    CheckResult, Found, Lasso, PropertyResult, Reduction, Trace, Verdict,
)


def count(n: int) -> str:
    """12345 -> '12,345'."""
    return f"{n:,}"


def plural(n: int, word: str, words: str = "") -> str:
    """(1, 'state') -> '1 state'; (12345, 'state') -> '12,345 states'."""
    return f"{count(n)} {word if n == 1 else (words or word + 's')}"


def detail(result: CheckResult) -> str:
    """Why the run stopped, in one sentence without parentheses; for a breadth-first search
    that stopped early with a safety property still unknown, up to which depth every run
    was checked."""
    if result.engine == "smt":
        return _smt_detail(result)
    if result.engine == "simulation":
        return _simulation_detail(result)
    open_safety = [p for p in result.properties if p.verdict is Verdict.UNKNOWN and p.kind not in kinds.LIVENESS]
    if result.complete_depth is None or not open_safety:
        return _search_detail(result)
    other = "other " if any(p.verdict is Verdict.VIOLATED for p in result.properties) else ""
    return f"{_search_detail(result)}; no {other}violation in any run of up to {plural(result.complete_depth, 'step')}"


def _search_detail(result: CheckResult) -> str:
    """Why an explicit-state search stopped, in one sentence."""
    s, b = result.stats, result.bounds
    waiting = f"at depth {s.max_depth}, with {plural(s.queue, 'state')} waiting"
    where = f"after {plural(s.distinct_states, 'state')}, {waiting}"
    reason = result.exit_reason
    if reason == COMPLETE:
        reduced = " up to symmetry" if result.symmetry is not None and result.symmetry.used else ""
        return f"explored all {plural(s.distinct_states, 'reachable state')}{reduced}"
    if reason == ALL_DECIDED:
        return (f"every property it decides was violated; the search stopped after "
                f"{plural(s.distinct_states, 'state')}")
    if reason == FIRST_VIOLATION:
        return f"stopped at the first violation, after {plural(s.distinct_states, 'state')}"
    if reason == MAX_STATES:
        return f"stopped at the bound of {plural(b.get('max_states') or 0, 'state')}, {waiting}"
    if reason == MAX_DEPTH:
        return (f"the depth bound of {plural(b.get('max_depth') or 0, 'step')} cut the search: states "
                f"deeper than that were not explored; {plural(s.distinct_states, 'state')} explored")
    if result.stopped_during:
        where = f"during {result.stopped_during}, {where}"
    if reason == TIMEOUT:
        return f"stopped at the time limit of {b.get('timeout') or 0:g} s {where}"
    if reason == MEMORY:
        return f"stopped at the memory limit of {(b.get('max_memory') or 0) >> 20:,} MiB {where}"
    if reason == INTERRUPTED:
        return f"interrupted {where}"
    if reason == WORKER_LOST:
        return f"a worker process of the parallel search died {where}"
    return f"the spec failed while running, after {plural(s.distinct_states, 'state')}"


_WALK_SENTENCES = {
    ALL_DECIDED: "every property it decides was violated, in {walks}",
    FIRST_VIOLATION: "stopped at the first violation, in {walks}",
    TIMEOUT: "stopped at the time limit of {timeout:g} s, after {walks}",
    INTERRUPTED: "interrupted after {walks}",
}


def _simulation_detail(result: CheckResult) -> str:
    """What a simulation did, in one sentence."""
    sim = result.simulation
    assert sim is not None
    walks = f"{plural(sim.walks, 'walk')} of up to {plural(sim.max_depth, 'step')}"
    if result.exit_reason == WALKS:
        other = "other " if any(p.verdict is Verdict.VIOLATED for p in result.properties) else ""
        return f"no {other}violation in {walks}"
    sentence = _WALK_SENTENCES.get(result.exit_reason, "the spec failed while running, in {walks}")
    return sentence.format(walks=walks, timeout=result.bounds.get("timeout") or 0)


def _smt_detail(result: CheckResult) -> str:
    """Why a bounded model checking run stopped, in one sentence."""
    depth, bound = result.stats.max_depth, result.bounds.get("max_depth") or 0
    reason = result.exit_reason
    if reason == ALL_DECIDED:
        return f"every property it decides was violated; runs of up to {plural(depth, 'step')} were searched"
    if reason == MAX_DEPTH:
        return (f"bounded model checking: no run of up to {plural(bound, 'step')} breaks what is left; "
                f"longer runs were not searched")
    searched = f"with runs of up to {plural(depth, 'step')} searched"
    if reason == TIMEOUT:
        return f"stopped at the time limit of {result.bounds.get('timeout') or 0:g} s {searched}"
    if reason == MEMORY:
        return f"stopped at the memory limit of {(result.bounds.get('max_memory') or 0) >> 20:,} MiB {searched}"
    if reason == INTERRUPTED:
        return f"interrupted {searched}"
    return f"the spec failed while running, in a run of {plural(depth, 'step')}"


def trace_lines(trace: Trace, indent: str = "  ", lasso: Lasso | None = None) -> list[str]:
    """One line per step (`  3  rm[1]: on commit() from tm`), its changes under it; for a
    liveness counterexample, lines marking where the continuation starts, the loop and the
    ending."""
    width = len(str(len(trace.steps) - 1))
    out = []
    last = len(trace.steps) - 1
    for n, step in enumerate(trace.steps):
        if lasso is not None and lasso.loop is not None and n == lasso.loop + 1:
            out.append(f"{indent}-- loop: steps {n}-{last} repeat forever (a fair run: every step enabled "
                       f"throughout is taken); step {last} returns to the state after step {lasso.loop}")
        out.append(f"{indent}{n:>{width}}  {step.action['action']}")
        pad = f"{indent}{' ' * width}      "
        out += [f"{pad}reply to {r['client']}#{r['request']}: {r['result']}" for r in step.action.get("replies", ())]
        out += [f"{pad}{c}" for c in step.changes]
        if lasso is not None and n == lasso.start:
            out.append(f"{indent}-- from here on: no more faults, no new or abandoned operations")
    if lasso is not None and lasso.ending == "dead end":
        out.append(f"{indent}-- dead end: no step of the continuation is enabled here, ever again")
    elif lasso is not None and lasso.ending == "error reply":
        out.append(f"{indent}-- the request is answered with an error")
    return out


def history_lines(trace: Trace, indent: str = "  ") -> list[str]:
    """The clients' history along a trace, one line per client: each request with its call
    and its reply (`?` while unanswered), in the order the client issued them."""
    calls, replies = _calls_and_replies(trace)
    out = []
    for client in sorted(calls, key=lambda c: int(c[c.index("[") + 1:-1])):
        ops = [f"#{n} {call} -> {replies.get((client, n), '?')}" for n, call in sorted(calls[client].items())]
        out.append(f"{indent}{client}: " + "; ".join(ops))
    return out


def _calls_and_replies(trace: Trace) -> tuple[dict[str, dict[int, str]], dict[tuple[str, int], str]]:
    """Each client's calls by request number, and the replies by (client, request)."""
    calls: dict[str, dict[int, str]] = {}
    replies: dict[tuple[str, int], str] = {}
    for step in trace.steps:
        a = step.action
        if a.get("kind") == "invoke":
            calls.setdefault(a["actor"], {})[a["request"]] = a["call"]
        for r in a.get("replies", ()):
            replies[(r["client"], r["request"])] = r["result"]
    return calls, replies


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


def verdict_lines(trace: Trace, kind: str) -> list[str]:
    """The history under a counterexample of a check over the clients' history, and what in
    it breaks the check; [] for the other kinds."""
    watcher = kinds.of(kind).watcher
    if watcher == "session":
        return _session_verdict_lines(trace, kind)
    return _history_verdict_lines(trace, kind) if watcher else []


def _history_verdict_lines(trace: Trace, kind: str) -> list[str]:
    """The history under a counterexample of `check linearizable` (with the response no
    order explains: the last reply of the last step) or of `check sequential`."""
    out = ["  history:"] + history_lines(trace, "    ")
    if kind != kinds.LINEARIZABLE.name:
        out.append(f"  {kinds.of(kind).violation}")
        return out
    found = trace.steps[-1].state.get("violated", {}).get(kinds.LINEARIZABLE.name)
    if found:
        out += ["  " + line for line in contradiction_lines(trace, found)]
        return out
    last = trace.steps[-1].action.get("replies") or []
    if last:
        r = last[-1]
        out.append(f"  no linearization explains {r['client']}#{r['request']} returning {r['result']}")
    return out


def contradiction_lines(trace: Trace, found: dict) -> list[str]:
    """What a linearizability counterexample's unexplained response contradicts (`found`:
    the final state's `violated.linearizable`), in sentences: which operations, and how they
    are ordered in real time with it."""
    calls, replies = _calls_and_replies(trace)
    steps = _op_steps(trace)

    def op(who: dict) -> str:
        client, n = who["client"], who["request"]
        return f"{client}#{n} {calls.get(client, {}).get(n, '?')} -> {replies.get((client, n), '?')}"

    target = found["response"]
    invoked, answered = steps.get((target["client"], target["request"]), (None, None))
    out = [f"no linearization explains {op(target)} (answered at step {answered})"]
    if not found["contradicts"]:
        out.append("  no order of the operations before it can produce that result")
        return out
    for k, other in enumerate(found["contradicts"]):
        began, ended = steps.get((other["client"], other["request"]), (None, None))
        when = f"answered at step {ended}" + (
            f", before {target['client']}#{target['request']} was invoked at step {invoked}"
            if ended is not None and invoked is not None and ended < invoked
            else f", invoked at step {began}, concurrent with it")
        out.append(f"  {'it contradicts' if k == 0 else 'and'} {op(other)}, {when}")
    return out


def why_lines(trace: Trace, name: str) -> list[str]:
    """Why invariant `name` is false in the trace's last state (the final state's
    `violated.invariants`, from model/why.py): a sentence each."""
    return list(trace.steps[-1].state.get("violated", {}).get("invariants", {}).get(name, ()))


def _op_steps(trace: Trace) -> dict[tuple[str, int], tuple[int | None, int | None]]:
    """(client, request) -> (the step that invoked it, the step that answered it or None)."""
    out: dict[tuple[str, int], tuple[int | None, int | None]] = {}
    for n, step in enumerate(trace.steps):
        a = step.action
        if a.get("kind") == "invoke":
            out[(a["actor"], a["request"])] = (n, None)
        for r in a.get("replies", ()):
            key = (r["client"], r["request"])
            out[key] = (out.get(key, (None, None))[0], n)
    return out


def _liveness_sentence(p: PropertyResult) -> str:
    """What a liveness counterexample shows, in one sentence."""
    assert p.lasso is not None
    return f"{p.lasso.subject}; {kinds.of(p.kind).violation}:"


def _session_verdict_lines(trace: Trace, kind: str) -> list[str]:
    """The history under a counterexample of durability or a session guarantee, and which
    read contradicts which acknowledged write or earlier read (`violated` in the last
    state, from the checker)."""
    out = ["  history:"] + history_lines(trace, "    ")
    found = trace.steps[-1].state.get("violated", {}).get(kind)
    if not found:
        return out
    calls, replies = _calls_and_replies(trace)

    def op(who: dict) -> str:
        client, n = who["client"], who["request"]
        return f"{client}#{n} {calls.get(client, {}).get(n, '?')} -> {replies.get((client, n), '(no reply)')}"

    named = {k: op(v) for k, v in found.items() if k != "contradicts"}
    out.append("  " + kinds.of(kind).violation.format(other=op(found["contradicts"]), **named))  # type: ignore[union-attr]
    last = trace.steps[-1].action.get("replies", ())
    if (found["read"]["client"], found["read"]["request"]) in [(r["client"], r["request"]) for r in last]:
        return out
    if "shows" in found:
        out.append("  (the violation became definite at the last step, which settled a write the read's "
                   "explanation depended on)")
    elif any(_no_effect(r, calls) for r in last):
        out.append("  (the last reply says that an operation that could have explained it had no effect)")
    else:
        out.append("  (the violation became definite at the last step, whose reply settled that an operation "
                   "the explanation depended on took effect)")
    return out


def _no_effect(reply: dict, calls: dict[str, dict[int, str]]) -> bool:
    """Whether a reply (as `Model.describe` gives it) says its operation had no effect: an
    error, or a cas answered false."""
    call = calls.get(reply["client"], {}).get(reply["request"], "")
    return reply["result"].startswith('error "') or (call.startswith("cas(") and reply["result"] == "false")


def with_values(constants: tuple | None) -> str:
    """' with R = 1, W = 1': the values the solver chose for the symbolic constants of a
    counterexample ('' without any)."""
    if not constants:
        return ""
    return " with " + ", ".join(f"{k} = {str(v).lower()}" for k, v in constants)


def path_text(trace: Trace) -> str:
    """The replayable encoding of a trace: action indices joined by dots."""
    return ".".join(str(i) for i in trace.path)


def _property_heading(p: PropertyResult) -> str:
    what = kinds.heading(p.kind, p.name)
    if p.verdict is Verdict.VIOLATED and p.trace is not None and p.lasso is not None:
        shape = "a loop" if p.lasso.ending == "loop" else f"an {p.lasso.ending}" \
            if p.lasso.ending == "error reply" else f"a {p.lasso.ending}"
        return f"{what}: violated after {plural(p.trace.length, 'step')}, ending in {shape}"
    if p.verdict is Verdict.VIOLATED and p.trace is not None:
        shrunk = f" (shrunk from {p.shrunk_from})" if p.shrunk_from is not None else ""
        return f"{what}: violated after {plural(p.trace.length, 'step')}{shrunk}{with_values(p.constants)}"
    if p.verdict is Verdict.UNKNOWN and p.reason:
        return f"{what}: unknown ({p.reason})"
    return f"{what}: {p.verdict.word}"


def found_text(found: Found, times: bool = False) -> str:
    """When a violation was found: `found after 158 distinct states`, or for a simulation
    `found by walk 37 (seed 37) after 3,412 steps`; with `times`, also the seconds."""
    when = f" in {found.seconds:.2f} s" if times else ""
    if found.walk is None:
        return f"found after {plural(found.states, 'distinct state')}{when}"
    return f"found by walk {found.walk} (seed {found.seed}) after {plural(found.states, 'step')}{when}"


def property_lines(p: PropertyResult, replay_hint: str, found: bool = False, times: bool = False) -> list[str]:
    """A property's verdict, and under a violation its trace, what it shows and how to
    replay it (`replay_hint` as for `report`); with `found`, when the engine found it
    (`found_text`, with the seconds when `times`)."""
    out = [_property_heading(p)]
    if p.verdict is Verdict.VIOLATED and p.trace is not None:
        if found and p.found is not None:
            out.append(f"  {found_text(p.found, times)}")
        if p.lasso is not None:
            out.append(f"  {_liveness_sentence(p)}")
        out += trace_lines(p.trace, lasso=p.lasso)
        why = why_lines(p.trace, p.name) if p.kind == kinds.INVARIANT.name else []
        if why:
            out.append("  why it is false:")
            out += [f"    {w}" for w in why]
        out += verdict_lines(p.trace, p.kind)
        out.append("  final state:")
        out += state_lines(p.trace, "    ")
        defines = "".join(f"-D {k}={str(v).lower()} " for k, v in p.constants or ()) + \
            (f"--values={','.join(map(str, p.data))} " if p.data is not None else "")
        out.append("  replay: " + replay_hint.format(path=defines + path_text(p.trace)))
    return out


def reduction_line(r: Reduction) -> str:
    """'symmetry: rm (3 nodes)', 'symmetry: off (--no-symmetry)', 'partial-order reduction:
    12 states expanded in part; ...'."""
    if not r.used:
        return f"{r.kind}: off ({r.reason})"
    if r.states is not None:
        return (f"{r.kind}: {plural(r.states, 'state')} expanded in part; a counterexample may be longer "
                f"than the shortest (--shrink shortens it)" + (f"; {r.reason}" if r.reason else ""))
    return f"{r.kind}: {', '.join(r.over)}" + (f" ({r.reason})" if r.reason else "")


def same_run_lines(p: PropertyResult, first: PropertyResult) -> list[str]:
    """A violated property whose counterexample is the run already shown for `first`: its
    heading, a line saying so, and what the run shows for it (without the steps again)."""
    assert p.trace is not None  # a counterexample's property has its trace
    out = [_property_heading(p), f"  the same run as {kinds.heading(first.kind, first.name)} above"]
    if p.lasso is not None:
        out.append(f"  {_liveness_sentence(p)}")
    why = why_lines(p.trace, p.name) if p.kind == kinds.INVARIANT.name else []
    out += ["  why it is false:"] + [f"    {w}" for w in why] if why else []
    return out + verdict_lines(p.trace, p.kind)


def run_key(p: PropertyResult) -> tuple:
    """What makes two counterexamples the same run: the path, the constants and data values
    it ran with, and the lasso's shape."""
    assert p.trace is not None  # a counterexample's property has its trace
    lasso = p.lasso
    return (path_text(p.trace), p.constants, p.data,
            None if lasso is None else (lasso.start, lasso.loop, lasso.ending))


def summary(result: CheckResult) -> str:
    """What the run explored, in one line: states and depth, the runs bounded model checking
    searched, or the walks of a simulation."""
    s = result.stats
    if result.engine == "smt":
        symbolic = result.bounds.get("symbolic") or {}
        chosen = ", the solver choosing " + " and ".join(f"{k} in {v}" if ".." in v else f"{k} ({v})"
                                                         for k, v in symbolic.items()) if symbolic else ""
        return f"bounded model checking with Z3, runs of up to {plural(s.max_depth, 'step')} searched{chosen}"
    sim = result.simulation
    if sim is not None:
        swarm = ", swarm" if sim.swarm else ""
        return (f"simulation, {plural(sim.walks, 'random walk')} of up to {plural(sim.max_depth, 'step')} "
                f"(seed {sim.seed}{swarm}), {plural(sim.steps, 'step')} in all")
    return f"{plural(s.distinct_states, 'distinct state')}, {count(s.generated_states)} generated, depth {s.max_depth}"


def report(result: CheckResult, spec: str, replay_hint: str, traces: bool = True, times: bool = False) -> str:
    """The whole text report of `capcheck check`. `replay_hint` is the command that replays
    a path, with `{path}` where the path goes; without `traces` (`--quiet`) only the
    verdicts are given, not the runs behind them; with a result's `coverage`, its table
    and warnings come before the last line; with `times`, the seconds after which
    each violation was found (a measurement, so not by default: the report is otherwise
    the same bytes on every run)."""
    out = [f"{spec}: {summary(result)}"]
    out += [reduction_line(r) for r in (result.symmetry, result.partial_order) if r is not None]
    if result.parallel:
        out.append(f"parallel search: {result.parallel}")
    for p in result.properties:
        out += property_lines(p, replay_hint, True, times) if traces else [_property_heading(p)]
    if result.not_checked:
        out.append(f"not checked (--check): {', '.join(result.not_checked)}")
    if result.failure is not None:
        f = result.failure
        out.append(f"the spec failed while running{with_values(f.constants)}: {f.message}")
        if traces:
            out += trace_lines(f.trace)
            out.append("  state:")
            out += state_lines(f.trace, "    ")
    if not result.properties and result.failure is None:
        out.append("no properties to check (declare an 'invariant' or a 'check')")
    if result.coverage is not None:
        out += coverage.table_lines(result.coverage) + coverage.warnings(result.coverage, spec)
    out.append(f"result: {result.result} ({detail(result)})")
    return "\n".join(out)


def replay_command(spec: str, defines: Sequence[str], faults: str | None) -> str:
    """The `capcheck replay` command a report prints under each counterexample, as a
    template with `{path}` left to fill: every word shell-quoted (a path with spaces or `$`
    pastes back as it was given), braces escaped for str.format."""
    words = ["capcheck", "replay", spec] + [w for d in defines for w in ("-D", d)] + (["--faults", faults] if faults else [])
    return " ".join(map(shlex.quote, words)).replace("{", "{{").replace("}", "}}") + " {path}"
