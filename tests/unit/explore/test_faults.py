"""One-way link cuts, duplication, and fault budgets overridden with `--faults`.

Every expected count is derived by hand in the comment next to it, never copied from
capcheck's output. Test specs are tiny, so each runs in well under a second.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker.cli.options import faults_override
from checker.pipeline import compile_spec
from checker.errors import UsageError
from checker.explore import SearchOptions, search
from checker.model import values
from checker.result import CheckResult, Verdict
from checker.semantics.faults import FaultOverride

from support import actions, counts, named, write


def _explore(path: str, faults: str | None = None) -> CheckResult:
    """The full state graph (no partial-order reduction): the counts and runs here are
    worked out by hand."""
    override = faults_override(faults) if faults is not None else None
    return search(compile_spec(path, {}, "check", override)[1], SearchOptions(por=False))


# ---------------------------------------------------------------- reachable()


def test_reachable_follows_the_direction_of_a_one_way_cut() -> None:
    a, b, c = 0, 1, 2
    assert values.reachable(frozenset(), a, b)
    one_way = frozenset({(2, a, b)})          # a -> b cut: b -> a still flows
    assert not values.reachable(one_way, a, b) and values.reachable(one_way, b, a)
    assert values.reachable(one_way, a, c) and values.reachable(one_way, c, b)
    link = frozenset({(1, a, b)})             # both directions, whichever way it is asked
    assert not values.reachable(link, a, b) and not values.reachable(link, b, a)
    split = frozenset({(0, 1 << a)})          # {a} | {b, c}
    assert not values.reachable(split, b, a) and values.reachable(split, b, c)
    both = frozenset({(2, a, b), (2, b, a)})  # two one-way cuts make a link cut
    assert not values.reachable(both, a, b) and not values.reachable(both, b, a)
    assert all(values.reachable(one_way | split, n, n) for n in (a, b, c))


# ---------------------------------------------------------------- one-way cuts


PING_PONG = """\
protocol ping_pong:
    faults oneway <= 1

    message ping()

    node a:
        var sent: bool = false
        var got: bool = false

        action go when not sent:
            sent = true
            send ping() to b

        on ping() from p:
            got = true

    node b:
        var sent: bool = false
        var got: bool = false

        action go when not sent:
            sent = true
            send ping() to a

        on ping() from p:
            got = true

    invariant a_to_b: reachable(a, b)
    invariant b_to_a: reachable(b, a)
    invariant one_way_only: reachable(a, b) or reachable(b, a)
    invariant self_reachable: reachable(a, a)
"""


def test_one_way_cut_state_counts(workdir: Path) -> None:
    # Each direction's ping is unsent, in flight or delivered (3 x 3 = 9); the network is
    # uncut with the budget unused, cut a -> b, cut b -> a, or healed (4). A ping can be
    # delivered before its direction is cut, so all 9 x 4 = 36 states are reachable.
    # Successors, summed over the 4 network states: sends 6 each (24); deliveries 6 uncut
    # or healed, 3 under either cut (18); 2 cuts from each of the 9 uncut states (18); one
    # heal from each of the 18 cut states (18): 78, plus the initial state.
    # Deepest: both pings delivered, then cut, then healed: 6 steps.
    result = _explore(write(workdir, "pp.cap", PING_PONG))
    assert counts(result) == (36, 79, 6)
    assert actions(named(result, "a_to_b").trace) == ["network: cut one way a -> b"]
    assert actions(named(result, "b_to_a").trace) == ["network: cut one way b -> a"]
    assert named(result, "one_way_only").verdict is Verdict.HOLDS   # one cut: one direction


def test_a_one_way_cut_blocks_delivery_in_its_direction_only(workdir: Path) -> None:
    blocked = PING_PONG + """\
    invariant a_hears_b_under_the_cut: not (a.got and not reachable(b, a) and not b.got)
