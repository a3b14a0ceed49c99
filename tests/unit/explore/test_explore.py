"""The explicit-state explorer (`capcheck check`, `capcheck replay`) end to end.

Every expected number here is derived by hand (the derivation is in a comment next to it) or
by an independent brute-force computation in this file (`_bfs`, `_two_message_oracle`,
`_two_phase_oracle`), never copied from capcheck's own output:

- toy transition systems with known state counts (a counter, a binary clock, an explicit
  graph, `choose`, `require`);
- every network mode, lossy or not, on one tiny sender/receiver spec;
- TwoPhase (specs/two_phase.cap) at several sizes, and the exact shortest counterexamples
  of specs/two_phase_broken.cap;
- determinism (hash seeds, text and JSON), bounds, exit codes, the JSON report;
- replay, faults (crash, restart, partition, link, pause), deadlocks, run-time errors.

The Hypothesis test against a plain BFS oracle is in test_explore_props.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import deque
from pathlib import Path

import pytest

from checker.pipeline import compile_spec
from checker.explore import SearchOptions, replay, search
from checker.result import Verdict

from support import LOCATED, SPECS, actions, counts, explore, named, write

TWO_PHASE = str(SPECS / "two_phase.cap")
TWO_PHASE_BROKEN = str(SPECS / "two_phase_broken.cap")


# ---------------------------------------------------------------- helpers


def _check_json(run_cli, *args: str) -> tuple[int, dict, str]:
    """`capcheck check ARGS --json -`: (exit code, the parsed report, stderr)."""
    code, out, err = run_cli(["check", *args, "--json", "-", "--no-progress"])
    assert "Traceback" not in err and "internal error" not in err, err
    return code, json.loads(out), err


def _json_prop(data: dict, name: str) -> dict:
    found = [p for p in data["properties"] if p["name"] == name]
    assert len(found) == 1, data["properties"]
    return found[0]


def _bfs(init, successors) -> tuple[dict, int, int]:
    """A plain breadth-first search: (distance of every reachable state, states generated =
    1 + the sum of all out-degrees, the largest out-degree)."""
    dist, generated, widest = {init: 0}, 1, 0
    queue = deque([init])
    while queue:
        s = queue.popleft()
        succ = successors(s)
        generated += len(succ)
        widest = max(widest, len(succ))
        for t in succ:
            if t not in dist:
                dist[t] = dist[s] + 1
                queue.append(t)
    return dist, generated, widest


# ---------------------------------------------------------------- 1. toy transition systems

COUNTER = """\
protocol counter:
    const K = 5
    const T = -1                    # the value the invariant 'avoid' forbids (none by default)

    node c:
        var x: 0..K = 0

        action inc when x < K:
            x += 1

    invariant bounded: c.x <= K
    invariant avoid: c.x != T
"""


@pytest.mark.parametrize("k", [0, 1, 5, 40])
def test_counter_has_k_plus_one_states(workdir: Path, k: int) -> None:
    # x = 0, 1, ..., K: one chain of K + 1 states, each with one successor but the last.
    result = explore(write(workdir, "counter.cap", COUNTER), {"K": k})
    assert result.result == "holds" and result.exit_reason == "complete"
    assert counts(result) == (k + 1, k + 1, k)  # generated: the initial state + K increments
    assert {p.name: p.verdict for p in result.properties} == {"bounded": Verdict.HOLDS,
                                                            "avoid": Verdict.HOLDS}


@pytest.mark.parametrize("target", [0, 1, 3, 7])
def test_counter_shortest_trace_to_a_value(workdir: Path, target: int) -> None:
    result = explore(write(workdir, "counter.cap", COUNTER), {"K": 7, "T": target})
    avoid = named(result, "avoid")
    assert avoid.verdict is Verdict.VIOLATED
    assert avoid.trace.length == target
    assert actions(avoid.trace) == ["c: action inc"] * target
    assert avoid.trace.path == (0,) * (target + 1)   # always the one and only successor
    assert avoid.trace.steps[-1].state["nodes"]["c"]["x"] == target
    # 'bounded' keeps the search going after 'avoid' is violated: all 8 states are seen.
    assert named(result, "bounded").verdict is Verdict.HOLDS
    assert result.stats.distinct_states == 8 and result.exit_reason == "complete"


BINARY_CLOCK = """\
protocol binary_clock:
    node clock:
        var b0: bool = false
        var b1: bool = false
        var b2: bool = false

        action tick:
            if not b0:
                b0 = true
            elif not b1:
                b0 = false
                b1 = true
            elif not b2:
                b0 = false
                b1 = false
                b2 = true
            else:
                b0 = false
                b1 = false
                b2 = false

    invariant bits_are_bools: clock.b0 or not clock.b0
    invariant never_seven: not (clock.b0 and clock.b1 and clock.b2)
"""


def test_binary_clock_counts_to_seven_and_wraps(workdir: Path) -> None:
    # b2 b1 b0 counts 000, 001, ..., 111, then wraps to 000: a cycle of 8 states, one tick
    # enabled in each (8 generated + the initial state), the last new state at depth 7.
    result = explore(write(workdir, "clock.cap", BINARY_CLOCK))
    assert counts(result) == (8, 9, 7)
    assert result.exit_reason == "complete" and result.result == "violated"
    seven = named(result, "never_seven")
    assert seven.trace.length == 7 and actions(seven.trace) == ["clock: action tick"] * 7
    assert seven.trace.steps[-1].state["nodes"]["clock"] == {"b0": True, "b1": True, "b2": True}
    assert named(result, "bits_are_bools").verdict is Verdict.HOLDS


EXPLICIT_GRAPH = """\
protocol explicit_graph:
    node g:
        var x: 0..5 = 0

        action a01 when x == 0:
            x = 1

        action a02 when x == 0:
            x = 2

        action a13 when x == 1:
            x = 3

        action a23 when x == 2:
            x = 3

        action a30 when x == 3:
            x = 0

        action a33 when x == 3:
            x = 3

        action a45 when x == 4:
            x = 5

    invariant never_four: g.x != 4
    invariant never_three: g.x != 3
"""


def test_explicit_graph(workdir: Path) -> None:
    # Edges 0->1, 0->2, 1->3, 2->3, 3->0, 3->3 (a self-loop), 4->5 (never reached).
    # Reachable: {0, 1, 2, 3} at depths 0, 1, 1, 2. Out-degrees 2, 1, 1, 2: generated 1 + 6.
    result = explore(write(workdir, "graph.cap", EXPLICIT_GRAPH))
    assert counts(result) == (4, 7, 2)
    assert named(result, "never_four").verdict is Verdict.HOLDS
    three = named(result, "never_three")
    # Two shortest paths reach 3 (via 1 and via 2); BFS takes the first successor first.
    assert actions(three.trace) == ["g: action a01", "g: action a13"]
    assert three.trace.path == (0, 0, 0)


CHOICES = """\
protocol choices:
    node g:
        var x: 0..5 = 0

        action spread when x == 0:
            choose v in {4, 1, 3}
            x = v

        action odd when x == 1:
            choose v in 0..5 where v % 2 == 1 and v != x
            x = v

        action blocked when x == 3:
            choose v in {1, 2}
            require v == 5
            x = v

    invariant in_range: g.x <= 5
    invariant not_five: g.x != 5
"""


def test_choose_gives_one_successor_per_candidate(workdir: Path) -> None:
    # 0 -> 1, 3, 4 (three candidates); 1 -> 3, 5 (odd values other than 1); at 3 no candidate
    # survives the `require`, so 'blocked' is never enabled; 4 and 5 have no step.
    # Reachable {0, 1, 3, 4, 5}; generated 1 + 3 + 2.
    result = explore(write(workdir, "choices.cap", CHOICES))
    assert counts(result) == (5, 6, 2)
    five = named(result, "not_five")
    assert actions(five.trace) == ["g: action spread", "g: action odd"]
    # Candidates are tried in increasing order: spread's 0th successor is x = 1, odd's 1st x = 5.
    assert five.trace.path == (0, 0, 1)
    assert [s.state["nodes"]["g"]["x"] for s in five.trace.steps] == [0, 1, 5]


REQUIRE = """\
protocol requires:
    node g:
        var x: 0..1 = 0
        var y: 0..1 = 0

        action set_y:
            y = 1
            require x == 1

        action set_x when x == 0:
            x = 1

    invariant y_needs_x: g.y == 1 => g.x == 1
