"""Time: the `clocks` declaration and the built-ins that read clocks and pauses.

`clocks horizon <= H, drift <= R, offset <= D` gives the spec real time (0 to H ticks)
and one clock per node (ir.Clocks says how they move). The horizon must be known to
build the model; the drift and the offset may be symbolic (`-D DRIFT=?`, the SMT
engine). The built-ins: `now()`, the clock of the node running a handler; `clock(n)`, the
clock of node n, in properties; `paused(n)`, whether node n is paused (false in a spec
without a `pause` budget), in handlers and properties, like `up(n)`.

Timers are clock readings: the type `time` holds one (0 to `never(H)`: no clock passes
2 * H, as a clock advances at most 2 a tick), `after(D)` is the reading D from now on the
node's clock, and `expired(t)` whether the node's clock has reached t. They are lowered
here to what the engines already run: `min(now() + D, never)` and `now() >= t`; a
deadline past every reading a clock can take is `never`, so a timer's duration need
not fit the type.
"""

from __future__ import annotations

from checker.diagnostics import Note, did_you_mean, quote_list
from checker.dsl import ast
from checker.semantics import ir
from checker.semantics.fold import FoldError, NotConstant, fold
from checker.semantics.scope import HANDLER, PROPERTY, Ctx
from checker.semantics.tables import Tables
from checker.semantics.types import ANY, BOOL, INT, AnyT, IntT, NodeT, describe

TIME_FUNCTIONS = ("now", "clock", "paused", "after", "expired")


def declared_clocks(tables: Tables, exprs) -> ir.Clocks | None:
    """The spec's `clocks` declaration as IR (None without one, or after reporting a
    problem with it). `exprs` is the checker's ExprLowering, which folds the bounds."""
    decls = tables.of(ast.Clocks)
    if not decls:
        return None
    got: dict[str, object] = {}
    for b in decls[0].bounds:
        name = str(b.name)
        if name not in ir.CLOCK_BOUNDS:
            tables.error(f"unknown clock bound '{name}'{did_you_mean(name, ir.CLOCK_BOUNDS)}; the bounds are "
                         f"{quote_list(list(ir.CLOCK_BOUNDS), 'and')}", b.name.span)
            continue
        if b.op != "<=":
            tables.error(f"a clock bound is written '{name} <= N', not '{b.op}'", b.span)
        if b.target is not None:
            tables.error("a clock bound cannot be aimed with 'on': every node has a clock", b.target.span)
        if name in got:
            tables.error(f"the bound '{name}' is given twice", b.name.span)
        got[name] = _bound(tables, exprs, b, name)
    if "horizon" not in got:
        tables.error("'clocks' needs a horizon, the last tick of real time a run reaches: "
                     "'clocks horizon <= N, ...'", decls[0].span)
        return None
    if any(v is None for v in got.values()):
        return None
    return ir.Clocks(horizon=got["horizon"], drift=got.get("drift", 0), offset=got.get("offset"))  # type: ignore[arg-type]


def _bound(tables: Tables, exprs, b: ast.Budget, name: str) -> object:
    """The value of one bound: a natural number (the horizon at least 1), or for the drift
    and the offset an integer expression over symbolic constants; None after an error."""
    if name == "horizon":
        return exprs.constant_int(b.bound, "the clock horizon", 1)
    what = f"the clock bound '{name}'"
    value = exprs.constant(b.bound, what, symbolic=True)
    if isinstance(value, ir.Expr):
        if not isinstance(value.type, (IntT, AnyT)):
            tables.error(f"{what} must be an integer, not {describe(value.type)}", b.bound.span)
            return None
        return value
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        tables.error(f"{what} must be an integer", b.bound.span)
        return None
    if value < 0:
        tables.error(f"{what} must be a natural number (0 or more), but it is {value}", b.bound.span)
        return None
    return value


