"""Symmetry reduction: one fingerprint for all the states of an orbit.

A spec may declare a node role (`node server[N] symmetric`) or its clients (`clients N
symmetric`) interchangeable. checker/semantics/symmetry.py has refused every construct that
tells the members of such a set apart, so the successor relation, the initial state and
every property are invariant under each permutation of each symmetric set (a *symmetry*):
when s -> t is a step, so is π(s) -> π(t), and a property holds in s exactly when it holds
in π(s). The states reachable up to symmetry (the orbits) are then enough to decide every
invariant, history check and deadlock, and `Symmetry.key` gives the search one key per orbit.

Contract of `key(state)`:

- it is the fingerprint of π(state) for some symmetry π, so two states with the same key
  are in the same orbit (up to a 64-bit collision, as for plain fingerprints): states of
  different orbits are never merged, whatever the canonical form does below;
- it is the smallest such fingerprint over a set of candidate permutations that depends
  only on the orbit, so every state of an orbit gets the same key, *unless* a state needs
  more than `MAX_CANDIDATES` of them: then one fixed candidate is used, which may split an
  orbit in two keys (counted in `inexact`; never a wrong verdict, only more states);
- it is pure and deterministic (no salted hash, no dependence on dictionary order).

The candidates come from colouring the members: a member's colour is the hash of its own
slots (its variables, inbox, waiting requests; a client's slot) with every id abstracted:
the member itself becomes `SELF`, the other members of its set `OTHER`, the members of
other symmetric sets their set's marker. Colours are equivariant (the colour of π(m) in
π(s) is the colour of m in s), so sorting the members by colour is canonical up to ties.
A tie class whose every adjacent transposition leaves the state unchanged (an automorphism:
always the case when no id appears inside a value, e.g. TwoPhase's resource managers) can
be ordered either way; the other tie classes are tried in every order. Where ids do not
appear inside values the key is therefore exact at the cost of sorting the member records.

The search stores states unpermuted (the first of its orbit it reached) and uses the key
only for its visited table, so a path of action indices replays from the initial state to
exactly the stored state: counterexamples need no permutation undone.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable, Sequence

from checker.model.layout import Layout, Slot
from checker.model.renaming import Renamer, Renamers, sorter
from checker.model.values import NONE
from checker.semantics import ir
from checker.semantics.types import (
    MapT, NodeT, SetT, TupleT, some_part,
)

MAX_CANDIDATES = 5040      # permutations tried per state at most (7!); beyond: one, inexact
MEMO_LIMIT = 1 << 22       # keys remembered by plain fingerprint before the memo starts again
SELF, OTHER = -3, -4       # abstracted ids (never -1 or -2, which CPython hashes alike)


def _marker(k: int) -> int:
    """The abstracted id of a member of the k-th symmetric set other than the one coloured."""
    return -5 - k


@dataclass(frozen=True)
class SymmetricSet:
    """One symmetric set: a role's nodes (kind 'nodes', members their gids) or the clients
    (kind 'clients', members their indices)."""

    name: str
    kind: str
    members: tuple[int, ...]

    def text(self) -> str:
        """'rm (3 nodes)', 'clients (2)'."""
        if self.kind == "clients":
            return f"clients ({len(self.members)})"
        return f"{self.name} ({len(self.members)} node{'s' if len(self.members) != 1 else ''})"


# ---------------------------------------------------------------- the slots of a state


@dataclass(frozen=True)
class _Slot:
    """How a permutation acts on one slot: where its value goes (`dest`, None: it stays)
    and how the value is renamed (`rename`, None: it is kept); `owner` is (set index,
    member) for a member's own slot, `abstract` its renamer for colours."""

    k: int
    dest: Callable[[Sequence[int], Sequence[int]], int] | None
    rename: Renamer | None
    abstract: Renamer | None
    owner: tuple[int, int] | None
    parts: Callable[[object], object] | None = None    # the slot's value as a collection of facts
    part: Renamer | None = None                        # abstracts one of them
    desc: object = None                                # names the slot up to the owner's identity


