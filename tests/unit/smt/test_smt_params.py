"""Symbolic constants (`-D NAME=?`, `-D NAME=LO..HI`) and the SMT engine choosing them.

- The command line: the forms `-D` accepts, and the located errors where a symbolic
  constant's value must be known to build the model (counts, bounds, budgets, initial
  values), the explicit engine's refusal.
- Against a brute-force oracle: for toy specs, the solver's answer over a range agrees
  with the explicit search run at every value of it (the shortest counterexample over all
  values, or none within the depth for any).
- The quorum register: the solver finds quorums with R + W <= N that break
  linearizability; the run is replayed at those values, and the report names them.
"""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.cli.options import parse_define
from checker.pipeline import compile_spec, compile_symbolic
from checker.errors import SpecError, UsageError
from checker.explore import SearchOptions, search
from checker.result import Verdict
from checker.semantics.ir import Symbolic
from checker.analysis.verify import SmtOptions, smt_check

from support import SPECS, spec_file

TOY = """\
protocol toy:
    const STEP = 1
    const TARGET = 3
    const GAP = TARGET - STEP
    node n[2]:
        var x: 0..6 = 0
        action up when x + STEP <= 6:
            x += STEP
    invariant missed: all(i in n: i.x != TARGET)
    invariant gap: all(i in n: i.x <= GAP + 2)
"""


# ---------------------------------------------------------------- the command line


@pytest.mark.parametrize("text, value", [
    ("W=?", Symbolic()), ("W=1..3", Symbolic(1, 3)), ("W = -2 .. 2", Symbolic(-2, 2)), ("W=2", 2),
    ("W=true", True),
])
def test_define_forms(text, value):
    assert parse_define(text).value == value


@pytest.mark.parametrize("text, message", [
    ("W=3..1", "the range is empty"), ("W=1..x", "a range LO..HI"), ("W=..3", "a range LO..HI"),
    ("W=??", "a range LO..HI"),
])
def test_define_errors(text, message):
    with pytest.raises(UsageError, match=message):
        parse_define(text)


def test_explicit_engine_refuses_symbolic_constants(tmp_path, run_cli):
    spec = spec_file(tmp_path, TOY)
    code, out, err = run_cli(["check", spec, "-D", "TARGET=0..4"])
    assert code == 2 and out == ""
    assert err.strip() == ("capcheck: error: the explicit engine needs a value for TARGET; give -D TARGET=3, "
                           "or --engine smt to let the solver choose one")
    code, _, err = run_cli(["check", spec, "-D", "TARGET=?", "-D", "STEP=?", "--engine", "both"])
    assert code == 2 and "needs values for STEP and TARGET; give -D STEP=1 -D TARGET=3, or --engine smt" in err
    code, _, err = run_cli(["replay", spec, "-D", "STEP=?", "0"])
    assert code == 2 and err.strip() == "capcheck: error: the explicit engine needs a value for STEP; give -D STEP=1"


def test_unknown_symbolic_name(tmp_path, run_cli):
    code, _, err = run_cli(["check", spec_file(tmp_path, TOY), "-D", "TARGT=?", "--engine", "smt"])
    assert code == 2 and "there is no constant 'TARGT' (did you mean 'TARGET'?)" in err


def test_outputs_that_need_one_model_are_refused(tmp_path, run_cli):
    code, _, err = run_cli(["check", spec_file(tmp_path, TOY), "-D", "TARGET=?", "--engine", "smt",
                            "--render", str(tmp_path / "out")])
    assert code == 2 and "--render needs every constant's value" in err


LOCATED = """\
protocol bounds:
    const N = 3
    const W = 2
    const Q = N - W
    faults crash <= Q
    message m()
    node replica[W]:
        var acks: 0..W = 0
        var need: 0..5 = Q
        action go:
            send m() to others
        on m() from p:
            acks += 1
    invariant fine: all(r in replica: r.acks <= N)
"""


