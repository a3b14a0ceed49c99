"""The symbolic state: one copy of a protocol's state as Z3 terms, slot by slot.

It mirrors the explicit engine's layout (model/layout.py), so that a state the solver finds
decodes to the very tuple the explicit engine would hold (`decode`), and a trace can be
matched step by step against `Model.labeled`. Per slot:

| slot | symbolic |
|---|---|
| a node's variable | its symbolic value (symbolic.py) |
| `down`, `paused` | a Bool per node |
| `cuts` | a Bool per cut that can ever be made (every partition side, link, one-way cut) |
| a fault budget, an address, real time, a node's clock | an Int |
| a client | `Tup(invoked, waiting, seq, invocation, node)`: the invocation indexes the table of every (operation, arguments) a client may invoke |
| the requests waiting at a node | per client and request number, `Tup(node or -1, invocation)`: shared by all nodes |
| an unordered inbox, a duplicating one | `Bag`: `capacity` message slots, each `Tup(valid, message number, source, fields...)` |
| a fifo link | `Queue`: a length and `capacity` slots `Tup(valid, message number, -1, fields...)` |

A message slot holds the fields of every message type (only the type its number names is
read). The capacities are the most messages a run of at most `depth` steps can put in a
network slot (`Capacity`), so they are never exceeded in the runs the search looks at; an
overflow would be an internal error, and is checked as one. The explicit engine's
monitor and watchers of the clients' history are not part of this state; when a check over
the history is decided here (linearizable, durable, read_your_writes), the history itself
rides in the first of their slots (lin.py: when each request was invoked and answered,
and what with), and the checks are formulas over it (lin.py, sessions.py).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from itertools import combinations, permutations

import z3

from checker.model import Model, values
from checker.props import kinds
from checker.model.exprgen import Unsupported
from checker.model.layout import Slot
from checker.semantics import ir
from checker.semantics.types import IntT, Type
from checker.smt import symbolic as sv
from checker.smt.symbolic import Tup


@dataclass(frozen=True)
class Bag:
    slots: tuple[Tup, ...]


@dataclass(frozen=True)
class Queue:
    length: z3.ArithRef
    slots: tuple[Tup, ...]


class Shape:
    """Everything about the state's form that does not change along a run: the explicit
    model's layout and tables, the cuts that can exist, the invocation table, the message
    types and the capacity of each network slot."""

    def __init__(self, model: Model, capacity: int, program: ir.Program | None = None) -> None:
        """`program`: the IR to encode when it is not `model`'s own (one with symbolic
        constants, of which `model` is an instance: smt/params.py)."""
        self.model = model
        self.program: ir.Program = program or model.program
        self.layout = model.layout
        clients = model.program.clients
        self.dom = sv.Domains(model.codec, clients.count if clients else 0, clients.ops if clients else 0)
        self.capacity = capacity
        self.gids = [n.gid for n in self.program.nodes]
        self.init = model.init_states()[0]
        self.cuts = self._cut_candidates()
        self.unbounded = self.program.object is not None and self.program.object.unbounded
        self.invocations = _invocations(self.program, model.codec)
        self.messages = self.program.messages
        self.clients = self.program.clients.count if self.program.clients is not None else 0
        self.ops = self.program.clients.ops if self.program.clients is not None else 0
        self.mode = self.program.network.mode
        self.compared = [k for k, s in enumerate(self.layout.slots) if s.kind not in ("monitor", "history", "session")]
        self.lin, self.histories, self.effects = self._history_checks()
        self.monitor = self._history_slot()
        self.keys = self.compared + ([self.monitor] if self.lin is not None else [])  # type: ignore[list-item]

    # -------------------------------------------------- the arguments of requests

    def argument(self, c: int, q: int, op: int, args: tuple, i: int, t: Type):
        """Argument i of client c's request q when it invokes (`op`, `args`): the constant
        of an encoded argument, or for an object of `values = int` the request's own Z3
        integer (one per request, operation and position, the same in every state)."""
        if args[i] is SYMBOLIC:
            return z3.Int(f"arg!{c}!{q}!{op}!{i}")
        return sv.const(args[i], t, self.dom)

    def arguments(self) -> list:
        """Every request's Z3 integer (`argument`), in a fixed order."""
        places = dict.fromkeys((op, i, args) for op, args in self.invocations
                               for i, a in enumerate(args) if a is SYMBOLIC)
        terms = {}
        for c in range(self.clients):
            for q in range(self.ops):
                for op, i, args in places:
                    term = self.argument(c, q, op, args, i, None)
                    terms[str(term)] = term
        return list(terms.values())

    def concrete_args(self, model: z3.ModelRef, c: int, q: int, op: int, args: tuple) -> tuple:
        """`args` with the value `model` gives each of client c's request q's integers."""
        return tuple(model.eval(self.argument(c, q, op, args, i, None), model_completion=True).as_long()
                     if a is SYMBOLIC else a for i, a in enumerate(args))

    def invocation(self, op: int, args: tuple) -> int:
        """The index in the invocation table of an explicit (operation, encoded arguments);
        an object of `values = int` has no constant for its requests' integers."""
        if self.unbounded:
            raise sv.NotEncodable("a request in a given state of an object with 'values = int'")
        return self.invocations.index((op, args))

    def _history_checks(self) -> tuple:
        """(the tabulated object (lin.py), the kinds of check over the clients' history
        this engine decides, what each invocation does for the session checks
        (sessions.Effects) or None). The history is recorded, in the monitor's slot or
        else a session watcher's, when some check is decided. `check linearizable` is left
        undecided when the object is too large to tabulate or the history has too many
        orders to try; a session check is refused then, or when its reads can give too
        many results (Unsupported, at the check)."""
        from checker.smt import sessions
        from checker.smt.lin import ObjectTable, orders
        n = self.clients * self.ops
        checks = [p for p in self.program.properties if kinds.of(p.kind).smt and kinds.of(p.kind).watcher
                  and (p.kind == kinds.LINEARIZABLE.name or sessions.decides(p.kind, self.program))]
        session = [p for p in checks if p.kind != kinds.LINEARIZABLE.name]
        if not checks or self.program.clients is None:
            return None, (), None
        if self.unbounded:
            return self._data_checks(checks)
        try:
            orders(n)
            decided = [p.kind for p in checks]
        except sv.NotEncodable:
            decided = [p.kind for p in session]
        try:
            spec, ops = sessions.object_of(self.model)
            table = ObjectTable(spec, ops, self.invocations, n) if decided else None
            effects = sessions.Effects(spec, ops, self.program, self.model.codec, self.dom, self.invocations,
                                       table) if session else None
        except sv.NotEncodable as exc:
            if session:
                raise Unsupported(f"{exc} for 'check {session[0].kind}'", session[0].span) from None
            return None, (), None
        return table, tuple(decided), effects

    def _data_checks(self, checks: list) -> tuple:
        """`_history_checks` for an object of `values = int`: `check linearizable` against
        the symbolic object (lin.DataTable), durability and read-your-writes over the
        requests' integers (sessions.DataEffects)."""
        from checker.smt.lin import DataTable, orders
        from checker.smt.sessions import DataEffects
        decided = [p.kind for p in checks]
        try:
            orders(self.clients * self.ops)
        except sv.NotEncodable:
            decided = [k for k in decided if k != kinds.LINEARIZABLE.name]
        if not decided:
            return None, (), None
        session = any(k != kinds.LINEARIZABLE.name for k in decided)
        delete = next((op for op in self.program.object.ops if op.name == "delete"), None)
        if delete is not None:
            raise Unsupported("'delete' on an object of 'values = int' (a finite set of values works)",
                              self.program.object.span)
        return (DataTable(self.program.object, self), tuple(decided),
                DataEffects(self.program.object, self) if session else None)

    def _history_slot(self) -> int | None:
        if self.lin is None:
            return None
        slots = [self.layout.env("monitor")] + [self.layout.env("session", kind) for kind in self.histories]
        return next(k for k in slots if k is not None)

    def _cut_candidates(self) -> list[tuple]:
        f, gids = self.program.faults, self.gids
        out: list[tuple] = []
        if f.partition:
            rest = gids[1:]
            for size in range(len(rest)):
                for combo in combinations(rest, size):
                    out.append((0, sum(1 << g for g in (gids[0],) + combo)))
        if f.link:
            out += [(1, a, b) for a, b in f.targets("link", combinations(gids, 2))]
        if f.oneway:
            out += [(2, a, b) for a, b in f.targets("oneway", permutations(gids, 2))]
        return out

    @contextmanager
    def located(self, slot: Slot):
        """A value of variable `slot` that cannot be encoded is an Unsupported at its
        declaration."""
        try:
            yield
        except sv.NotEncodable as exc:
            decl = self.program.role(self.program.nodes[slot.node].role).var(slot.name)  # type: ignore[union-attr]
            raise Unsupported(f"{exc} (variable '{slot.name}')", decl.span) from None  # type: ignore[union-attr]

    def var_type(self, gid: int, name: str) -> Type:
        node = self.program.nodes[gid]
        return self.program.role(node.role).var(name).type  # type: ignore[union-attr]

    def message_shape(self) -> list[tuple[str, Type]]:
        return [(f"{m.name}.{f}", t) for m in self.messages for f, t in m.fields]


