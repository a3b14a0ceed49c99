"""The objects a recorded history can be checked against, and how their operations look
in a history.

A history names operations as Jepsen does (`:f :write` with `:value 3`); each model says,
for every operation name it has, its shape:

- READ: no argument; the response's value is the result (`read`, `get`);
- WRITE: the invocation's value is the argument and the result is `ok` (`write`, `put`,
  `append`); a response that repeats the value must repeat it exactly;
- CAS: the invocation's value is `[expected new]`; the result is true for an `ok` response
  and false for a failed compare (only in Porcupine's etcd logs, see events.operations);
- DELETE: no argument, the result is `ok`; a later read returns nil (JSON null) until the
  next write (`delete` on a register or a kv key).

A keyed model (kv) takes the key from the event's `key` field and passes it as the first
argument; its values are strings, as in Porcupine's kv logs. A collection model (set,
log) reads its whole content: a read's value is a vector, list or set (a JSON array),
taken as a frozenset (set) or a tuple in order (log).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable

from checker.props.operations import OK, AppendKeyValue, CasRegister, ReadWriteRegister
from checker.props.objects import Log, SequentialSpec, Set

READ, WRITE, CAS, DELETE = "read", "write", "cas", "delete"


@dataclass(frozen=True)
class HistoryModel:
    """A model for `--model NAME`: its operations (name in the history -> shape), whether
    operations carry a key, whether values must be strings, the initial value when the
    history does not give one, how to make the SequentialSpec it checks against, and for
    a collection the type its reads return (frozenset or tuple), else None."""

    name: str
    ops: dict[str, str]
    keyed: bool
    strings: bool
    initial: Hashable
    make: Callable[[Hashable], SequentialSpec]
    collection: type | None = None

    def spec(self, initial: Hashable | None = None) -> SequentialSpec:
        """The object, starting from `initial` (or the model's own initial value)."""
        return self.make(self.initial if initial is None else initial)


MODELS: dict[str, HistoryModel] = {
    "register": HistoryModel(
        "register", {"read": READ, "write": WRITE, "delete": DELETE}, False, False, None,
        lambda init: ReadWriteRegister(init, OK)),
    "cas-register": HistoryModel(
        "cas-register", {"read": READ, "write": WRITE, "cas": CAS, "delete": DELETE}, False, False, None,
        lambda init: CasRegister(init, OK)),
    "kv": HistoryModel(
        "kv", {"get": READ, "put": WRITE, "append": WRITE, "cas": CAS, "delete": DELETE}, True, True, "",
        lambda init: AppendKeyValue(init, OK)),
    "set": HistoryModel(
        "set", {"add": WRITE, "remove": WRITE, "read": READ}, False, False, frozenset(),
        lambda init: _starting(Set(OK), init), frozenset),
    "log": HistoryModel(
        "log", {"append": WRITE, "read": READ}, False, False, (),
        lambda init: _starting(Log(OK), init), tuple),
}


@dataclass(frozen=True)
class _Started(SequentialSpec):
    """A spec that starts from a given state instead of its own initial one."""

    spec: SequentialSpec
    state: Hashable

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.spec.name

    @property
    def ops(self) -> tuple[str, ...]:  # type: ignore[override]
        return self.spec.ops

    def initial(self) -> Hashable:
        return self.state

    def step(self, state, op, args):
        return self.spec.step(state, op, args)


def _starting(spec: SequentialSpec, state: Hashable) -> SequentialSpec:
    return spec if state == spec.initial() else _Started(spec, state)


def infer_model(names: set[str], keyed: bool) -> HistoryModel | None:
    """The simplest model that has every operation in `names` (and keys when `keyed`), or None."""
    for model in MODELS.values():
        if model.keyed == keyed and names <= model.ops.keys():
            return model
    return None
