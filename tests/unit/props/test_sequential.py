"""Sequential consistency (checker/props/sequential.py): hand-made histories, a brute-force
oracle over every order that keeps each client's order, and `check sequential` in the
explorer."""

from __future__ import annotations

import itertools
import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.pipeline import compile_spec
from checker.explore import search
from checker.props.monitor import history_ok
from checker.props.objects import Register
from checker.props.sequential import history_consistent

from support import REPLICAS

REG = Register(0, "ok")
STALE_READ = [("invoke", 0, 0, "write", (1,)), ("ok", 0, 0, "ok"),
              ("invoke", 1, 0, "read", ()), ("ok", 1, 0, 0)]


def test_a_stale_read_of_another_client_is_sequentially_consistent_but_not_linearizable():
    assert history_consistent(REG, STALE_READ, 2)
    assert not history_ok(REG, STALE_READ)


def test_a_client_must_read_its_own_write():
    events = [("invoke", 0, 0, "write", (1,)), ("ok", 0, 0, "ok"), ("invoke", 0, 1, "read", ()), ("ok", 0, 1, 0)]
    assert not history_consistent(REG, events, 1)


def test_two_clients_must_agree_on_the_order_of_writes():
    # client 0 sees 1 then 2; client 1 sees 2 then 1: no single order explains both
    events = [("invoke", 2, 0, "write", (1,)), ("ok", 2, 0, "ok"), ("invoke", 3, 0, "write", (2,)),
              ("ok", 3, 0, "ok"),
              ("invoke", 0, 0, "read", ()), ("ok", 0, 0, 1), ("invoke", 0, 1, "read", ()), ("ok", 0, 1, 2),
              ("invoke", 1, 0, "read", ()), ("ok", 1, 0, 2), ("invoke", 1, 1, "read", ()), ("ok", 1, 1, 1)]
    assert not history_consistent(REG, events, 4)


def test_an_abandoned_write_may_take_effect_after_the_clients_later_operations():
    events = [("invoke", 0, 0, "write", (1,)), ("abandon", 0, 0), ("invoke", 0, 1, "read", ()),
              ("ok", 0, 1, 0), ("invoke", 1, 0, "read", ()), ("ok", 1, 0, 1)]
    assert history_consistent(REG, events, 2)


def test_a_failed_write_never_takes_effect():
    events = [("invoke", 0, 0, "write", (1,)), ("fail", 0, 0), ("invoke", 1, 0, "read", ()), ("ok", 1, 0, 1)]
    assert not history_consistent(REG, events, 2)


# ---------------------------------------------------------------- against brute force


def brute_force(clients: list[list[tuple]]) -> bool:
    """Every interleaving of the clients' answered operations (in each client's order) with
    any subset of the abandoned ones (each after its client's earlier answered ones)."""
    answered = [[e for e in c if e[2] != "abandoned"] for c in clients]
    floating = [(ci, sum(1 for e in c[:i] if e[2] != "abandoned"), e)
                for ci, c in enumerate(clients) for i, e in enumerate(c) if e[2] == "abandoned"]
    slots = [ci for ci, c in enumerate(answered) for _ in c]
    for k in range(len(floating) + 1):
        for extra in itertools.combinations(floating, k):
            items = [("a", ci) for ci in slots] + [("f", f) for f in extra]
            for order in set(itertools.permutations(items)):
                if _explains(order, answered):
                    return True
    return False


def _explains(order, answered) -> bool:
    placed = [0] * len(answered)
    state = REG.initial()
    for kind, x in order:
        if kind == "a":
            op, args, result = answered[x][placed[x]]
            got, state = REG.step(state, op, args)
            if got != result:
                return False
            placed[x] += 1
        else:
            ci, after, (op, args, _) = x
            if placed[ci] < after:
                return False
            _, state = REG.step(state, op, args)
    return True


@st.composite
def client_histories(draw):
    clients = []
    total = 0
    for _ in range(draw(st.integers(1, 3))):
        ops = []
        for _ in range(draw(st.integers(0, 3))):
            if total == 6:
                break
            total += 1
            op = draw(st.sampled_from(["read", "write"]))
            args = () if op == "read" else (draw(st.integers(1, 2)),)
            if draw(st.integers(0, 4)) == 0:
                result = "abandoned"
            else:
                result = draw(st.integers(0, 2)) if op == "read" else "ok"
            ops.append((op, args, result))
        clients.append(ops)
    return clients


@settings(max_examples=200, deadline=None)
@given(client_histories())
def test_the_check_agrees_with_brute_force(clients):
    events = []
    for c, ops in enumerate(clients):
        for seq, (op, args, result) in enumerate(ops):
            events.append(("invoke", c, seq, op, args))
            events.append(("abandon", c, seq) if result == "abandoned" else ("ok", c, seq, result))
    assert history_consistent(REG, events, len(clients)) == brute_force(clients)


# ---------------------------------------------------------------- in the explorer


def test_reading_another_replica_breaks_sequential_consistency(tmp_path):
    spec = tmp_path / "pair.cap"
    spec.write_text(textwrap.dedent(REPLICAS.replace("ROUTE", "route clients to any replica")))
    result = search(compile_spec(str(spec), {}, "check")[1])
    prop = result.properties[0]
    assert prop.kind == "sequential" and prop.verdict.word == "violated"
    # the shortest run in which both clients finish: 8 steps (2 invocations and 2 answers each)
    assert prop.trace.length == 8


def test_one_replica_is_sequentially_consistent(tmp_path):
    spec = tmp_path / "one.cap"
    spec.write_text(textwrap.dedent(REPLICAS.replace("ROUTE", "route clients to replica[0]")))
    assert search(compile_spec(str(spec), {}, "check")[1]).result == "holds"
