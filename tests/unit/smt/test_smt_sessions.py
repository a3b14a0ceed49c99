"""Durability, read-your-writes and monotonic reads in the SMT engine (checker/smt/sessions.py).

- The formulas against the explicit watchers (props/sessions.py), the oracle: random small
  histories of every built-in object (values repeated on purpose, error replies, `cas`
  answered false, given-up requests), driven through the watcher event by event; after
  every event the formula over the history so far holds exactly when the watcher has a
  violation.
- Whole runs: the library's violations found with the explicit search's shortest lengths,
  every trace replayed and re-checked by the explicit watcher (verify.py); a check that
  holds is UNKNOWN within the depth, never HOLDS.
- What the encoding cannot express is refused, located at the check.
"""

from __future__ import annotations

import dataclasses
import functools
import textwrap

import pytest
import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.cli.engines import compare
from checker.errors import InternalError
from checker.explore import SearchOptions, search
from checker.explore.search import final_state
from checker.props.sessions import watcher_for
from checker.result import Verdict
from checker.smt import sessions
from checker.smt.state import Shape
from checker.smt.symbolic import Tup
from checker.analysis.verify import SmtOptions, smt_check

from support import ONE_NODE_SPECS, REPLICAS, SPECS, examples, library_model, model_of

# ---------------------------------------------------------------- the formulas against the watchers


@functools.cache
def _object(kind: str):
    """The model, encoding shape and sequential spec of a one-node spec of object `kind`."""
    model = model_of(f"protocol {kind}_sessions:{ONE_NODE_SPECS[kind]}\n    check durable\n    check read_your_writes\n",
                     "<sessions>")
    shape = Shape(model, 1)
    return model, shape, sessions.object_of(model)


def _answer(draw, shape, spec, k: int, invoked: list[int]):
    """A reply to invocation k: true or false for a cas, `ok` for the other writes; for a
    read, as often as not what the object would answer after some of the invocations so
    far (`invoked`, in order), else any result (the initial object's one: a stale read)."""
    op, args = shape.invocations[k]
    name = shape.program.object.ops[op].name
    if name == "cas":
        return draw(st.booleans())
    if shape.program.object.ops[op].writes:
        return spec.ok
    results = sessions.every(shape.program.object.ops[op].result, shape.model.codec)
    if draw(st.booleans()):
        state = spec.initial()
        for j in draw(st.lists(st.sampled_from(invoked), max_size=3)) if invoked else ():
            state = spec.step(state, shape.program.object.ops[shape.invocations[j][0]].name,
                              shape.invocations[j][1])[1]
        result = spec.step(state, name, args)[0]
        if result in results:
            return result
    return draw(st.sampled_from(results))


@st.composite
def histories(draw, kind: str, give_up: bool = True):
    """Events of a random history of `kind`'s object: ('invoke', client, seq, invocation),
    ('reply', client, seq, result), ('error', client, seq), and unless `give_up` is false
    ('give_up', client, seq)."""
    _, shape, (spec, _) = _object(kind)
    clients, per_client = shape.clients, shape.ops
    next_seq, pending = [0] * clients, [None] * clients
    events = []
    for _ in range(draw(st.integers(0, 3 * clients * per_client))):
        c = draw(st.integers(0, clients - 1))
        if pending[c] is None:
            if next_seq[c] == per_client:
                continue
            writes = draw(st.booleans())
            k = draw(st.sampled_from([k for k, (op, _) in enumerate(shape.invocations)
                                      if shape.program.object.ops[op].writes == writes]))
            events.append(("invoke", c, next_seq[c], k))
            pending[c] = (next_seq[c], k)
            next_seq[c] += 1
            continue
        q, k = pending[c]
        how = draw(st.sampled_from(["reply"] * 4 + ["error"] + ["give_up"] * give_up))
        invoked = [e[3] for e in events if e[0] == "invoke"]
        events.append(("reply", c, q, _answer(draw, shape, spec, k, invoked)) if how == "reply" else (how, c, q))
        pending[c] = None
    return events


