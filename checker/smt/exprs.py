"""IR expressions to symbolic values (checker/smt/symbolic.py) over a symbolic state.

`Exprs.expr(e, env)` gives the value of `e` where `env` says how to read the state (`Reader`:
node variables, up/down, reachability, addresses), which node runs (`gid`, for `self` and a
handler's own variables) and what the locals are bound to. The semantics are the explicit
engine's (model/exprgen.py and the helpers of model/values.py):

- Python's floor division and remainder; `and`, `or`, `=>` and `if ... else` evaluate their
  second part only when it is needed, so run-time errors there count only then;
- quantifiers and comprehensions range over a domain's elements in ascending order, each
  under the condition that the element is in the (symbolic) domain;
- every run-time error the explicit engine raises (an index outside a sequence, a key not in
  a map, `get` of none, division by zero, `max` of an empty set, `role[i]` out of range, the
  client of none) is recorded in `env.errors` as the condition under which it happens.

A construct this encoding cannot express raises `Unsupported` (checker/model/exprgen.py's,
with the span of the construct), never a wrong value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import z3

from checker.model.exprgen import Unsupported
from checker.semantics import ir
from checker.semantics.types import (
    EmptyT, IntT, MapT, NodeT, NoneT, OptionT, RecordT, SeqT, SetT, TupleT, Type,
)
from checker.smt import params
from checker.smt import symbolic as sv
from checker.smt.symbolic import MapV, NotEncodable, Opt, SeqV, SetV, Tup, conj, disj


class Reader(Protocol):
    def var(self, gid: int, name: str) -> object: ...
    def down(self, gid: int) -> z3.BoolRef: ...
    def paused(self, gid: int) -> z3.BoolRef: ...
    def clock(self, gid: int) -> z3.ArithRef: ...
    def reachable(self, a: int, b: int) -> z3.BoolRef: ...
    def address(self, name: str) -> z3.ArithRef: ...


@dataclass
class Env:
    """Where an expression is evaluated: the state, the running node (None in properties),
    the locals (uid -> value), the condition under which evaluation happens at all (`when`)
    and the run-time errors found (`errors`, conditions)."""

    state: Reader
    gid: int | None = None
    locals: dict = field(default_factory=dict)
    when: z3.BoolRef = field(default_factory=lambda: z3.BoolVal(True))
    errors: list = field(default_factory=list)

    def under(self, cond: z3.BoolRef) -> "Env":
        """The same place, evaluated only when `cond` also holds (errors shared)."""
        return Env(self.state, self.gid, self.locals, conj([self.when, cond]), self.errors)

    def bind(self, uid: int, value: object) -> "Env":
        return Env(self.state, self.gid, {**self.locals, uid: value}, self.when, self.errors)

    def fail(self, cond: z3.BoolRef) -> None:
        c = conj([self.when, cond])
        if not z3.is_false(c):
            self.errors.append(c)


NONE_LIT = Opt(z3.BoolVal(False), None)      # `none` before it meets an option type
EMPTY_LIT = object()                          # `{}` or `[]` before it meets a type


class Exprs:
    """The translator. Stateless apart from the program's tables."""

    def __init__(self, program: ir.Program, dom: sv.Domains) -> None:
        self.program = program
        self.dom = dom

    # -------------------------------------------------- entry

    def expr(self, e: ir.Expr, env: Env) -> object:
        method = getattr(self, "_" + type(e).__name__, None)
        if method is None:
            raise Unsupported(f"'{type(e).__name__}' expressions", e.span)
        try:
            return method(e, env)
        except NotEncodable as exc:
            raise Unsupported(str(exc), e.span) from None

    def value(self, e: ir.Expr, t: Type, env: Env) -> object:
        """`e` as a value of type `t` (`none`, `{}` and `[]` take their shape from `t`)."""
        return self.coerce(self.expr(e, env), t)

    def coerce(self, x: object, t: Type) -> object:
        if x is EMPTY_LIT or (isinstance(x, Opt) and x.value is None):
            return sv.default(t, self.dom)
        if isinstance(t, OptionT) and not isinstance(x, Opt):
            return Opt(z3.BoolVal(True), self.coerce(x, t.inner))
        return x

    def truth(self, e: ir.Expr, env: Env) -> z3.BoolRef:
        return self.expr(e, env)  # type: ignore[return-value]

    # -------------------------------------------------- leaves

    def _Lit(self, e: ir.Lit, env: Env) -> object:
        if isinstance(e.type, NoneT) or e.value is None:
            return NONE_LIT
        if isinstance(e.type, EmptyT):
            return EMPTY_LIT
        return sv.const(self.dom.codec.encode(e.value), e.type, self.dom)

    def _Local(self, e: ir.Local, env: Env) -> object:
        return env.locals[e.uid]

    def _StateVar(self, e: ir.StateVar, env: Env) -> object:
        return env.state.var(env.gid, e.name)  # type: ignore[arg-type]

    def _NodeVar(self, e: ir.NodeVar, env: Env) -> object:
        node = self.expr(e.node, env)
        gids = [n.gid for n in self._nodes(e.node.type) if self._has_var(n.role, e.name)]
        return self.by_node(node, gids, lambda g: env.state.var(g, e.name))

    def _AddressRef(self, e: ir.AddressRef, env: Env) -> object:
        return env.state.address(e.name)

    def _Param(self, e: ir.Param, env: Env) -> object:
        return params.term(e)

    def _SelfRef(self, e: ir.SelfRef, env: Env) -> object:
        return z3.IntVal(env.gid)

    def _NodesOf(self, e: ir.NodesOf, env: Env) -> object:
        gids = {n.gid for r in e.roles for n in self.program.role(r).ids}  # type: ignore[union-attr]
        return SetV(tuple((g, z3.BoolVal(g in gids)) for g in self.dom.of(e.type.elem)))  # type: ignore[attr-defined]

    def _NodeAt(self, e: ir.NodeAt, env: Env) -> object:
        ids = [n.gid for n in self.program.role(e.role).ids]  # type: ignore[union-attr]
        i = self.expr(e.index, env)
        env.fail(disj([i < 0, i >= len(ids)]))  # type: ignore[operator]
        out: object = z3.IntVal(ids[-1])
        for k in reversed(range(len(ids) - 1)):
            out = sv.ite(i == k, z3.IntVal(ids[k]), out)
        return _simplify(out)

    # -------------------------------------------------- operators

    def _Unary(self, e: ir.Unary, env: Env) -> object:
        x = self.expr(e.operand, env)
        return z3.Not(x) if e.op == "not" else -x  # type: ignore[operator]

    def _Binary(self, e: ir.Binary, env: Env) -> object:
        op = e.op
        if op in ("and", "or", "=>"):
            a = self.truth(e.left, env)
            rest = env.under(a if op in ("and", "=>") else z3.Not(a))
            b = self.truth(e.right, rest)
            return z3.And(a, b) if op == "and" else z3.Or(a, b) if op == "or" else z3.Implies(a, b)
        a, b = self.expr(e.left, env), self.expr(e.right, env)
        if op in ("==", "!="):
            a, b = self._align(a, b, e.left.type, e.right.type)
            same = sv.eq(a, b, _known(e.left.type, e.right.type))
            return same if op == "==" else z3.Not(same)
        if op in ("<", "<=", ">", ">="):
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]  # type: ignore[operator]
        if op in ("+", "-", "*"):
            return {"+": a + b, "-": a - b, "*": a * b}[op]  # type: ignore[operator]
        if op in ("//", "%"):
            env.fail(b == 0)  # type: ignore[arg-type]
            q = z3.If(b > 0, a / b, (-a) / (-b))  # type: ignore[operator]  # Python floors
            return q if op == "//" else a - b * q  # type: ignore[operator]
        if op in ("in", "not in"):
            found = self.contains(b, a, e.right.type)
            return found if op == "in" else z3.Not(found)
        if op in ("union", "inter", "diff", "subset"):
            return self._set_op(op, self.coerce(a, e.left.type), self.coerce(b, e.right.type))
        if op == "concat":
            return self._concat(self.coerce(a, e.left.type), self.coerce(b, e.right.type), e.type)
        if op == "range":
            lo, hi = self.bounds(e.left), self.bounds(e.right)
            return SetV(tuple((k, z3.And(a <= k, k <= b)) for k in range(lo[0], hi[1] + 1)))  # type: ignore[operator]
        raise Unsupported(f"the operator '{op}'", e.span)

    def _align(self, a: object, b: object, ta: Type, tb: Type) -> tuple[object, object]:
        if a is EMPTY_LIT or (isinstance(a, Opt) and a.value is None):
            return self.coerce(a, tb), b
        if isinstance(b, Opt) and b.value is not None and not isinstance(a, Opt):
            return Opt(z3.BoolVal(True), a), b
        return a, self.coerce(b, ta)

    def _set_op(self, op: str, a: SetV, b: SetV) -> object:
        keys = list(dict.fromkeys([k for k, _ in a.bits] + [k for k, _ in b.bits]))
        if op == "subset":
            return conj([z3.Implies(a.member(k), b.member(k)) for k in keys])
        combine = {"union": lambda x, y: disj([x, y]), "inter": lambda x, y: conj([x, y]),
                   "diff": lambda x, y: conj([x, z3.Not(y)])}[op]
        return SetV(tuple((k, combine(a.member(k), b.member(k))) for k in sorted(keys, key=_order)))

    def _concat(self, a: SeqV, b: SeqV, t: Type) -> SeqV:
        et = t.elem  # type: ignore[attr-defined]
        filler = sv.default(et, self.dom)
        items = []
        for i in range(len(a.items) + len(b.items)):
            mine = a.items[i] if i < len(a.items) else filler
            theirs = self.at(b, i - a.length) if b.items else filler
            items.append(sv.ite(i < a.length, mine, sv.ite(i < a.length + b.length, theirs, filler)))
        return SeqV(a.length + b.length, tuple(items))

    def _IfExpr(self, e: ir.IfExpr, env: Env) -> object:
        c = self.truth(e.cond, env)
        a = self.value(e.then, e.type, env.under(c))
        b = self.value(e.orelse, e.type, env.under(z3.Not(c)))
        return sv.ite(c, a, b)

    # -------------------------------------------------- builtins

    def _Call(self, e: ir.Call, env: Env) -> object:
        f = e.func
        args = [self.expr(a, env) for a in e.args]
        if f == "up":
            return z3.Not(self.by_node(args[0], [n.gid for n in self._nodes(e.args[0].type)], env.state.down))
        if f in ("paused", "clock"):
            return self.by_node(args[0], [n.gid for n in self._nodes(e.args[0].type)],
                                env.state.paused if f == "paused" else env.state.clock)
        if f == "now":
            return env.state.clock(env.gid)  # type: ignore[arg-type]
        if f == "reachable":
            a, b = args
            pairs = [(x.gid, y.gid) for x in self._nodes(e.args[0].type) for y in self._nodes(e.args[1].type)]
            return disj([conj([a == x, b == y, env.state.reachable(x, y)]) for x, y in pairs])  # type: ignore[operator]
        if f == "len":
            x = self.coerce(args[0], e.args[0].type)
            if isinstance(x, SeqV):
                return x.length
            bits = [bit for _, bit in x.bits] if isinstance(x, SetV) else [p for _, p, _ in x.entries]  # type: ignore[attr-defined]
            return z3.Sum([z3.If(b, 1, 0) for b in bits]) if bits else z3.IntVal(0)
        if f in ("max", "min"):
            return self._extreme(f, args, e, env)
        if f == "keys":
            return SetV(tuple((k, p) for k, p, _ in args[0].entries))  # type: ignore[attr-defined]
        if f == "values":
            m = args[0]
            vt = e.type.elem  # type: ignore[attr-defined]
            return SetV(tuple((v, disj([conj([p, sv.eq(x, sv.const(v, vt, self.dom), vt)]) for _, p, x in m.entries]))  # type: ignore[attr-defined]
                              for v in self.dom.of(vt)))
        if f == "index":
            table = {n.gid: n.index for n in self.program.nodes}
            return self.by_node(args[0], list(table), lambda g: z3.IntVal(table[g]))
        if f == "get":
            x = args[0]
            env.fail(z3.Not(x.present))  # type: ignore[attr-defined]
            return x.value  # type: ignore[attr-defined]
        if f == "client_of":
            x = args[0]
            if isinstance(x, Opt):
                env.fail(z3.Not(x.present))
                x = x.value
            return x.items[0]  # type: ignore[attr-defined]
        raise Unsupported(f"the function '{f}'", e.span)

    def _extreme(self, f: str, args: list, e: ir.Call, env: Env) -> object:
        better = (lambda x, y: x > y) if f == "max" else (lambda x, y: x < y)
        if len(args) > 1:
            out = args[0]
            for x in args[1:]:
                out = z3.If(better(x, out), x, out)
            return out
        members = self.members(self.coerce(args[0], e.args[0].type), e.args[0].type)
        env.fail(conj([z3.Not(c) for c, _ in members]))
        best, seen = z3.IntVal(0), z3.BoolVal(False)
        for c, x in members:
            best = z3.If(z3.And(c, z3.Or(z3.Not(seen), better(x, best))), x, best)
            seen = z3.Or(seen, c)
        return best

    # -------------------------------------------------- structure

    def _Index(self, e: ir.Index, env: Env) -> object:
        obj, i = self.expr(e.obj, env), self.expr(e.index, env)
        t = e.obj.type
        if isinstance(t, SeqT):
            seq = self.coerce(obj, t)
            env.fail(disj([i < 0, i >= seq.length]))  # type: ignore[operator, attr-defined]
            return self.at(seq, i)
        if isinstance(t, MapT):
            m = self.coerce(obj, t)
            hits = [(sv.eq(i, sv.const(k, t.key, self.dom), t.key), p, x) for k, p, x in m.entries]  # type: ignore[attr-defined]
            env.fail(conj([z3.Not(z3.And(h, p)) for h, p, _ in hits]))
            out = sv.default(t.value, self.dom)
            for h, _, x in reversed(hits):
                out = sv.ite(h, x, out)
            return out
        if isinstance(t, TupleT):
            k = e.index.value if isinstance(e.index, ir.Lit) else None  # type: ignore[attr-defined]
            if not isinstance(k, int):
                raise Unsupported("a tuple index that is not a constant", e.span)
            return obj.items[k]  # type: ignore[attr-defined]
        raise Unsupported("indexing this value", e.span)

    def at(self, seq: SeqV, i) -> object:
        """`seq[i]` for a symbolic index known to be in range."""
        if not seq.items:
            return z3.IntVal(0)
        out = seq.items[-1]
        for k in reversed(range(len(seq.items) - 1)):
            out = sv.ite(i == k, seq.items[k], out)
        return out

    def _Slice(self, e: ir.Slice, env: Env) -> object:
        seq = self.coerce(self.expr(e.obj, env), e.obj.type)
        lo = z3.IntVal(0) if e.lo is None else self.expr(e.lo, env)
        hi = seq.length if e.hi is None else self.expr(e.hi, env)  # type: ignore[attr-defined]
        lo = z3.If(lo < 0, 0, z3.If(lo > seq.length, seq.length, lo))  # type: ignore[operator, attr-defined]
        hi = z3.If(hi < lo, lo, z3.If(hi > seq.length, seq.length, hi))  # type: ignore[operator, attr-defined]
        et = e.obj.type.elem  # type: ignore[attr-defined]
        items = tuple(sv.ite(lo + k < hi, self.at(seq, lo + k), sv.default(et, self.dom))  # type: ignore[operator]
                      for k in range(len(seq.items)))  # type: ignore[attr-defined]
        return SeqV(hi - lo, items)  # type: ignore[operator]

    def _Field(self, e: ir.Field, env: Env) -> object:
        t = e.obj.type
        if not isinstance(t, RecordT):
            raise Unsupported("a field of this value", e.span)
        return self.expr(e.obj, env).items[[n for n, _ in t.fields].index(e.name)]  # type: ignore[attr-defined]

    def _SetLit(self, e: ir.SetLit, env: Env) -> object:
        if isinstance(e.type, EmptyT):
            return EMPTY_LIT
        t = e.type.elem  # type: ignore[attr-defined]
        elems = [self.value(x, t, env) for x in e.elems]
        keys = self.dom.of(t) if not isinstance(t, IntT) or t.bounded or t.values else self._int_keys(e.elems)
        return SetV(tuple((k, disj([sv.eq(x, sv.const(k, t, self.dom), t) for x in elems])) for k in keys))

    def _SeqLit(self, e: ir.SeqLit, env: Env) -> object:
        if isinstance(e.type, EmptyT):
            return EMPTY_LIT
        t = e.type.elem if isinstance(e.type, SeqT) else None  # type: ignore[attr-defined]
        return SeqV(z3.IntVal(len(e.elems)), tuple(self.value(x, t, env) if t else self.expr(x, env) for x in e.elems))

    def _TupleLit(self, e: ir.TupleLit, env: Env) -> object:
        parts = [ft for _, ft in e.type.fields] if isinstance(e.type, RecordT) else list(e.type.elems)  # type: ignore[attr-defined]
        return Tup(tuple(self.value(x, pt, env) for x, pt in zip(e.elems, parts)))

    def _MapLit(self, e: ir.MapLit, env: Env) -> object:
        if isinstance(e.type, EmptyT):
            return EMPTY_LIT
        t = e.type
        pairs = [(self.value(k, t.key, env), self.value(v, t.value, env)) for k, v in e.items]  # type: ignore[attr-defined]
        entries = []
        for key in self.dom.of(t.key):  # type: ignore[attr-defined]
            hits = [(sv.eq(k, sv.const(key, t.key, self.dom), t.key), v) for k, v in pairs]  # type: ignore[attr-defined]
            out = sv.default(t.value, self.dom)  # type: ignore[attr-defined]
            for h, v in hits:                 # a later pair for the same key wins
                out = sv.ite(h, v, out)
            entries.append((key, disj([h for h, _ in hits]), out))
        return MapV(tuple(entries))

    # -------------------------------------------------- binders

    def members(self, domain: object, t: Type) -> list[tuple[z3.BoolRef, object]]:
        """(condition, element) for each possible element of a domain, in the explicit
        engine's order: a set's and a map's keys ascending, a sequence's items in order."""
        if isinstance(domain, SetV):
            et = t.elem if isinstance(t, SetT) else IntT()
            return [(bit, sv.const(k, et, self.dom)) for k, bit in domain.bits if not z3.is_false(bit)]
        if isinstance(domain, MapV):
            return [(p, sv.const(k, t.key, self.dom)) for k, p, _ in domain.entries]  # type: ignore[attr-defined]
        if isinstance(domain, SeqV):
            return [(domain.length > i, x) for i, x in enumerate(domain.items)]
        raise NotEncodable("iterating over this value")

    def bindings(self, binders: tuple[ir.Binder, ...], env: Env) -> list[tuple[z3.BoolRef, Env]]:
        """Every binding of the binders (later domains may depend on earlier binders), each
        with the condition that its elements are in their domains."""
        out = [(z3.BoolVal(True), env)]
        for b in binders:
            nxt = []
            for cond, e in out:
                domain = self.coerce(self.expr(b.domain, e), b.domain.type)
                for c, x in self.members(domain, b.domain.type):
                    nxt.append((conj([cond, c]), e.bind(b.local.uid, x)))
            out = nxt
        return out

    def _Quant(self, e: ir.Quant, env: Env) -> object:
        cases = [(c, self.truth(e.body, b.under(c))) for c, b in self.bindings(e.binders, env)]
        if e.kind == "all":
            return conj([z3.Implies(c, x) for c, x in cases])
        if e.kind == "some":
            return disj([conj([c, x]) for c, x in cases])
        return z3.Sum([z3.If(conj([c, x]), 1, 0) for c, x in cases]) if cases else z3.IntVal(0)

    def _Comprehension(self, e: ir.Comprehension, env: Env) -> object:
        cases = []
        for c, b in self.bindings(e.binders, env):
            inner = b.under(c)
            keep = conj([c, self.truth(e.cond, inner)]) if e.cond is not None else c
            cases.append((keep, b.under(keep)))
        t = e.type
        if e.kind == "set":
            et = t.elem  # type: ignore[attr-defined]
            elems = [(k, self.value(e.elem, et, b)) for k, b in cases]
            return SetV(tuple((key, disj([conj([k, sv.eq(x, sv.const(key, et, self.dom), et)]) for k, x in elems]))
                              for key in self._keys_of(et, e.elem)))
        if e.kind == "map":
            kt, vt = t.key, t.value  # type: ignore[attr-defined]
            pairs = [(k, self.value(e.key, kt, b), self.value(e.elem, vt, b)) for k, b in cases]  # type: ignore[arg-type]
            entries = []
            for key in self.dom.of(kt):
                hits = [(conj([k, sv.eq(x, sv.const(key, kt, self.dom), kt)]), v) for k, x, v in pairs]
                out = sv.default(vt, self.dom)
                for h, v in hits:
                    out = sv.ite(h, v, out)
                entries.append((key, disj([h for h, _ in hits]), out))
            return MapV(tuple(entries))
        et = t.elem  # type: ignore[attr-defined]
        kept = [(k, self.value(e.elem, et, b)) for k, b in cases]
        items = []
        for j in range(len(kept)):        # item j: the j-th kept element
            out = sv.default(et, self.dom)
            for i in reversed(range(len(kept))):
                before = z3.Sum([z3.If(k, 1, 0) for k, _ in kept[:i]]) if i else z3.IntVal(0)
                out = sv.ite(conj([kept[i][0], before == j]), kept[i][1], out)
            items.append(out)
        length = z3.Sum([z3.If(k, 1, 0) for k, _ in kept]) if kept else z3.IntVal(0)
        return SeqV(length, tuple(items))

    # -------------------------------------------------- helpers

    def contains(self, collection: object, x: object, t: Type) -> z3.BoolRef:
        """Whether `x` is an element of a set, a key of a map, or an item of a sequence."""
        collection = self.coerce(collection, t)
        if isinstance(collection, SetV):
            et = t.elem if isinstance(t, SetT) else IntT()
            return disj([conj([bit, sv.eq(x, sv.const(k, et, self.dom), et)]) for k, bit in collection.bits])
        if isinstance(collection, MapV):
            return disj([conj([p, sv.eq(x, sv.const(k, t.key, self.dom), t.key)]) for k, p, _ in collection.entries])  # type: ignore[attr-defined]
        if isinstance(collection, SeqV):
            et = t.elem  # type: ignore[attr-defined]
            return disj([conj([collection.length > i, sv.eq(x, y, et)]) for i, y in enumerate(collection.items)])
        raise NotEncodable("membership in this value")

    def by_node(self, node: object, gids: list[int], read) -> object:
        """`read(gid)` for the node `node` evaluates to (one of `gids`)."""
        if z3.is_int_value(node) and node.as_long() in gids:  # type: ignore[attr-defined]
            return read(node.as_long())  # type: ignore[attr-defined]
        if not gids:
            raise NotEncodable("a node of no role")
        out = read(gids[-1])
        for g in reversed(gids[:-1]):
            out = sv.ite(node == g, read(g), out)  # type: ignore[operator]
        return out

    def bounds(self, e: ir.Expr) -> tuple[int, int]:
        """Static bounds of an integer expression (for the elements of `a..b`)."""
        t = e.type
        if isinstance(e, ir.Lit) and isinstance(e.value, int):
            return e.value, e.value
        if isinstance(t, IntT) and t.values:
            return min(t.values), max(t.values)
        if isinstance(t, IntT) and t.bounded:
            return t.lo, t.hi  # type: ignore[return-value]
        if isinstance(e, ir.Binary) and e.op in ("+", "-"):
            (a, b), (c, d) = self.bounds(e.left), self.bounds(e.right)
            return (a + c, b + d) if e.op == "+" else (a - d, b - c)
        if isinstance(e, ir.Unary) and e.op == "neg":
            a, b = self.bounds(e.operand)
            return -b, -a
        raise NotEncodable("a range whose bounds are not known before the run")

    def _int_keys(self, elems) -> list[int]:
        lo = min(self.bounds(x)[0] for x in elems)
        hi = max(self.bounds(x)[1] for x in elems)
        if hi - lo >= sv.MAX_DOMAIN:
            raise NotEncodable("a set of integers over too wide a range")
        return list(range(lo, hi + 1))

    def _keys_of(self, t: Type, elem: ir.Expr) -> list:
        if isinstance(t, IntT) and not t.bounded and not t.values:
            return self._int_keys([elem])
        return self.dom.of(t)

    def _nodes(self, t: Type) -> list[ir.NodeId]:
        if isinstance(t, OptionT):
            t = t.inner
        roles = t.roles if isinstance(t, NodeT) else tuple(r.name for r in self.program.roles)
        return [n for n in self.program.nodes if n.role in roles]

    def _has_var(self, role: str, name: str) -> bool:
        return self.program.role(role).var(name) is not None  # type: ignore[union-attr]


def _known(a: Type, b: Type) -> Type:
    return b if isinstance(a, (NoneT, EmptyT)) else a


def _order(k: object):
    from checker.model.values import _order_key
    return _order_key(k)


def _simplify(x: object) -> object:
    return z3.simplify(x) if z3.is_expr(x) else x


