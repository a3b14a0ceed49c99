"""Partial-order reduction (checker/model/por.py, the ample sets of explore/search.py).

- where a node's steps are invisible and nothing it can still receive interferes with
  them, the search expands one node's steps and explores fewer states;
- on generated specs (private counters, messages between roles, faults, invariants over
  some of the variables, deadlocks) the reduced search gives the full search's verdicts,
  alone and with symmetry, and every counterexample it finds replays;
- `--no-por`, the report's line, and the property kinds that switch it off;
- the spec library gets the same verdicts with and without it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from checker.diagnostics import Source
from checker.dsl import parse
from checker.errors import SpecError
from checker.explore import SearchOptions, search
from checker.explore.search import final_state
from checker.model import compile_model
from checker.pipeline import compile_spec
from checker.semantics import check

from support import REPO_ROOT

ROOT = REPO_ROOT

WORKERS = """
protocol workers:
    const N = 3
    network {network}
    faults {faults}
    message done(v: 0..3)

    node w[N]{symmetric}:
        var k: 0..3 = 0
        var sent: bool = false

        action step when k < 3:
            k += 1

        action report when k == 3 and not sent:
            sent = true
            send done(k) to collector

    node collector:
        var got: 0..3 = 0

        on done(v) from s:
            got += 1

    invariant few: collector.got <= N
    invariant not_all: collector.got < N
"""


def _model(text: str):
    return compile_model(check(parse(text, "<test>"), Source("<test>", text)))


def _verdicts(result) -> dict:
    return {p.name: p.verdict.word for p in result.properties}


def test_independent_local_steps_are_explored_in_one_order() -> None:
    model = _model(WORKERS.format(network="unordered", faults="none", symmetric=""))
    reduced, full = search(model), search(model, SearchOptions(por=False))
    assert (reduced.stats.distinct_states, full.stats.distinct_states) == (20, 216)
    assert _verdicts(reduced) == _verdicts(full) == {"few": "holds", "not_all": "violated"}
    assert reduced.partial_order.used and reduced.partial_order.states == 12
    assert not full.partial_order.used and full.partial_order.reason == "--no-por"


def test_with_symmetry_too() -> None:
    model = _model(WORKERS.format(network="unordered", faults="none", symmetric=" symmetric"))
    both = search(model)
    neither = search(model, SearchOptions(por=False, symmetry=False))
    assert both.stats.distinct_states < search(model, SearchOptions(por=False)).stats.distinct_states
    assert neither.stats.distinct_states == 216
    assert _verdicts(both) == _verdicts(neither)


@pytest.mark.parametrize("faults", ["crash <= 1", "pause <= 1"])
def test_a_fault_that_can_still_strike_any_node_expands_fully(faults: str) -> None:
    model = _model(WORKERS.format(network="unordered", faults=faults, symmetric=""))
    reduced = search(model)
    assert _verdicts(reduced) == _verdicts(search(model, SearchOptions(por=False)))


def test_a_visible_step_is_never_left_out() -> None:
    """Reading w.k in an invariant makes the counting steps visible: expanding one worker's
    steps first would never show two workers at 1 together."""
    text = WORKERS.format(network="unordered", faults="none", symmetric="").replace(
        "invariant not_all: collector.got < N", "invariant not_all: count(x in w: x.k == 1) <= 1")
    model = _model(text)
    reduced, full = search(model), search(model, SearchOptions(por=False))
    assert _verdicts(reduced) == _verdicts(full) == {"few": "holds", "not_all": "violated"}


ORDER = """
protocol first_come:
    message m()

    node sender[2]:
        var sent: bool = false
        var spare: 0..1 = 0

        action go when not sent:
            sent = true
            send m() to receiver

        action idle when spare == 0 and self == sender[1]:
            spare = 1

    node receiver:
        var first: option sender = none
        var got: 0..2 = 0
        var winner: option sender = none

        on m() from x:
            if first == none:
                first = x
            got += 1

        action publish when got == 2 and winner == none:
            winner = first

    invariant sender_0_wins: receiver.winner == none or receiver.winner == sender[0]
"""


def test_a_message_still_to_arrive_keeps_a_receivers_steps_from_being_ample() -> None:
    """The receiver's first delivery is invisible, but a second message can still arrive
    and be delivered before it: taking the receiver's steps alone would never let sender[1]
    be first, and the violation would be missed."""
    model = _model(ORDER)
    reduced, full = search(model), search(model, SearchOptions(por=False))
    assert _verdicts(full) == {"sender_0_wins": "violated"}
    assert _verdicts(reduced) == _verdicts(full)


IGNORING = """
protocol ignoring:
    node spinner:
        var flag: bool = false

        action toggle:
            flag = not flag

    node other:
        var hit: bool = false

        action strike when not hit:
            hit = true

    invariant never_hit: not other.hit
