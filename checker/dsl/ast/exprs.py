"""Expressions and type expressions."""

from __future__ import annotations

from dataclasses import dataclass

from checker.dsl.ast.base import Ident, Node

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
