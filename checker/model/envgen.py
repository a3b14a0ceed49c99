"""The steps of the environment in the generated successor function: clients and faults.

A mixin of `codegen.ModelGenerator`: these methods write into the same module, after the
nodes' steps, with the same helpers (`_fresh`, `_emit`, `block`); the order they write
steps in is part of what makes a trace's path replayable.

- clients: invoke every operation some node handles, with every combination of arguments,
  at every node the routing rule allows; give up within the `give_up` budget;
- faults: crash (each up node), restart (each down node: volatile variables reset, then
  `on restart`, in the same step), pause and resume, partition (every side containing the
  first node), link cuts (every pair), one-way cuts (every ordered pair), heal (every active
  cut), loss (every message), duplication (every distinct message of an unordered network);
- time: a tick (every way the clocks may move with it).
"""

from __future__ import annotations

import itertools
from contextlib import AbstractContextManager, contextmanager
from itertools import combinations, permutations
from typing import TYPE_CHECKING, Callable

from checker.model import values
from checker.model.emit import Emitter, Path
from checker.model.exprgen import Env, Tables, Unsupported
from checker.model.layout import Layout, may_abandon, request_targets
from checker.semantics import ir

MAX_PARTITION_NODES = 16


class EnvironmentSteps:
    """Client and fault steps, for ModelGenerator, which provides what is declared here
    (the program, its layout, the constant tables, the emitter and the helpers)."""

    p: ir.Program
    layout: Layout
    t: Tables
    out: Emitter
    mode: str
    labeled: bool

    if TYPE_CHECKING:  # defined by codegen.ModelGenerator
        def _fresh(self) -> str: ...

        def _emit(self, path: Path) -> None: ...

        def _maybe(self, header: str | None) -> AbstractContextManager[None]: ...

        def block(self, stmts: tuple[ir.Stmt, ...], path: Path, cont: Callable[[Path], None]) -> None: ...

        def initial_value(self, v: ir.VarDecl, gid: int) -> object: ...

    def _clients(self) -> None:
        """Client steps: invoke an operation (any arguments, any routing choice), or, within
        the `give_up` budget, give up on the pending one (it stays where it is and may still
        take effect: the operation is indeterminate)."""
        program = self.p
        watched = any(slot.kind in ("monitor", "history", "session") for slot in self.layout.slots)
        routing = self._routes()
        invocations = self.t.const(self.invocations())
        reqs = self.t.const(tuple(self.layout.env("requests", node=n.gid) if self.layout.env(
            "requests", node=n.gid) is not None else -1 for n in program.nodes))
        for c in range(program.clients.count):  # type: ignore[union-attr]
            k = self.layout.env("client", node=c)
            self.out.line(f"cs = s[{k}]")
            with self.out.block(f"if cs[1] == _NONE and cs[0] < {program.clients.ops}:"):  # type: ignore[union-attr]
                with self.out.block(f"for op, args in {invocations}:"):
                    if program.routes:
                        routing = self._routes_by_op(c)
                    with self.out.block(f"for d in {routing}:"):
                        self.out.line(self._fresh())
                        self.out.line(f"l[{k}] = (cs[0] + 1, (cs[0], op, args, d))")
                        self.out.line(f"kr = {reqs}[d]")
                        self.out.line(f"l[kr] = _ms_add(l[kr], ({c}, cs[0], op, args))")
                        if watched:
                            self.out.line(f"_observe_invoke(l, {c}, cs[0], op, args)")
                        self._emit(Path(Env("l"), "continue", f"('invoke', {c}, cs[0], op, args, d)"))
            if program.faults.give_up:
                b = self.layout.env("budget", "give_up")
                with self.out.block(f"elif cs[1] != _NONE and s[{b}] < {program.faults.give_up}:"):
                    self.out.line(self._fresh())
                    self.out.line(f"l[{k}] = (cs[0], _NONE); l[{b}] += 1")
                    if watched:
                        self.out.line(f"_observe_abandon(l, {c}, cs[1][0])")
                    self._emit(Path(Env("l"), "continue", f"('give_up', {c}, cs[1])"))

    def _routes(self, routing: ir.Routing | None = None) -> str:
        """Code for the nodes a request may be sent to now by `routing` (by default the
        program's default rule), an iterable of gids."""
        r = routing or self.p.routing
        if r is not None and r.mode == "address":
            return f"(s[{self.layout.env('address', r.address)}],)"  # type: ignore[arg-type]
        return self.t.const(tuple(n.gid for n in request_targets(self.p, r)))

    def _routes_by_op(self, client: int) -> str:
        """Code for the nodes client `client`'s request of operation `op` (a variable of the
        generated code) may be sent to now, when some rule routes operations or clients."""
        codes: dict[str, list[int]] = {}
        for i, op in enumerate(self.p.object.ops):  # type: ignore[union-attr]
            codes.setdefault(self._routes(self.p.routing_for(client, op.name)), []).append(i)
        if len(codes) == 1:
            return next(iter(codes))
        for n, (code, indices) in enumerate(codes.items()):
            test = f"op in {tuple(indices)!r}"
            self.out.line(f"{'if' if n == 0 else 'elif'} {test}: routes = {code}")
        return "routes"

    def invocations(self) -> tuple:
        """Every (operation index, encoded arguments) a client may invoke, in a fixed order:
        the operations some node has a `request` handler for (a register's `cas` that no
        node implements is never invoked), with every combination of arguments."""
        handled = {h.trigger for r in self.p.roles for h in r.handlers if h.kind == "request"}
        out = []
        for i, op in enumerate(self.p.object.ops):  # type: ignore[union-attr]
            if op.name not in handled:
                continue
            domains = [values.domain(t, self.t.codec) for _, t in op.params]
            out += [(i, args) for args in itertools.product(*domains)]
        return tuple(out)


    def _environment(self) -> None:
        f = self.p.faults
        lay = self.layout
        down, paused, cuts = lay.env("down"), lay.env("paused"), lay.env("cuts")
        gids = [n.gid for n in self.p.nodes]
        if f.crash:
            b = lay.env("budget", "crash")
            with self.out.block(f"if s[{b}] < {f.crash}:"):
                for g in f.targets("crash", gids):
                    with self.out.block(f"if not (s[{down}] >> {g}) & 1:"):
                        self.out.line(self._fresh())
                        self.out.line(f"l[{down}] |= {1 << g}")
                        if paused is not None:
                            self.out.line(f"l[{paused}] &= ~{1 << g}")
                        self.out.line(f"l[{b}] += 1")
                        self._emit(Path(Env("l", g), "continue", f"('crash', {g})"))
        if f.restart:
            self._restarts(lay.at("budget", "restart"), lay.at("down"))
        if f.pause:
            b = lay.env("budget", "pause")
            for g in gids:
                up = f"not (s[{down}] >> {g}) & 1 and " if down is not None else ""
                if f.targets("pause", [g]):
                    with self.out.block(f"if {up}not (s[{paused}] >> {g}) & 1 and s[{b}] < {f.pause}:"):
                        self.out.line(f"{self._fresh()}; l[{paused}] |= {1 << g}; l[{b}] += 1")
                        self._emit(Path(Env("l", g), "continue", f"('pause', {g})"))
                with self.out.block(f"if (s[{paused}] >> {g}) & 1:"):
                    self.out.line(f"{self._fresh()}; l[{paused}] &= ~{1 << g}")
                    self._emit(Path(Env("l", g), "continue", f"('resume', {g})"))
        if cuts is not None:
            self._cuts(cuts, gids)
        messages = bool(self.layout.network_slots())   # nothing to lose or copy without them
        if self.p.network.lossy and f.loss != 0 and messages:  # `loss <= 0`: a lossy network that loses nothing
            self._losses()
        if f.duplicate and messages:
            self._duplicates()
        if self.p.clocks is not None:
            self._tick(self.p.clocks)

    def _tick(self, clocks: ir.Clocks) -> None:
        """Real time advances one tick, up to the horizon, and every clock with it, by each
        choice `values.tick_choices` allows (one successor per choice, its label naming the
        new readings: shrinking replays runs by their labels)."""
        now = self.layout.at("now")
        ks = [k for k, slot in enumerate(self.layout.slots) if slot.kind == "clock"]
        read = "".join(f"s[{k}], " for k in ks)
        with self.out.block(f"if s[{now}] < {clocks.horizon}:"):
            with self.out.block(f"for cs in _ticks(s[{now}] + 1, ({read}), {clocks.drift!r}, {clocks.offset!r}):"):
                self.out.line(f"{self._fresh()}; l[{now}] += 1")
                for i, k in enumerate(ks):
                    self.out.line(f"l[{k}] = cs[{i}]")
                self._emit(Path(Env("l"), "continue", f"('tick', s[{now}] + 1, cs)"))

    def _restarts(self, b: int, down: int) -> None:
        with self.out.block(f"if s[{b}] < {self.p.faults.restart}:"):
            for role in self.p.roles:
                restart = next((h for h in role.handlers if h.kind == "restart"), None)
                for g in self.p.faults.targets("restart", [node.gid for node in role.ids]):
                    with self.out.block(f"if (s[{down}] >> {g}) & 1:"):
                        self.out.line(self._fresh())
                        self.out.line(f"l[{down}] &= ~{1 << g}")
                        self.out.line(f"l[{b}] += 1")
                        for v in role.vars:
                            if not v.durable:
                                init = self.t.const(self.initial_value(v, g))
                                self.out.line(f"l[{self.layout.var(g, v.name)}] = {init}")
                        path = Path(Env("l", g), "continue", f"('restart', {g})")
                        if restart is None:
                            self._emit(path)
                        else:
                            with self._maybe("for _ in (0,):" if may_abandon(restart.body) else None):
                                self.block(restart.body, path, self._emit)

    def _cuts(self, cuts: int, gids: list[int]) -> None:
        f = self.p.faults
        if f.partition:
            if len(gids) > MAX_PARTITION_NODES:
                raise Unsupported("partitions", None, (
                    f"a partition budget over {len(gids)} nodes means {2 ** (len(gids) - 1) - 1:,} ways "
                    f"to split them, too many to explore; partitions are explored for at most "
                    f"{MAX_PARTITION_NODES} nodes (use 'link' cuts, or fewer nodes)"))
            b = self.layout.env("budget", "partition")
            sides = []
            rest = gids[1:]
            for size in range(0, len(rest)):
                for combo in combinations(rest, size):
                    sides.append(sum(1 << g for g in (gids[0],) + combo))
            with self.out.block(f"if s[{b}] < {f.partition}:"):
                with self.out.block(f"for side in {self.t.const(tuple(sides))}:"):
                    self.out.line("c = (0, side)")
                    self.out.line(f"if c in s[{cuts}]: continue")
                    self.out.line(f"{self._fresh()}; l[{cuts}] = s[{cuts}] | {{c}}; l[{b}] += 1")
                    self._emit(Path(Env("l"), "continue", "('partition', side)"))
        if f.link:
            self._link_cuts("link", tuple((1, a, c) for a, c in f.targets("link", combinations(gids, 2))), cuts)
        if f.oneway:
            self._link_cuts("oneway", tuple((2, a, c) for a, c in f.targets("oneway", permutations(gids, 2))), cuts)
        with self.out.block(f"for c in _ordered(s[{cuts}]):"):
            self.out.line(f"{self._fresh()}; l[{cuts}] = s[{cuts}] - {{c}}")
            self._emit(Path(Env("l"), "continue", "('heal', c)"))

    def _link_cuts(self, kind: str, candidates: tuple, cuts: int) -> None:
        """Cut one of `candidates` not already cut: (1, a, b) a link both ways, (2, a, b)
        the direction from a to b."""
        b = self.layout.env("budget", kind)
        with self.out.block(f"if s[{b}] < {self.p.faults.budget(kind)}:"):
            with self.out.block(f"for c in {self.t.const(candidates)}:"):
                self.out.line(f"if c in s[{cuts}]: continue")
                self.out.line(f"{self._fresh()}; l[{cuts}] = s[{cuts}] | {{c}}; l[{b}] += 1")
                self._emit(Path(Env("l"), "continue", "('cut', c)"))

    def _losses(self) -> None:
        budget = self.p.faults.loss
        b = self.layout.env("budget", "loss")
        bump = f"; l[{b}] += 1" if budget is not None else ""
        with self._maybe(f"if s[{b}] < {budget}:" if budget is not None else None):
            for k in self.layout.network_slots():
                with self._each_in_flight(k):
                    rest = f"s[{k}] - {{m}}" if self.mode == "duplicating" else "t[:i] + t[i + 1:]"
                    self.out.line(f"{self._fresh()}; l[{k}] = {rest}{bump}")
                    self._emit(Path(Env("l"), "continue", f"('lose', {k}, m)"))

    def _duplicates(self) -> None:
        """Copy one message in flight (an unordered network only: semantics refuses the
        budget on the others); the copy is delivered, lost or copied like any other."""
        b = self.layout.env("budget", "duplicate")
        with self.out.block(f"if s[{b}] < {self.p.faults.duplicate}:"):
            for k in self.layout.network_slots():
                with self._each_in_flight(k):
                    self.out.line(f"{self._fresh()}; l[{k}] = _ms_add(t, m); l[{b}] += 1")
                    self._emit(Path(Env("l"), "continue", f"('duplicate', {k}, m)"))

    @contextmanager
    def _each_in_flight(self, k: int):
        """A loop over the messages in network slot k, binding `m` (and `t`, `i`: the slot
        and the position, except on a duplicating network); identical messages of an
        unordered inbox are visited once."""
        if self.mode == "duplicating":
            with self.out.block(f"for m in _ordered(s[{k}]):"):
                yield
            return
        self.out.line(f"t = s[{k}]")
        with self.out.block("for i in range(len(t)):"):
            if self.mode == "unordered":
                self.out.line("if i and t[i] == t[i - 1]: continue")
            self.out.line("m = t[i]")
            yield
