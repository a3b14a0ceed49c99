"""specs/raft_log.cap and specs/raft_log_broken.cap: Raft with log replication, and the
Figure 8 bug (committing an entry of an older term by counting replicas).

The two specs differ in the commit rule alone, so they have the same steps: the README's
Figure 8 run (tests/test_specs.py `DEEP`) is a run of both. In the broken one it breaks
leader completeness at its last step; in the correct one the leader of term 3 does not
commit the term-1 entry, and no property breaks. Small configurations are decided
exhaustively; simulation finds the bug and repeats the walk from its seed.
"""

from __future__ import annotations


import pytest

from checker.explore import SearchOptions, replay, search
from checker.explore.search import first_broken
from checker.explore.simulate import SimulationOptions, simulate
from checker.pipeline import compile_spec
from checker.result import Verdict

from support import REPO_ROOT

ROOT = REPO_ROOT
RAFT = str(ROOT / "specs" / "raft_log.cap")
BROKEN = str(ROOT / "specs" / "raft_log_broken.cap")
FIGURE_8 = [int(a) for a in "0.0.2.1.8.0.0.4.2.11.2.0.0.3.1.3.0.0.0.2.1.2.2".split(".")]
BROKEN_AT = {"leader_completeness": 20, "state_machine_safety": 22}
COMMIT_STEP = 16      # the leader of term 3 (server[0]) takes server[2]'s append_reply
# the walk of seed 0 that first breaks both properties with --swarm (bench/simulate.py)
SWARM_WALK = 34_762


def _broken_after(model, path: list[int]) -> dict[str, int]:
    """Each invariant the run breaks, with the first step at which it is broken."""
    found = {inv.prop.name: first_broken(model, path, lambda s, inv=inv: not inv.holds(s))
             for inv in model.invariants}
    return {name: n for name, n in found.items() if n is not None}


def test_figure_8_breaks_the_broken_commit_rule() -> None:
    _, model = compile_spec(BROKEN)
    assert _broken_after(model, FIGURE_8) == BROKEN_AT
    step = replay(model, FIGURE_8[:COMMIT_STEP + 1]).steps[-1]
    assert step.action["action"] == "server[0]: on append_reply(3, 1) from server[2]"
    assert "server[0].commitIndex: 0 -> 1" in step.changes


def test_the_same_run_is_safe_under_the_paper_s_rule() -> None:
    _, model = compile_spec(RAFT, {"MAX_TERM": 4, "MAX_LOG": 1})
    assert _broken_after(model, FIGURE_8) == {}
    step = replay(model, FIGURE_8[:COMMIT_STEP + 1]).steps[-1]
    assert step.action["action"] == "server[0]: on append_reply(3, 1) from server[2]"
    assert not any("commitIndex" in c for c in step.changes)


@pytest.mark.parametrize("constants, states", [
    ({"N": 2, "MAX_TERM": 3, "CLIENTS": 1}, 9_424),           # 18,833 without symmetry
    pytest.param({"N": 2, "MAX_TERM": 2, "CLIENTS": 2}, 17_639, marks=pytest.mark.slow),   # 59,541
    pytest.param({"MAX_TERM": 1, "CLIENTS": 1}, 13_792, marks=pytest.mark.slow),   # 82,586
])
def test_small_configurations_are_decided_exhaustively(constants: dict, states: int) -> None:
    _, model = compile_spec(RAFT, constants)
    result = search(model)
    assert result.exit_reason == "complete" and result.stats.distinct_states == states
    assert all(p.verdict is Verdict.HOLDS for p in result.properties)


def test_a_bounded_search_of_the_defaults_finds_nothing_wrong() -> None:
    _, model = compile_spec(RAFT)
    result = search(model, SearchOptions(max_states=30_000))
    assert result.verdict is Verdict.UNKNOWN and result.complete_depth == 7   # 5 without symmetry
    assert all(p.verdict is Verdict.UNKNOWN for p in result.properties)


def test_simulation_of_the_defaults_finds_nothing_wrong() -> None:
    _, model = compile_spec(RAFT)
    result = simulate(model, SimulationOptions(walks=300, swarm=True, workers=2))
    assert result.exit_reason == "walks"
    assert all(p.verdict is Verdict.UNKNOWN for p in result.properties)


@pytest.mark.slow
def test_the_swarm_walk_that_finds_figure_8_repeats_from_its_seed() -> None:
    # walk k of seed 0 is walk 0 of seed k: the bench's walk, alone
    _, model = compile_spec(BROKEN, checks=list(BROKEN_AT))
    result = simulate(model, SimulationOptions(walks=1, seed=SWARM_WALK, swarm=True))
    assert {p.name: p.trace.length for p in result.properties} == BROKEN_AT   # shrunk to the README's runs
    assert all(p.found.walk == 0 and p.found.seed == SWARM_WALK for p in result.properties)
    _, whole = compile_spec(BROKEN)
    for p in result.properties:
        assert _broken_after(whole, list(p.trace.path))[p.name] == p.trace.length
