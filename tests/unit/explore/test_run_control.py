"""Run control of `capcheck check`: `--check NAME` decides only the named properties,
`--stop-at-first` ends the search at the first violation, every violation says when it was
found (`found`), and a breadth-first run that stops on a bound says up to which depth every
run was checked (`complete_depth`)."""

from __future__ import annotations

import itertools
import json

import pytest

from checker.explore import SearchOptions, search
from checker.pipeline import compile_spec, select_properties
from checker.errors import UsageError
from checker.result import ALL_DECIDED, FIRST_VIOLATION, MAX_DEPTH, MAX_STATES, TIMEOUT, Verdict

from support import REPO_ROOT

ROOT = REPO_ROOT
TWO_PHASE = str(ROOT / "specs" / "two_phase.cap")
TWO_PHASE_BROKEN = str(ROOT / "specs" / "two_phase_broken.cap")
ASYNC = str(ROOT / "specs" / "async_primary_backup.cap")


def _model(path: str, constants: dict | None = None, checks=None):
    return compile_spec(path, constants or {}, checks=checks)[1]


def _distinct_up_to(path: str, depth: int, constants: dict | None = None) -> int:
    """The states within `depth` steps of the initial state (a depth-bounded search)."""
    return search(_model(path, constants), SearchOptions(max_depth=depth)).stats.distinct_states


# ---------------------------------------------------------------- --check


def test_check_decides_only_the_named_properties(run_cli) -> None:
    code, out, _ = run_cli(["check", ASYNC, "-q", "--check", "linearizable"])
    assert code == 1
    assert out.splitlines()[1:] == [
        "check linearizable: violated after 6 steps",
        "not checked (--check): invariant one_primary, check durable, check available, check converges",
        out.splitlines()[-1]]
    # without the liveness checks the search no longer keeps the graph, and stops at the violation
    assert "every property it decides was violated" in out.splitlines()[-1]


def test_check_keeps_the_spec_order_and_drops_unnamed_watchers() -> None:
    program, model = compile_spec(ASYNC, {}, checks=["durable", "one_primary", "durable"])
    assert [p.name for p in model.program.properties] == ["one_primary", "durable"]
    assert len(program.properties) == 5
    full = _model(ASYNC)
    assert len(model.init_states()[0]) < len(full.init_states()[0])   # the monitor's slot is gone


def test_a_counterexample_found_under_check_replays_in_the_whole_spec(run_cli) -> None:
    _, out, _ = run_cli(["check", ASYNC, "--check", "durable", "--json", "-"])
    (p,) = json.loads(out)["properties"]
    full = _model(ASYNC)
    state = full.init_states()[0]
    path = [int(a) for a in p["path"].split(".")]
    for a in path[1:]:
        state = full.successors(state)[a]
    durable = next(i for i in full.invariants if i.prop.name == "durable")
    assert not durable.holds(state)


def test_an_unknown_name_is_a_usage_error_with_did_you_mean(run_cli) -> None:
    code, out, err = run_cli(["check", ASYNC, "--check", "linearisable"])
    assert code == 2 and out == ""
    assert err == ("capcheck: error: --check linearisable: the spec declares no such property (did you mean "
                   "'linearizable'?); its properties are 'available', 'converges', 'deadlock_free', 'durable', "
                   "'linearizable' and 'one_primary'\n")
    program = compile_spec(ASYNC)[0]
    with pytest.raises(UsageError):
        select_properties(program, ["nothing"])


def test_check_deadlock_free_turns_deadlock_checking_on(run_cli) -> None:
    code, out, _ = run_cli(["check", TWO_PHASE, "-q", "--check", "deadlock_free", "--check", "consistent"])
    assert code == 0
    assert "check deadlock_free: holds" in out and "invariant consistent: holds" in out
    assert "not checked (--check): invariant rm_follows_tm" in out
    code, _, err = run_cli(["check", TWO_PHASE, "--check", "deadlock_free", "--no-deadlock"])
    assert code == 2 and "contradict" in err


# ---------------------------------------------------------------- --stop-at-first


def test_stop_at_first_leaves_the_other_properties_unknown(run_cli) -> None:
    model = _model(TWO_PHASE_BROKEN)
    result = search(model, SearchOptions(stop_at_first=True))
    verdicts = {p.name: p.verdict for p in result.properties}
    assert result.exit_reason == FIRST_VIOLATION
    assert verdicts == {"consistent": Verdict.UNKNOWN, "rm_follows_tm": Verdict.VIOLATED}
    everything = search(model)
    assert everything.exit_reason == ALL_DECIDED
    assert result.stats.distinct_states < everything.stats.distinct_states
    code, out, _ = run_cli(["check", TWO_PHASE_BROKEN, "-q", "--stop-at-first"])
    assert code == 1 and out.splitlines()[-1] == (
        "result: violated (stopped at the first violation, after "
        f"{result.stats.distinct_states} states; no other violation in any run of up to 3 steps)")