def test_uses_that_need_a_value_are_located_errors(tmp_path):
    path = spec_file(tmp_path, LOCATED)
    with pytest.raises(SpecError) as info:
        compile_symbolic(path, {"W": Symbolic(1, 3)}, "check")
    text = info.value.render()
    expected = [
        "spec.cap:5:21: error: the budget for 'crash' must be known to build the model, but 'Q' is computed "
        "from the symbolic constant 'W' (-D W=1..3)",
        "spec.cap:7:18: error: the number of 'replica' nodes must be known to build the model, but 'W' is "
        "symbolic (-D W=1..3)",
        "spec.cap:8:22: error: a range bound must be known to build the model, but 'W' is symbolic (-D W=1..3)",
        "spec.cap:9:26: error: an initial value must be known to build the model, but 'Q' is computed from "
        "the symbolic constant 'W' (-D W=1..3)",
    ]
    found = [line.split("/")[-1] for line in text.splitlines() if ": error: " in line]
    assert found == expected
    assert " 7 |     node replica[W]:\n   |                  ^" in text


def test_a_boolean_constant_takes_no_range(tmp_path):
    path = spec_file(tmp_path, "protocol b:\n    const FAST = false\n    node n:\n        var x: 0..1 = 0\n"
                            "    invariant slow: not FAST\n")
    with pytest.raises(SpecError, match="'FAST' is a boolean constant; -D FAST=\\? lets the solver choose"):
        compile_symbolic(path, {"FAST": Symbolic(0, 1)}, "check")
    program, model, parameters = compile_symbolic(path, {"FAST": Symbolic()}, "check")
    result = smt_check(model, SmtOptions(2), parameters=parameters)
    (prop,) = result.properties
    assert prop.verdict is Verdict.VIOLATED and prop.constants == (("FAST", True),)


def test_parse_ir_shows_symbolic_constants(tmp_path, run_cli):
    code, out, _ = run_cli(["parse", "--ir", spec_file(tmp_path, TOY), "-D", "TARGET=0..4"])
    assert code == 0
    assert "  const TARGET = symbolic 0..4  (from -D)\n  const GAP = TARGET - 1\n" in out
    assert "invariant missed: all(i#0 in n: (i#0.x) != TARGET)" in out


# ---------------------------------------------------------------- against the explicit engine


def _explicit_length(path: str, values: dict, prop: str, depth: int) -> int | None:
    """The explicit search's shortest counterexample to `prop` at `values` within `depth`."""
    model = compile_spec(path, values, "check")[1]
    result = search(model, SearchOptions(max_depth=depth))
    (p,) = [p for p in result.properties if p.name == prop]
    return p.trace.length if p.verdict is Verdict.VIOLATED else None  # type: ignore[union-attr]


def _agrees_with_every_value(path: str, ranges: dict[str, tuple[int, int]], depth: int) -> None:
    program, model, parameters = compile_symbolic(path, {k: Symbolic(*r) for k, r in ranges.items()}, "check")
    result = smt_check(model, SmtOptions(depth), parameters=parameters)
    names = sorted(ranges)
    for p in result.properties:
        lengths = {}
        for combo in itertools.product(*(range(ranges[n][0], ranges[n][1] + 1) for n in names)):
            values = dict(zip(names, combo))
            lengths[combo] = _explicit_length(path, values, p.name, depth)
        shortest = min((n for n in lengths.values() if n is not None), default=None)
        if p.verdict is Verdict.VIOLATED:
            chosen = dict(p.constants)  # type: ignore[arg-type]
            assert lengths[tuple(chosen[n] for n in names)] == p.trace.length == shortest, (p.name, chosen)  # type: ignore[union-attr]
        else:
            assert p.verdict is Verdict.UNKNOWN and shortest is None, (p.name, lengths)
            assert p.reason.startswith(f"no run of up to {depth} step")  # type: ignore[union-attr]
            assert " for " + " and ".join(f"any {n} in {ranges[n][0]}..{ranges[n][1]}" for n in names) in p.reason  # type: ignore[operator]


