"""The checked intermediate representation: plain immutable data for both engines.

A `Program` is what a spec means once names are resolved, constants folded (command-line
overrides applied), functions (`def`) expanded and every expression typed. Engines (the
Python code generator, the Z3 encoder) consume this and never the AST. docs/architecture.md
describes it in prose.

Conventions:
- Every expression carries its `type` (checker.semantics.types).
- Names a spec wrote appear only as data (strings in fields), never as code; locals are
  identified by `Local.uid`, unique within their handler, invariant or operation.
- Operators are disambiguated by type: '+' on integers, 'concat' on sequences, 'union' /
  'inter' / 'diff' on sets.
- Spans (`span`, compare=False) point back into the spec for runtime messages.
- Values inside `Lit`: bool, int, str (an atom), None (`none`), NodeId, ClientId,
  frozenset (sets), tuple (sequences, tuples, records in field order), MapValue (maps).
- A constant left symbolic (`-D NAME=?`, `-D NAME=LO..HI`) is a `Param` wherever it is
  used, and a constant computed from one is the expression that computes it; only the SMT
  engine encodes them (the explicit engine needs every constant's value).
"""

from checker.semantics.ir.decls import (
    CLOCK_BOUNDS, FAULT_KINDS, HANDLER_KINDS, NETWORK_MODES, OBJECT_KINDS, Address, Clients, Clocks, Constant, Faults, Handler,
    MessageType, Network, ObjectSpec, Operation, Program, Property, Role, RouteRule, Routing, Symbolic, VarDecl,
)
from checker.semantics.ir.exprs import (
    BINARY, BUILTINS, AddressRef, Binary, Binder, Call, Comprehension, Expr, Field, IfExpr, Index, Lit, Local,
    MapLit, NodeAt, NodesOf, NodeVar, ObjectVar, Param, Quant, SelfRef, SeqLit, SetLit, Slice, StateVar, TupleLit,
    Unary,
)
from checker.semantics.ir.stmts import (
    Assign, Choose, For, If, Let, Path, Reply, Require, Return, Send, Stmt, Take,
)
from checker.semantics.ir.values import (
    ClientId, MapValue, NodeId, Value,
)

__all__ = [
    "NodeId", "ClientId", "MapValue", "Value", "Expr", "Lit", "Local", "StateVar", "NodeVar",
    "ObjectVar", "AddressRef", "SelfRef", "Param", "NodesOf", "NodeAt", "Unary", "BINARY", "Binary",
    "IfExpr", "BUILTINS", "Call", "Index", "Slice", "Field", "SetLit", "SeqLit", "MapLit",
    "TupleLit", "Binder", "Comprehension", "Quant", "Stmt", "Path", "Assign", "Let", "Send",
    "Reply", "Require", "Choose", "Take", "If", "For", "Return", "Symbolic", "Constant", "VarDecl",
    "MessageType", "HANDLER_KINDS", "Handler", "Role", "Operation", "OBJECT_KINDS", "ObjectSpec",
    "Clients", "Routing", "RouteRule", "Address", "NETWORK_MODES", "FAULT_KINDS", "Network", "Faults",
    "CLOCK_BOUNDS", "Clocks",
    "Property", "Program",
]
