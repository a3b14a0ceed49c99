"""The object clients see: built-in objects with their parameters, and user-defined
objects (state variables and operations with bodies) lowered to an `ir.ObjectSpec`.

`ObjectDeclarations` is a mixin of the checker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from checker.diagnostics import Note, did_you_mean, quote_list
from checker.dsl import ast
from checker.semantics import ir, objects
from checker.semantics.exprs import CONST, OPERATION, Ctx, Frame
from checker.semantics.stmts import always_returns
from checker.semantics.types import INT, AtomT, IntT, Type, describe, int_values

UNBOUNDED_KINDS = ("register", "kv")   # the objects `values = int` is for (the SMT engine's)

if TYPE_CHECKING:
    from checker.semantics.check import Checker


class ObjectDeclarations:
    """Mixin: the `object` declaration. See the module docstring."""

    # -------------------------------------------------- the object clients see

    def _object(self: "Checker") -> None:
        for d in self._of(ast.BuiltinObject)[:1]:
            self._builtin_object(d)
        for d in self._of(ast.UserObject)[:1]:
            self._user_object(d)

    def unbounded_data(self: "Checker") -> bool:
        """Whether the object's values are every integer (`values = int`, no `data` given)."""
        return self.object is not None and self.object.unbounded

    def _declares_object(self: "Checker") -> bool:
        """Whether the spec declares an object (maybe a wrong one, already reported)."""
        return bool(self._of(ast.BuiltinObject) or self._of(ast.UserObject))

    def _builtin_object(self: "Checker", d: ast.BuiltinObject) -> None:
        kind = objects.KINDS.get(str(d.kind))
        if kind is None:
            hint = did_you_mean(str(d.kind), objects.KINDS)
            self.error(f"unknown object '{d.kind}'{hint}; the built-in objects are "
                       f"{quote_list(list(objects.KINDS), 'and')}, or write your own with 'object NAME:'",
                       d.kind.span)
            return
        args: dict[str, object] = {}
        allowed = kind.required + kind.optional
        for arg in d.args:
            name = str(arg.name)
            if name not in allowed:
                self.error(f"'{d.kind}' has no parameter '{name}'{did_you_mean(name, allowed)}; its "
                           f"parameters are {quote_list(list(allowed), 'and')}", arg.name.span)
            elif name in args:
                self.error(f"parameter '{name}' is given twice", arg.name.span)
            elif name == "values" and names_int(arg.value, self.aliases):
                value = self._unbounded_values(str(d.kind), arg.value)
                if value is not None:
                    args[name] = value
            else:
                value = self._object_arg(name, arg.value)
                if value is not None:
                    args[name] = value
        missing = [r for r in kind.required if r not in args and r not in {str(a.name) for a in d.args}]
        if missing:
            self.error(f"'{d.kind}' needs {quote_list(missing, 'and')}: e.g. "
                       f"object {d.kind}({', '.join(f'{m} = ...' for m in kind.required)})", d.span)
        if any(r not in args for r in kind.required):
            return
        if str(d.kind) in ("register", "kv"):
            args.setdefault("initial", _default_initial(args["values"]))  # type: ignore[arg-type]
            if not _same_kind(args["initial"], args["values"]):  # type: ignore[arg-type]
                self.error("the initial value must be of the same kind as the values", d.span)
                return
        ops, types = objects.operations(str(d.kind), args)
        self.object_types = types
        params = tuple(sorted((k, v) for k, v in args.items()))
        self.object = ir.ObjectSpec(str(d.kind), str(d.kind), params, ops, span=d.span)

    def _unbounded_values(self: "Checker", kind: str, e: ast.Expr) -> object:
        """`values = int`: every integer, for the SMT engine (the type INT as the parameter),
        or the values the checker was given for it (`data`: an SMT run's replay, --values)."""
        if kind not in UNBOUNDED_KINDS:
            self.error(f"'values = int' is for {quote_list(list(UNBOUNDED_KINDS), 'and')} objects; give "
                       f"'{kind}' a set of values, e.g. {{1, 2}}", e.span)
            return None
        if self.data is not None:
            return self.data
        return INT

    def _object_arg(self: "Checker", name: str, e: ast.Expr) -> object:
        if name in ("values", "keys"):
            if isinstance(e, ast.Name) and e.id in self.aliases:
                return self._type_values(self._named_type(e.id), e)
            value = self.constant(e, f"'{name}'")
            if value is None:
                return None
            if not isinstance(value, frozenset) or not value or not all(
                    isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool)) for v in value) \
                    or len({type(v) for v in value}) > 1:
                self.error(f"'{name}' must be a non-empty set of integers or of names, e.g. {{1, 2}}", e.span)
                return None
            return value
        if name == "max":
            return self.constant_int(e, "'max'", 1)
        value = self.constant(e, f"'{name}'")
        if value is not None and not isinstance(value, (int, str)) or isinstance(value, bool):
            self.error(f"'{name}' must be an integer or a name", e.span)
            return None
        return value

    def _type_values(self: "Checker", t: Type, e: ast.Expr) -> frozenset | None:
        if isinstance(t, AtomT):
            return frozenset(t.members)
        if isinstance(t, IntT) and t.bounded:
            return frozenset(int_values(t))
        self.error(f"the values of an object must be integers or names, not {describe(t)}", e.span)
        return None

    def _user_object(self: "Checker", d: ast.UserObject) -> None:
        self.object_types = {}
        variables = []
        for v in d.vars:
            decl = self._var(v, Ctx(CONST), f"object variable '{v.name}'")
            if str(v.name) in self.object_vars:
                self.error(f"variable '{v.name}' is declared twice", v.name.span)
            self.object_vars[str(v.name)] = decl
            variables.append(decl)
        ops = []
        seen: dict[str, ast.OpDecl] = {}
        for op in d.ops:
            if str(op.name) in seen:
                self.error(f"operation '{op.name}' is declared twice", op.name.span,
                           (Note("first declared here", seen[str(op.name)].name.span),))
                continue
            seen[str(op.name)] = op
            ops.append(self._operation(op))
        if not ops:
            self.error(f"object '{d.name}' has no operations; declare some with 'op NAME(...) -> TYPE:'", d.span)
        self.object = ir.ObjectSpec("user", str(d.name), (), tuple(ops), tuple(variables), span=d.span)

    def _operation(self: "Checker", op: ast.OpDecl) -> ir.Operation:
        frame = Frame()
        ctx = Ctx(OPERATION, frame=frame)
        params = []
        self._distinct([p.name for p in op.params], "parameter")
        for p in op.params:
            local = self.bind_local(ctx, p.name, self.type_of(p.type, f"parameter '{p.name}'"))
            params.append(local)
            ctx = ctx.bind(str(p.name), local)
        result = self.type_of(op.result, f"the result of '{op.name}'") if op.result else objects.OK
        signature = ir.Operation(str(op.name), tuple((l.name, l.type) for l in params), result, True)
        ctx = Ctx(OPERATION, env=ctx.env, frame=frame, request=signature)
        guard = self.boolean(op.guard, ctx, "the guard") if op.guard is not None else None
        body = self.block(op.body, ctx)
        if not always_returns(body):
            self.error(f"operation '{op.name}' must end with 'return' on every path", op.name.span)
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
