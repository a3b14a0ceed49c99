"""Durability and the session guarantees along a run, as Z3 formulas over the clients' history.

The history is the one `check linearizable` reads (lin.py): per client and request number,
the step it was invoked at, the step it was answered at, the result's index among the
tabulated object's results and whether the answer was an error; the request table gives
each request's invocation. The words are props/sessions.py's, and so is what each
operation does (`Access`: which part a write writes with which value, which parts a read
observes): a *candidate source* of what a read R observed in part p is a write of that
value to p invoked before R returned and not failed (an error reply, or a `cas` that
returned false; unanswered and given-up writes included), or the initial value if equal;
S is *definitely older* than W when S is the initial value, or S returned before W was
invoked.

`violated(kind, effects, history, requests)` holds exactly when the explicit watcher of
`check KIND` has found a violation in the run so far (props/sessions.py's `Freshness`,
`Accumulation` and `MonotonicReads`), for `durable` and `read_your_writes`, and for
`monotonic_reads` on logs and counters (a client's read shows a value fewer times than an
earlier read of it did) and on registers, maps and sets whose clients cannot give up (no
way of choosing sources for a client's reads of a part keeps every source from being
definitely older than an earlier read's: `_reads_gone_back`):

- registers, maps, sets: some read R observed v in p, some write W to p (for
  read_your_writes, by R's client) was acknowledged before R was invoked, R has a
  candidate source, and every candidate source is definitely older than W. A candidate
  still unanswered is never definitely older; once its error reply removes it, the
  formula of the state after that reply holds, as the watcher's violation shows then;
- logs and counters: some read shows a value fewer times than appends of it (for
  read_your_writes, by the reader) were acknowledged before it was invoked.

Both only grow along a run (a write that fails only removes a candidate; one that returns
is never older than a write acknowledged before the read), as the watcher's violation is
final, so the first depth where the formula can hold is the length of a shortest
counterexample.

Every result a read can give (every value of its operation's result type, enumerated) is
given an index in the table (`Effects`), so that what a read observed is known from its
recorded index, whatever the protocol answered; a result type too large to enumerate is
refused (NotEncodable). A register or map of `values = int` has no values to enumerate
(`DataEffects`): a read observed the integer its recorded result code gives (lin.DataTable),
and a write writes its request's own integer, so the formula compares integers instead.
"""

from __future__ import annotations

import itertools
from typing import Any

import z3

from checker.errors import InternalError
from checker.props import kinds
from checker.model import values
from checker.props.watcher import APPEND, CAS, READ, WRITE, Access
from checker.semantics.types import BOOL, SeqT, SetT, Type, describe
from checker.smt import symbolic as sv
from checker.smt.lin import ObjectTable, result_index
from checker.smt.symbolic import NotEncodable, conj, disj

DECIDED = (kinds.DURABLE.name, kinds.READ_YOUR_WRITES.name)
COUNTED = ("log", "counter")     # the objects monotonic_reads is decided for


def decides(kind: str, program) -> bool:
    """Whether `check KIND` on `program`'s object is decided here: durable and
    read_your_writes on every built-in object, monotonic_reads on logs and counters, and on
    registers, maps and sets when no client can give up (a given-up write never fails,
    which the watcher tells from a write still running and the history does not) and a
    client's ways of choosing its reads' sources are at most WAYS_LIMIT (`ways`)."""
    if kind in DECIDED:
        return True
    obj, clients = program.object, program.clients
    if kind != kinds.MONOTONIC_READS.name or obj is None:
        return False
    if obj.kind in COUNTED:
        return True
    return not program.faults.give_up and (clients is None or ways(clients.count, clients.ops) <= WAYS_LIMIT)


MAX_RESULTS = 4096          # results a read may give, per operation


def object_of(model) -> tuple:
    """The sequential spec the history checks hold the clients to, over encoded values, and
    its operation names by index (the explicit monitor's, when the spec has one)."""
    if model.layout.env("monitor") is not None:
        return model.linearizability_object()
    from checker.model.clients import object_spec
    return object_spec(model.program, model.expr_compiler), tuple(op.name for op in model.program.object.ops)


