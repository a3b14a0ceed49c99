"""The steps of a protocol as symbolic actions over one copy of the state (state.py).

`Steps(shape).actions(state)` lists every way a step can be taken from `state`, in the
explicit engine's terms (model/codegen.py, envgen.py): each node's handlers (an action or
timeout, a message taken from one slot of its inbox or the head of one incoming link, a
request of one client), the clients' invocations and giving up, and the faults. Each
`Action` has the condition under which it is enabled, its effect (the new value of every
slot it changes) and the conditions under which computing it fails at run time.

Handler bodies are executed symbolically over a working copy of the state: `if`, `for` and
`require` keep one run with merged values; a `choose` splits the run, one per candidate, as
the explicit engine makes one successor per candidate; a run that `require`s something
false is disabled. A body that splits inside an `if` or `for` splits the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import z3

from checker.model import values
from checker.model.exprgen import Unsupported
from checker.semantics import ir
from checker.semantics.types import MapT, OptionT, RecordT, SeqT, Type
from checker.smt import symbolic as sv
from checker.smt.exprs import Env, Exprs
from checker.smt.state import Bag, Queue, Shape, SymState, empty_message, field_range, requests_slot, slot_ite
from checker.smt.symbolic import Opt, SeqV, Tup, conj, disj


@dataclass
class Action:
    """One way to take a step: `what` names it (for messages and debugging), `enabled` says
    when it can be taken, `effect` is the new value of each slot it changes other than the
    network's, and `errors` the conditions under which evaluating it fails at run time. Its
    network changes are kept apart, so that the transition relation can share them between
    actions (bmc.py): `taken` is the message it removes from a network slot (slot -> the
    bag slot or queue position), and `sends` the messages it adds, in order, each as
    (network slot, condition, message).

    For the liveness checks (lasso.py): `fair` is the fairness class of a node's step, a
    resume or a heal, as the explicit engine draws it from the step's label
    (explore/liveness.py): a key of Python values, first "step", "resume" or "heal", and a
    payload of symbolic ones (the message taken, or the invocation requested), two steps
    being of one class when both are equal; None for faults and clients' steps.
    `replies` are the answers it gives, each as (client, condition, whether it is an error
    reply)."""

    what: str
    enabled: z3.BoolRef
    effect: dict[int, object]
    errors: list = field(default_factory=list)
    taken: dict[int, int] = field(default_factory=dict)
    sends: list = field(default_factory=list)
    fair: tuple | None = None
    replies: list = field(default_factory=list)


REPLY = "reply"


@dataclass
class Run:
    """One path through a body: the condition it is taken under, the slots it changed (over
    the state the step started from), the locals bound and the messages sent so far (each
    as (network slot, condition, message)), among them the replies given, as (REPLY,
    condition, (client, error reply or not))."""

    cond: z3.BoolRef
    store: dict[int, object]
    locals: dict
    sends: list = field(default_factory=list)


class Working:
    """The working copy a body reads: the slots a run changed over the step's state."""

    def __init__(self, base: SymState, store: dict[int, object]) -> None:
        self.base, self.store, self.shape = base, store, base.shape

    def slot(self, k: int) -> object:
        return self.store[k] if k in self.store else self.base.slots[k]

    def var(self, gid: int, name: str) -> object:
        return self.slot(self.shape.layout.var(gid, name))

    def down(self, gid: int):
        return self.base.down(gid)

    def paused(self, gid: int):
        return self.base.paused(gid)

    def clock(self, gid: int):
        return self.base.clock(gid)

    def reachable(self, a: int, b: int):
        return self.base.reachable(a, b)

    def address(self, name: str):
        return self.slot(self.shape.layout.env("address", name))  # type: ignore[arg-type]


