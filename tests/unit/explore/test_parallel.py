"""The parallel search (checker/explore/parallel.py) against the single-process one.

A run with several workers must give the same report as one with one: the same exit
reason, counts, depth, states waiting, complete depth, verdicts, counterexample paths and
the number of states explored when each violation was found; only seconds and memory may
differ. `fan_out=0` makes the workers take over from the initial states, so that even
small specs exercise every round of the level-synchronous search; bounds (states, depth),
`stop_at_first` and deadlock checking each stop it mid-level in their own way.
"""

from __future__ import annotations

import multiprocessing
import os
import signal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import support
from checker.diagnostics import Source
from checker.dsl import parse
from checker.errors import SpecError
from checker.explore import SearchOptions, search
from checker.model import Unsupported, compile_model
from checker.model.values import SpecRuntimeError
from checker.semantics import check
from checker.resources import Budget, StopRequest
from checker.result import COMPLETE, INTERRUPTED, WORKER_LOST, CheckResult, Verdict


def summary(result: CheckResult) -> tuple:
    """What must not depend on the number of workers."""
    s = result.stats
    return (result.exit_reason, s.distinct_states, s.generated_states, s.max_depth, s.queue, result.complete_depth,
            tuple((p.name, p.verdict, p.trace.path if p.trace else None, p.found.states if p.found else None)
                  for p in result.properties),
            None if result.failure is None else (result.failure.message, result.failure.trace.path))


def both(text: str, workers: int = 2, fan_out: int = 0, **options) -> tuple[tuple, tuple, CheckResult]:
    """The summaries of one process and of `workers` on the spec `text`, each run on a
    freshly compiled model; and the parallel run's result."""
    options = {"por": False, **options}
    alone = search(support.model_of(text), SearchOptions(**options))
    many = search(support.model_of(text), SearchOptions(workers=workers, fan_out=fan_out, **options))
    return summary(alone), summary(many), many


def _corpus(every: int) -> list:
    texts = support.spec_corpus()
    return [pytest.param(t, id=f"spec{k}") for k, t in enumerate(texts) if k % every == 0]


# Bounds that stop a search in the middle of a level, in every way the replay must match;
# without partial-order reduction, which keeps a run in one process. (Some specs of the
# corpus grow their network without bound: the state bounds keep every run short.)
OPTION_SETS = {
    "states": {"max_states": 2_000},
    "few-states": {"max_states": 37},
    "depth": {"max_depth": 5, "max_states": 3_000},
    "first": {"stop_at_first": True, "max_states": 3_000},
    "deadlock": {"deadlock": True, "max_states": 3_000},
}


@pytest.mark.parametrize("options", list(OPTION_SETS.values()), ids=list(OPTION_SETS))
@pytest.mark.parametrize("text", _corpus(every=10))
def test_two_workers_report_what_one_does_on_the_corpus(text: str, options: dict) -> None:
    one, two, _ = both(text, **options)
    assert two == one


@pytest.mark.slow
@pytest.mark.parametrize("options", list(OPTION_SETS.values()), ids=list(OPTION_SETS))
@pytest.mark.parametrize("text", _corpus(every=1))
def test_two_and_three_workers_report_what_one_does_on_the_whole_corpus(text: str, options: dict) -> None:
    one, two, _ = both(text, **options)
    assert two == one
    _, three, _ = both(text, workers=3, fan_out=50, **options)
    assert three == one


def _compiled(text: str):
    """The model of `text`, or None when it does not check or compile (a mutant)."""
    try:
        return compile_model(check(parse(text), Source("<mutant>", text)))
    except (SpecError, Unsupported, SpecRuntimeError):
        return None