"""


def test_require_disables_the_whole_step(workdir: Path) -> None:
    # set_y assigns y before its `require`; while x == 0 the step must not happen at all, so
    # (x, y) = (0, 1) is unreachable. Reachable: (0,0) -> (1,0) -> (1,1) -> (1,1) (a self-loop):
    # 3 states, one step enabled in each.
    result = explore(write(workdir, "require.cap", REQUIRE))
    assert counts(result) == (3, 4, 2)
    assert result.result == "holds"


LOOPS = """\
protocol loops:
    node g:
        var total: 0..4 = 0
        var s: set[0..2] = {}

        action roll when total == 0:
            for i in 0..1:
                choose v in 1..2
                total += v

        action fill:
            for i in 0..2:
                require i not in s
                s = s | {i}

    invariant small: g.total <= 4
"""


def test_choose_and_require_inside_for(workdir: Path) -> None:
    # roll: two rounds of 1 or 2: 4 successors (1+1, 1+2, 2+1, 2+2), totals 2, 3, 4. fill
    # adds 0, 1, 2 to an empty s, and is disabled once any is in. total in {0, 2, 3, 4} and
    # s in {{}, {0, 1, 2}} independently: 8 states. Generated: (0, {}) 4 + 1, (0, full) 4,
    # (2|3|4, {}) 1 each, the rest 0: 1 + 5 + 4 + 3 = 13.
    result = explore(write(workdir, "loops.cap", LOOPS))
    assert counts(result) == (8, 13, 2)
    assert result.result == "holds"


NEGATIVE = """\
protocol negative:
    node c:
        var x: -3..0 = 0

        action dec when x > -3:
            x -= 1

    invariant in_range: c.x >= -3
    invariant not_minus_two: c.x != -2
"""



def test_negative_values_are_distinct_states(workdir: Path) -> None:
    # x = 0, -1, -2, -3: a chain of 4 states; x = -2 is 2 steps away.
    result = explore(write(workdir, "negative.cap", NEGATIVE))
    assert counts(result) == (4, 4, 3)
    assert named(result, "not_minus_two").trace.length == 2


def test_dfs_finds_the_same_states(workdir: Path) -> None:
    for name, text, states in [("graph.cap", EXPLICIT_GRAPH, 4), ("choices.cap", CHOICES, 5),
                               ("clock.cap", BINARY_CLOCK, 8)]:
        result = explore(write(workdir, name, text), policy="dfs")
        assert result.stats.distinct_states == states, name
        assert result.exit_reason == "complete"


# ---------------------------------------------------------------- 2. network modes

TWO_MESSAGES = """\
protocol two_messages:
    network {mode}
    {faults}

    message val(v: 1..2)

    node sender:
        var sent: 0..2 = 0

        action send_one when sent == 0:
            sent = 1
            send val(1) to receiver

        action send_two when sent == 1:
            sent = 2
            send val(2) to receiver

    node receiver:
        var log: seq[1..2, 3] = []

        on val(v) from s when len(log) < 3:
            log = log + [v]

    invariant short_log: len(receiver.log) <= 3
"""

# Distinct states by hand. A state is (sent, log, messages in flight[, losses used]).
#   sent = 0: one state. sent = 1: message 1 in flight or delivered. sent = 2: below.
# unordered: sent 2: log [] {1,2}, [1] {2}, [2] {1}, [1,2] {}, [2,1] {} -> 1 + 2 + 5 = 8.
# fifo: 2 can only follow 1: [] [1,2], [1] [2], [1,2] [] -> 1 + 2 + 3 = 6.
# duplicating: messages stay, so the log is any sequence the sent values allow, up to 3
#   long: sent 1: [], [1], [1,1], [1,1,1]; sent 2: every sequence over {1,2} of length <= 3
#   (1 + 2 + 4 + 8 = 15) -> 1 + 4 + 15 = 20.
# unordered, lossy, loss <= 1: each message is in flight, delivered or lost, at most one
#   lost. sent 1: 3 states. sent 2: nothing lost 5 (as above) + one lost (which one: 2) x
#   the other in flight or delivered (2) = 9 -> 1 + 3 + 9 = 13.
# unordered, lossy (no budget, no counter): sent 1: 3; sent 2: the 5 loss-free states, one
#   lost and the other in flight or delivered (4), both lost (1) = 10 -> 1 + 3 + 10 = 14.
# fifo, lossy, loss <= 1: sent 1: 3; sent 2: loss-free 3, 1 lost (2 in flight or delivered) 2,
#   2 lost (1 in flight or delivered) 2 = 7 -> 1 + 3 + 7 = 11.
# fifo, lossy: as above plus both lost (1): sent 2: 8 -> 1 + 3 + 8 = 12.
# duplicating, lossy, loss <= 1: a loss removes a message from the set for good, and can
#   come after any deliveries. sent 1: set {1} or {} (lost), 4 logs each = 8; sent 2: set
#   {1,2}, {2} or {1}, 15 logs each = 45 -> 1 + 8 + 45 = 54.
# duplicating, lossy: sent 2 also has the empty set: 4 x 15 = 60 -> 1 + 8 + 60 = 69.
NETWORK_COUNTS = {
    ("unordered", ""): 8,
    ("fifo", ""): 6,
    ("duplicating", ""): 20,
    ("unordered, lossy", "faults loss <= 1"): 13,
    ("unordered, lossy", ""): 14,
    ("fifo, lossy", "faults loss <= 1"): 11,
    ("fifo, lossy", ""): 12,
    ("duplicating, lossy", "faults loss <= 1"): 54,
    ("duplicating, lossy", ""): 69,
}


def _two_message_oracle(mode: str, budget: int | None) -> tuple[int, int, int]:
    """TWO_MESSAGES re-implemented directly: (distinct, generated, max depth)."""
    base, _, lossy = mode.partition(", ")

    def add(net, v):
        if base == "duplicating":
            return net | {v}
        return tuple(sorted(net + (v,))) if base == "unordered" else net + (v,)

    def deliverable(net):  # (value, the network after delivering it)
        if base == "fifo":
            return [(net[0], net[1:])] if net else []
        if base == "duplicating":
            return [(v, net) for v in sorted(net)]
        return [(v, net[:i] + net[i + 1:]) for i, v in enumerate(net) if net.index(v) == i]

    def losable(net):
        if base == "duplicating":
            return [net - {v} for v in sorted(net)]
        if base == "fifo":
            return [net[:i] + net[i + 1:] for i in range(len(net))]
        return [net[:i] + net[i + 1:] for i, v in enumerate(net) if net.index(v) == i]

    def successors(s):
        sent, log, net, lost = s
        out = []
        if sent < 2:
            out.append((sent + 1, log, add(net, sent + 1), lost))
        if len(log) < 3:
            out += [(sent, log + (v,), rest, lost) for v, rest in deliverable(net)]
        if lossy and (budget is None or lost < budget):
            out += [(sent, log, rest, lost + (budget is not None)) for rest in losable(net)]
        return out

    empty = frozenset() if base == "duplicating" else ()
    dist, generated, _ = _bfs((0, (), empty, 0), successors)
    return len(dist), generated, max(dist.values())


@pytest.mark.parametrize("mode, faults", list(NETWORK_COUNTS), ids=lambda v: v.replace(" ", "") or "-")
def test_network_modes(workdir: Path, mode: str, faults: str) -> None:
    path = write(workdir, "net.cap", TWO_MESSAGES.format(mode=mode, faults=faults))
    result = explore(path)
    budget = 1 if faults else None
    assert result.result == "holds" and result.exit_reason == "complete"
    assert result.stats.distinct_states == NETWORK_COUNTS[(mode, faults)]
    assert counts(result) == _two_message_oracle(mode, budget)


def test_fifo_delivers_in_sending_order(workdir: Path) -> None:
    # In a fifo network the receiver never logs 2 before 1; unordered, 3 steps suffice.
    text = TWO_MESSAGES.replace("invariant short_log: len(receiver.log) <= 3",
                                "invariant in_order: len(receiver.log) == 0 or receiver.log[0] == 1")
    fifo = explore(write(workdir, "fifo.cap", text.format(mode="fifo", faults="")))
    assert fifo.result == "holds" and fifo.stats.distinct_states == 6
    unordered = explore(write(workdir, "unordered.cap", text.format(mode="unordered", faults="")))
    trace = named(unordered, "in_order").trace
    assert actions(trace) == ["sender: action send_one", "sender: action send_two",
                               "receiver: on val(2) from sender"]


IDENTICAL_MESSAGES = """\
protocol identical:
    message ping()

    node s:
        var n: 0..2 = 0

        action send_ping when n < 2:
            n += 1
            send ping() to r

    node r:
        var got: 0..2 = 0

        on ping() from p:
            got += 1

    invariant no_more_than_sent: r.got <= s.n
