"""The built-in objects clients can see, as operation signatures.

Each builder takes the folded keyword arguments of `object KIND(...)` and returns the
operations and the named types (`Value`, `Key`) the object adds to the spec. The sequential
meaning of each operation is documented in docs/language.md and implemented by the engines.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.semantics import ir
from checker.semantics.types import BOOL, AtomT, IntT, OptionT, SeqT, SetT, Type

OK = AtomT(("ok",))


@dataclass(frozen=True)
class ObjectKind:
    """A built-in object: its keyword parameters (required ones have no default)."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]


KINDS = {
    "register": ObjectKind("register", ("values",), ("initial",)),
    "kv": ObjectKind("kv", ("keys", "values"), ("initial",)),
    "counter": ObjectKind("counter", ("max",), ()),
    "set": ObjectKind("set", ("values",), ()),
    "log": ObjectKind("log", ("values", "max"), ()),
}


def value_type(values: frozenset | IntT, initial: object = None) -> Type:
    """The type of the object's values (plus the initial value): integers or atoms, or
    every integer for `values = int` (the type INT given as `values`)."""
    if isinstance(values, IntT):
        return values
    members = set(values) | ({initial} if initial is not None else set())
    if all(isinstance(v, str) for v in members):
        return AtomT(tuple(sorted(members)))
    ints = sorted(members)  # type: ignore[type-var]
    return IntT(ints[0], ints[-1], tuple(ints))


def _op(name: str, params: tuple[tuple[str, Type], ...], result: Type, writes: bool) -> ir.Operation:
    return ir.Operation(name, params, result, writes)


def operations(kind: str, args: dict[str, object], deletes: bool = False) -> tuple[tuple[ir.Operation, ...],
                                                                                 dict[str, Type]]:
    """Operations of a built-in object and the type names it defines. With `deletes` (a node
    handles `delete`), a register and a kv also have `delete`, and their reads return
    `option Value`: none for a deleted register or key."""
    if kind == "counter":
        top = args["max"]
        assert isinstance(top, int)
        value = IntT(0, top)
        return (_op("incr", (), OK, True), _op("read", (), value, False)), {"Value": value}
    values = args["values"]
    assert isinstance(values, (frozenset, IntT))
    written = value_type(values)
    if kind == "register":
        value = value_type(values, args.get("initial"))
        read = OptionT(value) if deletes else value
        ops = (
            _op("read", (), read, False),
            _op("write", (("v", written),), OK, True),
            _op("cas", (("expected", read), ("new", written)), BOOL, True),
        ) + ((_op("delete", (), OK, True),) if deletes else ())
        return ops, {"Value": value}
    if kind == "kv":
        value = value_type(values, args.get("initial"))
        keys = args["keys"]
        assert isinstance(keys, frozenset)
        key = value_type(keys)
        read = OptionT(value) if deletes else value
        ops = (
            _op("get", (("k", key),), read, False),
            _op("put", (("k", key), ("v", written)), OK, True),
            _op("cas", (("k", key), ("expected", read), ("new", written)), BOOL, True),
        ) + ((_op("delete", (("k", key),), OK, True),) if deletes else ())
        return ops, {"Value": value, "Key": key}
    if kind == "set":
        ops = (
            _op("add", (("v", written),), OK, True),
            _op("remove", (("v", written),), OK, True),
            _op("contains", (("v", written),), BOOL, False),
            _op("read", (), SetT(written), False),
        )
        return ops, {"Value": written}
    if kind == "log":
        top = args["max"]
        assert isinstance(top, int)
        ops = (
            _op("append", (("v", written),), OK, True),
            _op("read", (), SeqT(written, top), False),
        )
        return ops, {"Value": written}
    raise ValueError(f"unknown object kind {kind!r}")
