"""Coverage (explore/coverage.py): counts derived by hand on toy specs, against a plain BFS
over the model's labeled successors on the library, the search left as it was, and the
per-shard counts of a parallel search merged into the whole."""

from __future__ import annotations

import pickle
from collections import deque
from pathlib import Path

import pytest

from checker.explore import SearchOptions, search
from checker.explore import coverage
from checker.explore.coverage import StepCounter, counting
from checker.result import Coverage
from support import LOSSY_PAIR, NEVER_FIRES, compile_text, library_model

RESTART = """\
    protocol restart_toy:
        faults crash <= 1, restart <= 1

        node n:
            var x: 0..1 = 0

            action flip when x == 0:
                x = 1

            on restart:
                x = 0

        invariant small: n.x <= 1
    """

# Every kind of client and fault step, on two replicas; a restart handler that keeps the value.
EVERY_STEP = LOSSY_PAIR.replace("faults loss <= 1", "faults loss <= 1, duplicate <= 1, link <= 1, oneway <= 1, "
                                "pause <= 1, give_up <= 1, crash <= 1, restart <= 1").replace(
    "        check converges", """            on restart:
                value = value

        check linearizable""")


def counted_search(model, **options) -> tuple:
    counted, counter = counting(model)
    return search(counted, SearchOptions(**options)), counter.coverage()


def table(cov: Coverage) -> dict[str, tuple[int, int]]:
    return {name: (e, f) for name, e, f in zip(cov.names, cov.enabled, cov.fired)}


def test_a_guard_never_true_never_fires(tmp_path: Path) -> None:
    # x goes 0 -> 1 -> 2: three states; inc is enabled in the first two, one step each;
    # reset's guard x > 2 never holds.
    result, cov = counted_search(compile_text(tmp_path, NEVER_FIRES))
    assert result.result == "holds"
    assert cov.names == ("n.action inc", "n.action reset") and cov.lines == (7, 10)
    assert table(cov) == {"n.action inc": (2, 2), "n.action reset": (0, 0)}
    assert cov.states == 3 and cov.never_fired() == (1,)


def test_faults_and_the_restart_handler_by_hand(tmp_path: Path) -> None:
    # States (x, up, crashes, restarts): s0 (0,up,0,0) -flip-> s1 (1,up,0,0); s0 -crash-> s2
    # (0,down,1,0); s1 -crash-> s3 (1,down,1,0); s2, s3 -restart-> s4 (0,up,1,1) (x is
    # volatile: reset, then `on restart`); s4 -flip-> s5. Six states; flip fires in s0 and
    # s4, crash in s0 and s1, restart (and with it `on restart`) in s2 and s3.
    result, cov = counted_search(compile_text(tmp_path, RESTART))
    assert table(cov) == {"n.action flip": (2, 2), "n.on restart": (2, 2), "crash": (2, 2), "restart": (2, 2)}
    assert cov.states == result.stats.distinct_states == 6 and cov.never_fired() == ()


def _row_name(step: dict) -> str:
    """The coverage row of a step as `Model.describe` words it, worked out apart from
    explore/coverage.py's own mapping."""
    if step["handler"] is not None:
        return step["handler"]
    kind = step["kind"]
    if kind == "invoke":
        return "invoke " + step["call"].split("(")[0]
    if kind == "cut":
        return "oneway" if " -> " in step["action"] else "link"
    return {"lose": "loss", "give_up": "give_up"}.get(kind, kind)


def brute_force(model, key) -> tuple[dict[str, tuple[int, int]], int]:
    """A plain BFS over `model.labeled` from the initial states, one state per `key`:
    per row, (states where it has a step, steps), and the number of states."""
    restart_handler = {str(n): h.label for r in model.program.roles for h in r.handlers if h.kind == "restart"
                       for n in r.ids}
    seen = {key(s) for s in model.init_states()}
    queue = deque(model.init_states())
    enabled: dict[str, int] = {}
    fired: dict[str, int] = {}
    while queue:
        s = queue.popleft()
        here = set()
        for label, t in model.labeled(s):
            step = model.describe(label)
            names = [_row_name(step)]
            if step["kind"] == "restart" and step["actor"] in restart_handler:
                names.append(restart_handler[step["actor"]])   # `on restart` runs within the step
            for name in names:
                fired[name] = fired.get(name, 0) + 1
            here.update(names)
            if key(t) not in seen:
                seen.add(key(t))
                queue.append(t)
        for name in here:
            enabled[name] = enabled.get(name, 0) + 1
    return {name: (enabled[name], fired[name]) for name in fired}, len(seen)


