"""The object clients see: built-in objects with their parameters, and user-defined
objects (state variables and operations with bodies) lowered to an `ir.ObjectSpec`.

`ObjectDeclarations` is one part of the checker (check.Checker), over the run's tables and
the expression, type and statement parts.
"""

from __future__ import annotations

from checker.diagnostics import Note, did_you_mean, quote_list
from checker.dsl import ast
from checker.semantics import ir, objects
from checker.semantics.exprs import ExprLowering
from checker.semantics.scope import CONST, OPERATION, Ctx, Frame
from checker.semantics.stmts import StmtLowering, always_returns
from checker.semantics.tables import Tables
from checker.semantics.typedecl import TypeResolution
from checker.semantics.types import INT, AtomT, IntT, Type, describe, int_values

UNBOUNDED_KINDS = ("register", "kv")   # the objects `values = int` is for (the SMT engine's)



class ObjectDeclarations:
    """The `object` declaration. See the module docstring."""

    def __init__(self, tables: Tables, exprs: ExprLowering, types: TypeResolution, stmts: StmtLowering) -> None:
        self.tables, self.exprs, self.types, self.stmts = tables, exprs, types, stmts

    # -------------------------------------------------- the object clients see

    def declare(self) -> None:
        for d in self.tables.of(ast.BuiltinObject)[:1]:
            self._builtin_object(d)
        for d in self.tables.of(ast.UserObject)[:1]:
            self._user_object(d)

    def _builtin_object(self, d: ast.BuiltinObject) -> None:
        kind = objects.KINDS.get(str(d.kind))
        if kind is None:
            hint = did_you_mean(str(d.kind), objects.KINDS)
            self.tables.error(f"unknown object '{d.kind}'{hint}; the built-in objects are "
                       f"{quote_list(list(objects.KINDS), 'and')}, or write your own with 'object NAME:'",
                       d.kind.span)
            return
        args: dict[str, object] = {}
        allowed = kind.required + kind.optional
        for arg in d.args:
            name = str(arg.name)
            if name not in allowed:
                self.tables.error(f"'{d.kind}' has no parameter '{name}'{did_you_mean(name, allowed)}; its "
                           f"parameters are {quote_list(list(allowed), 'and')}", arg.name.span)
            elif name in args:
                self.tables.error(f"parameter '{name}' is given twice", arg.name.span)
            elif name == "values" and names_int(arg.value, self.tables.aliases):
                value = self._unbounded_values(str(d.kind), arg.value)
                if value is not None:
                    args[name] = value
            else:
                value = self._object_arg(name, arg.value)
                if value is not None:
                    args[name] = value
        missing = [r for r in kind.required if r not in args and r not in {str(a.name) for a in d.args}]
        if missing:
            self.tables.error(f"'{d.kind}' needs {quote_list(missing, 'and')}: e.g. "
                       f"object {d.kind}({', '.join(f'{m} = ...' for m in kind.required)})", d.span)
        if any(r not in args for r in kind.required):
            return
        if str(d.kind) in ("register", "kv"):
            args.setdefault("initial", _default_initial(args["values"]))  # type: ignore[arg-type]
            if not _same_kind(args["initial"], args["values"]):  # type: ignore[arg-type]
                self.tables.error("the initial value must be of the same kind as the values", d.span)
                return
        ops, types = objects.operations(str(d.kind), args, self._handles("delete"))
        self.tables.object_types = types
        params = tuple(sorted((k, v) for k, v in args.items()))
        self.tables.object = ir.ObjectSpec(str(d.kind), str(d.kind), params, ops, span=d.span)

    def _handles(self, op: str) -> bool:
        """Whether some node has a request handler for operation `op`."""
        return any(isinstance(h, ast.OnRequest) and str(h.op) == op
                   for d in self.tables.of(ast.NodeDecl) for h in d.handlers)

    def _unbounded_values(self, kind: str, e: ast.Expr) -> object:
        """`values = int`: every integer, for the SMT engine (the type INT as the parameter),
        or the values the checker was given for it (`data`: an SMT run's replay, --values)."""
        if kind not in UNBOUNDED_KINDS:
            self.tables.error(f"'values = int' is for {quote_list(list(UNBOUNDED_KINDS), 'and')} objects; give "
                       f"'{kind}' a set of values, e.g. {{1, 2}}", e.span)
            return None
        if self.tables.data is not None:
            return self.tables.data
        return INT

    def _object_arg(self, name: str, e: ast.Expr) -> object:
        if name in ("values", "keys"):
            if isinstance(e, ast.Name) and e.id in self.tables.aliases:
                return self._type_values(self.types.named_type(e.id), e)
            value = self.exprs.constant(e, f"'{name}'")
            if value is None:
                return None
            if not isinstance(value, frozenset) or not value or not all(
                    isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool)) for v in value) \
                    or len({type(v) for v in value}) > 1:
                self.tables.error(f"'{name}' must be a non-empty set of integers or of names, e.g. {{1, 2}}", e.span)
                return None
            return value
        if name == "max":
            return self.exprs.constant_int(e, "'max'", 1)
        value = self.exprs.constant(e, f"'{name}'")
        if value is not None and not isinstance(value, (int, str)) or isinstance(value, bool):
            self.tables.error(f"'{name}' must be an integer or a name", e.span)
            return None
        return value

    def _type_values(self, t: Type, e: ast.Expr) -> frozenset | None:
        if isinstance(t, AtomT):
            return frozenset(t.members)
        if isinstance(t, IntT) and t.bounded:
            return frozenset(int_values(t))
        self.tables.error(f"the values of an object must be integers or names, not {describe(t)}", e.span)
        return None

    def _user_object(self, d: ast.UserObject) -> None:
        self.tables.object_types = {}
        variables = []
        for v in d.vars:
            decl = self.types.var(v, Ctx(CONST), f"object variable '{v.name}'")
            if str(v.name) in self.tables.object_vars:
                self.tables.error(f"variable '{v.name}' is declared twice", v.name.span)
            self.tables.object_vars[str(v.name)] = decl
            variables.append(decl)
        ops = []
        seen: dict[str, ast.OpDecl] = {}
        for op in d.ops:
            if str(op.name) in seen:
                self.tables.error(f"operation '{op.name}' is declared twice", op.name.span,
                           (Note("first declared here", seen[str(op.name)].name.span),))
                continue
            seen[str(op.name)] = op
            ops.append(self._operation(op))
        if not ops:
            self.tables.error(f"object '{d.name}' has no operations; declare some with 'op NAME(...) -> TYPE:'", d.span)
        self.tables.object = ir.ObjectSpec("user", str(d.name), (), tuple(ops), tuple(variables), span=d.span)

    def _operation(self, op: ast.OpDecl) -> ir.Operation:
        frame = Frame()
        ctx = Ctx(OPERATION, frame=frame)
        params = []
        self.tables.distinct([p.name for p in op.params], "parameter")
        for p in op.params:
            local = self.exprs.bind_local(ctx, p.name, self.types.type_of(p.type, f"parameter '{p.name}'"))
            params.append(local)
            ctx = ctx.bind(str(p.name), local)
        result = self.types.type_of(op.result, f"the result of '{op.name}'") if op.result else objects.OK
        signature = ir.Operation(str(op.name), tuple((l.name, l.type) for l in params), result, True)
        ctx = Ctx(OPERATION, env=ctx.env, frame=frame, request=signature)
        guard = self.exprs.boolean(op.guard, ctx, "the guard") if op.guard is not None else None
        body = self.stmts.block(op.body, ctx)
        if not always_returns(body):
            self.tables.error(f"operation '{op.name}' must end with 'return' on every path", op.name.span)
        writes = _assigns(body)
        return ir.Operation(str(op.name), signature.params, result, writes, guard, body,
                            tuple(frame.locals), tuple(params))


