"""Time in the explicit engine: the tick's choices, state counts of clocks alone against
a brute-force oracle and hand-derived counts, `paused`, timers, symmetry, and untimed specs
keeping their layout."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.explore import SearchOptions, search
from checker.model import values
from checker.result import Verdict

from support import actions, examples, model_of, named


def _clocks_only(nodes: int, horizon: int, drift: int, offset: int | None, symmetric: bool = False) -> str:
    bound = f", offset <= {offset}" if offset is not None else ""
    return (f"protocol clocks_only:\n    clocks horizon <= {horizon}, drift <= {drift}{bound}\n"
            f"    node n[{nodes}]{' symmetric' if symmetric else ''}:\n        var x: 0..1 = 0\n")


def _states(text: str, **options) -> int:
    return search(model_of(text), SearchOptions(**{"por": False, **options})).stats.distinct_states


def _oracle(nodes: int, horizon: int, drift: int, offset: int | None) -> int:
    """The (now, clocks) pairs reachable, by the definition: a tick moves each clock by 0
    to 2, to a reading within `drift` of real time and `offset` of the other clocks; the
    candidates are every vector of readings in 0..2 * now."""
    level = {(0,) * nodes}
    total = 1
    for now in range(1, horizon + 1):
        nxt = set()
        for cs in itertools.product(range(2 * now + 1), repeat=nodes):
            if any(abs(c - now) > drift for c in cs) or (offset is not None and max(cs) - min(cs) > offset):
                continue
            if any(all(0 <= c - b <= 2 for c, b in zip(cs, before)) for before in level):
                nxt.add(cs)
        level = nxt
        total += len(level)
    return total


def test_tick_choices_keep_every_bound_and_always_include_the_plain_tick():
    got = values.tick_choices(2, (1, 3), 1, 1)
    assert got == ((2, 3), (3, 3))    # (1, 3) is 2 apart; the second clock cannot pass 3
    assert values.tick_choices(1, (0, 0), 0, None) == ((1, 1),)
    assert values.tick_choices(3, (2, 4), 1, None) == ((2, 4), (3, 4), (4, 4))
    assert values.tick_choices(1, (), 1, None) == ((),)


@pytest.mark.parametrize("nodes, offset, expected", [
    (1, None, 10),    # real time 0..3; the clock in {t - 1, t, t + 1} once t >= 1: 1 + 3 * 3
    (2, None, 28),    # two clocks, each any of the three: 1 + 3 * 9
    (2, 1, 22),       # but never 2 apart: 1 + 3 * 7
    (2, 0, 10),       # always equal: as one clock
])
def test_state_counts_of_clocks_alone(nodes, offset, expected):
    assert _states(_clocks_only(nodes, 3, 1, offset)) == expected == _oracle(nodes, 3, 1, offset)


@examples(full=60, fast=12)
def test_state_counts_agree_with_the_definition(examples):
    @settings(max_examples=examples, deadline=None)
    @given(st.integers(1, 3), st.integers(1, 3), st.integers(0, 2), st.none() | st.integers(0, 2))
    def check(nodes, horizon, drift, offset):
        assert _states(_clocks_only(nodes, horizon, drift, offset)) == _oracle(nodes, horizon, drift, offset)

    check()


def test_symmetric_nodes_share_orbits_of_clock_readings():
    # at each t >= 1, the unordered pairs of {t - 1, t, t + 1}: 6, so 1 + 3 * 6
    assert _states(_clocks_only(2, 3, 1, None, symmetric=True)) == 19
    assert _states(_clocks_only(2, 3, 1, None, symmetric=True), symmetry=False) == 28


def test_an_untimed_spec_has_no_time_slots():
    model = model_of(_clocks_only(2, 3, 1, None).replace("    clocks horizon <= 3, drift <= 1\n", ""))
    assert model.program.clocks is None
    assert not [s for s in model.layout.slots if s.kind in ("now", "clock")]
    assert _states(_clocks_only(2, 3, 1, None).replace("    clocks horizon <= 3, drift <= 1\n", "")) == 1


TIMER = """\
protocol timer:
    clocks horizon <= 3, drift <= 0
    node a:
        var deadline: time = 0
        var started: bool = false
        var fired: bool = false
        action start when not started:
            deadline = after(DURATION)
            started = true
        timeout fire when started and expired(deadline) and not fired:
            fired = true
    invariant not_early: not a.fired or clock(a) >= DURATION
    invariant never_fires: not a.fired
"""


def test_a_timer_fires_once_its_duration_has_passed_on_the_clock():
    result = search(model_of("protocol timer:\n    const DURATION = 2\n" + TIMER.split("\n", 1)[1]))
    assert named(result, "not_early").verdict is Verdict.HOLDS
    fired = named(result, "never_fires")
    assert fired.verdict is Verdict.VIOLATED
    assert actions(fired.trace) == ["a: action start", "time: tick 1", "time: tick 2", "a: timeout fire"]


def test_a_timer_past_the_horizon_is_never_and_never_expires():
    model = model_of("protocol timer:\n    const DURATION = 100\n" + TIMER.split("\n", 1)[1])
    result = search(model)
    assert named(result, "never_fires").verdict is Verdict.HOLDS
    var = model.program.role("a").var("deadline")
    assert (var.type.lo, var.type.hi) == (0, 7)       # never = 2 * horizon + 1
    assert model.init_states()[0][model.layout.var(0, "deadline")] == 0
    after = [s for s in (model.successors(model.init_states()[0]))
             if s[model.layout.var(0, "started")]]
    assert after[0][model.layout.var(0, "deadline")] == 7


PAUSE = """\
protocol watchdog:
    clocks horizon <= 2, drift <= 0
    faults pause <= 1 on worker
    node worker:
        var beats: 0..1 = 0
        action beat when beats == 0:
            beats = 1
    node dog:
        var alarm: bool = false
        timeout bark when paused(worker) and now() >= 1:
            alarm = true
    invariant quiet: not dog.alarm
    invariant pauses_are_seen: not paused(worker)
"""


def test_paused_is_seen_and_a_pause_lets_a_timer_elsewhere_expire():
    result = search(model_of(PAUSE))
    assert actions(named(result, "pauses_are_seen").trace) == ["worker: pause"]
    barked = named(result, "quiet")
    assert actions(barked.trace) == ["worker: pause", "time: tick 1", "dog: timeout bark"]
    without = search(model_of(PAUSE.replace("    faults pause <= 1 on worker\n", "")))
    assert named(without, "quiet").verdict is named(without, "pauses_are_seen").verdict is Verdict.HOLDS


def test_the_horizon_is_a_legitimate_end_not_a_deadlock():
    text = _clocks_only(1, 2, 0, None) + "        action flip when x == 0:\n            x = 1\n"
    result = search(model_of(text), SearchOptions(deadlock=True))
    assert all(p.verdict is Verdict.HOLDS for p in result.properties)
    assert result.stats.distinct_states == 6     # x in {0, 1} at each of the 3 instants


def test_the_view_and_rows_show_real_time_and_every_clock():
    model = model_of(_clocks_only(2, 2, 1, None))
    state = model.successors(model.init_states()[0])[-1]
    assert model.view(state)["now"] == 1 and model.view(state)["clocks"] == {"n[0]": 2, "n[1]": 2}
    rows = dict(model.flat(state))
    assert rows["now"] == "1" and rows["clock(n[0])"] == "2"
    assert model.describe(model.labeled(model.init_states()[0])[0][0])["action"] == "time: tick 1"
