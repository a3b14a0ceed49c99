"""Symbolic values: an IR value of a finite type as a structure of Z3 terms.

Every type of a capcheck state is finite, so a value is encoded structurally, with one Z3
term per scalar part:

| IR type | symbolic value |
|---|---|
| bool | a Z3 Bool |
| int, atom, node, client | a Z3 Int (atoms by their index in the program's table, nodes by gid: the explicit engine's encoding) |
| handle | `Tup((client, seq))`, as the explicit engine's `(client, seq)` |
| option T | `Opt(present, value)` |
| set[T] | `SetV`: a Bool per element of T's (finite) domain, keyed by the element's encoded value |
| map[K, V] | `MapV`: per key of K's domain, a present flag and a value |
| seq[T] of at most n | `SeqV(length, n items)` |
| record, tuple | `Tup(items)` (records in field-name order) |

Values are kept *canonical*: the value inside an absent option, a map's value at an absent
key and a sequence's items past its length are the type's default. Two values are then
equal exactly when their parts are, so `eq` is a conjunction of part equalities, and a
state's symbolic value decodes to the explicit engine's encoded value (`concrete`).
Functions here are pure; the only Z3 objects they create are terms and fresh constants.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from checker.model import values
from checker.semantics.types import (
    AtomT, BoolT, ClientT, HandleT, IntT, MapT, NodeT, OptionT, RecordT, SeqT, SetT,
    TupleT, Type, describe, some_part,
)

MAX_DOMAIN = 512        # elements of a set's element type, keys of a map's key type


class NotEncodable(Exception):
    """A value the encoding cannot represent (an unbounded or too large domain)."""


@dataclass(frozen=True)
class Opt:
    present: z3.BoolRef
    value: object


@dataclass(frozen=True)
class SetV:
    bits: tuple[tuple[object, z3.BoolRef], ...]    # (element, member?) in ascending element order

    def member(self, element: object) -> z3.BoolRef:
        return dict(self.bits).get(element, z3.BoolVal(False))


@dataclass(frozen=True)
class MapV:
    entries: tuple[tuple[object, z3.BoolRef, object], ...]   # (key, present?, value)

    def entry(self, key: object) -> tuple[z3.BoolRef, object] | None:
        for k, p, v in self.entries:
            if k == key:
                return p, v
        return None


@dataclass(frozen=True)
class SeqV:
    length: z3.ArithRef
    items: tuple[object, ...]


@dataclass(frozen=True)
class Tup:
    items: tuple[object, ...]


class Domains:
    """The finite domains of types, as the explicit engine encodes their values."""

    def __init__(self, codec: values.Codec, clients: int = 0, ops: int = 0) -> None:
        self.codec = codec
        self.clients, self.ops = clients, ops
        self._cache: dict[Type, list] = {}

    def of(self, t: Type) -> list:
        """Every encoded value of `t`, ascending; raises NotEncodable for an unbounded or
        too large domain."""
        found = self._cache.get(t)
        if found is None:
            found = self._cache[t] = self._domain(t)
        return found

    def _domain(self, t: Type) -> list:
        match t:
            case ClientT():
                return list(range(self.clients))
            case HandleT():
                return [(c, q) for c in range(self.clients) for q in range(self.ops)]
            case IntT() if not t.bounded and t.values is None:
                raise NotEncodable("a set or map of unbounded integers")
            case SetT() | MapT() | SeqT():
                raise NotEncodable(f"a set or map of {describe(t)} values")
        if some_part(t, lambda x: isinstance(x, IntT) and not x.bounded and x.values is None):
            raise NotEncodable(f"a set or map of {describe(t)} values (they hold unbounded integers)")
        try:
            out = values.domain(t, self.codec)
        except ValueError:
            raise NotEncodable(f"a set or map of {describe(t)} values") from None
        if len(out) > MAX_DOMAIN:
            raise NotEncodable(f"a set or map over {len(out):,} possible elements (at most {MAX_DOMAIN})")
        return out


# ---------------------------------------------------------------- building values


def default(t: Type, dom: Domains) -> object:
    """The canonical filler of type `t` (false, 0, none, empty)."""
    match t:
        case BoolT():
            return z3.BoolVal(False)
        case IntT():
            return z3.IntVal(t.lo if t.lo is not None and t.values is None else (t.values[0] if t.values else 0))
        case AtomT() | NodeT() | ClientT():
            return z3.IntVal(min(dom.of(t), default=0))
        case HandleT():
            return Tup((z3.IntVal(0), z3.IntVal(0)))
        case OptionT(inner=inner):
            return Opt(z3.BoolVal(False), default(inner, dom))
        case SetT(elem=elem):
            return SetV(tuple((e, z3.BoolVal(False)) for e in dom.of(elem)))
        case MapT(key=key, value=value):
            return MapV(tuple((k, z3.BoolVal(False), default(value, dom)) for k in dom.of(key)))
        case SeqT(elem=elem, max_len=n):
            if n is None:
                raise NotEncodable("a sequence without a bound on its length")
            return SeqV(z3.IntVal(0), tuple(default(elem, dom) for _ in range(n)))
        case RecordT(fields=fields):
            return Tup(tuple(default(ft, dom) for _, ft in fields))
        case TupleT(elems=elems):
            return Tup(tuple(default(et, dom) for et in elems))
    raise NotEncodable(f"a value of type {describe(t)}")


def const(v: object, t: Type, dom: Domains) -> object:
    """The symbolic value of an encoded explicit value `v` of type `t`."""
    match t:
        case BoolT():
            return z3.BoolVal(bool(v))
        case IntT() | AtomT() | NodeT() | ClientT():
            return z3.IntVal(int(v))  # type: ignore[call-overload]
        case HandleT():
            return Tup((z3.IntVal(v[0]), z3.IntVal(v[1])))  # type: ignore[index]
        case OptionT(inner=inner):
            if v == values.NONE:
                return Opt(z3.BoolVal(False), default(inner, dom))
            return Opt(z3.BoolVal(True), const(v, inner, dom))
        case SetT(elem=elem):
            members = set(v)  # type: ignore[call-overload]
            return SetV(tuple((e, z3.BoolVal(e in members)) for e in dom.of(elem)))
        case MapT(key=key, value=value):
            got = dict(v)  # type: ignore[call-overload]
            return MapV(tuple((k, z3.BoolVal(k in got), const(got[k], value, dom) if k in got
                               else default(value, dom)) for k in dom.of(key)))
        case SeqT(elem=elem, max_len=n):
            items = [const(x, elem, dom) for x in v]  # type: ignore[attr-defined]
            if n is None or len(items) > n:
                raise NotEncodable("a sequence longer than its bound")
            return SeqV(z3.IntVal(len(items)), tuple(items + [default(elem, dom)] * (n - len(items))))
        case RecordT(fields=fields):
            return Tup(tuple(const(x, ft, dom) for x, (_, ft) in zip(v, fields)))  # type: ignore[call-overload]
        case TupleT(elems=elems):
            return Tup(tuple(const(x, et, dom) for x, et in zip(v, elems)))  # type: ignore[call-overload]
    raise NotEncodable(f"a value of type {describe(t)}")


def fresh(name: str, t: Type, dom: Domains) -> tuple[object, list]:
    """A fresh symbolic value of type `t` named after `name`, and the constraints that keep
    it a canonical value of `t`."""
    constraints: list = []

    def make(n: str, t: Type) -> object:
        match t:
            case BoolT():
                return z3.Bool(n)
            case IntT() | AtomT() | NodeT() | ClientT():
                x = z3.Int(n)
                constraints.append(in_type(x, t, dom))
                return x
            case HandleT():
                return Tup((z3.Int(n + ".c"), z3.Int(n + ".s")))
            case OptionT(inner=inner):
                p, inside = z3.Bool(n + ".some"), make(n + ".v", inner)
                constraints.append(z3.Or(p, eq(inside, default(inner, dom), inner)))
                return Opt(p, inside)
            case SetT(elem=elem):
                return SetV(tuple((e, z3.Bool(f"{n}[{k}]")) for k, e in enumerate(dom.of(elem))))
            case MapT(key=key, value=value):
                entries = []
                for k, e in enumerate(dom.of(key)):
                    p, x = z3.Bool(f"{n}[{k}].in"), make(f"{n}[{k}]", value)
                    constraints.append(z3.Or(p, eq(x, default(value, dom), value)))
                    entries.append((e, p, x))
                return MapV(tuple(entries))
            case SeqT(elem=elem, max_len=m):
                if m is None:
                    raise NotEncodable("a sequence without a bound on its length")
                length = z3.Int(n + ".len")
                items = tuple(make(f"{n}[{i}]", elem) for i in range(m))
                constraints.append(z3.And(length >= 0, length <= m))
                constraints.extend(z3.Or(length > i, eq(x, default(elem, dom), elem)) for i, x in enumerate(items))
                return SeqV(length, items)
            case RecordT(fields=fields):
                return Tup(tuple(make(f"{n}.{f}", ft) for f, ft in fields))
            case TupleT(elems=elems):
                return Tup(tuple(make(f"{n}.{i}", et) for i, et in enumerate(elems)))
        raise NotEncodable(f"a variable of type {describe(t)}")

    return make(name, t), constraints


def canonical(x: object, t: Type, dom: Domains) -> object:
    """`x` in the canonical form of the declared type `t` (what a variable or a message
    field holds): absent parts at `t`'s defaults, a sequence with `t`'s number of items, a
    set or map over `t`'s own domain. Only for values that fit `t` (check `fits` first)."""
    match t:
        case OptionT(inner=inner):
            if not isinstance(x, Opt):
                return Opt(z3.BoolVal(True), canonical(x, inner, dom))
            return Opt(x.present, ite(x.present, canonical(x.value, inner, dom), default(inner, dom)))
        case SeqT(elem=elem, max_len=n):
            filler = default(elem, dom)
            items = [ite(x.length > i, canonical(x.items[i], elem, dom), filler) if i < len(x.items) else filler  # type: ignore[attr-defined]
                     for i in range(n if n is not None else len(x.items))]  # type: ignore[attr-defined]
            return SeqV(x.length, tuple(items))  # type: ignore[attr-defined]
        case SetT(elem=elem):
            return SetV(tuple((e, x.member(e)) for e in dom.of(elem)))  # type: ignore[attr-defined]
        case MapT(key=key, value=value):
            entries = []
            for k in dom.of(key):
                found = x.entry(k)  # type: ignore[attr-defined]
                if found is None:
                    entries.append((k, z3.BoolVal(False), default(value, dom)))
                else:
                    entries.append((k, found[0], ite(found[0], canonical(found[1], value, dom), default(value, dom))))
            return MapV(tuple(entries))
        case RecordT() | TupleT():
            return Tup(tuple(canonical(item, pt, dom) for item, pt in zip(x.items, _parts(t, len(x.items)))))  # type: ignore[attr-defined]
    return x


