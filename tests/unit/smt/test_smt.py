"""The SMT engine (checker/smt, checker/analysis/verify.py, `check --engine smt|both`).

- One step against the explicit semantics: from random reachable states, the states the
  encoding can step to (one per action the solver can take) are exactly the explicit
  engine's successors, and a run-time failure in one is one in the other. This is the
  strongest oracle: every other result of the encoding is built from such steps.
- Whole runs: the shortest counterexamples have the explicit search's lengths (toy specs
  with hand-known lengths, two-phase commit, the library), and every trace is replayed.
- Bounds and bad input: no violation within the depth is UNKNOWN, never HOLDS; a spec the
  encoding cannot express is refused with a located error; a solver timeout is UNKNOWN.
"""

from __future__ import annotations

import random

import pytest
import z3

from checker.pipeline import compile_spec
from checker.explore import SearchOptions, search
from checker.result import Verdict
from checker.smt.state import Shape
from checker.analysis.verify import SmtOptions, smt_check

from support import (SPECS, examples, explicit_successors, library_model, model_of, smt_successors, spec_corpus,
                     violated_lengths, walk_states)


ONE_STEP = ["two_phase_broken", "async_primary_backup", "active_passive_heartbeat", "best_effort_broadcast",
            "sync_primary_backup", "active_active_lww", "gossip_anti_entropy", "chain_replication_any_reads"]


def _agree_on_one_step(spec: str, walks: int, steps: int) -> None:
    model = library_model(spec)
    rng = random.Random(spec)
    keys = Shape(model, 1).compared
    for state in walk_states(model, rng, walks, steps):
        got, failing = smt_successors(model, state)
        want, fails = explicit_successors(model, state, keys)
        assert failing == fails
        if not fails:
            assert got == want, (len(got), len(want))


@pytest.mark.parametrize("spec", ONE_STEP)
def test_one_step_equals_the_explicit_successors(spec):
    _agree_on_one_step(spec, walks=6, steps=8)


@pytest.mark.slow
@pytest.mark.parametrize("spec", ["abd_register", "active_passive_fencing", "raft_election", "chain_replication"])
def test_one_step_equals_the_explicit_successors_slow(spec):
    _agree_on_one_step(spec, walks=8, steps=12)


def test_two_phase_broken_shortest_counterexamples():
    model = library_model("two_phase_broken")
    result = smt_check(model, SmtOptions(depth=6))
    assert violated_lengths(result, "invariant") == {"consistent": 5, "rm_follows_tm": 4}
    assert result.engine == "smt" and result.verdict is Verdict.VIOLATED


@pytest.mark.parametrize("spec, depth", [("active_passive_heartbeat", 5), ("two_phase_broken", 5),
                                         pytest.param("active_passive_fencing", 5, marks=pytest.mark.slow)])
def test_library_counterexamples_have_the_explicit_lengths(spec, depth):
    model = library_model(spec)
    explicit = search(model, SearchOptions("bfs", max_depth=depth))
    smt = smt_check(model, SmtOptions(depth=depth))
    assert violated_lengths(smt, "invariant") == violated_lengths(explicit, "invariant")


def test_no_violation_within_the_depth_is_unknown_never_holds():
    result = smt_check(library_model("two_phase"), SmtOptions(depth=3))
    assert {p.verdict for p in result.properties} == {Verdict.UNKNOWN}
    assert result.exit_reason == "max_depth"


COUNTER = """\
protocol counter:
    const K = 5
    const T = -1

    node c:
        var x: 0..K = 0

        action inc when x < K:
            x += 1

    invariant avoid: c.x != T
"""


@pytest.mark.parametrize("target", [0, 1, 3, 5])
def test_a_counter_reaches_its_target_in_exactly_that_many_steps(tmp_path, target):
    path = tmp_path / "counter.cap"
    path.write_text(COUNTER, encoding="utf-8")
    _, model = compile_spec(str(path), {"T": target}, "check")
    assert violated_lengths(smt_check(model, SmtOptions(depth=6)), "invariant") == {"avoid": target}


OVERFLOW = """\
protocol overflow:
    node c:
        var x: 0..2 = 0

        action inc:
            x += 1

    invariant fine: true
"""


def test_a_value_that_does_not_fit_is_the_explicit_engines_runtime_failure(tmp_path):
    path = tmp_path / "overflow.cap"
    path.write_text(OVERFLOW, encoding="utf-8")
    _, model = compile_spec(str(path), {}, "check")
    result = smt_check(model, SmtOptions(depth=5))
    assert result.failure is not None and result.failure.trace.length == 2
    assert "does not fit" in result.failure.message