def every(t: Type, codec: values.Codec) -> list:
    """Every encoded value of an object operation's result type (sets and sequences
    included), in a fixed order; raises NotEncodable past MAX_RESULTS."""
    if isinstance(t, SetT):
        elems = values.domain(t.elem, codec)
        _within(2 ** len(elems), t)
        return [frozenset(c) for n in range(len(elems) + 1) for c in itertools.combinations(elems, n)]
    if isinstance(t, SeqT):
        elems = values.domain(t.elem, codec)
        if t.max_len is None:
            raise NotEncodable(f"the results of type {describe(t)}")
        _within(sum(len(elems) ** n for n in range(t.max_len + 1)), t)
        return [tuple(p) for n in range(t.max_len + 1) for p in itertools.product(elems, repeat=n)]
    try:
        return values.domain(t, codec)
    except ValueError:
        raise NotEncodable(f"the results of type {describe(t)}") from None


def _within(count: int, t: Type) -> None:
    if count > MAX_RESULTS:
        raise NotEncodable(f"{count:,} results of type {describe(t)}, more than {MAX_RESULTS:,},")


class Effects:
    """What each entry of the invocation table does (`Access.of`: (what, part, value)),
    and, for a read, what each result index it can be recorded with shows: the (part, value)
    pairs it observed (registers, maps, sets), or how often it shows each value (logs,
    counters). Built once per spec; adds the results reads can give to `table`."""

    symbolic = False

    def __init__(self, spec, ops: tuple[str, ...], program, codec: values.Codec, dom: sv.Domains,
                 invocations: tuple, table: ObjectTable) -> None:
        access = Access(spec, ops)
        self.accumulates = access.kind in ("log", "counter")
        self.init = access.init
        self.effect = [access.of(op, args) for op, args in invocations]
        written = sorted({part for what, part, _ in self.effect if what in (WRITE, CAS)}, key=repr)
        types = {op: program.object.ops[op].result for (op, _), (what, _, _) in zip(invocations, self.effect)
                 if what == READ}
        results = {op: every(t, codec) for op, t in types.items()}
        table.include([True, *itertools.chain(*results.values())])
        self.true = _index(table, True, BOOL, dom)
        self.shows: dict[int, dict[int, Any]] = {}
        for k, ((op, _), (what, part, _)) in enumerate(zip(invocations, self.effect)):
            if what == READ:
                shows = {_index(table, r, types[op], dom): access.counts(r) if self.accumulates
                         else tuple(access.observed(part, r, written)) for r in results[op]}
                if len(shows) != len(results[op]):
                    raise InternalError(f"two results of '{ops[op]}' are recorded with the same index")
                self.shows[k] = shows

    def writes(self, part, value=None) -> list[int]:
        """The invocations that write `part` (with `value`, unless None)."""
        return [k for k, (what, p, v) in enumerate(self.effect)
                if what in (WRITE, CAS) and p == part and (value is None or v == value)]

    def observed(self) -> list[tuple]:
        """Every (part, value) pair some read can observe, in a fixed order."""
        pairs = {pv for shows in self.shows.values() for seen in shows.values() for pv in seen}
        return sorted(pairs, key=repr)

    @property
    def parts(self) -> list:
        """The parts some read can observe (registers, maps, sets), in a fixed order."""
        return sorted({p for p, _ in self.observed()}, key=repr)


class DataEffects:
    """`Effects` for a register or map of `values = int`: what each entry of the
    invocation table does, the value a write writes being its request's own integer
    (state.Shape.argument), and a read's result recorded as lin.DataTable's code, 4v for
    a value v, true 5."""

    symbolic = True
    accumulates = False
    true = 5

    def __init__(self, obj, shape) -> None:
        self.shape = shape
        self.init = obj.param("initial")
        access = Access(*object_of(shape.model))
        self.effect = [access.of(op, args) for op, args in shape.invocations]
        self.at = [access.written_at(op) for op, _ in shape.invocations]   # the position of the value written
        self.parts = sorted({part for _, part, _ in self.effect}, key=repr)
        self.types = [obj.ops[op].params for op, _ in shape.invocations]

    def of(self, what: tuple[str, ...], part) -> list[int]:
        """The invocations that do one of `what` to `part`."""
        return [k for k, (w, p, _) in enumerate(self.effect) if w in what and p == part]

    def written(self, o, kind, kinds: list[int]) -> z3.ArithRef:
        """The integer request `o` (client, number) writes when it is one of `kinds`
        (`kind` its invocation index)."""
        c, q = o
        term: z3.ArithRef = z3.IntVal(0)
        for k in kinds:
            op, args = self.shape.invocations[k]
            at = self.at[k]
            term = z3.If(kind == k, self.shape.argument(c, q, op, args, at, self.types[k][at][1]), term)
        return term


