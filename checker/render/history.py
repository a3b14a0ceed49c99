"""What `capcheck history` prints: the verdict on a history as text and as JSON.

Pure functions of a History and the checker's LinearizabilityResult: deterministic (no
timings), values written in the history's own notation (EDN or JSON), every operation
named by its lines in the file.
"""

from __future__ import annotations

import json
from typing import Sequence

from checker.history.notation import show
from checker.history.read import History
from checker.props.operations import OK, UNKNOWN, LinearizabilityResult, Operation, PartResult
from checker.result import Verdict

WORDS = {Verdict.HOLDS: "linearizable", Verdict.VIOLATED: "not linearizable", Verdict.UNKNOWN: "unknown"}
REASONS = {"timeout": "the time limit was reached", "memory": "the memory limit was reached",
           "interrupted": "the check was interrupted"}
JSON_SCHEMA = 1


# ---------------------------------------------------------------- text


def summary(history: History) -> str:
    """'FILE: edn history, cas-register model, 4 operations by 3 processes (1 indeterminate)'."""
    ops = history.operations
    if not ops:
        return f"{history.path}: no operations"
    processes = len({(type(o.process), o.process) for o in ops})
    pending = sum(1 for o in ops if o.ret is None)
    model = history.model.name if history.model else "no"
    text = (f"{history.path}: {history.format} history, {model} model, {_count(len(ops), 'operation')} "
            f"by {_count(processes, 'process', 'processes')}")
    return text + (f" ({pending} indeterminate)" if pending else "")


def text(history: History, result: LinearizabilityResult) -> str:
    """The whole text report: the summary, the verdict, and for a violation every violated
    part's longest linearizable prefix and the operation that cannot be placed after it."""
    lines = [summary(history), verdict_line(history, result)]
    for part in result.parts:
        if part.verdict is Verdict.VIOLATED:
            lines += _violation(history, part, _keyed(result))
    if result.verdict is Verdict.UNKNOWN:
        lines += _progress(history, result)
    elif result.verdict is Verdict.VIOLATED:
        lines += _stopped(history, result)
    return "\n".join(lines)


def _count(n: int, word: str, words: str = "") -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def _keyed(result: LinearizabilityResult) -> bool:
    return any(p.part is not None for p in result.parts)


def verdict_line(history: History, result: LinearizabilityResult) -> str:
    """'linearizable', 'not linearizable: 2 of 10 keys', 'unknown: the time limit was reached'."""
    word = WORDS[result.verdict]
    if result.verdict is Verdict.UNKNOWN:
        return f"{word}: {REASONS.get(result.reason or '', 'the check stopped')}"
    if not _keyed(result):
        return word
    total = _count(len(result.parts), "key")
    if result.verdict is Verdict.HOLDS:
        return f"{word}: all {total}" if len(result.parts) > 1 else f"{word}: {total}"
    bad = sum(1 for p in result.parts if p.verdict is Verdict.VIOLATED)
    return f"{word}: {bad} of {total}"


def _violation(history: History, part: PartResult, keyed: bool) -> list[str]:
    ops = history.operations
    where = f"key {show(part.part, history.notation)}: " if keyed else ""
    lines = [f"{where}the longest linearizable prefix has {len(part.prefix)} of the "
             f"{_count(len(part.operations), 'operation')}:"]
    rows = [(_lines(ops[i]), _process(ops[i], history), describe(ops[i], history),
             f"state {show(state, history.notation)}") for i, state in zip(part.prefix, part.states)]
    assert part.stuck is not None  # a violated part says which operation is stuck
    stuck = ops[part.stuck]
    rows.append((_lines(stuck), _process(stuck, history), describe(stuck, history), _why(history, part, stuck)))
    table = _table(rows)
    lines += ["  " + row for row in table[:-1]]
    lines.append(f"{where}after it, this operation cannot be placed:")
    lines.append("  " + table[-1])
    return lines


def _why(history: History, part: PartResult, stuck: Operation) -> str:
    """Why `stuck` cannot come after the prefix: what it would return there instead, or
    that it would fit but lead nowhere."""
    spec, name, args = history.spec, stuck.op, stuck.args
    assert spec is not None  # a history with a verdict was checked against a spec
    if part.part is not None:
        split = spec.split(name, args)
        assert split is not None  # a history in parts is of an object with parts
        _, name, args = split
        spec = spec.part_spec
    state = part.states[-1] if part.states else spec.initial()
    stepped = spec.step(state, name, args)
    assert stepped is not None  # the objects histories use take every operation in every state
    result, _ = stepped
    if _same(result, stuck.result):
        return "it fits here, but nothing can follow it"
    return f"here it would return {show(result, history.notation)}"


