"""`check available` and `check converges`: the fair-component analysis against a brute-force
oracle on random graphs, and toy specs with exact counterexamples of each shape (dead end,
fair loop, error reply) and passes that need fairness to hold."""

from __future__ import annotations

import itertools
import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.cli import main
from checker.explore.liveness import Graph, _distances_to_bad, _View, find_unanswered
from checker.result import Verdict

from support import ERROR_SPINNER, LOSSY_PAIR, SPINNER, WAITING_PAIR, explore_text, of_kind


# ------------------------------------------------------------------ the graph analysis


@st.composite
def graphs(draw):
    """A small graph: states 0..n-1, each expanded (or, sometimes, not), with edges labelled
    by one of three fairness classes."""
    n = draw(st.integers(1, 6))
    g = Graph()
    for num in range(n):
        g.add_state((num,))
    for num in range(n):
        if n > 1 and draw(st.integers(0, 9)) == 0:
            continue  # left unexpanded, as a bound would leave it
        out = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, 2)), max_size=4, unique=True))
        g.expand(num, [(t, k, 1, 0, i) for i, (t, k) in enumerate(out)])
    return g


def _fair_sets(graph: Graph, out) -> list[frozenset[int]]:
    """Brute force: every set of expanded states that is strongly connected through its own
    edges, has an edge inside, and takes inside it every class enabled in all its states."""
    expanded = [n for n, e in enumerate(out) if e is not None]
    found = []
    for size in range(1, len(expanded) + 1):
        for combo in itertools.combinations(expanded, size):
            s = set(combo)
            inside = [(a, t, k) for a in s for t, k in out[a] if t in s]
            if not inside or not _strongly_connected(s, inside):
                continue
            always = set.intersection(*({k for _, k in out[a]} for a in s))
            if always <= {k for _, _, k in inside}:
                found.append(frozenset(s))
    return found


def _strongly_connected(s: set[int], inside) -> bool:
    start = min(s)
    for forward in (True, False):
        seen, todo = {start}, [start]
        while todo:
            a = todo.pop()
            for x, y, _ in inside:
                src, dst = (x, y) if forward else (y, x)
                if src == a and dst not in seen:
                    seen.add(dst)
                    todo.append(dst)
        if seen != s:
            return False
    return True


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_fair_endings_agree_with_brute_force(graph):
    view = _View(graph, 1)
    out = [None if f is None else view.out(n) for n, f in enumerate(view.flat)]
    fair_states = set().union(*_fair_sets(graph, out))
    for num, edges in enumerate(out):
        if edges is None:
            continue
        assert view.in_fair_component(num) == (num in fair_states), num


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_fair_cycles_are_cycles_and_fair(graph):
    view = _View(graph, 1)
    for num, flat in enumerate(view.flat):
        if flat is None or not view.in_fair_component(num):
            continue
        cycle = view.fair_cycle(num)
        assert cycle[0] == cycle[-1] == num and len(cycle) > 1
        steps = list(zip(cycle, cycle[1:]))
        assert all(any(t == b for t, _ in view.out(a)) for a, b in steps)
        always = set.intersection(*({k for _, k in view.out(a)} for a in cycle))
        taken = {k for a, b in steps for t, k in view.out(a) if t == b}
        assert always <= taken


@st.composite
def pending_graphs(draw):
    """A small graph for one client: each state has its request pending or not, and no
    edge goes from a state where it is answered to one where it is pending (as in a model,
    where continuation steps never start a request); some edges answer it with an error."""
    n = draw(st.integers(1, 6))
    pending = [draw(st.booleans()) for _ in range(n)]
    g = Graph()
    for num in range(n):
        g.add_state((num,))
    for num in range(n):
        targets = [t for t in range(n) if pending[num] or not pending[t]]
        out = draw(st.lists(st.tuples(st.sampled_from(targets), st.integers(0, 2)), max_size=4, unique=True))
        edges = [(t, k, 1, int(pending[num] and not pending[t] and draw(st.booleans())), i)
                 for i, (t, k) in enumerate(out)]
        g.expand(num, edges)
    return g, pending