"""


def test_identical_messages_are_one_delivery_step(workdir: Path) -> None:
    # States (n, got) with got <= n: 6. Two equal pings in flight (n = 2, got = 0) make one
    # delivery step, not two: generated = 1 + 1 (0,0) + 2 (1,0) + 1 (1,1) + 1 (2,0) + 1 (2,1).
    result = explore(write(workdir, "identical.cap", IDENTICAL_MESSAGES))
    assert counts(result) == (6, 7, 4)
    assert result.result == "holds"


# ---------------------------------------------------------------- 3. TwoPhase


def _two_phase_oracle(n: int, broken: bool = False) -> tuple[dict, int, int]:
    """Gray and Lamport's TwoPhase, written directly (with the spec's guard that the TM
    records each RM once): (distance of every reachable state, states generated, the
    largest number of successors of one state)."""
    everyone = frozenset(range(n))

    def successors(s):
        rms, tm, prepared, msgs = s
        out = []
        if tm == "init":
            out += [(rms, tm, prepared | {r}, msgs) for r in range(n)
                    if ("prepared", r) in msgs and r not in prepared]
            if (prepared != frozenset()) if broken else (prepared == everyone):
                out.append((rms, "committed", prepared, msgs | {"commit"}))
            out.append((rms, "aborted", prepared, msgs | {"abort"}))
        for r in range(n):
            def put(v, r=r):
                return rms[:r] + (v,) + rms[r + 1:]
            if rms[r] == "working":
                out.append((put("prepared"), tm, prepared, msgs | {("prepared", r)}))
                out.append((put("aborted"), tm, prepared, msgs))
            if "commit" in msgs:
                out.append((put("committed"), tm, prepared, msgs))
            if "abort" in msgs:
                out.append((put("aborted"), tm, prepared, msgs))
        return out

    dist, generated, widest = _bfs((("working",) * n, "init", frozenset(), frozenset()), successors)
    return dist, generated, widest


def _consistent(s) -> bool:
    return not ("committed" in s[0] and "aborted" in s[0])


def _rm_follows_tm(s) -> bool:
    return all((r != "committed" or s[1] == "committed") and (s[1] != "committed" or r != "aborted")
               for r in s[0])


@pytest.mark.parametrize("rm, states", [(3, 288), (5, 8_832)])
def test_two_phase_state_counts(rm: int, states: int) -> None:
    result = explore(TWO_PHASE, {"RM": rm})
    dist, generated, _ = _two_phase_oracle(rm)
    assert len(dist) == states
    assert counts(result) == (states, generated, max(dist.values()))
    assert result.result == "holds" and result.exit_reason == "complete"
    assert [(p.name, p.verdict) for p in result.properties] == [
        ("consistent", Verdict.HOLDS), ("rm_follows_tm", Verdict.HOLDS)]
    assert all(_consistent(s) and _rm_follows_tm(s) for s in dist)


@pytest.mark.slow
@pytest.mark.parametrize("rm, states", [(7, 296_448), (8, 1_745_408)])
def test_two_phase_state_counts_large(rm: int, states: int) -> None:
    result = explore(TWO_PHASE, {"RM": rm})
    assert result.stats.distinct_states == states
    assert result.result == "holds"


def test_two_phase_dfs_finds_the_same_states() -> None:
    result = explore(TWO_PHASE, {"RM": 3}, policy="dfs")
    assert result.stats.distinct_states == 288 and result.result == "holds"


# Shortest counterexamples of two_phase_broken (the TM commits once one RM is prepared).
# A commit needs: an RM prepares, the TM records it, the TM commits (3 steps). rm_follows_tm
# also needs another RM aborted (it must still be working, so by choose_to_abort; an abort
# message needs the TM in init): 4 steps. consistent needs one RM committed (it receives the
# commit) and another aborted: 5 steps. BFS reports, of all shortest paths, the one whose
# action indices are smallest first to last. Successors are ordered by node (tm, rm[0],
# rm[1], rm[2]), then by handler in declaration order. From the initial state the TM can
# only abort (index 0), so index 1, rm[0] prepares; then the TM records it (index 0; its
# abort comes after it in the TM's handlers) and commits (index 0). There rm[0] can only
# receive the commit (index 0), and rm[1] may prepare (1) or choose to abort (2):
# rm_follows_tm is broken by index 2. For consistent, rm[0] receives the commit (0); then
# the successors are rm[0] receiving it again (0, a self-loop), rm[1] preparing (1) and
# rm[1] choosing to abort (2).
BROKEN_PREFIX = ["rm[0]: action prepare", "tm: on prepared(rm[0]) from rm[0]", "tm: action decide_commit"]
BROKEN_TRACES = {
    "consistent": (BROKEN_PREFIX + ["rm[0]: on commit() from tm", "rm[1]: action choose_to_abort"],
                   (0, 1, 0, 0, 0, 2)),
    "rm_follows_tm": (BROKEN_PREFIX + ["rm[1]: action choose_to_abort"], (0, 1, 0, 0, 2)),
}


def test_two_phase_broken_shortest_traces() -> None:
    result = explore(TWO_PHASE_BROKEN)
    assert result.result == "violated"
    dist, _, _ = _two_phase_oracle(3, broken=True)
    for name, holds in [("consistent", _consistent), ("rm_follows_tm", _rm_follows_tm)]:
        prop = named(result, name)
        expected, path = BROKEN_TRACES[name]
        assert prop.verdict is Verdict.VIOLATED
        assert prop.trace.length == len(expected) == min(d for s, d in dist.items() if not holds(s))
        assert actions(prop.trace) == expected
        assert prop.trace.path == path


@pytest.mark.parametrize("depth", [3, 4])
def test_two_phase_broken_has_no_shorter_counterexample(run_cli, depth: int) -> None:
    # Within 3 steps neither property can be broken: the result is unknown, never violated.
    # Within 4 steps only rm_follows_tm can.
    code, data, _ = _check_json(run_cli, TWO_PHASE_BROKEN, "--max-depth", str(depth))
    verdicts = {p["name"]: p["verdict"] for p in data["properties"]}
    if depth == 3:
        assert (code, data["result"], data["exit_reason"]) == (3, "unknown", "max_depth")
        assert verdicts == {"consistent": "unknown", "rm_follows_tm": "unknown"}
    else:
        assert (code, data["result"]) == (1, "violated")
        assert verdicts == {"consistent": "unknown", "rm_follows_tm": "violated"}
        assert _json_prop(data, "rm_follows_tm")["length"] == 4


def test_two_phase_broken_text_report(run_cli) -> None:
    code, out, err = run_cli(["check", TWO_PHASE_BROKEN, "--no-progress"])
    assert (code, err) == (1, "")
    assert "invariant consistent: violated after 5 steps\n" in out
    assert "invariant rm_follows_tm: violated after 4 steps\n" in out
    assert f"  replay: capcheck replay {TWO_PHASE_BROKEN} 0.1.0.0.0.2\n" in out
    assert f"  replay: capcheck replay {TWO_PHASE_BROKEN} 0.1.0.0.2\n" in out
    assert out.rstrip("\n").splitlines()[-1].startswith("result: violated (")


def test_two_phase_broken_dfs_trace_is_valid_and_not_shorter() -> None:
    _, model = compile_spec(TWO_PHASE_BROKEN, {}, "check")
    result = search(model, SearchOptions(policy="dfs"))
    for name, (expected, _) in BROKEN_TRACES.items():
        trace = named(result, name).trace
        assert trace.length >= len(expected)
        last = replay(model, trace.path).steps[-1].state
        assert last == trace.steps[-1].state
        rms = [last["nodes"][f"rm[{i}]"]["state"] for i in range(3)]
        assert "aborted" in rms
        assert ("committed" in rms) if name == "consistent" else last["nodes"]["tm"]["state"] == "committed"


def test_two_phase_depth_bounded_counts(run_cli) -> None:
    # --max-depth D explores exactly the states at distance <= D; 10 is the real depth at RM=3.
    dist, _, _ = _two_phase_oracle(3)
    for depth, expected in [(3, "unknown"), (9, "unknown"), (10, "holds"), (11, "holds")]:
        code, data, _ = _check_json(run_cli, TWO_PHASE, "--max-depth", str(depth))
        assert data["stats"]["distinct_states"] == sum(1 for d in dist.values() if d <= depth)
        assert data["result"] == expected
        assert code == (0 if expected == "holds" else 3)
        assert data["exit_reason"] == ("complete" if expected == "holds" else "max_depth")


# ---------------------------------------------------------------- 4. determinism


def _strip_measurements(data: dict) -> dict:
    data = json.loads(json.dumps(data))
    del data["stats"]["seconds"], data["stats"]["memory_bytes"]
    return data


def test_text_report_is_deterministic(run_cli) -> None:
    first = run_cli(["check", TWO_PHASE_BROKEN, "--no-progress"])
    second = run_cli(["check", TWO_PHASE_BROKEN, "--no-progress"])
    assert first == second and first[0] == 1


def test_json_report_is_deterministic_apart_from_measurements(run_cli) -> None:
    _, first, _ = _check_json(run_cli, TWO_PHASE_BROKEN)
    _, second, _ = _check_json(run_cli, TWO_PHASE_BROKEN)
    assert _strip_measurements(first) == _strip_measurements(second)
    assert set(first["stats"]) - set(_strip_measurements(first)["stats"]) == {"seconds", "memory_bytes"}


FAULTY = """\
protocol faulty:
    network unordered, lossy
    faults crash <= 1, partition <= 1, loss <= 1

    message ping(v: 0..1)

    node p[3]:
        var seen: set[p] = {}

        action hello:
            send ping(1) to others

        on ping(v) from q:
            seen = seen | {q}

    invariant few: all(n in p: len(n.seen) <= 1)
