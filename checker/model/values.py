"""Run-time values of the explicit engine and the helpers generated code calls.

States are flat tuples of *encoded* values, chosen so that CPython's own `hash` of a state
is the same in every process and under every PYTHONHASHSEED (strings are the only salted
hash, and `hash(None)` follows the address of None on Python 3.11):

| IR value | encoded as |
|---|---|
| bool, int | itself |
| atom (str) | its index in the program's atom table (an int) |
| NodeId | its global index `gid` |
| ClientId, handle | the client's index |
| none | `NONE`, the float -inf (hash -314159, equal only to itself) |
| set | frozenset of encoded elements |
| sequence, tuple, record | tuple (records in field-name order) |
| map | tuple of (key, value) pairs sorted by key |

`Codec` turns encoded values back into IR values for traces and JSON. Every helper here is
pure; the ones that can fail raise `SpecRuntimeError` with the index of the span (in the
compiled model's span table) that explains where.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Iterable, TypeVar

from checker.semantics import ir
from checker.semantics.types import (
    AtomT, BoolT, ClientT, EmptyT, HandleT, IntT, MapT, NodeT, NoneT, OptionT, RecordT, SeqT, SetT,
    TupleT, Type, some_part,
)

NONE = float("-inf")
_T = TypeVar("_T")


class SpecRuntimeError(Exception):
    """A spec did something undefined while running (index past the end, value out of range,
    `get(none)`, division by zero). `span` indexes the model's span table."""

    def __init__(self, span: int, message: str) -> None:
        super().__init__(message)
        self.span = span
        self.message = message
        self.where = None  # the Span itself, once someone with the span table looked it up


def fail(span: int, message: str) -> None:
    raise SpecRuntimeError(span, message)


# ---------------------------------------------------------------- fingerprints


def separated(v: object) -> object:
    """v with every negative int n replaced by the tuple (-n,), recursively.

    CPython hashes -1 and -2 alike (-1 is its error code), and so every tuple or frozenset
    that differs only by one of them. A state whose types admit negative integers is
    fingerprinted through this map, which keeps distinct states distinct: within one slot
    the type fixes whether a value is an int or a tuple, so the map is injective there.
    """
    if isinstance(v, int):
        return (-v,) if v < 0 and not isinstance(v, bool) else v
    if isinstance(v, tuple):
        return tuple(separated(x) for x in v)
    if isinstance(v, frozenset):
        return frozenset(separated(x) for x in v)
    if isinstance(v, float):
        return ()  # none: -inf hashes like the int -314159, which the map sends elsewhere
    return v


def separated_hash(state: tuple) -> int:
    return hash(separated(state))


def admits_negative(t: Type) -> bool:
    """Whether a value of type t can hold a negative integer anywhere inside it."""
    return some_part(t, lambda x: isinstance(x, IntT) and (
        min(x.values, default=0) < 0 if x.values is not None else x.lo is None or x.lo < 0))


# ---------------------------------------------------------------- ordering


def _order_key(v: object) -> tuple:
    """A total order over encoded values of mixed kinds (none before everything)."""
    if isinstance(v, float):
        return (0,)
    if isinstance(v, (bool, int)):
        return (1, v)
    if isinstance(v, tuple):
        return (2, tuple(_order_key(x) for x in v))
    if isinstance(v, frozenset):
        return (3, tuple(sorted(_order_key(x) for x in v)))
    raise TypeError(f"not an encoded value: {v!r}")


def ordered(values: Iterable) -> list:
    """The elements in ascending order: the order `for`, `choose` and traces use."""
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=_order_key)


# ---------------------------------------------------------------- maps (sorted pair tuples)


def map_build(pairs: Iterable[tuple]) -> tuple:
    """A map from (key, value) pairs; a later pair for the same key wins."""
    return tuple(sorted(dict(pairs).items(), key=lambda kv: _order_key(kv[0])))


def map_get(m: tuple, key: object, span: int) -> object:
    for k, v in m:
        if k == key:
            return v
    raise SpecRuntimeError(span, "the key is not in the map")


def map_has(m: tuple, key: object) -> bool:
    for k, _ in m:
        if k == key:
            return True
    return False


def map_set(m: tuple, key: object, value: object) -> tuple:
    for i, (k, _) in enumerate(m):
        if k == key:
            return m[:i] + ((key, value),) + m[i + 1:]
    return map_build(m + ((key, value),))


def map_keys(m: tuple) -> frozenset:
    return frozenset(k for k, _ in m)


