"""Durability and the session guarantees, decided online over the clients' history.

`check durable`, `check read_your_writes` and `check monotonic_reads` each get one watcher
here (`check monotonic_writes` and `check writes_follow_reads`: ordering.py; the base both
build on: watcher.py), with the same pure interface as the linearizability monitor (monitor.py):
`initial()`, `invoke`, `respond`, `fail` (an error reply: no effect), `abandon` (the
client gave up: the operation may take effect at any later time, or never), `ok(state)`
and `violation(state)`.

Definitions (docs/language.md states them for users). A *write* puts a value in one *part*
of the object: the register's single part, a map's key, a set's element (`add` writes
present, `remove` absent); a `cas` writes its new value unless it returned false. A *read*
observes parts: `read`/`get` one, `contains` one element, a set's `read` every element
written so far. The candidate *sources* of what a read observed in a part are the writes of
that value to that part invoked before the read returned and not failed (pending and
abandoned ones included), and the initial value if equal. S is *definitely older* than W
when S is the initial value and W is not, or S returned before W was invoked. A guarantee
is violated only when every way of choosing a source for every read breaks it; a read
whose value no write could have produced is left to `check linearizable`.

- durable: a read's source is never definitely older than a write acknowledged before the
  read was invoked;
- read_your_writes: the same, for the writes of the reading client;
- monotonic_reads: a client's later read's source is never definitely older than the
  source chosen for one of its earlier reads of the same part.

Logs and counters accumulate instead: a read must contain (a counter: count) every append
(increment) acknowledged before it was invoked (durable), every one of the reader's own
(read_your_writes), and at least as many occurrences of each value as the same client's
earlier reads showed (monotonic_reads). A `cas` is a write only; its comparison is not
checked as a read.

States are canonical tuples of ints (and the object's encoded values), sorted, so equal
histories give equal states. The first violation is kept as `(reader client, reader seq,
other client, other seq)`: the read and the acknowledged write, or the client's earlier
read, it contradicts; from then on the state no longer changes.
"""

from __future__ import annotations

from abc import abstractmethod

from checker.props import kinds
from checker.props.objects import SequentialSpec
from checker.props.ordering import WriteOrder
from checker.props.watcher import (ABANDONED, ALL, APPEND, CAS, INIT, PENDING, READ, RETURNED, WRITE, Access,
                                   Watcher, sorted_tuple)


def watcher_for(kind: str, spec: SequentialSpec, ops: tuple[str, ...], clients: int,
                per_client: int | None = None):
    """The watcher deciding `check KIND` on histories of `spec`'s object (over the values its
    checker uses), with `clients` clients making at most `per_client` operations each (None:
    no bound). Raises ValueError for an object it does not support (the semantic checker
    refuses those first)."""
    access = Access(spec, ops)
    if kind in (kinds.MONOTONIC_WRITES.name, kinds.WRITES_FOLLOW_READS.name):
        return WriteOrder(kind, access, clients, per_client)
    if access.kind in ("log", "counter"):
        return Accumulation(kind, access, clients, per_client)
    if kind == "monotonic_reads":
        return MonotonicReads(kind, access, clients, per_client)
    return Freshness(kind, access, clients, per_client)


class Accumulation(Watcher):
    """Logs and counters. State: `(violation, acked, ops)`: `acked` the sorted
    `(value, client, seq)` of every acknowledged append; a pending append is `(3, seq,
    value)`, a pending read `(2, seq, appends it must show)`; `high` per client (monotonic
    reads): the most of each value an earlier read showed, with that read's seq."""

    def initial(self) -> tuple:
        return ((), (), ((),) * self.clients, ((),) * self.clients)

    def _invoke(self, s: tuple, client: int, seq: int, op: int, args: tuple) -> tuple:
        what, _, value = self.access.of(op, args)
        if what == APPEND:
            entry: tuple = (APPEND, seq, value)
        elif self.kind == "monotonic_reads":
            entry = (READ, seq, ())
        else:
            own = self.kind == "read_your_writes"
            entry = (READ, seq, tuple(a for a in s[1] if not own or a[1] == client))
        return (s[0], s[1], self._set_op(s[2], client, entry), s[3])

    def _respond(self, s: tuple, client: int, seq: int, result: object) -> tuple:
        kind, _, data = s[2][client]
        ops = self._set_op(s[2], client, ())
        if kind == APPEND:
            return (s[0], sorted_tuple(s[1] + ((data, client, seq),)), ops, s[3])
        shown = self.access.counts(result)
        if self.kind == "monotonic_reads":
            return self._monotonic(s, client, seq, shown, ops)
        need: dict = {}
        for value, c, q in data:
            need.setdefault(value, []).append((c, q))
        for value in sorted(need, key=repr):
            if shown.get(value, 0) < len(need[value]):
                return ((client, seq) + need[value][0], s[1], ops, s[3])
        return (s[0], s[1], ops, s[3])

    def _monotonic(self, s: tuple, client: int, seq: int, shown: dict, ops: tuple) -> tuple:
        high = dict((v, (n, q)) for v, n, q in s[3][client])
        for value, (n, q) in sorted(high.items(), key=repr):
            if shown.get(value, 0) < n:
                return ((client, seq, client, q), s[1], ops, s[3])
        for value, n in shown.items():
            if n > high.get(value, (0, 0))[0]:
                high[value] = (n, seq)
        mine = sorted_tuple((v, n, q) for v, (n, q) in high.items())
        return (s[0], s[1], ops, s[3][:client] + (mine,) + s[3][client + 1:])

    def _fail(self, s: tuple, client: int, seq: int) -> tuple:
        return (s[0], s[1], self._set_op(s[2], client, ()), s[3])

    _abandon = _fail  # an abandoned append is never acknowledged: it obliges no read

    def _trim(self, s: tuple) -> tuple:
        readers = self._readers(s)
        high = tuple(h if c in readers else () for c, h in enumerate(s[3]))
        return (s[0], s[1] if readers else (), s[2], high)