class SymState:
    """One copy of the state: `slots[k]` is the symbolic content of layout slot k (for the
    slots encoded: see Shape.keys)."""

    def __init__(self, shape: Shape, slots: dict[int, object]) -> None:
        self.shape = shape
        self.slots = slots

    # -------------------------------------------------- reading (exprs.Reader)

    def var(self, gid: int, name: str) -> object:
        return self.slots[self.shape.layout.var(gid, name)]

    def down(self, gid: int) -> z3.BoolRef:
        k = self.shape.layout.env("down")
        return z3.BoolVal(False) if k is None else self.slots[k][gid]  # type: ignore[index]

    def paused(self, gid: int) -> z3.BoolRef:
        k = self.shape.layout.env("paused")
        return z3.BoolVal(False) if k is None else self.slots[k][gid]  # type: ignore[index]

    def clock(self, gid: int) -> z3.ArithRef:
        return self.slots[self.shape.layout.at("clock", node=gid)]  # type: ignore[return-value]

    def reachable(self, a: int, b: int) -> z3.BoolRef:
        k = self.shape.layout.env("cuts")
        if k is None:
            return z3.BoolVal(True)
        blocked = [bit for cut, bit in zip(self.shape.cuts, self.slots[k]) if _blocks(cut, a, b)]  # type: ignore[call-overload]
        return z3.Not(sv.disj(blocked)) if blocked else z3.BoolVal(True)

    def address(self, name: str) -> z3.ArithRef:
        return self.slots[self.shape.layout.env("address", name)]  # type: ignore[index, return-value]