def map_values(m: tuple) -> frozenset:
    return frozenset(v for _, v in m)


# ---------------------------------------------------------------- sequences and the rest


def seq_get(s: tuple, i: int, span: int) -> object:
    if 0 <= i < len(s):
        return s[i]
    raise SpecRuntimeError(span, f"index {i} is outside the sequence (length {len(s)})")


def seq_set(s: tuple, i: int, value: object, span: int) -> tuple:
    if 0 <= i < len(s):
        return s[:i] + (value,) + s[i + 1:]
    raise SpecRuntimeError(span, f"index {i} is outside the sequence (length {len(s)})")


def seq_slice(s: tuple, lo: int | None, hi: int | None) -> tuple:
    lo = 0 if lo is None else max(lo, 0)
    hi = len(s) if hi is None else max(hi, 0)
    return s[lo:hi]


def multiset_add(t: tuple, m: object) -> tuple:
    """A multiset (sorted tuple) with one more copy of m."""
    return tuple(ordered(t + (m,)))


def multiset_minus(a: list[_T], b: list[_T]) -> list[_T]:
    """The elements of `a` that `b` does not match one for one (a multiset difference),
    in `a`'s order."""
    rest = list(b)
    out = []
    for x in a:
        if x in rest:
            rest.remove(x)
        else:
            out.append(x)
    return out


def div(a: int, b: int, span: int) -> int:
    if b == 0:
        raise SpecRuntimeError(span, "division by zero")
    return a // b


def mod(a: int, b: int, span: int) -> int:
    if b == 0:
        raise SpecRuntimeError(span, "remainder of a division by zero")
    return a % b


def extreme(f, values, span: int, what: str) -> int:
    if not values:
        raise SpecRuntimeError(span, f"{what} of an empty collection")
    return f(values)


def unwrap(v: object, span: int) -> object:
    if v == NONE:
        raise SpecRuntimeError(span, "get() of none")
    return v


def client_of(handle: object, span: int) -> int:
    if handle == NONE:
        raise SpecRuntimeError(span, "the client of none")
    return handle[0]  # type: ignore[index]


def node_at(ids: tuple[int, ...], i: int, span: int, role: str) -> int:
    if 0 <= i < len(ids):
        return ids[i]
    raise SpecRuntimeError(span, f"{role}[{i}] does not exist ({role} has {len(ids)} nodes)")


# ---------------------------------------------------------------- fitting values into types


def fits(v: object, t: Type) -> bool:
    """Whether encoded value v is a value of the declared (finite) type t."""
    match t:
        case IntT():
            if isinstance(v, bool) or not isinstance(v, int):
                return False
            if t.values is not None:
                return v in t.values
            return (t.lo is None or v >= t.lo) and (t.hi is None or v <= t.hi)
        case OptionT(inner=inner):
            return v == NONE or fits(v, inner)
        case SetT(elem=elem):
            return all(fits(x, elem) for x in v)  # type: ignore[attr-defined]
        case SeqT(elem=elem, max_len=n):
            return (n is None or len(v) <= n) and all(fits(x, elem) for x in v)  # type: ignore[arg-type]
        case MapT(key=key, value=value):
            return all(fits(k, key) and fits(x, value) for k, x in v)  # type: ignore[attr-defined]
        case RecordT(fields=fields):
            return all(fits(x, ft) for x, (_, ft) in zip(v, fields))  # type: ignore[call-overload]
        case TupleT(elems=elems):
            return all(fits(x, et) for x, et in zip(v, elems))  # type: ignore[call-overload]
    return True


def within(src: Type, dst: Type) -> bool:
    """Whether every value of type `src` is statically known to fit `dst` (no check needed).

    Conservative: False means "check at run time", never "does not fit".
    """
    match src, dst:
        case IntT(), IntT():
            if dst.values is not None:
                return src.values is not None and set(src.values) <= set(dst.values)
            if not src.bounded:
                return dst.lo is None and dst.hi is None
            return (dst.lo is None or src.lo >= dst.lo) and (dst.hi is None or src.hi <= dst.hi)  # type: ignore[operator]
        case OptionT(inner=a), OptionT(inner=b):
            return within(a, b)
        case NoneT() | EmptyT(), _:
            return True  # `none`, `{}` and `[]` fit every option, set, map and sequence
        case _, OptionT(inner=b):
            return within(src, b)
        case SetT(elem=a), SetT(elem=b):
            return within(a, b)
        case SeqT(elem=a, max_len=n), SeqT(elem=b, max_len=m):
            return (m is None or (n is not None and n <= m)) and within(a, b)
        case MapT(key=ka, value=va), MapT(key=kb, value=vb):
            return within(ka, kb) and within(va, vb)
        case RecordT(fields=fa), RecordT(fields=fb):
            return all(within(x, y) for (_, x), (_, y) in zip(fa, fb))
        case TupleT(elems=ea), TupleT(elems=eb):
            return all(within(x, y) for x, y in zip(ea, eb))
    return src == dst or not _has_ints(dst)