"""


def test_the_cycle_proviso_expands_a_state_whose_ample_successors_were_seen() -> None:
    """The spinner's invisible toggles form a cycle; without the proviso its steps alone
    would be expanded for ever and the other node's step never taken."""
    model = _model(IGNORING)
    reduced = search(model)
    assert _verdicts(reduced) == {"never_hit": "violated"}
    assert reduced.partial_order.used


CLIENT_WORK = """
protocol client_work:
    object register(values = {{1, 2}}, initial = 0)
    clients 2, ops 1
    route clients to any server
    network unordered
    faults {faults}
    message copy(v: Value)

    node server[2]:
        var value: Value = 0

        request write(v):
            value = v
            send copy(v) to others
            reply ok

        request read():
            reply value

        on copy(v) from s:
            value = v

    node janitor[2]:
        var swept: 0..2 = 0

        action sweep when swept < 2:
            swept += 1

    check linearizable
    invariant bounded: all(x in server: x.value <= 2)
"""


@pytest.mark.parametrize("faults", ["none", "give_up <= 1"])
def test_history_checks_with_clients_get_the_full_searchs_verdicts(faults: str) -> None:
    """The janitors' sweeping is invisible and nothing arrives at them; the servers' steps
    reply (visible) and requests still arrive: only the janitors are ever ample."""
    model = _model(CLIENT_WORK.format(faults=faults))
    reduced, full = search(model), search(model, SearchOptions(por=False))
    assert reduced.partial_order.used and reduced.stats.distinct_states < full.stats.distinct_states
    assert _verdicts(reduced) == _verdicts(full) == {"linearizable": "violated", "bounded": "holds"}


UNBOUNDED = """
protocol unbounded:
    message ping(v: 0..1)

    node a[2]:
        var x: 0..1 = 0

        action go:
            if x < 1:
                x += 1
            send ping(x) to a

    invariant not_both: a[0].x + a[1].x != 2
"""


def test_bounds_and_infinite_spaces() -> None:
    """a[0] can send pings for ever, an invisible step whose every successor is new: the
    reduced search may follow it and put a[1]'s step off past any bound. A depth bound
    therefore turns the reduction off (it promises every run up to it), and a run that
    stops on another bound says what the reduction may have put off; it never says holds."""
    model = _model(UNBOUNDED)
    bounded = search(model, SearchOptions(max_depth=4))
    assert _verdicts(bounded) == {"not_both": "violated"}
    assert bounded.partial_order.reason == "a depth bound: the reduced search does not try every run up to it"
    stopped = search(model, SearchOptions(max_states=200))
    assert stopped.result == "unknown" and stopped.partial_order.states == 198
    assert stopped.partial_order.reason.startswith("the search stopped before the end")
    assert _verdicts(search(model, SearchOptions(max_states=200, por=False))) == {"not_both": "violated"}


# ---------------------------------------------------------------- generated specs

_WORKER_STEPS = [
    "k = (k + 1) % 3", "flag = not flag", "send m(k) to c", "send m(k) to others", "require not flag\n            k = 0",
    "choose x in 0..1\n            k = x",
]
_HANDLERS = ["k = v", "flag = true", "pass", "k = (k + v) % 3", "send m(v) to s"]
_C_HANDLERS = ["got = v", "got = (got + 1) % 3", "seen = seen | {s}", "pass"]
_INVARIANTS = ["c.got < 2", "all(x in w: x.k < 2)", "some(x in w: not x.flag)", "len(c.seen) < 2", "true",
               "count(x in w: x.k == 1) <= 1"]
_FAULTS = ["none", "crash <= 1", "crash <= 1, restart <= 1", "partition <= 1", "loss <= 1",
           "duplicate <= 1", "pause <= 1", "link <= 1"]


