"""The engine-facing contract: a program compiled to a transition system.

`compile_model(program)` generates the successor function's source (codegen.py), compiles
it with `compile()` under a `<capcheck:NAME>` file name registered in `linecache` (so a
traceback shows the generated line), and wraps it in a `Model`:

- `init_states()`: the initial states (one: initial values are deterministic);
- `successors(state)`: the next states, in a fixed order; a step is named by its position
  in this list (its *action index*), which is what traces store;
- `labeled(state)`: the same list as (label, state) pairs, for traces;
- `invariants`: one `Invariant` per `invariant` property, evaluated with a projection cache;
- `describe`, `view`, `changes`: what a step and a state look like to a person.

A state is a tuple of encoded values (values.py) laid out as layout.py describes. Its
fingerprint is `Model.fingerprint(state)`: `hash(state)` itself when no declared type admits
a negative integer (CPython's hash over ints, floats, tuples and frozensets is unsalted, so
it is the same 64-bit number in every process and under every PYTHONHASHSEED), and the hash
of `values.separated(state)` otherwise (CPython hashes -1 and -2 alike).
"""

from __future__ import annotations

import linecache
import operator
from dataclasses import dataclass
from typing import Callable, Sequence

from checker.model import values
from checker.model.clients import ClientText, observers, reply_helpers, unexplained
from checker.model.why import why_false
from checker.model.codegen import ModelGenerator
from checker.model.emit import TOO_DEEP, TooDeep
from checker.model.exprgen import ExprCompiler, Tables, Unsupported, reads
from checker.model.layout import Layout, Slot, build_layout
from checker.model.por import PartialOrder, build_partial_order
from checker.model.symmetry import Symmetry, build_symmetry
from checker.props import kinds
from checker.semantics import ir

__all__ = ["Conjunction", "Invariant", "Model", "Unsupported", "compile_model"]

_CACHE_LIMIT = 1 << 20


@dataclass
class Invariant:
    """An invariant compiled to a predicate over states: a pure function of the slots it
    reads (`slots`), which is what lets `Conjunction` cache it."""

    prop: ir.Property
    predicate: Callable[[tuple], bool]
    slots: tuple[int, ...]

    def holds(self, state: tuple) -> bool:
        return bool(self.predicate(state))


class Conjunction:
    """Several invariants checked at once, through one cache keyed by the union of the slots
    they read. The search inlines the fast path: `cache.get(key(state))` is True when all
    hold, False when one fails and None when not known yet; then `decide(state, key)`
    evaluates them (raising SpecRuntimeError as they do) and remembers the answer.
    """

    def __init__(self, invariants: list[Invariant]) -> None:
        self.invariants = tuple(invariants)
        slots = sorted(set().union(*(i.slots for i in invariants)))
        self.key: Callable[[tuple], object] = operator.itemgetter(*slots) if slots else (lambda s: ())
        self.cache: dict = {}

    def decide(self, state: tuple, key: object) -> bool:
        result = all(inv.predicate(state) for inv in self.invariants)
        if len(self.cache) >= _CACHE_LIMIT:
            self.cache.clear()
        self.cache[key] = result
        return result


