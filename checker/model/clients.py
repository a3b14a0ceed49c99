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

from checker.model import values
from checker.model.exprgen import ExprCompiler
from checker.model.layout import Layout
from checker.model.objectgen import compile_object
from checker.props.monitor import monitor_for
from checker.props.objects import BUILTIN, SequentialSpec
from checker.props.sequential import SequentialHistories
from checker.props.sessions import SESSION_KINDS, watcher_for
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
        return BUILTIN[obj.kind](codec.encode(obj.param("initial", 0)), ok)
    return BUILTIN[obj.kind](ok)


def observers(program: ir.Program, layout: Layout, exprs: ExprCompiler) -> list[tuple[int, object]]:
    """What watches the clients' history, each with the slot of its state: the online
    linearizability monitor (`check linearizable`), the histories `check sequential`
    decides on, and the watchers of durability and the session guarantees (props/sessions.py).
    Each has initial(), invoke, respond, fail and abandon, all pure."""
    kinds = {p.kind for p in program.properties}
    if program.clients is None or not kinds & {"linearizable", "sequential", *SESSION_KINDS}:
        return []
    spec = object_spec(program, exprs)
    ops = tuple(op.name for op in program.object.ops)  # type: ignore[union-attr]
    out: list[tuple[int, object]] = []
    if "linearizable" in kinds:
        out.append((layout.env("monitor"), monitor_for(spec, ops)))  # type: ignore[arg-type]
    if "sequential" in kinds:
        out.append((layout.env("history"), SequentialHistories(spec, ops, program.clients.count)))  # type: ignore[arg-type]
    for kind in sorted(kinds & set(SESSION_KINDS)):
        out.append((layout.env("session", kind), watcher_for(kind, spec, ops, program.clients.count,  # type: ignore[union-attr]
                                                             program.clients.ops)))  # type: ignore[union-attr]
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