class _PartWatcher(Watcher):
    """Watchers over objects with parts (registers, maps, sets): a reply to a read is
    judged by `_read`; a write settles (`_settled`) as RETURNED, ABANDONED or failed (None:
    an error reply, or a cas that returned false)."""

    def _respond(self, s: tuple, client: int, seq: int, result: object) -> tuple:
        op = s[2][client]
        if op[0] == READ:
            return self._read(s, client, op, result)
        return self._settled(s, client, op, RETURNED if op[0] == WRITE or result is True else None)

    def _fail(self, s: tuple, client: int, seq: int) -> tuple:
        return self._end(s, client, None)

    def _abandon(self, s: tuple, client: int, seq: int) -> tuple:
        return self._end(s, client, ABANDONED)

    def _end(self, s: tuple, client: int, status: int | None) -> tuple:
        op = s[2][client]
        if op[0] == READ:
            return (s[0], s[1], self._set_op(s[2], client, ()), s[3])
        return self._settled(s, client, op, status)

    @abstractmethod
    def _read(self, s: tuple, client: int, op: tuple, result: object) -> tuple:
        """The state after the read `op` of `client` returned `result`."""

    @abstractmethod
    def _settled(self, s: tuple, client: int, op: tuple, status: int | None) -> tuple:
        """The state after the write `op` of `client` returned, was abandoned or failed."""