"""


def _run_with_seed(seed: str, cwd: Path, *args: str) -> tuple[int, str, str]:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    done = subprocess.run([sys.executable, "-m", "checker", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    return done.returncode, done.stdout, done.stderr


def test_output_does_not_depend_on_the_hash_seed(workdir: Path) -> None:
    write(workdir, "faulty.cap", FAULTY)
    (workdir / "two_phase_broken.cap").write_bytes(Path(TWO_PHASE_BROKEN).read_bytes())
    runs = {}
    for seed in ("0", "4242"):
        runs[seed] = (
            _run_with_seed(seed, workdir, "check", "two_phase_broken.cap", "--no-progress"),
            _run_with_seed(seed, workdir, "check", "faulty.cap", "--no-progress"),
            _run_with_seed(seed, workdir, "check", "faulty.cap", "--no-progress", "--json", "-"),
        )
    broken, faulty, faulty_json = runs["0"]
    assert broken[0] == 1 and "violated after 5 steps" in broken[1]
    assert faulty[0] == 1 and "invariant few: violated" in faulty[1]
    assert runs["4242"][:2] == runs["0"][:2]          # byte-identical text reports
    other = runs["4242"][2]
    assert other[0] == faulty_json[0]
    assert _strip_measurements(json.loads(other[1])) == _strip_measurements(json.loads(faulty_json[1]))


# ---------------------------------------------------------------- 5. bounds

BIG = """\
protocol big:
    const K = 999

    node g:
        var a: 0..K = 0
        var b: 0..K = 0

        action inc_a when a < K:
            a += 1

        action inc_b when b < K:
            b += 1

    invariant fine: g.a + g.b >= 0
"""


def test_max_states_gives_unknown(run_cli) -> None:
    code, data, _ = _check_json(run_cli, TWO_PHASE, "--max-states", "10")
    assert (code, data["result"], data["exit_reason"]) == (3, "unknown", "max_states")
    assert {p["verdict"] for p in data["properties"]} == {"unknown"}
    # The bound is checked after each expanded state: the successors of the state expanded
    # while fewer than 10 were known may pass it, never more.
    _, _, widest = _two_phase_oracle(3)
    assert 10 <= data["stats"]["distinct_states"] <= 9 + widest


def test_max_states_at_the_total_count(workdir: Path) -> None:
    # The counter at K = 5 has 6 states. A bound of 6 stores them all and the search still
    # ends by itself: holds. A bound of 5 stops before x = 5 is stored: unknown.
    path = write(workdir, "counter.cap", COUNTER)
    assert explore(path, max_states=7).result == "holds"
    assert explore(path, max_states=6).result == "holds"
    result = explore(path, max_states=5)
    assert (result.result, result.exit_reason, result.stats.distinct_states) == ("unknown", "max_states", 5)


def test_max_depth_gives_unknown_then_holds(workdir: Path) -> None:
    # The counter at K = 5 is 5 steps deep.
    path = write(workdir, "counter.cap", COUNTER)
    for depth, (result, reason, states) in {
        0: ("unknown", "max_depth", 1), 4: ("unknown", "max_depth", 5),
        5: ("holds", "complete", 6), 6: ("holds", "complete", 6), 100: ("holds", "complete", 6),
    }.items():
        r = explore(path, max_depth=depth)
        assert (r.result, r.exit_reason, r.stats.distinct_states) == (result, reason, states), depth
        assert r.stats.max_depth == min(depth, 5)


def test_timeout_gives_unknown(run_cli, workdir: Path) -> None:
    path = write(workdir, "big.cap", BIG)      # a million states: far more than 1 ms of work
    code, data, _ = _check_json(run_cli, path, "--timeout", "0.001")
    assert (code, data["result"], data["exit_reason"]) == (3, "unknown", "timeout")
    assert _json_prop(data, "fine")["verdict"] == "unknown"
    assert data["stats"]["distinct_states"] < 1_000_000


def test_timeout_with_a_fake_clock(workdir: Path) -> None:
    ticks = iter(range(0, 10**9, 10))
    _, model = compile_spec(write(workdir, "big.cap", BIG), {}, "check")
    result = search(model, SearchOptions(timeout=5), clock=lambda: next(ticks))
    assert (result.result, result.exit_reason) == ("unknown", "timeout")


def test_max_memory_gives_unknown(run_cli, workdir: Path) -> None:
    path = write(workdir, "big.cap", BIG)      # the interpreter alone uses more than 1 MiB
    code, data, _ = _check_json(run_cli, path, "--max-memory", "1")
    assert (code, data["result"], data["exit_reason"]) == (3, "unknown", "memory")


def test_interrupt_gives_unknown_and_exit_130(run_cli, workdir: Path, monkeypatch) -> None:
    def interrupt(self, expanded):
        raise KeyboardInterrupt

    from checker.explore.search import _Search  # the module, not the function the package exports

    monkeypatch.setattr(_Search, "_bounds", interrupt)
    code, data, _ = _check_json(run_cli, write(workdir, "big.cap", BIG))
    assert (code, data["result"], data["exit_reason"]) == (130, "unknown", "interrupted")


TWO_INVARIANTS = """\
protocol early:
    const K = 900

    node c:
        var x: 0..K = 0

        action inc when x < K:
            x += 1

    invariant below_three: c.x < 3
    invariant bounded: c.x <= K
