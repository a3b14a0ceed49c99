"""User-defined objects: their operations compiled to Python, as a SequentialSpec.

An object declared in the spec (`object NAME:` with `var`s and `op`s) is a sequential
specification like the built-in ones. Each operation compiles to a function
`_op_<k>(o, args)` over the object's state `o` (a tuple of its variables, encoded like node
variables) that returns `(result, next state)`, or None when the operation's `when` guard
does not hold (it cannot take effect in that state). Like node handlers, the source holds
no text from the spec and is registered in `linecache`.
"""

from __future__ import annotations

import linecache
from typing import Callable, Hashable

from checker.errors import InternalError
from checker.model import values
from checker.model.emit import Emitter, located
from checker.model.exprgen import Env, ExprCompiler
from checker.props.objects import SequentialSpec
from checker.semantics import ir
from checker.semantics.types import MapT, RecordT, SeqT


class UserObject(SequentialSpec):
    """A user-defined object: compiled operations over a tuple of encoded variables."""

    def __init__(self, name: str, ops: dict[str, Callable], init: tuple) -> None:
        self.name = name
        self.ops = tuple(ops)
        self._ops = ops
        self._init = init

    def initial(self) -> Hashable:
        return self._init

    def step(self, state, op, args):
        f = self._ops.get(op)
        if f is None:
            raise self._unknown(op)
        return f(state, tuple(args))


def compile_object(program: ir.Program, exprs: ExprCompiler) -> UserObject:
    """Compile `program.object` (kind 'user'). Raises SpecRuntimeError when an initial value
    does not fit its type."""
    obj = program.object
    assert obj is not None and obj.kind == "user"
    out = Emitter()
    for k, op in enumerate(obj.ops):
        _OpWriter(obj, exprs, out).operation(k, op)
    source = "\n".join(out.lines) + "\n"
    filename = f"<capcheck:{program.name}:object>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = exprs.t.namespace
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - our own generated code
    init = []
    for v in obj.vars:
        value = eval(compile(exprs.expr_as(v.init, v.type, Env(None)), filename, "eval"), namespace)  # noqa: S307
        if not values.fits(value, v.type):
            raise values.SpecRuntimeError(exprs.t.span(v.span), f"the initial value of '{v.name}' does not fit its type")
        init.append(value)
    return UserObject(obj.name, {op.name: namespace[f"_op_{k}"] for k, op in enumerate(obj.ops)}, tuple(init))


class _OpWriter:
    """Writes one operation: straight-line statements over the working list `l`."""

    def __init__(self, obj: ir.ObjectSpec, exprs: ExprCompiler, out: Emitter) -> None:
        self.obj = obj
        self.x = exprs
        self.out = out
        self.index = {v.name: i for i, v in enumerate(obj.vars)}

    def operation(self, k: int, op: ir.Operation) -> None:
        with self.out.block(f"def _op_{k}(o, args):"):
            if op.param_locals:
                self.out.line("".join(f"x{p.uid}, " for p in op.param_locals) + "= args")
            if op.guard is not None:
                self.out.line(f"if not {self.x.expr(op.guard, Env('o'))}: return None")
            self.out.line("l = list(o)")
            self.block(op.body)
            self.out.line("return None")
        self.out.line("")

    def block(self, stmts: tuple[ir.Stmt, ...]) -> None:
        if not stmts:
            self.out.line("pass")
        for s in stmts:
            with located(s.span):
                self.statement(s)

    def statement(self, s: ir.Stmt) -> None:
        env = Env("l")
        match s:
            case ir.Assign(target=ir.ObjectVar(name=name), value=value, path=path):
                var = self.obj.vars[self.index[name]]
                slot = f"l[{self.index[name]}]"
                self.out.line(f"{slot} = {self._update(slot, var.type, path, self.x.expr(value, env), s)}")
            case ir.Let(local=local, value=value):
                self.out.line(f"x{local.uid} = {self.x.expr(value, env)}")
            case ir.If(arms=arms, orelse=orelse):
                for n, (cond, body) in enumerate(arms):
                    with self.out.block(f"{'if' if n == 0 else 'elif'} {self.x.expr(cond, env)}:"):
                        self.block(body)
                if orelse:
                    with self.out.block("else:"):
                        self.block(orelse)
            case ir.For(local=local, domain=domain, body=body):
                with self.out.block(f"for x{local.uid} in {self.x.domain(domain, env, ordered=True)}:"):
                    self.block(body)
            case ir.Return(value=value):
                self.out.line(f"return ({self.x.expr(value, env)}, tuple(l))")
            case _:
                raise InternalError(f"no code generation for {type(s).__name__} in an object operation")

    def _update(self, base: str, t, path: tuple[ir.Path, ...], value: str, s: ir.Stmt) -> str:
        if not path:
            return value
        p, rest = path[0], path[1:]
        if p.kind == "field":
            assert isinstance(t, RecordT)
            pos = [n for n, _ in t.fields].index(p.field)  # type: ignore[arg-type]
            inner = self._update(f"{base}[{pos}]", t.fields[pos][1], rest, value, s)
            return f"{base}[:{pos}] + ({inner},) + {base}[{pos + 1}:]"
        key = self.x.expr(p.index, Env("l"))  # type: ignore[arg-type]
        sid = self.x.t.span(s.span)
        if isinstance(t, MapT):
            inner = self._update(f"_mget({base}, {key}, {sid})", t.value, rest, value, s) if rest else value
            return f"_mset({base}, {key}, {inner})"
        if isinstance(t, SeqT):
            inner = self._update(f"_sget({base}, {key}, {sid})", t.elem, rest, value, s) if rest else value
            return f"_sset({base}, {key}, {inner}, {sid})"
        raise InternalError(f"assignment into a {type(t).__name__}")