def in_type(x: z3.ArithRef, t: Type, dom: Domains) -> z3.BoolRef:
    """Whether the Int `x` is a value of the scalar type `t`."""
    match t:
        case IntT(values=vs) if vs is not None:
            return z3.Or([x == v for v in vs]) if vs else z3.BoolVal(False)
        case IntT(lo=lo, hi=hi):
            parts = ([x >= lo] if lo is not None else []) + ([x <= hi] if hi is not None else [])
            return z3.And(parts) if parts else z3.BoolVal(True)
        case AtomT() | NodeT() | ClientT():
            return z3.Or([x == v for v in dom.of(t)] or [x == 0])   # an empty type: only its filler
    return z3.BoolVal(True)


# ---------------------------------------------------------------- operations on values


def eq(a: object, b: object, t: Type) -> z3.BoolRef:
    """Whether two canonical values of type `t` are equal."""
    if isinstance(a, Opt):
        inner = t.inner if isinstance(t, OptionT) else t
        return z3.And(a.present == b.present, eq(a.value, b.value, inner))  # type: ignore[attr-defined]
    if isinstance(a, SetV):
        other = dict(b.bits)  # type: ignore[attr-defined]
        keys = list(dict.fromkeys([e for e, _ in a.bits] + list(other)))
        return _and([a.member(e) == other.get(e, z3.BoolVal(False)) for e in keys])
    if isinstance(a, MapV):
        vt = t.value if isinstance(t, MapT) else t
        out = []
        for k, p, x in a.entries:
            found = b.entry(k)  # type: ignore[attr-defined]
            if found is None:
                out.append(z3.Not(p))
            else:
                out += [p == found[0], eq(x, found[1], vt)]
        return _and(out)
    if isinstance(a, SeqV):
        et = t.elem if isinstance(t, SeqT) else t
        n = max(len(a.items), len(b.items))  # type: ignore[attr-defined]
        out = [a.length == b.length]  # type: ignore[attr-defined]
        for i in range(n):
            xa = a.items[i] if i < len(a.items) else None
            xb = b.items[i] if i < len(b.items) else None  # type: ignore[attr-defined]
            if xa is None or xb is None:
                out.append((a.length if xa is None else b.length) <= i)  # type: ignore[attr-defined]
            else:
                out.append(eq(xa, xb, et))
        return _and(out)
    if isinstance(a, Tup):
        parts = _parts(t, len(a.items))
        return _and([eq(x, y, pt) for x, y, pt in zip(a.items, b.items, parts)])  # type: ignore[attr-defined]
    return a == b  # type: ignore[return-value]