def _unanswered_by_brute_force(graph: Graph, pending: list[bool]) -> set[int]:
    """The pending states from which some fair run never answers the request: through
    pending states to a dead end, an error reply, or a fair set of pending states."""
    view = _View(graph, 1)
    out = [view.out(n) for n in range(len(pending))]
    bad = {n for n in range(len(pending)) if pending[n] and (
        not out[n] or any(e for e in graph.edges[n][3::5]))}
    for s in _fair_sets(graph, out):
        if all(pending[x] for x in s):
            bad |= s
    found = set(bad)
    changed = True
    while changed:
        changed = False
        for n in range(len(pending)):
            if pending[n] and n not in found and any(t in found for t, _ in out[n]):
                found.add(n)
                changed = True
    return found


@settings(max_examples=300, deadline=None)
@given(pending_graphs())
def test_unanswered_requests_agree_with_brute_force(case):
    graph, pending = case
    view = _View(graph, 1)
    expected = _unanswered_by_brute_force(graph, pending)
    assert set(_distances_to_bad(view, graph, 0, lambda n: pending[n], [])) == expected
    found = find_unanswered(view, graph, [0] * len(pending), [(lambda n: pending[n], lambda n: True)])
    assert (found is not None) == bool(expected)
    if found is not None:
        _, cx = found
        states = cx.states if cx.ending != "error reply" else cx.states[:-1]
        assert all(pending[n] for n in states)
        assert all(any(t == b for t, _ in view.out(a)) for a, b in zip(cx.states, cx.states[1:]))
        if cx.ending == "dead end":
            assert view.dead_end(cx.states[-1])
        if cx.ending == "loop":
            assert cx.states[-1] == cx.states[cx.loop]


# ------------------------------------------------------------------ availability
# (the toy specs WAITING_PAIR, SPINNER, ERROR_SPINNER and LOSSY_PAIR are in support.py:
# test_shrink.py and test_smt_lasso.py use them too)


def test_a_request_waiting_for_a_cut_off_peer_is_a_dead_end(tmp_path):
    result = explore_text(tmp_path, WAITING_PAIR)
    p = of_kind(result, "available")
    assert p.verdict is Verdict.VIOLATED
    # invoke, partition, the write is handled and waits: nothing more can happen
    assert p.trace.length == 3 and p.lasso.start == 2 and p.lasso.ending == "dead end"
    assert [s.action["kind"] for s in p.trace.steps[1:]] == ["invoke", "partition", "request"]
    assert p.lasso.subject == "client[0]#1 write(1) waits at site[0], which is up"
    # healing is fair in convergence's continuation: the copy gets through in the end
    assert of_kind(result, "converges").verdict is Verdict.HOLDS


def test_without_partitions_the_same_pair_is_available(tmp_path):
    result = explore_text(tmp_path, WAITING_PAIR.replace("faults partition <= 1", ""))
    assert of_kind(result, "available").verdict is Verdict.HOLDS


def test_fairness_forces_a_step_enabled_all_along(tmp_path):
    # Without a partition, `spin` could loop forever, but `answer` stays enabled through the
    # loop, so a fair run takes it: available.
    result = explore_text(tmp_path, SPINNER.replace("faults partition <= 1", ""))
    assert of_kind(result, "available").verdict is Verdict.HOLDS


def test_a_fair_loop_that_never_answers(tmp_path):
    result = explore_text(tmp_path, SPINNER)
    p = of_kind(result, "available")
    assert p.verdict is Verdict.VIOLATED and p.lasso.ending == "loop"
    # invoke, partition, take the request (stem ends there or earlier), then spin twice
    kinds = [s.action["kind"] for s in p.trace.steps[1:]]
    assert kinds[:3] == ["invoke", "partition", "request"]
    assert p.lasso.loop == 3 and p.trace.length == 5
    assert p.trace.steps[-1].state == p.trace.steps[p.lasso.loop].state


def test_an_error_reply_is_not_an_answer(tmp_path):
    p = of_kind(explore_text(tmp_path, ERROR_SPINNER), "available")
    assert p.verdict is Verdict.VIOLATED and p.lasso.ending == "error reply"
    assert p.trace.length == 3 and p.trace.steps[-1].action["replies"][0]["result"].startswith("error")