class Steps:
    """The actions of a symbolic state. `poll` is called before encoding each handler of
    each node and each statement (the Bmc's budget check: it raises to stop a long
    encoding)."""

    def __init__(self, shape: Shape, poll: Callable[[], None] = lambda: None) -> None:
        self.poll = poll
        self.shape = shape
        self.program = shape.program
        self.layout = shape.layout
        self.x = Exprs(self.program, shape.dom)
        self.mids = {m.name: i for i, m in enumerate(self.program.messages)}
        self.table = requests_slot(shape)

    # -------------------------------------------------- all the steps of a state

    def actions(self, s: SymState, now: int = 1) -> list[Action]:
        """Every action of state `s`; `now` is the number of the state a step leads to
        (the history of `check linearizable` records when operations were invoked and
        answered)."""
        self.now = z3.IntVal(now)
        out: list[Action] = []
        for role in self.program.roles:
            for node in role.ids:
                for i, h in enumerate(role.handlers):
                    if h.kind != "restart":
                        self.poll()
                        out += self._handler(s, h, node.gid, ("step", role.name, i, node.gid))
        out += self._clients(s)
        out += self._faults(s)
        return out

    # -------------------------------------------------- node steps

    def _handler(self, s: SymState, h: ir.Handler, gid: int, key: tuple) -> list[Action]:
        """The steps of handler `h` at node `gid`; `key` names the handler at the node in
        their fairness classes."""
        able = conj([z3.Not(s.down(gid)), z3.Not(s.paused(gid))])
        if h.kind == "message":
            return self._deliveries(s, h, gid, able, key)
        if h.kind == "request":
            return self._requests(s, h, gid, able, key)
        return self._body(s, h, gid, f"{self.program.nodes[gid]}: {h.kind} {h.trigger}", able, {}, {},
                          fair=(key, ()))

    def _body(self, s: SymState, h: ir.Handler, gid: int, what: str, cond, store: dict, bound: dict,
              request: tuple | None = None, taken: dict | None = None, fair: tuple | None = None) -> list[Action]:
        """The actions of running `h` at node `gid` when `cond` holds, the guard read on the
        step's state `s` with the locals `bound`, the body on `store` over `s`; `fair` is
        their fairness class (Action)."""
        errors: list = []
        env = Env(s, gid, dict(bound), cond, errors)
        if h.guard is not None:
            cond = conj([cond, self.x.truth(h.guard, env)])
        runs = self.block(h.body, [Run(cond, dict(store), dict(bound))], s, gid, errors, request)
        return [Action(what if len(runs) == 1 else f"{what} ({k + 1})", r.cond, r.store, errors, dict(taken or {}),
                       [x for x in r.sends if x[0] != REPLY], fair,
                       [(x[2][0], x[1], x[2][1]) for x in r.sends if x[0] == REPLY]) for k, r in enumerate(runs)]

    def _deliveries(self, s: SymState, h: ir.Handler, gid: int, able, key: tuple) -> list[Action]:
        mid = self.mids[h.trigger]
        lo, hi = field_range(self.shape, mid)
        out = []
        if self.shape.mode == "fifo":
            for k, src in ((self.layout.link(n.gid, gid), n.gid) for n in self.program.nodes):
                if k is None:
                    continue
                q: Queue = s.slots[k]  # type: ignore[assignment]
                head = q.slots[0]
                here = conj([able, q.length > 0, head.items[1] == mid, s.reachable(src, gid)])
                bound = self._message_locals(h, z3.IntVal(src), head.items[lo:hi])
                what = f"{self.program.nodes[gid]}: on {h.trigger} from {self.program.nodes[src]}"
                out += self._body(s, h, gid, what, here, {}, bound, taken={k: 0},
                                  fair=(key, (z3.IntVal(src),) + head.items[3:]))
            return out
        k = self.layout.inbox(gid)
        if k is None:
            return []
        bag: Bag = s.slots[k]  # type: ignore[assignment]
        for j, m in enumerate(bag.slots):
            src = m.items[2]
            reach = self.x.by_node(src, self.shape.gids, lambda g: s.reachable(g, gid))
            here = conj([able, m.items[0], m.items[1] == mid, reach])
            bound = self._message_locals(h, src, m.items[lo:hi])
            taken = {} if self.shape.mode == "duplicating" else {k: j}
            out += self._body(s, h, gid, f"{self.program.nodes[gid]}: on {h.trigger} (slot {j})", here, {}, bound,
                              taken=taken, fair=(key, m.items[2:]))
        return out

    def _message_locals(self, h: ir.Handler, src, fields) -> dict:
        bound = {p.uid: x for p, x in zip(h.params, fields)}
        if h.sender is not None:
            bound[h.sender.uid] = src
        return bound

    def _requests(self, s: SymState, h: ir.Handler, gid: int, able, key: tuple) -> list[Action]:
        if self.table is None or self.layout.env("requests", node=gid) is None:
            return []
        op = [o.name for o in self.program.object.ops].index(h.trigger)  # type: ignore[union-attr]
        mine = [(k, args) for k, (o, args) in enumerate(self.shape.invocations) if o == op]
        if not mine:
            return []
        params = self.program.object.ops[op].params  # type: ignore[union-attr]
        table = s.slots[self.table]
        out = []
        for c, row in enumerate(table):  # type: ignore[arg-type]
            for q, r in enumerate(row):
                at, inv = r.items
                here = conj([able, at == gid, disj([inv == k for k, _ in mine])])
                arg = self.shape.argument
                args = [arg(c, q, op, mine[-1][1], i, t) for i, (_, t) in enumerate(params)]
                for k, a in reversed(mine[:-1]):
                    args = [sv.ite(inv == k, arg(c, q, op, a, i, t), args[i]) for i, (_, t) in enumerate(params)]
                bound = {p.uid: x for p, x in zip(h.params, args)}
                if h.handle is not None:
                    bound[h.handle.uid] = Tup((z3.IntVal(c), z3.IntVal(q)))
                row2 = tuple(tuple(Tup((z3.IntVal(-1), rr.items[1])) if (cc, qq) == (c, q) else rr
                                   for qq, rr in enumerate(rw)) for cc, rw in enumerate(table))  # type: ignore[arg-type]
                what = f"{self.program.nodes[gid]}: request {h.trigger} from client[{c}]#{q + 1}"
                out += self._body(s, h, gid, what, here, {self.table: row2}, bound, (c, q),
                                  fair=(key + (c, q), (inv,)))
        return out

    # -------------------------------------------------- statements

    def block(self, stmts, runs: list[Run], s: SymState, gid: int, errors: list, request) -> list[Run]:
        for st in stmts:
            self.poll()
            nxt: list[Run] = []
            for r in runs:
                if z3.is_false(r.cond):
                    continue
                nxt += self.stmt(st, r, s, gid, errors, request)
            runs = nxt
        return runs

    def _env(self, r: Run, s: SymState, gid: int, errors: list) -> Env:
        return Env(Working(s, r.store), gid, r.locals, r.cond, errors)

    def stmt(self, st: ir.Stmt, r: Run, s: SymState, gid: int, errors: list, request) -> list[Run]:
        env = self._env(r, s, gid, errors)
        match st:
            case ir.Assign():
                return [self._assign(st, r, env, gid)]
            case ir.Let(local=local, value=value):
                return [Run(r.cond, r.store, {**r.locals, local.uid: self.x.value(value, local.type, env)}, r.sends)]
            case ir.Require(cond=c):
                return [Run(conj([r.cond, self.x.truth(c, env)]), r.store, r.locals, r.sends)]
            case ir.Take(address=name):
                return [Run(r.cond, {**r.store, self.layout.env("address", name): z3.IntVal(gid)}, r.locals, r.sends)]
            case ir.Send():
                return [self._send(st, r, env, gid)]
            case ir.Reply():
                return [self._reply(st, r, env, request)]
            case ir.Choose(local=local, domain=domain, cond=c):
                out = []
                for m, x in self.x.members(self.x.coerce(self.x.expr(domain, env), domain.type), domain.type):
                    inner = Run(conj([r.cond, m]), r.store, {**r.locals, local.uid: x}, r.sends)
                    if c is not None:
                        inner.cond = conj([inner.cond, self.x.truth(c, self._env(inner, s, gid, errors))])
                    out.append(inner)
                return out
            case ir.If(arms=arms, orelse=orelse):
                return self._if(arms, orelse, r, s, gid, errors, request)
            case ir.For(local=local, domain=domain, body=body):
                runs = [r]
                items = self.x.members(self.x.coerce(self.x.expr(domain, env), domain.type), domain.type)
                for m, x in items:
                    runs = [y for run in runs for y in self._iteration(run, m, local, x, body, s, gid, errors, request)]
                return runs
        raise Unsupported(f"the statement '{type(st).__name__}'", st.span)

    def _iteration(self, r: Run, member, local, x, body, s, gid, errors, request) -> list[Run]:
        if z3.is_false(member):
            return [r]
        inside = self.block(body, [Run(conj([r.cond, member]), r.store, {**r.locals, local.uid: x})], s, gid,
                            errors, request)
        if len(inside) == 1:
            return [_merge(member, inside[0], Run(r.cond, r.store, r.locals), r.cond, s, r.sends)]
        return [Run(y.cond, y.store, r.locals, r.sends + y.sends) for y in inside] + [
            Run(conj([r.cond, z3.Not(member)]), r.store, r.locals, r.sends)]

    def _if(self, arms, orelse, r: Run, s, gid, errors, request) -> list[Run]:
        env = self._env(r, s, gid, errors)
        taken: list[tuple[z3.BoolRef, list[Run]]] = []
        rest = z3.BoolVal(True)
        for cond, body in arms:
            c = self.x.truth(cond, env.under(rest))
            pick = conj([rest, c])
            taken.append((pick, self.block(body, [Run(conj([r.cond, pick]), r.store, r.locals)], s, gid, errors,
                                           request)))
            rest = conj([rest, z3.Not(c)])
        taken.append((rest, self.block(orelse, [Run(conj([r.cond, rest]), r.store, r.locals)], s, gid, errors,
                                       request)))
        if all(len(runs) == 1 for _, runs in taken):
            merged = taken[-1][1][0]
            for pick, runs in reversed(taken[:-1]):
                merged = _merge(pick, runs[0], merged, r.cond, s)
            return [Run(merged.cond, merged.store, r.locals, r.sends + merged.sends)]
        return [Run(run.cond, run.store, run.locals, r.sends + run.sends) for _, runs in taken for run in runs]

    # -------------------------------------------------- assignment, send, reply

    def _assign(self, st: ir.Assign, r: Run, env: Env, gid: int) -> Run:
        if not isinstance(st.target, ir.StateVar):
            raise Unsupported("assigning to an object's variable", st.span)
        t = self.shape.var_type(gid, st.target.name)
        leaf = _leaf_type(t, st.path)
        value = self.x.value(st.value, leaf, env)
        if st.path or not values.within(st.value.type, leaf):
            env.fail(z3.Not(sv.fits(value, leaf, self.shape.dom)))
        value = sv.canonical(value, leaf, self.shape.dom)
        k = self.layout.var(gid, st.target.name)
        old = env.state.var(gid, st.target.name)  # type: ignore[attr-defined]
        new = self._update(old, t, st.path, value, env)
        return Run(r.cond, {**r.store, k: new}, r.locals, r.sends)

    def _update(self, base: object, t: Type, path: tuple[ir.Path, ...], value: object, env: Env) -> object:
        if not path:
            return value
        p, rest = path[0], path[1:]
        if p.kind == "field":
            assert isinstance(t, RecordT)
            pos = [n for n, _ in t.fields].index(p.field)  # type: ignore[arg-type]
            items = list(base.items)  # type: ignore[attr-defined]
            items[pos] = self._update(items[pos], t.fields[pos][1], rest, value, env)
            return Tup(tuple(items))
        key = self.x.expr(p.index, env)  # type: ignore[arg-type]
        if isinstance(t, MapT):
            entries = []
            hits = []
            for k, present, x in base.entries:  # type: ignore[attr-defined]
                hit = sv.eq(key, sv.const(k, t.key, self.shape.dom), t.key)
                hits.append(conj([hit, present]))
                inner = self._update(x, t.value, rest, value, env) if rest else value
                entries.append((k, disj([hit, present]), sv.ite(hit, inner, x)))
            if rest:
                env.fail(z3.Not(disj(hits)))
            return sv.MapV(tuple(entries))
        if isinstance(t, SeqT):
            seq: SeqV = base  # type: ignore[assignment]
            env.fail(disj([key < 0, key >= seq.length]))  # type: ignore[operator]
            items = tuple(sv.ite(key == i, self._update(x, t.elem, rest, value, env) if rest else value, x)
                          for i, x in enumerate(seq.items))
            return SeqV(seq.length, items)
        raise Unsupported("assigning into this value", None)

    def _send(self, st: ir.Send, r: Run, env: Env, gid: int) -> Run:
        mtype = self.program.message(st.message)
        mid = self.mids[st.message]
        args = []
        for arg, (_, ft) in zip(st.args, mtype.fields):  # type: ignore[union-attr]
            v = self.x.value(arg, ft, env)
            if not values.within(arg.type, ft):
                env.fail(z3.Not(sv.fits(v, ft, self.shape.dom)))
            args.append(sv.canonical(v, ft, self.shape.dom))
        dest = self.x.expr(st.dest, env)
        if st.broadcast:
            targets = [(bit, g) for g, bit in self.x.coerce(dest, st.dest.type).bits]  # type: ignore[attr-defined]
        else:
            targets = [(dest == g, g) for g in self.shape.gids]  # type: ignore[operator]
        sends = list(r.sends)
        for cond, g in targets:
            if z3.is_false(cond) or z3.is_false(z3.simplify(cond)):
                continue
            k = self.layout.link(gid, g) if self.shape.mode == "fifo" else self.layout.inbox(g)
            if k is not None:
                sends.append((k, conj([r.cond, cond]), self._message(mid, gid, args)))
        return Run(r.cond, r.store, r.locals, sends)

    def _message(self, mid: int, src: int, args: list) -> Tup:
        items = list(empty_message(self.shape).items)
        lo, hi = field_range(self.shape, mid)
        items[0], items[1] = z3.BoolVal(True), z3.IntVal(mid)
        items[2] = z3.IntVal(src if self.shape.mode != "fifo" else -1)
        items[lo:hi] = args
        return Tup(tuple(items))

    def _reply(self, st: ir.Reply, r: Run, env: Env, request) -> Run:
        if st.handle is None:
            c, q = z3.IntVal(request[0]), z3.IntVal(request[1])
        else:
            h = self.x.expr(st.handle, env)
            if isinstance(h, Opt):
                env.fail(z3.Not(h.present))
                h = h.value
            c, q = h.items  # type: ignore[attr-defined]
        value = self.x.expr(st.value, env) if st.value is not None else None   # also for its run-time errors
        store = dict(r.store)
        work = Working(env.state.base, store)  # type: ignore[attr-defined]
        lin = self.shape.lin
        sends = list(r.sends)
        for client in range(self.shape.clients):
            k = self.layout.env("client", node=client)
            slot = work.slot(k)  # type: ignore[arg-type]
            n, waiting, seq, inv, at = slot.items  # type: ignore[attr-defined]
            hit = conj([c == client, waiting, seq == q])
            store[k] = Tup((n, conj([waiting, z3.Not(hit)]), seq, inv, at))  # type: ignore[index]
            sends.append((REPLY, conj([r.cond, hit]), (client, st.error is not None)))
            if lin is not None and not z3.is_false(hit):
                answer = z3.IntVal(-1) if value is None else lin.answer(value, st.value.type, self.shape.dom)  # type: ignore[union-attr]
                changes = {1: self.now, 2: answer, 3: z3.BoolVal(st.error is not None)}
                km = self.shape.monitor
                store[km] = self._record(work.slot(km), client, seq, changes, hit)  # type: ignore[arg-type]
        return Run(r.cond, store, r.locals, sends)

    def _record(self, history: tuple, client: int, seq, changes: dict, when=None) -> tuple:
        """The history with the entry of (client, request `seq`) changed at the positions of
        `changes` (0 invoked, 1 answered, 2 result, 3 error) when `when` holds."""
        rows = []
        for c, row in enumerate(history):
            if c != client:
                rows.append(row)
                continue
            entries = []
            for q, entry in enumerate(row):
                hit = conj([seq == q] + ([when] if when is not None else []))
                items = list(entry.items)
                for pos, v in changes.items():
                    items[pos] = sv.ite(hit, v, items[pos])
                entries.append(Tup(tuple(items)))
            rows.append(tuple(entries))
        return tuple(rows)

    # -------------------------------------------------- clients

    def _clients(self, s: SymState) -> list[Action]:
        out: list[Action] = []
        p = self.program
        if p.clients is None or self.table is None:
            return out
        for c in range(self.shape.clients):
            k = self.layout.env("client", node=c)
            n, waiting, seq, inv, at = s.slots[k].items  # type: ignore[attr-defined, index]
            idle = conj([z3.Not(waiting), n < self.shape.ops])
            for i, (op, _) in enumerate(self.shape.invocations):
                for d in self._routes(s, p.routing_for(c, p.object.ops[op].name)):  # type: ignore[union-attr]
                    table = s.slots[self.table]
                    row = tuple(tuple(Tup((sv.ite(n == q, d, r.items[0]), sv.ite(n == q, z3.IntVal(i), r.items[1])))
                                      if cc == c else r for q, r in enumerate(rw)) for cc, rw in enumerate(table))  # type: ignore[arg-type]
                    effect = {k: Tup((n + 1, z3.BoolVal(True), n, z3.IntVal(i), d)), self.table: row}
                    if self.shape.lin is not None:
                        effect[self.shape.monitor] = self._record(s.slots[self.shape.monitor], c, n, {0: self.now})  # type: ignore[index]
                    out.append(Action(f"client[{c}]: invoke {i} at {d}", idle, effect))
            if p.faults.give_up:
                b = self.layout.env("budget", "give_up")
                used = s.slots[b]  # type: ignore[index]
                effect = {k: Tup((n, z3.BoolVal(False), seq, inv, at)), b: used + 1}
                out.append(Action(f"client[{c}]: give up", conj([waiting, used < p.faults.give_up]), effect))
        return out

    def _routes(self, s: SymState, routing: ir.Routing | None) -> list:
        """The nodes (Z3 gids) a request routed by `routing` may be sent to in state `s`."""
        if routing is not None and routing.mode == "address":
            return [s.address(routing.address)]  # type: ignore[arg-type]
        from checker.model.layout import request_targets
        return [z3.IntVal(node.gid) for node in request_targets(self.program, routing)]

    # -------------------------------------------------- faults

    def _faults(self, s: SymState) -> list[Action]:
        f, lay, out = self.program.faults, self.layout, []
        down, paused, cuts = lay.env("down"), lay.env("paused"), lay.env("cuts")
        gids = self.shape.gids
        if f.crash:
            b = lay.env("budget", "crash")
            for g in f.targets("crash", gids):
                eff = {down: _set(s.slots[down], g, True), b: s.slots[b] + 1}  # type: ignore[index, operator]
                if paused is not None:
                    eff[paused] = _set(s.slots[paused], g, False)
                out.append(Action(f"{self.program.nodes[g]}: crash", conj([s.slots[b] < f.crash, z3.Not(s.down(g))]), eff))  # type: ignore[index]
        if f.restart:
            out += self._restarts(s)
        if f.pause:
            b = lay.env("budget", "pause")
            for g in gids:
                able = conj([z3.Not(s.down(g)), z3.Not(s.paused(g)), s.slots[b] < f.pause])  # type: ignore[index]
                if f.targets("pause", [g]):
                    out.append(Action(f"{self.program.nodes[g]}: pause", able,
                                      {paused: _set(s.slots[paused], g, True), b: s.slots[b] + 1}))  # type: ignore[index, operator]
                out.append(Action(f"{self.program.nodes[g]}: resume", s.paused(g),
                                  {paused: _set(s.slots[paused], g, False)}, fair=(("resume", g), ())))
        if cuts is not None:
            bits = s.slots[cuts]
            for i, cut in enumerate(self.shape.cuts):
                kind = {0: "partition", 1: "link", 2: "oneway"}[cut[0]]
                b = lay.env("budget", kind)
                out.append(Action(f"network: {kind} {cut}", conj([z3.Not(bits[i]), s.slots[b] < f.budget(kind)]),  # type: ignore[index, operator]
                                  {cuts: _set(bits, i, True), b: s.slots[b] + 1}))  # type: ignore[index, operator]
            for i, cut in enumerate(self.shape.cuts):
                out.append(Action(f"network: heal {cut}", bits[i], {cuts: _set(bits, i, False)},  # type: ignore[index]
                                  fair=(("heal", cut), ())))
        if self.program.network.lossy and f.loss != 0:
            out += self._losses(s)
        if f.duplicate:
            out += self._duplicates(s)
        return out

    def _restarts(self, s: SymState) -> list[Action]:
        lay, f, out = self.layout, self.program.faults, []
        down, b = lay.env("down"), lay.env("budget", "restart")
        for role in self.program.roles:
            restart = next((h for h in role.handlers if h.kind == "restart"), None)
            for g in f.targets("restart", [node.gid for node in role.ids]):
                node = self.program.nodes[g]
                store: dict[int, object] = {down: _set(s.slots[down], g, False), b: s.slots[b] + 1}  # type: ignore[index, operator]
                for v in role.vars:
                    if not v.durable:
                        k = lay.var(g, v.name)
                        store[k] = sv.const(self.shape.init[k], v.type, self.shape.dom)
                able = conj([s.slots[b] < f.restart, s.down(g)])  # type: ignore[index]
                if restart is None:
                    out.append(Action(f"{node}: restart", able, store))
                else:
                    out += self._body(s, restart, g, f"{node}: restart", able, store, {})
        return out

    def _losses(self, s: SymState) -> list[Action]:
        budget = self.program.faults.loss
        b = self.layout.env("budget", "loss")
        room = s.slots[b] < budget if budget is not None else z3.BoolVal(True)  # type: ignore[index, operator]
        bump = {b: s.slots[b] + 1} if budget is not None else {}  # type: ignore[index, operator]
        out = []
        for k in self.layout.network_slots():
            content = s.slots[k]
            if isinstance(content, Queue):
                for i in range(len(content.slots)):
                    out.append(Action(f"lose {k}[{i}]", conj([room, content.length > i]), dict(bump), taken={k: i}))
            else:
                for j, m in enumerate(content.slots):  # type: ignore[attr-defined]
                    out.append(Action(f"lose {k}[{j}]", conj([room, m.items[0]]), dict(bump), taken={k: j}))
        return out

    def _duplicates(self, s: SymState) -> list[Action]:
        b = self.layout.env("budget", "duplicate")
        out = []
        for k in self.layout.network_slots():
            bag: Bag = s.slots[k]  # type: ignore[assignment]
            for j, m in enumerate(bag.slots):
                able = conj([m.items[0], s.slots[b] < self.program.faults.duplicate])  # type: ignore[index, operator]
                out.append(Action(f"duplicate {k}[{j}]", able, {b: s.slots[b] + 1}, sends=[(k, able, m)]))  # type: ignore[index, operator]
        return out


def _merge(pick, chosen: Run, other: Run, base_cond, s: SymState, before: list | None = None) -> Run:
    """The run that is `chosen` when `pick` holds and `other` otherwise (a slot only one
    of them changed keeps the step's value in the other). The sends of both are kept (each
    carries its own condition), after the ones made `before`."""
    a, b = Working(s, chosen.store), Working(s, other.store)
    store = {k: slot_ite(pick, a.slot(k), b.slot(k)) for k in sorted(set(chosen.store) | set(other.store))}
    cond = disj([conj([pick, chosen.cond]), conj([z3.Not(pick), other.cond])])
    return Run(conj([base_cond, cond]), store, other.locals, list(before or []) + chosen.sends + other.sends)


def _set(bits: tuple, i: int, value: bool) -> tuple:
    return tuple(z3.BoolVal(value) if k == i else b for k, b in enumerate(bits))


def _leaf_type(t: Type, path: tuple[ir.Path, ...]) -> Type:
    for p in path:
        if p.kind == "field":
            t = t.field(p.field)  # type: ignore[attr-defined, assignment]
        elif isinstance(t, MapT):
            t = t.value
        elif isinstance(t, SeqT):
            t = t.elem
        elif isinstance(t, OptionT):
            t = t.inner
    return t
