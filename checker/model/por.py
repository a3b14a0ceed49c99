"""Partial-order reduction: which of a state's steps are enough to explore (ample sets).

`PartialOrder.ample(state, labels, successors)` returns the action indices of an *ample
set* of the state, all the enabled steps of one node P, or None when the state must be
expanded fully. The search (explore/search.py) adds the cycle proviso: it expands fully
when a successor of the ample set is already visited.

Soundness (Clarke, Grumberg, Peled, "Model Checking", ch. 10; Peled 1994). An ample set A
of P's steps is returned only when

- C0: A is not empty (P has an enabled step);
- C1: no step outside A, on any path from the state before a step of A, depends on a step
  of A. Steps of other nodes touch their own variables and inboxes and only add messages
  to others' inboxes, so they commute with P's steps; what could interfere is checked:
  a message or request that arrives at P enables a new step of P, so every handler of P's
  role that such an arrival can run must commute with every handler in A (`_commute`: no
  variable one writes is read or written by the other; neither replies nor takes an
  address; on a fifo network they send to no common role). Faults that touch P (a crash
  or pause budget left; a loss or duplication budget and a message in P's inbox; cuts that
  can change while A delivers a message or reads `reachable`; a restart while A reads
  `up`) and addresses another node can take while A reads them make the state expand
  fully; a spec with `clocks` is never reduced;
- C2: every step of A is invisible: the state after it agrees with the state before on
  every slot an invariant reads, on the clients and on the history watchers. A step of P
  changes only P's slots, inboxes and what it sends, whatever P's peers did before it, so
  its visibility in this state is its visibility wherever the reordering moves it;
- C3 (the search's proviso): along every cycle of the reduced graph some state is fully
  expanded. The search expands fully when any successor of A is already visited, which
  every cycle contains (its first-numbered state was visited before the edge that closes
  it was followed), under breadth-first and depth-first order alike.

Then every invariant, history check and deadlock (persistent sets keep every deadlock)
is violated in the reduced graph exactly when it is in the full one, but a shortest
counterexample of the full graph may need reordering: breadth-first counterexamples are
no longer guaranteed shortest (the report says so; `--shrink` shortens them).

In message-passing protocols where every node can send to every other and the handlers
share variables (raft_election, TwoPhase), C1 rarely holds: P's next delivery does not
commute with a message still to arrive. The reduction applies where a node's steps are
invisible and nothing it can still receive interferes with them.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

from checker.model.exprgen import reads
from checker.model.layout import Layout, statements
from checker.semantics import ir
from checker.semantics.types import NodeT, SetT


@dataclass(frozen=True)
class _Handler:
    """What a handler can touch: variables of its role read and written, the environment
    it reads ('down', 'cuts', 'address' names), whether it replies or takes an address, the
    roles it may send to, and whether it is a message delivery."""

    reads: frozenset
    writes: frozenset
    env: frozenset
    replies: bool
    takes: frozenset
    sends_to: frozenset
    delivery: bool


def _dest_roles(program: ir.Program, s: ir.Send) -> set[str]:
    """The roles a `send` may reach, by its destination's type."""
    t = s.dest.type.elem if isinstance(s.dest.type, SetT) else s.dest.type
    return set(t.roles) if isinstance(t, NodeT) else {r.name for r in program.roles}


def _facts(program: ir.Program, h: ir.Handler) -> _Handler:
    parts = (h.guard, h.body)
    read = reads(parts)
    stmts = list(statements(h.body))
    sends_to = {r for s in stmts if isinstance(s, ir.Send) for r in _dest_roles(program, s)}
    return _Handler(
        reads=frozenset(x[1] for x in read if x[0] == "var"),
        writes=frozenset(s.target.name for s in stmts if isinstance(s, ir.Assign)),  # type: ignore[attr-defined]
        env=frozenset(x[0] if x[0] != "address" else x[1] for x in read if x[0] != "var"),
        replies=any(isinstance(s, ir.Reply) for s in stmts),
        takes=frozenset(s.address for s in stmts if isinstance(s, ir.Take)),
        sends_to=frozenset(sends_to),
        delivery=h.kind == "message")