def test_a_request_at_a_crashed_node_is_not_owed_an_answer(tmp_path):
    # The only server may crash with the request waiting: not a violation of availability,
    # which is about nodes that are up.
    spec = SPINNER.replace("faults partition <= 1", "faults crash <= 1").replace(
        " and reachable(self, peer)", "")
    assert of_kind(explore_text(tmp_path, spec), "available").verdict is Verdict.HOLDS


def test_a_bound_leaves_a_pass_unknown_but_finds_violations(tmp_path):
    assert of_kind(explore_text(tmp_path, SPINNER.replace("faults partition <= 1", ""), max_states=4),
                "available").verdict is Verdict.UNKNOWN
    assert of_kind(explore_text(tmp_path, WAITING_PAIR, max_states=60), "available").verdict is Verdict.VIOLATED


# ------------------------------------------------------------------ convergence


def test_a_lost_update_never_converges(tmp_path):
    p = of_kind(explore_text(tmp_path, LOSSY_PAIR), "converges")
    assert p.verdict is Verdict.VIOLATED and p.lasso.ending == "dead end"
    assert [s.action["kind"] for s in p.trace.steps[1:]] == ["invoke", "request", "lose"]
    assert p.lasso.start == 3
    assert p.lasso.subject == "up replicas differ: value: replica[0] = 1, replica[1] = 0"


def test_a_reliable_network_converges(tmp_path):
    spec = LOSSY_PAIR.replace("network unordered, lossy", "network unordered").replace("faults loss <= 1", "")
    assert of_kind(explore_text(tmp_path, spec), "converges").verdict is Verdict.HOLDS


def test_the_cli_marks_the_lasso(tmp_path, capsys):
    spec = tmp_path / "spinner.cap"
    spec.write_text(textwrap.dedent(SPINNER), encoding="utf-8")
    assert main(["check", str(spec)]) == 1
    out = capsys.readouterr().out
    assert "check available: violated after 5 steps, ending in a loop" in out
    assert "-- from here on: no more faults, no new or abandoned operations" in out
    assert "-- loop: steps 4-5 repeat forever" in out


def test_a_restart_that_forgets_a_taken_request_owes_the_answer(tmp_path):
    # The server takes the request, crashes and restarts: up again, with the handle gone
    # from its volatile variable, so the request is never answered. With the handle
    # durable, the restarted server answers it.
    spec = """\
        protocol forgetful:
            object register(values = {1}, initial = 0)
            clients 1, ops 1
            route clients to server
            faults crash <= 1, restart <= 1

            node server:
                KIND var waiting: option handle = none

                request read() as h:
                    waiting = h

                timeout answer when waiting != none:
                    reply 0 to waiting
                    waiting = none

            check available
        """
    p = of_kind(explore_text(tmp_path, spec.replace("KIND ", "")), "available")
    assert p.verdict is Verdict.VIOLATED and p.lasso.ending == "dead end"
    assert [s.action["kind"] for s in p.trace.steps[1:]] == ["invoke", "request", "crash", "restart"]
    assert of_kind(explore_text(tmp_path, spec.replace("KIND ", "durable ")), "available").verdict is Verdict.HOLDS


def test_the_continuation_shown_keeps_the_request_pending(tmp_path):
    # After the server takes the request it can answer it at once (then nothing is left to
    # do: a dead end, but a harmless one) or stall into a fair loop without answering. The
    # counterexample must be the loop, even though the harmless dead end is nearer.
    spec = """\
        protocol staller:
            object register(values = {1}, initial = 0)
            clients 1, ops 1
            route clients to server

            node server:
                var waiting: option handle = none
                var mode: 0..3 = 0

                request read() as h:
                    waiting = h

                timeout answer when waiting != none and mode == 0:
                    reply 0 to waiting
                    waiting = none

                action stall when waiting != none and mode == 0:
                    mode = 1

                action enter when mode == 1:
                    mode = 2

                action spin when mode >= 2:
                    mode = 5 - mode

            check available
        """
    p = of_kind(explore_text(tmp_path, spec), "available")
    assert p.verdict is Verdict.VIOLATED and p.lasso.ending == "loop"
    assert [s.action["action"] for s in p.trace.steps[2:]] == [
        "server: request #1 read() from client[0]", "server: action stall", "server: action enter",
        "server: action spin", "server: action spin"]
