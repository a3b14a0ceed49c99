"""Sequential specifications of the objects clients see: one interface for every checker.

A `SequentialSpec` is a deterministic object given by pure functions over hashable states:
`initial()` and `step(state, op, args) -> (result, next_state)`. The online monitor in the
explorer, the offline history checker and (later) the Z3 engine all use this interface and
nothing else about an object.

Values are opaque: a spec only compares them for equality and stores them. The explorer
passes encoded values (atoms as ints), the history checker the values a log holds; each
builds the spec with the values it uses for the register's initial value and for the `ok`
result of writes.

P-compositionality (Horn and Kroening 2015): a spec whose operations each touch one part
(a key of a map) says so with `split(op, args) -> (part, op, args)`, the operation on that
part's own object `part_spec`; a history is then linearizable exactly when each part's
sub-history is, which checkers use to divide the work.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Hashable


class UnknownOperation(ValueError):
    """An operation the object does not have (a checker reports it as bad input)."""


class SequentialSpec(ABC):
    """Base class: a deterministic sequential object. Subclasses are frozen dataclasses
    (or, for user-defined objects, compiled operations) and define `initial` and `step`."""

    name = "object"
    ops: tuple[str, ...] = ()
    partitioned = False  # True: every operation touches one part, named by `split`

    @abstractmethod
    def initial(self) -> Hashable:
        """The object's state before any operation."""

    @abstractmethod
    def step(self, state: Hashable, op: str, args: tuple) -> tuple[object, Hashable] | None:
        """The result of `op(*args)` in `state` and the state after it. Pure.

        None means the operation cannot take effect in this state (a user-defined operation
        whose `when` guard does not hold); the built-in objects never return None. Raises
        UnknownOperation for an operation the object does not have, and ValueError for
        arguments of the wrong number.
        """

    def split(self, op: str, args: tuple) -> tuple[Hashable, str, tuple] | None:
        """(part, op, args) on the part's own object, or None if the object has no parts."""
        return None

    @property
    def part_spec(self) -> "SequentialSpec":
        """The object one part is (meaningful only when `split` returns parts)."""
        return self

    def _arity(self, op: str, args: tuple, n: int) -> None:
        if len(args) != n:
            raise ValueError(f"{self.name}.{op} takes {n} argument{'s' if n != 1 else ''}, got {len(args)}")

    def _unknown(self, op: str) -> UnknownOperation:
        return UnknownOperation(f"{self.name} has no operation '{op}' (it has {', '.join(self.ops)})")


# Typed as any number of names, so that the subclasses (checker/props/operations.py) may
# have other operations; a field annotation would make `ops` a dataclass field.
_REGISTER_OPS: tuple[str, ...] = ("read", "write", "cas", "delete")
_KEY_VALUE_OPS: tuple[str, ...] = ("get", "put", "cas", "delete")


@dataclass(frozen=True)
class Register(SequentialSpec):
    """read() -> value; write(v) -> ok; cas(expected, new) -> bool; delete() -> ok, after
    which a read returns `absent` (none: the checker's encoding of it) until the next write."""

    init: Hashable = 0
    ok: Hashable = "ok"
    absent: Hashable = None
    name = "register"
    ops = _REGISTER_OPS

    def initial(self) -> Hashable:
        return self.init

    def step(self, state, op, args):
        if op == "read":
            self._arity(op, args, 0)
            return state, state
        if op == "write":
            self._arity(op, args, 1)
            return self.ok, args[0]
        if op == "cas":
            self._arity(op, args, 2)
            return (True, args[1]) if state == args[0] else (False, state)
        if op == "delete":
            self._arity(op, args, 0)
            return self.ok, self.absent
        raise self._unknown(op)


@dataclass(frozen=True)
class KeyValue(SequentialSpec):
    """A register per key: get(k) -> value; put(k, v) -> ok; cas(k, expected, new) -> bool;
    delete(k) -> ok, after which get(k) returns `absent` until the next put.

    State: a sorted tuple of (key, value) pairs for the keys written (others hold `init`).
    """

    init: Hashable = 0
    ok: Hashable = "ok"
    absent: Hashable = None
    name = "kv"
    ops = _KEY_VALUE_OPS
    partitioned = True

    def initial(self) -> Hashable:
        return ()

    def step(self, state, op, args):
        part = self.split(op, args)
        if part is None:
            raise self._unknown(op)
        key, sub_op, sub_args = part
        current = dict(state)
        result, value = self.part_spec.step(current.get(key, self.init), sub_op, sub_args)
        if value != current.get(key, self.init):
            current[key] = value
            state = tuple(sorted(current.items(), key=lambda kv: repr(kv[0])))
        return result, state

    _SUB = {"get": ("read", 1), "put": ("write", 2), "cas": ("cas", 3), "delete": ("delete", 1)}

    def split(self, op, args):
        if op not in self._SUB:
            raise self._unknown(op)
        sub, n = self._SUB[op]
        self._arity(op, args, n)
        return args[0], sub, tuple(args[1:])

    @property
    def part_spec(self) -> SequentialSpec:
        return Register(self.init, self.ok, self.absent)


@dataclass(frozen=True)
class Counter(SequentialSpec):
    """incr() -> ok; read() -> the number of increments."""

    ok: Hashable = "ok"
    name = "counter"
    ops = ("incr", "read")

    def initial(self) -> Hashable:
        return 0

    def step(self, state, op, args):
        if op == "incr":
            self._arity(op, args, 0)
            return self.ok, state + 1
        if op == "read":
            self._arity(op, args, 0)
            return state, state
        raise self._unknown(op)


@dataclass(frozen=True)
class Set(SequentialSpec):
    """add(v) -> ok; remove(v) -> ok; contains(v) -> bool; read() -> frozenset."""

    ok: Hashable = "ok"
    name = "set"
    ops = ("add", "remove", "contains", "read")

    def initial(self) -> Hashable:
        return frozenset()

    def step(self, state, op, args):
        if op in ("add", "remove", "contains"):
            self._arity(op, args, 1)
            if op == "contains":
                return args[0] in state, state
            changed = state | {args[0]} if op == "add" else state - {args[0]}
            return self.ok, changed
        if op == "read":
            self._arity(op, args, 0)
            return state, state
        raise self._unknown(op)


@dataclass(frozen=True)
class Log(SequentialSpec):
    """append(v) -> ok; read() -> the tuple of values appended, oldest first."""

    ok: Hashable = "ok"
    name = "log"
    ops = ("append", "read")

    def initial(self) -> Hashable:
        return ()

    def step(self, state, op, args):
        if op == "append":
            self._arity(op, args, 1)
            return self.ok, state + (args[0],)
        if op == "read":
            self._arity(op, args, 0)
            return state, state
        raise self._unknown(op)


BUILTIN = {"register": Register, "kv": KeyValue, "counter": Counter, "set": Set, "log": Log}