"""
    # a can only get b's ping under the cut b -> a if it was delivered before the cut; the
    # invariant looks for a.got while b -> a is cut and b has not got a's ping: reachable by
    # b go, a receives, cut b -> a (3 steps). Under a -> b, a's ping to b cannot arrive.
    result = _explore(write(workdir, "pp.cap", blocked))
    trace = named(result, "a_hears_b_under_the_cut").trace
    assert actions(trace) == ["b: action go", "a: on ping() from b", "network: cut one way b -> a"]
    assert trace.steps[-1].state["cuts"] == ["b -> a"]
    assert list(trace.steps[-1].changes) == ["cuts: {} -> {b -> a}", "oneway faults used: 0 -> 1"]


THREE = """\
protocol three:
    faults {faults}

    node a:
        var v: bool = false

    node b:
        var v: bool = false

    node c:
        var v: bool = false

    invariant transitive: not (reachable(a, b) and reachable(b, c)) or reachable(a, c)
    invariant symmetric: reachable(a, c) == reachable(c, a)
    invariant self_reachable: reachable(a, a) and reachable(b, b)
"""


def test_one_way_cuts_with_three_nodes(workdir: Path) -> None:
    # No cut; one of the 6 ordered pairs cut (budget used); healed: 8 states.
    # Generated: the initial state, 6 cuts from it, one heal from each cut: 13.
    result = _explore(write(workdir, "three.cap", THREE.format(faults="oneway <= 1")))
    assert counts(result) == (8, 13, 2)
    # Ordered pairs in order a->b, a->c, b->a, b->c, c->a, c->b: a->c is the first to
    # break transitivity (a -> b and b -> c still flow) and symmetry.
    assert actions(named(result, "transitive").trace) == ["network: cut one way a -> c"]
    assert actions(named(result, "symmetric").trace) == ["network: cut one way a -> c"]


def test_a_non_transitive_partition_with_a_link_cut(workdir: Path) -> None:
    # The undirected link a <-> c: a-b and b-c still work, a-c does not; symmetric holds.
    result = _explore(write(workdir, "three.cap", THREE.format(faults="link <= 1")))
    assert actions(named(result, "transitive").trace) == ["network: cut link a <-> c"]
    assert named(result, "symmetric").verdict is Verdict.HOLDS


RELAY = """\
protocol relay:
    faults oneway <= 2

    message direct()
    message hop()

    node a:
        var sent: bool = false

        action go when not sent:
            sent = true
            send direct() to c
            send hop() to b

    node b:
        on hop() from p:
            send hop() to c

    node c:
        var direct: bool = false
        var relayed: bool = false

        on direct() from p:
            direct = true

        on hop() from p:
            relayed = true

    invariant relayed_around_the_cut: not (c.relayed and not reachable(a, c) and not reachable(c, a))
    invariant direct_across_a_cut: not (c.direct and not reachable(a, c) and a.sent)
"""


def test_a_message_goes_around_a_cut_through_a_third_node(workdir: Path) -> None:
    # Cut a -> c and c -> a (two one-way cuts: a and c cannot talk, b talks to both); a's
    # direct message stays in flight while the hop goes a -> b -> c: 2 cuts + go + 2
    # deliveries = 5 steps, and no shorter run sets c.relayed under both cuts.
    result = _explore(write(workdir, "relay.cap", RELAY))
    trace = named(result, "relayed_around_the_cut").trace
    assert trace.length == 5
    final = trace.steps[-1].state
    assert sorted(final["cuts"]) == ["a -> c", "c -> a"]
    assert final["nodes"]["c"] == {"direct": False, "relayed": True}
    assert final["network"] == ["direct() from a to c"]
    # c can get a's direct message under a cut only if it was delivered before: go,
    # deliver, cut a -> c (3 steps), never by delivery across the cut.
    direct = named(result, "direct_across_a_cut").trace
    assert actions(direct) == ["a: action go", "c: on direct() from a", "network: cut one way a -> c"]


# ---------------------------------------------------------------- duplication


DUPLICATION = """\
protocol dup:
    faults duplicate <= {k}

    message ping()

    node sender:
        var sent: bool = false

        action go when not sent:
            sent = true
            send ping() to receiver

    node receiver:
        var got: 0..3 = 0

        on ping() from s:
            got += 1

    invariant once: receiver.got <= 1
    invariant bounded: receiver.got <= 3
