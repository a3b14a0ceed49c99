"""Trace shrinking (checker/explore/shrink.py): the result replays, never grows, and still
breaks the same property; exact lengths for a few depth-first counterexamples; a shrunk
lasso keeps its property and its kind of ending, and the liveness check run again from the
end of its stem gives it back."""

from __future__ import annotations

import dataclasses
import functools
import random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from checker.explore import SearchOptions, replay, search
from checker.explore.liveness import continues
from checker.explore.search import final_state
from checker.explore.shrink import broken_test, lasso_after, shrink_lasso, shrink_path, shrink_result
from checker.model.clients import is_error_reply
from checker.result import PropertyResult, Verdict

from support import SPECS, SPINNER, compile_text, library_model


@functools.cache
def _dfs(name: str, defines: tuple = ()):
    return search(library_model(name, **dict(defines)), SearchOptions("dfs"))


@functools.cache
def _bfs(name: str):
    return search(library_model(name), SearchOptions("bfs"))


def _lengths(name: str, defines: tuple = ()) -> dict[str, tuple[int, int]]:
    """Each shrunk safety counterexample of the depth-first search, (old length, new
    length), each checked to be sound."""
    model = library_model(name, **dict(defines))
    shrunk = shrink_result(model, _dfs(name, defines))
    out = {}
    for p in shrunk.properties:
        if p.verdict is Verdict.VIOLATED and p.shrunk_from is not None and p.lasso is None:
            broken = broken_test(model, p)
            _check_run(model, p.trace.path, broken)
            out[p.name] = (p.shrunk_from, p.trace.length)
    return out


def _check_run(model, path, broken) -> None:
    """`path` is a real run whose last state, and no earlier one, breaks the property."""
    assert replay(model, path).length == len(path) - 1  # raises if a step is not enabled
    assert broken(final_state(model, list(path)))
    assert not any(broken(final_state(model, list(path[:k]))) for k in range(1, len(path)))


def test_two_phase_broken_dfs_traces_shrink_to_the_shortest():
    assert _lengths("two_phase_broken") == {"consistent": (6, 5), "rm_follows_tm": (5, 4)}


def test_best_effort_broadcast_linearizability_trace_shrinks_from_7_to_4():
    assert _lengths("best_effort_broadcast") == {"linearizable": (7, 4)}


def test_moves_and_replacements_shrink_a_two_replica_chain():
    # Deletions alone stop at 7 and 12 steps; the moves and replacements take
    # monotonic_reads down to 8 (the shortest runs have 6 and 7 steps).
    assert _lengths("chain_replication_any_reads", (("N", 2),)) == {
        "linearizable": (13, 7), "monotonic_reads": (14, 8)}


@pytest.mark.slow
def test_chain_replication_any_reads_dfs_traces_shrink_to_the_shortest():
    # Deletions alone stop at 8 and 14 steps; these are the breadth-first lengths.
    assert _lengths("chain_replication_any_reads") == {"linearizable": (15, 6), "monotonic_reads": (16, 8)}


def test_a_path_that_does_not_break_the_property_is_refused():
    model = library_model("two_phase_broken")
    prop = next(p for p in _dfs("two_phase_broken").properties if p.name == "consistent")
    with pytest.raises(ValueError):
        shrink_path(model, (0,), broken_test(model, prop))


def _check_shrunk(model, path, broken, shortest: int) -> None:
    shrunk = shrink_path(model, path, broken)
    assert len(shrunk) <= len(path)
    assert len(shrunk) - 1 >= shortest
    _check_run(model, shrunk, broken)


@pytest.mark.parametrize("spec", ["two_phase_broken", "best_effort_broadcast", "gossip_anti_entropy"])
def test_every_dfs_counterexample_shrinks_soundly(spec):
    model, bfs = library_model(spec), _bfs(spec)
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
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(seed=st.integers(0, 1 << 32), which=st.integers(0, 7))
def test_random_violating_walks_shrink_soundly(spec, seed, which):
    model = library_model(spec)
    props = [p for p in _bfs(spec).properties if p.trace is not None and broken_test(model, p) is not None]
    prop = props[which % len(props)]
    broken = broken_test(model, prop)
    path = _random_violating_path(model, broken, random.Random(seed))
    assume(path is not None)
    _check_shrunk(model, path, broken, prop.trace.length)


def test_check_shrink_reports_the_old_length(run_cli, tmp_path):
    spec = str(SPECS / "two_phase_broken.cap")
    code, out, _ = run_cli(["check", spec, "--dfs", "--shrink", "--json", str(tmp_path / "r.json")])
    assert code == 1
    assert "invariant consistent: violated after 5 steps (shrunk from 6)" in out
    assert '"shrunk_from": 6' in (tmp_path / "r.json").read_text()


# ------------------------------------------------------------------ lassos


def _ir(model, name: str):
    return next(p for p in model.program.properties if p.name == name)


def _lasso(model, name: str, stem) -> PropertyResult | None:
    """The violation of liveness property `name` whose stem is the run `stem`, with the
    shortest bad continuation from its end (None if there is none)."""
    found = lasso_after(model, _ir(model, name), stem)
    if found is None:
        return None
    prop = _ir(model, name)
    return PropertyResult(name, prop.kind, Verdict.VIOLATED, replay(model, found[0]), lasso=found[1])


