"""`capcheck history --explain` (checker/smt/history.py, smt/explain.py): the operations of a
non-linearizable history whose results contradict each other, found by Z3 and checked by
the offline checker.

Z3's smallest core has the size of props/explain.py's exhaustive one on random histories,
and every core (smallest or only minimal) is valid and minimal by the brute-force oracle;
the CLI prints, writes JSON and draws it; a time limit gives an unknown explanation, never
a wrong one; the solver wrapper undoes its scopes whatever is raised. Time limits are tested
on a fake clock (support.FakeClock: a limit is a number of looks at the clock, a bound on
work), never against the time a machine takes.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings

from checker.history import read_history
from checker.history.read import read_file
from checker.props.explain import core as relaxation_core
from checker.props.explain import relaxed
from checker.props.linearizability import check_operations
from checker.props.operations import OK, AppendKeyValue, Operation, ReadWriteRegister
from checker.resources import Budget
from checker.result import Verdict
from checker.smt import explain as smt_explain
from checker.smt.explain import ExplainOptions, explain
from checker.smt import history as smt_history
from checker.smt.history import minimal_core, smallest_core
from checker.smt.solver import Solver

from support import EXAMPLES, PORCUPINE, FakeClock
from oracles.linearizability import histories, linearizable



def keeping(operations, kept) -> list:
    """`operations` with every answered one outside `kept` relaxed, nothing left out: the
    oracle's history, independent of the pruning the explainer does (smt/history.py `Relaxed`)."""
    chosen = set(kept)
    return [o if i in chosen or o.ret is None else relaxed(o) for i, o in enumerate(operations)]


def _valid_and_minimal(spec, operations, core) -> None:
    assert not linearizable(spec, keeping(operations, core))
    for member in core:
        assert linearizable(spec, keeping(operations, [i for i in core if i != member])), (core, member)


@pytest.mark.parametrize("kind", ["register", "cas-register"])
def test_z3_cores_are_smallest_valid_and_minimal(kind):
    """(A map is explained key by key, by explain(): see the kv test below.)"""
    @settings(max_examples=40, deadline=None)
    @given(histories(kind, max_ops=6))
    def agree(history):
        spec, operations = history
        if check_operations(spec, operations).verdict is Verdict.HOLDS:
            assert smallest_core(spec, operations) is None and minimal_core(spec, operations) is None
            return
        found = smallest_core(spec, operations)
        _valid_and_minimal(spec, operations, found)
        sizes = [len(c) for t in range(len(operations)) if operations[t].ret is not None
                 for c in [relaxation_core(spec, operations, t)] if c is not None]
        assert len(found) == min(sizes)
        _valid_and_minimal(spec, operations, minimal_core(spec, operations))

    agree()


def test_without_a_z3_core_the_deletions_still_give_a_minimal_core(monkeypatch):
    """When Z3 finds no unsat core of the whole window in time, minimal_core deletes from
    every response; with almost no time for each turn, the offline checker and Z3 take
    turns on each deletion, with growing time, until one decides."""
    monkeypatch.setattr(smt_history, "CORE_LIMIT", 0.0)
    monkeypatch.setattr(smt_history, "GROW_LIMIT", 1e-4)   # and Z3 and the checker take turns

    @settings(max_examples=30, deadline=None)
    @given(histories("cas-register", max_ops=6))
    def agree(history):
        spec, operations = history
        found = minimal_core(spec, operations)
        if check_operations(spec, operations).verdict is Verdict.HOLDS:
            assert found is None
        else:
            _valid_and_minimal(spec, operations, found)

    agree()


def test_when_the_offline_checker_never_decides_z3_does(monkeypatch):
    """minimal_core with an offline checker that gives up on every deletion: Z3's turns,
    with growing time, decide each one, and the core is still minimal."""
    decide = smt_history.Relaxed.verdict

    def verdict(self, kept, timeout=None, instead=None):      # decided only on the whole history
        kept = list(kept)
        if timeout is not None and len(kept) < sum(o.ret is not None for o in self.ops):
            return Verdict.UNKNOWN
        return decide(self, kept, timeout, instead)

    monkeypatch.setattr(smt_history.Relaxed, "verdict", verdict)
    monkeypatch.setattr(smt_history, "GROW_LIMIT", 1e-3)
    monkeypatch.setattr(smt_history, "CORE_LIMIT", 0.0)       # the deletions start from every response

    @settings(max_examples=20, deadline=None)
    @given(histories("register", max_ops=6))
    def agree(history):
        spec, operations = history
        if check_operations(spec, operations).verdict is not Verdict.HOLDS:
            _valid_and_minimal(spec, operations, minimal_core(spec, operations))

    agree()