def _encoded(shape, spec, events) -> tuple[tuple, tuple]:
    """The history and request table the encoding holds after `events`, event i at step i + 1."""
    inv = {}
    entries = {(c, q): [-1, -1, -1, False] for c in range(shape.clients) for q in range(shape.ops)}
    for step, (what, c, q, *rest) in enumerate(events, start=1):
        if what == "invoke":
            inv[(c, q)] = rest[0]
            entries[(c, q)][0] = step
        elif what in ("reply", "error"):
            entries[(c, q)][1] = step
            entries[(c, q)][3] = what == "error"
            if what == "reply":
                op = shape.program.object.ops[shape.invocations[inv[(c, q)]][0]]
                entries[(c, q)][2] = sessions._index(shape.lin, rest[0], op.result, shape.dom)
    history = tuple(tuple(Tup((z3.IntVal(i), z3.IntVal(r), z3.IntVal(x), z3.BoolVal(e)))
                          for i, r, x, e in (entries[(c, q)] for q in range(shape.ops)))
                    for c in range(shape.clients))
    requests = tuple(tuple(Tup((z3.IntVal(-1), z3.IntVal(inv.get((c, q), 0)))) for q in range(shape.ops))
                     for c in range(shape.clients))
    return history, requests


def _watched(watcher, shape, state, event) -> tuple:
    what, c, q, *rest = event
    if what == "invoke":
        return watcher.invoke(state, c, q, *shape.invocations[rest[0]])
    if what == "reply":
        return watcher.respond(state, c, q, rest[0])
    return watcher.fail(state, c, q) if what == "error" else watcher.abandon(state, c, q)


def _agree(kind: str, check_kind: str, events: list, every_event: bool) -> bool:
    """Assert that the formula over the history of `events` (after each of them, or at the
    end) holds exactly when the explicit watcher has a violation; return the verdict."""
    _, shape, (spec, ops) = _object(kind)
    watcher = watcher_for(check_kind, spec, ops, shape.clients, shape.ops)
    state = watcher.initial()
    for t in range(len(events) + 1):
        if t:
            state = _watched(watcher, shape, state, events[t - 1])
        if every_event or t == len(events):
            history, requests = _encoded(shape, spec, events[:t])
            formula = z3.simplify(sessions.violated(check_kind, shape.effects, history, requests))
            assert z3.is_true(formula) or z3.is_false(formula)
            assert z3.is_true(formula) == (not watcher.ok(state)), (events[:t], watcher.violation(state))
    return not watcher.ok(state)


@examples(full=100, fast=20)
@pytest.mark.parametrize("check_kind", sessions.DECIDED)
@pytest.mark.parametrize("kind", sorted(ONE_NODE_SPECS))
def test_the_formula_agrees_with_the_explicit_watcher_on_random_histories(kind, check_kind, examples):
    @settings(max_examples=examples, deadline=None)
    @given(histories(kind))
    def agree(events):
        _agree(kind, check_kind, events, every_event=False)

    agree()


@pytest.mark.parametrize("kind", sessions.COUNTED)
def test_the_monotonic_reads_formula_of_logs_and_counters_agrees_with_the_explicit_watcher(kind):
    @settings(max_examples=100, deadline=None)
    @given(histories(kind))
    def agree(events):
        _agree(kind, "monotonic_reads", events, every_event=False)

    agree()


@examples(full=60, fast=12)
@pytest.mark.parametrize("kind", sorted(set(ONE_NODE_SPECS) - set(sessions.COUNTED)))
def test_the_monotonic_reads_formula_of_registers_maps_and_sets_agrees_with_the_explicit_watcher(kind, examples):
    """Without given-up requests (the formula is not used when clients can give up), after
    every event."""
    @settings(max_examples=examples, deadline=None)
    @given(histories(kind, give_up=False))
    def agree(events):
        _agree(kind, "monotonic_reads", events, every_event=True)

    agree()


def _two_reads(kind: str, first, second) -> list:
    read = next(k for k, (op, _) in enumerate(_object(kind)[1].invocations)
                if not _object(kind)[1].program.object.ops[op].writes)
    return [("invoke", 0, 0, read), ("reply", 0, 0, first), ("invoke", 0, 1, read), second]


@pytest.mark.parametrize("kind, first, second, violated", [
    ("counter", 2, ("reply", 0, 1, 1), True), ("counter", 2, ("reply", 0, 1, 2), False),
    ("counter", 1, ("reply", 0, 1, 2), False), ("counter", 2, ("error", 0, 1), False),
    ("log", (1, 2), ("reply", 0, 1, (2,)), True), ("log", (1,), ("reply", 0, 1, (2, 1)), False),
    ("log", (2, 2), ("reply", 0, 1, (2,)), True), ("log", (1, 2), ("give_up", 0, 1), False)])
def test_the_monotonic_reads_formula_on_two_reads_of_one_client(kind, first, second, violated):
    assert _agree(kind, "monotonic_reads", _two_reads(kind, first, second), every_event=True) is violated


