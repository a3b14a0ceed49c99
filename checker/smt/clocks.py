"""Time in the Z3 engine: the tick of real time (model/envgen.py `_tick`) as one action.

The clocks after a tick are fresh integers that the action's condition keeps within the
bounds (each advanced by 0, 1 or 2, within the drift of real time, within the offset of
each other), so one action stands for every way the clocks may move, where the explicit
engine makes one successor per way. The drift and the offset may be symbolic constants
(`-D DRIFT=?`): they are then the solver's to choose, like any other. The fresh integers
are existential: the condition is never negated (a tick is no continuation step of the
liveness checks, which this engine does not decide for a spec with clocks: lasso.py).
"""

from __future__ import annotations

import z3

from checker.semantics import ir
from checker.smt.exprs import Env, Exprs
from checker.smt.state import Shape, SymState
from checker.smt.steps import Action
from checker.smt.symbolic import conj


def tick_actions(shape: Shape, x: Exprs, s: SymState, step: int) -> list[Action]:
    """The tick from state `s` (none without clocks, or at the horizon): `step` numbers the
    state it leads to, and names its fresh integers."""
    clocks = shape.program.clocks
    if clocks is None:
        return []
    layout = shape.layout
    now = layout.at("now")
    ks = [k for k, slot in enumerate(layout.slots) if slot.kind == "clock"]
    later = s.slots[now] + 1  # type: ignore[operator]
    env = Env(s)
    drift = _bound(x, clocks.drift, env)
    new = [z3.Int(f"s{step}.tick.{k}") for k in ks]
    cond = [s.slots[now] < clocks.horizon]  # type: ignore[operator]
    for k, c in zip(ks, new):
        old = s.slots[k]
        cond += [c >= old, c <= old + 2, c - later <= drift, later - c <= drift]  # type: ignore[operator]
    if clocks.offset is not None:
        offset = _bound(x, clocks.offset, env)
        cond += [a - b <= offset for a in new for b in new if a is not b]
    return [Action("time: tick", conj(cond), {now: later, **dict(zip(ks, new))})]


def _bound(x: Exprs, bound: object, env: Env) -> z3.ArithRef:
    """A clock bound: a number, or an expression over symbolic constants."""
    if isinstance(bound, ir.Expr):
        return x.expr(bound, env)  # type: ignore[return-value]
    return z3.IntVal(bound)  # type: ignore[arg-type]


def bound_constraints(shape: Shape, x: Exprs, s: SymState) -> list[z3.BoolRef]:
    """That symbolic clock bounds are natural numbers, as the checker requires of given
    ones (a run found with a negative drift could not be replayed)."""
    clocks = shape.program.clocks
    if clocks is None:
        return []
    bounds = (clocks.drift, clocks.offset)
    return [_bound(x, b, Env(s)) >= 0 for b in bounds if isinstance(b, ir.Expr)]