def test_a_stale_read_is_explained_by_the_two_writes_before_it(run_cli, tmp_path):
    out = tmp_path / "core.dot"
    code, text, err = run_cli(["history", str(EXAMPLES / "stale_read.edn"), "--explain", "--render", str(out),
                               "--json", str(tmp_path / "r.json")])
    assert code == 1, err
    assert text.endswith(
        "explanation (Z3, checked by the offline checker): these 3 operations cannot all have the results shown, "
        "whatever the other operations did; the smallest set:\n"
        "  lines 4-5    process 0  write(1) -> ok\n"
        "  lines 6-7    process 1  write(2) -> ok\n"
        "  lines 10-11  process 0  read() -> 1     <- answered last\n"
        "  with the others as recorded, read(...) could only have returned 2\n")
    assert "cannot all be linearized" in out.read_text()
    data = json.loads((tmp_path / "r.json").read_text())["explanation"]
    assert data["status"] == "explained" and data["minimum"] is True
    assert [op["f"] for op in data["core"]] == ["write", "write", "read"] and data["allowed"] == [2]


def test_a_map_is_explained_key_by_key(run_cli):
    code, text, _ = run_cli(["history", str(EXAMPLES / "kv.json"), "--explain"])
    assert code == 1
    assert 'these 2 operations of key "x" cannot all have the results shown' in text


def test_a_linearizable_history_has_nothing_to_explain(run_cli):
    code, text, _ = run_cli(["history", str(EXAMPLES / "sync_read.edn"), "--explain"])
    assert code == 0 and text.endswith("explanation: nothing to explain, the history is linearizable\n")


def test_render_needs_explain(run_cli, tmp_path):
    code, _, err = run_cli(["history", str(EXAMPLES / "stale_read.edn"), "--render", str(tmp_path / "x.svg")])
    assert code == 2 and "add --explain" in err


def _unknown_or_right(e, full) -> str:
    """`e`, an explanation cut short by a time limit, is unknown for that reason and shows no
    core, or an explanation explain() checked concretely: the one found without the limit
    when it claims to be a smallest set, else a minimal one with the contradicted operation
    in it (a smaller budget for the smallest set leaves a minimal one). Returns its status."""
    if e.status == "unknown":
        assert e.reason.startswith("timeout") and e.core == () and e.contradicted is None, e
    else:
        assert e.status == "explained" and e.contradicted in e.core, e
        assert e == full if e.minimum else e.part == full.part, (e, full)
    return e.status


def test_a_time_limit_gives_an_unknown_explanation_never_a_wrong_one():
    """Every budget, from none to enough: a clock that moves a second at every look makes
    the limit run out at each step of the explanation in turn (the window, the core, its
    confirmation, the others' results). Z3 gets the fake seconds left as real ones, at
    least half a second for checks of a few operations that take about a millisecond."""
    spec, ops = _two_violated_keys()
    result = check_operations(spec, ops)
    full = explain(spec, ops, result)
    clock = FakeClock()
    unlimited = ExplainOptions(timeout=10**9, smallest=10**9, budget=Budget(clock=clock))
    assert explain(spec, ops, result, unlimited) == full
    reasons = set()
    for looks in range(clock.reads + 2):
        limited = ExplainOptions(timeout=looks + 0.5, smallest=10**9, budget=Budget(clock=FakeClock()))
        e = explain(spec, ops, result, limited)
        _unknown_or_right(e, full)
        reasons.add(e.reason)
    assert reasons == {None, "timeout", "timeout: no violated part's window was found in time",
                       "timeout: the offline checker did not confirm the 2 operations Z3 found in time"}


def _on_a_fake_clock(timeout: float) -> ExplainOptions:
    """A time limit on a clock that moves a millisecond at every look."""
    return ExplainOptions(timeout=timeout, budget=Budget(clock=FakeClock(1e-3)))


@pytest.mark.parametrize("looks", [0, 10, 20, pytest.param(50, marks=pytest.mark.slow),
                                   pytest.param(200, marks=pytest.mark.slow),
                                   pytest.param(400, marks=pytest.mark.slow)])
def test_a_time_limit_on_a_corpus_history_gives_unknown_or_a_checked_core(looks):
    """etcd_000 on a clock that moves a millisecond at every look (each look is a turn of
    the offline checker's search: a fixed amount of work): the explanation needs about 700
    looks; with fewer it is unknown, or a minimal core checked concretely. (Which of the two
    a budget gives is not asserted past the first step: Z3 gets the fake seconds left as
    real ones, a few tenths here, and a loaded machine may use them up.)"""
    path = PORCUPINE / "jepsen" / "etcd_000.log"
    if not path.exists():
        pytest.skip("the Porcupine corpus is not beside the repository")
    history = read_history(str(path), read_file(str(path)), "auto", None)
    result = check_operations(history.spec, history.operations)
    full = explain(history.spec, history.operations, result, _on_a_fake_clock(300))
    assert (full.status, full.minimum, len(full.core)) == ("explained", True, 7)
    e = explain(history.spec, history.operations, result, _on_a_fake_clock(looks * 1e-3 + 5e-4))
    status = _unknown_or_right(e, full)
    if looks == 0:
        assert (status, e.reason) == ("unknown", "timeout: no violated part's window was found in time")


def test_scopes_are_undone_when_an_exception_escapes():
    solver = Solver()
    with pytest.raises(RuntimeError):
        with solver.scope():
            solver.add(solver.literal("a"))
            assert solver.depth == 1
            raise RuntimeError("boom")
    assert solver.depth == 0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["jepsen/etcd_001.log", "jepsen/etcd_003.log", "jepsen/etcd_010.log",
                                  "kv/c50-bad.txt"])