def ite(c: z3.BoolRef, a: object, b: object) -> object:
    """`a` if `c` else `b`, part by part (the two have the same shape)."""
    if a is b:
        return a
    if isinstance(a, Opt):
        return Opt(_ite(c, a.present, b.present), ite(c, a.value, b.value))  # type: ignore[attr-defined]
    if isinstance(a, SetV):
        other = dict(b.bits)  # type: ignore[attr-defined]
        keys = list(dict.fromkeys([e for e, _ in a.bits] + list(other)))
        return SetV(tuple((e, _ite(c, a.member(e), other.get(e, z3.BoolVal(False)))) for e in keys))
    if isinstance(a, MapV):
        return MapV(tuple((k, _ite(c, p, b.entry(k)[0]), ite(c, x, b.entry(k)[1]))  # type: ignore[attr-defined]
                          for k, p, x in a.entries))
    if isinstance(a, SeqV):
        return SeqV(_ite(c, a.length, b.length), tuple(ite(c, x, y) for x, y in zip(a.items, b.items)))  # type: ignore[attr-defined]
    if isinstance(a, Tup):
        return Tup(tuple(ite(c, x, y) for x, y in zip(a.items, b.items)))  # type: ignore[attr-defined]
    return _ite(c, a, b)


def _ite(c, a, b):
    if a is b or (z3.is_expr(a) and z3.is_expr(b) and a.eq(b)):
        return a
    return z3.If(c, a, b)


