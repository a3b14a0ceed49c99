"""Statements, resolved and typed."""

from __future__ import annotations

from dataclasses import dataclass, field

from checker.diagnostics import Span
from checker.semantics.ir.exprs import Expr, Local

# ---------------------------------------------------------------- statements


@dataclass(frozen=True)
class Stmt:
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Path:
    """One step into a variable: ('index', expr) for maps/sequences, ('field', name) for records."""

    kind: str
    index: Expr | None = None
    field: str | None = None


@dataclass(frozen=True)
class Assign(Stmt):
    """`target[path...] = value`; `target` is a StateVar or an ObjectVar."""

    target: Expr
    value: Expr
    path: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Let(Stmt):
    local: Local
    value: Expr


@dataclass(frozen=True)
class Send(Stmt):
    """Send `message(args)` to one node, or to each node of a set when `broadcast`."""

    message: str
    args: tuple[Expr, ...]
    dest: Expr
    broadcast: bool = False


@dataclass(frozen=True)
class Reply(Stmt):
    """Answer a request: `handle` None means the request being handled.

    Exactly one of `value` and `error` is set; an error reply has no effect on the object.
    """

    handle: Expr | None = None
    value: Expr | None = None
    error: str | None = None


@dataclass(frozen=True)
class Require(Stmt):
    cond: Expr


@dataclass(frozen=True)
class Choose(Stmt):
    """Bind `local` to some element of `domain` satisfying `cond`; none: the step is disabled."""

    local: Local
    domain: Expr
    cond: Expr | None = None


@dataclass(frozen=True)
class Take(Stmt):
    address: str


@dataclass(frozen=True)
class If(Stmt):
    arms: tuple[tuple[Expr, tuple[Stmt, ...]], ...]
    orelse: tuple[Stmt, ...] = ()


@dataclass(frozen=True)
class For(Stmt):
    """Run `body` for each element of `domain` in ascending order (sets) or in order (seqs)."""

    local: Local
    domain: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class Return(Stmt):
    value: Expr