def test_a_timeout_is_unknown_with_the_reason():
    result = smt_check(library_model("abd_register"), SmtOptions(depth=8, timeout=0.5))
    assert result.exit_reason == "timeout"
    assert all(p.verdict is Verdict.UNKNOWN for p in result.properties)


def test_check_engine_smt_and_both_on_the_command_line(run_cli):
    spec = str(SPECS / "two_phase_broken.cap")
    code, out, _ = run_cli(["check", spec, "--engine", "smt", "--depth", "6", "-q"])
    assert code == 1
    assert "bounded model checking with Z3" in out and "invariant consistent: violated after 5 steps" in out
    code, out, _ = run_cli(["check", spec, "--engine", "both", "--depth", "6", "-q"])
    assert code == 1 and "engine: explicit" in out and "engine: smt" in out


UNBOUNDED = """\
protocol unbounded:
    node c:
        var xs: set[set[0..1]] = {}

        action grow:
            xs = xs | {{1}}

    invariant fine: true
"""


def test_a_construct_the_encoding_cannot_express_is_a_located_error(run_cli, tmp_path):
    path = tmp_path / "unbounded.cap"
    path.write_text(UNBOUNDED, encoding="utf-8")
    code, _, err = run_cli(["check", str(path), "--engine", "smt"])
    assert code == 2, err
    assert "unbounded.cap:3:9: error: the SMT engine cannot encode a set or map of set[0..1] values " \
           "(variable 'xs') yet; use --engine explicit for this spec" in err
    assert run_cli(["check", str(path)])[0] == 0


# ---------------------------------------------------------------- linearizability (smt/lin.py)


def _encoded_history(spec, operations):
    """A recorded history in the encoding's form: one client per operation, the invocation
    table of its distinct calls, the tabulated object."""
    from checker.smt.lin import ObjectTable
    from checker.smt.symbolic import Tup
    calls = sorted({(spec.ops.index(o.op), o.args) for o in operations}, key=repr)
    table = ObjectTable(spec, spec.ops, tuple(calls), len(operations))
    history, requests = [], []
    for o in operations:
        kind = calls.index((spec.ops.index(o.op), o.args))
        answered = o.ret is not None
        key = (type(o.result).__name__, o.result)
        known = [(type(r).__name__, r) for r in table.results]
        res = known.index(key) if answered and key in known else -1
        history.append((Tup((z3.IntVal(o.call), z3.IntVal(o.ret if answered else -1), z3.IntVal(res),
                             z3.BoolVal(False))),))
        requests.append((Tup((z3.IntVal(-1), z3.IntVal(kind))),))
    return table, tuple(history), tuple(requests)


@examples(full=25, fast=6)
@pytest.mark.parametrize("kind", ["register", "cas-register", "kv", "set", "log"])
def test_the_linearizability_formula_agrees_with_brute_force(kind, examples):
    from hypothesis import given, settings

    from checker.smt.lin import non_linearizable
    from oracles.linearizability import histories, linearizable

    @settings(max_examples=examples, deadline=None)
    @given(histories(kind, max_ops=4))
    def agree(history):
        spec, operations = history
        table, hist, requests = _encoded_history(spec, operations)
        formula = z3.simplify(non_linearizable(table, hist, requests))
        assert z3.is_true(formula) or z3.is_false(formula)
        assert z3.is_true(formula) == (not linearizable(spec, operations))

    agree()


def _check_lengths(spec: str, depth: int) -> dict[str, int]:
    result = smt_check(library_model(spec), SmtOptions(depth=depth))
    return {p.name: p.trace.length for p in result.properties if p.verdict is Verdict.VIOLATED}


@pytest.mark.slow
def test_a_read_after_failover_misses_the_acknowledged_write_in_six_steps():
    assert _check_lengths("async_primary_backup", 6)["linearizable"] == 6


@pytest.mark.slow
@pytest.mark.parametrize("spec, length", [("active_active_lww", 4), ("best_effort_broadcast", 4),
                                          ("gossip_anti_entropy", 4), ("chain_replication_any_reads", 6)])
def test_linearizability_counterexamples_have_the_explicit_lengths(spec, length):
    assert _check_lengths(spec, length)["linearizable"] == length


def test_a_cas_result_true_is_not_the_read_result_one():
    """Regression: the single register of docs/language.md, whose cas returns a bool and
    read an integer: result_index took true for 1, recorded a read of 1 as true's index, and
    the replay check refused the 'violation' as an internal error."""
    text = next(t for t in spec_corpus() if "protocol single_register" in t)
    model = model_of(text, "<doc>")
    result = smt_check(model, SmtOptions(depth=4))
    assert [p.verdict for p in result.properties] == [Verdict.UNKNOWN]