@st.composite
def por_specs(draw) -> str:
    network = draw(st.sampled_from(["unordered", "fifo", "duplicating"]))
    faults = draw(st.sampled_from(_FAULTS))
    if faults.startswith(("loss", "duplicate")):
        network = "unordered, lossy" if faults.startswith("loss") else "unordered"
    steps = draw(st.lists(st.sampled_from(_WORKER_STEPS), min_size=1, max_size=2, unique=True))
    handler = draw(st.sampled_from(_HANDLERS))
    c_handler = draw(st.sampled_from(_C_HANDLERS))
    invariant = draw(st.sampled_from(_INVARIANTS))
    symmetric = draw(st.sampled_from(["", " symmetric"]))
    guard = draw(st.sampled_from(["n < 2", "n < 3"]))
    actions = "\n".join(f"""
        action a{i} when {guard}:
            n += 1
            {step}""" for i, step in enumerate(steps))
    return f"""
protocol generated:
    network {network}
    faults {faults}
    message m(v: 0..2)

    node w[2]{symmetric}:
        var k: 0..2 = 0
        var n: 0..3 = 0
        var flag: bool = false
{actions}

        on m(v) from s:
            {handler}

    node c:
        var got: 0..2 = 0
        var seen: set[node] = {{}}

        on m(v) from s:
            {c_handler}

    invariant inv: {invariant}
"""


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(por_specs(), st.booleans())
def test_generated_specs_get_the_full_searchs_verdicts(text: str, deadlock: bool) -> None:
    try:
        model = _model(text)
    except SpecError:
        assume(False)
        return
    bound = SearchOptions(max_states=20_000, deadlock=deadlock, por=False, symmetry=False)
    full = search(model, bound)
    assume(full.exit_reason in ("complete", "all_violated"))
    for options in (SearchOptions(deadlock=deadlock), SearchOptions(deadlock=deadlock, symmetry=False)):
        reduced = search(model, options)
        assert _verdicts(reduced) == _verdicts(full)
        assert reduced.stats.distinct_states <= full.stats.distinct_states or full.exit_reason == "all_violated"
        for p in reduced.properties:
            if p.trace is not None and p.kind == "invariant":
                state = final_state(model, list(p.trace.path))
                assert not next(i for i in model.invariants if i.prop.name == p.name).holds(state)


# ---------------------------------------------------------------- the report


def test_the_report_says_what_partial_order_reduction_did(run_cli, tmp_path: Path) -> None:
    spec = tmp_path / "workers.cap"
    spec.write_text(WORKERS.format(network="unordered", faults="none", symmetric=""))
    _, out, _ = run_cli(["check", str(spec), "-q"])
    assert ("partial-order reduction: 12 states expanded in part; a counterexample may be longer than the "
            "shortest (--shrink shortens it)") in out
    _, out, _ = run_cli(["check", str(spec), "-q", "--no-por"])
    assert "partial-order reduction: off (--no-por)" in out
    _, out, _ = run_cli(["check", str(spec), "--json", "-"])
    assert json.loads(out)["partial_order"] == {"used": True, "states_expanded_in_part": 12, "reason": None}


def test_liveness_checks_switch_it_off_and_say_so() -> None:
    text = WORKERS.format(network="unordered", faults="none", symmetric="").replace(
        "invariant few: collector.got <= N", "invariant few: collector.got <= N\n    check deadlock_free")
    model = _model(text)
    assert search(model).partial_order.used
    spec_text = """
protocol live:
    object register(values = {1}, initial = 0)
    clients 1
    message note()

    node w[2]:
        var k: 0..2 = 0
        action tick when k < 2:
            k += 1

    node server:
        var value: Value = 0
        request write(v):
            value = v
            reply ok
        request read():
            reply value

    check available
"""
    model = _model(spec_text)
    result = search(model)
    assert not result.partial_order.used
    assert result.partial_order.reason == "check available needs the full state graph"


def test_a_spec_where_no_state_can_be_reduced_has_no_line(run_cli) -> None:
    _, out, _ = run_cli(["check", str(ROOT / "specs" / "two_phase.cap"), "-q"])
    assert "partial-order" not in out


LIBRARY = sorted(p.stem for p in (ROOT / "specs").glob("*.cap"))


@pytest.mark.parametrize("spec", LIBRARY)
def test_no_library_spec_has_steps_it_could_reduce(spec: str) -> None:
    """As docs/performance.md says: in every library spec each node can still receive a
    message or request whose handler shares variables with (or replies, unlike) its other
    steps, so no state has an ample set and the library's verdicts and counts are those of
    the full search. A spec that gains one must be measured and added to bench/symmetry.py.
    (commit_coordinator_crash's nodes could have ample sets, since some of their steps touch
    only their own variables, but no reachable state has one: the counts are the same.)"""
    _, model = compile_spec(str(ROOT / "specs" / f"{spec}.cap"))
    if model.por.applicable:
        reduced = search(model, SearchOptions(max_states=200_000))
        assert reduced.exit_reason != "max_states" and reduced.partial_order is None
        assert reduced.stats.distinct_states == search(model, SearchOptions(por=False)).stats.distinct_states
