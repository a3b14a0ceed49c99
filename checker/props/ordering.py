"""`check monotonic_writes` and `check writes_follow_reads`, decided online over the clients'
history of a set or a log, with the watcher interface of watcher.py.

A read that returns one value (a register's `read`, a map's `get`, a counter) cannot show
either guarantee broken: it cannot show a later write present and an earlier one missing
(a client that sees a later write and then an earlier one breaks monotonic_reads). So both
are defined on the reads that show several writes at once: a set's `read()` (and, as what
a client has read, its `contains`) and a log's `read()`.

Definitions (docs/language.md states them for users). Writes are a set's `add` and
`remove` (one part each: the element) and a log's `append`. A write answered with an error
had no effect: it is nobody's source and obliges nothing. A pending write may still fail;
an abandoned one may take effect at any later time or never. The candidate sources are
those of sessions.py: a set read's source for an element is a write of the value it shows
(present: an add, absent: a remove or the initial absence) invoked before the read
returned; each entry of a log read comes from its own append of that value, invoked
before the read returned (no append twice). A set element no write could have produced is
left out; a log read with more entries of a value than candidate appends is left out as a
whole (`check linearizable` judges such reads).

- A read *observes* W when W is the source chosen for W's element (a set), or for one of
  the log's entries.
- A read *misses* W1 before W2 when the source chosen for W1's element is definitely older
  than W1 (the initial absence, or a write that returned before W1 was invoked), or, for a
  log, when no entry comes from W1 or W1's entry comes after W2's.
- monotonic_writes: client c's write W1 was acknowledged, then c wrote W2 (acknowledged or
  not): no read observes W2 and misses W1 before it. An abandoned W1 obliges nothing (it
  may never take effect).
- writes_follow_reads: a read of client c observed W1, then c wrote W2: no read observes
  W2 and misses W1 before it (W1 of any client, acknowledged or not).

A guarantee is violated only when it is broken whichever of the pending writes later turn
out to fail and however every read's observations are attributed to writes (jointly: one
read's attribution decides what its client had seen).

State: `(violation, writes, ops, reads)`:

- `writes`: every write not failed, `(id, part, value, older, status)` sorted: `id`
  `(client, seq)`, `older` (sets) the ids of the writes of the same part that had returned
  when it was invoked, `status` RETURNED, PENDING or ABANDONED;
- `ops`: per client, a pending write `(0, seq)`, a pending read `(2, seq, part)`;
- `reads`: `(id, observed)`, for a set `observed` the `(part, value, candidates)` of every
  written element the read showed, for a log `(result, candidates)`; monotonic_writes keeps
  only the reads some pending write could still change the verdict on, writes_follow_reads
  every read that observed something (what a client read decides what its writes must
  follow).

The violation is `(reader, seq, W1 client, W1 seq, W2 client, W2 seq)`, for
writes_follow_reads followed by the client and seq of the read that had observed W1.
"""

from __future__ import annotations

from itertools import combinations, permutations, product

from checker.props.watcher import ABANDONED, INIT, PENDING, READ, RETURNED, WRITE, Access, Watcher, sorted_tuple


