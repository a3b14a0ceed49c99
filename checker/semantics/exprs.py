"""Typing and lowering of expressions: AST expressions to typed IR expressions.

`ExprLowering` is a mixin of the checker (checker.semantics.check.Checker), which provides
the global tables and `error`. Every method records problems as diagnostics and returns an
expression of type ANY instead of raising, so one run reports every independent mistake.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from checker.diagnostics import Note, Span, did_you_mean
from checker.dsl import ast
from checker.semantics import ir
from checker.semantics.fold import FoldError, NotConstant, fold
from checker.semantics.types import (
    ANY, BOOL, INT, AnyT, AtomT, ClientT, EmptyT, HandleT, IntT, MapT, NodeT, NoneT,
    OptionT, RecordT, SeqT, SetT, TupleT, Type, assignable, comparable, describe, element_type,
    join,
)

if TYPE_CHECKING:
    from checker.semantics.check import Checker

# Where an expression is written; decides which names are visible.
CONST, INIT, HANDLER, PROPERTY, OPERATION = "const", "init", "handler", "property", "operation"

BUILTIN_FUNCTIONS = ("up", "reachable", "len", "max", "min", "keys", "values", "index", "get")
BUILTIN_NAMES = ("self", "others", "nodes", "ok")


@dataclass
class Frame:
    """Per-handler bookkeeping: the locals allocated so far (uids are their positions)."""

    locals: list[ir.Local] = field(default_factory=list)

    def new(self, name: str, typ: Type, span: Span | None) -> ir.Local:
        local = ir.Local(typ, name, len(self.locals), span=span)
        self.locals.append(local)
        return local


@dataclass(frozen=True)
class Ctx:
    """The context of an expression: where it is, the role, the visible locals."""

    where: str
    role: str | None = None
    env: tuple[tuple[str, ir.Expr], ...] = ()
    frame: Frame = field(default_factory=Frame, compare=False)
    request: ir.Operation | None = None
    expanding: tuple[str, ...] = ()

    def lookup(self, name: str) -> ir.Expr | None:
        for key, value in reversed(self.env):
            if key == name:
                return value
        return None

    def bind(self, name: str, value: ir.Expr) -> "Ctx":
        return replace(self, env=self.env + ((name, value),))


class ExprLowering:
    """Mixin: lowering of expressions. See the module docstring."""

    # -------------------------------------------------- entry points

    def expr(self: "Checker", e: ast.Expr, ctx: Ctx) -> ir.Expr:
        method = getattr(self, "_e_" + type(e).__name__)
        return method(e, ctx)

    def expect(self: "Checker", e: ast.Expr, ctx: Ctx, want: Type, what: str) -> ir.Expr:
        """Lower `e` and report unless its type can be stored where `want` is expected."""
        out = self.expr(e, ctx)
        if not assignable(out.type, want):
            self.error(f"{what} must be {describe(want)}, but this is {describe(out.type)}", e.span)
        return out

    def boolean(self: "Checker", e: ast.Expr, ctx: Ctx, what: str) -> ir.Expr:
        return self.expect(e, ctx, BOOL, what)

    def constant(self: "Checker", e: ast.Expr, what: str, symbolic: bool = False) -> object:
        """Fold `e` written where a constant is required; None after reporting a problem.
        With `symbolic`, an expression over symbolic constants is returned as its IR
        expression; otherwise it is reported: its value must be known to build the model."""
        reported, used = len(self.diagnostics), len(self.symbolic_uses)
        lowered = self.expr(e, Ctx(CONST))
        if isinstance(lowered.type, AnyT) or len(self.diagnostics) > reported:
            return None  # already reported; folding an ill-typed expression could fail
        if len(self.symbolic_uses) > used:
            if symbolic:
                return lowered
            self.not_known(what, *self.symbolic_uses[used])
            return None
        try:
            return fold(lowered, self.node_ids)
        except NotConstant as exc:
            self.error(f"{what} must be a constant; this depends on state", exc.expr.span or e.span)
        except FoldError as exc:
            self.error(exc.message, exc.expr.span or e.span)
        return None

    def not_known(self: "Checker", what: str, name: str, span: Span | None) -> None:
        """Report a symbolic constant (or one computed from them) used where its value must
        be known before any run: a count, a bound, a budget, an initial value."""
        roots = self.symbolic_roots[name]
        given = ", ".join(f"-D {r}={self.overrides[r].text()}" for r in roots)  # type: ignore[union-attr]
        why = (f"'{name}' is symbolic ({given})" if roots == [name] else
               f"'{name}' is computed from the symbolic constant{'s' if len(roots) > 1 else ''} "
               f"{', '.join(repr(r) for r in roots)} ({given})")
        self.error(f"{what} must be known to build the model, but {why}", span,
                   (Note("a symbolic constant can be used in guards, statements and properties; "
                         "give it a value with -D NAME=VALUE to use it here"),))

    def constant_int(self: "Checker", e: ast.Expr, what: str, minimum: int | None = None) -> int | None:
        value = self.constant(e, what)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(f"{what} must be an integer", e.span)
            return None
        if minimum is not None and value < minimum:
            self.error(f"{what} must be at least {minimum}, but it is {value}", e.span)
            return None
        return value

    # -------------------------------------------------- names

    def visible_names(self: "Checker", ctx: Ctx) -> list[str]:
        names = [n for n, _ in ctx.env] + list(self.consts) + list(self.roles) + list(self.atoms)
        names += list(BUILTIN_NAMES) + list(self.defs) + list(BUILTIN_FUNCTIONS)
        if ctx.where in (HANDLER, PROPERTY):
            names += list(self.addresses)
        if ctx.where == HANDLER and ctx.role:
            names += list(self.role_vars[ctx.role])
        if ctx.where == OPERATION:
            names += list(self.object_vars)
        return names

    def _e_Name(self: "Checker", e: ast.Name, ctx: Ctx) -> ir.Expr:
        name = str(e.id)
        local = ctx.lookup(name)
        if local is not None:
            return local
        if ctx.where == HANDLER and ctx.role and name in self.role_vars[ctx.role]:
            var = self.role_vars[ctx.role][name]
            return ir.StateVar(var.type, ctx.role, name, span=e.span)
        if ctx.where == OPERATION and name in self.object_vars:
            return ir.ObjectVar(self.object_vars[name].type, name, span=e.span)
        if name in self.addresses and ctx.where in (HANDLER, PROPERTY):
            return ir.AddressRef(NodeT(self.addresses[name].roles), name, span=e.span)
        if name in self.consts:
            value = self.consts[name]
            if isinstance(value, ir.Expr):
                return self._symbolic(name, value, e.span, ctx)
            typ = BOOL if isinstance(value, bool) else IntT(value, value)  # type: ignore[arg-type]
            return ir.Lit(typ, value, span=e.span)
        if name in self.roles:
            return self._role_value(name, e.span)
        if name in self.atoms:
            return ir.Lit(AtomT((name,)), name, span=e.span)
        return self._builtin_name(e, ctx)

    def _symbolic(self: "Checker", name: str, value: ir.Expr, span: Span | None, ctx: Ctx) -> ir.Expr:
        """A use of a symbolic constant: its `Param` (located here) or the expression that
        computes it. Recorded in `symbolic_uses`; in an initial value or an operation of the
        object (the model is built from both before any run) it is an error."""
        self.symbolic_uses.append((name, span))
        if ctx.where == INIT:
            self.not_known("an initial value", name, span)
        elif ctx.where == OPERATION:
            self.not_known("an operation of the object", name, span)
        return replace(value, span=span) if isinstance(value, ir.Param) else value

    def _role_value(self: "Checker", name: str, span: Span | None) -> ir.Expr:
        ids = self.node_ids.get(name, ())
        if self.single_roles.get(name) and ids:
            return ir.Lit(NodeT((name,)), ids[0], span=span)
        return ir.NodesOf(SetT(NodeT((name,))), (name,), span=span)

    def _builtin_name(self: "Checker", e: ast.Name, ctx: Ctx) -> ir.Expr:
        name = str(e.id)
        if name == "ok":
            return ir.Lit(AtomT(("ok",)), "ok", span=e.span)
        if name == "nodes":
            roles = tuple(self.roles)
            return ir.NodesOf(SetT(NodeT(roles)), roles, span=e.span)
        if name == "others":
            if ctx.where != HANDLER or not ctx.role:
                self.error("'others' is only meaningful inside a node", e.span)
                return ir.Lit(ANY, None, span=e.span)
            mine = ir.NodesOf(SetT(NodeT((ctx.role,))), (ctx.role,), span=e.span)
            me = ir.SetLit(SetT(NodeT((ctx.role,))), (ir.SelfRef(NodeT((ctx.role,)), span=e.span),))
            return ir.Binary(mine.type, "diff", mine, me, span=e.span)
        if name in self.defs or name in BUILTIN_FUNCTIONS:
            self.error(f"'{name}' is a function; call it with arguments: {name}(...)", e.span)
            return ir.Lit(ANY, None, span=e.span)
        if ctx.where == PROPERTY and any(name in v for v in self.role_vars.values()):
            self.error(f"'{name}' is a node variable; in a property say whose: "
                       f"e.g. all(n in ROLE: n.{name} ...)", e.span)
            return ir.Lit(ANY, None, span=e.span)
        if name in self.const_names:
            self.error(f"constant '{name}' is used before its declaration", e.span)
            return ir.Lit(ANY, None, span=e.span)
        if name in self.addresses:
            self.error(f"address '{name}' can only be read inside handlers and properties", e.span)
            return ir.Lit(ANY, None, span=e.span)
        hint = did_you_mean(name, self.visible_names(ctx))
        self.error(f"unknown name '{name}'{hint}", e.span)
        return ir.Lit(ANY, None, span=e.span)

    def _e_SelfLit(self: "Checker", e: ast.SelfLit, ctx: Ctx) -> ir.Expr:
        if ctx.where not in (HANDLER, INIT) or not ctx.role:
            self.error("'self' is only meaningful inside a node", e.span)
            return ir.Lit(ANY, None, span=e.span)
        return ir.SelfRef(NodeT((ctx.role,)), span=e.span)

    # -------------------------------------------------- literals

    def _e_IntLit(self: "Checker", e: ast.IntLit, ctx: Ctx) -> ir.Expr:
        return ir.Lit(IntT(e.value, e.value), e.value, span=e.span)

    def _e_BoolLit(self: "Checker", e: ast.BoolLit, ctx: Ctx) -> ir.Expr:
        return ir.Lit(BOOL, e.value, span=e.span)

    def _e_NoneLit(self: "Checker", e: ast.NoneLit, ctx: Ctx) -> ir.Expr:
        return ir.Lit(NoneT(), None, span=e.span)

    def _e_StrLit(self: "Checker", e: ast.StrLit, ctx: Ctx) -> ir.Expr:
        self.error("strings are only used as docstrings and error reasons; "
                   "use an enumeration for values (type T = {a, b})", e.span)
        return ir.Lit(ANY, None, span=e.span)

    def _joined(self: "Checker", items: list[ir.Expr], spans: list[Span | None], what: str) -> Type:
        typ: Type | None = None
        for item, span in zip(items, spans):
            joined = item.type if typ is None else join(typ, item.type)
            if joined is None:
                self.error(f"{what} mixes {describe(typ)} and {describe(item.type)}", span)  # type: ignore[arg-type]
                return ANY
            typ = joined
        return typ if typ is not None else ANY

    def _e_SetLit(self: "Checker", e: ast.SetLit, ctx: Ctx) -> ir.Expr:
        if not e.elems:
            return ir.SetLit(EmptyT("braces"), (), span=e.span)
        elems = [self.expr(x, ctx) for x in e.elems]
        elem = self._joined(elems, [x.span for x in e.elems], "this set")
        return ir.SetLit(SetT(elem), tuple(elems), span=e.span)

    def _e_SeqLit(self: "Checker", e: ast.SeqLit, ctx: Ctx) -> ir.Expr:
        if not e.elems:
            return ir.SeqLit(EmptyT("seq"), (), span=e.span)
        elems = [self.expr(x, ctx) for x in e.elems]
        elem = self._joined(elems, [x.span for x in e.elems], "this sequence")
        return ir.SeqLit(SeqT(elem, len(elems)), tuple(elems), span=e.span)

    def _e_MapLit(self: "Checker", e: ast.MapLit, ctx: Ctx) -> ir.Expr:
        keys = [self.expr(i.key, ctx) for i in e.items]
        values = [self.expr(i.value, ctx) for i in e.items]
        key = self._joined(keys, [i.key.span for i in e.items], "the keys of this map")
        value = self._joined(values, [i.value.span for i in e.items], "the values of this map")
        return ir.MapLit(MapT(key, value), tuple(zip(keys, values)), span=e.span)

    def _e_TupleLit(self: "Checker", e: ast.TupleLit, ctx: Ctx) -> ir.Expr:
        elems = tuple(self.expr(x, ctx) for x in e.elems)
        return ir.TupleLit(TupleT(tuple(x.type for x in elems)), elems, span=e.span)

    def _e_RecordLit(self: "Checker", e: ast.RecordLit, ctx: Ctx) -> ir.Expr:
        seen: dict[str, ast.FieldInit] = {}
        for f in e.fields:
            if f.name in seen:
                self.error(f"field '{f.name}' is given twice", f.name.span,
                           (Note("first given here", seen[f.name].name.span),))
            seen[str(f.name)] = f
        ordered = sorted(seen.items())
        values = tuple(self.expr(f.value, ctx) for _, f in ordered)
        typ = RecordT(tuple((n, v.type) for (n, _), v in zip(ordered, values)))
        return ir.TupleLit(typ, values, span=e.span)

    # -------------------------------------------------- operators

    def _e_Unary(self: "Checker", e: ast.Unary, ctx: Ctx) -> ir.Expr:
        if e.op == "not":
            return ir.Unary(BOOL, "not", self.boolean(e.operand, ctx, "the operand of 'not'"), span=e.span)
        operand = self.expect(e.operand, ctx, INT, "the operand of unary '-'")
        return ir.Unary(INT, "neg", operand, span=e.span)

    def _e_BinOp(self: "Checker", e: ast.BinOp, ctx: Ctx) -> ir.Expr:
        if e.op in ("and", "or", "=>"):
            left = self.boolean(e.left, ctx, f"the left operand of '{e.op}'")
            right = self.boolean(e.right, ctx, f"the right operand of '{e.op}'")
            return ir.Binary(BOOL, e.op, left, right, span=e.span)
        left, right = self.expr(e.left, ctx), self.expr(e.right, ctx)
        if isinstance(left.type, AnyT) or isinstance(right.type, AnyT):
            return ir.Binary(_result_guess(e.op), _ir_op(e.op), left, right, span=e.span)
        if e.op in ("==", "!="):
            return self._equality(e, left, right)
        if e.op in ("in", "not in"):
            return self._membership(e, left, right)
        return self._arith(e, left, right)

    def _equality(self: "Checker", e: ast.BinOp, left: ir.Expr, right: ir.Expr) -> ir.Expr:
        if not comparable(left.type, right.type):
            self._incomparable(e, left, right)
        return ir.Binary(BOOL, e.op, left, right, span=e.span)

    def _incomparable(self: "Checker", e: ast.BinOp, left: ir.Expr, right: ir.Expr) -> None:
        if isinstance(right, ir.Lit) and isinstance(right.type, AtomT) and isinstance(left.type, AtomT):
            self.error(f"'{right.value}' is not a value of {describe(left.type)}, so this "
                       f"comparison is always {'false' if e.op == '==' else 'true'}", e.right.span)
            return
        self.error(f"cannot compare {describe(left.type)} with {describe(right.type)}", e.span)

    def _membership(self: "Checker", e: ast.BinOp, left: ir.Expr, right: ir.Expr) -> ir.Expr:
        elem = element_type(right.type)
        if elem is None and not isinstance(right.type, EmptyT):
            self.error(f"'{e.op}' needs a set, sequence or map on its right, not {describe(right.type)}",
                       e.right.span)
        elif elem is not None and not comparable(left.type, elem):
            self.error(f"{describe(left.type)} can never be in a collection of {describe(elem)}", e.span)
        return ir.Binary(BOOL, e.op, left, right, span=e.span)

    def _arith(self: "Checker", e: ast.BinOp, left: ir.Expr, right: ir.Expr) -> ir.Expr:
        lt, rt = left.type, right.type
        if isinstance(lt, IntT) and isinstance(rt, IntT):
            if e.op == "..":
                return self._range(e, left, right)
            if e.op in ("<", "<=", ">", ">="):
                return ir.Binary(BOOL, e.op, left, right, span=e.span)
            if e.op in ("+", "-", "*", "//", "%"):
                return ir.Binary(INT, e.op, left, right, span=e.span)
        sets = (SetT, EmptyT)
        if isinstance(lt, sets) and isinstance(rt, sets) and "seq" not in (getattr(lt, "kind", ""), getattr(rt, "kind", "")):
            typ = join(lt, rt)
            ops = {"|": "union", "&": "inter", "-": "diff", "<=": "subset"}
            if typ is not None and e.op in ops:
                return ir.Binary(BOOL if e.op == "<=" else typ, ops[e.op], left, right, span=e.span)
        if e.op == "+" and isinstance(lt, (SeqT, EmptyT)) and isinstance(rt, (SeqT, EmptyT)):
            typ = join(lt, rt)
            if typ is not None:
                if isinstance(typ, SeqT):
                    typ = SeqT(typ.elem, None)
                return ir.Binary(typ, "concat", left, right, span=e.span)
        self.error(f"'{e.op}' cannot combine {describe(lt)} and {describe(rt)}", e.span)
        return ir.Binary(ANY, _ir_op(e.op), left, right, span=e.span)

    def _range(self: "Checker", e: ast.BinOp, left: ir.Expr, right: ir.Expr) -> ir.Expr:
        try:
            lo, hi = fold(left, self.node_ids), fold(right, self.node_ids)
            elem: Type = IntT(lo, hi) if lo <= hi else INT  # type: ignore[operator,arg-type]
        except (NotConstant, FoldError):
            elem = INT
        return ir.Binary(SetT(elem), "range", left, right, span=e.span)

    def _e_IfExpr(self: "Checker", e: ast.IfExpr, ctx: Ctx) -> ir.Expr:
        cond = self.boolean(e.cond, ctx, "the condition")
        then, orelse = self.expr(e.then, ctx), self.expr(e.orelse, ctx)
        typ = join(then.type, orelse.type)
        if typ is None:
            self.error(f"the two branches have different types: {describe(then.type)} and "
                       f"{describe(orelse.type)}", e.span)
            typ = ANY
        return ir.IfExpr(typ, cond, then, orelse, span=e.span)

    # -------------------------------------------------- postfix

    def _e_Index(self: "Checker", e: ast.Index, ctx: Ctx) -> ir.Expr:
        if isinstance(e.obj, ast.Name) and str(e.obj.id) in self.roles and ctx.lookup(str(e.obj.id)) is None:
            role = str(e.obj.id)
            index = self.expect(e.index, ctx, INT, f"the index of '{role}'")
            if self.single_roles.get(role):
                self.error(f"'{role}' is a single node, not a list; write just '{role}'", e.span)
            return ir.NodeAt(NodeT((role,)), role, index, span=e.span)
        obj = self.expr(e.obj, ctx)
        t = obj.type
        if isinstance(t, SeqT):
            index = self.expect(e.index, ctx, INT, "a sequence index")
            return ir.Index(t.elem, obj, index, span=e.span)
        if isinstance(t, MapT):
            key = self.expect(e.index, ctx, t.key, "the key")
            return ir.Index(t.value, obj, key, span=e.span)
        if isinstance(t, TupleT):
            return self._tuple_index(e, ctx, obj, t)
        if not isinstance(t, AnyT):
            self.error(f"cannot index {describe(t)}; only sequences, maps and tuples", e.obj.span)
        self.expr(e.index, ctx)
        return ir.Index(ANY, obj, ir.Lit(ANY, None), span=e.span)

    def _tuple_index(self: "Checker", e: ast.Index, ctx: Ctx, obj: ir.Expr, t: TupleT) -> ir.Expr:
        index = self.expr(e.index, ctx)
        try:
            i = fold(index, self.node_ids)
        except (NotConstant, FoldError):
            i = None
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(t.elems):
            self.error(f"a tuple index must be a constant from 0 to {len(t.elems) - 1}", e.index.span)
            return ir.Index(ANY, obj, index, span=e.span)
        return ir.Index(t.elems[i], obj, index, span=e.span)

    def _e_Slice(self: "Checker", e: ast.Slice, ctx: Ctx) -> ir.Expr:
        obj = self.expr(e.obj, ctx)
        lo = self.expect(e.lo, ctx, INT, "a slice bound") if e.lo else None
        hi = self.expect(e.hi, ctx, INT, "a slice bound") if e.hi else None
        if not isinstance(obj.type, (SeqT, AnyT)):
            self.error(f"only sequences can be sliced, not {describe(obj.type)}", e.obj.span)
            return ir.Slice(ANY, obj, lo, hi, span=e.span)
        return ir.Slice(obj.type, obj, lo, hi, span=e.span)

    def _e_Field(self: "Checker", e: ast.Field, ctx: Ctx) -> ir.Expr:
        obj = self.expr(e.obj, ctx)
        t, name = obj.type, str(e.name)
        if isinstance(t, RecordT):
            ftype = t.field(name)
            if ftype is None:
                hint = did_you_mean(name, [n for n, _ in t.fields])
                self.error(f"{describe(t)} has no field '{name}'{hint}", e.name.span)
                return ir.Field(ANY, obj, name, span=e.span)
            return ir.Field(ftype, obj, name, span=e.span)
        if isinstance(t, NodeT):
            return self._node_field(e, ctx, obj, t)
        if isinstance(t, (HandleT, OptionT)) and name == "client":
            return ir.Call(ClientT(), "client_of", (obj,), span=e.span)
        if not isinstance(t, AnyT):
            self.error(f"{describe(t)} has no fields", e.span)
        return ir.Field(ANY, obj, name, span=e.span)

    def _node_field(self: "Checker", e: ast.Field, ctx: Ctx, obj: ir.Expr, t: NodeT) -> ir.Expr:
        name = str(e.name)
        if isinstance(obj, ir.SelfRef) and ctx.role:
            var = self.role_vars[ctx.role].get(name)
            if var is None:
                hint = did_you_mean(name, self.role_vars[ctx.role])
                self.error(f"'{ctx.role}' has no variable '{name}'{hint}", e.name.span)
                return ir.Lit(ANY, None, span=e.span)
            return ir.StateVar(var.type, ctx.role, name, span=e.span)
        if ctx.where != PROPERTY:
            self.error("a node cannot read another node's variables; send it a message "
                       "(reading n.var is allowed in invariants)", e.span)
            return ir.Lit(ANY, None, span=e.span)
        types = []
        for role in t.roles:
            var = self.role_vars[role].get(name)
            if var is None:
                hint = did_you_mean(name, self.role_vars[role])
                self.error(f"'{role}' has no variable '{name}'{hint}", e.name.span)
                return ir.Lit(ANY, None, span=e.span)
            types.append(var.type)
        typ = types[0]
        if any(x != typ for x in types):
            self.error(f"'{name}' has different types in {', '.join(t.roles)}", e.span)
            typ = ANY
        return ir.NodeVar(typ, obj, name, span=e.span)

    # -------------------------------------------------- calls

    def _e_Call(self: "Checker", e: ast.Call, ctx: Ctx) -> ir.Expr:
        if not isinstance(e.func, ast.Name):
            self.error("only named functions can be called", e.func.span)
            return ir.Lit(ANY, None, span=e.span)
        name = str(e.func.id)
        if ctx.lookup(name) is None and name in self.defs:
            return self._expand(e, ctx, self.defs[name])
        if name in BUILTIN_FUNCTIONS and ctx.lookup(name) is None:
            args = tuple(self.expr(a, ctx) for a in e.args)
            return self._builtin(e, ctx, name, args)
        if ctx.lookup(name) is not None or name in self.consts or name in self.roles:
            self.error(f"'{name}' is not a function", e.func.span)
        else:
            hint = did_you_mean(name, list(self.defs) + list(BUILTIN_FUNCTIONS))
            self.error(f"unknown function '{name}'{hint}", e.func.span)
        for a in e.args:
            self.expr(a, ctx)
        return ir.Lit(ANY, None, span=e.span)

    def _arity(self: "Checker", e: ast.Call, name: str, want: int | tuple[int, int]) -> bool:
        lo, hi = (want, want) if isinstance(want, int) else want
        got = len(e.args)
        if lo <= got <= hi:
            return True
        count = str(lo) if lo == hi else f"{lo} or more"
        self.error(f"'{name}' takes {count} argument{'s' if hi != 1 else ''}, but {got} "
                   f"{'was' if got == 1 else 'were'} given", e.span)
        return False

    def _builtin(self: "Checker", e: ast.Call, ctx: Ctx, name: str, args: tuple[ir.Expr, ...]) -> ir.Expr:
        if name in ("up", "reachable"):
            if ctx.where not in (HANDLER, PROPERTY):
                self.error(f"'{name}' depends on the environment; use it in handlers and properties", e.span)
            if self._arity(e, name, 1 if name == "up" else 2):
                for a, src in zip(args, e.args):
                    if not isinstance(a.type, (NodeT, AnyT)):
                        self.error(f"'{name}' takes node ids, not {describe(a.type)}", src.span)
            return ir.Call(BOOL, name, args, span=e.span)
        if name == "index":
            if self._arity(e, name, 1) and not isinstance(args[0].type, (NodeT, AnyT)):
                self.error(f"'index' takes a node id, not {describe(args[0].type)}", e.args[0].span)
            return ir.Call(INT, name, args, span=e.span)
        if name == "len":
            if self._arity(e, name, 1) and not isinstance(args[0].type, (SetT, SeqT, MapT, EmptyT, AnyT)):
                self.error(f"'len' takes a set, sequence or map, not {describe(args[0].type)}", e.args[0].span)
            return ir.Call(INT, name, args, span=e.span)
        if name == "get":
            return self._projection(e, name, args, OptionT, "an option value", lambda t: t.inner)
        if name in ("keys", "values"):
            return self._projection(e, name, args, MapT, "a map",
                                    lambda t: SetT(t.key if name == "keys" else t.value))
        return self._extremum(e, name, args)

    def _projection(self: "Checker", e: ast.Call, name: str, args: tuple[ir.Expr, ...], want: type,
                    what: str, result) -> ir.Expr:
        """A one-argument builtin defined on one kind of type, giving `result(arg type)`."""
        if not self._arity(e, name, 1):
            return ir.Call(ANY, name, args, span=e.span)
        t = args[0].type
        if not isinstance(t, want):
            if not isinstance(t, AnyT):
                self.error(f"'{name}' takes {what}, not {describe(t)}", e.args[0].span)
            return ir.Call(ANY, name, args, span=e.span)
        return ir.Call(result(t), name, args, span=e.span)

    def _extremum(self: "Checker", e: ast.Call, name: str, args: tuple[ir.Expr, ...]) -> ir.Expr:
        if not self._arity(e, name, (1, 64)):
            return ir.Call(ANY, name, args, span=e.span)
        if len(args) == 1:
            elem = element_type(args[0].type)
            if not isinstance(args[0].type, AnyT) and not isinstance(elem, IntT):
                self.error(f"'{name}' of one argument takes a set or sequence of integers, "
                           f"not {describe(args[0].type)}", e.args[0].span)
            return ir.Call(INT, name, args, span=e.span)
        for a, src in zip(args, e.args):
            if not isinstance(a.type, (IntT, AnyT)):
                self.error(f"'{name}' compares integers, not {describe(a.type)}", src.span)
        return ir.Call(INT, name, args, span=e.span)

    def _expand(self: "Checker", e: ast.Call, ctx: Ctx, d: ast.Def) -> ir.Expr:
        name = str(d.name)
        if name in ctx.expanding:
            self.error(f"function '{name}' calls itself; functions are expanded where they are "
                       "called and cannot be recursive", e.span, (Note(f"'{name}' is defined here", d.name.span),))
            return ir.Lit(ANY, None, span=e.span)
        if len(e.args) != len(d.params):
            self.error(f"'{name}' takes {len(d.params)} argument{'s' if len(d.params) != 1 else ''}, "
                       f"but {len(e.args)} {'was' if len(e.args) == 1 else 'were'} given", e.span,
                       (Note(f"'{name}' is defined here", d.name.span),))
            return ir.Lit(ANY, None, span=e.span)
        args = [self.expr(a, ctx) for a in e.args]
        inner = replace(ctx, expanding=ctx.expanding + (name,))
        for param, arg in zip(d.params, args):
            inner = inner.bind(str(param), arg)
        with self.expansion(e.span, name):
            return self.expr(d.body, inner)

    # -------------------------------------------------- binders

    def binders(self: "Checker", binders: tuple[ast.Binder, ...], ctx: Ctx) -> tuple[list[ir.Binder], Ctx]:
        out = []
        for b in binders:
            domain = self.expr(b.domain, ctx)
            elem = element_type(domain.type)
            if elem is None:
                if not isinstance(domain.type, (AnyT, EmptyT)):
                    self.error(f"'{b.name}' must range over a set, sequence or map, "
                               f"not {describe(domain.type)}", b.domain.span)
                elem = ANY
            local = self.bind_local(ctx, b.name, elem)
            out.append(ir.Binder(local, domain))
            ctx = ctx.bind(str(b.name), local)
        return out, ctx

    def bind_local(self: "Checker", ctx: Ctx, name: ast.Ident, typ: Type) -> ir.Local:
        """A new local for `name` in the current frame, after checking it hides nothing."""
        self.check_fresh(name, ctx)
        return ctx.frame.new(str(name), typ, name.span)

    def _e_Quant(self: "Checker", e: ast.Quant, ctx: Ctx) -> ir.Expr:
        binders, inner = self.binders(e.binders, ctx)
        body = self.boolean(e.body, inner, f"the condition of '{e.kind}'")
        return ir.Quant(INT if e.kind == "count" else BOOL, e.kind, tuple(binders), body, span=e.span)

    def _e_Comprehension(self: "Checker", e: ast.Comprehension, ctx: Ctx) -> ir.Expr:
        binders, inner = self.binders(e.binders, ctx)
        cond = self.boolean(e.cond, inner, "the filter") if e.cond is not None else None
        elem = self.expr(e.elem, inner)
        key = self.expr(e.key, inner) if e.key is not None else None
        if e.kind == "set":
            typ: Type = SetT(elem.type)
        elif e.kind == "seq":
            typ = SeqT(elem.type, None)
        else:
            assert key is not None
            typ = MapT(key.type, elem.type)
        return ir.Comprehension(typ, e.kind, elem, tuple(binders), cond, key, span=e.span)


def _ir_op(op: str) -> str:
    return {"..": "range", "|": "union", "&": "inter"}.get(op, op if op in ir.BINARY else "+")


def _result_guess(op: str) -> Type:
    return BOOL if op in ("==", "!=", "<", "<=", ">", ">=", "in", "not in") else ANY

