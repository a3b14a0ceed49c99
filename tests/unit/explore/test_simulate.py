"""Simulation (`capcheck check --simulate`, checker/explore/simulate.py): seeded random
walks with the search's own successor function and online checks.

What is pinned here: a walk's violations are real, replayable and cut at their first bad
state; the result depends on the seed, the walk count and the options but not on the number
of worker processes or the hash seed; walk k of seed S is walk 0 of seed S + k; without a
violation the verdict is unknown, never holds; liveness is not decided; run-time failures
and deadlocks are found; the command line's options and their usage errors.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from checker.explore import replay
from checker.explore.search import first_broken
from checker.explore.shrink import broken_test, label_core
from checker.explore.simulate import LIVENESS_REASON, SWARM_SPREAD, SimulationOptions, _Swarm, simulate
from checker.pipeline import compile_spec
from checker.result import ALL_DECIDED, FIRST_VIOLATION, RUNTIME_ERROR, WALKS, CheckResult, Verdict

from support import REPO_ROOT

ROOT = REPO_ROOT
TWO_PHASE_BROKEN = str(ROOT / "specs" / "two_phase_broken.cap")
ASYNC = str(ROOT / "specs" / "async_primary_backup.cap")

DEEP = """\
protocol deep:
    "Two counters; the reset keeps the bad state rare."

    const K = 6

    node c:
        var x: 0..K = 0
        var y: 0..K = 0

        action inc_x when x < K:
            x += 1

        action inc_y when y < K:
            y += 1

        action reset when x > 0:
            x = 0

    invariant not_both: not (c.x == K and c.y == K)
    invariant y_small: c.y < K
"""

OVERFLOW = """\
protocol overflow:
    "A counter with no guard: the spec fails at run time."

    node c:
        var x: 0..3 = 0

        action inc:
            x += 1

    invariant fine: c.x >= 0
"""

STUCK = """\
protocol stuck:
    "A message nobody takes: a deadlock after one step."

    message ping(v: 0..1)

    node a:
        var sent: bool = false

        action go when not sent:
            sent = true
            send ping(1) to b

    node b:
        var got: bool = false

        on ping(v) from p when v == 0:
            got = true

    check deadlock_free
