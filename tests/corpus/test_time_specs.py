"""The library's timed specs (specs/lease_read*.cap, specs/lww_clocks*.cap): the state
counts and shortest counterexamples their header comments and specs/README.md give."""

from __future__ import annotations

import pytest

from checker.explore import SearchOptions, search
from checker.result import Verdict

from support import library_model

# spec -> (its one invariant's verdict, distinct states of the whole search or None when it
# stops at the violation, the shortest counterexample in steps)
EXPECTED = {
    "lease_read": (Verdict.HOLDS, 3_566, None),
    "lease_read_broken": (Verdict.VIOLATED, None, 5),
    "lww_clocks": (Verdict.HOLDS, 277, None),
    "lww_clocks_broken": (Verdict.VIOLATED, None, 4),
}


@pytest.mark.parametrize("spec", sorted(EXPECTED))
def test_verdict_states_and_shortest_run(spec):
    verdict, states, steps = EXPECTED[spec]
    result = search(library_model(spec), SearchOptions(por=False))
    (prop,) = result.properties
    assert prop.verdict is verdict
    if states is not None:
        assert result.stats.distinct_states == states
    if steps is not None:
        assert prop.trace.length == steps
        shorter = search(library_model(spec), SearchOptions(por=False, max_depth=steps - 1))
        assert shorter.properties[0].verdict is not Verdict.VIOLATED


def test_the_lease_breaks_beyond_its_drift_bound():
    (prop,) = search(library_model("lease_read", DRIFT=2)).properties
    assert prop.verdict is Verdict.VIOLATED and prop.trace.length == 7



@pytest.mark.parametrize("spec", ["lease_read_broken", "lww_clocks_broken"])
def test_shrinking_replays_ticks_by_their_clock_readings(spec):
    # a tick's label names the readings it moves the clocks to: replaying by labels takes
    # the tick the run took, not the first one enabled
    from checker.explore.shrink import shrink_result

    model = library_model(spec)
    found = search(model)
    (shrunk,) = shrink_result(model, found).properties
    assert shrunk.verdict is Verdict.VIOLATED
    assert shrunk.trace.path == found.properties[0].trace.path
