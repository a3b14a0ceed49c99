"""What the fuzz harness found (docs/fuzzing.md, "What it found"): each case as a
regression test that failed before its fix."""

from __future__ import annotations

import json
import re

from support import REPO_ROOT


def _docs_protocol(name: str) -> str:
    """The ```cap block of docs/language.md that declares `protocol NAME:`."""
    text = (REPO_ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    return next(block for block in re.findall(r"```cap\n(.*?)```", text, re.S)
                if block.startswith(f"protocol {name}:"))


def test_the_smt_engine_takes_a_reply_of_none_for_the_result_none(tmp_path, run_cli):
    """The docs' bounded queue answers pop() on an empty queue with the literal `none`,
    whose type no encoded value has: the SMT engine found no result equal to it and
    claimed a violation the explicit replay refuted (exit 70)."""
    spec = tmp_path / "queue.cap"
    spec.write_text(_docs_protocol("bounded_queue"))
    code, out, err = run_cli(["check", str(spec), "--engine", "both", "--depth", "3", "-q"])
    assert code == 3, err
    assert "check linearizable: unknown (no run of up to 3 steps breaks it)" in out


def test_a_process_number_of_5000_digits_in_an_etcd_log_is_a_located_error(tmp_path, run_cli):
    """Python refuses to convert integers of more than 4,300 digits (ValueError, exit 70)."""
    log = tmp_path / "h.log"
    log.write_text(f"INFO  jepsen.util - {'1' * 5000} :invoke :read nil\n")
    code, _, err = run_cli(["history", str(log)])
    assert code == 2, err
    assert err.startswith(f"{log}:1:21: error: this number is too long (5,000 characters; at most 4,000)")


def test_a_handler_of_a_thousand_statements_compiles(tmp_path, run_cli):
    """The code generator recursed once per statement (RecursionError, exit 70)."""
    spec = tmp_path / "long.cap"
    spec.write_text("protocol p:\n    node n:\n        var v: 0..1 = 0\n        action a:\n"
                    + "            v = 1\n" * 1001)
    code, out, err = run_cli(["check", str(spec), "-q"])
    assert code == 0, err
    assert "explored all 2 reachable states" in out


def test_choices_nested_deeper_than_python_compiles_are_a_located_error(tmp_path, run_cli):
    """25 nested `choose` became 25 nested loops in the generated Python: SyntaxError, 'too
    many statically nested blocks' (exit 70)."""
    spec = tmp_path / "deep.cap"
    spec.write_text("protocol p:\n    node n:\n        var t: 0..1 = 0\n        action a:\n"
                    + "".join(f"            choose x{i} in {{0, 1}}\n" for i in range(25)) + "            t = x0\n")
    code, _, err = run_cli(["check", str(spec)])
    assert code == 2, err
    assert f"{spec}:22:13: error: this nests choices, loops and branches too deeply for the explicit engine" in err
    assert run_cli(["parse", str(spec)])[0] == 2          # parse compiles too


def test_a_set_of_tuples_with_an_empty_range_is_unencodable_not_a_crash(tmp_path, run_cli):
    """`j in 0..-1` gives j an unbounded integer type; a set of tuples holding it reached
    the SMT engine's domain of the tuple type, which assumed bounds (TypeError, exit 70)."""
    spec = tmp_path / "pairs.cap"
    spec.write_text("protocol p:\n    node n:\n        var pairs: set[(0..2, 0..2)] = {}\n"
                    "        action a:\n            pairs = {(i, j) for i in 0..2, j in 0..-1 if i < j}\n")
    code, _, err = run_cli(["check", str(spec), "--engine", "smt", "--depth", "2"])
    assert code == 2, err
    assert (f"{spec}:5:21: error: the SMT engine cannot encode a set or map of (0..2, int) values "
            "(they hold unbounded integers) yet") in err


def test_a_report_whose_properties_are_not_a_list_of_traces_is_a_usage_error(tmp_path, run_cli):
    """A mutated JSON report with `properties` a number, or a property whose `kind` is an
    object: replay iterated the number and render hashed the object (TypeError, exit 70)."""
    spec = str(REPO_ROOT / "specs" / "two_phase_broken.cap")
    report = tmp_path / "r.json"
    report.write_text('{"schema": 5, "spec": "x", "properties": -1}')
    code, _, err = run_cli(["replay", spec, str(report)])
    assert code == 2 and "holds no trace" in err
    _, out, _ = run_cli(["check", spec, "--json", "-"])
    data = json.loads(out)
    data["properties"][0]["kind"] = {"not": "a kind"}
    report.write_text(json.dumps(data))
    code, _, err = run_cli(["render", str(report), "-o", str(tmp_path / "out.dot"), "--spec", spec])
    assert code == 0, err


def test_a_state_with_a_million_successors_seen_before_keeps_the_time_limit(tmp_path, run_cli):
    """`choose v in 1..655363` that changes nothing: each state had 655,363 successors, all
    but one seen before, and the search looked at the clock only every 64 states expanded
    (158 s for --timeout 3). It now looks every 65,536 successors too: on a clock that
    moves 0.1 s at every look, a 1 s limit ends the search within the first few states
    (before the fix it ran to the end: 10 states)."""
    from checker.explore import SearchOptions, search
    from checker.pipeline import compile_spec
    from support import FakeClock
    spec = tmp_path / "wide.cap"
    spec.write_text("protocol p:\n    node n:\n        var k: 0..9 = 0\n        action inc when k < 9:\n"
                    "            k += 1\n        action wide:\n            choose v in 1..200000\n"
                    "            require v != 2\n")
    _, model = compile_spec(str(spec))
    result = search(model, SearchOptions(timeout=1.0), clock=FakeClock(step=0.1))
    assert result.exit_reason == "timeout" and result.stats.distinct_states < 10