"""


def test_violation_found_before_a_bound_is_still_violated(run_cli, workdir: Path) -> None:
    # x = 3 is the 4th state, 3 steps deep: each of these bounds lets the search reach it,
    # and stops it long before x = 900.
    path = write(workdir, "early.cap", TWO_INVARIANTS)
    for bound in (["--max-states", "10"], ["--max-depth", "20"], ["--max-depth", "3"]):
        code, data, _ = _check_json(run_cli, path, *bound)
        assert (code, data["result"]) == (1, "violated"), bound
        assert data["exit_reason"] in ("max_states", "max_depth")
        assert _json_prop(data, "below_three")["length"] == 3
        assert _json_prop(data, "bounded")["verdict"] == "unknown"
    code, data, _ = _check_json(run_cli, path, "--max-depth", "2")
    assert (code, data["result"], _json_prop(data, "below_three")["verdict"]) == (3, "unknown", "unknown")


# ---------------------------------------------------------------- 6. exit codes and JSON


def test_exit_codes(run_cli, workdir: Path) -> None:
    bad = write(workdir, "bad.cap", "protocol p:\n    const N = 3 +\n")
    assert run_cli(["check", TWO_PHASE, "--no-progress"])[0] == 0
    assert run_cli(["check", TWO_PHASE_BROKEN, "--no-progress"])[0] == 1
    assert run_cli(["check", bad, "--no-progress"])[0] == 2
    assert run_cli(["check", "missing.cap", "--no-progress"])[0] == 2
    assert run_cli(["check", TWO_PHASE, "--max-states", "0"])[0] == 2
    assert run_cli(["check", TWO_PHASE, "--max-depth", "-1"])[0] == 2
    assert run_cli(["check", TWO_PHASE, "--timeout", "0"])[0] == 2
    assert run_cli(["check", TWO_PHASE, "--dfs", "--deadlock", "--no-deadlock"])[0] == 2
    assert run_cli(["check", TWO_PHASE, "-D", "N=3"])[0] == 2
    assert run_cli(["check", TWO_PHASE, "--max-depth", "2", "--no-progress"])[0] == 3


def _assert_schema(data: dict) -> None:
    assert data["schema"] == 6
    assert isinstance(data["faults"], dict)
    assert data["result"] in ("holds", "violated", "unknown", "error")
    assert data["exit_reason"] in ("complete", "all_violated", "max_states", "max_depth", "timeout",
                                   "memory", "interrupted", "runtime_error", "first_violation", "walks")
    stats = data["stats"]
    for key in ("distinct_states", "generated_states", "max_depth", "queue", "memory_bytes"):
        assert isinstance(stats[key], int) and stats[key] >= 0, key
    assert isinstance(stats["seconds"], (int, float)) and stats["seconds"] >= 0
    for p in data["properties"]:
        assert {"name", "kind", "verdict"} <= set(p)
        assert p["verdict"] in ("holds", "violated", "unknown")
        assert ("trace" in p) == (p["verdict"] == "violated")
        if "trace" in p:
            trace = p["trace"]
            assert isinstance(trace, list)
            assert p["length"] == len(trace) - 1
            assert p["path"] == ".".join(str(s["index"]) for s in trace)
            for step in trace:
                assert isinstance(step["action"], str) and isinstance(step["state"], dict)
                assert {"nodes", "network"} <= set(step["state"])


def test_json_report_to_stdout(run_cli) -> None:
    code, out, err = run_cli(["check", TWO_PHASE_BROKEN, "--json", "-", "--no-progress"])
    assert (code, err) == (1, "")
    data = json.loads(out)                      # stdout holds the JSON and nothing else
    _assert_schema(data)
    assert data["spec"] == TWO_PHASE_BROKEN and data["protocol"] == "two_phase_broken"
    assert data["constants"] == {"RM": 3}
    assert (data["result"], data["exit_reason"]) == ("violated", "all_violated")
    for name, (expected, path) in BROKEN_TRACES.items():
        trace = _json_prop(data, name)["trace"]
        assert [s["action"] for s in trace] == ["initial state"] + expected
        assert _json_prop(data, name)["path"] == ".".join(map(str, path))
    last = _json_prop(data, "rm_follows_tm")["trace"][-1]["state"]
    assert last["nodes"] == {"tm": {"state": "committed", "tm_prepared": ["rm[0]"]},
                             "rm[0]": {"state": "prepared"}, "rm[1]": {"state": "aborted"},
                             "rm[2]": {"state": "working"}}
    assert sorted(last["network"]) == sorted(["prepared(rm[0]) from rm[0] to tm"]
                                             + [f"commit() from tm to rm[{i}]" for i in range(3)])


def test_json_report_to_a_file_keeps_the_text_report(run_cli, workdir: Path) -> None:
    code, out, err = run_cli(["check", TWO_PHASE, "--json", "report.json", "--no-progress"])
    assert (code, err) == (0, "")
    assert out.startswith(f"{TWO_PHASE}: 288 distinct states, ")
    data = json.loads((workdir / "report.json").read_text(encoding="utf-8"))
    _assert_schema(data)
    assert (data["result"], data["exit_reason"]) == ("holds", "complete")
    assert data["stats"]["distinct_states"] == 288
    assert [(p["name"], p["kind"], p["verdict"]) for p in data["properties"]] == [
        ("consistent", "invariant", "holds"), ("rm_follows_tm", "invariant", "holds")]


def test_json_to_an_unwritable_path(run_cli, workdir: Path) -> None:
    (workdir / "afile").write_text("")  # a missing directory is created; a file in the way is an error
    code, _, err = run_cli(["check", TWO_PHASE, "--json", "afile/r.json", "--no-progress"])
    assert code == 2 and err.startswith("capcheck: error: --json: cannot create the directory 'afile'")


CONVERGES = """\
protocol conv:
    message upd(v: 0..1)

    node r[2]:
        replicated var value: 0..1 = 0

        action write when value == 0:
            value = 1
            send upd(1) to others

        on upd(v) from p:
            value = v

    check converges
    invariant bounded: all(n in r: n.value <= 1)
