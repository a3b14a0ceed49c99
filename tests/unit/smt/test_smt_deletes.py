"""`delete` in the SMT engine: the tabulated object (smt/lin.py ObjectTable) is the explicit
monitor's own, so a finite-valued register or kv with deletes is checked as the explicit
engine checks it; an object of `values = int` with deletes is refused, located."""

from __future__ import annotations

from checker.analysis.verify import SmtOptions, smt_check
from checker.result import Verdict
from support import compile_text, explore_text, spec_file, violated_lengths

STORE = """\
protocol kv_delete:
    object kv(keys = {a}, values = {1}, initial = 0)
    clients 1, ops 2
    route clients to server

    node server:
        var store: map[Key, option Value] = {a: 0}

        request get(k):
            reply GET

        request put(k, v):
            store[k] = v
            reply ok

        request delete(k):
            store[k] = none
            reply ok

    check linearizable
    check durable
"""
CORRECT = STORE.replace("GET", "store[k]")
FORGETS = STORE.replace("GET", "0 if store[k] == none else store[k]")  # a deleted key reads as never written


def test_both_engines_find_the_read_that_misses_a_delete(tmp_path) -> None:
    # delete(a): invoke, handle; get(a): invoke, handle -> 0, not none: 4 steps
    expected = {"linearizable": 4, "durable": 4}
    assert violated_lengths(explore_text(tmp_path, FORGETS)) == expected
    result = smt_check(compile_text(tmp_path, FORGETS), SmtOptions(depth=4))
    assert violated_lengths(result) == expected


def test_neither_engine_faults_a_correct_delete(tmp_path) -> None:
    assert all(p.verdict is Verdict.HOLDS for p in explore_text(tmp_path, CORRECT).properties)
    result = smt_check(compile_text(tmp_path, CORRECT), SmtOptions(depth=4))
    assert not violated_lengths(result)


def test_delete_on_symbolic_values_is_refused_at_the_object(tmp_path, run_cli) -> None:
    path = spec_file(tmp_path, CORRECT.replace("values = {1}", "values = int"))
    code, _, err = run_cli(["check", "--engine", "smt", "--depth", "4", path])
    assert code == 2 and "Traceback" not in err
    assert err.startswith(f"{path}:2:5: error: the SMT engine cannot encode 'delete' on an object of 'values = int'")
