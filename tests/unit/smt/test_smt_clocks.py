"""Time in the Z3 engine: one step against the explicit successors (every way the clocks
move at a tick), the library's timed specs decided as the explicit engine decides them, and
symbolic drift bounds: the smallest that breaks the lease at the depth found, kept natural."""

from __future__ import annotations

import random

import pytest

from checker.analysis.verify import SmtOptions, smt_check
from checker.pipeline import compile_symbolic
from checker.result import Verdict
from checker.semantics.ir import Symbolic
from checker.smt.state import Shape

from support import SPECS, explicit_successors, library_model, model_of, smt_successors, spec_file, walk_states

WATCHDOG = """\
protocol watchdog:
    clocks horizon <= 4, drift <= 1, offset <= 1
    faults pause <= 1
    message beat()
    node worker:
        var next: time = 0
        action tick_beat when expired(next):
            next = after(2)
            send beat() to dog
    node dog:
        var deadline: time = 0
        var alarm: bool = false
        on beat() from w:
            deadline = after(3)
        timeout bark when expired(deadline) and not paused(worker):
            alarm = true
    invariant calm: not dog.alarm or clock(dog) >= 3
"""


def test_one_step_equals_the_explicit_successors_ticks_included():
    model = model_of(WATCHDOG)
    keys = Shape(model, 1).compared
    for state in walk_states(model, random.Random("watchdog"), walks=6, steps=7):
        want, fails = explicit_successors(model, state, keys)
        got, failing = smt_successors(model, state)
        assert not fails and not failing
        assert got == want


@pytest.mark.parametrize("spec, verdict, steps", [
    ("lease_read_broken", Verdict.VIOLATED, 5),
    ("lww_clocks_broken", Verdict.VIOLATED, 4),
    ("lease_read", Verdict.UNKNOWN, None),
    ("lww_clocks", Verdict.UNKNOWN, None),
])
def test_the_timed_library_specs_as_the_explicit_engine_decides_them(spec, verdict, steps):
    (prop,) = smt_check(library_model(spec), SmtOptions(8)).properties
    assert prop.verdict is verdict
    assert (prop.trace.length if prop.trace else None) == steps


def _lease(drift: Symbolic, depth: int):
    _, model, parameters = compile_symbolic(str(SPECS / "lease_read.cap"), {"DRIFT": drift}, "check")
    (prop,) = smt_check(model, SmtOptions(depth), parameters=parameters).properties
    return prop


def test_the_solver_finds_the_smallest_drift_that_breaks_the_lease():
    anything = _lease(Symbolic(), 8)
    assert anything.verdict is Verdict.VIOLATED
    assert anything.constants == (("DRIFT", 3),) and anything.trace.length == 6   # smallest in 6 steps
    up_to_two = _lease(Symbolic(0, 2), 8)
    assert up_to_two.constants == (("DRIFT", 2),) and up_to_two.trace.length == 7
    assert _lease(Symbolic(0, 1), 10).verdict is Verdict.UNKNOWN


def test_a_symbolic_drift_is_never_negative(tmp_path):
    # with a negative drift no tick is possible; the invariant below breaks without one, so
    # a solver free to pick any drift would report it with the drift it happened to pick
    text = """\
protocol still:
    const DRIFT = 0
    clocks horizon <= 2, drift <= DRIFT
    node a:
        var x: 0..1 = 0
        action go when x == 0:
            x = 1
    invariant stays: a.x == 0
"""
    _, model, parameters = compile_symbolic(spec_file(tmp_path, text), {"DRIFT": Symbolic()}, "check")
    (prop,) = smt_check(model, SmtOptions(2), parameters=parameters).properties
    assert prop.verdict is Verdict.VIOLATED and prop.constants == (("DRIFT", 0),)