class Symmetry:
    """The symmetric sets of a compiled model and the canonical key of its states; see the
    module docstring for the contract. Built by `build_symmetry`."""

    def __init__(self, sets: tuple[SymmetricSet, ...], slots: list[_Slot], width: int, nodes: int,
                 clients: int, fingerprint: Callable[[tuple], int], notes: tuple[str, ...] = (),
                 identity_exact: bool = True) -> None:
        self.sets = sets
        # whether the identity permutation gives back the state itself (the renamers order
        # a multiset of messages holding sets totally, as the model's own `sorted` may not)
        self._identity_exact = identity_exact
        self.notes = notes                  # what was declared but is not reduced, and why
        self.fingerprint = fingerprint
        self.inexact = 0                    # states keyed by one fixed order (too many ties)
        self._memo: dict[int, int] = {}     # plain fingerprint -> key
        self._nodes, self._clients, self._width = nodes, clients, width
        self._moving = [(s.k, s.dest, s.rename) for s in slots if s.dest is not None or s.rename is not None]
        self._moved = [k for k, _, _ in self._moving]
        self._renames = [rename for _, _, rename in self._moving]
        self._dests: dict[tuple, list[int]] = {}
        self._apply = self._compile_apply()
        self._own: list[dict[int, list[tuple[int, Renamer | None]]]] = [
            {m: [(s.k, s.abstract) for s in slots if s.owner == (i, m)] for m in ss.members}
            for i, ss in enumerate(sets)]
        self._bearing = [(s.k, s.dest, s.rename) for s in slots if s.rename is not None]
        self._owned_moving: list[dict[int, list]] = [
            {m: [(s.k, s.dest, s.rename) for s in slots if s.owner == (i, m)] for m in ss.members}
            for i, ss in enumerate(sets)]
        self._abstract = [self._abstraction(i) for i in range(len(sets))]
        self._facts = [(s.k, s.parts, s.part, s.desc, s.owner) for s in slots if s.parts is not None]
        self._sym_nodes = frozenset(m for ss in sets if ss.kind == "nodes" for m in ss.members)
        self._sym_clients = frozenset(m for ss in sets if ss.kind == "clients" for m in ss.members)
        self._client_sets = frozenset(i for i, ss in enumerate(sets) if ss.kind == "clients")
        # per set, whether every slot holding its ids splits into facts: the history
        # watchers' slots do not, and they hold client ids (never node ids)
        whole = any(s.rename is not None and s.parts is None for s in slots)
        self._splits = [not (whole and ss.kind == "clients") for ss in sets]

    # -------------------------------------------------- permutations

    def identity(self) -> tuple[list[int], list[int]]:
        return list(range(self._nodes)), list(range(self._clients))

    def apply(self, state: tuple, nodes: Sequence[int], clients: Sequence[int]) -> tuple:
        """π(state), for π mapping node g to nodes[g] and client c to clients[c] (a
        permutation of each symmetric set, the identity elsewhere). Pure."""
        return self._apply(state, nodes, clients, self._where(nodes, clients))

    def _compile_apply(self) -> Callable:
        """`apply` unrolled over the moving slots (one line each, no loop): it is half the
        cost of a key."""
        namespace: dict = {}
        lines = ["def apply(s, n, c, d):", "    out = list(s)"]
        for j, (k, rename) in enumerate(zip(self._moved, self._renames)):
            if rename is None:
                lines.append(f"    out[d[{j}]] = s[{k}]")
            else:
                namespace[f"r{j}"] = rename
                lines.append(f"    out[d[{j}]] = r{j}(s[{k}], n, c)")
        lines.append("    return tuple(out)")
        exec("\n".join(lines), namespace)  # noqa: S102 - our own text, no spec text
        return namespace["apply"]

    def _where(self, nodes: Sequence[int], clients: Sequence[int]) -> list[int]:
        """Where each moving slot's value goes under the permutation; remembered per
        permutation (a search meets the same few again and again)."""
        key = (tuple(nodes), tuple(clients))
        found = self._dests.get(key)
        if found is None:
            if len(self._dests) >= MEMO_LIMIT:
                self._dests.clear()
            found = self._dests[key] = [k if dest is None else dest(nodes, clients) for k, dest, _ in self._moving]
        return found

    def permutations(self) -> list[tuple[list[int], list[int]]]:
        """Every symmetry of the model (the product of each set's permutations), the
        identity first. For tests and small sets only: the count is a product of factorials."""
        out = []
        for orders in itertools.product(*(itertools.permutations(s.members) for s in self.sets)):
            out.append(self._mapping(orders))
        return out

    def _mapping(self, orders: Sequence[Sequence[int]]) -> tuple[list[int], list[int]]:
        """The permutation that sends the r-th member of `orders[i]` to the i-th set's r-th
        member (its r-th smallest id)."""
        nodes, clients = self.identity()
        for ss, order in zip(self.sets, orders):
            target = clients if ss.kind == "clients" else nodes
            for m, new in zip(order, ss.members):
                target[m] = new
        return nodes, clients

    # -------------------------------------------------- the key

    def key(self, state: tuple) -> int:
        """The canonical fingerprint of `state`'s orbit (see the module docstring).
        Remembered by the state's plain fingerprint: a search meets the same successor
        from many parents (about 60% of the calls on raft_election)."""
        fp = self.fingerprint(state)
        found = self._memo.get(fp)
        if found is None:
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
            found = self._memo[fp] = self._key(state, fp)
        return found

    def _key(self, state: tuple, fp: int) -> int:
        candidates = self._candidates(state)
        if len(candidates) == 1:
            orders = candidates[0]
            if self._identity_exact and all(tuple(o) == ss.members for o, ss in zip(orders, self.sets)):
                return fp
            return self.fingerprint(self.apply(state, *self._mapping(orders)))
        return min(self.fingerprint(self.apply(state, *self._mapping(o))) for o in candidates)

    def canonical(self, state: tuple) -> tuple:
        """The member of `state`'s orbit whose fingerprint is `key(state)`."""
        images = [self.apply(state, *self._mapping(o)) for o in self._candidates(state)]
        return min(images, key=self.fingerprint)

    def _candidates(self, state: tuple) -> list[tuple[tuple[int, ...], ...]]:
        """The member orders to try: per set, the members sorted by colour, with each tie
        class that is not an automorphism of the state tried in every order."""
        per_set = []
        total = 1
        for i, ss in enumerate(self.sets):
            colours = {m: self._colour(state, i, m) for m in ss.members}
            order, classes = _ranked(colours)
            flat = True
            if classes:
                refs, flat = self._references(state, i)
                order, classes = _ranked({m: hash((col, tuple(sorted(refs[m])))) for m, col in colours.items()})
            options: list[tuple[int, ...]] = [tuple(order)]
            for lo, hi in classes:
                if not flat and not self._automorphic(state, i, order[lo:hi]):
                    options = [o[:lo] + p + o[hi:] for o in options for p in itertools.permutations(o[lo:hi])]
            per_set.append(options)
            total *= len(options)
        if total > MAX_CANDIDATES:
            self.inexact += 1
            return [tuple(options[0] for options in per_set)]
        return list(itertools.product(*per_set))

    def _abstraction(self, i: int) -> dict[int, tuple[list[int], list[int]]]:
        """For each member m of set i, the maps of ids that colour m: m -> SELF, the rest
        of set i -> OTHER, every other symmetric set's members -> its marker."""
        nodes, clients = self.identity()
        for j, ss in enumerate(self.sets):
            target = clients if ss.kind == "clients" else nodes
            for m in ss.members:
                target[m] = OTHER if j == i else _marker(j)
        out = {}
        for m in self.sets[i].members:
            n, c = list(nodes), list(clients)
            (c if self.sets[i].kind == "clients" else n)[m] = SELF
            out[m] = (n, c)
        return out

    def _colour(self, state: tuple, i: int, m: int) -> int:
        n, c = self._abstract[i][m]
        return hash(tuple([state[k] if f is None else f(state[k], n, c) for k, f in self._own[i][m]]))

    def _references(self, state: tuple, i: int) -> tuple[dict[int, list[int]], bool]:
        """For each member m of set i, the hashes of the facts that mention it (a set's
        element, a map's entry, a message, a waiting request, ...), each abstracted relative
        to m and named by its slot up to symmetry: equivariant, like the colours. Also
        whether the state is *flat*: no fact mentions two members of symmetric sets (the
        owner of a member's slot counts) and every slot holding ids splits into facts.

        In a flat state two members with the same colour and references are
        interchangeable: swapping them maps each one's facts onto the other's and fixes
        every other fact, so the swap is an automorphism of the state."""
        refs: dict[int, list[int]] = {m: [] for m in self.sets[i].members}
        clients = self.sets[i].kind == "clients"
        flat = self._splits[i]
        sym_nodes, sym_clients = self._sym_nodes, self._sym_clients
        for k, parts, part, desc, owner in self._facts:
            for fact in parts(state[k]):  # type: ignore[operator]
                spy_n, spy_c = _Spy(), _Spy()
                part(fact, spy_n, spy_c)  # type: ignore[operator]
                if flat:
                    named = sym_nodes.intersection(spy_n.seen) if owner is None or owner[0] in self._client_sets \
                        else sym_nodes.intersection(spy_n.seen + [owner[1]])
                    named_c = sym_clients.intersection(spy_c.seen if owner is None or owner[0] not in self._client_sets
                                                       else spy_c.seen + [owner[1]])
                    flat = len(named) + len(named_c) <= 1
                for m in set(spy_c.seen if clients else spy_n.seen):
                    if m in refs:
                        n, c = self._abstract[i][m]
                        whose = None if owner is None else (
                            (SELF if owner[1] == m else OTHER) if owner[0] == i else _marker(owner[0]))
                        refs[m].append(hash((desc, whose, part(fact, n, c))))  # type: ignore[operator]
        return refs, flat

    def _automorphic(self, state: tuple, i: int, members: Sequence[int]) -> bool:
        """Whether swapping each adjacent pair of `members` (of set i) leaves the state
        unchanged; then every order of them gives the same image."""
        for a, b in zip(members, members[1:]):
            nodes, clients = self.identity()
            target = clients if self.sets[i].kind == "clients" else nodes
            target[a], target[b] = b, a
            touched = self._owned_moving[i][a] + self._owned_moving[i][b] + self._bearing
            for k, dest, rename in touched:
                v = state[k] if rename is None else rename(state[k], nodes, clients)
                if v != state[k if dest is None else dest(nodes, clients)]:
                    return False
        return True

    # -------------------------------------------------- the initial state

    def asymmetry(self, state: tuple) -> tuple[int, int, int] | None:
        """A witness that `state` is not symmetric: (slot index, member a, member b) such
        that swapping a and b changes that slot; None when every symmetry fixes it."""
        for ss in self.sets:
            first = ss.members[0]
            for other in ss.members[1:]:
                nodes, clients = self.identity()
                target = clients if ss.kind == "clients" else nodes
                target[first], target[other] = other, first
                image = self.apply(state, nodes, clients)
                for k in range(self._width):
                    if image[k] != state[k]:
                        return k, first, other
        return None


