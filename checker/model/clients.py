"""Clients in the compiled model: the object's sequential spec over encoded values, the
helpers generated code calls to answer a request, and how client steps read in traces.

A client's slot is `(operations invoked, pending)`, pending being none or
`(seq, op, args, node)`. A handle is `(client, seq)`. Answering a request whose client is
still waiting for it completes the operation (and feeds the observers: the
linearizability monitor, the histories for sequential consistency);
answering one its client gave up on changes nothing for the client: the operation stays
indeterminate, as it should (it may or may not have taken effect).
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

from checker.model import values
from checker.model.exprgen import ExprCompiler
from checker.model.layout import Layout
from checker.model.objectgen import compile_object
from checker.props.explain import core, relaxed
from checker.props.operations import UNKNOWN, Operation
from checker.props.monitor import monitor_for
from checker.props.objects import BUILTIN, SequentialSpec
from checker.props.sequential import SequentialHistories
from checker.props import kinds
from checker.props.sessions import watcher_for
from checker.semantics import ir


def object_spec(program: ir.Program, exprs: ExprCompiler) -> SequentialSpec:
    """The sequential spec of the program's object, over encoded values."""
    obj = program.object
    assert obj is not None
    if obj.kind == "user":
        return compile_object(program, exprs)
    codec = exprs.t.codec
    ok = codec.encode("ok")
    if obj.kind in ("register", "kv"):
        return BUILTIN[obj.kind](codec.encode(obj.param("initial", 0)), ok, codec.encode(None))
    return BUILTIN[obj.kind](ok)


def observers(program: ir.Program, layout: Layout, exprs: ExprCompiler) -> list[tuple[int, object]]:
    """What watches the clients' history, each with the slot of its state: the online
    linearizability monitor (`check linearizable`), the histories `check sequential`
    decides on, and the watchers of durability and the session guarantees (props/sessions.py).
    Each has initial(), invoke, respond, fail and abandon, all pure."""
    watchers = {p.kind: kinds.of(p.kind).watcher for p in program.properties if kinds.of(p.kind).watcher}
    if program.clients is None or program.object is None or not watchers:
        return []
    spec = object_spec(program, exprs)
    ops = tuple(op.name for op in program.object.ops)
    count = program.clients.count
    out: list[tuple[int, object]] = []
    if "monitor" in watchers.values():
        out.append((layout.env("monitor"), monitor_for(spec, ops)))  # type: ignore[arg-type]
    if "history" in watchers.values():
        out.append((layout.env("history"), SequentialHistories(spec, ops, count)))  # type: ignore[arg-type]
    for kind in sorted(k for k, w in watchers.items() if w == "session"):
        out.append((layout.env("session", kind), watcher_for(kind, spec, ops, count, program.clients.ops)))  # type: ignore[arg-type]
    return out


def reply_helpers(program: ir.Program, layout: Layout, watching: list[tuple[int, object]]) -> dict[str, object]:
    """`_reply(l, handle, value, span)`, `_reply_error(l, handle, span)`, `_answering`,
    `_observe_invoke` and `_observe_abandon`, as generated code calls them on a step's
    working list."""
    count = program.clients.count if program.clients is not None else 0
    slots = tuple(layout.env("client", node=c) for c in range(count))

    def waiting(l: list, handle: object, span: int) -> tuple[int, int] | None:
        if handle == values.NONE:
            raise values.SpecRuntimeError(span, "a reply to none: no request is held there")
        c, seq = handle  # type: ignore[misc]
        pending = l[slots[c]][1]
        return (c, seq) if pending != values.NONE and pending[0] == seq else None

    def reply(l: list, handle: object, value: object, span: int) -> None:
        target = waiting(l, handle, span)
        if target is not None:
            c, seq = target
            l[slots[c]] = (l[slots[c]][0], values.NONE)
            for k, watcher in watching:
                l[k] = watcher.respond(l[k], c, seq, value)  # type: ignore[attr-defined]

    def reply_error(l: list, handle: object, span: int) -> None:
        target = waiting(l, handle, span)
        if target is not None:
            c, seq = target
            l[slots[c]] = (l[slots[c]][0], values.NONE)
            for k, watcher in watching:
                l[k] = watcher.fail(l[k], c, seq)  # type: ignore[attr-defined]

    def observe_invoke(l: list, c: int, seq: int, op: int, args: tuple) -> None:
        for k, watcher in watching:
            l[k] = watcher.invoke(l[k], c, seq, op, args)  # type: ignore[attr-defined]

    def observe_abandon(l: list, c: int, seq: int) -> None:
        for k, watcher in watching:
            l[k] = watcher.abandon(l[k], c, seq)  # type: ignore[attr-defined]

    def answering(l: list, handle: object) -> int:
        """The operation a reply to `handle` answers, or -1 if its client is not waiting."""
        if handle == values.NONE:
            return -1
        c, seq = handle  # type: ignore[misc]
        pending = l[slots[c]][1]
        return pending[1] if pending != values.NONE and pending[0] == seq else -1

    return {"_reply": reply, "_reply_error": reply_error, "_answering": answering,
            "_observe_invoke": observe_invoke, "_observe_abandon": observe_abandon}