def _blocks(cut: tuple, a: int, b: int) -> bool:
    """Whether `cut` blocks messages from a to b (values.reachable, for one cut)."""
    if cut[0] == 0:
        return ((cut[1] >> a) & 1) != ((cut[1] >> b) & 1)
    return (cut[1] == a and cut[2] == b) or (cut[0] == 1 and cut[1] == b and cut[2] == a)


class _Symbolic:
    """The argument of an invocation that is the request's own Z3 integer (`values = int`)."""

    def __repr__(self) -> str:
        return "SYMBOLIC"


SYMBOLIC = _Symbolic()


def _invocations(program: ir.Program, codec: values.Codec) -> tuple:
    """Every (operation index, encoded arguments) a client may invoke, in the order the
    explicit engine tries them (envgen.invocations); an argument of unbounded integer type
    (an object of `values = int`) is SYMBOLIC."""
    if program.object is None:
        return ()
    import itertools
    handled = {h.trigger for r in program.roles for h in r.handlers if h.kind == "request"}
    out = []
    for i, op in enumerate(program.object.ops):
        if op.name in handled:
            choices = [[SYMBOLIC] if isinstance(t, IntT) and not t.bounded else values.domain(t, codec)
                       for _, t in op.params]
            out += [(i, args) for args in itertools.product(*choices)]
    return tuple(out)