class Freshness(_PartWatcher):
    """durable and read_your_writes over registers, maps and sets.

    State: `(violation, parts, ops, watches)`.

    - `parts`: per part written so far, its values as `(value, stale, doms, immortal)`:
      `stale` the write ids `(client, seq)` of acknowledged writes invoked after the
      value's last source returned (for durable the first only, for read_your_writes the
      first of each client): while they are there, every source of the value that has
      returned is definitely older than them; `doms` the clients whose pending write was
      invoked after that (they make it stale when acknowledged); `immortal`: an abandoned
      write of the value exists, a possible source of every later read.
    - `ops`: a pending write `(0 or 1 for cas, seq, part, value)`, a pending read `(2, seq,
      part, snapshot)`, the snapshot being, per part, the values stale for the reader when
      it was invoked with a write that made them so (a value a write returns during the
      read is taken out).
    - `watches`: reads whose every returned source is stale and whose other sources are
      still pending: `(reader, seq, culprit, writers)`; they are violated if every one of
      the pending `writers` fails.
    """

    def initial(self) -> tuple:
        return ((), (), ((),) * self.clients, ())

    # -------------------------------------------------- events

    def _invoke(self, s: tuple, client: int, seq: int, op: int, args: tuple) -> tuple:
        what, part, value = self.access.of(op, args)
        parts = dict(s[1])
        if what == READ:
            entry = (READ, seq, part, self._snapshot(parts, part, client))
            return (s[0], s[1], self._set_op(s[2], client, entry), s[3])
        values = parts.get(part, ((self.access.init, (), (), False),))
        settled = self.kind == "durable"  # a value stale for one reader is stale for all
        parts[part] = tuple((v, st, d if imm or (settled and st) else sorted_tuple(d + (client,)), imm)
                            for v, st, d, imm in values)
        return (s[0], sorted_tuple(parts.items()), self._set_op(s[2], client, (what, seq, part, value)), s[3])

    def _settled(self, s: tuple, client: int, op: tuple, status: int | None) -> tuple:
        if status == RETURNED:
            return self._acknowledged(s, client, op)
        ops = self._set_op(s[2], client, ())
        parts = self._without_dom(dict(s[1]), op[2], client)
        if status == ABANDONED:
            values = dict((v, e) for v, *e in parts.get(op[2], ()))
            values[op[3]] = ((), (), True)
            parts[op[2]] = sorted_tuple((v,) + tuple(e) for v, e in values.items())
            watches = tuple(w for w in s[3] if client not in w[3])
            return (s[0], sorted_tuple(parts.items()), ops, watches)
        kept = []
        for reader, rseq, culprit, writers in s[3]:
            writers = tuple(w for w in writers if w != client)
            if not writers:
                return ((reader, rseq) + culprit, sorted_tuple(parts.items()), ops, ())
            kept.append((reader, rseq, culprit, writers))
        return (s[0], sorted_tuple(parts.items()), ops, tuple(kept))

    def _trim(self, s: tuple) -> tuple:
        """No part is needed once no client may read again; for read_your_writes, no
        stale mark of a client that may not read again."""
        readers = self._readers(s)
        if not readers:
            return (s[0], (), s[2], s[3])
        if self.kind == "durable":
            return s
        parts = tuple((p, tuple((v, tuple(w for w in st if w[0] in readers), d, imm) for v, st, d, imm in values))
                      for p, values in s[1])
        return (s[0], parts, s[2], s[3])

    # -------------------------------------------------- helpers

    def _stale_for(self, stale: tuple, reader: int) -> tuple | None:
        if self.kind == "durable":
            return stale[0] if stale else None
        return next((w for w in stale if w[0] == reader), None)

    def _snapshot(self, parts: dict, part: object, reader: int) -> tuple:
        names = sorted(parts, key=repr) if part is ALL else [part] if part in parts else []
        out = []
        for p in names:
            stale = tuple((v, w) for v, st, _, imm in parts[p] if not imm
                          for w in [self._stale_for(st, reader)] if w is not None)
            if stale:
                out.append((p, stale))
        return tuple(out)

    @staticmethod
    def _without_dom(parts: dict, part: object, client: int) -> dict:
        parts[part] = tuple((v, st, tuple(c for c in d if c != client), imm)
                            for v, st, d, imm in parts.get(part, ()))
        return parts

    def _acknowledged(self, s: tuple, client: int, op: tuple) -> tuple:
        _, seq, part, value = op
        values = []
        immortal = False
        for v, st, d, imm in dict(s[1]).get(part, ()):
            if v == value:
                immortal = imm
                continue
            if client in d:
                d = tuple(c for c in d if c != client)
                if self.kind == "durable":
                    st, d = (st or ((client, seq),)), ()
                elif not any(w[0] == client for w in st):
                    st = sorted_tuple(st + ((client, seq),))
            values.append((v, st, d, imm))
        values.append((value, (), (), immortal))
        parts = dict(s[1])
        parts[part] = sorted_tuple(values)
        ops = tuple(self._fresh(o, part, value) for o in self._set_op(s[2], client, ()))
        watches = tuple(w for w in s[3] if client not in w[3])
        return (s[0], sorted_tuple(parts.items()), ops, watches)

    @staticmethod
    def _fresh(op: tuple, part: object, value: object) -> tuple:
        """A pending read's snapshot without `value` in `part` (a source of it returned)."""
        if not op or op[0] != READ:
            return op
        snap = []
        for p, stale in op[3]:
            if p == part:
                stale = tuple(e for e in stale if e[0] != value)
            if stale:
                snap.append((p, stale))
        return op[:3] + (tuple(snap),)

    def _read(self, s: tuple, client: int, op: tuple, result: object) -> tuple:
        _, seq, part, snapshot = op
        parts = dict(s[1])
        ops = self._set_op(s[2], client, ())
        watches = list(s[3])
        stale_at_start = dict(snapshot)
        for p, value in self.access.observed(part, result, sorted(parts, key=repr)):
            culprit = dict(stale_at_start.get(p, ())).get(value)
            if culprit is None:
                continue
            if any(v == value and imm for v, _, _, imm in parts.get(p, ())):
                continue
            writers = tuple(c for c, o in enumerate(s[2])
                            if o and o[0] in (WRITE, CAS) and o[2] == p and o[3] == value)
            if not writers:
                return ((client, seq) + culprit, s[1], ops, ())
            watches.append((client, seq, culprit, writers))
        return (s[0], s[1], ops, sorted_tuple(watches))