@support.examples(full=300, fast=25)
def test_two_workers_report_what_one_does_on_mutants_of_the_corpus(examples: int) -> None:
    """Token mutants of the corpus (tests/support.py): specs that fail while running, break
    invariants early or deadlock, in ways nobody wrote by hand."""
    @settings(max_examples=examples, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(st.data())
    def run(data) -> None:
        text = support.mutate_tokens(data.draw(st.sampled_from(support.spec_corpus())), data)
        assume(_compiled(text) is not None)   # about one mutant in six compiles
        deadlock = data.draw(st.booleans())
        options = {"max_states": 300, "por": False, "deadlock": deadlock}
        alone = search(_compiled(text), SearchOptions(**options))
        many = search(_compiled(text), SearchOptions(workers=2, fan_out=0, **options))
        assert summary(many) == summary(alone)
    run()


def test_a_whole_library_spec_fans_out_at_the_default_level_size() -> None:
    text = (support.SPECS / "two_phase.cap").read_text()
    alone = search(support.library_model("two_phase", RM=5), SearchOptions())
    many = search(support.library_model("two_phase", RM=5), SearchOptions(workers=2, fan_out=1_000))
    assert summary(many) == summary(alone)
    assert (many.exit_reason, many.stats.distinct_states) == (COMPLETE, 8_832)   # TLC's count at RM=5
    assert many.parallel is None and "invariant" in text


def test_counterexamples_found_in_parallel_are_the_shortest_and_replay() -> None:
    text = (support.SPECS / "two_phase_broken.cap").read_text()
    one, two, many = both(text, por=False)
    assert two == one
    for p in many.properties:
        assert p.verdict is Verdict.VIOLATED
        assert p.trace is not None and len(p.trace.steps) > 1


@pytest.mark.parametrize("name", ["two_phase", "quorum_register"])
def test_coverage_counted_by_the_workers_adds_up_to_one_process_count(name: str) -> None:
    from checker.explore.coverage import counting
    counts = []
    for workers in (1, 2):
        model, counter = counting(support.library_model(name))
        result = search(model, SearchOptions(workers=workers, fan_out=20, por=False))
        assert result.exit_reason == COMPLETE
        counts.append(counter.coverage())
    assert counts[1] == counts[0]
    assert counts[0].states > 20


def test_symmetric_specs_keep_their_orbit_counts() -> None:
    text = (support.SPECS / "two_phase_symmetric.cap").read_text()
    one, two, many = both(text, workers=2, fan_out=10)
    assert two == one
    assert many.symmetry is not None and many.symmetry.used


@pytest.mark.parametrize("name, why", [
    ("kv_tombstones_broken", "the liveness checks"),
])
def test_a_run_that_needs_the_state_graph_stays_in_one_process_and_says_why(name: str, why: str) -> None:
    result = search(support.library_model(name), SearchOptions(workers=2, fan_out=0))
    assert result.parallel is not None and why in result.parallel
    assert summary(result) == summary(search(support.library_model(name), SearchOptions()))


def test_depth_first_search_stays_in_one_process() -> None:
    result = search(support.library_model("two_phase", RM=3), SearchOptions("dfs", workers=2, fan_out=0))
    assert result.parallel == "a depth-first search runs in one process"
    assert result.stats.distinct_states == 288


def test_partial_order_reduction_stays_in_one_process() -> None:
    result = search(support.library_model("commit_coordinator_crash"), SearchOptions(workers=2, fan_out=0))
    assert result.parallel is not None and "--no-por" in result.parallel
    unreduced = search(support.library_model("commit_coordinator_crash"),
                       SearchOptions(workers=2, fan_out=0, por=False))
    assert unreduced.parallel is None
    assert summary(unreduced) == summary(search(support.library_model("commit_coordinator_crash"),
                                                SearchOptions(por=False)))


def test_one_worker_is_the_single_process_search() -> None:
    result = search(support.library_model("two_phase", RM=3), SearchOptions(workers=1, fan_out=0))
    assert result.parallel is None and multiprocessing.active_children() == []


def test_a_worker_count_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one worker"):
        SearchOptions(workers=0)


def test_a_dead_worker_ends_the_run_unknown_never_holds() -> None:
    killed = []

    def kill_one(progress) -> None:
        children = multiprocessing.active_children()
        if children and not killed and progress.distinct > 500:
            os.kill(children[0].pid, signal.SIGKILL)
            killed.append(children[0].pid)

    result = search(support.library_model("two_phase", RM=5), SearchOptions(workers=2, fan_out=0), kill_one)
    assert killed
    assert result.exit_reason == WORKER_LOST
    assert result.parallel is not None and "killed by signal 9" in result.parallel
    assert all(p.verdict is Verdict.UNKNOWN for p in result.properties)
    assert result.verdict is Verdict.UNKNOWN
    assert multiprocessing.active_children() == []


def test_a_stop_request_ends_the_run_at_a_whole_level() -> None:
    stop = StopRequest()

    def interrupt(progress) -> None:
        if progress.distinct > 1_000:
            stop.set()

    budget = Budget.start(stop=stop)
    result = search(support.library_model("two_phase", RM=5), SearchOptions(workers=2, fan_out=0), interrupt,
                    budget=budget)
    assert result.exit_reason == INTERRUPTED
    assert all(p.verdict is Verdict.UNKNOWN for p in result.properties)
    # every state numbered so far is a whole level's: the depth explored completely is the
    # depth of the deepest state numbered
    assert result.complete_depth == result.stats.max_depth
    assert multiprocessing.active_children() == []


def test_a_time_limit_is_kept_while_the_workers_work() -> None:
    clock = support.FakeClock(step=1.0)
    result = search(support.library_model("two_phase", RM=5), SearchOptions(workers=2, fan_out=0, timeout=10),
                    clock=clock)
    assert result.exit_reason == "timeout"
    assert all(p.verdict is Verdict.UNKNOWN for p in result.properties)
    assert multiprocessing.active_children() == []