def _index(table: ObjectTable, value, t: Type, dom: sv.Domains) -> int:
    """The index a reply of `value` (of type `t`) is recorded with (lin.result_index)."""
    return z3.simplify(result_index(table, sv.const(value, t, dom), t, dom)).as_long()


class _History:
    """The history's entries by operation (client, request number), with the conditions
    the formulas are made of."""

    def __init__(self, effects: Effects, history: tuple, requests: tuple) -> None:
        self.fx = effects
        self.ops = [(c, q) for c in range(len(history)) for q in range(len(history[c]))]
        self.inv, self.ret, self.res, self.err = {}, {}, {}, {}
        for c, q in self.ops:
            self.inv[(c, q)], self.ret[(c, q)], self.res[(c, q)], self.err[(c, q)] = history[c][q].items
        self.kind = {(c, q): requests[c][q].items[1] for c, q in self.ops}
        self.alive = {o: conj([self.inv[o] >= 0, z3.Not(self.failed(o))]) for o in self.ops}   # invoked, not failed

    def is_(self, o, kinds: list[int]) -> z3.BoolRef:
        return disj([self.kind[o] == k for k in kinds])

    def ok(self, o) -> z3.BoolRef:
        """`o` was answered without an error."""
        return z3.And(self.ret[o] >= 0, z3.Not(self.err[o]))

    def acknowledged(self, o, kinds: list[int]) -> z3.BoolRef:
        """`o` is a write of one of `kinds` that took effect and was answered: not an error,
        and true for a cas."""
        cas = [k for k in kinds if self.fx.effect[k][0] == CAS]
        plain = [k for k in kinds if k not in cas]
        return conj([self.ok(o), disj([self.is_(o, plain), z3.And(self.is_(o, cas), self.res[o] == self.fx.true)])])

    def failed(self, o) -> z3.BoolRef:
        """`o`, a write, had no effect: an error reply, or a cas answered false."""
        cas = [k for k, (what, _, _) in enumerate(self.fx.effect) if what == CAS]
        return z3.And(self.ret[o] >= 0, z3.Or(self.err[o], z3.And(self.is_(o, cas), self.res[o] != self.fx.true)))

    def showed(self, o, what) -> z3.BoolRef:
        """`o` is a read answered with a result for which `what(shows)` is true."""
        arms = [z3.And(self.kind[o] == k, disj([self.res[o] == r for r, seen in shows.items() if what(seen)]))
                for k, shows in self.fx.shows.items()]
        return conj([self.ok(o), disj(arms)])


def violated(kind: str, effects: Effects, history: tuple, requests: tuple) -> z3.BoolRef:
    """The explicit watcher of `check KIND` (durable, read_your_writes, or monotonic_reads
    of a log or counter: `decides`) has a violation for `history` (per client and request:
    invoked, answered, result index, error); `requests` gives each request's invocation
    index (the request table)."""
    h = _History(effects, history, requests)
    own = kind == kinds.READ_YOUR_WRITES.name
    if kind == kinds.MONOTONIC_READS.name:
        return _shrinking_reads(h) if effects.accumulates else _reads_gone_back(h)
    if effects.accumulates:
        return _lost_appends(h, own)
    out = []
    for part in effects.parts:
        x = _Part(h, part)
        if not x.writers:
            continue
        acked = {w: h.acknowledged(w, x.writers) for w in h.ops}
        for r in h.ops:
            if z3.is_false(z3.simplify(x.reads[r])):
                continue
            candidate = [(c, s) for c, s in ((x.candidate(r, s), s) for s in h.ops if s != r) if not z3.is_false(c)]
            some = disj([x.initial[r]] + [c for c, _ in candidate])
            out.append(_stale(h, r, x.reads[r], some, candidate, acked, own))
    return disj(out)