def _ranked(colours: dict[int, int]) -> tuple[list[int], list[tuple[int, int]]]:
    """The members sorted by colour (ties by id), and the [lo, hi) ranges of ties."""
    order = sorted(colours, key=lambda m: (colours[m], m))
    classes = []
    lo = 0
    for hi in range(1, len(order) + 1):
        if hi == len(order) or colours[order[hi]] != colours[order[lo]]:
            if hi - lo > 1:
                classes.append((lo, hi))
            lo = hi
    return order, classes


class _Spy:
    """A stand-in for an id map that maps every id to itself and remembers which it saw."""

    __slots__ = ("seen",)

    def __init__(self) -> None:
        self.seen: list[int] = []

    def __getitem__(self, x: int) -> int:
        self.seen.append(x)
        return x


# ---------------------------------------------------------------- building it


def build_symmetry(program: ir.Program, layout: Layout, watching: dict, fingerprint) -> Symmetry | None:
    """The symmetry of a compiled program's states, or None when it declares no symmetric
    set (or none that is reduced: a set of one member, clients watched by a check that
    cannot rename them). `watching`: slot -> the history watcher kept there."""
    notes: list[str] = []
    sets = [SymmetricSet(r.name, "nodes", tuple(n.gid for n in r.ids))
            for r in program.roles if r.symmetric and len(r.ids) > 1]
    clients = program.clients
    if clients is not None and clients.symmetric and clients.count > 1:
        stuck = sorted(slot.name or slot.kind for k, slot in enumerate(layout.slots)
                       if k in watching and not hasattr(watching[k], "rename_clients"))
        if stuck:
            notes.append(f"clients not reduced: check {', '.join(stuck)} {'keeps' if len(stuck) == 1 else 'keep'} "
                         f"per-client state that is not renamed")
        else:
            sets.append(SymmetricSet("clients", "clients", tuple(range(clients.count))))
    if not sets:
        return None
    types = Renamers({s.name for s in sets if s.kind == "nodes"}, any(s.kind == "clients" for s in sets))
    plan = _Plan(program, layout, watching, types, sets)
    slots = [plan.slot(k, slot) for k, slot in enumerate(layout.slots)]
    loose = any(some_part(t, lambda x: isinstance(x, SetT)) for m in program.messages for _, t in m.fields)
    return Symmetry(tuple(sets), slots, len(layout.slots), len(program.nodes),
                    clients.count if clients is not None else 0, fingerprint, tuple(notes),
                    identity_exact=not loose or program.network.mode != "unordered")


