"""A brute-force oracle for `check durable`, `read_your_writes`, `monotonic_reads`,
`monotonic_writes` and `writes_follow_reads` over whole histories, written from the definitions (docs/language.md) with no incremental state,
and random small histories to compare the online watchers (checker/props/sessions.py) with.

A history is a list of events as `checker.props.monitor.feed` takes them:
('invoke', client, seq, op, args), ('ok', client, seq, result), ('fail', client, seq),
('abandon', client, seq). Times are positions in that list.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hypothesis import strategies as st

from checker.props.objects import Counter, KeyValue, Log, Register, Set

INIT = "init"


@dataclass
class Op:
    client: int
    seq: int
    name: str
    args: tuple
    inv: int
    resp: int | None = None      # the time of an ok reply
    status: str = "pending"      # pending, ok, failed, abandoned
    result: object = None


def operations(events: list[tuple]) -> list[Op]:
    ops: dict[tuple[int, int], Op] = {}
    for t, e in enumerate(events):
        key = (e[1], e[2])
        if e[0] == "invoke":
            ops[key] = Op(e[1], e[2], e[3], e[4], t)
        elif e[0] == "ok":
            ops[key].resp, ops[key].status, ops[key].result = t, "ok", e[3]
        else:
            ops[key].status = "failed" if e[0] == "fail" else "abandoned"
    return list(ops.values())


def _write(kind: str, op: Op) -> tuple | None:
    """(part, value) a register-like write puts, or None if `op` is not a write."""
    if kind == "set":
        return (op.args[0], op.name == "add") if op.name in ("add", "remove") else None
    args = op.args[1:] if kind == "kv" else op.args
    part = op.args[0] if kind == "kv" else 0
    if op.name in ("write", "put"):
        return (part, args[0])
    if op.name == "cas":
        return (part, args[1])
    return None


def _wrote(op: Op) -> bool:
    """Not failed: an error reply, or a cas that returned false, had no effect."""
    return op.status != "failed" and not (op.name == "cas" and op.status == "ok" and op.result is not True)


def _observed(kind: str, op: Op, ops: list[Op]) -> list[tuple]:
    if kind == "set" and op.name == "read":
        parts = sorted({w.args[0] for w in ops if w.name in ("add", "remove") and w.inv < op.resp}, key=repr)
        return [(p, p in op.result) for p in parts]
    if kind == "set":
        return [(op.args[0], bool(op.result))]
    return [(op.args[0] if kind == "kv" else 0, op.result)]


def _older(s, w) -> bool:
    """Whether write s (an Op or INIT) is definitely older than write w."""
    if w is INIT:
        return False
    return s is INIT or (s.resp is not None and s.resp < w.inv)


def _sources(kind: str, init: object, ops: list[Op], read: Op, part, value) -> list:
    out: list = [INIT] if value == init else []
    for w in ops:
        pv = _write(kind, w)
        if pv == (part, value) and _wrote(w) and w.inv < read.resp and pv[1] == value:
            out.append(w)
    return out


def _reads(kind: str, ops: list[Op]) -> list[Op]:
    names = ("read", "get", "contains")
    return [o for o in ops if o.status == "ok" and o.name in names]


def violated(check: str, kind: str, init: object, events: list[tuple]) -> bool:
    """Whether `check` is definitely violated by the history: whichever of the writes still
    pending turn out to fail, every way of choosing sources breaks it."""
    ops = operations(events)
    pending = [o for o in ops if o.status == "pending" and (_write(kind, o) or o.name in ("append", "incr"))]
    for failing in itertools.chain.from_iterable(itertools.combinations(pending, n) for n in range(len(pending) + 1)):
        for o in failing:
            o.status = "failed"
        broken = _violated(check, kind, init, ops)
        for o in failing:
            o.status = "pending"
        if not broken:
            return False
    return True


def _violated(check: str, kind: str, init: object, ops: list[Op]) -> bool:
    if kind in ("log", "counter"):
        return _accumulation(check, kind, ops)
    if check == "monotonic_reads":
        return _monotonic(kind, init, ops)
    for r in _reads(kind, ops):
        acked = [w for w in ops if _write(kind, w) and w.status == "ok" and _wrote(w) and w.resp < r.inv
                 and (check == "durable" or w.client == r.client)]
        for part, value in _observed(kind, r, ops):
            sources = _sources(kind, init, ops, r, part, value)
            mine = [w for w in acked if _write(kind, w)[0] == part]
            if sources and all(any(_older(c, w) for w in mine) for c in sources):
                return True
    return False


def _monotonic(kind: str, init: object, ops: list[Op]) -> bool:
    chains: dict[tuple, list[list]] = {}
    for r in sorted(_reads(kind, ops), key=lambda o: o.seq):
        for part, value in _observed(kind, r, ops):
            sources = _sources(kind, init, ops, r, part, value)
            if sources:
                chains.setdefault((r.client, part), []).append(sources)
    for chain in chains.values():
        if not any(all(not _older(b, a) for a, b in itertools.combinations(choice, 2))
                   for choice in itertools.product(*chain)):
            return True
    return False


def _accumulation(check: str, kind: str, ops: list[Op]) -> bool:
    def counts(result) -> dict:
        if kind == "counter":
            return {0: result}
        out: dict = {}
        for v in result:
            out[v] = out.get(v, 0) + 1
        return out

    reads = sorted((o for o in ops if o.status == "ok" and o.name == "read"), key=lambda o: (o.client, o.seq))
    for r in reads:
        shown = counts(r.result)
        if check == "monotonic_reads":
            for earlier in (e for e in reads if e.client == r.client and e.seq < r.seq):
                if any(shown.get(v, 0) < n for v, n in counts(earlier.result).items()):
                    return True
            continue
        need: dict = {}
        for w in ops:
            if w.name in ("append", "incr") and w.status == "ok" and w.resp < r.inv \
                    and (check == "durable" or w.client == r.client):
                v = w.args[0] if w.args else 0
                need[v] = need.get(v, 0) + 1
        if any(shown.get(v, 0) < n for v, n in need.items()):
            return True
    return False


# -------------------------------------------------------------------- write order

ORDER_CHECKS = ("monotonic_writes", "writes_follow_reads")


def order_violated(check: str, kind: str, events: list[tuple]) -> bool:
    """Whether `check` (monotonic_writes or writes_follow_reads, on a set or a log) is
    definitely violated: whichever pending writes fail, every joint attribution of the
    reads' observations to writes breaks it."""
    ops = operations(events)
    pending = [o for o in ops if o.status == "pending" and o.name in ("add", "remove", "append")]
    for failing in itertools.chain.from_iterable(itertools.combinations(pending, n) for n in range(len(pending) + 1)):
        for o in failing:
            o.status = "failed"
        broken = _order_broken(check, kind, ops)
        for o in failing:
            o.status = "pending"
        if not broken:
            return False
    return True


