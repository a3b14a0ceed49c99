"""Expressions, resolved and typed."""

from __future__ import annotations

from dataclasses import dataclass, field

from checker.diagnostics import Span
from checker.semantics.types import Type

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Expr:
    type: Type
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Lit(Expr):
    value: object


@dataclass(frozen=True)
class Local(Expr):
    """A name bound inside a handler: a parameter, sender, handle, let, choose or binder."""

    name: str
    uid: int


@dataclass(frozen=True)
class StateVar(Expr):
    """A variable of the node running the handler (`x` or `self.x`)."""

    role: str
    name: str


@dataclass(frozen=True)
class NodeVar(Expr):
    """Variable `name` of the node `node` evaluates to (only in properties)."""

    node: Expr
    name: str


@dataclass(frozen=True)
class ObjectVar(Expr):
    """A state variable of a user-defined object, inside one of its operations."""

    name: str


@dataclass(frozen=True)
class AddressRef(Expr):
    """The node an address (a virtual IP) currently points to."""

    name: str


@dataclass(frozen=True)
class SelfRef(Expr):
    """The id of the node running the handler."""


@dataclass(frozen=True)
class Param(Expr):
    """A symbolic constant: its value is chosen by the solver, within its type (a bool, an
    integer range for `-D NAME=LO..HI`, any integer for `-D NAME=?`)."""

    name: str


@dataclass(frozen=True)
class NodesOf(Expr):
    """The set of ids of every node of the given roles."""

    roles: tuple[str, ...]


@dataclass(frozen=True)
class NodeAt(Expr):
    """`role[index]`: the node of `role` with that index (an error at run time if out of range)."""

    role: str
    index: Expr


@dataclass(frozen=True)
class Unary(Expr):
    op: str  # 'not' | 'neg'
    operand: Expr


BINARY = (
    "+", "-", "*", "//", "%", "==", "!=", "<", "<=", ">", ">=", "and", "or", "=>",
    "in", "not in", "union", "inter", "diff", "subset", "concat", "range",
)


@dataclass(frozen=True)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr

    def __post_init__(self) -> None:
        if self.op not in BINARY:
            raise ValueError(f"unknown IR operator {self.op!r}")


@dataclass(frozen=True)
class IfExpr(Expr):
    cond: Expr
    then: Expr
    orelse: Expr


BUILTINS = ("up", "reachable", "paused", "now", "clock", "len", "max", "min", "keys", "values", "index", "get", "client_of")


@dataclass(frozen=True)
class Call(Expr):
    """A built-in function (see BUILTINS); user functions are already expanded."""

    func: str
    args: tuple[Expr, ...]

    def __post_init__(self) -> None:
        if self.func not in BUILTINS:
            raise ValueError(f"unknown builtin {self.func!r}")


@dataclass(frozen=True)
class Index(Expr):
    """`obj[index]` on a sequence (0-based), a map (by key) or a tuple (constant index)."""

    obj: Expr
    index: Expr


@dataclass(frozen=True)
class Slice(Expr):
    obj: Expr
    lo: Expr | None
    hi: Expr | None


@dataclass(frozen=True)
class Field(Expr):
    obj: Expr
    name: str


@dataclass(frozen=True)
class SetLit(Expr):
    elems: tuple[Expr, ...]


@dataclass(frozen=True)
class SeqLit(Expr):
    elems: tuple[Expr, ...]


@dataclass(frozen=True)
class MapLit(Expr):
    items: tuple[tuple[Expr, Expr], ...]


@dataclass(frozen=True)
class TupleLit(Expr):
    """Tuples and records alike (a record's fields in declaration order)."""

    elems: tuple[Expr, ...]


@dataclass(frozen=True)
class Binder:
    local: Local
    domain: Expr


@dataclass(frozen=True)
class Comprehension(Expr):
    kind: str  # 'set' | 'seq' | 'map'
    elem: Expr
    binders: tuple[Binder, ...]
    cond: Expr | None = None
    key: Expr | None = None


@dataclass(frozen=True)
class Quant(Expr):
    kind: str  # 'all' | 'some' | 'count'
    binders: tuple[Binder, ...]
    body: Expr