def declares_int_values(protocol: ast.Protocol) -> bool:
    """Whether `protocol`'s object declares `values = int`."""
    aliases = {str(d.name) for d in protocol.decls if isinstance(d, ast.TypeDecl)}
    return any(str(a.name) == "values" and names_int(a.value, aliases)
               for d in protocol.decls if isinstance(d, ast.BuiltinObject) for a in d.args)


def names_int(e: ast.Expr, aliases: dict) -> bool:
    """Whether `e` is the type name `int` (not a user's type of that name)."""
    return isinstance(e, ast.Name) and e.id == "int" and "int" not in aliases


def _default_initial(values: frozenset | IntT) -> object:
    if isinstance(values, IntT):
        return 0
    return 0 if all(isinstance(v, int) for v in values) else sorted(values)[0]


def _same_kind(initial: object, values: frozenset | IntT) -> bool:
    if isinstance(values, IntT):
        return isinstance(initial, int)
    return all(isinstance(v, str) == isinstance(initial, str) for v in values)


def _assigns(stmts: tuple[ir.Stmt, ...]) -> bool:
    for s in stmts:
        if isinstance(s, ir.Assign):
            return True
        if isinstance(s, ir.If) and (any(_assigns(b) for _, b in s.arms) or _assigns(s.orelse)):
            return True
        if isinstance(s, ir.For) and _assigns(s.body):
            return True
    return False
