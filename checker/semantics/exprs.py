"""Typing and lowering of expressions: AST expressions to typed IR expressions.

`ExprLowering` is one part of the checker (check.Checker): it reads the run's tables
(tables.Tables) and reports through them, in the scope an expression is written in
(scope.Ctx). Every method records problems as diagnostics and returns an expression of
type ANY instead of raising, so one run reports every independent mistake.
"""

from __future__ import annotations

from dataclasses import replace

from checker.diagnostics import Note, Span, did_you_mean
from checker.dsl import ast
from checker.semantics import ir
from checker.semantics.clocks import TIME_FUNCTIONS, time_call, timer_call
from checker.semantics.fold import FoldError, NotConstant, fold
from checker.semantics.scope import BUILTIN_FUNCTIONS, CONST, HANDLER, INIT, OPERATION, PROPERTY, Ctx
from checker.semantics.names import NameLowering
from checker.semantics.tables import Tables
from checker.semantics.types import (
    ANY,
    BOOL,
    INT,
    AnyT,
    AtomT,
    ClientT,
    EmptyT,
    HandleT,
    IntT,
    MapT,
    NodeT,
    NoneT,
    OptionT,
    RecordT,
    SeqT,
    SetT,
    TupleT,
    Type,
    assignable,
    comparable,
    describe,
    element_type,
    join,
)


