"""Typing and lowering of statements (handler and operation bodies).

`StmtLowering` is one part of the checker, over the run's tables and the expression part. A block is lowered in order;
`let` and `choose` extend the context for the statements after them.
"""

from __future__ import annotations

from checker.diagnostics import Note, did_you_mean
from checker.dsl import ast
from checker.semantics import ir
from checker.semantics.exprs import ExprLowering
from checker.semantics.scope import HANDLER, OPERATION, Ctx
from checker.semantics.tables import Tables
from checker.semantics.types import (
    ANY,
    INT,
    AnyT,
    HandleT,
    IntT,
    MapT,
    NodeT,
    NoneT,
    OptionT,
    RecordT,
    SeqT,
    SetT,
    Type,
    assignable,
    describe,
    element_type,
)


class StmtLowering:
    """Lowering of statements. See the module docstring."""

    def __init__(self, tables: Tables, exprs: ExprLowering) -> None:
        self.tables, self.exprs = tables, exprs

    def block(self, stmts: tuple[ast.Stmt, ...], ctx: Ctx) -> tuple[ir.Stmt, ...]:
        out: list[ir.Stmt] = []
        for stmt in stmts:
            lowered, ctx = self.stmt(stmt, ctx)
            out.extend(lowered)
        return tuple(out)

    def stmt(self, s: ast.Stmt, ctx: Ctx) -> tuple[list[ir.Stmt], Ctx]:
        method = getattr(self, "_s_" + type(s).__name__)
        return method(s, ctx)

    # -------------------------------------------------- bindings

    def _s_Let(self, s: ast.Let, ctx: Ctx) -> tuple[list[ir.Stmt], Ctx]:
        value = self.exprs.expr(s.value, ctx)
        local = self.exprs.bind_local(ctx, s.name, value.type)
        return [ir.Let(local, value, span=s.span)], ctx.bind(str(s.name), local)

    def _s_Choose(self, s: ast.Choose, ctx: Ctx) -> tuple[list[ir.Stmt], Ctx]:
        domain = self.exprs.expr(s.domain, ctx)
        elem = element_type(domain.type)
        if elem is None or isinstance(domain.type, MapT):
            if not isinstance(domain.type, AnyT):
                self.tables.error(f"'choose' picks from a set or sequence, not {describe(domain.type)}",
                           s.domain.span)
            elem = ANY
        local = self.exprs.bind_local(ctx, s.name, elem)
        inner = ctx.bind(str(s.name), local)
        cond = self.exprs.boolean(s.cond, inner, "the 'where' condition") if s.cond is not None else None
        return [ir.Choose(local, domain, cond, span=s.span)], inner

    # -------------------------------------------------- assignment

    def _s_Assign(self, s: ast.Assign, ctx: Ctx) -> tuple[list[ir.Stmt], Ctx]:
        target = self._target(s.target, ctx)
        typ: Type = target.type
        path: list[ir.Path] = []
        for sel in s.target.path:
            typ, step = self._select(sel, typ, ctx)
            path.append(step)
        if s.op == "=":
            value = self.exprs.expect(s.value, ctx, typ, f"the value assigned to '{s.target.name}'")
        else:
            if not isinstance(typ, (IntT, AnyT)):
                self.tables.error(f"'{s.op}' needs an integer variable, but '{s.target.name}' is "
                           f"{describe(typ)}", s.target.span)
            delta = self.exprs.expect(s.value, ctx, INT, f"the right side of '{s.op}'")
            current = _read(target, path)
            value = ir.Binary(INT, s.op[0], current, delta, span=s.span)
        return [ir.Assign(target, value, tuple(path), span=s.span)], ctx

    def _target(self, lv: ast.LValue, ctx: Ctx) -> ir.Expr:
        name = str(lv.name)
        if ctx.lookup(name) is not None:
            self.tables.error(f"cannot assign to '{name}': it is a local name (a parameter, 'let', 'choose' "
                       "or loop variable), not a variable", lv.name.span)
        elif ctx.where == HANDLER and ctx.role and name in self.tables.role_vars[ctx.role]:
            return ir.StateVar(self.tables.role_vars[ctx.role][name].type, ctx.role, name, span=lv.name.span)
        elif ctx.where == OPERATION and name in self.tables.object_vars:
            return ir.ObjectVar(self.tables.object_vars[name].type, name, span=lv.name.span)
        elif name in self.tables.consts:
            self.tables.error(f"cannot assign to constant '{name}'", lv.name.span)
        elif name in self.tables.addresses:
            self.tables.error(f"an address is moved with 'take {name}', not assigned", lv.name.span)
        else:
            own = self.tables.role_vars[ctx.role] if ctx.where == HANDLER and ctx.role else self.tables.object_vars
            hint = did_you_mean(name, own)
            other = [r for r, vs in self.tables.role_vars.items() if name in vs and r != ctx.role]
            extra = f"; '{name}' is a variable of '{other[0]}', and a node can only change its own" if other and not hint else ""
            self.tables.error(f"unknown variable '{name}'{hint}{extra}", lv.name.span)
        return ir.Lit(ANY, None, span=lv.name.span)

    def _select(self, sel: ast.Selector, typ: Type, ctx: Ctx) -> tuple[Type, ir.Path]:
        if isinstance(sel, ast.IndexSel):
            if isinstance(typ, MapT):
                return typ.value, ir.Path("index", self.exprs.expect(sel.index, ctx, typ.key, "the key"))
            if isinstance(typ, SeqT):
                return typ.elem, ir.Path("index", self.exprs.expect(sel.index, ctx, INT, "a sequence index"))
            if not isinstance(typ, AnyT):
                self.tables.error(f"cannot assign into an element of {describe(typ)}; only maps and "
                           "sequences", sel.span)
            return ANY, ir.Path("index", self.exprs.expr(sel.index, ctx))
        name = str(sel.name)
        if isinstance(typ, RecordT):
            ftype = typ.field(name)
            if ftype is not None:
                return ftype, ir.Path("field", field=name)
            self.tables.error(f"{describe(typ)} has no field '{name}'"
                       f"{did_you_mean(name, [n for n, _ in typ.fields])}", sel.name.span)
        elif not isinstance(typ, AnyT):
            self.tables.error(f"{describe(typ)} has no fields", sel.span)
        return ANY, ir.Path("field", field=name)

    # -------------------------------------------------- communication

    def _s_Send(self, s: ast.Send, ctx: Ctx) -> tuple[list[ir.Stmt], Ctx]:
        if ctx.where != HANDLER:
            self.tables.error("'send' is only allowed in node handlers", s.span)
        dest = self.exprs.expr(s.dest, ctx)
        broadcast = isinstance(dest.type, SetT)
        target = dest.type.elem if isinstance(dest.type, SetT) else dest.type
        if not isinstance(target, (NodeT, AnyT)):
            self.tables.error(f"a message is sent to a node or a set of nodes, not {describe(dest.type)}",
                       s.dest.span)
        message = self.tables.messages.get(str(s.message))
        if message is None:
            hint = did_you_mean(str(s.message), self.tables.messages)
            self.tables.error(f"unknown message '{s.message}'{hint}", s.message.span)
            args = tuple(self.exprs.expr(a, ctx) for a in s.args)
            return [ir.Send(str(s.message), args, dest, broadcast, span=s.span)], ctx
        decl = self.tables.message_decls[str(s.message)]
        if len(s.args) != len(message.fields):
            self.tables.error(f"message '{s.message}' has {_count(len(message.fields), 'field')}, but "
                       f"{len(s.args)} {'was' if len(s.args) == 1 else 'were'} given", s.span,
                       (Note(f"'{s.message}' is declared here", decl.name.span),))
            args = tuple(self.exprs.expr(a, ctx) for a in s.args)
        else:
            args = tuple(self.exprs.expect(a, ctx, ftype, f"field '{fname}' of '{s.message}'")
                         for a, (fname, ftype) in zip(s.args, message.fields))
        return [ir.Send(str(s.message), args, dest, broadcast, span=s.span)], ctx

    def _s_Reply(self, s: ast.Reply, ctx: Ctx) -> tuple[list[ir.Stmt], Ctx]:
        if ctx.where != HANDLER:
            self.tables.error("'reply' is only allowed in node handlers", s.span)
            return [], ctx
        handle = None
        if s.to is not None:
            handle = self.exprs.expr(s.to, ctx)
            if not isinstance(handle.type, (HandleT, AnyT)) and handle.type != OptionT(HandleT()):
                self.tables.error(f"'reply ... to' needs a request handle, not {describe(handle.type)}", s.to.span)
        elif ctx.request is None:
            self.tables.error("there is no request to answer here; keep the request's handle "
                       "('request op(...) as h') and write 'reply ... to h'", s.span)
        value = None
        if s.value is not None:
            value = self._reply_value(s, ctx)
        return [ir.Reply(handle, value, s.error, span=s.span)], ctx

    def _reply_value(self, s: ast.Reply, ctx: Ctx) -> ir.Expr:
        assert s.value is not None
        if s.to is None and ctx.request is not None:
            op = ctx.request
            value = self.exprs.expr(s.value, ctx)
            if not assignable(value.type, op.result):
                self.tables.error(f"the reply to '{op.name}' must be {describe(op.result)}, but this is "
                                  f"{describe(value.type)}{_deleted_hint(self.tables.object, op, value.type)}",
                                  s.value.span)
            return value
        value = self.exprs.expr(s.value, ctx)
        results = [op.result for op in self.tables.object.ops] if self.tables.object else []
        if results and not any(assignable(value.type, r) for r in results):
            wanted = ", ".join(sorted({describe(r) for r in results}))
            self.tables.error(f"a reply must be a result of some operation ({wanted}), not "
                       f"{describe(value.type)}", s.value.span)
        return value

    def _s_Take(self, s: ast.Take, ctx: Ctx) -> tuple[list[ir.Stmt], Ctx]:
        name = str(s.address)
        if ctx.where != HANDLER or not ctx.role:
            self.tables.error("'take' is only allowed in node handlers", s.span)
        elif name not in self.tables.addresses:
            self.tables.error(f"unknown address '{name}'{did_you_mean(name, self.tables.addresses)}", s.address.span)
        elif ctx.role not in self.tables.addresses[name].roles:
            self.tables.error(f"address '{name}' points to {' or '.join(self.tables.addresses[name].roles)} nodes; "
                       f"a '{ctx.role}' node cannot take it", s.span)
        return [ir.Take(name, span=s.span)], ctx

    # -------------------------------------------------- control

    def _s_Require(self, s: ast.Require, ctx: Ctx) -> tuple[list[ir.Stmt], Ctx]:
        return [ir.Require(self.exprs.boolean(s.cond, ctx, "a 'require' condition"), span=s.span)], ctx

    def _s_If(self, s: ast.If, ctx: Ctx) -> tuple[list[ir.Stmt], Ctx]:
        arms = tuple((self.exprs.boolean(a.cond, ctx, "an 'if' condition"), self.block(a.body, ctx)) for a in s.arms)
        return [ir.If(arms, self.block(s.orelse, ctx), span=s.span)], ctx

    def _s_For(self, s: ast.For, ctx: Ctx) -> tuple[list[ir.Stmt], Ctx]:
        domain = self.exprs.expr(s.domain, ctx)
        elem = element_type(domain.type)
        if elem is None:
            if not isinstance(domain.type, AnyT):
                self.tables.error(f"'for' runs over a set, sequence or map, not {describe(domain.type)}",
                           s.domain.span)
            elem = ANY
        local = self.exprs.bind_local(ctx, s.name, elem)
        body = self.block(s.body, ctx.bind(str(s.name), local))
        return [ir.For(local, domain, body, span=s.span)], ctx

    def _s_Return(self, s: ast.Return, ctx: Ctx) -> tuple[list[ir.Stmt], Ctx]:
        if ctx.where != OPERATION or ctx.request is None:
            self.tables.error("'return' is only allowed in the operations of a user-defined object; "
                       "a handler answers a client with 'reply'", s.span)
            return [], ctx
        value = self.exprs.expect(s.value, ctx, ctx.request.result, f"the result of '{ctx.request.name}'")
        return [ir.Return(value, span=s.span)], ctx

    def _s_Pass(self, s: ast.Pass, ctx: Ctx) -> tuple[list[ir.Stmt], Ctx]:
        return [], ctx


