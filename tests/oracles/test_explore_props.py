"""The explorer against a brute-force oracle, on random explicit graphs (Hypothesis).

A graph on the states 0..n-1 becomes a spec with one variable `x` and one action per edge
group, `action eI when x == a:` with `x = b`, or `choose v in {b1, b2}` / `x = v` for several
targets. A plain BFS over the same graph, enumerating successors in the same order
(actions in declaration order, `choose` candidates in increasing order), predicts the
number of distinct and generated states, the depth, and the exact shortest trace to a
target state, which the spec forbids with `invariant avoid: g.x != T`.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.pipeline import compile_spec
from checker.explore import SearchOptions, replay, search
from checker.explore.coverage import counting
from checker.result import Verdict

SETTINGS = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

Edge = tuple[int, tuple[int, ...]]     # (source, targets in increasing order)


@st.composite
def graphs(draw) -> tuple[int, list[Edge], int]:
    """(number of states, edge groups, target state)."""
    n = draw(st.integers(1, 8))
    state = st.integers(0, n - 1)
    targets = st.lists(state, min_size=1, max_size=3, unique=True).map(lambda ts: tuple(sorted(ts)))
    edges = draw(st.lists(st.tuples(state, targets), max_size=14))
    return n, edges, draw(state)


def spec_text(n: int, edges: list[Edge], target: int) -> str:
    lines = ["protocol graph:", f"    const T = {target}", "", "    node g:",
             f"        var x: 0..{n - 1} = 0"]
    for i, (a, bs) in enumerate(edges):
        lines += ["", f"        action e{i} when x == {a}:"]
        if len(bs) == 1:
            lines.append(f"            x = {bs[0]}")
        else:
            lines += [f"            choose v in {{{', '.join(map(str, bs))}}}", "            x = v"]
    lines += ["", "    invariant in_range: g.x >= 0", "    invariant avoid: g.x != T", ""]
    return "\n".join(lines)


def oracle(edges: list[Edge]):
    """BFS from 0: (distances, BFS parent (state, action name), generated, successors)."""
    def successors(x: int) -> list[tuple[str, int]]:
        return [(f"e{i}", b) for i, (a, bs) in enumerate(edges) if a == x for b in bs]

    dist, parent, generated = {0: 0}, {0: None}, 1
    queue = deque([0])
    while queue:
        x = queue.popleft()
        succ = successors(x)
        generated += len(succ)
        for name, y in succ:
            if y not in dist:
                dist[y], parent[y] = dist[x] + 1, (x, name)
                queue.append(y)
    return dist, parent, generated


def path_to(parent: dict, target: int) -> list[str]:
    names = []
    while parent[target] is not None:
        target, name = parent[target]
        names.append(f"g: action {name}")
    return names[::-1]


@SETTINGS
@given(graphs())
def test_explorer_agrees_with_a_plain_bfs(tmp_path: Path, graph) -> None:
    n, edges, target = graph
    path = tmp_path / "graph.cap"
    path.write_text(spec_text(n, edges, target), encoding="utf-8")
    _, model = compile_spec(str(path), {}, "check")
    dist, parent, generated = oracle(edges)

    # `in_range` always holds, so the search runs to the end even once `avoid` is violated.
    bfs = search(model, SearchOptions())
    assert bfs.exit_reason == "complete"
    assert (bfs.stats.distinct_states, bfs.stats.generated_states, bfs.stats.max_depth) == (
        len(dist), generated, max(dist.values()))
    avoid = [p for p in bfs.properties if p.name == "avoid"][0]
    if target not in dist:
        assert avoid.verdict is Verdict.HOLDS and bfs.result == "holds"
    else:
        assert avoid.verdict is Verdict.VIOLATED and bfs.result == "violated"
        assert avoid.trace.length == dist[target]
        assert [s.action["action"] for s in avoid.trace.steps[1:]] == path_to(parent, target)

    # Depth-first: the same states; a counterexample that really ends in the target.
    dfs = search(model, SearchOptions(policy="dfs"))
    assert dfs.stats.distinct_states == len(dist) and dfs.result == bfs.result
    if target in dist:
        trace = [p for p in dfs.properties if p.name == "avoid"][0].trace
        assert trace.length >= dist[target]
        assert replay(model, trace.path).steps[-1].state["nodes"]["g"]["x"] == target


@SETTINGS
@given(graphs())
def test_coverage_agrees_with_the_reachable_sources(tmp_path: Path, graph) -> None:
    """Action eI has one source state: it is enabled in one state and fires once per
    target when the oracle reaches its source, and never otherwise."""
    n, edges, target = graph
    path = tmp_path / "graph.cap"
    path.write_text(spec_text(n, edges, target), encoding="utf-8")
    _, model = compile_spec(str(path), {}, "check")
    dist = oracle(edges)[0]
    counted, counter = counting(model)
    search(counted, SearchOptions(policy="dfs"))
    cov = counter.coverage()
    assert cov.names == tuple(f"g.action e{i}" for i in range(len(edges)))
    assert cov.enabled == tuple(int(a in dist) for a, _ in edges)
    assert cov.fired == tuple(len(bs) if a in dist else 0 for a, bs in edges)
    assert cov.states == len(dist)