def fits(x: object, t: Type, dom: Domains) -> z3.BoolRef:
    """Whether the value `x` is a value of the declared type `t` (the explicit engine's
    `values.fits`: integers within their range; containers element by element)."""
    match t:
        case IntT():
            return in_type(x, t, dom)  # type: ignore[arg-type]
        case OptionT(inner=inner):
            return z3.Or(z3.Not(x.present), fits(x.value, inner, dom))  # type: ignore[attr-defined]
        case SetT(elem=elem):
            allowed = set(dom.of(elem))
            return _and([z3.Not(bit) for e, bit in x.bits if e not in allowed])  # type: ignore[attr-defined]
        case SeqT(elem=elem, max_len=n):
            parts = [x.length <= n] if n is not None else []  # type: ignore[attr-defined]
            parts += [z3.Or(x.length <= i, fits(item, elem, dom)) for i, item in enumerate(x.items)]  # type: ignore[attr-defined]
            return _and(parts)
        case MapT(key=key, value=value):
            allowed = set(dom.of(key))
            return _and([z3.Or(z3.Not(p), fits(v, value, dom)) if k in allowed else z3.Not(p)
                         for k, p, v in x.entries])  # type: ignore[attr-defined]
        case RecordT() | TupleT():
            return _and([fits(item, pt, dom) for item, pt in zip(x.items, _parts(t, len(x.items)))])  # type: ignore[attr-defined]
    return z3.BoolVal(True)