class _Plan:
    """How each kind of slot moves and is renamed under a permutation."""

    def __init__(self, program: ir.Program, layout: Layout, watching: dict, types: Renamers,
                 sets: list[SymmetricSet]) -> None:
        self.p, self.layout, self.watching, self.types = program, layout, watching, types
        self.owner_of: dict[tuple[str, int], tuple[int, int]] = {}
        for i, ss in enumerate(sets):
            for m in ss.members:
                self.owner_of[(ss.kind, m)] = (i, m)
        self.sym_nodes = {m for ss in sets if ss.kind == "nodes" for m in ss.members}
        self.var_types = {(r.name, v.name): v.type for r in program.roles for v in r.vars}

    def slot(self, k: int, slot: Slot) -> _Slot:
        kind = slot.kind
        owner = None
        if kind in ("var", "clock", "inbox", "requests"):
            owner = self.owner_of.get(("nodes", slot.node))
        elif kind == "client":
            owner = self.owner_of.get(("clients", slot.node))
        dest = self._dest(slot) if owner is not None or (kind == "link" and self._link_moves(slot)) else None
        rename, abstract = self._renamers(slot)
        parts, part = self._facts(slot) if rename is not None or (kind == "link" and dest is not None) else (None, None)
        desc = k if dest is None else (kind, slot.name)
        return _Slot(k, dest, rename, abstract, owner, parts, part, desc)

    def _facts(self, slot: Slot) -> tuple[Callable[[object], object] | None, Renamer | None]:
        """How a slot's value splits into facts that each mention a few ids, and the
        abstraction of one fact: a set's elements, a map's entries, a network slot's
        messages (a link's with their positions), the ids of a bit set, the active cuts;
        other values are one fact. History watchers are left out (colours may be coarse)."""
        kind, types = slot.kind, self.types
        whole = (lambda v: (v,))
        if kind == "var":
            t = self.var_types[(self.p.nodes[slot.node].role, slot.name)]
            if isinstance(t, SetT):
                return (lambda v: v), types.renamer(t.elem, abstract=True)
            if isinstance(t, MapT):
                return (lambda v: v), types.renamer(TupleT((t.key, t.value)), abstract=True)
            return whole, types.renamer(t, abstract=True)
        if kind in ("down", "paused"):
            gids = range(len(self.p.nodes))
            return (lambda v: [g for g in gids if (v >> g) & 1]), (lambda g, n, c: n[g])  # type: ignore[operator]
        if kind == "cuts":
            cuts = self._cuts(abstract=True)
            return (lambda v: [frozenset((x,)) for x in v]), cuts  # type: ignore[union-attr]
        if kind in ("inbox", "requests"):
            one = self._message(src=True, abstract=True) if kind == "inbox" else \
                (lambda r, n, c: (c[r[0]],) + r[1:])  # type: ignore[index]
            return (lambda v: v), one
        if kind == "link":
            one = self._message(src=False, abstract=True) or (lambda m, n, c: m)
            ends = (slot.node, slot.peer)
            return (lambda v: [ends + (i, m) for i, m in enumerate(v)]), \
                (lambda x, n, c: (n[x[0]], n[x[1]], x[2], one(x[3], n, c)))  # type: ignore[index]
        if kind in ("address", "client"):
            return whole, self._renamers(slot)[1]
        return None, None

    def _link_moves(self, slot: Slot) -> bool:
        return slot.node in self.sym_nodes or slot.peer in self.sym_nodes

    def _dest(self, slot: Slot) -> Callable[[Sequence[int], Sequence[int]], int]:
        index = self.layout.index
        if slot.kind == "link":
            table = {(s.node, s.peer): j for s, j in index.items() if s.kind == "link"}
            src, dst = slot.node, slot.peer
            return lambda n, c: table[(n[src], n[dst])]
        twins = {s.node: j for s, j in index.items() if s.kind == slot.kind and s.name == slot.name}
        who = slot.node
        if slot.kind == "client":
            return lambda n, c: twins[c[who]]
        return lambda n, c: twins[n[who]]

    def _renamers(self, slot: Slot) -> tuple[Renamer | None, Renamer | None]:
        kind = slot.kind
        if kind == "var":
            t = self.var_types[(self.p.nodes[slot.node].role, slot.name)]
            return self.types.renamer(t), self.types.renamer(t, abstract=True)
        if kind in ("down", "paused"):
            return self._bits(), self._bits(abstract=True)
        if kind == "cuts":
            return self._cuts(), self._cuts(abstract=True)
        if kind == "address":
            address = next(a for a in self.p.addresses if a.name == slot.name)
            f = self.types.renamer(NodeT(address.roles))
            return f, f
        if kind == "client":
            return self._client(), self._client()
        if kind == "requests":
            return self._requests(), self._requests()
        if kind in ("monitor", "history", "session"):
            return self._watcher(self.watching.get(self.layout.index[slot])), None
        if kind == "inbox":
            return self._inbox(False), self._inbox(True)
        if kind == "link":
            f = self._message(src=False, abstract=False)
            g = self._message(src=False, abstract=True)
            return ((lambda v, n, c: tuple([f(m, n, c) for m in v])) if f else None,  # type: ignore[misc]
                    (lambda v, n, c: tuple([g(m, n, c) for m in v])) if g else None)  # type: ignore[misc]
        return None, None

    def _bits(self, abstract: bool = False) -> Renamer | None:
        """A bit set of node ids (down, paused); abstracted: the sorted tuple of its ids."""
        if not self.sym_nodes:
            return None
        gids = range(len(self.p.nodes))
        if abstract:
            return lambda v, n, c: tuple(sorted(n[g] for g in gids if (v >> g) & 1))  # type: ignore[operator]
        return lambda v, n, c: sum(1 << n[g] for g in gids if (v >> g) & 1)  # type: ignore[operator]

    def _cuts(self, abstract: bool = False) -> Renamer | None:
        """The active cuts: a partition `(0, side)` keeps the side holding node 0; a link
        `(1, a, b)` has a < b; a one-way cut `(2, a, b)` is directed. Abstracted: each cut as
        sorted sides or ends."""
        if not self.sym_nodes:
            return None
        gids = range(len(self.p.nodes))
        everyone = (1 << len(self.p.nodes)) - 1

        def cut(x, n):
            if x[0] == 0:
                side = sum(1 << n[g] for g in gids if (x[1] >> g) & 1)
                return (0, side if side & 1 else everyone ^ side)
            a, b = n[x[1]], n[x[2]]
            return (1, min(a, b), max(a, b)) if x[0] == 1 else (2, a, b)

        def abstract_cut(x, n):
            if x[0] == 0:
                sides = [tuple(sorted(n[g] for g in gids if ((x[1] >> g) & 1) == bit)) for bit in (0, 1)]
                return (0,) + tuple(sorted(sides))
            a, b = n[x[1]], n[x[2]]
            return (1, min(a, b), max(a, b)) if x[0] == 1 else (2, a, b)

        if abstract:
            return lambda v, n, c: tuple(sorted(abstract_cut(x, n) for x in v))  # type: ignore[union-attr]
        return lambda v, n, c: frozenset(cut(x, n) for x in v)  # type: ignore[union-attr]

    def _client(self) -> Renamer | None:
        """A client's slot `(invoked, pending)`, pending none or `(seq, op, args, node)`."""
        node = self.types.renamer(NodeT(tuple(r.name for r in self.p.roles)))
        if node is None:
            return None
        return lambda v, n, c: v if v[1] == NONE else (v[0], v[1][:3] + (n[v[1][3]],))  # type: ignore[index]

    def _requests(self) -> Renamer | None:
        """A node's waiting requests: a sorted tuple of `(client, seq, op, args)`."""
        if not self.types.clients:
            return None
        return lambda v, n, c: tuple(sorted([(c[r[0]],) + r[1:] for r in v]))  # type: ignore[union-attr]

    def _watcher(self, watcher) -> Renamer | None:
        if watcher is None or not self.types.clients:
            return None
        rename = watcher.rename_clients
        return lambda v, n, c: rename(v, c)

    def _inbox(self, abstract: bool) -> Renamer | None:
        text, namespace = self._message_text(src=True, abstract=abstract)
        if text is None:
            return None
        if self.p.network.mode == "duplicating" and not abstract:
            return eval(f"lambda v, n, c: frozenset([{text} for m in v])", namespace)  # noqa: S307 - our own text
        namespace["order"] = self._message_order()
        return eval(f"lambda v, n, c: tuple(order([{text} for m in v]))", namespace)  # noqa: S307 - our own text

    def _message_order(self) -> Callable[[list], list]:
        fields = [t for m in self.p.messages for _, t in m.fields]
        return sorter(TupleT(tuple(fields)))

    def _message(self, src: bool, abstract: bool) -> Renamer | None:
        """A message `(number, source, field, ...)` (inboxes) or `(number, field, ...)` (links)."""
        text, namespace = self._message_text(src, abstract)
        return None if text is None else eval(f"lambda m, n, c: {text}", namespace)  # noqa: S307 - our own text

    def _message_text(self, src: bool, abstract: bool) -> tuple[str | None, dict]:
        """An expression renaming the message `m`: one branch per message type that holds
        ids (`(... if m[0] == 0 else ... if m[0] == 2 else m)`); None when none does."""
        senders = self._senders()
        namespace: dict = {}
        branches = []
        for mid, m in enumerate(self.p.messages):
            types = [NodeT(senders.get(m.name, ()))] if src else []
            types += [t for _, t in m.fields]
            if any(self.types.holds_ids(t) for t in types):
                branches.append(f"{self.types.fields_text(types, abstract, 1, 'm', namespace)} if m[0] == {mid} else ")
        if not branches:
            return None, namespace
        return "(" + "".join(branches) + "m)", namespace

    def _senders(self) -> dict[str, tuple[str, ...]]:
        """For each message, the roles whose handlers send it (the roles of its sources)."""
        from checker.model.layout import sends
        out: dict[str, list[str]] = {}
        for role in self.p.roles:
            for h in role.handlers:
                for s in sends(h.body):
                    out.setdefault(s.message, [])
                    if role.name not in out[s.message]:
                        out[s.message].append(role.name)
        return {k: tuple(v) for k, v in out.items()}