def _has_ints(t: Type) -> bool:
    """Whether a value of type t holds an integer or a sequence (whose length is bounded)."""
    return some_part(t, lambda x: isinstance(x, (IntT, SeqT)))


def domain(t: Type, codec: "Codec") -> list:
    """Every encoded value of a finite type, in ascending order (the arguments clients try)."""
    match t:
        case BoolT():
            return [False, True]
        case IntT():
            return list(t.values if t.values is not None else range(t.lo, t.hi + 1))  # type: ignore[arg-type]
        case AtomT(members=members):
            return sorted(codec.atom_code[m] for m in members)
        case NodeT(roles=roles):
            return sorted(n.gid for n in codec.nodes if n.role in roles)
        case OptionT(inner=inner):
            return [NONE] + domain(inner, codec)
        case TupleT(elems=elems):
            return [tuple(p) for p in itertools.product(*(domain(e, codec) for e in elems))]
        case RecordT(fields=fields):
            return [tuple(p) for p in itertools.product(*(domain(f, codec) for _, f in fields))]
    raise ValueError(f"cannot enumerate the values of {type(t).__name__}")


@dataclass(frozen=True, order=True)
class Handle:
    """A client request as a handler holds it: the client and its request number."""

    client: int
    seq: int

    def __str__(self) -> str:
        return f"client[{self.client}]#{self.seq + 1}"


# ---------------------------------------------------------------- encoding and decoding


class Codec:
    """Converts between IR values (atoms as str, NodeId, ...) and encoded run-time values."""

    def __init__(self, program: ir.Program) -> None:
        self.atoms: tuple[str, ...] = tuple(program.atoms)
        self.atom_code = {a: i for i, a in enumerate(self.atoms)}
        self.nodes: tuple[ir.NodeId, ...] = program.nodes

    def encode(self, v: object) -> object:
        """An IR value (as found in `ir.Lit`) as a run-time value."""
        if v is None:
            return NONE
        if isinstance(v, (bool, int)):
            return v
        if isinstance(v, str):
            return self.atom_code[v]
        if isinstance(v, ir.NodeId):
            return v.gid
        if isinstance(v, ir.ClientId):
            return v.index
        if isinstance(v, frozenset):
            return frozenset(self.encode(x) for x in v)
        if isinstance(v, tuple):
            return tuple(self.encode(x) for x in v)
        if isinstance(v, ir.MapValue):
            return map_build((self.encode(k), self.encode(x)) for k, x in v.items)
        raise TypeError(f"cannot encode {v!r}")

    def decode(self, v: object, t: Type) -> object:
        """A run-time value of type t as an IR value."""
        match t:
            case AtomT():
                return self.atoms[v]  # type: ignore[index]
            case NodeT():
                return self.nodes[v]  # type: ignore[index]
            case ClientT():
                return ir.ClientId(v)  # type: ignore[arg-type]
            case HandleT():
                return Handle(*v)  # type: ignore[misc]
            case OptionT(inner=inner):
                return None if v == NONE else self.decode(v, inner)
            case SetT(elem=elem):
                return frozenset(self.decode(x, elem) for x in v)  # type: ignore[attr-defined]
            case SeqT(elem=elem):
                return tuple(self.decode(x, elem) for x in v)  # type: ignore[attr-defined]
            case MapT(key=key, value=value):
                return ir.MapValue(tuple((self.decode(k, key), self.decode(x, value)) for k, x in v))  # type: ignore[attr-defined]
            case RecordT(fields=fields):
                return tuple(self.decode(x, ft) for x, (_, ft) in zip(v, fields))  # type: ignore[call-overload]
            case TupleT(elems=elems):
                return tuple(self.decode(x, et) for x, et in zip(v, elems))  # type: ignore[call-overload]
            case BoolT():
                return bool(v)
        return v