"""


def test_convergence_is_decided_after_a_full_search(run_cli, workdir: Path) -> None:
    # (r[0].value, r[1].value, in flight): (0,0,-); one writes: (1,0,m01), (0,1,m10); the
    # other receives it: (1,1,-); or both write: (1,1,m01 m10), then (1,1,m10), (1,1,m01):
    # 7 states; every message is delivered in the end and the replicas agree.
    code, data, _ = _check_json(run_cli, write(workdir, "conv.cap", CONVERGES))
    assert (code, data["result"], data["exit_reason"]) == (0, "holds", "complete")
    assert data["stats"]["distinct_states"] == 7
    assert _json_prop(data, "converges")["verdict"] == "holds"
    assert _json_prop(data, "bounded")["verdict"] == "holds"


# ---------------------------------------------------------------- 7. replay


def _state_rows(lines: list[str]) -> list[str]:
    """The rows under a 'final state:' heading, without their indentation."""
    start = next(i for i, line in enumerate(lines) if line.strip() == "final state:") + 1
    depth = len(lines[start]) - len(lines[start].lstrip())
    rows = []
    for line in lines[start:]:
        if len(line) - len(line.lstrip()) < depth:
            break
        rows.append(line.strip())
    return rows


def test_replay_of_a_printed_path_reaches_the_same_state(run_cli) -> None:
    _, out, _ = run_cli(["check", TWO_PHASE_BROKEN, "--no-progress"])
    sections = out.split("\ninvariant ")[1:]
    assert [s.split(":")[0] for s in sections] == ["consistent", "rm_follows_tm"]
    for section, (expected, path) in zip(sections, BROKEN_TRACES.values()):
        hint = re.search(r"^  replay: capcheck replay (\S+) (\S+)$", section, re.MULTILINE)
        assert hint and hint[1] == TWO_PHASE_BROKEN and hint[2] == ".".join(map(str, path))
        code, replayed, err = run_cli(["replay", hint[1], hint[2]])
        assert (code, err) == (0, "")
        assert replayed.startswith(f"{TWO_PHASE_BROKEN}: a trace of {len(expected)} steps\n")
        assert _state_rows(replayed.splitlines()) == _state_rows(section.splitlines())
        assert all(f"  {a}" in replayed for a in expected)


def test_replay_hint_repeats_the_defines(run_cli) -> None:
    _, out, _ = run_cli(["check", TWO_PHASE_BROKEN, "-D", "RM=2", "--no-progress"])
    hints = re.findall(r"^  replay: capcheck replay (.+)$", out, re.MULTILINE)
    assert len(hints) == 2
    for hint in hints:
        args = hint.split()
        assert args[:3] == [TWO_PHASE_BROKEN, "-D", "RM=2"]
        code, replayed, err = run_cli(["replay", *args])
        assert (code, err) == (0, "")
        assert "rm[2]" not in replayed         # two resource managers, as recorded


def test_replay_api_reaches_the_reported_state() -> None:
    _, model = compile_spec(TWO_PHASE_BROKEN, {}, "check")
    result = search(model, SearchOptions())
    for p in result.properties:
        again = replay(model, p.trace.path)
        assert [s.state for s in again.steps] == [s.state for s in p.trace.steps]
        assert actions(again) == actions(p.trace)


def test_replay_of_a_path_file_and_a_json_report(run_cli, workdir: Path) -> None:
    run_cli(["check", TWO_PHASE_BROKEN, "--json", "report.json", "--no-progress"])
    (workdir / "path.txt").write_text("0.1.0.0.2\n", encoding="utf-8")
    for trace, want in [("path.txt", 4), ("report.json", 5)]:   # a report: the first violated
        code, out, err = run_cli(["replay", TWO_PHASE_BROKEN, trace])
        assert (code, err) == (0, ""), err
        assert out.startswith(f"{TWO_PHASE_BROKEN}: a trace of {want} steps\n")
    code, out, _ = run_cli(["replay", TWO_PHASE_BROKEN, "report.json", "--property", "rm_follows_tm",
                            "--json", "-"])
    assert code == 0
    data = json.loads(out)
    assert data["path"] == "0.1.0.0.2" and data["length"] == 4
    assert [s["action"] for s in data["trace"][1:]] == BROKEN_TRACES["rm_follows_tm"][0]


@pytest.mark.parametrize("trace, message", [
    ("0.1.0.0.9", "the trace does not fit {spec}: step 4: there is no action 9 in this state "
                  "(it has 7 enabled steps)"),
    ("1.1", "the trace does not fit {spec}: there is no initial state 1 (the spec has 1)"),
])
def test_replay_rejects_an_index_out_of_range(run_cli, trace: str, message: str) -> None:
    # After prepare, record, commit: rm[0] can receive the commit (1 step), rm[1] and rm[2]
    # can prepare, abort or receive it (3 each): 7 steps.
    code, out, err = run_cli(["replay", TWO_PHASE_BROKEN, trace])
    assert (code, out) == (2, "")
    assert err == f"capcheck: error: {message.format(spec=TWO_PHASE_BROKEN)}\n"


def test_replay_rejects_other_constants(run_cli, workdir: Path) -> None:
    run_cli(["check", TWO_PHASE_BROKEN, "--json", "report.json", "--no-progress"])
    code, out, err = run_cli(["replay", TWO_PHASE_BROKEN, "report.json", "-D", "RM=4"])
    assert (code, out) == (2, "")
    assert err == "capcheck: error: the trace was recorded with other constants; replay it with -D RM=3\n"


def test_replay_rejects_a_changed_spec(run_cli, workdir: Path) -> None:
    run_cli(["check", TWO_PHASE_BROKEN, "--json", "report.json", "--no-progress"])
    # The fixed spec does not let the TM commit after one prepared RM: at step 3 the first
    # enabled step is the TM's abort.
    code, out, err = run_cli(["replay", TWO_PHASE, "report.json", "--property", "rm_follows_tm"])
    assert (code, out) == (2, "")
    assert err == ("capcheck: error: the trace does not fit the spec: step 3 is 'tm: action decide_commit' "
                   "in the trace but 'tm: action decide_abort' when replayed (was the spec changed since?)\n")
    # The RM's actions swapped: step 1 is now choose_to_abort.
    text = Path(TWO_PHASE_BROKEN).read_text(encoding="utf-8")
    prepare = text.index("        action prepare")
    abort = text.index("        action choose_to_abort")
    on_commit = text.index("        # RMRcvCommitMsg")
    swapped = text[:prepare] + text[abort:on_commit] + text[prepare:abort] + text[on_commit:]
    write(workdir, "swapped.cap", swapped)
    code, _, err = run_cli(["replay", "swapped.cap", "report.json"])
    assert code == 2
    assert "step 1 is 'rm[0]: action prepare' in the trace but 'rm[0]: action choose_to_abort'" in err


def test_replay_rejects_what_is_not_a_trace(run_cli, workdir: Path) -> None:
    write(workdir, "junk.txt", "hello")
    run_cli(["check", TWO_PHASE, "--json", "holds.json", "--no-progress"])
    run_cli(["check", TWO_PHASE_BROKEN, "--json", "report.json", "--no-progress"])
    for trace, message in [
        ("junk.txt", "'junk.txt' is neither a path such as 0.1.3 nor a JSON report"),
        ("holds.json", "'holds.json' holds no trace (no property was violated in that run)"),
        ("nothing.json", "cannot read trace 'nothing.json'"),
    ]:
        code, _, err = run_cli(["replay", TWO_PHASE, trace])
        assert code == 2 and err.startswith(f"capcheck: error: {message}"), err
    code, _, err = run_cli(["replay", TWO_PHASE_BROKEN, "report.json", "--property", "nope"])
    assert code == 2 and err == "capcheck: error: 'report.json' has no trace for property 'nope'\n"


# ---------------------------------------------------------------- 8. faults

CRASH = """\
protocol crash_detect:
    const C = 1
    faults crash <= C

    node a:
        var noticed: bool = false

        action notice when not up(b) and not noticed:
            noticed = true

    node b:
        var idle: bool = false

    invariant sound: a.noticed => not up(b)
    invariant quiet: not a.noticed
    invariant b_up: up(b)
"""


def test_crash_budget_and_up(workdir: Path) -> None:
    # crash <= 1: (noticed, down) = (F, {}), (F, {a}), (F, {b}), (T, {b}): a crashed a takes
    # no step; with b down, a notices. Generated: 1 + 2 (crash a, crash b) + 1 (notice).
    path = write(workdir, "crash.cap", CRASH)
    result = explore(path)
    assert counts(result) == (4, 4, 2)
    assert named(result, "sound").verdict is Verdict.HOLDS
    assert actions(named(result, "quiet").trace) == ["b: crash", "a: action notice"]
    assert actions(named(result, "b_up").trace) == ["b: crash"]
    # crash <= 2 adds (F, {a, b}) (from either order) and (T, {a, b}) (a crashes after
    # noticing): 6 states.
    assert explore(path, {"C": 2}).stats.distinct_states == 6


AMNESIA = """\
protocol amnesia:
    faults crash <= 1, restart <= 1

    node n:
        durable var d: 0..1 = 0
        var v: 0..1 = 0

        action set_both when d == 0:
            d = 1
            v = 1
{restart}
    invariant volatile_le_durable: n.v <= n.d
    invariant same: n.v == n.d
