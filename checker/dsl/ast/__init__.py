"""The abstract syntax tree of a .cap spec: frozen dataclasses with source spans.

Spans ride along with `compare=False`, so two trees are equal exactly when they say the same
thing. Names are `Ident`s: strings that also remember where they were written. The tree is
what the parser produced and the printer prints; nothing here is resolved or typed (that is
checker.semantics).
"""

from checker.dsl.ast.base import (
    Ident,
    Node,
)
from checker.dsl.ast.decls import (
    EXPECTED_VERDICTS, Action, Address, Budget, BuiltinObject, Check, Clients, Const, Decl, Def, Expectation,
    Faults, Clocks, Handler, Invariant, KwArg,
    Message, Network, NodeDecl, OnMessage, OnRequest, OnRestart, OpDecl, Param, Protocol, Route, Timeout, TypeDecl,
    UserObject, VarDecl,
)
from checker.dsl.ast.exprs import (
    BINARY_OPS, COMPREHENSIONS, QUANTIFIERS, UNARY_OPS, Binder, BinOp, BoolLit, BoolType, Call, Comprehension,
    EnumType, Expr, Field, FieldInit, FieldType, IfExpr, Index, IntLit, MapItem, MapLit, MapType, Name, NoneLit,
    OptionType, Quant, RangeType, RecordLit, RecordType, SelfLit, SeqLit, SeqType, SetLit, SetType, Slice, StrLit,
    TupleLit, TupleType, TypeExpr, TypeName, Unary,
)
from checker.dsl.ast.stmts import (
    Assign, Choose, FieldSel, For, If, IfArm, IndexSel, Let, LValue, Pass, Reply, Require, Return, Selector, Send,
    Stmt, Take,
)

__all__ = [
    "Ident", "Node", "BINARY_OPS", "UNARY_OPS", "QUANTIFIERS", "COMPREHENSIONS", "Expr", "Name",
    "IntLit", "StrLit", "BoolLit", "NoneLit", "SelfLit", "Unary", "BinOp", "IfExpr", "Call",
    "Index", "Slice", "Field", "TupleLit", "FieldInit", "RecordLit", "SetLit", "MapItem", "MapLit",
    "SeqLit", "Binder", "Comprehension", "Quant", "TypeExpr", "TypeName", "BoolType", "RangeType",
    "EnumType", "SetType", "MapType", "SeqType", "OptionType", "FieldType", "RecordType",
    "TupleType", "Stmt", "IndexSel", "FieldSel", "Selector", "LValue", "Assign", "Let", "Send",
    "Reply", "Require", "Choose", "Take", "Return", "Pass", "IfArm", "If", "For", "Decl", "Const",
    "TypeDecl", "Def", "KwArg", "BuiltinObject", "Param", "VarDecl", "OpDecl", "UserObject",
    "Clients", "Route", "Address", "Network", "Budget", "Faults", "Clocks", "Message", "Handler", "OnMessage",
    "OnRequest", "Action", "Timeout", "OnRestart", "NodeDecl", "EXPECTED_VERDICTS", "Expectation",
    "Invariant", "Check", "Protocol",
]