"""


def _spec(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / f"{name}.cap"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _model(path: str, constants: dict | None = None):
    return compile_spec(path, constants or {})[1]


def _essence(result: CheckResult) -> tuple:
    """Everything in a result but its measurements (seconds, memory)."""
    props = tuple(dataclasses.replace(p, found=dataclasses.replace(p.found, seconds=0.0) if p.found else None)
                  for p in result.properties)
    return (result.exit_reason, result.simulation, props, result.failure, result.stats.generated_states,
            result.stats.max_depth)


# ---------------------------------------------------------------- verdicts and traces


def test_violations_are_replayable_and_cut_at_their_first_bad_state(tmp_path: Path) -> None:
    model = _model(_spec(tmp_path, "deep", DEEP))
    result = simulate(model, SimulationOptions(walks=200, shrink=False))
    assert result.exit_reason == ALL_DECIDED and result.verdict is Verdict.VIOLATED
    for p in result.properties:
        assert p.verdict is Verdict.VIOLATED and p.shrunk_from is None
        path = p.trace.path
        assert replay(model, path) == p.trace
        assert first_broken(model, path, broken_test(model, p)) == p.trace.length


def test_violations_are_shrunk_by_default(tmp_path: Path) -> None:
    model = _model(_spec(tmp_path, "deep", DEEP))
    raw = simulate(model, SimulationOptions(walks=200, shrink=False))
    shrunk = simulate(model, SimulationOptions(walks=200))
    for before, after in zip(raw.properties, shrunk.properties):
        assert after.trace.length <= before.trace.length
        assert (after.found.walk, after.found.states) == (before.found.walk, before.found.states)
        if after.trace.length < before.trace.length:
            assert after.shrunk_from == before.trace.length
    # K = 6: y must reach 6, and x and y 6 together: 6 and 12 steps at least
    assert [p.trace.length for p in shrunk.properties] == [12, 6]


def test_without_a_violation_the_verdict_is_unknown(tmp_path: Path, run_cli) -> None:
    path = str(ROOT / "specs" / "two_phase.cap")
    result = simulate(_model(path), SimulationOptions(walks=30, max_depth=7))
    assert result.exit_reason == WALKS and result.verdict is Verdict.UNKNOWN
    assert all(p.verdict is Verdict.UNKNOWN and p.reason is None for p in result.properties)
    assert result.simulation.walks == 30 and result.stats.max_depth <= 7
    code, out, _ = run_cli(["check", path, "--simulate", "--walks", "30", "--max-depth", "7", "--workers", "1"])
    assert code == 3
    assert out.splitlines()[0] == f"{path}: simulation, 30 random walks of up to 7 steps (seed 0), " \
        f"{result.simulation.steps} steps in all"
    assert out.splitlines()[-1] == "result: unknown (no violation in 30 walks of up to 7 steps)"


def test_liveness_is_not_decided(tmp_path: Path) -> None:
    result = simulate(_model(ASYNC), SimulationOptions(walks=50, shrink=False))
    kinds = {p.kind: p for p in result.properties}
    assert kinds["available"].verdict is Verdict.UNKNOWN and kinds["available"].reason == LIVENESS_REASON
    assert kinds["converges"].reason == LIVENESS_REASON


def test_a_run_time_failure_of_the_spec_is_reported(tmp_path: Path, run_cli) -> None:
    path = _spec(tmp_path, "overflow", OVERFLOW)
    result = simulate(_model(path), SimulationOptions(walks=5))
    assert result.exit_reason == RUNTIME_ERROR and result.failure is not None
    assert result.failure.trace.length == 3 and "does not fit" in result.failure.message
    code, out, err = run_cli(["check", path, "--simulate", "--workers", "1"])
    assert code == 2 and "the spec failed while running" in out and "overflow.cap:8:13: error:" in err


def test_deadlocks_are_found(tmp_path: Path) -> None:
    result = simulate(_model(_spec(tmp_path, "stuck", STUCK)), SimulationOptions(walks=3))
    (p,) = result.properties
    assert p.kind == "deadlock_free" and p.verdict is Verdict.VIOLATED and p.trace.length == 1
    off = simulate(_model(_spec(tmp_path, "stuck", STUCK)), SimulationOptions(walks=3, deadlock=False))
    assert off.properties == () and off.verdict is Verdict.UNKNOWN


def test_stop_at_first_ends_the_run_after_the_first_walk_that_breaks_something(tmp_path: Path) -> None:
    model = _model(_spec(tmp_path, "deep", DEEP))
    everything = simulate(model, SimulationOptions(walks=200, shrink=False))
    first = simulate(model, SimulationOptions(walks=200, shrink=False, stop_at_first=True))
    walk = min(p.found.walk for p in everything.properties)
    assert first.exit_reason == FIRST_VIOLATION and first.simulation.walks == walk + 1
    violated = [p for p in first.properties if p.verdict is Verdict.VIOLATED]
    assert violated and all(p.found.walk == walk for p in violated)
    assert len({p.trace.length for p in violated}) == 1   # those of the walk's first bad state only


# ---------------------------------------------------------------- determinism


@pytest.mark.parametrize("swarm", [False, True], ids=["uniform", "swarm"])
def test_the_result_does_not_depend_on_the_number_of_workers(swarm: bool) -> None:
    model = _model(ASYNC)
    one = simulate(model, SimulationOptions(walks=2000, workers=1, swarm=swarm, shrink=False))
    two = simulate(model, SimulationOptions(walks=2000, workers=2, swarm=swarm, shrink=False))
    three = simulate(model, SimulationOptions(walks=2000, workers=3, swarm=swarm, shrink=False))
    assert _essence(one) == _essence(two) == _essence(three)
    assert any(p.verdict is Verdict.VIOLATED for p in one.properties)


def test_seeds_give_different_walks_and_the_same_seed_the_same() -> None:
    model = _model(ASYNC)
    runs = [simulate(model, SimulationOptions(walks=300, seed=s, shrink=False)) for s in (0, 0, 1)]
    assert _essence(runs[0]) == _essence(runs[1])
    assert runs[0].stats.generated_states != runs[2].stats.generated_states


def test_walk_k_of_seed_s_is_walk_0_of_seed_s_plus_k(tmp_path: Path) -> None:
    model = _model(ASYNC)
    for swarm in (False, True):
        found = simulate(model, SimulationOptions(walks=2000, seed=5, swarm=swarm, shrink=False))
        p = next(p for p in found.properties if p.kind == "linearizable")
        assert p.found.walk > 0 and p.found.seed == 5 + p.found.walk
        alone = simulate(model, SimulationOptions(walks=1, seed=p.found.seed, swarm=swarm, shrink=False))
        q = next(q for q in alone.properties if q.kind == "linearizable")
        assert q.trace.path == p.trace.path and q.found.walk == 0 and q.found.seed == p.found.seed


@pytest.mark.slow
def test_the_report_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    def run(seed: str) -> tuple[int, str]:
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-m", "checker", "check", "specs/async_primary_backup.cap",
                               "--simulate", "--walks", "3000", "--swarm", "--no-progress"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
        return done.returncode, done.stdout
    first = run("1")
    assert first[0] == 1 and "check linearizable: violated" in first[1]
    assert first == run("987")


# ---------------------------------------------------------------- swarm weights


def test_swarm_weights_depend_on_the_seed_and_the_class_alone() -> None:
    core = label_core(_model(TWO_PHASE_BROKEN))
    labels = [(k, 0) for k in range(12)] + [("crash", 1), ("partition", 3)]
    a = _Swarm(7, core, random.Random(0))
    b = _Swarm(7, core, random.Random(1))
    forward = [a.weight(label) for label in labels]
    backward = [b.weight(label) for label in reversed(labels)][::-1]
    assert forward == backward
    assert all(2.0 ** -SWARM_SPREAD <= w <= 2.0 ** SWARM_SPREAD for w in forward)
    assert max(forward) / min(forward) > 16          # walks differ in earnest
    assert [_Swarm(8, core, random.Random(0)).weight(label) for label in labels] != forward


def test_a_swarm_walk_chooses_in_proportion_to_the_weights() -> None:
    core = label_core(_model(TWO_PHASE_BROKEN))
    choose = _Swarm(3, core, random.Random(42))
    pairs = [((k, 0), None) for k in range(3)]
    weights = [choose.weight(label) for label, _ in pairs]
    counts = [0, 0, 0]
    for _ in range(30_000):
        counts[choose(pairs)] += 1
    for w, c in zip(weights, counts):
        assert abs(c / 30_000 - w / sum(weights)) < 0.01


def test_options_are_validated() -> None:
    for bad in (dict(walks=0), dict(workers=0), dict(max_depth=-1), dict(seed=-1)):
        with pytest.raises(ValueError):
            SimulationOptions(**bad)


# ---------------------------------------------------------------- the command line


def test_the_cli_reports_the_walk_and_seed_and_the_counterexample_replays(run_cli) -> None:
    code, out, _ = run_cli(["check", ASYNC, "--simulate", "--walks", "500", "--workers", "2", "--json", "-"])
    assert code == 1
    data = json.loads(out)
    assert data["engine"] == "simulation" and data["simulation"]["seed"] == 0
    lin = next(p for p in data["properties"] if p["kind"] == "linearizable")
    assert set(lin["found"]) == {"states", "walk", "seed"}            # no seconds unless --times
    code, text, _ = run_cli(["replay", ASYNC, lin["path"]])
    assert code == 0 and text.count("\n") > lin["length"]
    code, text, _ = run_cli(["check", ASYNC, "--simulate", "--walks", "500", "--workers", "1"])
    assert f"  found by walk {lin['found']['walk']} (seed {lin['found']['seed']}) after " \
           f"{lin['found']['states']:,} steps\n" in text


def test_times_are_given_only_when_asked(run_cli) -> None:
    _, out, _ = run_cli(["check", TWO_PHASE_BROKEN, "--simulate", "--workers", "1", "--times", "--json", "-"])
    assert all(isinstance(p["found"]["seconds"], float) for p in json.loads(out)["properties"])
    _, out, _ = run_cli(["check", TWO_PHASE_BROKEN, "--simulate", "--workers", "1", "--times"])
    assert " s\n" in out and "found by walk" in out


@pytest.mark.parametrize("argv, message", [
    (["--walks", "3"], "--walks is an option of --simulate"),
    (["--seed", "3"], "--seed is an option of --simulate"),
    (["--swarm"], "--swarm is an option of --simulate"),
    (["--no-shrink"], "--no-shrink is an option of --simulate"),
    (["--simulate", "--dfs"], "--dfs does not apply to --simulate"),
    (["--simulate", "--max-states", "9"], "--max-states does not apply to --simulate"),
    (["--simulate", "--shrink"], "--shrink is not an option of --simulate"),
    (["--simulate", "--engine", "smt"], "does not combine with --engine smt"),
])
def test_usage_errors(run_cli, argv: list[str], message: str) -> None:
    code, _, err = run_cli(["check", TWO_PHASE_BROKEN, *argv])
    assert code == 2 and message in err


@pytest.mark.parametrize("argv", [["--walks", "0"], ["--workers", "0"], ["--seed", "-1"], ["--workers", "x"]])
def test_numbers_are_checked(run_cli, argv: list[str]) -> None:
    code, _, err = run_cli(["check", TWO_PHASE_BROKEN, "--simulate", *argv])
    assert code == 2 and "expected a" in err


def test_itf_files_of_a_simulation_replay(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "itf"
    code, _, _ = run_cli(["check", TWO_PHASE_BROKEN, "--simulate", "--workers", "1", "-q", "--itf", str(out)])
    assert code == 1
    files = sorted(out.iterdir())
    assert [f.name for f in files] == ["two_phase_broken.consistent.itf.json", "two_phase_broken.rm_follows_tm.itf.json"]
    for f in files:
        code, text, _ = run_cli(["replay", TWO_PHASE_BROKEN, str(f)])
        assert code == 0 and "a trace of" in text
