"""Trace shrinking (checker/explore/shrink.py): the result replays, never grows, and still
breaks the same property; exact lengths for a few depth-first counterexamples."""

from __future__ import annotations

import functools
import random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from checker.cli import compile_spec
from checker.explore import SearchOptions, replay, search
from checker.explore.search import final_state
from checker.explore.shrink import broken_test, shrink_path, shrink_result
from checker.result import Verdict

from conftest import REPO_ROOT


@functools.cache
def _model(name: str):
    return compile_spec(str(REPO_ROOT / "specs" / f"{name}.cap"), {}, "check")[1]


@functools.cache
def _dfs(name: str):
    return search(_model(name), SearchOptions("dfs"))


@functools.cache
def _bfs(name: str):
    return search(_model(name), SearchOptions("bfs"))


def _lengths(name: str) -> dict[str, tuple[int, int]]:
    shrunk = shrink_result(_model(name), _dfs(name))
    return {p.name: (p.shrunk_from, p.trace.length) for p in shrunk.properties
            if p.verdict is Verdict.VIOLATED and p.shrunk_from is not None}


def test_two_phase_broken_dfs_traces_shrink_to_the_shortest():
    assert _lengths("two_phase_broken") == {"consistent": (6, 5), "rm_follows_tm": (5, 4)}


def test_best_effort_broadcast_linearizability_trace_shrinks_from_7_to_4():
    assert _lengths("best_effort_broadcast") == {"linearizable": (7, 4)}


def test_liveness_traces_are_left_as_they_are():
    result = shrink_result(_model("best_effort_broadcast"), _dfs("best_effort_broadcast"))
    converges = next(p for p in result.properties if p.kind == "converges")
    assert converges.verdict is Verdict.VIOLATED and converges.shrunk_from is None
    assert broken_test(_model("best_effort_broadcast"), converges) is None


def test_a_path_that_does_not_break_the_property_is_refused():
    model = _model("two_phase_broken")
    prop = next(p for p in _dfs("two_phase_broken").properties if p.name == "consistent")
    with pytest.raises(ValueError):
        shrink_path(model, (0,), broken_test(model, prop))


def _check_shrunk(model, path, broken, shortest: int) -> None:
    shrunk = shrink_path(model, path, broken)
    assert len(shrunk) <= len(path)
    trace = replay(model, shrunk)  # a real run of the spec: raises if a step is not enabled
    assert trace.length == len(shrunk) - 1 >= shortest
    assert broken(final_state(model, list(shrunk)))
    assert not any(broken(final_state(model, list(shrunk[:k]))) for k in range(1, len(shrunk)))


@pytest.mark.parametrize("spec", ["two_phase_broken", "best_effort_broadcast", "gossip_anti_entropy"])
def test_every_dfs_counterexample_shrinks_soundly(spec):
    model, bfs = _model(spec), _bfs(spec)
    shortest = {p.name: p.trace.length for p in bfs.properties if p.trace is not None}
    for p in _dfs(spec).properties:
        broken = broken_test(model, p) if p.trace is not None else None
        if broken is not None:
            _check_shrunk(model, p.trace.path, broken, shortest[p.name])


def _random_violating_path(model, broken, rng, walks: int = 400, steps: int = 30) -> list[int] | None:
    """The first of up to `walks` random walks of at most `steps` steps (each step drawn
    from `rng` among the enabled ones) that reaches a state breaking the property, cut at
    that state; None when none does. Violations can be rare (about one walk in a hundred
    for best_effort_broadcast's linearizability), so one walk per example would leave
    Hypothesis without examples."""
    for _ in range(walks):
        state, path = model.init_states()[0], [0]
        for _ in range(steps):
            succ = model.successors(state)
            if not succ:
                break
            path.append(rng.randrange(len(succ)))
            state = succ[path[-1]]
            if broken(state):
                return path
    return None


@pytest.mark.parametrize("spec", ["two_phase_broken", "best_effort_broadcast"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much,
                                                                  HealthCheck.too_slow])
@given(seed=st.integers(0, 1 << 32), which=st.integers(0, 7))
def test_random_violating_walks_shrink_soundly(spec, seed, which):
    model = _model(spec)
    props = [p for p in _bfs(spec).properties if p.trace is not None and broken_test(model, p) is not None]
    prop = props[which % len(props)]
    broken = broken_test(model, prop)
    path = _random_violating_path(model, broken, random.Random(seed))
    assume(path is not None)
    _check_shrunk(model, path, broken, prop.trace.length)


def test_check_shrink_reports_the_old_length(run_cli, tmp_path):
    spec = str(REPO_ROOT / "specs" / "two_phase_broken.cap")
    code, out, _ = run_cli(["check", spec, "--dfs", "--shrink", "--json", str(tmp_path / "r.json")])
    assert code == 1
    assert "invariant consistent: violated after 5 steps (shrunk from 6)" in out
    assert '"shrunk_from": 6' in (tmp_path / "r.json").read_text()
