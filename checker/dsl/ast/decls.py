"""Declarations and the whole protocol."""

from __future__ import annotations

from dataclasses import dataclass, field

from checker.diagnostics import Span
from checker.dsl.ast.base import Ident, Node
from checker.dsl.ast.exprs import Expr, TypeExpr
from checker.dsl.ast.stmts import Stmt

# ---------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Decl(Node):
    """Base of protocol-level declarations."""


@dataclass(frozen=True)
class Const(Decl):
    name: Ident
    value: Expr


@dataclass(frozen=True)
class TypeDecl(Decl):
    name: Ident
    type: TypeExpr


@dataclass(frozen=True)
class Def(Decl):
    """`def name(a, b) = expr`: a pure function, expanded where it is called."""

    name: Ident
    params: tuple[Ident, ...]
    body: Expr


@dataclass(frozen=True)
class KwArg(Node):
    name: Ident
    value: Expr


@dataclass(frozen=True)
class BuiltinObject(Decl):
    """`object register(values = {1, 2}, initial = 0)`."""

    kind: Ident
    args: tuple[KwArg, ...] = ()


@dataclass(frozen=True)
class Param(Node):
    name: Ident
    type: TypeExpr


@dataclass(frozen=True)
class VarDecl(Decl):
    name: Ident
    type: TypeExpr
    init: Expr | None = None
    durable: bool = False
    replicated: bool = False


@dataclass(frozen=True)
class OpDecl(Node):
    """An operation of a user-defined object: `op name(params) -> type when guard:`."""

    name: Ident
    params: tuple[Param, ...]
    result: TypeExpr | None
    guard: Expr | None
    body: tuple[Stmt, ...]
    doc: str | None = None


@dataclass(frozen=True)
class UserObject(Decl):
    """`object name:` with state variables and operations: a sequential specification."""

    name: Ident
    vars: tuple[VarDecl, ...]
    ops: tuple[OpDecl, ...]
    doc: str | None = None


@dataclass(frozen=True)
class Clients(Decl):
    """`clients N[, ops M]`; `symmetric`: the clients are interchangeable (symmetry reduction)."""

    count: Expr
    ops: Expr | None = None
    symmetric: bool = False
    symmetric_span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)  # `symmetric`


@dataclass(frozen=True)
class Route(Decl):
    """`route clients to X` (mode 'fixed') or `route clients to any S` (mode 'any'); with
    `ops`, `route OP, ... to ...` routes those operations only; with `client` (the word,
    which must be `client`, and the index), `route client[I] to ...` pins one client."""

    mode: str
    target: Expr
    ops: tuple[Ident, ...] = ()
    client: tuple[Ident, Expr] | None = None

    def __post_init__(self) -> None:
        if self.mode not in ("fixed", "any"):
            raise ValueError(f"unknown routing mode {self.mode!r}")


@dataclass(frozen=True)
class Address(Decl):
    """`address vip = replica[0]`: a movable client routing target (a virtual IP)."""

    name: Ident
    init: Expr


@dataclass(frozen=True)
class Network(Decl):
    options: tuple[Ident, ...]


@dataclass(frozen=True)
class Budget(Node):
    """`KIND <= N`, or aimed: `crash <= 1 on coordinator`, `link <= 1 on (a, b)`."""

    name: Ident
    op: str
    bound: Expr
    target: Expr | None = None


@dataclass(frozen=True)
class Faults(Decl):
    """`faults crash <= 1, partition <= 1`; no budgets is `faults none`."""

    budgets: tuple[Budget, ...]


@dataclass(frozen=True)
class Clocks(Decl):
    """`clocks horizon <= 8, drift <= 1, offset <= 1`: real time and per-node clocks, with
    each bound written like a fault budget."""

    bounds: tuple[Budget, ...]


@dataclass(frozen=True)
class Message(Decl):
    name: Ident
    params: tuple[Param, ...]


@dataclass(frozen=True)
class Handler(Node):
    """Base of the handlers inside a node declaration."""


@dataclass(frozen=True)
class OnMessage(Handler):
    message: Ident
    params: tuple[Ident, ...]
    sender: Ident
    guard: Expr | None
    body: tuple[Stmt, ...]
    doc: str | None = None


@dataclass(frozen=True)
class OnRequest(Handler):
    op: Ident
    params: tuple[Ident, ...]
    handle: Ident | None
    guard: Expr | None
    body: tuple[Stmt, ...]
    doc: str | None = None


@dataclass(frozen=True)
class Action(Handler):
    name: Ident
    guard: Expr | None
    body: tuple[Stmt, ...]
    doc: str | None = None


@dataclass(frozen=True)
class Timeout(Handler):
    name: Ident
    guard: Expr | None
    body: tuple[Stmt, ...]
    doc: str | None = None


@dataclass(frozen=True)
class OnRestart(Handler):
    body: tuple[Stmt, ...]
    doc: str | None = None


@dataclass(frozen=True)
class NodeDecl(Decl):
    """`node name[count]:` (count None: a single node called `name`); `symmetric`: its
    nodes are interchangeable (`node name[count] symmetric:`, symmetry reduction)."""

    name: Ident
    count: Expr | None
    vars: tuple[VarDecl, ...]
    handlers: tuple[Handler, ...]
    doc: str | None = None
    symmetric: bool = False
    symmetric_span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)  # `symmetric`


EXPECTED_VERDICTS = ("holds", "violated")


@dataclass(frozen=True)
class Expectation(Node):
    """`expect holds`, `expect violated`, `expect violated in 5 steps`: the verdict a
    property is expected to get (`capcheck test`, the pytest plugin), and for a violation
    optionally the length of the shortest counterexample. `constants` (`with N = 2,
    CRASH = true`) are the constants it is expected under, as `-D` would set them, in the
    order written; () means the spec's own values."""

    verdict: str
    steps: int | None = None
    constants: tuple[tuple[str, int | bool], ...] = ()  # the names are Idents, with their spans

    def __post_init__(self) -> None:
        if self.verdict not in EXPECTED_VERDICTS or (self.steps is not None and self.verdict != "violated"):
            raise ValueError(f"not an expectation: {self.verdict} in {self.steps} steps")


@dataclass(frozen=True)
class Invariant(Decl):
    name: Ident
    expr: Expr
    expects: tuple[Expectation, ...] = ()


@dataclass(frozen=True)
class Check(Decl):
    name: Ident
    expects: tuple[Expectation, ...] = ()


@dataclass(frozen=True)
class Protocol(Node):
    """A whole spec: the protocol name, its docstring and its declarations in source order."""

    name: Ident
    decls: tuple[Decl, ...]
    doc: str | None = None

    def __post_init__(self) -> None:
        if not self.decls:
            raise ValueError("a protocol has at least one declaration")