def always_returns(stmts: tuple[ir.Stmt, ...]) -> bool:
    """Whether every path through `stmts` ends in `return`."""
    for s in stmts:
        if isinstance(s, ir.Return):
            return True
        if isinstance(s, ir.If) and s.orelse and all(always_returns(b) for _, b in s.arms) \
                and always_returns(s.orelse):
            return True
    return False


def _read(target: ir.Expr, path: list[ir.Path]) -> ir.Expr:
    """The expression reading `target[path]` (for `x[k] += 1`)."""
    out = target
    for step in path:
        if step.kind == "index":
            assert step.index is not None
            out = ir.Index(INT, out, step.index, span=step.index.span)
        else:
            out = ir.Field(INT, out, step.field or "")
    return out


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _deleted_hint(obj: ir.ObjectSpec | None, op: ir.Operation, got: Type) -> str:
    """Why a read of a register or kv cannot answer none: the object has no `delete`."""
    if obj is None or obj.kind not in ("register", "kv") or op.name not in ("read", "get"):
        return ""
    if not isinstance(got, (OptionT, NoneT)) or any(o.name == "delete" for o in obj.ops):
        return ""
    return (f"; a {obj.kind}'s {op.name} returns none only after a delete: handle "
            f"'request delete({'k' if obj.kind == 'kv' else ''})' in some node to give it one")
