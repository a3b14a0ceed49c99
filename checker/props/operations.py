"""Recorded histories as data: the special results `OK` (a completion without a value) and
`UNKNOWN` (a response not observed), one `Operation` of a history, the verdicts the offline
checker (linearizability.py) returns (`PartResult`, `LinearizabilityResult`), and the
objects only recorded histories use (registers without or with cas and append, Porcupine's
key-value store). Pure data and pure functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable

from checker.diagnostics import Span
from checker.props.objects import KeyValue, Register, SequentialSpec
from checker.result import Verdict


class _Marker:
    """A result that is no value: one object per name, kept as that object through pickling
    (so `result is UNKNOWN` holds in every process)."""

    def __init__(self, text: str) -> None:
        self._text = text

    def __repr__(self) -> str:
        return self._text

    def __reduce__(self) -> tuple:
        return (_marker, (self._text,))


def _marker(text: str) -> _Marker:
    return _MARKERS[text]


UNKNOWN = _Marker("UNKNOWN")
"""The result of an operation whose response was not observed."""
OK = _Marker("ok")
"""The result of an operation that returns nothing but its completion (write, put)."""
_MARKERS = {"UNKNOWN": UNKNOWN, "ok": OK}


# ---------------------------------------------------------------- histories


@dataclass(frozen=True)
class Operation:
    """One operation of a history.

    `call` and `ret` are the positions of its invocation and response among the history's
    events (any increasing numbering: line numbers, event indices, timestamps); `ret` is
    None for an indeterminate operation, which may take effect at any point after its call
    or never. `result` is what the response said, or UNKNOWN (any result is accepted).
    Intervals are closed: an operation that returns at the same position another is called
    is concurrent with it. `call_at` and `ret_at` say where the events are in the file.
    """

    process: Hashable
    op: str
    args: tuple
    result: object
    call: int
    ret: int | None
    call_at: Span | None = field(default=None, compare=False, repr=False)
    ret_at: Span | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.ret is not None and self.ret < self.call:
            raise ValueError(f"operation returns ({self.ret}) before it is called ({self.call})")

    @property
    def indeterminate(self) -> bool:
        return self.ret is None


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class PartResult:
    """The verdict on one part of a history (the whole history for an object without parts).

    - `part`: the part (a key), or None when the object has no parts;
    - `operations`: indices into the checked history of this part's operations;
    - `prefix`: for HOLDS, a linearization of the operations that were linearized (every
      operation with a response and some indeterminate ones); otherwise the longest
      linearizable prefix the search found, in linearization order;
    - `states`: the part's object state after each operation of `prefix`;
    - `stuck`: for VIOLATED, the operation (an index) whose response could not be placed
      after that prefix; None otherwise;
    - `configurations`: distinct (linearized set, state) configurations the search reached;
    - `reason`: for UNKNOWN, why the search stopped: 'timeout', 'memory', or 'stopped'
      (another part was found violated, so this one no longer mattered).
    """

    part: Hashable | None
    verdict: Verdict
    operations: tuple[int, ...]
    prefix: tuple[int, ...] = ()
    states: tuple = ()
    stuck: int | None = None
    configurations: int = 0
    reason: str | None = None


@dataclass(frozen=True)
class LinearizabilityResult:
    """The verdict on a history and on each of its parts, in order of their first call.

    `verdict` is the least of the parts' (VIOLATED < UNKNOWN < HOLDS); `reason` says why an
    UNKNOWN check stopped ('timeout' or 'memory'), and is None otherwise.
    """

    verdict: Verdict
    parts: tuple[PartResult, ...]
    reason: str | None = None

    @property
    def violated(self) -> tuple[PartResult, ...]:
        return tuple(p for p in self.parts if p.verdict is Verdict.VIOLATED)


# ---------------------------------------------------------------- the models histories use


@dataclass(frozen=True)
class ReadWriteRegister(Register):
    """A register without cas: read() -> value; write(v) -> ok; delete() -> ok."""

    ok: Hashable = OK
    name = "register"
    ops = ("read", "write", "delete")

    def step(self, state, op, args):
        if op == "cas":
            raise self._unknown(op)
        return super().step(state, op, args)


@dataclass(frozen=True)
class CasRegister(Register):
    """read() -> value; write(v) -> ok; cas(expected, new) -> bool (Jepsen's cas-register)."""

    ok: Hashable = OK
    name = "cas-register"


@dataclass(frozen=True)
class AppendRegister(Register):
    """A string register: read, write, cas, delete, and append(s) -> ok, which concatenates
    (to the empty string after a delete)."""

    ok: Hashable = OK
    name = "string register"
    ops = ("read", "write", "cas", "delete", "append")

    def step(self, state, op, args):
        if op == "append":
            self._arity(op, args, 1)
            return self.ok, ("" if state is None else state) + args[0]
        return super().step(state, op, args)


@dataclass(frozen=True)
class AppendKeyValue(KeyValue):
    """Porcupine's key-value store: every key starts as `init` (''); get(k) -> value;
    put(k, v) -> ok; append(k, s) -> ok (concatenates); cas(k, expected, new) -> bool;
    delete(k) -> ok, after which get(k) returns None (nil, null) until the next put."""

    init: Hashable = ""
    ok: Hashable = OK
    name = "kv"
    ops = ("get", "put", "append", "cas", "delete")
    _SUB = {"get": ("read", 1), "put": ("write", 2), "append": ("append", 2), "cas": ("cas", 3),
            "delete": ("delete", 1)}

    @property
    def part_spec(self) -> SequentialSpec:
        return AppendRegister(self.init, self.ok, self.absent)
