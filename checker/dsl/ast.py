"""The abstract syntax tree of a .cap spec: frozen dataclasses with source spans.

Spans ride along with `compare=False`, so two trees are equal exactly when they say the same
thing. Names are `Ident`s: strings that also remember where they were written. The tree is
what the parser produced and the printer prints; nothing here is resolved or typed (that is
checker.semantics).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from checker.diagnostics import Span


class Ident(str):
    """A name as written in the spec. Compares, hashes and prints as the plain string."""

    span: Span | None

    def __new__(cls, text: str, span: Span | None = None) -> "Ident":
        obj = super().__new__(cls, text)
        obj.span = span
        return obj

    def __reduce__(self):  # keep the span when copied or pickled
        return (Ident, (str(self), self.span))



@dataclass(frozen=True)
class Node:
    """Base of every AST node."""

    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)


# ---------------------------------------------------------------- expressions

BINARY_OPS = (
    "=>", "or", "and", "==", "!=", "<", "<=", ">", ">=", "in", "not in",
    "..", "|", "&", "+", "-", "*", "//", "%",
)
UNARY_OPS = ("not", "-")
QUANTIFIERS = ("all", "some", "count")
COMPREHENSIONS = ("set", "seq", "map")


@dataclass(frozen=True)
class Expr(Node):
    """Base of expressions."""


@dataclass(frozen=True)
class Name(Expr):
    id: Ident


@dataclass(frozen=True)
class IntLit(Expr):
    value: int

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ValueError("IntLit holds a non-negative literal; negation is Unary('-')")


@dataclass(frozen=True)
class StrLit(Expr):
    value: str


@dataclass(frozen=True)
class BoolLit(Expr):
    value: bool


@dataclass(frozen=True)
class NoneLit(Expr):
    pass


@dataclass(frozen=True)
class SelfLit(Expr):
    pass


@dataclass(frozen=True)
class Unary(Expr):
    op: str
    operand: Expr

    def __post_init__(self) -> None:
        if self.op not in UNARY_OPS:
            raise ValueError(f"unknown unary operator {self.op!r}")


@dataclass(frozen=True)
class BinOp(Expr):
    op: str
    left: Expr
    right: Expr

    def __post_init__(self) -> None:
        if self.op not in BINARY_OPS:
            raise ValueError(f"unknown binary operator {self.op!r}")


@dataclass(frozen=True)
class IfExpr(Expr):
    cond: Expr
    then: Expr
    orelse: Expr


@dataclass(frozen=True)
class Call(Expr):
    func: Expr
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Index(Expr):
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
    name: Ident


@dataclass(frozen=True)
class TupleLit(Expr):
    elems: tuple[Expr, ...]

    def __post_init__(self) -> None:
        if not self.elems:
            raise ValueError("a tuple has at least one element")


@dataclass(frozen=True)
class FieldInit(Node):
    name: Ident
    value: Expr


@dataclass(frozen=True)
class RecordLit(Expr):
    fields: tuple[FieldInit, ...]

    def __post_init__(self) -> None:
        if not self.fields:
            raise ValueError("a record has at least one field")


@dataclass(frozen=True)
class SetLit(Expr):
    """`{a, b}`; with no elements it is `{}`, the empty set or the empty map by context."""

    elems: tuple[Expr, ...]


@dataclass(frozen=True)
class MapItem(Node):
    key: Expr
    value: Expr


@dataclass(frozen=True)
class MapLit(Expr):
    items: tuple[MapItem, ...]

    def __post_init__(self) -> None:
        if not self.items:
            raise ValueError("an empty map is written {} and parsed as SetLit(())")


@dataclass(frozen=True)
class SeqLit(Expr):
    elems: tuple[Expr, ...]


@dataclass(frozen=True)
class Binder(Node):
    """`name in domain` in a quantifier, comprehension or loop."""

    name: Ident
    domain: Expr


@dataclass(frozen=True)
class Comprehension(Expr):
    """`{elem for x in S if cond}` (set), `[...]` (seq), `{key: elem for ...}` (map)."""

    kind: str
    elem: Expr
    binders: tuple[Binder, ...]
    cond: Expr | None = None
    key: Expr | None = None

    def __post_init__(self) -> None:
        if self.kind not in COMPREHENSIONS:
            raise ValueError(f"unknown comprehension kind {self.kind!r}")
        if (self.kind == "map") != (self.key is not None):
            raise ValueError("a map comprehension, and only it, has a key")
        if not self.binders:
            raise ValueError("a comprehension has at least one binder")


@dataclass(frozen=True)
class Quant(Expr):
    """`all(x in S: p)`, `some(...)`, `count(...)`."""

    kind: str
    binders: tuple[Binder, ...]
    body: Expr

    def __post_init__(self) -> None:
        if self.kind not in QUANTIFIERS:
            raise ValueError(f"unknown quantifier {self.kind!r}")
        if not self.binders:
            raise ValueError("a quantifier has at least one binder")


# ---------------------------------------------------------------- types


@dataclass(frozen=True)
class TypeExpr(Node):
    """Base of type expressions."""


@dataclass(frozen=True)
class TypeName(TypeExpr):
    name: Ident


@dataclass(frozen=True)
class BoolType(TypeExpr):
    pass


@dataclass(frozen=True)
class RangeType(TypeExpr):
    lo: Expr
    hi: Expr


@dataclass(frozen=True)
class EnumType(TypeExpr):
    """`{a, b, c}` (new atoms) or `{1, 2, 3}` (a finite set of integers)."""

    members: tuple[Expr, ...]

    def __post_init__(self) -> None:
        if not self.members:
            raise ValueError("an enumeration has at least one member")


@dataclass(frozen=True)
class SetType(TypeExpr):
    elem: TypeExpr


@dataclass(frozen=True)
class MapType(TypeExpr):
    key: TypeExpr
    value: TypeExpr


@dataclass(frozen=True)
class SeqType(TypeExpr):
    elem: TypeExpr
    max_len: Expr


@dataclass(frozen=True)
class OptionType(TypeExpr):
    inner: TypeExpr


@dataclass(frozen=True)
class FieldType(Node):
    name: Ident
    type: TypeExpr


@dataclass(frozen=True)
class RecordType(TypeExpr):
    fields: tuple[FieldType, ...]

    def __post_init__(self) -> None:
        if not self.fields:
            raise ValueError("a record type has at least one field")


@dataclass(frozen=True)
class TupleType(TypeExpr):
    elems: tuple[TypeExpr, ...]

    def __post_init__(self) -> None:
        if len(self.elems) < 2:
            raise ValueError("a tuple type has at least two elements")


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
    count: Expr
    ops: Expr | None = None


@dataclass(frozen=True)
class Route(Decl):
    """`route clients to X` (mode 'fixed') or `route clients to any S` (mode 'any')."""

    mode: str
    target: Expr

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
    name: Ident
    op: str
    bound: Expr


@dataclass(frozen=True)
class Faults(Decl):
    """`faults crash <= 1, partition <= 1`; no budgets is `faults none`."""

    budgets: tuple[Budget, ...]


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
    """`node name[count]:` (count None: a single node called `name`)."""

    name: Ident
    count: Expr | None
    vars: tuple[VarDecl, ...]
    handlers: tuple[Handler, ...]
    doc: str | None = None


EXPECTED_VERDICTS = ("holds", "violated")


@dataclass(frozen=True)
class Expectation(Node):
    """`expect holds`, `expect violated`, `expect violated in 5 steps`: the verdict a
    property is expected to get (`capcheck test`, the pytest plugin), and for a violation
    optionally the length of the shortest counterexample."""

    verdict: str
    steps: int | None = None

    def __post_init__(self) -> None:
        if self.verdict not in EXPECTED_VERDICTS or (self.steps is not None and self.verdict != "violated"):
            raise ValueError(f"not an expectation: {self.verdict} in {self.steps} steps")


@dataclass(frozen=True)
class Invariant(Decl):
    name: Ident
    expr: Expr
    expect: Expectation | None = None


@dataclass(frozen=True)
class Check(Decl):
    name: Ident
    expect: Expectation | None = None


@dataclass(frozen=True)
class Protocol(Node):
    """A whole spec: the protocol name, its docstring and its declarations in source order."""

    name: Ident
    decls: tuple[Decl, ...]
    doc: str | None = None

    def __post_init__(self) -> None:
        if not self.decls:
            raise ValueError("a protocol has at least one declaration")
