"""The types of the IR: finite domains for every variable, field and parameter.

Every declared type is finite: integer ranges have bounds, sequences a maximum length, sets
and maps draw from finite element types. Expressions may have the unbounded `INT` type
(an arithmetic result); storing it into a bounded variable is checked when the engine runs.
All types are immutable values; `describe` gives the spelling used in error messages.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Type:
    """Base of all types."""


@dataclass(frozen=True)
class BoolT(Type):
    pass


@dataclass(frozen=True)
class IntT(Type):
    """Integers. Declared types have both bounds; `values` (sorted) restricts to a finite set.

    lo = hi = None is the unbounded integer type of arithmetic results.
    """

    lo: int | None = None
    hi: int | None = None
    values: tuple[int, ...] | None = None

    @property
    def bounded(self) -> bool:
        return self.lo is not None and self.hi is not None


@dataclass(frozen=True)
class AtomT(Type):
    """An enumeration: a finite set of atoms (bare names such as `primary`, `ok`)."""

    members: tuple[str, ...]


@dataclass(frozen=True)
class NodeT(Type):
    """Node ids of the given roles (in declaration order)."""

    roles: tuple[str, ...]


@dataclass(frozen=True)
class ClientT(Type):
    pass


@dataclass(frozen=True)
class HandleT(Type):
    """A pending client request; at most one per client, so its domain is the clients."""


@dataclass(frozen=True)
class NoneT(Type):
    """The type of the literal `none` before it meets an option type."""


@dataclass(frozen=True)
class OptionT(Type):
    inner: Type


@dataclass(frozen=True)
class SetT(Type):
    elem: Type


@dataclass(frozen=True)
class MapT(Type):
    """A partial map whose keys come from `key`."""

    key: Type
    value: Type


@dataclass(frozen=True)
class SeqT(Type):
    """A sequence of at most `max_len` elements (None: an expression's unbounded length)."""

    elem: Type
    max_len: int | None = None


@dataclass(frozen=True)
class EmptyT(Type):
    """The type of `{}` or `[]` before context says what it holds (`kind` 'braces' or 'seq')."""

    kind: str


@dataclass(frozen=True)
class RecordT(Type):
    """A record; `fields` are sorted by name, so field order in the spec does not matter."""

    fields: tuple[tuple[str, Type], ...]

    def __post_init__(self) -> None:
        names = [n for n, _ in self.fields]
        if names != sorted(names) or len(set(names)) != len(names):
            raise ValueError("record fields must be unique and sorted by name")

    def field(self, name: str) -> Type | None:
        for fname, ftype in self.fields:
            if fname == name:
                return ftype
        return None


@dataclass(frozen=True)
class TupleT(Type):
    elems: tuple[Type, ...]


@dataclass(frozen=True)
class AnyT(Type):
    """The type of an expression that already produced an error: compatible with everything,
    so one mistake is reported once. Never present in a Program that checked cleanly."""


BOOL = BoolT()
ANY = AnyT()
INT = IntT()
RESPONSE_OK = "ok"


# ---------------------------------------------------------------- describing


def describe(t: Type) -> str:
    """The type as a spec author would write it."""
    match t:
        case BoolT():
            return "bool"
        case IntT(lo=None) | IntT(hi=None):
            return "int"
        case IntT(values=None, lo=lo, hi=hi) if lo == hi:
            return "int"
        case IntT(values=None, lo=lo, hi=hi):
            return f"{lo}..{hi}"
        case IntT(values=values):
            return "{" + ", ".join(map(str, values)) + "}"
        case AtomT(members=members):
            return "{" + ", ".join(members) + "}"
        case NodeT(roles=roles):
            return " or ".join(roles) if roles else "node"
        case ClientT():
            return "client"
        case HandleT():
            return "handle"
        case NoneT():
            return "none"
        case OptionT(inner=inner):
            return f"option {describe(inner)}"
        case SetT(elem=elem):
            return f"set[{describe(elem)}]"
        case MapT(key=key, value=value):
            return f"map[{describe(key)}, {describe(value)}]"
        case SeqT(elem=elem, max_len=None):
            return f"seq[{describe(elem)}]"
        case SeqT(elem=elem, max_len=n):
            return f"seq[{describe(elem)}, {n}]"
        case EmptyT(kind="seq"):
            return "[]"
        case EmptyT():
            return "{}"
        case RecordT(fields=fields):
            return "(" + ", ".join(f"{n}: {describe(f)}" for n, f in fields) + ")"
        case AnyT():
            return "unknown"
        case TupleT(elems=elems):
            return "(" + ", ".join(describe(e) for e in elems) + ")"
    return type(t).__name__


# ---------------------------------------------------------------- relations


def is_int(t: Type) -> bool:
    return isinstance(t, IntT)


def int_values(t: IntT) -> tuple[int, ...]:
    """The members of a bounded integer type, ascending."""
    if t.values is not None:
        return t.values
    assert t.lo is not None and t.hi is not None
    return tuple(range(t.lo, t.hi + 1))


def assignable(src: Type, dst: Type) -> bool:
    """Whether a value of type `src` may be stored where `dst` is expected.

    Integers are always assignable to integer types: the range is checked at run time.
    Atoms, node ids and finite integer sets must be subsets of the target's members.
    """
    if src == dst or isinstance(src, AnyT) or isinstance(dst, AnyT):
        return True
    match src, dst:
        case IntT(), IntT():
            return True
        case AtomT(members=a), AtomT(members=b):
            return set(a) <= set(b)
        case NodeT(roles=a), NodeT(roles=b):
            return set(a) <= set(b)
        case NoneT(), OptionT():
            return True
        case OptionT(inner=a), OptionT(inner=b):
            return assignable(a, b)
        case _, OptionT(inner=inner):
            return assignable(src, inner)
        case EmptyT(kind="braces"), SetT() | MapT():
            return True
        case EmptyT(kind="seq"), SeqT():
            return True
        case SetT(elem=a), SetT(elem=b):
            return assignable(a, b)
        case MapT(key=ka, value=va), MapT(key=kb, value=vb):
            return assignable(ka, kb) and assignable(va, vb)
        case SeqT(elem=a), SeqT(elem=b):
            return assignable(a, b)
        case RecordT(fields=fa), RecordT(fields=fb):
            return [n for n, _ in fa] == [n for n, _ in fb] and all(
                assignable(x, y) for (_, x), (_, y) in zip(fa, fb))
        case TupleT(elems=ea), TupleT(elems=eb):
            return len(ea) == len(eb) and all(assignable(x, y) for x, y in zip(ea, eb))
    return False


def join(a: Type, b: Type) -> Type | None:
    """The least type holding both, or None when the two cannot be mixed."""
    if a == b:
        return a
    if isinstance(a, AnyT) or isinstance(b, AnyT):
        return ANY
    match a, b:
        case IntT(), IntT():
            return INT
        case AtomT(members=x), AtomT(members=y):
            return AtomT(tuple(dict.fromkeys(x + y)))
        case NodeT(roles=x), NodeT(roles=y):
            return NodeT(tuple(dict.fromkeys(x + y)))
        case NoneT(), OptionT():
            return b
        case OptionT(), NoneT():
            return a
        case NoneT(), _:
            return OptionT(b)
        case _, NoneT():
            return OptionT(a)
        case OptionT(inner=x), OptionT(inner=y):
            inner = join(x, y)
            return OptionT(inner) if inner else None
        case OptionT(inner=x), _:
            inner = join(x, b)
            return OptionT(inner) if inner else None
        case _, OptionT(inner=y):
            inner = join(a, y)
            return OptionT(inner) if inner else None
        case EmptyT(kind="braces"), SetT() | MapT():
            return b
        case SetT() | MapT(), EmptyT(kind="braces"):
            return a
        case EmptyT(kind="seq"), SeqT():
            return b
        case SeqT(), EmptyT(kind="seq"):
            return a
        case SetT(elem=x), SetT(elem=y):
            elem = join(x, y)
            return SetT(elem) if elem else None
        case SeqT(elem=x), SeqT(elem=y):
            elem = join(x, y)
            return SeqT(elem) if elem else None
        case MapT(key=kx, value=vx), MapT(key=ky, value=vy):
            key, value = join(kx, ky), join(vx, vy)
            return MapT(key, value) if key and value else None
        case TupleT(elems=x), TupleT(elems=y) if len(x) == len(y):
            elems = [join(p, q) for p, q in zip(x, y)]
            return TupleT(tuple(elems)) if all(elems) else None  # type: ignore[arg-type]
        case RecordT(fields=x), RecordT(fields=y) if [n for n, _ in x] == [n for n, _ in y]:
            fields = [(n, join(p, q)) for (n, p), (_, q) in zip(x, y)]
            return RecordT(tuple(fields)) if all(f for _, f in fields) else None  # type: ignore[arg-type]
    return None


def comparable(a: Type, b: Type) -> bool:
    """Whether `==` between the two types can ever be true (so is worth writing)."""
    match a, b:
        case AtomT(members=x), AtomT(members=y):
            return bool(set(x) & set(y))
        case NodeT(roles=x), NodeT(roles=y):
            return bool(set(x) & set(y))
    return join(a, b) is not None


def is_finite(t: Type, ints: bool = False) -> bool:
    """Whether every value of the type comes from a finite, enumerable domain; with `ints`,
    unbounded integers count as finite too (the values of an object declared `values =
    int`, which the SMT engine encodes as Z3 integers)."""
    match t:
        case IntT():
            return t.bounded or ints
        case SeqT(elem=elem, max_len=n):
            return n is not None and is_finite(elem, ints)
        case OptionT(inner=inner) | SetT(elem=inner):
            return is_finite(inner, ints)
        case MapT(key=key, value=value):
            return is_finite(key, ints) and is_finite(value, ints)
        case RecordT(fields=fields):
            return all(is_finite(f, ints) for _, f in fields)
        case TupleT(elems=elems):
            return all(is_finite(e, ints) for e in elems)
        case EmptyT() | NoneT():
            return False
    return True


def element_type(t: Type) -> Type | None:
    """What iterating over a value of type t yields (sets, sequences, map keys), or None."""
    match t:
        case SetT(elem=elem) | SeqT(elem=elem):
            return elem
        case MapT(key=key):
            return key
    return None


def some_part(t: Type, test) -> bool:
    """Whether `test` holds for t or for a type nested in it (elements, keys, fields)."""
    if test(t):
        return True
    match t:
        case OptionT(inner=x) | SetT(elem=x) | SeqT(elem=x):
            return some_part(x, test)
        case MapT(key=k, value=v):
            return some_part(k, test) or some_part(v, test)
        case RecordT(fields=fields):
            return any(some_part(f, test) for _, f in fields)
        case TupleT(elems=elems):
            return any(some_part(e, test) for e in elems)
    return False