def time_call(tables: Tables, e: ast.Call, ctx: Ctx, name: str, args: tuple[ir.Expr, ...], arity) -> ir.Expr:
    """A call of `now`, `clock` or `paused`, checked where it is written. `arity(e, name,
    n)` reports a wrong number of arguments (ExprLowering._arity)."""
    if name == "paused":
        if ctx.where not in (HANDLER, PROPERTY):
            tables.error("'paused' depends on the environment; use it in handlers and properties", e.span)
        if arity(e, name, 1):
            _node_argument(tables, e, name, args[0])
        return ir.Call(BOOL, name, args, span=e.span)
    if not tables.of(ast.Clocks):
        tables.error(f"'{name}' reads a clock, but the spec declares none: add 'clocks horizon <= N' "
                     "(and the drift and offset bounds)", e.span)
    elif name == "now" and ctx.where != HANDLER:
        notes = (Note("in a property, read a node's clock with clock(n)"),) if ctx.where == PROPERTY else ()
        tables.error("'now' reads the clock of the node running a handler; it has no meaning here", e.span, notes)
    elif name == "clock" and ctx.where != PROPERTY:
        tables.error("'clock' reads any node's clock and is for properties; a handler reads its own "
                     "node's clock with now()", e.span)
    if arity(e, name, 0 if name == "now" else 1) and name == "clock":
        _node_argument(tables, e, name, args[0])
    return ir.Call(INT, name, args, span=e.span)


def _node_argument(tables: Tables, e: ast.Call, name: str, arg: ir.Expr) -> None:
    if not isinstance(arg.type, (NodeT, AnyT)):
        tables.error(f"'{name}' takes a node id, not {describe(arg.type)}", e.args[0].span)


def _folded(tables: Tables, e: ir.Expr) -> object:
    """The value of `e` when it is a constant, else None."""
    try:
        return fold(e, tables.node_ids)
    except (NotConstant, FoldError):
        return None


def never(horizon: int) -> int:
    """A clock reading no clock reaches within the horizon: a timer set to it never expires."""
    return 2 * horizon + 1


def time_type(horizon: int) -> IntT:
    """The type `time`: every reading a clock can take, and `never`."""
    return IntT(0, never(horizon))


def timer_call(tables: Tables, e: ast.Call, ctx: Ctx, name: str, args: tuple[ir.Expr, ...], arity,
               clocks: ir.Clocks | None) -> ir.Expr:
    """`after(D)` or `expired(t)`, checked where it is written and lowered (the module
    docstring); an expression of type ANY after reporting a problem."""
    if clocks is None:
        if not tables.of(ast.Clocks):
            tables.error(f"'{name}' reads a clock, but the spec declares none: add 'clocks horizon <= N' "
                         "(and the drift and offset bounds)", e.span)
        return ir.Lit(ANY, None, span=e.span)
    if ctx.where != HANDLER:
        tables.error(f"'{name}' reads the clock of the node running a handler; it has no meaning here", e.span)
        return ir.Lit(ANY, None, span=e.span)
    if not arity(e, name, 1):
        return ir.Lit(ANY, None, span=e.span)
    arg, src = args[0], e.args[0]
    if not isinstance(arg.type, (IntT, AnyT)):
        what = "a timer's duration" if name == "after" else "'expired'"
        tables.error(f"{what} must be an integer, not {describe(arg.type)}", src.span)
        return ir.Lit(ANY, None, span=e.span)
    now = ir.Call(INT, "now", (), span=e.span)
    if name == "expired":
        return ir.Binary(BOOL, ">=", now, arg, span=e.span)
    known = _folded(tables, arg)
    if isinstance(known, int) and known < 0:
        tables.error(f"a timer's duration must be a natural number (0 or more), but it is {known}", src.span)
        return ir.Lit(ANY, None, span=e.span)
    end = never(clocks.horizon)
    later = ir.Binary(INT, "+", now, arg, span=e.span)
    return ir.Call(time_type(clocks.horizon), "min", (later, ir.Lit(IntT(end, end), end, span=e.span)), span=e.span)