def _order_broken(check: str, kind: str, ops: list[Op]) -> bool:
    writes = {(o.client, o.seq): o for o in ops if o.name in ("add", "remove", "append") and o.status != "failed"}
    reads = [o for o in ops if o.status == "ok" and o.name in ("read", "contains")]
    ways = [[(r, a) for a in _attributions(kind, r, writes)] for r in reads]
    return all(_order_witness(check, kind, choice, writes) for choice in itertools.product(*ways))


def _attributions(kind: str, r: Op, writes: dict) -> list[dict]:
    """A set: part -> source id (INIT for the initial absence); a log: write id -> position."""
    before = {i: w for i, w in writes.items() if w.inv < r.resp}
    if kind == "set":
        parts = sorted({w.args[0] for w in before.values()})
        shown = [(p, p in r.result) for p in parts] if r.name == "read" else \
            [(r.args[0], bool(r.result))] if r.args[0] in parts else []
        choices = []
        for p, present in shown:
            cands = ([INIT] if not present else []) + [i for i, w in before.items()
                                                       if w.args[0] == p and (w.name == "add") == present]
            if cands:
                choices.append([(p, c) for c in cands])
        return [dict(c) for c in itertools.product(*choices)]
    per_value = []
    for v in set(r.result):
        idx = [n for n, x in enumerate(r.result) if x == v]
        ids = [i for i, w in before.items() if w.args[0] == v]
        if len(ids) < len(idx):
            return [{}]
        per_value.append([list(zip(perm, idx)) for perm in itertools.permutations(ids, len(idx))])
    return [dict(p for pairs in c for p in pairs) for c in itertools.product(*per_value)]


def _seen(attribution: dict, kind: str) -> set:
    return set(attribution) if kind == "log" else {c for c in attribution.values() if c != INIT}


def _misses(kind: str, a: dict, w1: Op, w2: Op, writes: dict) -> bool:
    k1, k2 = (w1.client, w1.seq), (w2.client, w2.seq)
    if kind == "log":
        return k1 not in a or a[k1] > a[k2]
    s = a.get(w1.args[0])
    return s is not None and (s == INIT or (writes[s].resp is not None and writes[s].resp < w1.inv))