"""


def test_restart_resets_volatile_and_keeps_durable(workdir: Path) -> None:
    # (d, v, down, crashes, restarts):
    #   (0,0,up,0,0) -set-> (1,1,up,0,0) -crash-> (1,1,down,1,0) -restart-> (1,0,up,1,1)
    #   (0,0,up,0,0) -crash-> (0,0,down,1,0) -restart-> (0,0,up,1,1) -set-> (1,1,up,1,1)
    # 7 states, one step out of each but two out of the first and none out of the two ends.
    result = explore(write(workdir, "amnesia.cap", AMNESIA.format(restart="")))
    assert counts(result) == (7, 7, 3)
    assert named(result, "volatile_le_durable").verdict is Verdict.HOLDS
    same = named(result, "same")
    assert actions(same.trace) == ["n: action set_both", "n: crash", "n: restart"]
    assert same.trace.steps[-1].state["nodes"]["n"] == {"d": 1, "v": 0}
    assert same.trace.steps[-1].state["down"] == []


def test_on_restart_runs_after_the_reset(workdir: Path) -> None:
    # `on restart: v = d` restores v, so the restart after set_both lands on (1,1,up,1,1),
    # which the other branch also reaches: 6 states, and v == d always holds.
    handler = "\n        on restart:\n            v = d\n"
    result = explore(write(workdir, "amnesia.cap", AMNESIA.format(restart=handler)))
    assert result.stats.distinct_states == 6
    assert named(result, "same").verdict is Verdict.HOLDS


PARTITION = """\
protocol split:
    faults partition <= 1

    message ping()

    node a:
        var sent: bool = false
        var split_seen: bool = false

        action go when not sent:
            sent = true
            send ping() to b

        action observe when not reachable(a, b) and not split_seen:
            split_seen = true

    node b:
        var got: bool = false
        var bad: bool = false

        on ping() from s:
            got = true
            if not reachable(s, self):
                bad = true

    invariant never_across_a_cut: not b.bad
    invariant never_split: not a.split_seen
"""


def test_partition_and_reachable(workdir: Path) -> None:
    # With two nodes there is one partition, {a} | {b}, and a can observe it only once it
    # happened: (cuts, observed) is one of no cut; cut; cut + observed; healed; healed +
    # observed (5). The ping is not sent, in flight or delivered (3). Delivery is blocked
    # under the cut, but it can come before the partition, so all 3 x 5 = 15 are reachable;
    # b.bad stays false (a delivery across the cut would set it).
    result = explore(write(workdir, "split.cap", PARTITION))
    assert result.stats.distinct_states == 15
    assert named(result, "never_across_a_cut").verdict is Verdict.HOLDS
    split = named(result, "never_split")
    assert actions(split.trace) == ["network: partition {a} | {b}", "a: action observe"]


THREE_NODES = """\
protocol three:
    faults {fault} <= 1

    node a:
        var v: bool = false

    node b:
        var v: bool = false

    node c:
        var v: bool = false

    invariant self_reachable: reachable(a, a)
    invariant ab: reachable(a, b)
    invariant bc: reachable(b, c)
"""


@pytest.mark.parametrize("fault, bc_action", [
    # Partitions put a on one side: {a} | {b, c}, {a, b} | {c}, {a, c} | {b}, in that order.
    ("partition", "network: partition {a, b} | {c}"),
    # Links in order a-b, a-c, b-c.
    ("link", "network: cut link b <-> c"),
])
def test_three_cuts_with_three_nodes(workdir: Path, fault: str, bc_action: str) -> None:
    # No cut; one of 3 cuts (budget used); healed (budget used): 5 states.
    result = explore(write(workdir, "three.cap", THREE_NODES.format(fault=fault)))
    # Generated: 1 + 3 cuts from the start + 1 heal from each cut; healed, nothing is left.
    assert counts(result) == (5, 1 + 3 + 3, 2)
    assert named(result, "self_reachable").verdict is Verdict.HOLDS
    ab = "network: partition {a} | {b, c}" if fault == "partition" else "network: cut link a <-> b"
    assert actions(named(result, "ab").trace) == [ab]
    assert actions(named(result, "bc").trace) == [bc_action]


PAUSE = """\
protocol pausing:
    faults pause <= 1

    node n:
        var x: 0..2 = 0

        action inc when x < 2:
            x += 1

    invariant bounded: n.x <= 2
"""


def test_pause_stops_a_node_until_it_resumes(workdir: Path) -> None:
    # x in 0..2 times (running, budget unused), (paused), (resumed): 9 states. Generated:
    # 1 + running (inc for x < 2, pause: 2+2+1) + paused (resume: 3) + resumed (inc: 2) = 11.
    # Deepest: inc, inc, pause, resume = 4 steps.
    result = explore(write(workdir, "pause.cap", PAUSE))
    assert counts(result) == (9, 11, 4)


# ---------------------------------------------------------------- 9. deadlocks

STUCK = """\
protocol stuck:
    message ping(good: bool)

    node a:
        var n: 0..2 = 0
        var sent: bool = false

        action step when n < 2:
            n += 1

        action send_good when n == 2 and not sent:
            sent = true
            send ping(true) to b

        action send_bad when n == 2 and not sent:
            sent = true
            send ping(false) to b

    node b:
        var got: bool = false

        on ping(good) from s when good:
            got = true

    invariant got_after_sent: b.got => a.sent
{check}
"""


def test_deadlock_with_a_stuck_message(run_cli, workdir: Path) -> None:
    # n = 0, 1, 2, then either ping; ping(false) is never accepted: no step is enabled and a
    # message is in flight, 3 steps in. No shorter path sends anything.
    path = write(workdir, "stuck.cap", STUCK.format(check="    check deadlock_free"))
    code, data, _ = _check_json(run_cli, path)
    assert (code, data["result"]) == (1, "violated")
    deadlock = _json_prop(data, "deadlock_free")
    assert (deadlock["kind"], deadlock["verdict"]) == ("deadlock_free", "violated")
    steps = deadlock["trace"]
    assert [s["action"] for s in steps[1:]] == ["a: action step", "a: action step", "a: action send_bad"]
    assert steps[-1]["state"]["network"] == ["ping(false) from a to b"]
    assert _json_prop(data, "got_after_sent")["verdict"] == "holds"


def test_no_deadlock_switches_it_off(run_cli, workdir: Path) -> None:
    # Without deadlock detection: n 0..2 (3), each ping in flight (2), ping(true) delivered: 6.
    path = write(workdir, "stuck.cap", STUCK.format(check="    check deadlock_free"))
    code, data, _ = _check_json(run_cli, path, "--no-deadlock")
    assert (code, data["result"], data["stats"]["distinct_states"]) == (0, "holds", 6)
    assert [p["name"] for p in data["properties"]] == ["got_after_sent"]


def test_deadlock_option_switches_it_on(run_cli, workdir: Path) -> None:
    path = write(workdir, "stuck.cap", STUCK.format(check=""))
    assert _check_json(run_cli, path)[0] == 0
    code, data, _ = _check_json(run_cli, path, "--deadlock")
    assert code == 1 and _json_prop(data, "deadlock_free")["length"] == 3


def test_a_quiescent_end_is_not_a_deadlock(run_cli, workdir: Path) -> None:
    # Without send_bad: n 0..2, ping(true) in flight, delivered (nothing in flight, no step
    # enabled: a legitimate end). 5 states.
    text = STUCK.format(check="    check deadlock_free")
    start = text.index("        action send_bad")
    text = text[:start] + text[text.index("    node b:"):]
    code, data, _ = _check_json(run_cli, write(workdir, "quiet.cap", text))
    assert (code, data["result"], data["stats"]["distinct_states"]) == (0, "holds", 5)
    assert _json_prop(data, "deadlock_free")["verdict"] == "holds"


REORDER = """\
protocol reorder:
    network {mode}

    message entry(i: 1..2)

    node p:
        var shipped: bool = false

        action ship when not shipped:
            shipped = true
            send entry(2) to q
            send entry(1) to q

    node q:
        var applied: 0..2 = 0

        on entry(i) from s when i == applied + 1:
            applied = i

    check deadlock_free
