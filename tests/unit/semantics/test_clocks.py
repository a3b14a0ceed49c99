"""The `clocks` declaration and the time built-ins as the checker lowers them."""

from __future__ import annotations

from checker.dsl import parse
from checker.diagnostics import Source
from checker.semantics import check, ir
from checker.semantics.types import IntT

LEASE = """\
protocol lease:
    const DRIFT = 1
    clocks horizon <= 4, drift <= DRIFT, offset <= 2 * DRIFT
    node server:
        var until: time = 0
        action renew when expired(until):
            until = after(3)
"""


def _program(text: str, overrides: dict | None = None) -> ir.Program:
    return check(parse(text), Source("lease.cap", text), overrides)


def test_the_bounds_are_folded_and_a_spec_without_clocks_has_none():
    assert _program(LEASE).clocks == ir.Clocks(horizon=4, drift=1, offset=2)
    assert _program(LEASE, {"DRIFT": 0}).clocks == ir.Clocks(horizon=4, drift=0, offset=0)
    untimed = "protocol plain:\n    node server:\n        var n: 0..1 = 0\n"
    assert _program(untimed).clocks is None


def test_a_symbolic_drift_stays_an_expression():
    clocks = _program(LEASE, {"DRIFT": ir.Symbolic()}).clocks
    assert isinstance(clocks.drift, ir.Param) and clocks.drift.name == "DRIFT"
    assert isinstance(clocks.offset, ir.Binary)


def test_timers_lower_to_clock_readings_clamped_at_never():
    program = _program(LEASE)
    server = program.role("server")
    assert server.var("until").type == IntT(0, 9)            # never = 2 * 4 + 1
    renew = server.handlers[0]
    guard = renew.guard
    assert isinstance(guard, ir.Binary) and guard.op == ">=" and guard.left.func == "now"
    assert isinstance(guard.right, ir.StateVar) and guard.right.name == "until"
    (assign,) = renew.body
    assert isinstance(assign.value, ir.Call) and assign.value.func == "min"
    later, never = assign.value.args
    assert never.value == 9 and later.op == "+" and later.left.func == "now" and later.right.value == 3


def test_clocks_stays_free_as_a_name():
    named = "protocol clocks:\n    const clocks = 1\n    node server:\n        var n: 0..clocks = 0\n"
    assert _program(named).roles[0].var("n").type == IntT(0, 1)
    var = "protocol p:\n    node server:\n        var clocks: 0..1 = 0\n"
    assert _program(var).roles[0].var("clocks").type == IntT(0, 1)
