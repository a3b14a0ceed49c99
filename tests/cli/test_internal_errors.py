"""Regression tests for inputs that used to end in an internal error (exit 70) instead of
a located message (issue 21): each case here failed on the code before its fix."""

from __future__ import annotations

import json

import pytest

EXIT_VIOLATED, EXIT_USAGE, EXIT_INTERNAL = 1, 2, 70


def _spec(tmp_path, text: str, name: str = "s.cap") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_value_outside_a_type_written_as_a_set_is_a_located_runtime_error(tmp_path, run_cli):
    """The message says which value does not fit which type: the type's own braces used to
    be taken for format fields (KeyError: '0, 2, 4')."""
    spec = _spec(tmp_path, "protocol p:\n    node n:\n        var v: {0, 2, 4} = 0\n"
                           "        action inc:\n            v += 1\n")
    code, out, err = run_cli(["check", spec])
    assert code == EXIT_USAGE, err
    assert "the value 1 does not fit variable 'v' of type {0, 2, 4}" in out
    assert f"{spec}:5:13: error: the value 1 does not fit variable 'v' of type {{0, 2, 4}}" in err
    assert "internal error" not in err


def test_a_crash_budget_without_nodes_compiles(tmp_path, run_cli):
    """A fault budget with no node to apply it to generated an empty `if` block."""
    spec = _spec(tmp_path, "protocol p:\n    faults crash <= 1, restart <= 1, pause <= 1\n")
    code, out, err = run_cli(["check", spec])
    assert code == 0, err
    assert "explored all 1 reachable state" in out


@pytest.mark.parametrize("command", ["replay", "render"])
def test_deeply_nested_json_traces_are_refused_with_a_location(tmp_path, run_cli, command):
    """100,000 nested '[' reached Python's recursion limit in json.loads."""
    spec = _spec(tmp_path, "protocol p:\n    node n:\n        var v: 0..1 = 0\n")
    trace = tmp_path / "nested.json"
    trace.write_text("[" * 100_000)
    args = ["replay", spec, str(trace)] if command == "replay" else \
        ["render", str(trace), "-o", str(tmp_path / "x.dot"), "--spec", spec]
    code, _, err = run_cli(args)
    assert code == EXIT_USAGE, err
    assert "line 1, column 101: nested more than 100 levels deep" in err


def test_a_trace_nested_within_the_limit_still_reads(tmp_path, run_cli):
    """The nesting check counts brackets inside strings as text, not as nesting."""
    spec = _spec(tmp_path, "protocol p:\n    node n:\n        var v: 0..1 = 0\n        action inc:\n"
                           "            v = 1\n    invariant zero: n.v == 0\n")
    report = tmp_path / "t.json"
    assert run_cli(["check", spec, "--json", str(report)])[0] == EXIT_VIOLATED
    data = json.loads(report.read_text())
    report.write_text(json.dumps({**data, "note": "[" * 500}))
    code, out, err = run_cli(["replay", spec, str(report)])
    assert code == 0, err
    assert "a trace of 1 step" in out


@pytest.mark.parametrize("value, message", [
    ("1" * 5000, "this number is too long (5,000 characters; at most 4,000)"),
    ("1e999999", "this number is too large for a double-precision float"),
    ("-1e999999", "this number is too large for a double-precision float"),
])
def test_json_history_numbers_out_of_range_are_located_errors(tmp_path, run_cli, value, message):
    """An integer of more than 4,300 digits raised ValueError without a location; 1e999999
    was read silently as infinity."""
    path = tmp_path / "h.json"
    path.write_text('[{"process": 0, "type": "invoke", "f": "write", "value": ' + value + "}]")
    code, _, err = run_cli(["history", str(path)])
    assert code == EXIT_USAGE, err
    assert f"{path}:1:58: error: {message}" in err


def test_edn_history_floats_out_of_range_are_located_errors(tmp_path, run_cli):
    path = tmp_path / "h.edn"
    path.write_text("{:type :invoke, :f :write, :value 1e999999, :process 0}\n")
    code, _, err = run_cli(["history", str(path)])
    assert code == EXIT_USAGE, err
    assert f"{path}:1:35: error: this number is too large for a double-precision float" in err