def test_monotonic_reads_is_decided_unless_clients_of_a_register_map_or_set_can_give_up_or_are_many():
    for kind in ONE_NODE_SPECS:
        program = _object(kind)[0].program
        assert sessions.decides("monotonic_reads", program)
        giving_up = dataclasses.replace(program, faults=dataclasses.replace(program.faults, give_up=1))
        assert sessions.decides("monotonic_reads", giving_up) is (kind in sessions.COUNTED)
        busy = dataclasses.replace(program, clients=dataclasses.replace(program.clients, count=4, ops=4))
        assert sessions.ways(4, 4) > sessions.WAYS_LIMIT >= sessions.ways(3, 3)
        assert sessions.decides("monotonic_reads", busy) is (kind in sessions.COUNTED)
    text = (SPECS / "chain_replication_any_reads.cap").read_text()
    text = text.replace("faults partition <= PARTITIONS", "faults partition <= PARTITIONS, give_up <= 1")
    result = smt_check(model_of(text, "<sessions>"), SmtOptions(depth=1))
    reasons = {p.kind: p.reason for p in result.properties}
    assert reasons["monotonic_reads"] == "'check monotonic_reads' is not decided by the SMT engine yet"


def _k(name: str, *args) -> int:
    _, shape, _ = _object("register")
    ops = [op.name for op in shape.program.object.ops]
    return shape.invocations.index((ops.index(name), args))


def _ok():
    return _object("register")[2][0].ok


# Register histories, one clause of the definition each: (events, durable, read_your_writes)
# as the explicit watcher decides them at the end.
W1, W2, READ = ("invoke", 0, 0, _k("write", 1)), ("invoke", 1, 0, _k("write", 2)), _k("read")
STALE_BUT_PENDING = [W1, ("reply", 0, 0, _ok()), W2, ("reply", 1, 0, _ok()), ("invoke", 2, 0, _k("write", 1)),
                     ("invoke", 0, 1, READ), ("reply", 0, 1, 1)]