# ---------------------------------------------------------------- making states


def fresh_state(shape: Shape, step: int) -> tuple[SymState, list]:
    """Copy `step` of the state as fresh constants, with the constraints that keep every
    part a canonical value of its type."""
    out: dict[int, object] = {}
    constraints: list = []
    table = requests_slot(shape)
    for k in shape.keys:
        slot = shape.layout.slots[k]
        if slot.kind == "requests" and k != table:
            out[k] = None          # the request table rides in the first requests slot
            continue
        if k == shape.monitor:
            from checker.smt.lin import fresh_history
            out[k] = fresh_history(shape.clients, shape.ops, f"s{step}.h")
            continue
        value, cs = _fresh_slot(shape, slot, f"s{step}.{k}")
        out[k] = value
        constraints += cs
    return SymState(shape, out), constraints


def _fresh_slot(shape: Shape, slot: Slot, name: str) -> tuple[object, list]:
    dom = shape.dom
    if slot.kind == "var":
        with shape.located(slot):
            return sv.fresh(name, shape.var_type(slot.node, slot.name), dom)
    if slot.kind in ("down", "paused"):
        return tuple(z3.Bool(f"{name}[{g}]") for g in shape.gids), []
    if slot.kind == "cuts":
        return tuple(z3.Bool(f"{name}[{i}]") for i in range(len(shape.cuts))), []
    if slot.kind in ("budget", "address", "now", "clock"):
        x = z3.Int(name)
        return x, [x >= 0]
    if slot.kind == "client":
        parts = Tup((z3.Int(name + ".n"), z3.Bool(name + ".w"), z3.Int(name + ".seq"), z3.Int(name + ".inv"),
                     z3.Int(name + ".at")))
        return parts, []
    if slot.kind == "requests":
        return _requests(shape, name)
    if slot.kind == "inbox":
        return _fresh_bag(shape, name)
    if slot.kind == "link":
        length = z3.Int(name + ".len")
        slots, cs = _fresh_messages(shape, name)
        return Queue(length, slots), cs + [length >= 0, length <= shape.capacity]
    raise NotImplementedError(slot.kind)


def _requests(shape: Shape, name: str) -> tuple[object, list]:
    return tuple(tuple(Tup((z3.Int(f"{name}[{c}][{s}].at"), z3.Int(f"{name}[{c}][{s}].inv")))
                       for s in range(shape.ops)) for c in range(shape.clients)), []


def _fresh_bag(shape: Shape, name: str) -> tuple[object, list]:
    slots, cs = _fresh_messages(shape, name)
    return Bag(slots), cs


def _fresh_messages(shape: Shape, name: str) -> tuple[tuple[Tup, ...], list]:
    out, cs = [], []
    for j in range(shape.capacity):
        fields = []
        for m in shape.messages:
            for f, t in m.fields:
                x, c = sv.fresh(f"{name}[{j}].{m.name}.{f}", t, shape.dom)
                fields.append(x)
                cs += c
        out.append(Tup((z3.Bool(f"{name}[{j}].ok"), z3.Int(f"{name}[{j}].m"), z3.Int(f"{name}[{j}].src"),
                        *fields)))
    return tuple(out), cs


def requests_slot(shape: Shape) -> int | None:
    """The layout slot the shared request table rides in (the first `requests` slot)."""
    return next((k for k, s in enumerate(shape.layout.slots) if s.kind == "requests"), None)


def initial_state(shape: Shape) -> SymState:
    """The explicit engine's initial state as constants."""
    return concrete_state(shape, shape.init)


def concrete_state(shape: Shape, state: tuple) -> SymState:
    """An explicit state as constants (the request table gathered from every node's slot).
    The history starts empty: the explicit monitor and watchers keep only a summary, so
    runs from a state other than the initial one cannot be judged by the history checks."""
    out: dict[int, object] = {}
    table = requests_slot(shape)
    for k in shape.keys:
        slot = shape.layout.slots[k]
        if k == shape.monitor:
            from checker.smt.lin import blank_history
            out[k] = blank_history(shape.clients, shape.ops)
        elif slot.kind == "requests":
            out[k] = _request_table(shape, state) if k == table else None
        else:
            out[k] = encode_slot(shape, slot, state[k])
    return SymState(shape, out)