def test_corpus_histories_get_a_verified_core(name):
    path = PORCUPINE / name
    if not path.exists():
        pytest.skip("the Porcupine corpus is not beside the repository")
    history = read_history(str(path), read_file(str(path)), "auto", None)
    result = check_operations(history.spec, history.operations)
    e = explain(history.spec, history.operations, result, _on_a_fake_clock(300))
    assert e.status == "explained" and e.contradicted in e.core     # explain() verified it concretely


@pytest.mark.slow
def test_etcd_057_gets_a_smallest_core_of_13():
    """The window of 78 operations that no search decided within ten minutes before the
    offline checker required each step after an indeterminate one to depend on it. The
    default limits, on a clock that moves a millisecond at every look (a turn of the offline
    checker's search): about 2,200 looks, where the smallest set may take 10,000; how long
    that takes on a real clock is bench/explain.py's business."""
    path = PORCUPINE / "jepsen" / "etcd_057.log"
    if not path.exists():
        pytest.skip("the Porcupine corpus is not beside the repository")
    history = read_history(str(path), read_file(str(path)), "auto", None)
    result = check_operations(history.spec, history.operations)
    e = explain(history.spec, history.operations, result, _on_a_fake_clock(300))
    assert (e.status, e.minimum, len(e.core)) == ("explained", True, 13)


# ---------------------------------------------------------------- which part, and time limits

def _two_violated_keys():
    """Key "a" is violated only after a long run of operations, key "b" at once."""
    spec = AppendKeyValue()
    ops = [Operation(0, "put", ("a", "1"), OK, 0, 1)]
    ops += [Operation(0, "get", ("a",), "1", 2 + 2 * k, 3 + 2 * k) for k in range(6)]
    ops += [Operation(0, "get", ("a",), "", 20, 21)]                 # stale: the put finished long before
    ops += [Operation(1, "append", ("b", "x"), OK, 22, 23), Operation(1, "get", ("b",), "", 24, 25)]
    return spec, ops


def test_of_several_violated_keys_the_one_with_the_smallest_window_is_explained():
    spec, ops = _two_violated_keys()
    result = check_operations(spec, ops)
    assert [p.part for p in result.violated] == ["a", "b"]
    e = explain(spec, ops, result)
    assert e.status == "explained" and e.part == "b" and e.violated_parts == 2
    assert e.core == (8, 9) and e.contradicted == 9 and e.window == 2


def test_a_core_the_offline_checker_cannot_confirm_in_time_is_unknown_never_a_finding(monkeypatch):
    """Stand-in for an offline check that runs out of time: the core Z3 found is then not
    reported (STYLE.md rule 4), whatever the reason the check did not finish."""
    spec, ops = _two_violated_keys()
    result = check_operations(spec, ops)
    undecided = smt_history.Relaxed.verdict

    def verdict(self, kept, timeout=None, instead=None):
        if timeout is not None and len(list(kept)) == 2:
            return Verdict.UNKNOWN
        return undecided(self, kept, timeout, instead)

    monkeypatch.setattr(smt_history.Relaxed, "verdict", verdict)
    e = explain(spec, ops, result, ExplainOptions(timeout=600))
    assert e.status == "unknown" and e.core == () and e.part == "b"
    assert e.reason == "timeout: the offline checker did not confirm the 2 operations Z3 found in time"


def test_z3s_replayed_linearization_confirms_a_member_the_offline_checker_cannot(monkeypatch):
    """Each member of the core must be needed: the window with it relaxed is linearizable.
    When the offline checker does not decide that in its turn, Z3's model, replayed on the
    spec, is the concrete linearization instead."""
    spec, ops = _two_violated_keys()
    result = check_operations(spec, ops)
    undecided = smt_history.Relaxed.verdict
    asked = []

    def verdict(self, kept, timeout=None, instead=None):
        if timeout is not None and len(list(kept)) == 1:
            asked.append(list(kept))
            return Verdict.UNKNOWN
        return undecided(self, kept, timeout, instead)

    monkeypatch.setattr(smt_history.Relaxed, "verdict", verdict)
    e = explain(spec, ops, result, ExplainOptions(timeout=600))
    assert e.status == "explained" and e.core == (8, 9) and {tuple(k) for k in asked} == {(0,), (1,)}


def test_allowed_results_past_the_deadline_are_not_claimed_complete():
    spec = ReadWriteRegister(0)
    ops = [Operation(0, "write", (1,), spec.ok, 0, 1), Operation(1, "read", (), 0, 2, 3)]
    states = smt_history.domain(spec, ops)
    relaxations = smt_history.Relaxed(spec, ops, states)
    assert smt_explain._allowed(relaxations, states, [0, 1], 1) == ((1,), True)
    passed = Budget(deadline=-1.0, clock=FakeClock())          # past at the first look
    assert smt_explain._allowed(relaxations, states, [0, 1], 1, passed) == ((), False)
