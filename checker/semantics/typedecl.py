"""Resolving type expressions to finite types, and the default value of each type.

`TypeResolution` is one part of the checker, over the run's tables and the expression part
(for constant bounds); it also types variable declarations and their initial values: aliases are resolved lazily with cycle
detection, ranges and enumerations are folded from constants, and every declared type must
be finite.
"""

from __future__ import annotations

from checker.diagnostics import Note, did_you_mean
from checker.dsl import ast
from checker.semantics import ir
from checker.semantics.clocks import time_type
from checker.semantics.exprs import ExprLowering
from checker.semantics.scope import Ctx
from checker.semantics.tables import Tables
from checker.semantics.types import (
    ANY,
    BOOL,
    AnyT,
    AtomT,
    ClientT,
    HandleT,
    IntT,
    MapT,
    NodeT,
    OptionT,
    RecordT,
    SeqT,
    SetT,
    TupleT,
    Type,
    describe,
    is_finite,
)

BUILTIN_TYPES = ("node", "client", "handle")
MAX_DOMAIN = 10_000


class TypeResolution:
    """Type expressions to types. See the module docstring."""

    def __init__(self, tables: Tables, exprs: ExprLowering) -> None:
        self.tables, self.exprs = tables, exprs

    def type_of(self, t: ast.TypeExpr, what: str) -> Type:
        """Resolve a type expression; report and return ANY when it is wrong or not finite
        (integers are unbounded in a spec whose object has `values = int`)."""
        resolved = self._type(t)
        if not isinstance(resolved, AnyT) and not is_finite(resolved, ints=self.tables.unbounded_data()):
            self.tables.error(f"the type of {what} is not finite: {describe(resolved)}", t.span)
            return ANY
        return resolved

    def _type(self, t: ast.TypeExpr) -> Type:
        match t:
            case ast.BoolType():
                return BOOL
            case ast.TypeName(name=name):
                return self.named_type(name)
            case ast.RangeType(lo=lo, hi=hi):
                return self._range_type(t, lo, hi)
            case ast.EnumType(members=members):
                return self._enum_type(t, members)
            case ast.SetType(elem=elem):
                return SetT(self._type(elem))
            case ast.MapType(key=key, value=value):
                return MapT(self._type(key), self._type(value))
            case ast.SeqType(elem=elem, max_len=n):
                top = self.exprs.constant_int(n, "the maximum length of a sequence", 0)
                return SeqT(self._type(elem), top) if top is not None else ANY
            case ast.OptionType(inner=inner):
                inside = self._type(inner)
                return OptionT(inside) if not isinstance(inside, OptionT) else inside
            case ast.RecordType(fields=fields):
                self.tables.distinct([f.name for f in fields], "field")
                unique = {str(f.name): self._type(f.type) for f in fields}
                return RecordT(tuple(sorted(unique.items())))
            case ast.TupleType(elems=elems):
                return TupleT(tuple(self._type(e) for e in elems))
        raise TypeError(f"unknown type node {t!r}")

    def named_type(self, name: ast.Ident) -> Type:
        text = str(name)
        if text in self.tables.roles:
            return NodeT((text,))
        if text == "node":
            return NodeT(tuple(self.tables.roles))
        if text == "client":
            return ClientT()
        if text == "handle":
            return HandleT()
        if text in self.tables.object_types:
            return self.tables.object_types[text]
        if text in self.tables.aliases:
            return self._alias(text, name)
        if text == "time":
            return self._time(name)
        known = list(self.tables.aliases) + list(self.tables.roles) + list(BUILTIN_TYPES) + list(self.tables.object_types) + ["bool", "time"]
        hint = did_you_mean(text, known)
        if text in ("Value", "Key") and not hint:
            hint = " (the object declares 'Value' and, for kv, 'Key': add an 'object' declaration)"
        self.tables.error(f"unknown type '{text}'{hint}", name.span)
        return ANY

    def _time(self, name: ast.Ident) -> Type:
        """`time`: a clock reading (semantics/clocks.py); only with a `clocks` declaration."""
        if self.tables.clocks is not None:
            return time_type(self.tables.clocks.horizon)
        if not self.tables.of(ast.Clocks):
            self.tables.error("the type 'time' holds clock readings, but the spec declares no clocks: "
                              "add 'clocks horizon <= N'", name.span)
        return ANY

    def _alias(self, text: str, use: ast.Ident) -> Type:
        if text in self.tables.alias_types:
            return self.tables.alias_types[text]
        if text in self.tables.resolving:
            self.tables.error(f"type '{text}' is defined in terms of itself", use.span,
                       (Note("defined here", self.tables.aliases[text].name.span),))
            return ANY
        self.tables.resolving.append(text)
        try:
            resolved = self._type(self.tables.aliases[text].type)
        finally:
            self.tables.resolving.pop()
        self.tables.alias_types[text] = resolved
        return resolved

    def _range_type(self, t: ast.TypeExpr, lo: ast.Expr, hi: ast.Expr) -> Type:
        a = self.exprs.constant_int(lo, "a range bound")
        b = self.exprs.constant_int(hi, "a range bound")
        if a is None or b is None:
            return ANY
        if a > b:
            self.tables.error(f"empty range {a}..{b}: the lower bound is above the upper one", t.span)
            return ANY
        if b - a + 1 > MAX_DOMAIN:
            self.tables.error(f"range {a}..{b} has {b - a + 1} values; at most {MAX_DOMAIN} are allowed", t.span)
            return ANY
        return IntT(a, b)

    def _enum_type(self, t: ast.TypeExpr, members: tuple[ast.Expr, ...]) -> Type:
        if any(isinstance(m, ast.Name) and m.id in self.tables.clashed for m in members):
            return ANY  # a member's declaration clashed, already reported
        values = []
        for m in members:
            if isinstance(m, ast.Name) and m.id in self.tables.atoms:
                values.append(str(m.id))
            else:
                values.append(self.exprs.constant(m, "a member of an enumeration"))
        if any(v is None for v in values):
            return ANY
        if all(isinstance(v, str) for v in values):
            self.tables.distinct([m.id for m in members if isinstance(m, ast.Name)], "enumeration value")
            return AtomT(tuple(dict.fromkeys(values)))  # type: ignore[arg-type]
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            ints = tuple(sorted(set(values)))  # type: ignore[type-var]
            return IntT(ints[0], ints[-1], ints)  # type: ignore[arg-type]
        self.tables.error("an enumeration lists names or integers, not a mix", t.span)
        return ANY

    def var(self, v: ast.VarDecl, ctx: Ctx, what: str) -> ir.VarDecl:
        """A variable declaration of a node or the object, typed, with its initial value."""
        typ = self.type_of(v.type, what)
        if v.init is not None:
            init = self.exprs.expect(v.init, ctx, typ, f"the initial value of '{v.name}'")
        else:
            init = self._default(typ, v)
        return ir.VarDecl(str(v.name), typ, init, v.durable, v.replicated, span=v.span)

    def _default(self, typ: Type, v: ast.VarDecl) -> ir.Expr:
        value = default_value(typ, self.tables.node_ids)
        if value is NO_DEFAULT:
            self.tables.error(f"'{v.name}' needs an initial value: {describe(typ)} has no default "
                       "(use 'option handle' for a request kept for later)", v.name.span)
            return ir.Lit(ANY, None, span=v.span)
        return ir.Lit(typ, value, span=v.span)


NO_DEFAULT = object()  # what default_value returns for a type without a natural first value


def default_value(typ: Type, nodes: dict[str, tuple[ir.NodeId, ...]]) -> object:
    """The value a variable of `typ` starts with when its declaration gives none."""
    match typ:
        case IntT(values=None, lo=lo):
            return lo
        case IntT(values=values):
            return values[0]  # type: ignore[index]
        case AtomT(members=members):
            return members[0]
        case NodeT(roles=roles):
            return next((nodes[r][0] for r in roles if nodes.get(r)), NO_DEFAULT)
        case ClientT():
            return ir.ClientId(0)
        case OptionT():
            return None
        case SetT():
            return frozenset()
        case MapT():
            return ir.MapValue(())
        case SeqT():
            return ()
        case RecordT(fields=fields):
            values = [default_value(t, nodes) for _, t in fields]
            return NO_DEFAULT if NO_DEFAULT in values else tuple(values)
        case TupleT(elems=elems):
            values = [default_value(t, nodes) for t in elems]
            return NO_DEFAULT if NO_DEFAULT in values else tuple(values)
        case AnyT():
            return None
    if typ == BOOL:
        return False
    return NO_DEFAULT