def _stale(h: _History, r, reads: z3.BoolRef, some: z3.BoolRef, candidate: list, acked: dict,
           own: bool) -> z3.BoolRef:
    """Read `r` (when `reads`) observed a value it has a source for (`some`), and every
    candidate source (condition, request) is definitely older than a write acknowledged
    before `r` was invoked (by r's client, if `own`): none is unanswered, and the last one
    answered was answered before that write was invoked."""
    pending = disj([z3.And(c, h.ret[s] < 0) for c, s in candidate])
    last: z3.ArithRef = z3.IntVal(-1)
    for c, s in candidate:
        last = z3.If(z3.And(c, h.ret[s] > last), h.ret[s], last)
    lost = disj([conj([acked[w], h.ret[w] < h.inv[r], last < h.inv[w]]) for w in h.ops
                 if w != r and not (own and w[0] != r[0])])
    return conj([reads, some, z3.Not(pending), lost])


class _Part:
    """What the reads and writes of one part of a register, map or set observe and write,
    as conditions on the history's entries (finite values: `Effects`, a read's value known
    from its result index; integers: `DataEffects`, a read's value its result code 4v and
    a write's its request's integer): `reads[r]`, r is an answered read of the part;
    `initial[r]`, it showed the initial value; `same[r, w]`, it showed what w writes."""

    def __init__(self, h: _History, part) -> None:
        fx = h.fx
        self.h = h
        if fx.symbolic:
            writers, readers = fx.of((WRITE, CAS), part), fx.of((READ,), part)
            value = {w: fx.written(w, h.kind[w], writers) for w in h.ops}
            self.writers = writers
            self.reads = {r: conj([h.ok(r), h.is_(r, readers)]) for r in h.ops}
            self.initial = {r: conj([self.reads[r], h.res[r] == 4 * fx.init]) for r in h.ops}
            self.same = {(r, w): conj([self.reads[r], h.is_(w, writers), 4 * value[w] == h.res[r]])
                         for r in h.ops for w in h.ops if w != r}
            return
        values = [v for p, v in fx.observed() if p == part]
        shown = {(r, v): h.showed(r, lambda seen: (part, v) in seen) for r in h.ops for v in values}  # noqa: B023
        self.writers = fx.writes(part)
        self.reads = {r: disj([shown[r, v] for v in values]) for r in h.ops}
        self.initial = {r: shown[r, fx.init] if fx.init in values else z3.BoolVal(False) for r in h.ops}
        self.same = {(r, w): disj([z3.And(shown[r, v], h.is_(w, fx.writes(part, v))) for v in values])
                     for r in h.ops for w in h.ops if w != r}

    def candidate(self, r, w) -> z3.BoolRef:
        """w is a candidate source of what read r showed: a write of that value to the part,
        invoked before r returned and not failed."""
        return conj([self.same[r, w], self.h.alive[w], self.h.inv[w] < self.h.ret[r]])


WAYS_LIMIT = 20_000     # ways of choosing the sources of one client's reads of one part
INIT_SOURCE = "initial"  # the initial value as a read's source (no source at all: None)