def _request_table(shape: Shape, state: tuple) -> tuple:
    rows = [[Tup((z3.IntVal(-1), z3.IntVal(0))) for _ in range(shape.ops)] for _ in range(shape.clients)]
    for k, slot in enumerate(shape.layout.slots):
        if slot.kind == "requests":
            for c, q, op, args in state[k]:  # type: ignore[attr-defined]
                rows[c][q] = Tup((z3.IntVal(slot.node), z3.IntVal(shape.invocation(op, args))))
    return tuple(tuple(row) for row in rows)


def encode_slot(shape: Shape, slot: Slot, v: object) -> object:
    """The symbolic constant of an explicit slot value `v`."""
    dom = shape.dom
    if slot.kind == "var":
        with shape.located(slot):
            return sv.const(v, shape.var_type(slot.node, slot.name), dom)
    if slot.kind in ("down", "paused"):
        return tuple(z3.BoolVal(bool((v >> g) & 1)) for g in shape.gids)  # type: ignore[operator]
    if slot.kind == "cuts":
        return tuple(z3.BoolVal(c in v) for c in shape.cuts)  # type: ignore[operator]
    if slot.kind in ("budget", "address", "now", "clock"):
        return z3.IntVal(v)  # type: ignore[arg-type]
    if slot.kind == "client":
        done, pending = v  # type: ignore[misc]
        if pending == values.NONE:
            return Tup((z3.IntVal(done), z3.BoolVal(False), z3.IntVal(0), z3.IntVal(0), z3.IntVal(-1)))
        seq, op, args, node = pending
        inv = shape.invocation(op, args)
        return Tup((z3.IntVal(done), z3.BoolVal(True), z3.IntVal(seq), z3.IntVal(inv), z3.IntVal(node)))
    if slot.kind in ("inbox", "link"):
        msgs = [message_const(shape, m, slot.kind == "inbox") for m in values.ordered(v)] \
            if slot.kind == "inbox" else [message_const(shape, m, False) for m in v]  # type: ignore[attr-defined]
        if len(msgs) > shape.capacity:
            raise sv.NotEncodable("more messages in flight than the capacity of the encoding")
        padded = tuple(msgs) + tuple(empty_message(shape) for _ in range(shape.capacity - len(msgs)))
        return Queue(z3.IntVal(len(msgs)), padded) if slot.kind == "link" else Bag(padded)
    raise NotImplementedError(slot.kind)


def message_const(shape: Shape, m: tuple, with_source: bool) -> Tup:
    """A message slot holding the explicit message `m`: (number, source, fields...) in an
    inbox, (number, fields...) on a link."""
    mid = m[0]
    src, fields = (m[1], m[2:]) if with_source else (-1, m[1:])
    items = list(empty_message(shape).items)
    lo, hi = field_range(shape, mid)
    items[0], items[1], items[2] = z3.BoolVal(True), z3.IntVal(mid), z3.IntVal(src)
    items[lo:hi] = [sv.const(x, t, shape.dom) for x, (_, t) in zip(fields, shape.messages[mid].fields)]
    return Tup(tuple(items))


def empty_message(shape: Shape) -> Tup:
    fields = [sv.default(t, shape.dom) for m in shape.messages for _, t in m.fields]
    return Tup((z3.BoolVal(False), z3.IntVal(0), z3.IntVal(-1), *fields))


def field_range(shape: Shape, mid: int) -> tuple[int, int]:
    """Where message type `mid`'s fields are among a message slot's items."""
    start = 3 + sum(len(m.fields) for m in shape.messages[:mid])
    return start, start + len(shape.messages[mid].fields)


# ---------------------------------------------------------------- back to explicit states