@given(step=st.tuples(st.integers(0, 3), st.integers(0, 3)).map(sorted),
       target=st.tuples(st.integers(0, 6), st.integers(0, 6)).map(sorted),
       depth=st.integers(0, 3))
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
def test_toy_answer_agrees_with_every_value(tmp_path_factory, step, target, depth):
    path = spec_file(tmp_path_factory.mktemp("toy"), TOY)
    _agrees_with_every_value(path, {"STEP": tuple(step), "TARGET": tuple(target)}, depth)


@pytest.mark.parametrize("ranges, depth, verdict", [
    ({"TARGET": (5, 6), "STEP": (2, 2)}, 2, Verdict.UNKNOWN),     # 5 is odd; 6 needs 3 steps
    ({"TARGET": (5, 6), "STEP": (2, 2)}, 3, Verdict.VIOLATED),
    ({"TARGET": (1, 6), "STEP": (0, 0)}, 3, Verdict.UNKNOWN),     # x never moves
])
def test_toy_table(tmp_path, ranges, depth, verdict):
    path = spec_file(tmp_path, TOY)
    _agrees_with_every_value(path, ranges, depth)
    program, model, parameters = compile_symbolic(path, {k: Symbolic(*r) for k, r in ranges.items()}, "check")
    missed = smt_check(model, SmtOptions(depth), parameters=parameters).properties[0]
    assert missed.verdict is verdict


def test_a_runtime_failure_names_the_values(tmp_path, run_cli):
    spec = spec_file(tmp_path, "protocol div:\n    const D = 1\n    node n:\n        var x: 0..6 = 0\n"
                            "        action go when x == 0:\n            x = 6 // D\n"
                            "    invariant small: n.x <= 6\n")
    code, out, err = run_cli(["check", spec, "-D", "D=0..2", "--engine", "smt", "--depth", "2"])
    assert code == 2
    assert "the spec failed while running with D = 0: division by zero" in out
    assert "error: division by zero with D = 0" in err


# ---------------------------------------------------------------- the quorum register

QUORUM = str(SPECS / "quorum_register.cap")


@pytest.mark.slow
def test_quorum_register_breaking_quorums_found_and_replayed(tmp_path, run_cli):
    report = tmp_path / "report.json"
    code, out, _ = run_cli(["check", QUORUM, "--engine", "smt", "-D", "R=1..3", "-D", "W=1..3", "--depth", "8",
                            "--json", str(report)])
    assert code == 1
    data = json.loads(report.read_text())
    assert data["schema"] == 6 and data["symbolic"] == {"R": "1..3", "W": "1..3"}
    assert "R" not in data["constants"] and data["constants"]["N"] == 3
    props = {p["name"]: p for p in data["properties"]}
    lin = props["linearizable"]
    values = lin["constants"]
    assert values["R"] + values["W"] <= data["constants"]["N"] and lin["length"] == 8
    assert props["replicas_hold_issued_writes"]["reason"] == (
        "no run of up to 8 steps breaks it for any R in 1..3 and any W in 1..3")
    assert f"check linearizable: violated after 8 steps with R = {values['R']}, W = {values['W']}" in out
    hint = f"replay: capcheck replay {QUORUM} -D R={values['R']} -D W={values['W']} {lin['path']}"
    assert hint in out
    # the explicit engine at the values found: the same violation, as short
    defines = [f"-D{k}={v}" for k, v in values.items()]
    code, out, _ = run_cli(["check", QUORUM, *defines, "-q"])
    assert code == 1 and "check linearizable: violated after 8 steps" in out
    code, out, _ = run_cli(["replay", QUORUM, *defines, lin["path"]])
    assert code == 0 and "a trace of 8 steps" in out
    code, _, err = run_cli(["replay", QUORUM, str(report)])     # the report says which values
    assert code == 2 and f"replay it with -D R={values['R']} -D W={values['W']}" in err
    code, out, _ = run_cli(["replay", QUORUM, *defines, str(report)])
    assert code == 0


def test_quorum_register_holds_at_the_defaults(run_cli):
    code, out, _ = run_cli(["check", QUORUM, "-q"])
    assert code == 0 and "check linearizable: holds" in out