def _parts(t: Type, n: int) -> list[Type]:
    if isinstance(t, RecordT):
        return [ft for _, ft in t.fields]
    if isinstance(t, TupleT):
        return list(t.elems)
    if isinstance(t, HandleT):
        return [IntT(), IntT()]
    return [IntT()] * n


def _and(parts: list) -> z3.BoolRef:
    parts = [p for p in parts if not z3.is_true(p)]
    if any(z3.is_false(p) for p in parts):
        return z3.BoolVal(False)
    return _nary(z3.Z3_mk_and, z3.And, parts, True)


def conj(parts: list) -> z3.BoolRef:
    return _and(parts)


def disj(parts: list) -> z3.BoolRef:
    parts = [p for p in parts if not z3.is_false(p)]
    if any(z3.is_true(p) for p in parts):
        return z3.BoolVal(True)
    return _nary(z3.Z3_mk_or, z3.Or, parts, False)


def _nary(make, fallback, parts: list, unit: bool) -> z3.BoolRef:
    """`parts` joined by the Z3 C API's n-ary `make` when they are all Z3 Booleans of one
    context: z3's Python And/Or check and coerce every argument, which costs more than
    solving on the encoding's many small formulas. Anything else (a Python bool) goes
    through `fallback`, which coerces."""
    if not parts:
        return z3.BoolVal(unit)
    if len(parts) == 1:
        return parts[0]
    ctx = parts[0].ctx if isinstance(parts[0], z3.BoolRef) else None
    if ctx is None or not all(isinstance(p, z3.BoolRef) and p.ctx is ctx for p in parts):
        return fallback(parts)
    args = (z3.Ast * len(parts))(*(p.as_ast() for p in parts))
    return z3.BoolRef(make(ctx.ref(), len(parts), args), ctx)


# ---------------------------------------------------------------- back to explicit values


def concrete(model: z3.ModelRef, x: object, t: Type) -> object:
    """The explicit engine's encoded value of `x` in `model` (values.py's encoding)."""
    def num(term) -> int:
        return model.eval(term, model_completion=True).as_long()

    def truth(term) -> bool:
        return z3.is_true(model.eval(term, model_completion=True))

    match t:
        case BoolT():
            return truth(x)
        case IntT() | AtomT() | NodeT() | ClientT():
            return num(x)
        case HandleT():
            return (num(x.items[0]), num(x.items[1]))  # type: ignore[attr-defined]
        case OptionT(inner=inner):
            return concrete(model, x.value, inner) if truth(x.present) else values.NONE  # type: ignore[attr-defined]
        case SetT(elem=elem):
            return frozenset(e for e, bit in x.bits if truth(bit))  # type: ignore[attr-defined]
        case MapT(value=value):
            return values.map_build((k, concrete(model, v, value)) for k, p, v in x.entries if truth(p))  # type: ignore[attr-defined]
        case SeqT(elem=elem):
            n = num(x.length)  # type: ignore[attr-defined]
            return tuple(concrete(model, item, elem) for item in x.items[:n])  # type: ignore[attr-defined]
        case RecordT() | TupleT():
            return tuple(concrete(model, item, pt) for item, pt in zip(x.items, _parts(t, len(x.items))))  # type: ignore[attr-defined]
    raise NotEncodable(f"a value of type {describe(t)}")