"""


def test_fifo_head_of_line_blocking_is_a_deadlock(workdir: Path) -> None:
    # fifo: entry(2) heads the link and is never accepted, so entry(1) behind it never
    # arrives: a deadlock after the one send step. unordered: 1 then 2 are applied:
    # init, {1,2} in flight, {2} in flight, nothing in flight: 4 states.
    fifo = explore(write(workdir, "fifo.cap", REORDER.format(mode="fifo")))
    assert actions(named(fifo, "deadlock_free").trace) == ["p: action ship"]
    unordered = explore(write(workdir, "unordered.cap", REORDER.format(mode="unordered")))
    assert unordered.result == "holds" and unordered.stats.distinct_states == 4


def test_duplicating_network_deadlocks_only_when_no_step_is_enabled(workdir: Path) -> None:
    # In a duplicating network messages never leave, so a state with no step enabled at all
    # is a deadlock (language.md 16.3, as in TLC). After ping(true) is delivered, delivering
    # it again is still enabled (a step that changes nothing); after ping(false), nothing is.
    text = STUCK.format(check="    check deadlock_free").replace(
        "protocol stuck:", "protocol stuck:\n    network duplicating")
    result = explore(write(workdir, "dup.cap", text))
    deadlock = named(result, "deadlock_free")
    assert actions(deadlock.trace) == ["a: action step", "a: action step", "a: action send_bad"]
    assert deadlock.trace.steps[-1].state["network"] == ["ping(false) from a to b"]
    # Without send_bad: n 0..2, ping(true) sent, delivered (and deliverable again): 5 states.
    start = text.index("        action send_bad")
    result = explore(write(workdir, "dup_good.cap", text[:start] + text[text.index("    node b:"):]))
    assert result.result == "holds" and result.stats.distinct_states == 5


def test_two_phase_is_deadlock_free() -> None:
    # Every end state of TwoPhase has a decision message that can be received again.
    result = explore(TWO_PHASE, deadlock=True)
    assert result.stats.distinct_states == 288
    assert [(p.name, p.verdict) for p in result.properties] == [
        ("consistent", Verdict.HOLDS), ("rm_follows_tm", Verdict.HOLDS), ("deadlock_free", Verdict.HOLDS)]


def test_deadlock_at_the_depth_bound_is_not_holds(run_cli, workdir: Path) -> None:
    # Without send_good the only run is step, step, send_bad: the deadlocked state is 3 steps
    # deep, so --max-depth 3 reaches it (and no state is cut off beyond the bound).
    text = STUCK.format(check="    check deadlock_free")
    start = text.index("        action send_good")
    text = text[:start] + text[text.index("        action send_bad"):]
    path = write(workdir, "stuck.cap", text)
    assert _check_json(run_cli, path)[0] == 1
    code, data, _ = _check_json(run_cli, path, "--max-depth", "3")
    assert _json_prop(data, "deadlock_free")["verdict"] != "holds"
    assert code in (1, 3) and data["result"] != "holds"


# ---------------------------------------------------------------- 10. run-time errors

OVERFLOW = """\
protocol overflow:
    node c:
        var x: 0..2 = 0

        action inc:
            x = x + 1

    invariant small: c.x <= 2
"""


def test_value_out_of_range_is_a_located_error(run_cli, workdir: Path) -> None:
    path = write(workdir, "overflow.cap", OVERFLOW)
    code, out, err = run_cli(["check", path, "--no-progress"])
    assert code == 2
    assert err == ("overflow.cap:6:13: error: the value 3 does not fit variable 'x' of type 0..2\n"
                   " 6 |             x = x + 1\n"
                   "   |             ^^^^^^^^^\n")
    # The report shows the shortest run to the state where the step fails: x = 0, 1, 2.
    assert "the spec failed while running: the value 3 does not fit variable 'x' of type 0..2" in out
    assert out.rstrip("\n").splitlines()[-1].startswith("result: error (")
    assert "invariant small: holds" not in out


def test_value_out_of_range_in_json(run_cli, workdir: Path) -> None:
    path = write(workdir, "overflow.cap", OVERFLOW)
    code, data, err = _check_json(run_cli, path)
    assert code == 2 and LOCATED.match(err)
    assert (data["result"], data["exit_reason"]) == ("error", "runtime_error")
    assert data["error"]["location"] == {"line": 6, "column": 13}
    assert data["error"]["path"] == "0.0.0"
    assert [s["state"]["nodes"]["c"]["x"] for s in data["error"]["trace"]] == [0, 1, 2]
    assert _json_prop(data, "small")["verdict"] == "unknown"


def test_plus_equals_out_of_range(run_cli, workdir: Path) -> None:
    path = write(workdir, "overflow.cap", OVERFLOW.replace("x = x + 1", "x += 2"))
    code, _, err = run_cli(["check", path, "--no-progress"])
    # x = 0 -> 2 -> fails with 4.
    assert code == 2
    assert err.startswith("overflow.cap:6:13: error: the value 4 does not fit variable 'x' of type 0..2\n")


def test_message_field_out_of_range(run_cli, workdir: Path) -> None:
    text = """\
protocol field:
    message m(v: 0..1)

    node a:
        var n: 0..3 = 0

        action go when n < 3:
            n += 1
            send m(n) to b

    node b:
        var last: 0..3 = 0

        on m(v) from s:
            last = v
"""
    code, _, err = run_cli(["check", write(workdir, "field.cap", text), "--no-progress"])
    # n = 1 fits, n = 2 does not: the error is at the send, on the second go.
    assert code == 2
    match = LOCATED.match(err)
    assert match and (match["path"], match["line"], match["col"]) == ("field.cap", "9", "13")
    assert "field 'v' of message 'm'" in match["message"]


def test_error_in_the_initial_state_has_the_runtime_error_reason(run_cli, workdir: Path) -> None:
    text = ("protocol seqerr:\n    node c:\n        var s: seq[0..1, 2] = []\n\n"
            "    invariant first: c.s[0] == 0\n")
    code, data, err = _check_json(run_cli, write(workdir, "seqerr.cap", text))
    assert code == 2 and err.startswith("seqerr.cap:5:22: error: index 0 is outside the sequence")
    assert (data["result"], data["exit_reason"]) == ("error", "runtime_error")


def test_initial_value_out_of_range_is_located(run_cli, workdir: Path) -> None:
    text = "protocol initerr:\n    const K = 3\n\n    node c:\n        var x: 0..2 = K\n"
    code, _, err = run_cli(["check", write(workdir, "initerr.cap", text), "--no-progress"])
    assert code == 2
    match = LOCATED.match(err)
    assert match and (match["path"], match["line"]) == ("initerr.cap", "5"), err


# ---------------------------------------------------------------- specs without properties

NO_PROPERTIES = """\
protocol counter_only:
    node c:
        var x: 0..5 = 0

        action inc when x < 5:
            x += 1
"""


def test_a_spec_without_properties_is_explored_fully(run_cli, workdir: Path) -> None:
    code, data, _ = _check_json(run_cli, write(workdir, "none.cap", NO_PROPERTIES))
    assert data["stats"]["distinct_states"] == 6
    assert (code, data["result"], data["exit_reason"]) == (0, "holds", "complete")


def test_no_deadlock_on_the_only_property(run_cli, workdir: Path) -> None:
    text = STUCK.format(check="    check deadlock_free")
    text = text.replace("    invariant got_after_sent: b.got => a.sent\n", "")
    code, data, _ = _check_json(run_cli, write(workdir, "stuck.cap", text), "--no-deadlock")
    assert data["stats"]["distinct_states"] == 6
    assert (code, data["result"]) == (0, "holds")
