"""Names that are not variables, locals or constants: the built-in names (`ok`, `nodes`,
`others`), client ids (`client[I]`), and the errors for a name used where it means nothing
(a function without arguments, a node variable in a property, an unknown name, with "did
you mean"). A part of the checker that exprs.ExprLowering holds and asks about such names.
"""

from __future__ import annotations

from checker.diagnostics import Span, did_you_mean
from checker.dsl import ast
from checker.semantics import ir
from checker.semantics.scope import BUILTIN_FUNCTIONS, BUILTIN_NAMES, HANDLER, OPERATION, PROPERTY, Ctx
from checker.semantics.tables import Tables
from checker.semantics.types import ANY, AtomT, ClientT, NodeT, SetT


class NameLowering:
    """The name lookups of `exprs` that are not bindings (see the module docstring)."""

    def __init__(self, tables: Tables, exprs) -> None:
        self.tables, self.exprs = tables, exprs

    def visible_names(self, ctx: Ctx) -> list[str]:
        names = [n for n, _ in ctx.env] + list(self.tables.consts) + list(self.tables.roles) + list(self.tables.atoms)
        names += list(BUILTIN_NAMES) + list(self.tables.defs) + list(BUILTIN_FUNCTIONS)
        if ctx.where in (HANDLER, PROPERTY):
            names += list(self.tables.addresses)
        if ctx.where == HANDLER and ctx.role:
            names += list(self.tables.role_vars[ctx.role])
        if ctx.where == OPERATION:
            names += list(self.tables.object_vars)
        return names

    def builtin_name(self, e: ast.Name, ctx: Ctx) -> ir.Expr:
        name = str(e.id)
        if name == "ok":
            return ir.Lit(AtomT(("ok",)), "ok", span=e.span)
        if name == "nodes":
            roles = tuple(self.tables.roles)
            return ir.NodesOf(SetT(NodeT(roles)), roles, span=e.span)
        if name == "others":
            if ctx.where != HANDLER or not ctx.role:
                self.tables.error("'others' is only meaningful inside a node", e.span)
                return ir.Lit(ANY, None, span=e.span)
            mine = ir.NodesOf(SetT(NodeT((ctx.role,))), (ctx.role,), span=e.span)
            me = ir.SetLit(SetT(NodeT((ctx.role,))), (ir.SelfRef(NodeT((ctx.role,)), span=e.span),))
            return ir.Binary(mine.type, "diff", mine, me, span=e.span)
        if name in self.tables.defs or name in BUILTIN_FUNCTIONS:
            self.tables.error(f"'{name}' is a function; call it with arguments: {name}(...)", e.span)
            return ir.Lit(ANY, None, span=e.span)
        if ctx.where == PROPERTY and any(name in v for v in self.tables.role_vars.values()):
            self.tables.error(f"'{name}' is a node variable; in a property say whose: "
                       f"e.g. all(n in ROLE: n.{name} ...)", e.span)
            return ir.Lit(ANY, None, span=e.span)
        if name in self.tables.const_names:
            self.tables.error(f"constant '{name}' is used before its declaration", e.span)
            return ir.Lit(ANY, None, span=e.span)
        if name in self.tables.addresses:
            self.tables.error(f"address '{name}' can only be read inside handlers and properties", e.span)
            return ir.Lit(ANY, None, span=e.span)
        hint = did_you_mean(name, self.visible_names(ctx))
        self.tables.error(f"unknown name '{name}'{hint}", e.span)
        return ir.Lit(ANY, None, span=e.span)

    def client_id(self, e: ast.Index) -> ir.Expr:
        """`client[I]`: the id of client I."""
        i = self.client_index(e.index, e.span)
        return ir.Lit(ANY, None, span=e.span) if i is None else ir.Lit(ClientT(), ir.ClientId(i), span=e.span)

    def client_index(self, index: ast.Expr, span: Span | None) -> int | None:
        """The I of `client[I]` at `span`: a constant from 0 to the number of clients - 1;
        None after reporting a problem."""
        count = self.tables.client_count
        if count is None:
            self.tables.error("'client[...]' names a client, but the spec declares none ('clients N')", span)
            return None
        i = self.exprs.constant_int(index, "the index of a client", 0)
        if i is not None and i >= count:
            self.tables.error(f"client[{i}] does not exist: the clients are client[0] to client[{count - 1}]",
                              index.span)
            return None
        return i