def is_error_reply(result: object) -> bool:
    """Whether a reply's value is `reply error "..."` (generated code answers with
    `("error", reason)`, which no object's operation returns)."""
    return isinstance(result, tuple) and len(result) == 2 and result[0] == "error"


class ClientText:
    """How operations, requests and replies read: `write(1)`, `read() = 2`."""

    def __init__(self, program: ir.Program, codec: values.Codec) -> None:
        self.program = program
        self.codec = codec

    def call(self, op: int, args: tuple) -> str:
        operation = self.program.object.ops[op]  # type: ignore[union-attr]
        shown = ", ".join(values.show(self.codec.decode(a, t), t) for a, (_, t) in zip(args, operation.params))
        return f"{operation.name}({shown})"

    def result(self, op: int, value: object) -> str:
        """A reply as text; `op` -1 is a reply nobody waits for (its client gave up)."""
        if is_error_reply(value):
            text = f"error \"{value[1]}\""
        elif op < 0:
            text = "a reply"
        else:
            t = self.program.object.ops[op].result  # type: ignore[union-attr]
            text = values.show(self.codec.decode(value, t), t)
        return text if op >= 0 else f"{text} (ignored: the client gave up on it)"

    def request(self, r: tuple) -> str:
        """A waiting request `(client, seq, op, args)`."""
        return f"{self.call(r[2], r[3])} from client[{r[0]}]"

    def pending(self, slot: tuple) -> str:
        done, pending = slot
        if pending == values.NONE:
            return f"{done} invoked, idle"
        return f"{done} invoked, waiting for {self.call(pending[1], pending[2])}"


def operations_along(model, path: Sequence[int]) -> tuple[list[Operation], list[tuple[int, int]], list[int]]:
    """The clients' history along `path` (a path `replay` accepts) as the offline checker
    reads it (props/linearizability.py), over encoded values: the operations in the order
    they were invoked, each one's (client, request number from 1), and the indices of the
    operations the last step answered, in the order it answered them.

    An operation's call and return positions are the steps that invoked and answered it; one
    never answered (its client gave up, or its node forgot it) is indeterminate; one
    answered with an error had no effect and is left out.
    """
    ops = model.program.object.ops
    state = model.init_states()[path[0]]
    found: dict[tuple[int, int], Operation] = {}
    failed: set[tuple[int, int]] = set()
    last: list[tuple[int, int]] = []
    for n, a in enumerate(path[1:], start=1):
        (label, events), state = model.labeled(state)[a]
        if label[0] == "invoke":
            _, c, seq, op, args, _node = label
            found[(c, seq)] = Operation(c, ops[op].name, args, UNKNOWN, n, None)
        last = []
        for handle, op, result in events:
            if op < 0:
                continue                    # nobody waits for it any more: it stays indeterminate
            if is_error_reply(result):
                failed.add(handle)
            else:
                found[handle] = dataclasses.replace(found[handle], result=result, ret=n)
                last.append(handle)
    handles = [h for h in found if h not in failed]
    return ([found[h] for h in handles], [(c, seq + 1) for c, seq in handles],
            [handles.index(h) for h in last])


def unexplained(model, path: Sequence[int], spec: SequentialSpec) -> dict | None:
    """What a counterexample to `check linearizable` ending at `path` contradicts, as the
    JSON state shows it: the `response` no linearization explains (the first reply of the
    last step that makes the history unexplainable) and the fewest other operations it
    `contradicts` (props/explain.py), each as {client, request}; None when the history
    along `path` is linearizable or the check is undecided."""
    operations, handles, answered = operations_along(model, path)
    for k, target in enumerate(answered):
        later = set(answered[k + 1:])
        prefix = [relaxed(o) if i in later else o for i, o in enumerate(operations)]
        found = core(spec, prefix, target)
        if found is not None:
            def who(i: int) -> dict:
                return {"client": f"client[{handles[i][0]}]", "request": handles[i][1]}
            return {"response": who(target), "contradicts": [who(i) for i in found if i != target]}
    return None