class PartialOrder:
    """Ample sets of a compiled model's states; see the module docstring. Built once per
    model (`build_partial_order`); `ample` is pure."""

    def __init__(self, program: ir.Program, layout: Layout, handlers: list[ir.Handler],
                 visible: tuple[int, ...], clients: bool) -> None:
        self.p, self.layout = program, layout
        self.facts = [_facts(program, h) for h in handlers]
        self.clients = clients
        taken = {a for f in self.facts for a in f.takes}
        self.stable = [self._stable(i, handlers, taken) for i in range(len(handlers))]
        # else no state ever has an ample set; with clocks, a tick enables timers anywhere
        # and commutes with no step that reads a clock: the reduction is not applied
        self.applicable = any(self.stable) and program.clocks is None
        self._visible = operator.itemgetter(*visible) if visible else (lambda s: ())
        self._inbox = {n.gid: layout.inbox(n.gid) for n in program.nodes}
        self._links_in = {n.gid: [k for k, sl in enumerate(layout.slots) if sl.kind == "link" and sl.peer == n.gid]
                          for n in program.nodes}
        f = program.faults
        env = layout.env
        self._crash = (env("budget", "crash"), f.crash)
        self._pause = (env("budget", "pause"), f.pause)
        self._restart = (env("budget", "restart"), f.restart, env("down"))
        self._cuts = env("cuts")
        self._cut_budgets = [(env("budget", k), f.budget(k)) for k in ("partition", "link", "oneway") if f.budget(k)]
        self._loss = (env("budget", "loss"), f.loss) if program.network.lossy and f.loss != 0 else None
        self._dup = (env("budget", "duplicate"), f.duplicate) if f.duplicate else None

    # -------------------------------------------------- static: which handlers may be ample

    def _stable(self, i: int, handlers: list[ir.Handler], taken: set[str]) -> bool:
        """Whether handler i can be part of an ample set at all: it neither replies nor takes
        an address, reads no address another step can take, and commutes with every
        handler of its role that an arriving message or request can run."""
        f = self.facts[i]
        if f.replies or f.takes or (f.env & taken):
            return False
        role = handlers[i].role
        arriving = self._arrivals(role)
        return all(self._commute(f, self.facts[j]) for j, h in enumerate(handlers)
                   if h.role == role and (h.kind, h.trigger) in arriving)

    def _arrivals(self, role: str) -> set[tuple[str, str]]:
        """The (kind, trigger) of the handlers of `role` that a step of another node or a
        client can enable by sending a message or a request to one of its nodes."""
        out: set[tuple[str, str]] = set()
        for r in self.p.roles:
            for h in r.handlers:
                for s in statements(h.body):
                    if isinstance(s, ir.Send) and role in _dest_roles(self.p, s):
                        out.add(("message", s.message))
        target = self.p.role(role)
        if self.clients and any(h.kind == "request" for h in target.handlers):  # type: ignore[union-attr]
            out |= {("request", h.trigger) for h in target.handlers if h.kind == "request"}  # type: ignore[union-attr]
        return out

    def _commute(self, a: _Handler, b: _Handler) -> bool:
        if a.replies or b.replies or a.takes or b.takes:
            return False
        if a.writes & (b.reads | b.writes) or b.writes & a.reads:
            return False
        return not (self.p.network.mode == "fifo" and a.sends_to & b.sends_to)

    # -------------------------------------------------- dynamic: one state

    def ample(self, state: tuple, labels: tuple, successors: tuple) -> list[int] | None:
        """The indices of an ample set of `state`'s steps (`labels` and `successors` as
        `Model.labeled` gives them, the core label first), smaller than all of them; None
        when the state must be expanded fully."""
        if self._left(state, self._crash) or self._left(state, self._pause):
            return None   # any node may crash or pause next, which no step of it commutes with
        by_node: dict[int, list[int]] = {}
        for i, label in enumerate(labels):
            core = label[0] if self.clients else label
            if isinstance(core[0], int):
                by_node.setdefault(core[1], []).append(i)
        for gid, steps in sorted(by_node.items(), key=lambda kv: (len(kv[1]), kv[0])):
            if len(steps) < len(labels) and self._ample_node(state, gid, steps, labels, successors):
                return steps
        return None

    def _ample_node(self, state: tuple, gid: int, steps: list[int], labels: tuple, successors: tuple) -> bool:
        hids = {(labels[i][0] if self.clients else labels[i])[0] for i in steps}
        if not all(self.stable[h] for h in hids):
            return False
        facts = [self.facts[h] for h in hids]
        if any("down" in f.env for f in facts) and self._restart_possible(state):
            return False
        if self._cuts is not None and any(f.delivery or "cuts" in f.env for f in facts) and self._cuts_may_change(state):
            return False
        if self._touches_inbox(state, gid):
            return False
        before = self._visible(state)
        return all(self._visible(successors[i]) == before for i in steps)

    @staticmethod
    def _left(state: tuple, budget: tuple) -> bool:
        slot, bound = budget[0], budget[1]
        return slot is not None and bool(bound) and state[slot] < bound

    def _restart_possible(self, state: tuple) -> bool:
        slot, bound, down = self._restart
        return slot is not None and bool(bound) and state[slot] < bound and bool(state[down])

    def _cuts_may_change(self, state: tuple) -> bool:
        return bool(state[self._cuts]) or any(state[k] < b for k, b in self._cut_budgets)  # type: ignore[index]

    def _touches_inbox(self, state: tuple, gid: int) -> bool:
        """Whether a loss or a duplication may change what is in flight to node gid."""
        if self._loss is None and self._dup is None:
            return False
        k = self._inbox.get(gid)
        waiting = bool(state[k]) if k is not None else any(state[j] for j in self._links_in[gid])
        if not waiting:
            return False
        loss = self._loss is not None and (self._loss[1] is None or state[self._loss[0]] < self._loss[1])
        return loss or (self._dup is not None and state[self._dup[0]] < self._dup[1])


def build_partial_order(program: ir.Program, layout: Layout, handlers: list[ir.Handler],
                        invariant_slots: set[int]) -> PartialOrder:
    """The partial-order facts of a compiled program; `invariant_slots`: every slot an
    invariant or history check reads (the clients' and watchers' slots are added)."""
    watched = {k for k, sl in enumerate(layout.slots) if sl.kind in ("client", "monitor", "history", "session")}
    visible = tuple(sorted(invariant_slots | watched))
    return PartialOrder(program, layout, handlers, visible, program.clients is not None)