"""


@pytest.mark.parametrize("k, expected", [
    # k=0: initial, sent, delivered: 3 states, 3 generated, depth 2.
    (0, (3, 3, 2)),
    # k=1: after `go`, with b copies made (0..1) and g pings delivered (0..b+1), b+1-g in
    # flight: 2 + 3 = 5 states, plus the initial one: 6. Successors: go (1); one delivery
    # from each state with a ping in flight (identical pings are one step): 1 + 2 = 3;
    # one copy from the one state with b=0 and a ping in flight: 1. 5 + 1 = 6 generated.
    # Deepest: go, copy, deliver, deliver: 4.
    (1, (6, 6, 4)),
    # k=2: 2 + 3 + 4 = 9 states after `go`, plus the initial one: 10. Successors: go (1);
    # deliveries from the states with a ping in flight (g <= b): 1 + 2 + 3 = 6; copies from
    # those with b < 2: 1 + 2 = 3. 10 + 1 = 11 generated. Deepest: go, 2 copies, 3
    # deliveries: 6.
    (2, (10, 11, 6)),
])
def test_duplication_state_counts(workdir: Path, k: int, expected: tuple) -> None:
    result = _explore(write(workdir, "dup.cap", DUPLICATION.format(k=k)))
    assert counts(result) == expected


def test_a_duplicated_message_is_delivered_twice(workdir: Path) -> None:
    result = _explore(write(workdir, "dup.cap", DUPLICATION.format(k=1)))
    trace = named(result, "once").trace
    assert actions(trace) == ["sender: action go", "network: duplicate ping() from sender to receiver",
                               "receiver: on ping() from sender", "receiver: on ping() from sender"]
    copy = trace.steps[2]
    assert copy.action["kind"] == "duplicate" and copy.action["message"] == "ping() from sender to receiver"
    assert list(copy.changes) == ["duplicate faults used: 0 -> 1", "+ ping() from sender to receiver"]
    assert copy.state["network"] == ["ping() from sender to receiver"] * 2


def test_duplication_and_loss_together(workdir: Path) -> None:
    spec = DUPLICATION.format(k=1).replace("    faults", "    network unordered, lossy\n    faults") \
        .replace("duplicate <= 1", "duplicate <= 1, loss <= 1")
    # To the 6 states of k=1, loss adds runs where one of the (at most 2) copies is lost:
    # after go (b=0): lose the ping -> sent, nothing in flight, loss used (1 state). With a
    # copy (b=1) and g delivered, the copies in flight are 2-g; losing one gives b=1,
    # loss=1, in flight 1-g for g in 0..1 (2 states); then deliveries reach (b=1, loss=1,
    # g=1, nothing in flight), already counted as g=1. Copy after a loss needs a ping in
    # flight, and none is left. 6 + 1 + 2 = 9.
    result = _explore(write(workdir, "dup.cap", spec))
    assert result.stats.distinct_states == 9


# ---------------------------------------------------------------- --faults


def test_faults_override_parses_the_documented_forms() -> None:
    assert faults_override("crash=2,partition=0") == FaultOverride(False, (("crash", 2), ("partition", 0)))
    assert faults_override("none") == FaultOverride(True, ())
    assert faults_override(" none , oneway = 1 ") == FaultOverride(True, (("oneway", 1),))
    assert faults_override("crash=1,crash=1") == FaultOverride(False, (("crash", 1),))
    assert faults_override("none,crash=2").text() == "none,crash=2"
    aimed = faults_override("crash=1 on tm,link=1 on (tm, rm[0])")
    assert aimed.budgets == (("crash", 1), ("link", 1))
    assert [(k, text) for k, text, _ in aimed.aims] == [("crash", "tm"), ("link", "(tm, rm[0])")]
    assert aimed.text() == "crash=1 on tm,link=1 on (tm, rm[0])"


@pytest.mark.parametrize("text, message", [
    ("crsh=1", "unknown fault 'crsh' (did you mean 'crash'?); the faults are 'crash', 'restart'"),
    ("crash=-1", "--faults crash=-1: a budget cannot be negative (crash=0: no crash at all)"),
    ("crash=two", "--faults crash: the budget must be a whole number, e.g. crash=1 (got 'two')"),
    ("crash", "--faults expects KIND=N[,KIND=N...] or none"),
    ("", "--faults expects KIND=N[,KIND=N...] or none"),
    ("crash=1,none", "--faults: 'none' comes first"),
    ("crash=1,crash=2", "the budget for 'crash' is given twice with different values"),
    ("crash=" + "9" * 30, "--faults crash: the budget must be a whole number"),
    ("crash=1 on (tm", "--faults crash=... on (tm: the target is an expression"),
])
def test_faults_override_refuses_malformed_text(text: str, message: str) -> None:
    with pytest.raises(UsageError) as err:
        faults_override(text)
    assert message in str(err.value)


def test_faults_override_replaces_adds_and_clears(workdir: Path) -> None:
    path = write(workdir, "pp.cap", PING_PONG)
    assert counts(_explore(path, "oneway=0"))[0] == 9        # only the pings: 3 x 3
    assert counts(_explore(path, "none"))[0] == 9
    # Adding a kind the spec does not declare: one crash of a or b (or none) on top.
    assert _explore(path, "crash=1").stats.distinct_states > 36
    # none, then a link cut: as the one-way count, with 1 link instead of 2 directions:
    # 9 x 3 network states (uncut, cut, healed).
    assert counts(_explore(path, "none,link=1"))[0] == 27
    program, _ = compile_spec(path, {}, "check", faults_override("none,link=1"))
    assert program.faults.nonzero() == {"link": 1}


def test_faults_none_on_a_lossy_network_loses_nothing(workdir: Path) -> None:
    spec = DUPLICATION.format(k=0).replace("    faults duplicate <= 0", "    network unordered, lossy")
    path = write(workdir, "lossy.cap", spec)
    program, _ = compile_spec(path, {}, "check")
    assert program.faults.nonzero() == {"loss": None}          # no budget: any number
    program, _ = compile_spec(path, {}, "check", faults_override("none"))
    assert program.faults.nonzero() == {}


@pytest.mark.parametrize("spec, faults, message", [
    (DUPLICATION.format(k=1), "loss=1",
     "--faults loss=1: a 'loss' budget needs a lossy network: 'network unordered, lossy'"),
    (DUPLICATION.format(k=1), "restart=1",
     "--faults restart=1: a node can only restart after it crashed: add a 'crash' budget"),
    (DUPLICATION.format(k=1), "give_up=1",
     "--faults give_up=1: only clients give up on requests: declare 'clients N'"),
    (DUPLICATION.format(k=0).replace("    faults duplicate <= 0", "    network fifo"), "duplicate=1",
     "--faults duplicate=1: a fifo network does not duplicate messages: each of its links models a TCP "
     "connection, which delivers every message once, in order; use 'network unordered' for a network "
     "that may duplicate them"),
    (DUPLICATION.format(k=1).replace("duplicate <= 1", "crash <= 1, restart <= 1"), "crash=0",
     "--faults crash=0: the spec's budget 'restart <= 1' is then left without what it needs (a node "
     "can only restart after it crashed: add a 'crash' budget); add restart=0 to drop it"),
])
def test_an_override_the_spec_cannot_take_is_a_usage_error(run_cli, workdir: Path, spec: str,
                                                           faults: str, message: str) -> None:
    path = write(workdir, "spec.cap", spec)
    code, out, err = run_cli(["check", path, "--faults", faults])
    assert (code, out, err) == (2, "", f"capcheck: error: {message}\n")


def test_unknown_kind_on_the_command_line(run_cli, workdir: Path) -> None:
    path = write(workdir, "pp.cap", PING_PONG)
    code, out, err = run_cli(["check", path, "--faults", "one_way=1"])
    assert (code, out) == (2, "")
    assert err.startswith("capcheck: error: --faults: unknown fault 'one_way' (did you mean 'oneway'?)")
    assert "Traceback" not in err


def test_spec_errors_come_before_override_errors(run_cli, workdir: Path) -> None:
    path = write(workdir, "bad.cap", DUPLICATION.format(k=1).replace("duplicate <= 1", "loss <= 1"))
    code, _, err = run_cli(["check", path, "--faults", "restart=1"])
    assert code == 2 and err.startswith("bad.cap:2:12: error: a 'loss' budget needs a lossy network")


def test_the_report_records_the_budgets_and_replay_compares_them(run_cli, workdir: Path) -> None:
    path = write(workdir, "pp.cap", PING_PONG)
    code, out, _ = run_cli(["check", path, "--faults", "oneway=2,crash=1", "--json", "-"])
    data = json.loads(out)
    assert code == 1 and data["faults"] == {"crash": 1, "oneway": 2}
    (workdir / "report.json").write_text(out, encoding="utf-8")
    # The same budgets replay; the spec's own (oneway <= 1) do not.
    assert run_cli(["replay", path, "report.json", "--faults", "crash=1", "--faults", "oneway=2"])[0] == 0
    code, _, err = run_cli(["replay", path, "report.json"])
    assert (code, err) == (2, "capcheck: error: the trace was recorded with other fault budgets (crash <= 1, "
                              "oneway <= 2; here oneway <= 1); replay it with --faults crash=1,oneway=2\n")
    code, _, err = run_cli(["replay", path, "report.json", "--faults", "none,oneway=2,crash=1,pause=1"])
    assert code == 2 and err.endswith("replay it with --faults pause=0\n")


def test_the_replay_hint_repeats_the_override(run_cli, workdir: Path) -> None:
    path = write(workdir, "pp.cap", PING_PONG)
    code, out, _ = run_cli(["check", path, "--faults", "none", "--faults", "link=1", "--no-progress", "--no-por"])
    assert code == 1
    hint = next(line for line in out.splitlines() if "replay:" in line)
    assert hint == "  replay: capcheck replay pp.cap --faults none,link=1 0.2"
    code, out, _ = run_cli(hint.split("replay: capcheck ")[1].split())
    assert code == 0 and "network: cut link a <-> b" in out


def test_an_unbounded_loss_is_recorded_as_null(run_cli, workdir: Path) -> None:
    spec = DUPLICATION.format(k=0).replace("    faults duplicate <= 0", "    network unordered, lossy")
    path = write(workdir, "lossy.cap", spec)
    code, out, _ = run_cli(["check", path, "--json", "-"])
    assert json.loads(out)["faults"] == {"loss": None}


LOSSLESS_LOSSY = """\
protocol loss0:
    network unordered, lossy
    faults loss <= 0
    message ping()
    node a:
        var sent: bool = false
        action go when not sent:
            sent = true
            send ping() to b
    node b:
        on ping() from x:
            pass
"""


def test_a_lossy_network_with_a_loss_budget_of_zero_loses_nothing(workdir: Path) -> None:
    # the initial state, the ping in flight, the ping delivered: no loss step anywhere
    # (this used to crash in the generated code: no budget slot for a budget of 0)
    result = _explore(write(workdir, "loss0.cap", LOSSLESS_LOSSY))
    assert result.stats.distinct_states == 3 and result.exit_reason == "complete"