class ExprLowering:
    """Lowering of expressions. See the module docstring."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.names = NameLowering(tables, self)

    # -------------------------------------------------- entry points

    def expr(self, e: ast.Expr, ctx: Ctx) -> ir.Expr:
        method = getattr(self, "_e_" + type(e).__name__)
        return method(e, ctx)

    def expect(self, e: ast.Expr, ctx: Ctx, want: Type, what: str) -> ir.Expr:
        """Lower `e` and report unless its type can be stored where `want` is expected."""
        out = self.expr(e, ctx)
        if not assignable(out.type, want):
            self.tables.error(f"{what} must be {describe(want)}, but this is {describe(out.type)}", e.span)
        return out

    def boolean(self, e: ast.Expr, ctx: Ctx, what: str) -> ir.Expr:
        return self.expect(e, ctx, BOOL, what)

    def constant(self, e: ast.Expr, what: str, symbolic: bool = False) -> object:
        """Fold `e` written where a constant is required; None after reporting a problem.
        With `symbolic`, an expression over symbolic constants is returned as its IR
        expression; otherwise it is reported: its value must be known to build the model."""
        reported, used = len(self.tables.diagnostics), len(self.tables.symbolic_uses)
        lowered = self.expr(e, Ctx(CONST))
        if isinstance(lowered.type, AnyT) or len(self.tables.diagnostics) > reported:
            return None  # already reported; folding an ill-typed expression could fail
        if len(self.tables.symbolic_uses) > used:
            if symbolic:
                return lowered
            self.not_known(what, *self.tables.symbolic_uses[used])
            return None
        try:
            return fold(lowered, self.tables.node_ids)
        except NotConstant as exc:
            self.tables.error(f"{what} must be a constant; this depends on state", exc.expr.span or e.span)
        except FoldError as exc:
            self.tables.error(exc.message, exc.expr.span or e.span)
        return None

    def not_known(self, what: str, name: str, span: Span | None) -> None:
        """Report a symbolic constant (or one computed from them) used where its value must
        be known before any run: a count, a bound, a budget, an initial value."""
        roots = self.tables.symbolic_roots[name]
        given = ", ".join(f"-D {r}={self.tables.overrides[r].text()}" for r in roots)  # type: ignore[union-attr]
        why = (f"'{name}' is symbolic ({given})" if roots == [name] else
               f"'{name}' is computed from the symbolic constant{'s' if len(roots) > 1 else ''} "
               f"{', '.join(repr(r) for r in roots)} ({given})")
        self.tables.error(f"{what} must be known to build the model, but {why}", span,
                   (Note("a symbolic constant can be used in guards, statements and properties; "
                         "give it a value with -D NAME=VALUE to use it here"),))

    def constant_int(self, e: ast.Expr, what: str, minimum: int | None = None) -> int | None:
        value = self.constant(e, what)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.tables.error(f"{what} must be an integer", e.span)
            return None
        if minimum is not None and value < minimum:
            self.tables.error(f"{what} must be at least {minimum}, but it is {value}", e.span)
            return None
        return value

    # -------------------------------------------------- names

    def _e_Name(self, e: ast.Name, ctx: Ctx) -> ir.Expr:
        name = str(e.id)
        local = ctx.lookup(name)
        if local is not None:
            return local
        if name in self.tables.clashed:
            return ir.Lit(ANY, None, span=e.span)  # its declaration clashed, already reported
        if ctx.where == HANDLER and ctx.role and name in self.tables.role_vars[ctx.role]:
            var = self.tables.role_vars[ctx.role][name]
            return ir.StateVar(var.type, ctx.role, name, span=e.span)
        if ctx.where == OPERATION and name in self.tables.object_vars:
            return ir.ObjectVar(self.tables.object_vars[name].type, name, span=e.span)
        if name in self.tables.addresses and ctx.where in (HANDLER, PROPERTY):
            return ir.AddressRef(NodeT(self.tables.addresses[name].roles), name, span=e.span)
        if name in self.tables.consts:
            value = self.tables.consts[name]
            if isinstance(value, ir.Expr):
                return self._symbolic(name, value, e.span, ctx)
            typ = BOOL if isinstance(value, bool) else IntT(value, value)  # type: ignore[arg-type]
            return ir.Lit(typ, value, span=e.span)
        if name in self.tables.roles:
            return self._role_value(name, e.span)
        if name in self.tables.atoms:
            return ir.Lit(AtomT((name,)), name, span=e.span)
        return self.names.builtin_name(e, ctx)

    def _symbolic(self, name: str, value: ir.Expr, span: Span | None, ctx: Ctx) -> ir.Expr:
        """A use of a symbolic constant: its `Param` (located here) or the expression that
        computes it. Recorded in `symbolic_uses`; in an initial value or an operation of the
        object (the model is built from both before any run) it is an error."""
        self.tables.symbolic_uses.append((name, span))
        if ctx.where == INIT:
            self.not_known("an initial value", name, span)
        elif ctx.where == OPERATION:
            self.not_known("an operation of the object", name, span)
        return replace(value, span=span) if isinstance(value, ir.Param) else value

    def _role_value(self, name: str, span: Span | None) -> ir.Expr:
        ids = self.tables.node_ids.get(name, ())
        if self.tables.single_roles.get(name) and ids:
            return ir.Lit(NodeT((name,)), ids[0], span=span)
        return ir.NodesOf(SetT(NodeT((name,))), (name,), span=span)

    def _e_SelfLit(self, e: ast.SelfLit, ctx: Ctx) -> ir.Expr:
        if ctx.where not in (HANDLER, INIT) or not ctx.role:
            self.tables.error("'self' is only meaningful inside a node", e.span)
            return ir.Lit(ANY, None, span=e.span)
        return ir.SelfRef(NodeT((ctx.role,)), span=e.span)

    # -------------------------------------------------- literals

    def _e_IntLit(self, e: ast.IntLit, ctx: Ctx) -> ir.Expr:
        return ir.Lit(IntT(e.value, e.value), e.value, span=e.span)

    def _e_BoolLit(self, e: ast.BoolLit, ctx: Ctx) -> ir.Expr:
        return ir.Lit(BOOL, e.value, span=e.span)

    def _e_NoneLit(self, e: ast.NoneLit, ctx: Ctx) -> ir.Expr:
        return ir.Lit(NoneT(), None, span=e.span)

    def _e_StrLit(self, e: ast.StrLit, ctx: Ctx) -> ir.Expr:
        self.tables.error("strings are only used as docstrings and error reasons; "
                   "use an enumeration for values (type T = {a, b})", e.span)
        return ir.Lit(ANY, None, span=e.span)

    def _joined(self, items: list[ir.Expr], spans: list[Span | None], what: str) -> Type:
        typ: Type | None = None
        for item, span in zip(items, spans):
            joined = item.type if typ is None else join(typ, item.type)
            if joined is None:
                self.tables.error(f"{what} mixes {describe(typ)} and {describe(item.type)}", span)  # type: ignore[arg-type]
                return ANY
            typ = joined
        return typ if typ is not None else ANY

    def _e_SetLit(self, e: ast.SetLit, ctx: Ctx) -> ir.Expr:
        if not e.elems:
            return ir.SetLit(EmptyT("braces"), (), span=e.span)
        elems = [self.expr(x, ctx) for x in e.elems]
        elem = self._joined(elems, [x.span for x in e.elems], "this set")
        return ir.SetLit(SetT(elem), tuple(elems), span=e.span)

    def _e_SeqLit(self, e: ast.SeqLit, ctx: Ctx) -> ir.Expr:
        if not e.elems:
            return ir.SeqLit(EmptyT("seq"), (), span=e.span)
        elems = [self.expr(x, ctx) for x in e.elems]
        elem = self._joined(elems, [x.span for x in e.elems], "this sequence")
        return ir.SeqLit(SeqT(elem, len(elems)), tuple(elems), span=e.span)

    def _e_MapLit(self, e: ast.MapLit, ctx: Ctx) -> ir.Expr:
        keys = [self.expr(i.key, ctx) for i in e.items]
        values = [self.expr(i.value, ctx) for i in e.items]
        key = self._joined(keys, [i.key.span for i in e.items], "the keys of this map")
        value = self._joined(values, [i.value.span for i in e.items], "the values of this map")
        return ir.MapLit(MapT(key, value), tuple(zip(keys, values)), span=e.span)

    def _e_TupleLit(self, e: ast.TupleLit, ctx: Ctx) -> ir.Expr:
        elems = tuple(self.expr(x, ctx) for x in e.elems)
        return ir.TupleLit(TupleT(tuple(x.type for x in elems)), elems, span=e.span)

    def _e_RecordLit(self, e: ast.RecordLit, ctx: Ctx) -> ir.Expr:
        seen: dict[str, ast.FieldInit] = {}
        for f in e.fields:
            if f.name in seen:
                self.tables.error(f"field '{f.name}' is given twice", f.name.span,
                           (Note("first given here", seen[f.name].name.span),))
            seen[str(f.name)] = f
        ordered = sorted(seen.items())
        values = tuple(self.expr(f.value, ctx) for _, f in ordered)
        typ = RecordT(tuple((n, v.type) for (n, _), v in zip(ordered, values)))
        return ir.TupleLit(typ, values, span=e.span)

    # -------------------------------------------------- operators

    def _e_Unary(self, e: ast.Unary, ctx: Ctx) -> ir.Expr:
        if e.op == "not":
            return ir.Unary(BOOL, "not", self.boolean(e.operand, ctx, "the operand of 'not'"), span=e.span)
        operand = self.expect(e.operand, ctx, INT, "the operand of unary '-'")
        return ir.Unary(INT, "neg", operand, span=e.span)

    def _e_BinOp(self, e: ast.BinOp, ctx: Ctx) -> ir.Expr:
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

    def _equality(self, e: ast.BinOp, left: ir.Expr, right: ir.Expr) -> ir.Expr:
        if not comparable(left.type, right.type):
            self._incomparable(e, left, right)
        return ir.Binary(BOOL, e.op, left, right, span=e.span)

    def _incomparable(self, e: ast.BinOp, left: ir.Expr, right: ir.Expr) -> None:
        if isinstance(right, ir.Lit) and isinstance(right.type, AtomT) and isinstance(left.type, AtomT):
            self.tables.error(f"'{right.value}' is not a value of {describe(left.type)}, so this "
                       f"comparison is always {'false' if e.op == '==' else 'true'}", e.right.span)
            return
        self.tables.error(f"cannot compare {describe(left.type)} with {describe(right.type)}", e.span)

    def _membership(self, e: ast.BinOp, left: ir.Expr, right: ir.Expr) -> ir.Expr:
        elem = element_type(right.type)
        if elem is None and not isinstance(right.type, EmptyT):
            self.tables.error(f"'{e.op}' needs a set, sequence or map on its right, not {describe(right.type)}",
                       e.right.span)
        elif elem is not None and not comparable(left.type, elem):
            self.tables.error(f"{describe(left.type)} can never be in a collection of {describe(elem)}", e.span)
        return ir.Binary(BOOL, e.op, left, right, span=e.span)

    def _arith(self, e: ast.BinOp, left: ir.Expr, right: ir.Expr) -> ir.Expr:
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
        self.tables.error(f"'{e.op}' cannot combine {describe(lt)} and {describe(rt)}", e.span)
        return ir.Binary(ANY, _ir_op(e.op), left, right, span=e.span)

    def _range(self, e: ast.BinOp, left: ir.Expr, right: ir.Expr) -> ir.Expr:
        try:
            lo, hi = fold(left, self.tables.node_ids), fold(right, self.tables.node_ids)
            elem: Type = IntT(lo, hi) if lo <= hi else INT  # type: ignore[operator,arg-type]
        except (NotConstant, FoldError):
            elem = INT
        return ir.Binary(SetT(elem), "range", left, right, span=e.span)

    def _e_IfExpr(self, e: ast.IfExpr, ctx: Ctx) -> ir.Expr:
        cond = self.boolean(e.cond, ctx, "the condition")
        then, orelse = self.expr(e.then, ctx), self.expr(e.orelse, ctx)
        typ = join(then.type, orelse.type)
        if typ is None:
            self.tables.error(f"the two branches have different types: {describe(then.type)} and "
                       f"{describe(orelse.type)}", e.span)
            typ = ANY
        return ir.IfExpr(typ, cond, then, orelse, span=e.span)

    # -------------------------------------------------- postfix

    def _e_Index(self, e: ast.Index, ctx: Ctx) -> ir.Expr:
        if isinstance(e.obj, ast.Name) and str(e.obj.id) == "client" and ctx.lookup("client") is None:
            return self.names.client_id(e)
        if isinstance(e.obj, ast.Name) and str(e.obj.id) in self.tables.roles and ctx.lookup(str(e.obj.id)) is None:
            role = str(e.obj.id)
            index = self.expect(e.index, ctx, INT, f"the index of '{role}'")
            if self.tables.single_roles.get(role):
                self.tables.error(f"'{role}' is a single node, not a list; write just '{role}'", e.span)
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
            self.tables.error(f"cannot index {describe(t)}; only sequences, maps and tuples", e.obj.span)
        self.expr(e.index, ctx)
        return ir.Index(ANY, obj, ir.Lit(ANY, None), span=e.span)

    def _tuple_index(self, e: ast.Index, ctx: Ctx, obj: ir.Expr, t: TupleT) -> ir.Expr:
        index = self.expr(e.index, ctx)
        try:
            i = fold(index, self.tables.node_ids)
        except (NotConstant, FoldError):
            i = None
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(t.elems):
            self.tables.error(f"a tuple index must be a constant from 0 to {len(t.elems) - 1}", e.index.span)
            return ir.Index(ANY, obj, index, span=e.span)
        return ir.Index(t.elems[i], obj, index, span=e.span)

    def _e_Slice(self, e: ast.Slice, ctx: Ctx) -> ir.Expr:
        obj = self.expr(e.obj, ctx)
        lo = self.expect(e.lo, ctx, INT, "a slice bound") if e.lo else None
        hi = self.expect(e.hi, ctx, INT, "a slice bound") if e.hi else None
        if not isinstance(obj.type, (SeqT, AnyT)):
            self.tables.error(f"only sequences can be sliced, not {describe(obj.type)}", e.obj.span)
            return ir.Slice(ANY, obj, lo, hi, span=e.span)
        return ir.Slice(obj.type, obj, lo, hi, span=e.span)

    def _e_Field(self, e: ast.Field, ctx: Ctx) -> ir.Expr:
        obj = self.expr(e.obj, ctx)
        t, name = obj.type, str(e.name)
        if isinstance(t, RecordT):
            ftype = t.field(name)
            if ftype is None:
                hint = did_you_mean(name, [n for n, _ in t.fields])
                self.tables.error(f"{describe(t)} has no field '{name}'{hint}", e.name.span)
                return ir.Field(ANY, obj, name, span=e.span)
            return ir.Field(ftype, obj, name, span=e.span)
        if isinstance(t, NodeT):
            return self._node_field(e, ctx, obj, t)
        if isinstance(t, (HandleT, OptionT)) and name == "client":
            return ir.Call(ClientT(), "client_of", (obj,), span=e.span)
        if not isinstance(t, AnyT):
            self.tables.error(f"{describe(t)} has no fields", e.span)
        return ir.Field(ANY, obj, name, span=e.span)

    def _node_field(self, e: ast.Field, ctx: Ctx, obj: ir.Expr, t: NodeT) -> ir.Expr:
        name = str(e.name)
        if isinstance(obj, ir.SelfRef) and ctx.role:
            var = self.tables.role_vars[ctx.role].get(name)
            if var is None:
                hint = did_you_mean(name, self.tables.role_vars[ctx.role])
                self.tables.error(f"'{ctx.role}' has no variable '{name}'{hint}", e.name.span)
                return ir.Lit(ANY, None, span=e.span)
            return ir.StateVar(var.type, ctx.role, name, span=e.span)
        if ctx.where != PROPERTY:
            self.tables.error("a node cannot read another node's variables; send it a message "
                       "(reading n.var is allowed in invariants)", e.span)
            return ir.Lit(ANY, None, span=e.span)
        types = []
        for role in t.roles:
            var = self.tables.role_vars[role].get(name)
            if var is None:
                hint = did_you_mean(name, self.tables.role_vars[role])
                self.tables.error(f"'{role}' has no variable '{name}'{hint}", e.name.span)
                return ir.Lit(ANY, None, span=e.span)
            types.append(var.type)
        typ = types[0]
        if any(x != typ for x in types):
            self.tables.error(f"'{name}' has different types in {', '.join(t.roles)}", e.span)
            typ = ANY
        return ir.NodeVar(typ, obj, name, span=e.span)

    # -------------------------------------------------- calls

    def _e_Call(self, e: ast.Call, ctx: Ctx) -> ir.Expr:
        if not isinstance(e.func, ast.Name):
            self.tables.error("only named functions can be called", e.func.span)
            return ir.Lit(ANY, None, span=e.span)
        name = str(e.func.id)
        if ctx.lookup(name) is None and name in self.tables.clashed:
            return ir.Lit(ANY, None, span=e.span)  # its declaration clashed, already reported
        if ctx.lookup(name) is None and name in self.tables.defs:
            return self._expand(e, ctx, self.tables.defs[name])
        if name in BUILTIN_FUNCTIONS and ctx.lookup(name) is None:
            args = tuple(self.expr(a, ctx) for a in e.args)
            return self._builtin(e, ctx, name, args)
        if ctx.lookup(name) is not None or name in self.tables.consts or name in self.tables.roles:
            self.tables.error(f"'{name}' is not a function", e.func.span)
        else:
            hint = did_you_mean(name, list(self.tables.defs) + list(BUILTIN_FUNCTIONS))
            self.tables.error(f"unknown function '{name}'{hint}", e.func.span)
        for a in e.args:
            self.expr(a, ctx)
        return ir.Lit(ANY, None, span=e.span)

    def _arity(self, e: ast.Call, name: str, want: int | tuple[int, int]) -> bool:
        lo, hi = (want, want) if isinstance(want, int) else want
        got = len(e.args)
        if lo <= got <= hi:
            return True
        count = str(lo) if lo == hi else f"{lo} or more"
        self.tables.error(f"'{name}' takes {count} argument{'s' if hi != 1 else ''}, but {got} "
                   f"{'was' if got == 1 else 'were'} given", e.span)
        return False

    def _builtin(self, e: ast.Call, ctx: Ctx, name: str, args: tuple[ir.Expr, ...]) -> ir.Expr:
        if name in ("after", "expired"):
            return timer_call(self.tables, e, ctx, name, args, self._arity, self.tables.clocks)
        if name in TIME_FUNCTIONS:
            return time_call(self.tables, e, ctx, name, args, self._arity)
        if name in ("up", "reachable"):
            if ctx.where not in (HANDLER, PROPERTY):
                self.tables.error(f"'{name}' depends on the environment; use it in handlers and properties", e.span)
            if self._arity(e, name, 1 if name == "up" else 2):
                for a, src in zip(args, e.args):
                    if not isinstance(a.type, (NodeT, AnyT)):
                        self.tables.error(f"'{name}' takes node ids, not {describe(a.type)}", src.span)
            return ir.Call(BOOL, name, args, span=e.span)
        if name == "index":
            if self._arity(e, name, 1) and not isinstance(args[0].type, (NodeT, AnyT)):
                self.tables.error(f"'index' takes a node id, not {describe(args[0].type)}", e.args[0].span)
            return ir.Call(INT, name, args, span=e.span)
        if name == "len":
            if self._arity(e, name, 1) and not isinstance(args[0].type, (SetT, SeqT, MapT, EmptyT, AnyT)):
                self.tables.error(f"'len' takes a set, sequence or map, not {describe(args[0].type)}", e.args[0].span)
            return ir.Call(INT, name, args, span=e.span)
        if name == "get":
            return self._projection(e, name, args, OptionT, "an option value", lambda t: t.inner)
        if name in ("keys", "values"):
            return self._projection(e, name, args, MapT, "a map",
                                    lambda t: SetT(t.key if name == "keys" else t.value))
        return self._extremum(e, name, args)

    def _projection(self, e: ast.Call, name: str, args: tuple[ir.Expr, ...], want: type,
                    what: str, result) -> ir.Expr:
        """A one-argument builtin defined on one kind of type, giving `result(arg type)`."""
        if not self._arity(e, name, 1):
            return ir.Call(ANY, name, args, span=e.span)
        t = args[0].type
        if not isinstance(t, want):
            if not isinstance(t, AnyT):
                self.tables.error(f"'{name}' takes {what}, not {describe(t)}", e.args[0].span)
            return ir.Call(ANY, name, args, span=e.span)
        return ir.Call(result(t), name, args, span=e.span)

    def _extremum(self, e: ast.Call, name: str, args: tuple[ir.Expr, ...]) -> ir.Expr:
        if not self._arity(e, name, (1, 64)):
            return ir.Call(ANY, name, args, span=e.span)
        if len(args) == 1:
            elem = element_type(args[0].type)
            if not isinstance(args[0].type, AnyT) and not isinstance(elem, IntT):
                self.tables.error(f"'{name}' of one argument takes a set or sequence of integers, "
                           f"not {describe(args[0].type)}", e.args[0].span)
            return ir.Call(INT, name, args, span=e.span)
        for a, src in zip(args, e.args):
            if not isinstance(a.type, (IntT, AnyT)):
                self.tables.error(f"'{name}' compares integers, not {describe(a.type)}", src.span)
        return ir.Call(INT, name, args, span=e.span)

    def _expand(self, e: ast.Call, ctx: Ctx, d: ast.Def) -> ir.Expr:
        name = str(d.name)
        if name in ctx.expanding:
            self.tables.error(f"function '{name}' calls itself; functions are expanded where they are "
                       "called and cannot be recursive", e.span, (Note(f"'{name}' is defined here", d.name.span),))
            return ir.Lit(ANY, None, span=e.span)
        if len(e.args) != len(d.params):
            self.tables.error(f"'{name}' takes {len(d.params)} argument{'s' if len(d.params) != 1 else ''}, "
                       f"but {len(e.args)} {'was' if len(e.args) == 1 else 'were'} given", e.span,
                       (Note(f"'{name}' is defined here", d.name.span),))
            return ir.Lit(ANY, None, span=e.span)
        args = [self.expr(a, ctx) for a in e.args]
        inner = replace(ctx, expanding=ctx.expanding + (name,))
        for param, arg in zip(d.params, args):
            inner = inner.bind(str(param), arg)
        with self.tables.expansion(e.span, name):
            return self.expr(d.body, inner)

    # -------------------------------------------------- binders

    def binders(self, binders: tuple[ast.Binder, ...], ctx: Ctx) -> tuple[list[ir.Binder], Ctx]:
        out = []
        for b in binders:
            domain = self.expr(b.domain, ctx)
            elem = element_type(domain.type)
            if elem is None:
                if not isinstance(domain.type, (AnyT, EmptyT)):
                    self.tables.error(f"'{b.name}' must range over a set, sequence or map, "
                               f"not {describe(domain.type)}", b.domain.span)
                elem = ANY
            local = self.bind_local(ctx, b.name, elem)
            out.append(ir.Binder(local, domain))
            ctx = ctx.bind(str(b.name), local)
        return out, ctx

    def bind_local(self, ctx: Ctx, name: ast.Ident, typ: Type) -> ir.Local:
        """A new local for `name` in the current frame, after checking it hides nothing."""
        self.tables.check_fresh(name, ctx)
        return ctx.frame.new(str(name), typ, name.span)

    def _e_Quant(self, e: ast.Quant, ctx: Ctx) -> ir.Expr:
        binders, inner = self.binders(e.binders, ctx)
        body = self.boolean(e.body, inner, f"the condition of '{e.kind}'")
        return ir.Quant(INT if e.kind == "count" else BOOL, e.kind, tuple(binders), body, span=e.span)

    def _e_Comprehension(self, e: ast.Comprehension, ctx: Ctx) -> ir.Expr:
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