class Model:
    """A compiled program. Immutable after construction apart from invariant caches."""

    # the counter a counting copy's steps go into (explore/coverage.py `counting`); None otherwise
    step_counter: object | None = None

    def __init__(self, program: ir.Program, source: str, gen: ModelGenerator, tables: Tables,
                 watching: list[tuple[int, object]] | None = None) -> None:
        self.program = program
        self._watching = dict(watching or ())   # slot -> monitor or histories
        self.source = source
        self.layout: Layout = gen.layout
        self.codec: values.Codec = tables.codec
        self.spans = tables.spans
        self.handlers = gen.handlers()
        self._init = self._initial_state(gen)
        namespace = tables.namespace
        self.namespace = namespace            # for compiling expressions later (model/why.py)
        self.expr_compiler = gen.x
        self.compiled_exprs: dict = {}
        filename = f"<capcheck:{program.name}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - our own generated code
        self.successors: Callable[[tuple], list] = namespace["successors"]  # type: ignore[assignment]
        self.labeled: Callable[[tuple], list] = namespace["labeled"]  # type: ignore[assignment]
        self.invariants = [
            Invariant(prop, namespace[f"_inv_{k}"], self._slots_read(prop.expr))  # type: ignore[arg-type]
            for k, prop in enumerate(program.properties) if prop.expr is not None]
        self._net = tuple(self.layout.network_slots())
        self._requests = tuple(i for i, sl in enumerate(self.layout.slots) if sl.kind == "requests")
        self._clients = tuple(i for i, sl in enumerate(self.layout.slots) if sl.kind == "client")
        clocks = program.clocks
        self._horizon = (self.layout.at("now"), clocks.horizon) if clocks is not None else None
        declared = [v.type for r in program.roles for v in r.vars]
        declared += [t for m in program.messages for _, t in m.fields]
        self.fingerprint: Callable[[tuple], int] = (
            values.separated_hash if any(map(values.admits_negative, declared)) else hash)
        # The symmetric sets (model/symmetry.py), None when the spec declares none; `key` is
        # the fingerprint the search's visited table uses: one per orbit under them.
        self.symmetry: Symmetry | None = build_symmetry(program, self.layout, self._watching, self.fingerprint)
        self.key: Callable[[tuple], int] = self.symmetry.key if self.symmetry is not None else self.fingerprint
        self._var_types = {(r.name, v.name): v.type for r in program.roles for v in r.vars}
        self._client_text = ClientText(program, self.codec)
        for prop in program.properties:
            watcher = kinds.of(prop.kind).watcher
            slot = self.layout.env(watcher, prop.kind if watcher == "session" else "") if watcher else None
            if slot is None:
                continue
            if watcher != "history":
                self.invariants.append(Invariant(prop, _monitor_ok(self._watching[slot], slot), (slot,)))
            else:
                finished = self._finished_test()
                self.invariants.append(Invariant(prop, _consistent_when_finished(
                    self._watching[slot], slot, finished), (slot,) + self._clients))
        # Which steps of a state suffice (model/por.py): ample sets for partial-order reduction.
        self.por: PartialOrder = build_partial_order(
            program, self.layout, self.handlers, set().union(*(inv.slots for inv in self.invariants)))

    # -------------------------------------------------- the contract

    def init_states(self) -> list[tuple]:
        return [self._init]

    def _finished_test(self) -> Callable[[tuple], bool]:
        """A test of whether every client has invoked all its operations and waits for none."""
        done = (self.program.clients.ops, values.NONE)  # type: ignore[union-attr]
        clients = self._clients
        return lambda s: all(s[k] == done for k in clients)

    def quiet(self, state: tuple) -> bool:
        """Whether a state with no step enabled is a legitimate end: nothing is in flight,
        or real time has reached the clocks' horizon (where every run is cut short).

        A duplicating network's messages never leave, so it is never quiet: there, a state
        with no step enabled at all is a deadlock (as in TLC).
        """
        if self.program.network.mode == "duplicating":
            return False
        if self._horizon is not None and state[self._horizon[0]] == self._horizon[1]:
            return True
        return not any(state[k] for k in self._net) and not any(state[k] for k in self._requests) \
            and all(state[k][1] == values.NONE for k in self._clients)

    # -------------------------------------------------- construction

    def _initial_state(self, gen: ModelGenerator) -> tuple:
        out: list[object] = []
        for slot in self.layout.slots:
            if slot.kind == "var":
                node = self.program.nodes[slot.node]
                var = self.program.role(node.role).var(slot.name)  # type: ignore[union-attr]
                out.append(gen.initial_value(var, slot.node))  # type: ignore[arg-type]
            elif slot.kind == "cuts":
                out.append(frozenset())
            elif slot.kind == "address":
                addr = next(a for a in self.program.addresses if a.name == slot.name)
                out.append(addr.init.gid)
            elif slot.kind == "inbox":
                out.append(frozenset() if self.program.network.mode == "duplicating" else ())
            elif slot.kind in ("link", "requests"):
                out.append(())
            elif slot.kind == "client":
                out.append((0, values.NONE))
            elif slot.kind in ("monitor", "history", "session"):
                out.append(self._watching[self.layout.index[slot]].initial())  # type: ignore[attr-defined]
            else:
                out.append(0)
        return tuple(out)

    def _slots_read(self, expr: ir.Expr) -> tuple[int, ...]:
        out: set[int] = set()
        for what in reads(expr):
            if what[0] == "var":
                out |= {i for i, s in enumerate(self.layout.slots) if s.kind == "var" and s.name == what[1]}
            elif what[0] == "now":
                out |= {i for i, s in enumerate(self.layout.slots) if s.kind in ("now", "clock")}
            else:
                k = self.layout.env(*what)
                if k is not None:
                    out.add(k)
        return tuple(sorted(out))

    def linearizability_object(self) -> tuple:
        """The sequential spec `check linearizable` holds the clients to, over encoded
        values, and its operation names by index (props/monitor.py)."""
        monitor = self._watching[self.layout.env("monitor")]  # type: ignore[index]
        return monitor.spec, monitor.ops  # type: ignore[attr-defined]

    def broken_invariants(self, state: tuple) -> dict[str, list[str]]:
        """Each invariant false in `state`, with the sentences saying why (model/why.py)."""
        return {inv.prop.name: why_false(self, inv.prop, state) for inv in self.invariants
                if inv.prop.kind == kinds.INVARIANT.name and not inv.predicate(state)}

    def unexplained(self, path: Sequence[int], state: tuple) -> dict | None:
        """For a run `path` ending in `state` where `check linearizable` fails: the response
        no linearization explains and the operations it contradicts (clients.unexplained);
        None when the spec does not check linearizability or `state` does not break it."""
        slot = self.layout.env("monitor")
        if slot is None or self._watching[slot].ok(state[slot]):  # type: ignore[attr-defined]
            return None
        return unexplained(self, path, self._watching[slot].spec)  # type: ignore[attr-defined]

    # -------------------------------------------------- how things look

    def node_name(self, gid: int) -> str:
        return str(self.program.nodes[gid])

    def message_text(self, name: str, msg: tuple, to: int | None = None) -> str:
        """`prepared(rm[1]) from rm[1]` (and `to tm` when `to` is given)."""
        mtype = self.program.message(name)
        args = ", ".join(values.show(self.codec.decode(v, t), t) for v, (_, t) in zip(msg[1:], mtype.fields))  # type: ignore[union-attr]
        text = f"{name}({args}) from {self.node_name(msg[0])}"  # type: ignore[arg-type]
        return text if to is None else f"{text} to {self.node_name(to)}"

    def describe(self, label: tuple) -> dict:
        """A step's label as data: kind, actor (a node name, a client or None), action (text),
        message, and for a spec with clients `replies`: the answers the step gave."""
        if self.program.clients is None:
            return self._describe(label)
        label, events = label
        out = self._describe(label)
        out["replies"] = [self._reply_data(*event) for event in events]
        return out

    def _reply_data(self, handle: tuple, op: int, result: object) -> dict:
        c, seq = handle
        return {"client": f"client[{c}]", "request": seq + 1, "result": self._client_text.result(op, result)}

    def _describe(self, label: tuple) -> dict:
        kind = label[0]
        if kind == "invoke":
            _, c, seq, op, args, node = label
            call = self._client_text.call(op, args)
            return {"kind": "invoke", "actor": f"client[{c}]", "handler": None,
                    "action": f"client[{c}]: invoke #{seq + 1} {call} at {self.node_name(node)}",
                    "message": None, "request": seq + 1, "call": call}
        if kind == "give_up":
            _, c, pending = label
            return {"kind": "give_up", "actor": f"client[{c}]", "handler": None,
                    "action": f"client[{c}]: give up on #{pending[0] + 1} {self._client_text.call(pending[1], pending[2])}",
                    "message": None}
        if isinstance(kind, int):
            h = self.handlers[kind]
            actor = self.node_name(label[1])
            if h.kind == "request":
                r = label[2]
                text = f"request #{r[1] + 1} {self._client_text.request(r)}"
                return {"kind": "request", "actor": actor, "handler": h.label, "action": f"{actor}: {text}",
                        "message": text}
            if h.kind == "message":
                msg = self.message_text(h.trigger, label[2])
                return {"kind": "receive", "actor": actor, "handler": h.label,
                        "action": f"{actor}: on {msg}", "message": msg}
            word = "on restart" if h.kind == "restart" else f"{h.kind} {h.trigger}"
            return {"kind": h.kind, "actor": actor, "handler": h.label, "action": f"{actor}: {word}",
                    "message": None}
        if kind in ("crash", "restart", "pause", "resume"):
            actor = self.node_name(label[1])
            return {"kind": kind, "actor": actor, "handler": None, "action": f"{actor}: {kind}", "message": None}
        if kind in ("partition", "cut", "heal"):
            cut = label[1] if kind != "partition" else (0, label[1])
            verb = {"partition": "partition", "heal": "heal"}.get(kind) or ("cut one way" if cut[0] == 2 else "cut link")
            return {"kind": kind, "actor": None, "handler": None,
                    "action": f"network: {verb} {self._cut_text(cut)}", "message": None}
        if kind == "tick":
            return {"kind": "tick", "actor": None, "handler": None, "action": f"time: tick {label[1]}",
                    "message": None}
        if kind in ("lose", "duplicate"):
            msg = self._slot_message_text(label[1], label[2])
            return {"kind": kind, "actor": None, "handler": None, "action": f"network: {kind} {msg}",
                    "message": msg}
        return {"kind": str(kind), "actor": None, "handler": None, "action": str(label), "message": None}

    def _cut_text(self, cut: tuple) -> str:
        if cut[0] == 0:
            side = [self.node_name(n.gid) for n in self.program.nodes if (cut[1] >> n.gid) & 1]
            other = [self.node_name(n.gid) for n in self.program.nodes if not (cut[1] >> n.gid) & 1]
            return "{" + ", ".join(side) + "} | {" + ", ".join(other) + "}"
        arrow = "->" if cut[0] == 2 else "<->"
        return f"{self.node_name(cut[1])} {arrow} {self.node_name(cut[2])}"

    def _slot_message_text(self, k: int, m: tuple) -> str:
        slot = self.layout.slots[k]
        name = self.program.messages[m[0]].name
        if slot.kind == "link":
            return self.message_text(name, (slot.node,) + tuple(m[1:]), slot.peer)
        return self.message_text(name, tuple(m[1:]), slot.node)

    def in_flight(self, state: tuple) -> list[str]:
        """Every message in flight, one text each (a repeated one as often as it is there)."""
        out = []
        for k in self._net:
            msgs = state[k]
            seq = values.ordered(msgs) if isinstance(msgs, frozenset) else msgs
            out += [self._slot_message_text(k, m) for m in seq]
        for k in self._requests:
            node = self.node_name(self.layout.slots[k].node)
            out += [f"request #{r[1] + 1} {self._client_text.request(r)} at {node}" for r in state[k]]
        return out

    def view(self, state: tuple) -> dict[str, object]:
        """The state as JSON data: nodes and their variables, who is down or paused, cut
        links, addresses, fault budgets used, and the messages in flight."""
        nodes: dict[str, dict] = {}
        env: dict[str, object] = {}
        for k, slot in enumerate(self.layout.slots):
            v = state[k]
            if slot.kind == "var":
                node = self.program.nodes[slot.node]
                t = self._var_types[(node.role, slot.name)]
                nodes.setdefault(str(node), {})[slot.name] = values.to_json(self.codec.decode(v, t), t)
            elif slot.kind in ("down", "paused"):
                env[slot.kind] = [self.node_name(n.gid) for n in self.program.nodes if (v >> n.gid) & 1]  # type: ignore[operator]
            elif slot.kind == "cuts":
                env["cuts"] = [self._cut_text(c) for c in values.ordered(v)]  # type: ignore[arg-type]
            elif slot.kind == "budget":
                env.setdefault("faults_used", {})[slot.name] = v  # type: ignore[union-attr]
            elif slot.kind == "now":
                env["now"] = v
            elif slot.kind == "clock":
                env.setdefault("clocks", {})[self.node_name(slot.node)] = v
            elif slot.kind == "address":
                env.setdefault("addresses", {})[slot.name] = self.node_name(v)  # type: ignore[union-attr, arg-type]
            elif slot.kind == "client":
                env.setdefault("clients", {})[f"client[{slot.node}]"] = self._client_json(v)  # type: ignore[arg-type]
            elif slot.kind == "session" and not self._watching[k].ok(v):  # type: ignore[attr-defined]
                env.setdefault("violated", {})[slot.name] = _violation_json(self._watching[k].violation(v))  # type: ignore[attr-defined]
        out: dict[str, object] = {"nodes": nodes}
        out.update(env)
        out["network"] = self.in_flight(state)
        return out

    def _client_json(self, v: tuple) -> dict:
        done, pending = v
        waiting = None if pending == values.NONE else {
            "request": pending[0] + 1, "call": self._client_text.call(pending[1], pending[2]),
            "at": self.node_name(pending[3])}
        return {"invoked": done, "waiting": waiting}

    def flat(self, state: tuple) -> list[tuple[str, str]]:
        """The state as (name, text) rows: `rm[0].state = working`, `down = {...}`, ..."""
        rows: list[tuple[str, str]] = []
        for k, slot in enumerate(self.layout.slots):
            if slot.kind in ("inbox", "link", "requests", "monitor", "history", "session"):
                continue
            rows.append((self._slot_name(slot), self._slot_text(slot, state[k])))
        return rows

    def _slot_name(self, slot: Slot) -> str:
        if slot.kind == "var":
            return f"{self.node_name(slot.node)}.{slot.name}"
        if slot.kind == "budget":
            return f"{slot.name} faults used"
        if slot.kind == "address":
            return slot.name
        if slot.kind == "client":
            return f"client[{slot.node}]"
        if slot.kind == "clock":
            return f"clock({self.node_name(slot.node)})"
        return slot.kind

    def _slot_text(self, slot: Slot, v: object) -> str:
        if slot.kind == "var":
            node = self.program.nodes[slot.node]
            t = self._var_types[(node.role, slot.name)]
            return values.show(self.codec.decode(v, t), t)
        if slot.kind in ("down", "paused"):
            return "{" + ", ".join(self.node_name(n.gid) for n in self.program.nodes if (v >> n.gid) & 1) + "}"  # type: ignore[operator]
        if slot.kind == "cuts":
            return "{" + ", ".join(self._cut_text(c) for c in values.ordered(v)) + "}"  # type: ignore[arg-type]
        if slot.kind == "address":
            return self.node_name(v)  # type: ignore[arg-type]
        if slot.kind == "client":
            return self._client_text.pending(v)  # type: ignore[arg-type]
        return str(v)

    def changes(self, before: tuple, after: tuple) -> list[str]:
        """What a step changed: `rm[1].state: working -> prepared`, `+ prepared(...)` for a
        message put in flight, `- ...` for one taken out. Deterministic order."""
        out = []
        for (name, old), (_, new) in zip(self.flat(before), self.flat(after)):
            if old != new:
                out.append(f"{name}: {old} -> {new}")
        old_msgs, new_msgs = self.in_flight(before), self.in_flight(after)
        out += [f"+ {m}" for m in values.multiset_minus(new_msgs, old_msgs)]
        out += [f"- {m}" for m in values.multiset_minus(old_msgs, new_msgs)]
        return out


