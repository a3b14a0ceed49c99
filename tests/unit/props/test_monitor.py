"""The online linearizability monitor (checker/props/monitor.py) against hand-made histories
and against a brute-force oracle that tries every order of the operations."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.props.monitor import Monitor, feed, history_ok, monitor_for
from checker.props.objects import Counter, KeyValue, Log, Register, Set

REG = Register(0, "ok")


def test_a_read_after_a_completed_write_must_see_it():
    assert not history_ok(REG, [("invoke", 0, 0, "write", (1,)), ("ok", 0, 0, "ok"),
                                ("invoke", 1, 0, "read", ()), ("ok", 1, 0, 0)])


def test_a_read_concurrent_with_a_write_may_see_either_value():
    for seen in (0, 1):
        assert history_ok(REG, [("invoke", 0, 0, "write", (1,)), ("invoke", 1, 0, "read", ()),
                                ("ok", 1, 0, seen), ("ok", 0, 0, "ok")])


def test_an_operation_never_answered_may_take_effect_later_or_never():
    start = [("invoke", 0, 0, "write", (1,)), ("invoke", 1, 0, "read", ()), ("ok", 1, 0, 0)]
    assert history_ok(REG, start + [("invoke", 1, 1, "read", ()), ("ok", 1, 1, 1)])
    assert history_ok(REG, start + [("invoke", 1, 1, "read", ()), ("ok", 1, 1, 0)])


def test_no_new_old_inversion():
    assert not history_ok(REG, [
        ("invoke", 0, 0, "write", (1,)),
        ("invoke", 1, 0, "read", ()), ("ok", 1, 0, 1),
        ("invoke", 2, 0, "read", ()), ("ok", 2, 0, 0)])


def test_an_error_reply_means_no_effect():
    assert not history_ok(REG, [("invoke", 0, 0, "write", (1,)), ("fail", 0, 0),
                                ("invoke", 1, 0, "read", ()), ("ok", 1, 0, 1)])


def test_cas_results_must_match():
    assert history_ok(REG, [("invoke", 0, 0, "cas", (0, 2)), ("ok", 0, 0, True)])
    assert not history_ok(REG, [("invoke", 0, 0, "cas", (1, 2)), ("ok", 0, 0, True)])


def test_other_objects():
    assert history_ok(Counter("ok"), [("invoke", 0, 0, "incr", ()), ("invoke", 1, 0, "read", ()),
                                      ("ok", 1, 0, 1), ("ok", 0, 0, "ok")])
    assert not history_ok(Set("ok"), [("invoke", 0, 0, "add", (3,)), ("ok", 0, 0, "ok"),
                                      ("invoke", 0, 1, "contains", (3,)), ("ok", 0, 1, False)])
    assert not history_ok(Log("ok"), [("invoke", 0, 0, "append", (1,)), ("ok", 0, 0, "ok"),
                                      ("invoke", 1, 0, "append", (2,)), ("ok", 1, 0, "ok"),
                                      ("invoke", 0, 1, "read", ()), ("ok", 0, 1, (2, 1))])
    kv = KeyValue(0, "ok")
    assert history_ok(kv, [("invoke", 0, 0, "put", ("x", 1)), ("ok", 0, 0, "ok"),
                           ("invoke", 1, 0, "get", ("y",)), ("ok", 1, 0, 0)])
    assert not history_ok(kv, [("invoke", 0, 0, "put", ("x", 1)), ("ok", 0, 0, "ok"),
                               ("invoke", 1, 0, "get", ("x",)), ("ok", 1, 0, 0)])


def test_equal_histories_give_equal_monitor_states():
    mon = Monitor(REG)
    a = mon.invoke(mon.invoke(mon.initial(), 0, 0, 1, (1,)), 1, 0, 1, (2,))
    b = mon.invoke(mon.invoke(mon.initial(), 1, 0, 1, (2,)), 0, 0, 1, (1,))
    assert a == b and hash(a) == hash(b)


# ---------------------------------------------------------------- against brute force


def brute_force(spec, ops: list[dict]) -> bool:
    """Linearizable? `ops`: dicts with call, ret (None: never answered), op, args, result,
    failed. Tries every subset of the unanswered operations and every order of the chosen
    ones that respects real time; a failed operation never takes effect."""
    done = [o for o in ops if o["ret"] is not None and not o["failed"]]
    open_ = [o for o in ops if o["ret"] is None]
    for k in range(len(open_) + 1):
        for extra in itertools.combinations(open_, k):
            chosen = done + list(extra)
            for order in itertools.permutations(chosen):
                if _respects_real_time(order) and _legal(spec, order):
                    return True
    return False


def _respects_real_time(order) -> bool:
    for i, a in enumerate(order):
        for b in order[i + 1:]:
            if b["ret"] is not None and b["ret"] < a["call"]:
                return False
    return True


def _legal(spec, order) -> bool:
    state = spec.initial()
    for o in order:
        result, state = spec.step(state, o["op"], o["args"])
        if o["ret"] is not None and result != o["result"]:
            return False
    return True


@st.composite
def histories(draw):
    """Up to 8 operations of up to 3 clients on a cas-register, some never answered, some
    failed, results drawn at random (so both verdicts come up)."""
    clients = draw(st.integers(1, 3))
    n = draw(st.integers(1, 8))
    calls = []
    for _ in range(n):
        op = draw(st.sampled_from(["read", "write", "cas"]))
        args = {"read": (), "write": (draw(st.integers(1, 2)),),
                "cas": (draw(st.integers(0, 2)), draw(st.integers(1, 2)))}[op]
        calls.append((draw(st.integers(0, clients - 1)), op, args))
    events, ops, clock = [], [], 0
    pending: dict[int, dict] = {}
    seq = {c: 0 for c in range(clients)}
    queue = list(calls)
    while queue or pending:
        if queue and (not pending or draw(st.booleans())) and queue[0][0] not in pending:
            c, op, args = queue.pop(0)
            o = {"client": c, "seq": seq[c], "op": op, "args": args, "call": clock, "ret": None,
                 "result": None, "failed": False}
            seq[c] += 1
            ops.append(o)
            pending[c] = o
            events.append(("invoke", c, o["seq"], op, args))
        elif pending:
            c = draw(st.sampled_from(sorted(pending)))
            o = pending.pop(c)
            how = draw(st.sampled_from(["ok", "ok", "ok", "fail", "never"]))
            if how == "never":
                pass  # the client gives up: the operation stays open
            else:
                o["ret"] = clock
                if how == "fail":
                    o["failed"] = True
                    events.append(("fail", c, o["seq"]))
                else:
                    o["result"] = {"read": draw(st.integers(0, 2)), "write": "ok",
                                   "cas": draw(st.booleans())}[o["op"]]
                    events.append(("ok", c, o["seq"], o["result"]))
        else:
            queue.pop(0)  # this client is busy and nothing is pending: cannot happen, but stay safe
        clock += 1
    return ops, events


@settings(max_examples=300, deadline=None)
@given(histories())
def test_the_monitor_agrees_with_brute_force(history):
    ops, events = history
    assert history_ok(REG, events) == brute_force(REG, ops)


@st.composite
def kv_histories(draw):
    """Register histories spread over two keys: puts and gets on 'x' and 'y'."""
    ops, events = draw(histories())
    keys = [draw(st.sampled_from(["x", "y"])) for _ in ops]
    rename = {"read": "get", "write": "put", "cas": "cas"}
    for o, k in zip(ops, keys):
        o["op"], o["args"] = rename[o["op"]], (k,) + o["args"]
    by_call = {(o["client"], o["seq"]): o for o in ops}
    kv_events = []
    for e in events:
        if e[0] == "invoke":
            o = by_call[(e[1], e[2])]
            kv_events.append(("invoke", e[1], e[2], o["op"], o["args"]))
        else:
            kv_events.append(e)
    return ops, kv_events


@settings(max_examples=200, deadline=None)
@given(kv_histories())
def test_a_map_checked_key_by_key_agrees_with_the_whole_map_and_brute_force(history):
    from checker.props.monitor import PartitionedMonitor

    ops, events = history
    kv = KeyValue(0, "ok")
    assert isinstance(monitor_for(kv), PartitionedMonitor)
    whole = Monitor(kv)
    m = whole.initial()
    for e in events:
        m = feed(whole, m, e)
        if not whole.ok(m):
            break
    assert history_ok(kv, events) == whole.ok(m) == brute_force(kv, ops)
