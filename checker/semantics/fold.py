"""Constant folding: the value of an IR expression that depends on no state.

Used for constants, node counts, type bounds, object parameters and routing targets.
`fold` returns the value or raises `NotConstant` (carrying the offending sub-expression);
arithmetic errors (division by zero) raise `FoldError` with a message for the user.
"""

from __future__ import annotations

from checker.semantics import ir


class NotConstant(Exception):
    """The expression depends on state, locals or the environment."""

    def __init__(self, expr: ir.Expr) -> None:
        super().__init__("not constant")
        self.expr = expr


class FoldError(Exception):
    """The expression is constant but has no value (e.g. division by zero)."""

    def __init__(self, message: str, expr: ir.Expr) -> None:
        super().__init__(message)
        self.message, self.expr = message, expr


def fold(e: ir.Expr, nodes: dict[str, tuple[ir.NodeId, ...]]) -> object:
    """Evaluate `e`; `nodes` gives each role's node ids (for `replica[0]`, `replica`)."""
    match e:
        case ir.Lit(value=value):
            return value
        case ir.NodesOf(roles=roles):
            return frozenset(n for r in roles for n in nodes.get(r, ()))
        case ir.NodeAt(role=role, index=index):
            i = fold(index, nodes)
            ids = nodes.get(role, ())
            if not isinstance(i, int) or not 0 <= i < len(ids):
                raise FoldError(f"index {i} is out of range for '{role}' ({len(ids)} nodes)", e)
            return ids[i]
        case ir.Unary(op="not", operand=x):
            return not fold(x, nodes)
        case ir.Unary(op="neg", operand=x):
            return -_int(fold(x, nodes), x)
        case ir.Binary(op=op, left=l, right=r):
            return _binary(op, l, r, e, nodes)
        case ir.IfExpr(cond=c, then=t, orelse=o):
            return fold(t, nodes) if fold(c, nodes) else fold(o, nodes)
        case ir.SetLit(elems=elems):
            return frozenset(fold(x, nodes) for x in elems)
        case ir.SeqLit(elems=elems) | ir.TupleLit(elems=elems):
            return tuple(fold(x, nodes) for x in elems)
    raise NotConstant(e)


def _collection(value: object, e: ir.Expr) -> frozenset | tuple:
    """A set or sequence value (a map's keys); anything else (an expression that already
    failed to type-check) is not constant."""
    if isinstance(value, ir.MapValue):
        return frozenset(k for k, _ in value.items)
    if not isinstance(value, (frozenset, tuple)):
        raise NotConstant(e)
    return value


def _int(value: object, e: ir.Expr) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise NotConstant(e)
    return value


def _binary(op: str, l: ir.Expr, r: ir.Expr, e: ir.Expr, nodes: dict) -> object:
    if op in ("and", "or", "=>"):
        a = fold(l, nodes)
        if op == "and":
            return bool(a) and bool(fold(r, nodes))
        if op == "or":
            return bool(a) or bool(fold(r, nodes))
        return (not a) or bool(fold(r, nodes))
    a, b = fold(l, nodes), fold(r, nodes)
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if op in ("in", "not in"):
        inside = a in _collection(b, r)
        return inside if op == "in" else not inside
    if op in ("union", "inter", "diff", "subset"):
        x, y = frozenset(_collection(a, l)), frozenset(_collection(b, r))
        return {"union": x | y, "inter": x & y, "diff": x - y, "subset": x <= y}[op]
    if op == "concat":
        return tuple(_collection(a, l)) + tuple(_collection(b, r))
    x, y = _int(a, l), _int(b, r)
    if op == "range":
        return frozenset(range(x, y + 1))
    if op in ("//", "%") and y == 0:
        raise FoldError("division by zero", e)
    return {
        "+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y,
        "//": lambda: x // y, "%": lambda: x % y,
        "<": lambda: x < y, "<=": lambda: x <= y, ">": lambda: x > y, ">=": lambda: x >= y,
    }[op]()