def _reads_gone_back(h: _History) -> z3.BoolRef:
    """Registers, maps and sets (no client gives up): props/sessions.MonotonicReads has a
    violation, that is, for some client and part, no way of choosing a source for each of
    the client's reads of the part remains, where a source of read R (showing v) is one of

    - a write of v to the part invoked before R returned that has not failed (one still
      running may yet fail; the way is then lost, as in the watcher);
    - the initial value, when v is it;
    - none, when v is not the initial value and no write of v invoked before R returned
      has been acknowledged: R's writes may all fail yet (a different violation);

    and no read's source is definitely older than an earlier read's (the initial value is
    older than every write; S is older than W when S was acknowledged before W was
    invoked). Every condition only fails more as the run goes on, as the watcher's ways
    only go, so the first depth where this holds is the watcher's. A client's ways are
    enumerated (`ways`; `decides` leaves the check undecided past WAYS_LIMIT)."""
    out = []
    for part in h.fx.parts:
        x = _Part(h, part)
        if not x.writers:
            continue
        acked = {w: h.acknowledged(w, x.writers) for w in h.ops}
        for c in sorted({c for c, _ in h.ops}):
            reads = [r for r in h.ops if r[0] == c and not z3.is_false(x.reads[r])]
            if not reads:
                continue
            choices = [_sources(h, x, r, acked) for r in reads]
            some = []
            for way in itertools.product(*choices):
                chosen = [cond for cond, _ in way]
                for i, (_, early) in enumerate(way):
                    if early is None or early == INIT_SOURCE:
                        continue
                    for _, late in way[i + 1:]:
                        if late == INIT_SOURCE:
                            chosen.append(z3.BoolVal(False))
                        elif late is not None:
                            chosen.append(z3.Not(z3.And(acked[late], h.ret[late] < h.inv[early])))
                some.append(conj(chosen))
            out.append(z3.Not(disj(some)))
    return disj(out)


def ways(clients: int, ops: int) -> int:
    """The most ways `_reads_gone_back` enumerates for one client and part: each of its
    `ops` requests is not a read, or reads the initial value, no source, or what one of the
    other requests wrote."""
    return (3 + clients * ops - 1) ** ops


def _sources(h: _History, x: _Part, r, acked: dict) -> list[tuple[z3.BoolRef, object]]:
    """The choices for request r of a client, each (condition, source): not a read of the
    part (source None), the initial value (INIT_SOURCE), no source (None), or a write
    (its request), as in `_reads_gone_back`."""
    early = [w for w in h.ops if w != r and not (w[0] == r[0] and w[1] > r[1])]   # a client's later requests come after r
    written = [(x.candidate(r, w), w) for w in early]
    unacked = conj([z3.Implies(conj([x.same[r, w], h.inv[w] >= 0, h.inv[w] < h.ret[r]]), z3.Not(acked[w]))
                    for w in early])
    out = [(z3.Not(x.reads[r]), None), (x.initial[r], INIT_SOURCE),
           (conj([x.reads[r], z3.Not(x.initial[r]), unacked]), None)] + written
    return [(cond, source) for cond, source in out if not z3.is_false(z3.simplify(cond))]


def _lost_appends(h: _History, own: bool) -> z3.BoolRef:
    """Logs and counters: a read shows some value fewer times than appends of it were
    acknowledged before the read was invoked (by the reader, if `own`)."""
    fx = h.fx
    shown = sorted({v for shows in fx.shows.values() for counts in shows.values() for v in counts}
                   | {v for what, _, v in fx.effect if what == APPEND}, key=repr)
    out = []
    for value in shown:
        appends = [k for k, (what, _, v) in enumerate(fx.effect) if what == APPEND and v == value]
        for r in h.ops:
            acked = [z3.If(conj([h.is_(w, appends), h.ok(w), h.ret[w] < h.inv[r]]), 1, 0)
                     for w in h.ops if w != r and (not own or w[0] == r[0])]
            if not acked:
                continue
            need = z3.Sum(acked)
            for k, shows in fx.shows.items():
                for res, counts in shows.items():
                    out.append(conj([h.ok(r), h.kind[r] == k, h.res[r] == res, need > counts.get(value, 0)]))
    return disj(out)


def _shrinking_reads(h: _History) -> z3.BoolRef:
    """Logs and counters: a client's read shows some value fewer times than one of its
    earlier reads did."""
    fx = h.fx
    shown = sorted({v for shows in fx.shows.values() for counts in shows.values() for v in counts}, key=repr)
    out = []
    for c, q in h.ops:
        for p in range(q):
            for value in shown:
                fewer = [z3.And(h.showed((c, p), lambda seen: seen.get(value, 0) == n), h.showed(  # noqa: B023
                    (c, q), lambda seen: seen.get(value, 0) < n)) for n in _counts(fx, value) if n > 0]  # noqa: B023
                out.append(disj(fewer))
    return disj(out)


def _counts(fx: Effects, value) -> list[int]:
    """How many times some read can show `value`."""
    return sorted({counts.get(value, 0) for shows in fx.shows.values() for counts in shows.values()})