def decode(shape: Shape, model: z3.ModelRef, state: SymState) -> dict[int, object]:
    """The explicit engine's value of every encoded slot of `state` in `model`."""
    def num(t) -> int:
        return model.eval(t, model_completion=True).as_long()

    def truth(t) -> bool:
        return z3.is_true(model.eval(t, model_completion=True))

    table = requests_slot(shape)
    out: dict[int, object] = {}
    for k in shape.compared:
        slot, x = shape.layout.slots[k], state.slots[k]
        if slot.kind == "var":
            out[k] = sv.concrete(model, x, shape.var_type(slot.node, slot.name))
        elif slot.kind in ("down", "paused"):
            out[k] = sum(1 << g for g, bit in zip(shape.gids, x) if truth(bit))  # type: ignore[call-overload]
        elif slot.kind == "cuts":
            out[k] = frozenset(c for c, bit in zip(shape.cuts, x) if truth(bit))  # type: ignore[call-overload]
        elif slot.kind in ("budget", "address", "now", "clock"):
            out[k] = num(x)
        elif slot.kind == "client":
            n, waiting, seq, inv, at = x.items  # type: ignore[attr-defined]
            if not truth(waiting):
                out[k] = (num(n), values.NONE)
            else:
                op, args = shape.invocations[num(inv)]
                out[k] = (num(n), (num(seq), op, shape.concrete_args(model, slot.node, num(seq), op, args), num(at)))
        elif slot.kind == "requests":
            reqs = state.slots[table]  # type: ignore[index]
            here = [(c, s, op, shape.concrete_args(model, c, s, op, args)) for c, row in enumerate(reqs)
                    for s, r in enumerate(row) if num(r.items[0]) == slot.node
                    for op, args in [shape.invocations[num(r.items[1])]]]
            out[k] = tuple(values.ordered(here))
        elif slot.kind == "inbox":
            msgs = [_message(shape, model, m, with_source=True) for m in x.slots if truth(m.items[0])]  # type: ignore[attr-defined]
            out[k] = frozenset(msgs) if shape.mode == "duplicating" else tuple(values.ordered(msgs))
        elif slot.kind == "link":
            n = num(x.length)  # type: ignore[attr-defined]
            out[k] = tuple(_message(shape, model, m, with_source=False) for m in x.slots[:n])  # type: ignore[attr-defined]
    return out


def _message(shape: Shape, model: z3.ModelRef, m: Tup, with_source: bool) -> tuple:
    mid = model.eval(m.items[1], model_completion=True).as_long()
    lo, hi = field_range(shape, mid)
    fields = tuple(sv.concrete(model, x, t) for x, (_, t) in zip(m.items[lo:hi], shape.messages[mid].fields))
    src = (model.eval(m.items[2], model_completion=True).as_long(),) if with_source else ()
    return (mid,) + src + fields


# ---------------------------------------------------------------- slot contents


def slot_ite(c, a, b):
    """`a` if `c` else `b` for the content of any slot: symbolic values, the tuples of
    Bools of `down` and `cuts`, the request table, bags and queues."""
    if isinstance(a, tuple):
        return tuple(slot_ite(c, x, y) for x, y in zip(a, b))
    if isinstance(a, Bag):
        return Bag(tuple(slot_ite(c, x, y) for x, y in zip(a.slots, b.slots)))
    if isinstance(a, Queue):
        return Queue(z3.If(c, a.length, b.length), tuple(slot_ite(c, x, y) for x, y in zip(a.slots, b.slots)))
    return sv.ite(c, a, b)


def slot_equal(a, b) -> z3.BoolRef:
    """`a == b` part by part, over every kind of slot content."""
    if isinstance(a, (Bag, Queue)):
        parts = [slot_equal(x, y) for x, y in zip(a.slots, b.slots)]
        if isinstance(a, Queue):
            parts.append(a.length == b.length)
        return sv.conj(parts)
    if isinstance(a, tuple) and not isinstance(a, sv.Tup):
        return sv.conj([slot_equal(x, y) for x, y in zip(a, b)])
    if isinstance(a, sv.Tup):
        return sv.conj([slot_equal(x, y) for x, y in zip(a.items, b.items)])
    if isinstance(a, (sv.Opt, sv.SetV, sv.MapV, sv.SeqV)):
        return sv.eq(a, b, None)  # type: ignore[arg-type]
    return a == b