def _order_witness(check: str, kind: str, choice: tuple, writes: dict) -> bool:
    for _r, a in choice:
        for k2 in _seen(a, kind):
            w2 = writes[k2]
            if check == "monotonic_writes":
                earlier = [w for w in writes.values() if w.client == w2.client and w.seq < w2.seq and w.status == "ok"]
            else:
                earlier = [writes[k1] for r0, a0 in choice if r0.client == w2.client and r0.seq < w2.seq
                           for k1 in _seen(a0, kind)]
            if any(_misses(kind, a, w1, w2, writes) for w1 in earlier):
                return True
    return False


# -------------------------------------------------------------------- random histories

KINDS = ("register", "cas-register", "kv", "set", "log", "counter")
SPECS = {"register": Register(0, "ok"), "cas-register": Register(0, "ok"), "kv": KeyValue(0, "ok"),
         "set": Set("ok"), "log": Log("ok"), "counter": Counter("ok")}
VALUES = (0, 1, 2)


def _call(kind: str, draw) -> tuple[str, tuple]:
    v = draw(st.sampled_from(VALUES[1:] if kind != "set" else VALUES))
    if kind == "register":
        return draw(st.sampled_from([("read", ()), ("write", (v,))]))
    if kind == "cas-register":
        return draw(st.sampled_from([("read", ()), ("write", (v,)), ("cas", (draw(st.sampled_from(VALUES)), v))]))
    if kind == "kv":
        k = draw(st.sampled_from("xy"))
        return draw(st.sampled_from([("get", (k,)), ("put", (k, v)), ("cas", (k, draw(st.sampled_from(VALUES)), v))]))
    if kind == "set":
        return draw(st.sampled_from([("read", ()), ("contains", (v,)), ("add", (v,)), ("remove", (v,))]))
    if kind == "log":
        return draw(st.sampled_from([("read", ()), ("append", (v,))]))
    return draw(st.sampled_from([("read", ()), ("incr", ())]))


def _result(kind: str, name: str, draw) -> object:
    if name in ("write", "put", "add", "remove", "append", "incr"):
        return "ok"
    if name == "cas":
        return draw(st.booleans())
    if kind == "set":
        return draw(st.booleans()) if name == "contains" else frozenset(draw(st.sets(st.sampled_from(VALUES))))
    if kind == "log":
        return tuple(draw(st.lists(st.sampled_from(VALUES[1:]), max_size=3)))
    if kind == "counter":
        return draw(st.integers(0, 3))
    return draw(st.sampled_from(VALUES))


def _replica_result(kind: str, name: str, args: tuple, writes: list[tuple], draw) -> object:
    """A read's result as a replica that applied some of the writes invoked so far, in
    some order, would give it."""
    applied = draw(st.permutations([w for w in writes if draw(st.booleans())]))
    if kind == "log":
        return tuple(a[0] for _, a in applied)
    state: set = set()
    for n, a in applied:
        state = state | {a[0]} if n == "add" else state - {a[0]}
    return args[0] in state if name == "contains" else frozenset(state)


@st.composite
def histories(draw, kind: str, replicas: bool = False) -> list[tuple]:
    """A random history of 2 or 3 clients on `kind`, each with up to 4 operations: every
    reply, failure and give-up in any order, read results drawn at random (`replicas`, for a
    set or a log: as a replica that applied a random selection of the writes invoked so
    far, in a random order, would return them)."""
    clients = draw(st.integers(2, 3))
    left = [draw(st.integers(2 if replicas else 1, 4)) for _ in range(clients)]
    seqs = [0] * clients
    pending: list[tuple | None] = [None] * clients
    events: list[tuple] = []
    writes: list[tuple] = []
    while True:
        movable = [c for c in range(clients) if pending[c] is not None or left[c]]
        if not movable:
            return events
        c = draw(st.sampled_from(movable))
        if pending[c] is None:
            name, args = _call(kind, draw)
            if replicas and name in ("contains", "remove") and draw(st.booleans()):
                name, args = "add", (draw(st.sampled_from(VALUES[1:])),)  # more writes that must be seen
            events.append(("invoke", c, seqs[c], name, args))
            if name in ("add", "remove", "append"):
                writes.append((name, args))
            pending[c] = (name, args)
            left[c] -= 1
            continue
        how = draw(st.sampled_from(["ok", "ok", "ok", "fail", "abandon"]))
        name, args = pending[c]
        if how != "ok":
            events.append((how, c, seqs[c]))
        elif replicas and name in ("read", "contains"):
            events.append(("ok", c, seqs[c], _replica_result(kind, name, args, writes, draw)))
        else:
            events.append(("ok", c, seqs[c], _result(kind, name, draw)))
        pending[c] = None
        seqs[c] += 1