def _agrees(model, symmetry: bool) -> None:
    result, cov = counted_search(model, symmetry=symmetry, por=False)
    expected, states = brute_force(model, model.key if symmetry else model.fingerprint)
    assert result.exit_reason == "complete" and cov.states == states == result.stats.distinct_states
    assert {n: c for n, c in table(cov).items() if c != (0, 0)} == expected


@pytest.mark.parametrize("name, defines", [
    ("two_phase", {}), ("raft_election", {"N": 2}), ("best_effort_broadcast", {}), ("active_active_lww", {"OPS": 1}),
    ("commit_coordinator_crash", {}), ("kv_tombstones", {}), ("quorum_register", {})])
def test_counts_equal_a_brute_force_bfs_on_the_library(name: str, defines: dict) -> None:
    _agrees(library_model(name, **defines), symmetry=False)


def test_every_kind_of_step_equals_a_brute_force_bfs(tmp_path: Path) -> None:
    model = compile_text(tmp_path, EVERY_STEP)
    _agrees(model, symmetry=False)
    assert counted_search(model, por=False)[1].names == (
        "replica.request write", "replica.request read", "replica.on copy", "replica.on restart",
        "invoke read", "invoke write", "give_up", "crash", "restart", "link", "oneway", "heal", "pause",
        "resume", "loss", "duplicate")


def test_under_symmetry_the_counts_are_the_quotients() -> None:
    # One state per orbit; summed over a role's nodes, a state's counts are the same for
    # every member of its orbit, so any member the search expands gives them.
    _agrees(library_model("two_phase_symmetric"), symmetry=True)


@pytest.mark.parametrize("options", [{}, {"policy": "dfs"}, {"max_depth": 4}, {"max_states": 100},
                                     {"stop_at_first": True}])
def test_the_search_is_the_same_and_replays_count_nothing(options: dict) -> None:
    # two_phase_broken violates its invariants: their counterexamples are replayed after
    # the search, through the counting functions; the states they pass were all expanded.
    model = library_model("two_phase_broken")
    plain = search(model, SearchOptions(**options))
    result, cov = counted_search(model, **options)
    assert result.stats.distinct_states == plain.stats.distinct_states
    assert result.stats.generated_states == plain.stats.generated_states
    assert [(p.verdict, p.trace and p.trace.path) for p in result.properties] == \
        [(p.verdict, p.trace and p.trace.path) for p in plain.properties]
    # every state numbered and not waiting was expanded, but for one the search stopped at
    assert result.stats.distinct_states - result.stats.queue - cov.states in (0, 1)
    assert sum(cov.fired) + len(model.init_states()) == result.stats.generated_states


def test_the_shards_of_a_parallel_search_merge_into_the_whole() -> None:
    # Two workers, each expanding the states whose fingerprint falls in its shard.
    model = library_model("two_phase")
    whole = counted_search(model, por=False)[1]
    shards = [StepCounter(model), StepCounter(model)]
    seen = {model.fingerprint(s) for s in model.init_states()}
    queue = deque(model.init_states())
    while queue:
        s = queue.popleft()
        for _, t in shards[model.fingerprint(s) % 2].labeled(s):
            if model.fingerprint(t) not in seen:
                seen.add(model.fingerprint(t))
                queue.append(t)
    parts = [pickle.loads(pickle.dumps(c.coverage())) for c in shards]
    assert all(p.states for p in parts)
    assert parts[0].merge(parts[1]) == parts[1].merge(parts[0]) == whole


def test_merge_adds_row_by_row_and_refuses_different_specs() -> None:
    a = Coverage(("x", "y"), (1, None), (1, 0), (2, 0), 3)
    b = Coverage(("y", "z"), (None, 7), (4, 1), (5, 1), 2)
    assert a.merge(b) == Coverage(("x", "y", "z"), (1, None, 7), (1, 4, 1), (2, 5, 1), 5)
    with pytest.raises(ValueError):
        a.merge(Coverage(("x",), (2,), (1,), (2,), 3))
    with pytest.raises(ValueError):
        Coverage(("x",), (1,), (1, 2), (2,))


def test_a_kind_of_step_with_no_row_gets_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As if the language had gained the fault steps after coverage_rows was written: they
    # get rows named by their kind, in the order the search meets them (crash from s0).
    monkeypatch.setattr(coverage, "_fault_rows", lambda *args: None)
    result, cov = counted_search(compile_text(tmp_path, RESTART))
    assert table(cov) == {"n.action flip": (2, 2), "n.on restart": (0, 0), "crash": (2, 2), "restart": (2, 2)}
    assert cov.lines == (7, 10, None, None)
