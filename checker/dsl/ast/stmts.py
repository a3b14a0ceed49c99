"""Statements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from checker.dsl.ast.base import Ident, Node
from checker.dsl.ast.exprs import Expr

# ---------------------------------------------------------------- statements


@dataclass(frozen=True)
class Stmt(Node):
    """Base of statements."""


@dataclass(frozen=True)
class IndexSel(Node):
    """`[expr]` in an assignment target."""

    index: Expr


@dataclass(frozen=True)
class FieldSel(Node):
    """`.name` in an assignment target."""

    name: Ident


Selector = Union[IndexSel, FieldSel]


@dataclass(frozen=True)
class LValue(Node):
    """An assignment target: a variable, then zero or more `[i]` / `.f` selectors."""

    name: Ident
    path: tuple[Selector, ...] = ()


@dataclass(frozen=True)
class Assign(Stmt):
    target: LValue
    value: Expr
    op: str = "="

    def __post_init__(self) -> None:
        if self.op not in ("=", "+=", "-="):
            raise ValueError(f"unknown assignment operator {self.op!r}")


@dataclass(frozen=True)
class Let(Stmt):
    name: Ident
    value: Expr


@dataclass(frozen=True)
class Send(Stmt):
    message: Ident
    args: tuple[Expr, ...]
    dest: Expr


@dataclass(frozen=True)
class Reply(Stmt):
    """`reply value [to handle]` or, with `error` set, `reply error "reason" [to handle]`."""

    value: Expr | None
    error: str | None = None
    to: Expr | None = None

    def __post_init__(self) -> None:
        if (self.value is None) == (self.error is None):
            raise ValueError("a reply carries either a value or an error")


@dataclass(frozen=True)
class Require(Stmt):
    cond: Expr


@dataclass(frozen=True)
class Choose(Stmt):
    name: Ident
    domain: Expr
    cond: Expr | None = None


@dataclass(frozen=True)
class Take(Stmt):
    address: Ident


@dataclass(frozen=True)
class Return(Stmt):
    value: Expr


@dataclass(frozen=True)
class Pass(Stmt):
    pass


@dataclass(frozen=True)
class IfArm(Node):
    cond: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class If(Stmt):
    """`if c1: ... elif c2: ... else: ...`: the arms in order, then the else body (maybe empty)."""

    arms: tuple[IfArm, ...]
    orelse: tuple[Stmt, ...] = ()

    def __post_init__(self) -> None:
        if not self.arms:
            raise ValueError("an if statement has at least one arm")


@dataclass(frozen=True)
class For(Stmt):
    name: Ident
    domain: Expr
    body: tuple[Stmt, ...]