def _same(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b


def _table(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]) - 1)]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[-1] for row in rows]


def _lines(o: Operation) -> str:
    call = o.call_at.line if o.call_at else "?"
    if o.ret_at is None:
        return f"line {call}"
    ret = o.ret_at.line
    return f"line {call}" if ret == call else f"lines {call}-{ret}"


def _process(o: Operation, history: History) -> str:
    return f"process {show(o.process, history.notation)}"


def describe(o: Operation, history: History) -> str:
    """'cas(1, 2) -> true', 'read() -> nil', 'write(3) -> ? (info)', 'write(3) -> ? (no response)'."""
    args = ", ".join(show(a, history.notation) for a in o.args)
    if o.ret is None:
        return f"{o.op}({args}) -> ? ({'info' if o.ret_at is not None else 'no response'})"
    return f"{o.op}({args}) -> {show(o.result, history.notation)}"


def _progress(history: History, result: LinearizabilityResult) -> list[str]:
    keyed = _keyed(result)
    lines = []
    if keyed:
        good = sum(1 for p in result.parts if p.verdict is Verdict.HOLDS)
        lines.append(f"linearizable: {good} of {_count(len(result.parts), 'key')}; the others are undecided:")
    for part in result.parts:
        if part.verdict is Verdict.UNKNOWN:
            where = f"key {show(part.part, history.notation)}: " if keyed else ""
            lines.append(f"  {where}the longest linearizable prefix found has {len(part.prefix)} of the "
                         f"{_count(len(part.operations), 'operation')} "
                         f"({_count(part.configurations, 'configuration')} ruled out)")
    return lines


def _stopped(history: History, result: LinearizabilityResult) -> list[str]:
    stopped = [p for p in result.parts if p.verdict is Verdict.UNKNOWN]
    if not stopped:
        return []
    keys = ", ".join(show(p.part, history.notation) for p in stopped)
    return [f"not decided, since the verdict no longer depends on them: {_count(len(stopped), 'key')} ({keys})"]


# ---------------------------------------------------------------- JSON


def data(history: History, result: LinearizabilityResult) -> dict:
    """The JSON report as a dict (schema in docs/cli.md)."""
    ops = history.operations
    return {
        "schema": JSON_SCHEMA,
        "history": history.path,
        "format": history.format,
        "model": history.model.name if history.model else None,
        "operations": len(ops),
        "processes": len({(type(o.process), o.process) for o in ops}),
        "indeterminate": sum(1 for o in ops if o.ret is None),
        "verdict": WORDS[result.verdict],
        "reason": result.reason,
        "parts": [_part_data(history, p) for p in result.parts],
    }


def _part_data(history: History, part: PartResult) -> dict:
    ops = history.operations
    out: dict = {
        "key": None if part.part is None else jsonable(part.part),
        "verdict": WORDS[part.verdict],
        "reason": part.reason,
        "operations": len(part.operations),
        "configurations": part.configurations,
    }
    if part.verdict is not Verdict.HOLDS:
        out["prefix"] = [dict(_op_data(ops[i], i), state=jsonable(s)) for i, s in zip(part.prefix, part.states)]
        out["stuck"] = None if part.stuck is None else _op_data(ops[part.stuck], part.stuck)
    return out


def _op_data(o: Operation, index: int) -> dict:
    out = {"index": index, "process": jsonable(o.process), "f": o.op, "args": [jsonable(a) for a in o.args],
           "indeterminate": o.ret is None, "call_line": o.call_at.line if o.call_at else None,
           "response_line": o.ret_at.line if o.ret_at else None}
    if o.result is not UNKNOWN:
        out["result"] = jsonable(o.result)
    return out


