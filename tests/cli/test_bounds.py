"""Bounds that hold (issue 21): one Budget per command (checker/resources.py) bounds the
search, the analysis of the state graph, the SMT engine, `cap`, reading and checking a
history, and explaining it; a bound hit gives UNKNOWN with the reason, never HOLDS.

Nothing here asserts on seconds: time limits are tested with fake clocks and budgets that
have already run out, memory limits with a bound below what the process already uses."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from checker.explore import SearchOptions, search
from checker.explore.liveness import Graph, check_available
from checker.history import read_history
from checker.pipeline import compile_spec
from checker.props.linearizability import CheckOptions, check_operations
from checker.render.text import detail
from checker.resources import Budget, StopRequest, Stopped, during, memory_in_use
from checker.result import INTERRUPTED, MEMORY, TIMEOUT, Verdict
from support import REPO_ROOT, FakeClock, hard_history

SPECS = REPO_ROOT / "specs"
search_module = importlib.import_module("checker.explore.search")


def _model(name: str):
    return compile_spec(str(SPECS / f"{name}.cap"))[1]


# -------------------------------------------------- the Budget value


def test_a_budget_says_why_it_ran_out_stop_request_first():
    clock = FakeClock(step=0)
    stop = StopRequest()
    budget = Budget.start(10, None, clock, stop)
    assert budget.exceeded() is None and budget.remaining() == 10
    clock.now = 10
    assert budget.exceeded() == TIMEOUT and budget.remaining() == 0
    stop.set(15)
    assert budget.exceeded() == INTERRUPTED and stop.signal == 15
    assert Budget(memory=1).exceeded() == MEMORY
    assert Budget(memory=1).exceeded(memory=False) is None
    with pytest.raises(Stopped) as raised:
        Budget(memory=1).check()
    assert raised.value.reason == MEMORY


def test_within_and_share_only_narrow():
    clock = FakeClock(step=0)
    budget = Budget.start(10, 1 << 40, clock)
    assert budget.within(20).deadline == 10 and budget.within(4).deadline == 4
    assert budget.within(None, 1 << 20).memory == 1 << 20 and budget.within(None, 1 << 50).memory == 1 << 40
    assert budget.share(0.5).deadline == 5
    shared = budget.share(1.0, 0.5).memory
    assert memory_in_use() <= shared < 1 << 40
    assert Budget.start(10, clock=clock, elapsed=3).deadline == 7   # a run that started 3 s ago


def test_a_stop_request_calls_the_interrupts_registered_then():
    stop, calls = StopRequest(), []
    with stop.interrupting(lambda: calls.append("z3")):
        stop.set(2)
    stop.set(15)                                   # the first request's signal is kept
    assert calls == ["z3"] and stop.signal == 2
    with stop.interrupting(lambda: calls.append("late")):
        pass                                       # already requested: called at once
    assert calls == ["z3", "late"]


def test_during_names_the_phase_once():
    with pytest.raises(Stopped) as raised:
        with during("reading"):
            with during("parsing a number"):
                raise Stopped(TIMEOUT)
    assert raised.value.during == "parsing a number"


# -------------------------------------------------- the explicit search


def test_a_time_limit_gives_unknown_with_the_reason_never_holds(tmp_path):
    model = compile_spec(_big_spec(tmp_path))[1]
    result = search(model, SearchOptions(timeout=1.0), clock=FakeClock(step=0.01))
    assert result.exit_reason == TIMEOUT
    assert [p.verdict for p in result.properties] == [Verdict.VIOLATED, Verdict.UNKNOWN]
    assert detail(result).startswith("stopped at the time limit of 1 s after ")


def test_a_memory_bound_under_what_is_in_use_stops_before_the_first_state():
    """--max-memory 1 said 'holds' on a small spec: memory was first read after 4,096
    states, and the spec had fewer."""
    result = search(_model("two_phase"), SearchOptions(max_memory=1))
    assert result.exit_reason == MEMORY
    assert result.stats.distinct_states == 0 and result.stats.generated_states == 0
    assert {p.verdict for p in result.properties} == {Verdict.UNKNOWN}


def test_a_stop_request_ends_the_search_as_interrupted():
    stop = StopRequest()
    stop.set(15)
    result = search(_model("two_phase"), budget=Budget(stop=stop))
    assert result.exit_reason == INTERRUPTED and result.verdict is Verdict.UNKNOWN


def test_the_analysis_of_the_state_graph_is_bounded_too(monkeypatch):
    """The search completes within the time; the clock passes the deadline before the
    liveness analysis, which used to have none: available is then UNKNOWN, and the run
    says where it stopped."""
    clock = FakeClock(step=0)
    results = search_module._results

    def late(model, run, complete, budget):
        clock.now = 100.0
        return results(model, run, complete, budget)

    monkeypatch.setattr(search_module, "_results", late)
    result = search(_model("async_primary_backup"), SearchOptions(timeout=50), clock=clock)
    assert result.stats.queue == 0                           # the search itself completed
    assert result.exit_reason == TIMEOUT and result.stopped_during == search_module.ANALYSIS
    live = [p for p in result.properties if p.kind in ("available", "converges")]
    assert live and {p.verdict for p in live} == {Verdict.UNKNOWN}
    assert detail(result).startswith("stopped at the time limit of 50 s during the analysis of the state graph, "
                                     "after ")


def test_the_liveness_checks_poll_their_budget():
    model = _model("async_primary_backup")
    graph = Graph()
    for _ in range(5000):
        graph.add_state(())
        graph.expand(len(graph.edges) - 1, [])
    with pytest.raises(Stopped):
        check_available(model, graph, [0] * 5000, Budget(deadline=-1.0))


def test_a_graph_search_leaves_time_for_the_analysis():
    """With a time limit, the search that keeps the graph stops at its share of the time
    (the rest is the analysis's): at 6 of 10 seconds, as the fake clock counts them."""
    result = search(_model("abd_register"), SearchOptions(timeout=10.0), clock=FakeClock(step=0.01))
    assert result.exit_reason == TIMEOUT
    share = 10 * search_module.GRAPH_TIME_SHARE   # the fake clock's steps of 0.01 add up with rounding
    assert share - 1e-9 <= result.stats.seconds < share + 0.05


# -------------------------------------------------- the SMT engine, cap, histories


def test_the_smt_engine_stops_with_the_budget_in_the_encoding_or_the_solver():
    from checker.analysis.verify import SmtOptions, smt_check
    stop = StopRequest()
    stop.set(2)
    interrupted = smt_check(_model("two_phase"), SmtOptions(depth=6), budget=Budget(stop=stop))
    assert interrupted.exit_reason == INTERRUPTED
    assert all(p.verdict is Verdict.UNKNOWN for p in interrupted.properties)
    assert interrupted.properties[0].reason == "the SMT engine was stopped while it encoded the spec: interrupted"
    late = smt_check(_model("two_phase"), SmtOptions(depth=6, timeout=1.0), clock=FakeClock(step=0.3))
    assert late.exit_reason == TIMEOUT and late.verdict is Verdict.UNKNOWN


def test_cap_gives_its_searches_shares_of_one_budget():
    from checker.analysis.cap import analyse
    from checker.model import compile_model
    program, _ = compile_spec(str(SPECS / "async_primary_backup.cap"))
    report = analyse(program, compile_model, budget=Budget(deadline=-1.0))
    assert not report.complete
    assert {r.result.verdict for r in report.rows} == {Verdict.UNKNOWN}
    assert [run.exit_reason for run in report.runs] == [TIMEOUT, TIMEOUT]


def test_reading_a_history_stops_with_the_budget(tmp_path):
    lines = "".join(f'{{:type :invoke, :f :write, :value {i}, :process 0}}\n'
                    f'{{:type :ok, :f :write, :value {i}, :process 0}}\n' for i in range(3000))
    with pytest.raises(Stopped) as raised:
        read_history("h.edn", lines.encode(), budget=Budget(deadline=-1.0))
    assert raised.value.reason == TIMEOUT
    path = hard_history(tmp_path / "hard.edn")
    history = read_history(str(path), path.read_bytes())
    stop = StopRequest()
    stop.set(15)
    result = check_operations(history.spec, history.operations, CheckOptions(budget=Budget(stop=stop)))
    assert (result.verdict, result.reason) == (Verdict.UNKNOWN, INTERRUPTED)


# -------------------------------------------------- on the command line


@pytest.mark.parametrize("command", [
    ["check", str(SPECS / "two_phase.cap")],
    ["cap", str(SPECS / "async_primary_backup.cap")],
])
def test_max_memory_below_the_process_is_unknown_for_every_command(run_cli, command):
    code, out, err = run_cli([*command, "--max-memory", "1"])
    assert code == 3, err
    assert "holds" not in out.replace("holds:", "")
    assert "memory limit of 1 MiB" in out


def test_a_run_stopped_before_it_had_a_result_says_so_and_writes_json(run_cli, tmp_path, monkeypatch):
    monkeypatch.setattr("checker.cli.app.budget_of", lambda args, stop, elapsed: Budget(deadline=-1.0, timeout=60))
    target = tmp_path / "out" / "h.json"
    code, out, err = run_cli(["history", str(REPO_ROOT / "docs" / "examples" / "stale_read.edn"),
                              "--timeout", "60", "--json", str(target)])
    assert (code, out) == (3, "")
    assert err == "capcheck: stopped at the time limit of 60 s while reading the history, before anything was " \
                  "decided\n"
    data = json.loads(target.read_text())
    assert (data["verdict"], data["reason"]) == ("unknown", "timeout")


def test_a_spec_run_with_a_time_limit_never_says_holds(run_cli, tmp_path):
    spec = _big_spec(tmp_path)
    code, out, _ = run_cli(["check", spec, "--timeout", "0.3", "-q"])
    assert code in (1, 3)   # 'early' may be found violated before the limit; 'always' never holds
    assert "invariant always: unknown" in out and "stopped at the time limit of 0.3 s" in out


def _big_spec(tmp_path: Path) -> str:
    """About 1.4 million states: no machine explores them in a fraction of a second."""
    path = tmp_path / "big.cap"
    path.write_text("protocol big:\n    node n:\n        var a: 0..150 = 0\n        var b: 0..150 = 0\n"
                    "        var c: 0..60 = 0\n        action inc_a when a < 150:\n            a += 1\n"
                    "        action inc_b when b < 150:\n            b += 1\n        action inc_c when c < 60:\n"
                    "            c += 1\n    invariant early: n.a + n.b < 2\n    invariant always: n.c <= 60\n")
    return str(path)


def test_pictures_are_not_drawn_past_the_time_limit(tmp_path, capsys):
    """Graphviz runs within the report's budget (the time limit plus a second's grace):
    past it, only the DOT text and capcheck's own SVG are written, and stderr says why."""
    from checker.cli.render import render_counterexamples
    from checker.render.images import NO_TIME, DotTimedOut, image
    model = _model("two_phase_broken")
    result = search(model)
    with pytest.raises(DotTimedOut):
        image("digraph { a -> b }", "svg", Budget(deadline=-1.0))
    render_counterexamples(str(tmp_path / "d"), model, result, "two_phase_broken.cap", Budget(deadline=-1.0))
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["consistent.dot", "consistent.svg",
                                                                  "rm_follows_tm.dot", "rm_follows_tm.svg"]
    assert NO_TIME in capsys.readouterr().err


def test_an_explanation_stops_with_the_budget_and_says_why():
    """--explain ran 175 s with --explain-timeout 30: every Z3 check and offline check of
    the explanation now runs within one budget, which a stop request ends too."""
    from checker.smt.explain import ExplainOptions, explain
    path = REPO_ROOT / "docs" / "examples" / "stale_read.edn"
    history = read_history(str(path), path.read_bytes())
    result = check_operations(history.spec, history.operations)
    assert explain(history.spec, history.operations, result).status == "explained"
    stop = StopRequest()
    stop.set(2)
    for budget, reason in ((Budget(deadline=-1.0), TIMEOUT), (Budget(stop=stop), INTERRUPTED)):
        e = explain(history.spec, history.operations, result, ExplainOptions(budget=budget))
        assert e.status == "unknown" and e.reason.startswith(reason), e