CASES = {
    "a read after an acknowledged write misses it": (
        [W1, ("reply", 0, 0, _ok()), ("invoke", 1, 0, READ), ("reply", 1, 0, 0)], True, False),
    "the client's own next read misses it": (
        [W1, ("reply", 0, 0, _ok()), ("invoke", 0, 1, READ), ("reply", 0, 1, 0)], True, True),
    "a read sees it": ([W1, ("reply", 0, 0, _ok()), ("invoke", 1, 0, READ), ("reply", 1, 0, 1)], False, False),
    "a read concurrent with the write may miss it": (
        [W1, ("invoke", 1, 0, READ), ("reply", 1, 0, 0), ("reply", 0, 0, _ok())], False, False),
    "a read of a value nobody wrote is left to linearizable": (
        [W1, ("reply", 0, 0, _ok()), ("invoke", 1, 0, READ), ("reply", 1, 0, 2)], False, False),
    "an older source and a pending one": (STALE_BUT_PENDING, False, False),
    "the pending source fails after the read": (STALE_BUT_PENDING + [("error", 2, 0)], True, False),
    "the pending source is given up on": (STALE_BUT_PENDING + [("give_up", 2, 0)], False, False),
    "the pending source returns": (STALE_BUT_PENDING + [("reply", 2, 0, _ok())], False, False),
    "a cas source answered false": (
        STALE_BUT_PENDING[:4] + [("invoke", 2, 0, _k("cas", 0, 1)), ("invoke", 0, 1, READ), ("reply", 0, 1, 1),
                                 ("reply", 2, 0, False)], True, False),
    "a cas source answered true": (
        STALE_BUT_PENDING[:4] + [("invoke", 2, 0, _k("cas", 0, 1)), ("invoke", 0, 1, READ), ("reply", 0, 1, 1),
                                 ("reply", 2, 0, True)], False, False),
    "a cas answered false is no acknowledged write": (
        [("invoke", 0, 0, _k("cas", 0, 1)), ("reply", 0, 0, False), ("invoke", 1, 0, READ), ("reply", 1, 0, 0)],
        False, False),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_formula_agrees_with_the_explicit_watcher_after_every_event(case):
    events, durable, own = CASES[case]
    assert _agree("register", "durable", events, every_event=True) is durable
    assert _agree("register", "read_your_writes", events, every_event=True) is own


# Register histories for monotonic_reads, one clause each: (events, violated at the end).
R0, R1 = ("invoke", 0, 0, _k("read")), ("invoke", 0, 1, _k("read"))
ACKED_1 = [("invoke", 1, 0, _k("write", 1)), ("reply", 1, 0, _ok())]
NEWER_THEN_PENDING = ACKED_1 + [("invoke", 2, 0, _k("write", 2)), ("reply", 2, 0, _ok()), ("invoke", 1, 1, _k("write", 1)),
                                R0, ("reply", 0, 0, 2), R1, ("reply", 0, 1, 1)]
MONOTONIC = {
    "a write's value, then the initial one": (ACKED_1 + [R0, ("reply", 0, 0, 1), R1, ("reply", 0, 1, 0)], True),
    "the initial value, then a write's": (ACKED_1 + [R0, ("reply", 0, 0, 0), R1, ("reply", 0, 1, 1)], False),
    "a pending write's value, then the initial one, the write failing":
        ([("invoke", 1, 0, _k("write", 1)), R0, ("reply", 0, 0, 1), R1, ("reply", 0, 1, 0), ("error", 1, 0)], False),
    "a pending write's value, then the initial one, the write acknowledged":
        ([("invoke", 1, 0, _k("write", 1)), R0, ("reply", 0, 0, 1), R1, ("reply", 0, 1, 0),
          ("reply", 1, 0, _ok())], True),
    "an older write's value after a newer one's": (
        ACKED_1 + [("invoke", 2, 0, _k("write", 2)), ("reply", 2, 0, _ok()), R0, ("reply", 0, 0, 2), R1,
                   ("reply", 0, 1, 1)], True),
    "an older write's value after a newer one's, another write of it pending": (NEWER_THEN_PENDING, False),
    "an older write's value after a newer one's, the other write failing": (
        NEWER_THEN_PENDING + [("error", 1, 1)], True),
    "concurrent writes in either order": (
        [("invoke", 1, 0, _k("write", 1)), ("invoke", 2, 0, _k("write", 2)), ("reply", 1, 0, _ok()),
         ("reply", 2, 0, _ok()), R0, ("reply", 0, 0, 2), R1, ("reply", 0, 1, 1)], False),
}


@pytest.mark.parametrize("case", sorted(MONOTONIC))
def test_the_monotonic_reads_formula_of_a_register_after_every_event(case):
    events, violated = MONOTONIC[case]
    assert _agree("register", "monotonic_reads", events, every_event=True) is violated


# ---------------------------------------------------------------- whole runs

LAGGING = textwrap.dedent(REPLICAS).replace("ROUTE", "route clients to any replica").replace(
    "check sequential", "check durable\n    check read_your_writes")    # a write reaches the other replica later


def _violations(result) -> dict[str, int]:
    return {p.name: p.trace.length for p in result.properties if p.verdict is Verdict.VIOLATED}


def _explicit(model, depth: int) -> dict[str, int]:
    return _violations(search(model, SearchOptions(max_depth=depth)))


def test_a_lagging_replica_breaks_both_checks_in_the_explicit_engines_shortest_runs():
    model = model_of(LAGGING, "<sessions>")
    result = smt_check(model, SmtOptions(depth=5))
    assert _violations(result) == _explicit(model, 5) == {"durable": 4, "read_your_writes": 4}
    for p in result.properties:                      # the watcher's violation, at the last step only
        watcher = next(i for i in model.invariants if i.prop.name == p.name)
        states = [final_state(model, list(p.trace.path[:k])) for k in range(1, p.trace.length + 2)]
        assert [watcher.holds(s) for s in states] == [True] * p.trace.length + [False]


def test_a_lagging_replica_breaks_monotonic_reads_in_the_explicit_engines_shortest_run():
    model = model_of(LAGGING.replace("check read_your_writes", "check read_your_writes\n    check monotonic_reads"),
                     "<sessions>")
    assert _violations(smt_check(model, SmtOptions(depth=7))) == _explicit(model, 7) == {
        "durable": 4, "read_your_writes": 4, "monotonic_reads": 6}


@pytest.mark.slow
def test_chain_replication_with_reads_anywhere_breaks_monotonic_reads_in_8_steps_in_both_engines():
    model = library_model("chain_replication_any_reads")
    smt = smt_check(model, SmtOptions(depth=8))
    assert _violations(smt)["monotonic_reads"] == _explicit(model, 8)["monotonic_reads"] == 8


def test_engine_both_compares_the_history_checks(monkeypatch):
    """--engine both's comparison covers durable and read_your_writes: equal lengths pass,
    a different length from one engine is an internal error."""
    model = model_of(LAGGING, "<sessions>")
    explicit, smt = search(model, SearchOptions(max_depth=5)), smt_check(model, SmtOptions(depth=5))
    compare(explicit, smt)
    shorter = search(model, SearchOptions(max_depth=3))      # finds nothing: SMT's 4 steps are past it
    compare(shorter, smt)
    broken = dataclasses.replace(smt, properties=tuple(
        dataclasses.replace(p, trace=dataclasses.replace(p.trace, steps=p.trace.steps + p.trace.steps[-1:]))
        if p.name == "durable" else p for p in smt.properties))
    with pytest.raises(InternalError, match="disagree on 'durable'"):
        compare(explicit, broken)
    silent = dataclasses.replace(smt, properties=tuple(
        dataclasses.replace(p, verdict=Verdict.UNKNOWN, trace=None) for p in smt.properties))
    with pytest.raises(InternalError, match="finds no such run"):
        compare(explicit, silent)

COUNTERS = """
protocol lagging_counter:
    object counter(max = 2)
    clients 1, ops 3
    route clients to any replica

    message bump()

    node replica[2]:
        var views: Value = 0

        request incr() when views < 2:
            views += 1
            send bump() to others
            reply ok

        request read():
            reply views

        on bump() from p:
            if views < 2:
                views += 1

    check durable
    check monotonic_reads
"""


def test_a_lagging_counter_replica_breaks_both_checks_in_the_explicit_engines_shortest_runs():
    model = model_of(COUNTERS, "<sessions>")
    assert _violations(smt_check(model, SmtOptions(depth=6))) == _explicit(model, 6) == {
        "durable": 4, "monotonic_reads": 6}


def test_a_check_that_holds_within_the_depth_is_unknown_never_holds():
    model = _object("register")[0]
    result = smt_check(model, SmtOptions(depth=5))
    assert {p.name: p.verdict for p in result.properties} == {"durable": Verdict.UNKNOWN,
                                                             "read_your_writes": Verdict.UNKNOWN}
    assert {p.reason for p in result.properties} == {"no run of up to 5 steps breaks it"}
    assert _explicit(model, 5) == {}


def test_a_counterexample_the_explicit_watcher_does_not_confirm_is_an_internal_error(monkeypatch):
    from checker.errors import InternalError

    def wrong(kind, effects, history, requests):      # "violated" as soon as anything was invoked
        return z3.Or([entry.items[0] >= 0 for row in history for entry in row])

    monkeypatch.setattr(sessions, "violated", wrong)
    with pytest.raises(InternalError, match="does not break it when replayed"):
        smt_check(_object("register")[0], SmtOptions(depth=2))


def test_a_read_after_failover_misses_the_acknowledged_write_in_six_steps():
    model = library_model("async_primary_backup")
    assert _violations(smt_check(model, SmtOptions(depth=6)))["durable"] == 6 == _explicit(model, 6)["durable"]


def test_a_write_at_one_replica_and_the_next_read_at_the_other_in_four_steps():
    model = library_model("active_active_lww")
    assert _violations(smt_check(model, SmtOptions(depth=4)))["read_your_writes"] == 4
    assert _explicit(model, 4)["read_your_writes"] == 4


@pytest.mark.parametrize("spec", ["sync_primary_backup", "chain_replication_any_reads"])
def test_the_library_durability_that_holds_is_unknown_within_the_depth(spec):
    result = smt_check(library_model(spec), SmtOptions(depth=3))
    durable = next(p for p in result.properties if p.kind == "durable")
    assert durable.verdict is Verdict.UNKNOWN and durable.reason == "no run of up to 3 steps breaks it"


# ---------------------------------------------------------------- what the encoding refuses

def test_a_read_with_too_many_results_is_refused_at_the_check(run_cli, tmp_path):
    path = tmp_path / "long_log.cap"
    path.write_text(_LONG_LOG, encoding="utf-8")
    code, _, err = run_cli(["check", str(path), "--engine", "smt"])
    assert code == 2, err
    assert "long_log.cap:14:5: error: the SMT engine cannot encode 5,461 results of type seq[{1, 2, 3, 4}, 6], " \
           "more than 4,096, for 'check durable' yet; use --engine explicit for this spec" in err
    assert run_cli(["check", str(path)])[0] == 0


_LONG_LOG = "protocol long_log:" + ONE_NODE_SPECS["log"].replace("clients 3, ops 2", "clients 1, ops 1").replace(
    "{1, 2}, max = 2", "{1, 2, 3, 4}, max = 6").replace("2]", "6]").replace("< 2", "< 6") + "    check durable\n"