def show(v: object, t: Type) -> str:
    """A decoded value as a spec author would write it: `{rm[0], rm[1]}`, `(term: 1, cmd: 0)`."""
    match t:
        case OptionT(inner=inner):
            return "none" if v is None else show(v, inner)
        case BoolT():
            return "true" if v else "false"
        case SetT(elem=elem):
            return "{" + ", ".join(show(x, elem) for x in sorted(v, key=_sort_decoded)) + "}"  # type: ignore[attr-defined]
        case SeqT(elem=elem):
            return "[" + ", ".join(show(x, elem) for x in v) + "]"  # type: ignore[attr-defined]
        case MapT(key=key, value=value):
            return "{" + ", ".join(f"{show(k, key)}: {show(x, value)}" for k, x in v.items) + "}"  # type: ignore[attr-defined]
        case RecordT(fields=fields):
            return "(" + ", ".join(f"{n}: {show(x, ft)}" for x, (n, ft) in zip(v, fields)) + ")"  # type: ignore[call-overload]
        case TupleT(elems=elems):
            return "(" + ", ".join(show(x, et) for x, et in zip(v, elems)) + ")"  # type: ignore[call-overload]
    return str(v)


def _sort_decoded(v: object) -> tuple:
    if v is None:
        return (0,)
    if isinstance(v, (bool, int)):
        return (1, v)
    if isinstance(v, str):
        return (2, v)
    if isinstance(v, (ir.NodeId, ir.ClientId, Handle)):
        return (3, (type(v).__name__, str(v)))
    if isinstance(v, tuple):
        return (4, tuple(_sort_decoded(x) for x in v))
    if isinstance(v, frozenset):
        return (5, tuple(sorted(_sort_decoded(x) for x in v)))
    if isinstance(v, ir.MapValue):
        return (6, tuple((_sort_decoded(k), _sort_decoded(x)) for k, x in v.items))
    return (7, str(v))


def to_json(v: object, t: Type) -> object:
    """A decoded value of type t as JSON data: atoms and node ids as strings, sets as sorted
    lists, records as objects, maps as lists of [key, value] pairs, none as null."""
    match t:
        case OptionT(inner=inner):
            return None if v is None else to_json(v, inner)
        case SetT(elem=elem):
            return [to_json(x, elem) for x in sorted(v, key=_sort_decoded)]  # type: ignore[attr-defined]
        case SeqT(elem=elem):
            return [to_json(x, elem) for x in v]  # type: ignore[attr-defined]
        case MapT(key=key, value=value):
            return [[to_json(k, key), to_json(x, value)] for k, x in v.items]  # type: ignore[attr-defined]
        case RecordT(fields=fields):
            return {n: to_json(x, ft) for x, (n, ft) in zip(v, fields)}  # type: ignore[call-overload]
        case TupleT(elems=elems):
            return [to_json(x, et) for x, et in zip(v, elems)]  # type: ignore[call-overload]
    if v is None or isinstance(v, (bool, int, str)):
        return v
    return str(v)


# ---------------------------------------------------------------- the environment


def reachable(cuts: frozenset, a: int, b: int) -> bool:
    """Whether a message from node a to node b can be delivered now: no active cut blocks
    the direction from a to b.

    A cut is (0, side) for a partition (side: the bit set of one side's gids), (1, x, y) for
    the link between x and y (x < y), cut in both directions, or (2, x, y) for the direction
    from x to y alone (a one-way cut). Symmetric unless a one-way cut is active.
    """
    for c in cuts:
        if c[0] == 0:
            if (c[1] >> a) & 1 != (c[1] >> b) & 1:
                return False
        elif (c[1] == a and c[2] == b) or (c[0] == 1 and c[1] == b and c[2] == a):
            return False
    return True


@functools.lru_cache(maxsize=4096)
def tick_choices(now: int, clocks: tuple[int, ...], drift: int, offset: int | None) -> tuple[tuple[int, ...], ...]:
    """Every way the clocks `clocks` may read once real time has reached `now`: each one
    advanced by 0, 1 or 2, within `drift` of `now` and, with an `offset`, all within
    `offset` of each other. In a fixed order (lexicographic); never empty when the clocks
    were within the bounds a tick before, since advancing all of them by 1 keeps them so.
    Pure (cached)."""
    options = [[c + d for d in (0, 1, 2) if abs(c + d - now) <= drift] for c in clocks]
    return tuple(cs for cs in itertools.product(*options)
                 if offset is None or not cs or max(cs) - min(cs) <= offset)