def _consistent_when_finished(histories, slot: int, finished: Callable[[tuple], bool]) -> Callable[[tuple], bool]:
    """`check sequential` as a predicate: once every client has finished, some order of
    the operations that keeps each client's order explains every result."""
    consistent = histories.consistent
    return lambda s: not finished(s) or consistent(s[slot])


def _violation_json(found: tuple) -> dict:
    """A session watcher's violation (props/sessions.py, ordering.py) as the JSON state shows
    it: the read and the acknowledged write, or the same client's earlier read, it
    contradicts; for the write-order guarantees also the write the read showed without the
    one it contradicts (`shows`) and the read that had observed that one (`seen_by`)."""
    names = ("read", "contradicts", "shows", "seen_by")
    return {name: {"client": f"client[{found[k]}]", "request": found[k + 1] + 1}
            for name, k in zip(names, range(0, len(found), 2))}


def _monitor_ok(monitor, slot: int) -> Callable[[tuple], bool]:
    """`check linearizable` (and durability, the session guarantees) as a predicate: the
    watcher still explains every response."""
    ok = monitor.ok
    return lambda s: ok(s[slot])


def compile_model(program: ir.Program) -> Model:
    """Generate, compile and wrap the successor function of `program`.

    Raises `Unsupported` (with the span of the construct) for what this engine cannot run
    yet, a constant left symbolic included, and `values.SpecRuntimeError` when an initial
    value does not fit its type.
    """
    for p in program.params():
        raise Unsupported(f"the symbolic constant '{p.name}'", p.span,
                          reason=f"the explicit engine needs a value for {p.name}: give it with -D {p.name}=VALUE")
    if program.object is not None and program.object.unbounded:
        raise Unsupported("an object with 'values = int'", program.object.span,
                          reason="the explicit engine needs the object's values to be finite: 'values = int' is "
                                 "checked with --engine smt; give the explicit engine some with --values, "
                                 "e.g. --values 1,2")
    codec = values.Codec(program)
    tables = Tables(codec)
    tables.namespace["_show"] = lambda v, t: values.show(codec.decode(v, t), t)
    layout = build_layout(program)
    exprs = ExprCompiler(program, layout, tables)
    gen = ModelGenerator(program, layout, exprs)
    try:
        watching = observers(program, layout, exprs)
        tables.namespace.update(reply_helpers(program, layout, watching))
        source = gen.module()
        model = Model(program, source, gen, tables, watching)
    except TooDeep:   # nested by the generators themselves (the statements locate their own)
        raise Unsupported("deeply nested statements", None, reason=TOO_DEEP) from None
    except values.SpecRuntimeError as err:
        err.where = tables.spans[err.span]
        raise
    _check_symmetric_start(model)
    return model