def _check_lasso(model, before: PropertyResult, after: PropertyResult) -> None:
    """`after`, what shrinking made of `before`, is a real lasso of the same property with
    the same kind of ending, no longer, and the liveness check from its stem's end finds
    exactly it again."""
    assert (after.name, after.kind, after.verdict) == (before.name, before.kind, Verdict.VIOLATED)
    assert after.lasso.ending == before.lasso.ending
    assert after.trace.length <= before.trace.length
    assert after.shrunk_from == (before.trace.length if after.trace.length < before.trace.length else None)
    path, lasso = after.trace.path, after.lasso
    assert replay(model, path) == after.trace
    core = (lambda label: label[0]) if model.program.clients is not None else (lambda label: label)
    state = final_state(model, list(path[:lasso.start + 1]))
    for a in path[lasso.start + 1:]:
        label, state = model.labeled(state)[a]
        assert continues(after.kind, core(label)), "a fault or a client's step after the stem"
    if lasso.ending == "loop":
        assert state == final_state(model, list(path[:lasso.loop + 1]))
    elif lasso.ending == "dead end":
        assert not any(continues(after.kind, core(label)) for label, _ in model.labeled(state))
    else:  # an error reply among the last step's replies
        assert any(is_error_reply(result) for _, _, result in label[1])
    assert lasso_after(model, _ir(model, after.name), path[:lasso.start + 1]) == (path, lasso)


def _label_path(model, actions: list[str]) -> tuple[int, ...]:
    """The path that takes the steps described as `actions` (Model.describe's text)."""
    state, path = model.init_states()[0], [0]
    for want in actions:
        texts = [model.describe(label)["action"] for label, _ in model.labeled(state)]
        path.append(texts.index(want))
        state = model.labeled(state)[path[-1]][1]
    return tuple(path)


def test_a_loop_after_a_long_stem_shrinks_and_stays_a_loop(tmp_path):
    model = compile_text(tmp_path, SPINNER)
    stem = _label_path(model, ["network: partition {server} | {peer}", "client[0]: invoke #1 read() at server",
                               "server: request #1 read() from client[0]"] + ["server: action spin"] * 4)
    before = _lasso(model, "available", stem)
    assert (before.trace.length, before.lasso.start, before.lasso.ending) == (9, 7, "loop")
    after = shrink_lasso(model, before)
    assert (after.trace.length, after.lasso.start, after.lasso.loop) == (5, 3, 3)
    _check_lasso(model, before, after)


def test_an_error_reply_after_a_long_stem_shrinks_and_stays_an_error_reply(tmp_path):
    # Two operations; the stem runs the first to its error reply and invokes the second.
    model = compile_text(tmp_path, SPINNER.replace("clients 1, ops 1", "clients 1, ops 2").replace(
        """            request read() as h:
                waiting = h
""", """            request read() as h:
                if reachable(self, peer):
                    waiting = h
                else:
                    reply error "cannot reach the peer"
"""))
    stem = _label_path(model, ["network: partition {server} | {peer}", "client[0]: invoke #1 read() at server",
                               "server: request #1 read() from client[0]", "client[0]: invoke #2 read() at server"])
    before = _lasso(model, "available", stem)
    assert (before.trace.length, before.lasso.start, before.lasso.ending) == (5, 4, "error reply")
    after = shrink_lasso(model, before)
    assert (after.trace.length, after.lasso.start) == (3, 2)
    _check_lasso(model, before, after)


def _walk(model, choose, steps: int = 40) -> tuple[int, ...]:
    """A walk from the initial state, taking `choose(n, k)` among the k steps enabled at
    step n, for `steps` steps or to a dead end."""
    state, path = model.init_states()[0], [0]
    for n in range(steps):
        succ = model.successors(state)
        if not succ:
            break
        path.append(choose(n, len(succ)))
        state = succ[path[-1]]
    return tuple(path)


def _walk_to_lasso(model, name: str, choose, least: int = 3, steps: int = 40) -> PropertyResult | None:
    """The lasso whose stem is the shortest prefix, at least `least` steps, of a walk
    (`_walk`) from whose end the liveness check finds a violation of `name`."""
    walk = _walk(model, choose, steps)
    for k in range(least + 1, len(walk) + 1):
        found = _lasso(model, name, walk[:k])
        if found is not None:
            return found
    return None


@pytest.mark.parametrize("spec, name, before, after", [
    ("best_effort_broadcast", "converges", (7, 7), (3, 3)),
    ("active_passive_fencing", "available", (11, 6), (4, 3)),
])
def test_a_walk_to_a_library_lasso_shrinks_to_the_shortest(spec, name, before, after):
    model = library_model(spec)
    walked = _walk_to_lasso(model, name, lambda n, k: (2 * n + 1) % k, least=6)
    assert (walked.trace.length, walked.lasso.start) == before
    shrunk = shrink_lasso(model, walked)
    assert (shrunk.trace.length, shrunk.lasso.start) == after
    _check_lasso(model, walked, shrunk)


def test_shrink_result_shrinks_lassos_and_a_spent_budget_keeps_them(tmp_path):
    model = compile_text(tmp_path, SPINNER)
    result = search(model, SearchOptions("dfs"))
    stem = _label_path(model, ["network: partition {server} | {peer}", "client[0]: invoke #1 read() at server",
                               "server: request #1 read() from client[0]", "server: action spin"])
    padded = dataclasses.replace(result, properties=(_lasso(model, "available", stem),))
    assert shrink_result(model, padded, lasso_budget=0) == padded
    (shrunk,) = shrink_result(model, padded).properties
    assert (shrunk.shrunk_from, shrunk.trace.length) == (6, 5)


@pytest.mark.parametrize("spec, name", [("best_effort_broadcast", "converges"),
                                        ("active_passive_fencing", "available")])
@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(seed=st.integers(0, 1 << 32))
def test_random_walks_to_lassos_shrink_soundly(spec, name, seed):
    model = library_model(spec)
    rng = random.Random(seed)
    walked = _walk_to_lasso(model, name, lambda n, k: rng.randrange(k))
    assume(walked is not None)
    _check_lasso(model, walked, shrink_lasso(model, walked))