def test_the_search_stops_once_every_checked_property_is_violated() -> None:
    # with the liveness checks left out, nothing needs the whole graph any more
    whole = search(_model(ASYNC))
    checked = search(_model(ASYNC, checks=["linearizable", "durable"]))
    assert whole.exit_reason == "complete"
    assert checked.exit_reason == ALL_DECIDED
    assert checked.stats.distinct_states < whole.stats.distinct_states


# ---------------------------------------------------------------- found


def test_a_violation_is_found_exactly_when_its_state_is_numbered() -> None:
    model = _model(TWO_PHASE_BROKEN)
    result = search(model)
    for p in result.properties:
        n = p.found.states
        assert 0 < n <= result.stats.distinct_states and p.found.seconds >= 0
        at = search(model, SearchOptions(max_states=n))
        assert next(q for q in at.properties if q.name == p.name).verdict is Verdict.VIOLATED
        before = search(model, SearchOptions(max_states=n - 1))
        assert next(q for q in before.properties if q.name == p.name).verdict is Verdict.UNKNOWN


def test_found_is_in_the_text_and_json_reports(run_cli) -> None:
    code, out, _ = run_cli(["check", TWO_PHASE_BROKEN])
    assert "invariant consistent: violated after 5 steps\n  found after 45 distinct states\n" in out
    _, out, _ = run_cli(["check", TWO_PHASE_BROKEN, "--json", "-"])
    assert [p["found"] for p in json.loads(out)["properties"]] == [{"states": 45}, {"states": 31}]
    _, out, _ = run_cli(["check", TWO_PHASE_BROKEN, "--json", "-", "--times"])
    assert all(set(p["found"]) == {"states", "seconds"} for p in json.loads(out)["properties"])
    _, out, _ = run_cli(["check", TWO_PHASE_BROKEN, "--times"])
    assert "  found after 45 distinct states in " in out


# ---------------------------------------------------------------- complete_depth


@pytest.mark.parametrize("bound", [50, 288 // 2, 200, 287])
def test_a_state_bound_gives_the_depth_checked_completely(bound: int) -> None:
    result = search(_model(TWO_PHASE), SearchOptions(max_states=bound))
    assert result.exit_reason == MAX_STATES
    k = result.complete_depth
    assert _distinct_up_to(TWO_PHASE, k) <= bound < _distinct_up_to(TWO_PHASE, k + 1)


def test_with_deadlock_checking_the_depth_is_one_less() -> None:
    plain = search(_model(TWO_PHASE), SearchOptions(max_states=100))
    deadlock = search(_model(TWO_PHASE), SearchOptions(max_states=100, deadlock=True))
    assert deadlock.complete_depth == plain.complete_depth - 1


def test_a_depth_bound_is_the_depth_checked_completely(run_cli) -> None:
    result = search(_model(TWO_PHASE, {"RM": 5}), SearchOptions(max_depth=6))
    assert result.exit_reason == MAX_DEPTH and result.complete_depth == 6
    _, out, _ = run_cli(["check", TWO_PHASE, "--max-depth", "4", "--json", "-"])
    assert json.loads(out)["complete_depth"] == 4


def test_a_timeout_gives_the_depth_of_the_next_state_to_expand() -> None:
    ticks = itertools.count()
    result = search(_model(TWO_PHASE, {"RM": 5}), SearchOptions(timeout=3.0), clock=lambda: float(next(ticks)))
    assert result.exit_reason == TIMEOUT
    k = result.complete_depth
    assert k is not None and _distinct_up_to(TWO_PHASE, k, {"RM": 5}) <= result.stats.distinct_states


def test_depth_first_and_complete_runs_give_no_depth() -> None:
    assert search(_model(TWO_PHASE), SearchOptions(policy="dfs", max_states=100)).complete_depth is None
    assert search(_model(TWO_PHASE)).complete_depth is None


def test_the_text_report_says_the_depth_checked(run_cli) -> None:
    code, out, _ = run_cli(["check", TWO_PHASE, "-D", "RM=7", "--max-states", "20000"])
    assert code == 3 and out.splitlines()[-1] == (
        "result: unknown (stopped at the bound of 20,000 states, at depth 7, with 10,455 states waiting; "
        "no violation in any run of up to 6 steps)")