class WriteOrder(Watcher):
    """monotonic_writes and writes_follow_reads over sets and logs (module docstring)."""

    def __init__(self, kind: str, access: Access, clients: int, per_client: int | None) -> None:
        if access.kind not in ("set", "log"):
            raise ValueError(f"no 'check {kind}' for a {access.kind} object")
        super().__init__(kind, access, clients, per_client)
        self.log = access.kind == "log"
        self.follow = kind == "writes_follow_reads"

    def initial(self) -> tuple:
        return ((), (), ((),) * self.clients, ())

    # -------------------------------------------------- events

    def _invoke(self, s: tuple, client: int, seq: int, op: int, args: tuple) -> tuple:
        what, part, value = self.access.of(op, args)
        if what == READ:
            return (s[0], s[1], self._set_op(s[2], client, (READ, seq, part)), s[3])
        older = () if self.log else tuple(sorted(w[0] for w in s[1] if w[1] == part and w[4] == RETURNED))
        writes = sorted_tuple(s[1] + (((client, seq), part, value, older, PENDING),))
        return (s[0], writes, self._set_op(s[2], client, (WRITE, seq)), s[3])

    def _respond(self, s: tuple, client: int, seq: int, result: object) -> tuple:
        op = s[2][client]
        ops = self._set_op(s[2], client, ())
        if op[0] != READ:
            return self._judge(s[1], ops, s[3], (client, seq), RETURNED)
        observed = self._observed(s[1], op[2], result)
        reads = sorted_tuple(s[3] + (((client, seq), observed),)) if observed else s[3]
        return self._judge(s[1], ops, reads)

    def _fail(self, s: tuple, client: int, seq: int) -> tuple:
        op = s[2][client]
        ops = self._set_op(s[2], client, ())
        if op[0] == READ:
            return (s[0], s[1], ops, s[3])
        wid = (client, seq)
        writes = tuple(w for w in s[1] if w[0] != wid)
        reads = tuple((rid, obs) for rid, obs in ((rid, self._without(obs, wid)) for rid, obs in s[3]) if obs)
        return self._judge(writes, ops, reads)

    def _abandon(self, s: tuple, client: int, seq: int) -> tuple:
        op = s[2][client]
        ops = self._set_op(s[2], client, ())
        if op[0] == READ:
            return (s[0], s[1], ops, s[3])
        return self._judge(s[1], ops, s[3], (client, seq), ABANDONED)

    def _trim(self, s: tuple) -> tuple:
        """Nothing is needed once no client may read again, unless a pending write can still
        decide a read."""
        if s[0] or self._readers(s) or self._pending(s[1], s[3]):
            return s
        return (s[0], (), s[2], ())

    # -------------------------------------------------- what a read observed

    def _observed(self, writes: tuple, part: object, result: object) -> tuple:
        """A read's `observed` entry (module docstring); () if it can observe no write."""
        if self.log:
            cands = tuple(w[0] for w in writes if w[2] in result)  # type: ignore[operator]
            return (result, cands) if cands else ()
        parts = sorted_tuple({w[1] for w in writes})
        out = []
        for p, value in self.access.observed(part, result, parts):
            if p not in parts:
                continue
            cands = ((INIT,) if value == self.access.init else ()) + tuple(
                w[0] for w in writes if w[1] == p and w[2] == value)
            if cands:
                out.append((p, value, cands))
        return _observing(out)

    def _without(self, observed: tuple, wid: tuple) -> tuple:
        """`observed` without the failed write `wid` among its candidates."""
        if self.log:
            cands = tuple(c for c in observed[1] if c != wid)
            return (observed[0], cands) if cands else ()
        out = ((p, v, tuple(c for c in cands if c != wid)) for p, v, cands in observed)
        return _observing([e for e in out if e[2]])

    def _cands(self, observed: tuple) -> set:
        if self.log:
            return set(observed[1])
        return {c for _, _, cands in observed for c in cands}

    def _pending(self, writes: tuple, reads: tuple) -> list[tuple]:
        """The pending writes that are candidates of a kept read, sorted."""
        status = {w[0]: w[4] for w in writes}
        return sorted({c for _, obs in reads for c in self._cands(obs) if status.get(c) == PENDING})

    # -------------------------------------------------- the verdict

    def _judge(self, writes: tuple, ops: tuple, reads: tuple, wid: tuple | None = None,
               status: int = RETURNED) -> tuple:
        """The state with the write `wid` (if any) settled as `status`, the violation if it is
        now definite, and for monotonic_writes only the reads still undecided."""
        if wid is not None:
            writes = tuple(w[:4] + (status,) if w[0] == wid else w for w in writes)
        found = self._definite(writes, reads)
        if found:
            return (found, writes, ops, ())
        if not self.follow:
            pending = set(self._pending(writes, reads))
            reads = tuple(r for r in reads if self._cands(r[1]) & pending)
        return ((), writes, ops, reads)

    def _definite(self, writes: tuple, reads: tuple) -> tuple | None:
        """The violation every failing subset of the pending writes and every attribution
        shows (the one when none fails, first attribution first), or None."""
        table = {w[0]: w for w in writes}
        pending = self._pending(writes, reads)
        found = None
        for n in range(len(pending) + 1):
            for failing in combinations(pending, n):
                live = {i: w for i, w in table.items() if i not in failing}
                witness = self._every_way(live, reads)
                if witness is None:
                    return None
                found = found or witness
        return found

    def _every_way(self, live: dict, reads: tuple) -> tuple | None:
        ways = [[(rid, way) for way in self._ways(obs, live)] for rid, obs in reads]
        if not self.follow:  # each read on its own: some read is broken every way
            for rid_ways in ways:
                witnesses = [self._monotonic(rid, way, live) for rid, way in rid_ways]
                if all(witnesses):
                    return witnesses[0]
            return None
        found = None
        for choice in product(*ways):
            witness = self._follows(choice, live)
            if witness is None:
                return None
            found = found or witness
        return found

    def _ways(self, observed: tuple, live: dict) -> list[dict]:
        """Every attribution of a read to the `live` writes: for a set, part -> source; for a
        log, write id -> the position of its entry."""
        if not self.log:
            per_part = [[(p, c) for c in cands if c == INIT or c in live] for p, _, cands in observed]
            return [dict(choice) for choice in product(*(pp for pp in per_part if pp))]
        result, cands = observed
        positions: dict = {}
        for i, v in enumerate(result):
            positions.setdefault(v, []).append(i)
        per_value = []
        for v, idx in positions.items():
            ids = [c for c in cands if c in live and live[c][2] == v]
            if len(ids) < len(idx):
                return [{}]  # no attribution: the read is left to check linearizable
            per_value.append([tuple(zip(perm, idx)) for perm in permutations(ids, len(idx))])
        return [dict(pair for pairs in choice for pair in pairs) for choice in product(*per_value)]

    def _shown(self, way: dict) -> list[tuple]:
        """The ids of the writes an attribution observes, sorted."""
        if self.log:
            return sorted(way)
        return sorted({c for c in way.values() if c != INIT})

    def _misses(self, way: dict, w1: tuple, w2: tuple) -> bool:
        if self.log:
            return w1[0] not in way or way[w1[0]] > way[w2[0]]
        source = way.get(w1[1])
        return source is not None and (source == INIT or source in w1[3])

    def _monotonic(self, rid: tuple, way: dict, live: dict) -> tuple | None:
        for w2 in self._shown(way):
            for w1 in sorted(live):
                if w1[0] == w2[0] and w1[1] < w2[1] and live[w1][4] == RETURNED \
                        and self._misses(way, live[w1], live[w2]):
                    return rid + w1 + w2
        return None

    def _follows(self, choice: tuple, live: dict) -> tuple | None:
        for rid0, way0 in choice:
            for w1 in self._shown(way0):
                for rid, way in choice:
                    for w2 in self._shown(way):
                        if w2[0] == rid0[0] and w2[1] > rid0[1] and self._misses(way, live[w1], live[w2]):
                            return rid + w1 + w2 + rid0
        return None


def _observing(parts: list) -> tuple:
    """A set read's `observed` entry, or () if no write can be among its sources (it then
    observes nothing, and can break nothing)."""
    return tuple(parts) if any(c != INIT for _, _, cands in parts for c in cands) else ()