def jsonable(value: object) -> object:
    """A value as JSON data: keywords as ':name' strings, vectors as arrays, sets as sorted arrays."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (tuple, list)):
        return [jsonable(v) for v in value]
    if isinstance(value, frozenset):
        return sorted((jsonable(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, dict):
        return {str(jsonable(k)): jsonable(v) for k, v in value.items()}
    if value is OK:
        return "ok"
    return str(value)  # keywords as ':name', symbols, characters, ratios, decimals


def dumps(report: dict) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False)


# ---------------------------------------------------------------- `--explain`


def explanation_text(history: History, e) -> list[str]:
    """The lines `history --explain` adds (e: smt.explain.Explanation)."""
    ops = history.operations
    if e.status == "linearizable":
        return ["explanation: nothing to explain, the history is linearizable"]
    if e.status == "undecided":
        return ["explanation: none, the verdict itself is unknown"]
    if e.status == "unknown":
        return [f"explanation: unknown ({e.reason}; {e.window} operations were encoded)"]
    keyed = f" of key {show(e.part, history.notation)}" if e.part is not None else ""
    size = _count(len(e.core), "operation")
    what = "the smallest set" if e.minimum else "a minimal set (none of them can be left out; a smaller set may exist)"
    lines = [f"explanation (Z3, checked by the offline checker): these {size}{keyed} cannot all have the "
             f"results shown, whatever the other operations did; {what}:"]
    rows = [(_lines(ops[i]), _process(ops[i], history), describe(ops[i], history),
             "<- answered last" if i == e.contradicted else "") for i in e.core]
    lines += ["  " + row.rstrip() for row in _table(rows)]
    target = ops[e.contradicted]
    if e.allowed:
        could = " or ".join(show(r, history.notation) for r in e.allowed)
        more = "" if e.complete else " (at least)"
        lines.append(f"  with the others as recorded, {target.op}(...) could only have returned {could}{more}")
    else:
        lines.append(f"  with the others as recorded, {target.op}(...) could not have taken effect at all")
    if e.violated_parts > 1:
        lines.append(f"  ({e.violated_parts - 1} more violated key{'s' if e.violated_parts > 2 else ''} not explained)")
    return lines


def explanation_data(history: History, e) -> dict:
    out: dict = {"status": e.status, "reason": e.reason, "window": e.window}
    if e.status == "explained":
        ops = history.operations
        out.update(key=None if e.part is None else jsonable(e.part), minimum=e.minimum,
                   core=[_op_data(ops[i], i) for i in e.core], contradicted=e.contradicted,
                   allowed=[jsonable(r) for r in e.allowed], complete=e.complete)
    return out


def explanation_dot(history: History, e) -> str:
    """The explained operations as a diagram: a lane per process, time flowing down, each
    operation a box from its call to its response (to the bottom when it has none), the one
    answered last in red."""
    from checker.render.dot import Graph, write

    ops = [history.operations[i] for i in e.core]
    processes = list(dict.fromkeys(show(o.process, history.notation) for o in ops))
    times = sorted({t for o in ops for t in (o.call, o.ret) if t is not None})
    rows = {t: k for k, t in enumerate(times)}
    g = Graph("explanation", {"rankdir": "TB", "newrank": True, "fontname": "Helvetica", "labelloc": "t",
                              "label": f"{history.path}: {len(ops)} operations that cannot all be linearized",
                              "splines": "line"})
    g.defaults = {"node": {"fontname": "Helvetica", "fontsize": "10"}, "edge": {"arrowhead": "none"}}
    head = g.subgraph("head", rank="same")
    for k, p in enumerate(processes):
        head.node(f"p{k}", label=f"process {p}", shape="box", style="filled,rounded", fillcolor="#d6eaf8")
    for a, b in zip(range(len(processes)), range(1, len(processes))):
        head.edge(f"p{a}", f"p{b}", style="invis")
    end = len(times)
    for r in range(end + 1):
        row = g.subgraph(f"r{r}", rank="same")
        for k in range(len(processes)):
            row.node(f"c{k}_{r}", label="", shape="point", width="0.03", color="#888888")
    covered: set[tuple[int, int]] = set()       # lane segments an operation's bar replaces
    for i, o in zip(e.core, ops):
        k = processes.index(show(o.process, history.notation))
        top, bottom = rows[o.call], rows[o.ret] if o.ret is not None else end
        covered |= {(k, r) for r in range(top, bottom)}
        red = i == e.contradicted
        for r in range(top, bottom):
            g.edge(f"c{k}_{r}", f"c{k}_{r + 1}", color="#c0392b" if red else "#1f5fbf", penwidth="6", weight="100",
                   xlabel=f"{describe(o, history)}  ({_lines(o)})" if r == top else None,
                   fontcolor="#c0392b" if red else "#1f5fbf", fontname="Helvetica", fontsize="10")
    for k in range(len(processes)):
        g.edge(f"p{k}", f"c{k}_0", color="#888888", weight="100")
        for r in range(end):
            if (k, r) not in covered:
                g.edge(f"c{k}_{r}", f"c{k}_{r + 1}", color="#888888", weight="100")
    return write(g)
