"""Where each part of the global state lives in the flat state tuple.

A state is one tuple; its slots, in this order:

1. every node's variables (nodes in global-id order, variables in declaration order);
2. the environment, each only when the spec can change it: `down` and `paused` (bit sets of
   node ids), `cuts` (frozenset of active cuts), one counter per fault kind with a bounded
   budget, and one slot per address (the gid of the node holding it); with `clocks`, real
   time (`now`, an int) and one clock per node (`clock`, an int);
2b. with clients: one slot per client, `(operations invoked, pending)` where pending is
   none or `(seq, op, args, node)`; one slot per node a request can reach, the requests
   waiting there (a sorted tuple of `(client, seq, op, args)`); the linearizability
   monitor's state when the spec checks it (props/monitor.py); one slot per durability or
   session check (props/sessions.py);
3. the network: one inbox per destination node for the `unordered` network (a sorted tuple,
   a multiset) and the `duplicating` one (a frozenset: every message ever sent to it); one
   queue per directed link (source, destination) for `fifo` (a tuple in sending order). A
   message in an inbox is `(message number, source, field, ...)`; on a fifo link it is
   `(message number, field, ...)`. (One inbox per node rather than per node and message
   keeps states narrow: hashing and copying a state cost in proportion to its width.)

Only slots that can ever be non-empty exist: inboxes for the nodes some `send` can reach (by
the destination's type), links between roles that send to each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.props import kinds
from checker.semantics import ir
from checker.semantics.types import NodeT, SetT


@dataclass(frozen=True)
class Slot:
    """What one slot of the state tuple holds: kind 'var' (node, name), 'down', 'paused',
    'cuts', 'budget' (name: the fault kind), 'address' (name), 'now', 'clock' (node), 'client' (node: the client's
    index), 'requests' (node), 'monitor', 'history', 'session' (name: the check), 'inbox'
    (node: the destination), 'link' (node: the source, peer: the destination)."""

    kind: str
    node: int = -1
    name: str = ""
    peer: int = -1


@dataclass(frozen=True)
class Layout:
    slots: tuple[Slot, ...]
    index: dict  # Slot -> position

    def var(self, gid: int, name: str) -> int:
        return self.index[Slot("var", gid, name)]

    def env(self, kind: str, name: str = "", node: int = -1) -> int | None:
        """The position of a slot of the environment, or None when the program has none."""
        return self.index.get(Slot(kind, node, name))

    def at(self, kind: str, name: str = "", node: int = -1) -> int:
        """The position of a slot the caller knows the program has (KeyError otherwise)."""
        return self.index[Slot(kind, node, name)]

    def inbox(self, gid: int) -> int | None:
        return self.index.get(Slot("inbox", gid))

    def link(self, src: int, dst: int) -> int | None:
        return self.index.get(Slot("link", src, peer=dst))

    def network_slots(self) -> list[int]:
        return [i for i, s in enumerate(self.slots) if s.kind in ("inbox", "link")]


def build_layout(program: ir.Program) -> Layout:
    """The slot layout of `program`'s states. Pure and deterministic."""
    slots: list[Slot] = []
    for role in program.roles:
        for node in role.ids:
            slots += [Slot("var", node.gid, v.name) for v in role.vars]
    faults = program.faults
    if faults.crash:
        slots.append(Slot("down"))
    if faults.pause:
        slots.append(Slot("paused"))
    if faults.partition or faults.link or faults.oneway:
        slots.append(Slot("cuts"))
    slots += [Slot("budget", name=k) for k in ir.FAULT_KINDS if faults.budget(k)]
    slots += [Slot("address", name=a.name) for a in program.addresses]
    if program.clocks is not None:
        slots += [Slot("now")] + [Slot("clock", n.gid) for n in program.nodes]
    if program.clients is not None:
        slots += [Slot("client", c) for c in range(program.clients.count)]
        slots += [Slot("requests", n.gid) for n in request_targets(program)]
        watchers = {p.kind: kinds.of(p.kind).watcher for p in program.properties}
        slots += [Slot(w) for w in ("monitor", "history") if w in watchers.values()]
        slots += [Slot("session", name=p.kind) for p in program.properties if watchers[p.kind] == "session"]
    slots += _network_slots(program)
    return Layout(tuple(slots), {s: i for i, s in enumerate(slots)})


def _network_slots(program: ir.Program) -> list[Slot]:
    if program.network.mode == "fifo":
        pairs = sorted({(src.gid, dst) for role, (_, dsts) in destinations(program).items()
                        for src in program.role(role).ids for dst in dsts})  # type: ignore[union-attr]
        return [Slot("link", s, peer=d) for s, d in pairs]
    dests = set().union(*(_message_dests(program, m.name) for m in program.messages))
    return [Slot("inbox", d) for d in sorted(dests)]


def request_targets(program: ir.Program, routing: ir.Routing | None = None) -> list[ir.NodeId]:
    """The nodes a client request can be sent to by `routing` (by default: by any routing
    rule of the program; without one: every node whose role handles requests)."""
    if routing is None and program.routes:
        return sorted({n for r in program.routings() for n in request_targets(program, r)})
    r = routing or program.routing
    if r is not None and r.mode in ("fixed", "any"):
        return sorted(set(r.nodes))
    if r is not None and r.mode == "address":
        address = next(a for a in program.addresses if a.name == r.address)
        return [n for role in address.roles for n in program.role(role).ids]  # type: ignore[union-attr]
    return [n for role in program.roles if any(h.kind == "request" for h in role.handlers) for n in role.ids]


def destinations(program: ir.Program) -> dict[str, tuple[set[str], set[int]]]:
    """For each role: (the messages its handlers send, the gids they can be sent to)."""
    out: dict[str, tuple[set[str], set[int]]] = {}
    for role in program.roles:
        msgs: set[str] = set()
        dsts: set[int] = set()
        for h in role.handlers:
            for send in sends(h.body):
                msgs.add(send.message)
                dsts |= _gids_of(program, send.dest.type)
        out[role.name] = (msgs, dsts)
    return out


def _message_dests(program: ir.Program, message: str) -> set[int]:
    out: set[int] = set()
    for role in program.roles:
        for h in role.handlers:
            for send in sends(h.body):
                if send.message == message:
                    out |= _gids_of(program, send.dest.type)
    return out


def _gids_of(program: ir.Program, t) -> set[int]:
    if isinstance(t, SetT):
        t = t.elem
    if isinstance(t, NodeT):
        return {n.gid for r in t.roles for n in program.role(r).ids}  # type: ignore[union-attr]
    return {n.gid for n in program.nodes}


def statements(body: tuple[ir.Stmt, ...]):
    """Every statement of a block, nested ones included, in source order."""
    for s in body:
        yield s
        if isinstance(s, ir.If):
            for _, arm in s.arms:
                yield from statements(arm)
            yield from statements(s.orelse)
        elif isinstance(s, ir.For):
            yield from statements(s.body)


def sends(body: tuple[ir.Stmt, ...]):
    """Every `send` statement in a block, nested ones included, in source order."""
    return (s for s in statements(body) if isinstance(s, ir.Send))


def may_abandon(stmts: tuple[ir.Stmt, ...]) -> bool:
    """Whether a block can end a path early (a `require`, or a `choose` with no candidate)."""
    return any(isinstance(s, (ir.Require, ir.Choose)) for s in statements(stmts))
