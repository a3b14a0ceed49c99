"""A brute-force linearizability oracle, and random small histories to test checkers with.

Both are meant for every linearizability checker of capcheck (the offline checker in
checker.props.linearizability, the online monitor of the explorer), so they depend on as
little as possible:

- `linearizable(spec, operations)` takes any objects with the attributes `op`, `args`,
  `result` (UNKNOWN when not observed), `call` and `ret` (None for an indeterminate
  operation), and a `SequentialSpec`. It decides by the definition (Herlihy and Wing 1990):
  some order of all the operations with a response and of any subset of the indeterminate
  ones respects real time (a before b whenever a returned before b was called) and gives
  every operation with a response its recorded result when replayed on the spec. It tries
  the orders one by one (extending a prefix only while it replays correctly), with no
  memoisation and no cleverness: exponential, and fine up to about 8 operations.
- `histories(kind)` is a Hypothesis strategy of (spec, operations): a simulated run of a
  few clients on the object, each operation taking effect at some point inside its
  interval, some responses corrupted (so about half the histories are not linearizable),
  and some clients giving up on their operation (a third of the operations are
  indeterminate: they may or may not have taken effect). `kind` is 'register',
  'cas-register', 'kv' (two keys, with put, append and cas), 'set', 'log' or 'counter'.
"""

from __future__ import annotations

from typing import Sequence

from hypothesis import strategies as st

from checker.props.operations import OK, UNKNOWN, AppendKeyValue, CasRegister, Operation, ReadWriteRegister
from checker.props.objects import Counter, Log, SequentialSpec, Set

VALUES = (0, 1, 2)
KEYS = ("x", "y")


def same(a: object, b: object) -> bool:
    """Equal and of the same type, also inside tuples (so True is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))  # type: ignore[arg-type]
    return a == b


def linearizable(spec: SequentialSpec, operations: Sequence) -> bool:
    """Whether the history is linearizable, by trying every order (see the module doc)."""
    ops = list(operations)
    needed = frozenset(i for i, o in enumerate(ops) if o.ret is not None)

    def may_go_next(i: int, placed: frozenset) -> bool:
        return all(j in placed or ops[j].ret is None or not ops[j].ret < ops[i].call
                   for j in range(len(ops)) if j != i)

    def extend(placed: frozenset, state) -> bool:
        if needed <= placed:
            return True
        for i, o in enumerate(ops):
            if i in placed or not may_go_next(i, placed):
                continue
            result, after = spec.step(state, o.op, o.args)
            if o.result is not UNKNOWN and not same(result, o.result):
                continue
            if extend(placed | {i}, after):
                return True
        return False

    return extend(frozenset(), spec.initial())


def is_valid_prefix(spec: SequentialSpec, operations: Sequence, order: Sequence[int]) -> bool:
    """Whether `order` (indices) is a legal start of a linearization: each operation's
    result replays, and no operation is placed before one that returned before its call."""
    state = spec.initial()
    placed: set[int] = set()
    for i in order:
        o = operations[i]
        for j, other in enumerate(operations):
            if j not in placed and j != i and other.ret is not None and other.ret < o.call:
                return False
        result, state = spec.step(state, o.op, o.args)
        if o.result is not UNKNOWN and not same(result, o.result):
            return False
        placed.add(i)
    return True


def spec_of(kind: str) -> SequentialSpec:
    if kind == "register":
        return ReadWriteRegister(init=0, ok=OK)
    if kind == "cas-register":
        return CasRegister(init=0, ok=OK)
    if kind == "set":
        return Set(ok=OK)
    if kind == "log":
        return Log(ok=OK)
    if kind == "counter":
        return Counter(ok=OK)
    return AppendKeyValue(init="", ok=OK)


def _calls(kind: str):
    values = st.sampled_from(VALUES)
    if kind == "register":
        return st.one_of(st.just(("read", ())), values.map(lambda v: ("write", (v,))))
    if kind == "cas-register":
        return st.one_of(st.just(("read", ())), values.map(lambda v: ("write", (v,))),
                         st.tuples(values, values).map(lambda ab: ("cas", ab)))
    if kind in ("set", "log"):
        grow = "add" if kind == "set" else "append"
        shrink = [values.map(lambda v: ("remove", (v,)))] if kind == "set" else []
        return st.one_of(st.just(("read", ())), values.map(lambda v: (grow, (v,))), *shrink)
    if kind == "counter":
        return st.sampled_from((("read", ()), ("incr", ())))
    keys = st.sampled_from(KEYS)
    words = st.sampled_from(("a", "b"))
    return st.one_of(keys.map(lambda k: ("get", (k,))),
                     st.tuples(keys, words).map(lambda kv: ("put", kv)),
                     st.tuples(keys, words).map(lambda kv: ("append", kv)),
                     st.tuples(keys, st.sampled_from(("", "a", "ab")), words).map(lambda c: ("cas", c)))


def _wrong(kind: str, result: object):
    """A strategy of results other than `result` that the operation could have returned."""
    if isinstance(result, bool):
        return st.just(not result)
    if isinstance(result, frozenset):
        return st.frozensets(st.sampled_from(VALUES), max_size=3).filter(lambda r: r != result)
    if isinstance(result, tuple):
        return st.lists(st.sampled_from(VALUES), max_size=3).map(tuple).filter(lambda r: r != result)
    if kind == "kv":
        return st.sampled_from(("", "a", "b", "ab", "ba", "aa")).filter(lambda r: r != result)
    return st.sampled_from(VALUES).filter(lambda r: r != result)


@st.composite
def histories(draw, kind: str = "register", max_ops: int = 8) -> tuple[SequentialSpec, list[Operation]]:
    """A random history of at most `max_ops` operations (see the module doc)."""
    spec = spec_of(kind)
    state = spec.initial()
    clients = draw(st.integers(1, 3))
    idle = list(range(clients))
    next_process = clients
    pending: dict[int, list] = {}      # process -> [op, args, call, result or None]
    done: list[Operation] = []
    time = 0
    started = 0
    while True:
        moves = []   # listed several times: more likely than giving up
        if idle and started < max_ops:
            moves += ["invoke"] * 4
        if any(p[3] is None for p in pending.values()):
            moves += ["take effect"] * 4
        if any(p[3] is not None for p in pending.values()):
            moves += ["respond"] * 4
        if pending:
            moves.append("give up")
        if not moves:
            break
        move = draw(st.sampled_from(moves))
        time += 1
        if move == "invoke":
            process = idle.pop(draw(st.integers(0, len(idle) - 1)))
            op, args = draw(_calls(kind))
            pending[process] = [op, args, time, None]
            started += 1
        elif move == "take effect":
            process = draw(st.sampled_from(sorted(p for p, v in pending.items() if v[3] is None)))
            entry = pending[process]
            result, state = spec.step(state, entry[0], entry[1])
            entry[3] = (result,)
        elif move == "respond":
            process = draw(st.sampled_from(sorted(p for p, v in pending.items() if v[3] is not None)))
            op, args, call, (result,) = pending.pop(process)
            if draw(st.integers(0, 7)) == 0:
                result = draw(_wrong(kind, result))
            done.append(Operation(process, op, args, result, call, time))
            idle.append(process)
        else:
            process = draw(st.sampled_from(sorted(pending)))
            op, args, call, _ = pending.pop(process)
            done.append(Operation(process, op, args, UNKNOWN, call, None))
            idle.append(next_process)          # the client goes on under a new id
            next_process += 1
    done.sort(key=lambda o: o.call)
    return spec, done
