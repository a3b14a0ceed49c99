"""Compiling IR expressions to Python expression source over encoded values.

The source never contains text from a spec: names a spec wrote become table entries
(`_k12`), locals are named by uid (`x3`), slots by number. `ExprCompiler.expr` returns a
string that is a parenthesised Python expression, valid where an expression may appear.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from checker.errors import InternalError
from checker.model import values
from checker.model.layout import Layout
from checker.semantics import ir
from checker.semantics.types import EmptyT, MapT, RecordT, SeqT, TupleT

# helpers every generated module can call, by the name it calls them
HELPERS = {
    "_NONE": values.NONE, "_fail": values.fail, "_ordered": values.ordered,
    "_mbuild": values.map_build, "_mget": values.map_get, "_mhas": values.map_has,
    "_mset": values.map_set, "_mkeys": values.map_keys, "_mvalues": values.map_values,
    "_sget": values.seq_get, "_sset": values.seq_set, "_sslice": values.seq_slice,
    "_div": values.div, "_mod": values.mod, "_extreme": values.extreme, "_unwrap": values.unwrap,
    "_node_at": values.node_at, "_fits": values.fits, "_reachable": values.reachable,
    "_ms_add": values.multiset_add, "_client_of": values.client_of, "_ticks": values.tick_choices,
}


@dataclass(frozen=True)
class Env:
    """Where an expression is compiled: `src` names the state (tuple `s` or a working list),
    `gid` is the node running the handler (None in properties and initial values)."""

    src: str | None
    gid: int | None = None


class Unsupported(Exception):
    """A construct this engine cannot run (yet): client requests, user-defined objects, or a
    fault model too large to enumerate. `reason`, when given, replaces the standard text."""

    def __init__(self, what: str, span, reason: str | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.span = span
        self.reason = reason

    def describe(self, command: str) -> str:
        if self.reason is not None:
            return self.reason
        return (f"'capcheck {command}' cannot explore {self.what} yet: this release explores node "
                "handlers, clients of the built-in objects, the network and faults")


class Tables:
    """The constants and spans generated code refers to by name. One per compiled model."""

    def __init__(self, codec: values.Codec) -> None:
        self.codec = codec
        self.namespace: dict[str, object] = dict(HELPERS)
        self._names: dict[tuple, str] = {}
        self.spans: list = []

    def const(self, value: object, encoded: bool = True) -> str:
        """The name of a module constant holding `value` (encoded unless told it already is)."""
        v = value if encoded else self.codec.encode(value)
        key = (type(v).__name__, repr(v))
        name = self._names.get(key)
        if name is None:
            name = f"_k{len(self._names)}"
            self._names[key] = name
            self.namespace[name] = v
        return name

    def span(self, span) -> int:
        self.spans.append(span)
        return len(self.spans) - 1


class ExprCompiler:
    """IR expressions to Python source. Holds the layout and tables; stateless otherwise."""

    def __init__(self, program: ir.Program, layout: Layout, tables: Tables) -> None:
        self.program = program
        self.layout = layout
        self.t = tables
        self.down = layout.env("down")
        self.cuts = layout.env("cuts")
        self.paused = layout.env("paused")
        # the slot of each node's clock, by gid (empty without clocks)
        self.clocks = tuple(k for k, slot in enumerate(layout.slots) if slot.kind == "clock")

    # -------------------------------------------------- entry

    def expr(self, e: ir.Expr, env: Env) -> str:
        method = getattr(self, "_" + type(e).__name__, None)
        if method is None:
            raise InternalError(f"no code generation for {type(e).__name__}")
        return method(e, env)

    def expr_as(self, e: ir.Expr, target, env: Env) -> str:
        """`e` where a value of type `target` is expected: `{}` becomes the empty map when
        a map is expected (sets and maps are encoded differently, and `{}` is both)."""
        if isinstance(target, MapT):
            if isinstance(e.type, EmptyT) and e.type.kind == "braces":
                return "()"
            if isinstance(e, ir.IfExpr):
                return (f"({self.expr_as(e.then, target, env)} if {self.expr(e.cond, env)} "
                        f"else {self.expr_as(e.orelse, target, env)})")
        return self.expr(e, env)

    # -------------------------------------------------- leaves

    def _Lit(self, e: ir.Lit, env: Env) -> str:
        v = e.value
        if isinstance(v, (bool, int)):
            return repr(v)
        if isinstance(v, (str, ir.NodeId, ir.ClientId)):
            return repr(self.t.codec.encode(v))  # an int: atoms and ids are numbered
        return self.t.const(v, encoded=False)

    def _Local(self, e: ir.Local, env: Env) -> str:
        return f"x{e.uid}"

    def _StateVar(self, e: ir.StateVar, env: Env) -> str:
        if env.gid is None or env.src is None:
            raise InternalError("a node variable outside a handler")
        return f"{env.src}[{self.layout.var(env.gid, e.name)}]"

    def _NodeVar(self, e: ir.NodeVar, env: Env) -> str:
        if isinstance(e.node, ir.Lit) and isinstance(e.node.value, ir.NodeId):
            return f"{env.src}[{self.layout.var(e.node.value.gid, e.name)}]"
        table = self.var_table(e.name)
        return f"{env.src}[{table}[{self.expr(e.node, env)}]]"

    def var_table(self, name: str) -> str:
        """A tuple indexed by gid: the slot of variable `name` of that node (-1: none)."""
        slots = tuple(self.layout.index.get(_var_slot(n.gid, name), -1) for n in self.program.nodes)
        return self.t.const(slots)

    def _ObjectVar(self, e: ir.ObjectVar, env: Env) -> str:
        names = [v.name for v in self.program.object.vars]  # type: ignore[union-attr]
        return f"{env.src}[{names.index(e.name)}]"

    def _AddressRef(self, e: ir.AddressRef, env: Env) -> str:
        return f"{env.src}[{self.layout.env('address', e.name)}]"

    def _SelfRef(self, e: ir.SelfRef, env: Env) -> str:
        if env.gid is None:
            raise InternalError("'self' outside a node")
        return str(env.gid)

    def _NodesOf(self, e: ir.NodesOf, env: Env) -> str:
        gids = frozenset(n.gid for r in e.roles for n in self.program.role(r).ids)  # type: ignore[union-attr]
        return self.t.const(gids)

    def _NodeAt(self, e: ir.NodeAt, env: Env) -> str:
        ids = tuple(n.gid for n in self.program.role(e.role).ids)  # type: ignore[union-attr]
        if isinstance(e.index, ir.Lit) and isinstance(e.index.value, int) and 0 <= e.index.value < len(ids):
            return str(ids[e.index.value])
        return (f"_node_at({self.t.const(ids)}, {self.expr(e.index, env)}, {self.t.span(e.span)}, "
                f"{self.t.const(e.role)})")

    # -------------------------------------------------- operators

    def _Unary(self, e: ir.Unary, env: Env) -> str:
        x = self.expr(e.operand, env)
        return f"(not {x})" if e.op == "not" else f"(-{x})"

    _PY = {"+": "+", "-": "-", "*": "*", "==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">",
           ">=": ">=", "and": "and", "or": "or", "union": "|", "inter": "&", "diff": "-",
           "subset": "<=", "concat": "+"}

    def _Binary(self, e: ir.Binary, env: Env) -> str:
        a, b = self.expr_as(e.left, e.right.type, env), self.expr_as(e.right, e.left.type, env)
        op = e.op
        if op in self._PY:
            return f"({a} {self._PY[op]} {b})"
        if op == "=>":
            return f"((not {a}) or {b})"
        if op in ("in", "not in"):
            if isinstance(e.right.type, MapT):
                test = f"_mhas({b}, {a})"
                return test if op == "in" else f"(not {test})"
            return f"({a} {op} {b})"
        if op in ("//", "%"):
            return f"{'_div' if op == '//' else '_mod'}({a}, {b}, {self.t.span(e.span)})"
        if op == "range":
            return f"frozenset(range({a}, {b} + 1))"
        raise InternalError(f"no code generation for operator {op!r}")

    def _IfExpr(self, e: ir.IfExpr, env: Env) -> str:
        return f"({self.expr(e.then, env)} if {self.expr(e.cond, env)} else {self.expr(e.orelse, env)})"

    def _Call(self, e: ir.Call, env: Env) -> str:
        args = [self.expr(a, env) for a in e.args]
        f = e.func
        # without crashes (or cuts) every node is up (every link works), but the arguments
        # are still evaluated: `up(server[3])` of a server[3] that does not exist fails
        if f == "up":
            if self.down is None:
                return f"({args[0]}, True)[1]"
            return f"(not ({env.src}[{self.down}] >> {args[0]}) & 1)"
        if f == "reachable":
            return (f"({args[0]}, {args[1]}, True)[2]" if self.cuts is None
                    else f"_reachable({env.src}[{self.cuts}], {args[0]}, {args[1]})")
        if f == "paused":
            if self.paused is None:
                return f"({args[0]}, False)[1]"
            return f"(({env.src}[{self.paused}] >> {args[0]}) & 1 == 1)"
        if f == "now":
            return f"{env.src}[{self.clocks[env.gid]}]"  # type: ignore[index]
        if f == "clock":
            return f"{env.src}[{self.t.const(self.clocks)}[{args[0]}]]"
        if f == "len":
            return f"len({args[0]})"
        if f in ("max", "min"):
            if len(args) == 1:
                return f"_extreme({f}, {args[0]}, {self.t.span(e.span)}, {f!r})"
            return f"{f}({', '.join(args)})"
        if f == "keys":
            return f"_mkeys({args[0]})"
        if f == "values":
            return f"_mvalues({args[0]})"
        if f == "index":
            table = tuple(n.index for n in self.program.nodes)
            return f"{self.t.const(table)}[{args[0]}]"
        if f == "get":
            return f"_unwrap({args[0]}, {self.t.span(e.span)})"
        if f == "client_of":
            return f"_client_of({args[0]}, {self.t.span(e.span)})"
        raise InternalError(f"no code generation for builtin {f!r}")

    # -------------------------------------------------- structure

    def _Index(self, e: ir.Index, env: Env) -> str:
        obj, idx = self.expr(e.obj, env), self.expr(e.index, env)
        t = e.obj.type
        if isinstance(t, SeqT):
            return f"_sget({obj}, {idx}, {self.t.span(e.span)})"
        if isinstance(t, MapT):
            return f"_mget({obj}, {idx}, {self.t.span(e.span)})"
        if isinstance(t, TupleT):
            return f"{obj}[{idx}]"
        raise InternalError(f"indexing a {type(t).__name__}")

    def _Slice(self, e: ir.Slice, env: Env) -> str:
        lo = "None" if e.lo is None else self.expr(e.lo, env)
        hi = "None" if e.hi is None else self.expr(e.hi, env)
        return f"_sslice({self.expr(e.obj, env)}, {lo}, {hi})"

    def _Field(self, e: ir.Field, env: Env) -> str:
        t = e.obj.type
        if not isinstance(t, RecordT):
            raise InternalError("a field of a non-record")
        pos = [n for n, _ in t.fields].index(e.name)
        return f"{self.expr(e.obj, env)}[{pos}]"

    def _SetLit(self, e: ir.SetLit, env: Env) -> str:
        if not e.elems:
            return "frozenset()"
        return "frozenset((" + "".join(self.expr(x, env) + ", " for x in e.elems) + "))"

    def _SeqLit(self, e: ir.SeqLit, env: Env) -> str:
        return "(" + "".join(self.expr(x, env) + ", " for x in e.elems) + ")"

    _TupleLit = _SeqLit

    def _MapLit(self, e: ir.MapLit, env: Env) -> str:
        pairs = "".join(f"({self.expr(k, env)}, {self.expr(v, env)}), " for k, v in e.items)
        return f"_mbuild(({pairs}))"

    def domain(self, d: ir.Expr, env: Env, ordered: bool = False) -> str:
        code = self.expr(d, env)
        if isinstance(d.type, MapT):
            code = f"_mkeys({code})"
        if ordered and not isinstance(d.type, SeqT):
            return f"_ordered({code})"
        return code

    def _binders(self, binders: tuple[ir.Binder, ...], env: Env, ordered: bool = False) -> str:
        return " ".join(f"for x{b.local.uid} in {self.domain(b.domain, env, ordered)}" for b in binders)

    def _Comprehension(self, e: ir.Comprehension, env: Env) -> str:
        loops = self._binders(e.binders, env, ordered=e.kind == "seq")
        cond = f" if {self.expr(e.cond, env)}" if e.cond is not None else ""
        elem = self.expr(e.elem, env)
        if e.kind == "set":
            return f"frozenset({elem} {loops}{cond})"
        if e.kind == "seq":
            return f"tuple({elem} {loops}{cond})"
        key = self.expr(e.key, env)  # type: ignore[arg-type]
        return f"_mbuild(({key}, {elem}) {loops}{cond})"

    def _Quant(self, e: ir.Quant, env: Env) -> str:
        loops = self._binders(e.binders, env)
        body = self.expr(e.body, env)
        if e.kind == "all":
            return f"all({body} {loops})"
        if e.kind == "some":
            return f"any({body} {loops})"
        return f"sum(1 {loops} if {body})"


def _var_slot(gid: int, name: str):
    from checker.model.layout import Slot

    return Slot("var", gid, name)


def reads(e: object) -> set[tuple]:
    """What state an expression reads: ('var', name), ('down',), ('paused',), ('cuts',),
    ('address', name), ('now',) (a clock: the clocks move together with real time)."""
    out: set[tuple] = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, ir.NodeVar) or isinstance(x, ir.StateVar):
            out.add(("var", x.name))
        elif isinstance(x, ir.Call) and x.func == "up":
            out.add(("down",))
        elif isinstance(x, ir.Call) and x.func == "reachable":
            out.add(("cuts",))
        elif isinstance(x, ir.Call) and x.func == "paused":
            out.add(("paused",))
        elif isinstance(x, ir.Call) and x.func in ("now", "clock"):
            out.add(("now",))
        elif isinstance(x, ir.AddressRef):
            out.add(("address", x.name))
        if dataclasses.is_dataclass(x):
            stack += [getattr(x, f.name) for f in dataclasses.fields(x)]
        elif isinstance(x, tuple):
            stack += list(x)
    return out