class MonotonicReads(_PartWatcher):
    """monotonic_reads over registers, maps and sets.

    State: `(violation, parts, ops, chains)`.

    - `parts`: per part, its writes `(id, value, older, status)`: `id` `(client, seq)`
      (INIT for the initial value), `older` the ids of the writes that had returned when it
      was invoked (the writes definitely older than it), `status` RETURNED, PENDING (it may
      still fail) or ABANDONED (it never fails and never returns); failed writes are dropped.
    - `ops`: a pending write `(0 or 1, seq, part, value)`, a pending read `(2, seq, part)`.
    - `chains`: per (client, part) read so far: the seqs of the client's last two reads of
      it (the second -1 if there is one), and the ways its reads can be explained:
      `(excluded, relied, unless)` triples, `excluded` the writes definitely older than a
      source already chosen (no later read may use them), `relied` the pending writes
      chosen as sources (the way is lost if one fails), `unless` the pending writes that
      were a read's only sources, a read this way leaves out as having no source at all
      (the way is lost if one of them does not fail); only minimal triples are kept.
    """

    def initial(self) -> tuple:
        return ((), (), ((),) * self.clients, ())

    def _invoke(self, s: tuple, client: int, seq: int, op: int, args: tuple) -> tuple:
        what, part, value = self.access.of(op, args)
        if what == READ:
            return (s[0], s[1], self._set_op(s[2], client, (READ, seq, part)), s[3])
        parts = dict(s[1])
        writes = parts.get(part, ((INIT, self.access.init, (), RETURNED),))
        returned = tuple(sorted(w[0] for w in writes if w[3] == RETURNED))
        parts[part] = sorted_tuple(writes + (((client, seq), value, returned, PENDING),))
        return (s[0], sorted_tuple(parts.items()), self._set_op(s[2], client, (what, seq, part, value)), s[3])

    def _settled(self, s: tuple, client: int, op: tuple, status: int | None) -> tuple:
        wid = (client, op[1])
        parts = dict(s[1])
        parts[op[2]] = tuple((w[0], w[1], w[2], status) if w[0] == wid else w
                             for w in parts.get(op[2], ()) if status is not None or w[0] != wid)
        ops = self._set_op(s[2], client, ())
        chains = []
        for key, last, prev, ways in s[3]:
            if status is None:
                kept = ((ex, rel, _minus(unless, wid)) for ex, rel, unless in ways if wid not in rel)
            else:
                kept = ((ex, _minus(rel, wid), unless) for ex, rel, unless in ways if wid not in unless)
            left = _minimal(kept)
            if not left:
                return ((key[0], last, key[0], prev), sorted_tuple(parts.items()), ops, ())
            chains.append((key, last, prev, left))
        return (s[0], sorted_tuple(parts.items()), ops, tuple(chains))

    def _trim(self, s: tuple) -> tuple:
        """A client that may not read again keeps only the ways of explaining its reads that
        can still be lost (by a write failing or not), without what they exclude; no write
        is needed once no client may read again."""
        readers = self._readers(s)
        chains = []
        for key, last, prev, ways in s[3]:
            if key[0] not in readers:
                ways = _minimal(((), rel, unless) for _, rel, unless in ways)
                if ways[0] == ((), (), ()):
                    continue
            chains.append((key, last, prev, ways))
        return (s[0], s[1] if readers else (), s[2], tuple(chains))

    def _read(self, s: tuple, client: int, op: tuple, result: object) -> tuple:
        _, seq, part = op
        parts = dict(s[1])
        chains = {key: (last, ways) for key, last, _, ways in s[3]}
        prevs = {key: prev for key, _, prev, _ in s[3]}
        for p, value in self.access.observed(part, result, sorted(parts, key=repr)):
            sources = [w for w in parts.get(p, ((INIT, self.access.init, (), RETURNED),)) if w[1] == value]
            if not sources:
                continue
            last, ways = chains.get((client, p), (-1, (((), (), ()),)))
            new = [(_union(ex, w[2]), _union(rel, (w[0],) if w[3] == PENDING else ()), unless)
                   for ex, rel, unless in ways for w in sources if w[0] not in ex]
            if all(w[3] == PENDING for w in sources):  # the read may turn out to have no source
                new += [(ex, rel, _union(unless, tuple(w[0] for w in sources))) for ex, rel, unless in ways]
            if not new:
                return ((client, seq, client, last), s[1], self._set_op(s[2], client, ()), ())
            chains[(client, p)] = (seq, _minimal(new))
            prevs[(client, p)] = last
        flat = sorted_tuple((key, last, prevs[key], ways) for key, (last, ways) in chains.items())
        return (s[0], s[1], self._set_op(s[2], client, ()), flat)


def _minimal(ways) -> tuple:
    """The ways not implied by another (a subset on every count), sorted."""
    ways = set(ways)
    sets = {w: tuple(map(set, w)) for w in ways}
    keep = [w for w in ways if not any(o != w and all(a <= b for a, b in zip(sets[o], sets[w])) for o in ways)]
    return sorted_tuple(keep)


def _minus(ids: tuple, wid: tuple) -> tuple:
    return tuple(i for i in ids if i != wid)


def _union(a: tuple, b: tuple) -> tuple:
    return tuple(sorted(set(a) | set(b)))