def _check_symmetric_start(model: Model) -> None:
    """Raise SpecRuntimeError (located) when the initial state tells members of a symmetric
    set apart. checker/semantics/symmetry.py refuses what singles a member out in the text;
    this is the check on the value itself, which the reduction's soundness rests on."""
    if model.symmetry is None:
        return
    found = model.symmetry.asymmetry(model.init_states()[0])
    if found is None:
        return
    k, a, b = found
    slot = model.layout.slots[k]
    ss = next(x for x in model.symmetry.sets if a in x.members)
    if ss.kind == "clients":
        names, where = (f"client[{a}]", f"client[{b}]"), None
    else:
        names, where = (model.node_name(a), model.node_name(b)), model.program.role(model.program.nodes[a].role).span  # type: ignore[union-attr]
    what = model._slot_name(slot)
    if slot.kind == "var":
        var = model.program.role(model.program.nodes[slot.node].role).var(slot.name)  # type: ignore[union-attr]
        where, what = var.span, f"the initial value of '{slot.name}'"  # type: ignore[union-attr]
    err = values.SpecRuntimeError(-1, f"{what} tells {names[0]} and {names[1]} apart, but {ss.name} "
                                      f"{'are' if ss.kind == 'clients' else 'is'} declared symmetric: the initial "
                                      f"state must look the same after any permutation of the members")
    err.where = where
    raise err
