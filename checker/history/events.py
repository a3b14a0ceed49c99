"""From the events a reader finds in a file to the operations the checker takes.

Every reader turns its format into a list of `Event`s (an invocation or a response, with
where each field is in the file); `operations` pairs them per process and applies a
model, following Jepsen's conventions (which Knossos and Porcupine share):

- a process has at most one operation outstanding: it invokes, then gets exactly one
  response, `ok` (the operation happened, with that result), `fail` (it did not happen: the
  pair is dropped) or `info` (indeterminate: it may have happened, at any time after its
  invocation, or not);
- after an `info` response Jepsen retires the process and its client goes on under a new
  process id, so a retired process never invokes again;
- an invocation still open at the end of the file is indeterminate.

Anything else is refused with a located error (SpecError): a response without an
invocation, a second invocation on a busy process, a response for a different operation
than the one invoked, an operation the model does not have, a malformed value. Nothing is
guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable, NoReturn, Protocol, Sequence

from checker.diagnostics import Diagnostic, Note, Source, did_you_mean
from checker.errors import SpecError
from checker.history.located import Locator
from checker.history.models import CAS, DELETE, READ, HistoryModel
from checker.props.operations import OK, UNKNOWN, Operation
from checker.resources import UNBOUNDED, Budget

TYPES = ("invoke", "ok", "fail", "info")
NO_KEY = object()


class FieldSpans(Protocol):
    """Where an event's fields are: a dict from field name to (start, end), or any object
    with a dict's `get`."""

    def get(self, name: str, default: tuple[int, int], /) -> tuple[int, int]: ...


@dataclass(slots=True)
class Event:
    """One invocation or response as read (not modified after): `type` is one of TYPES,
    `value` is None when the event has none (nil, null), `key` is NO_KEY when it has none.
    `at` is the (start, end) offsets of the whole event and `where` those of each field it
    has ('process', 'type', 'f', 'value', 'key'): a dict, or an object with a dict's `get`
    that finds them when asked (only error messages ask). Not frozen: a history has one
    per line, and a frozen dataclass costs four times as much to make."""

    process: Hashable
    type: str
    f: str
    value: object
    key: object
    at: tuple[int, int]
    where: FieldSpans = field(compare=False)

    def field_at(self, name: str) -> tuple[int, int]:
        return self.where.get(name, self.at)


class Reading:
    """One file being read: its name and text, how it writes field names (`:key` in EDN,
    `"key"` in JSON) and values, and located errors about it; `budget` (the command's,
    checker/resources.py) bounds the reading: the readers `poll` it as they go."""

    def __init__(self, path: str, text: str, notation: str, budget: Budget = UNBOUNDED) -> None:
        self.path = path
        self.text = text
        self.notation = notation
        self.budget = budget
        self.locator = Locator(text)

    def poll(self, count: int) -> None:
        """For the `count`th item read: raise Stopped when the budget has run out (looked at
        every so often, see Budget.every)."""
        self.budget.every(count)

    def name(self, field_name: str) -> str:
        return f":{field_name}" if self.notation == "edn" else f'"{field_name}"'

    def show(self, value: object) -> str:
        from checker.history.notation import show

        return show(value, self.notation)

    def fail(self, message: str, at: tuple[int, int], notes: Sequence[tuple[str, tuple[int, int]]] = ()) -> NoReturn:
        """Raise a SpecError pointing at the characters `at` of the file, with notes."""
        diagnostic = Diagnostic(message, self.locator.span(*at),
                                tuple(Note(text, self.locator.span(*where)) for text, where in notes))
        raise SpecError([diagnostic], Source(self.path, self.text))


@dataclass(slots=True)
class _Open:
    """An invocation waiting for its response."""

    event: Event
    position: int


def operations(events: Sequence[Event], model: HistoryModel, reading: Reading,
               failed_cas_is_false: bool = False) -> list[Operation]:
    """The operations of a history, ordered by invocation. Raises SpecError (see the module doc).

    With `failed_cas_is_false` (Porcupine's etcd logs), a `fail` response to a cas is a
    compare that failed: the operation happened and returned false.
    """
    ops: list[tuple[int, Operation]] = []
    busy: dict[Hashable, _Open] = {}
    retired: dict[Hashable, Event] = {}
    names, keyed, poll = model.ops, model.keyed, reading.budget.every
    for position, event in enumerate(events):
        if not position & 0x3F:
            poll(position)
        if event.f not in names or (event.key is NO_KEY) == keyed:
            _check_name(event, model, reading)
        who = (type(event.process), event.process)
        if event.type == "invoke":
            if who in busy or who in retired:
                _check_free(event, busy.get(who), retired.get(who), reading)
            busy[who] = _Open(event, position)
            continue
        opened = busy.pop(who, None)
        if opened is None:
            _no_invocation(event, retired.get(who), reading)
        if event.f != opened.event.f or event.key != opened.event.key:
            _check_same_operation(opened.event, event, reading)
        if event.type == "info":
            retired[who] = event
        outcome = event.type if event.type != "fail" else _failed(event, model, failed_cas_is_false)
        if outcome is not None:
            ops.append((opened.position, _operation(opened, event, position, outcome, model, reading)))
    for opened in busy.values():
        ops.append((opened.position, _operation(opened, None, None, "info", model, reading)))
    ops.sort(key=lambda pair: pair[0])
    return [o for _, o in ops]


def _check_name(event: Event, model: HistoryModel, reading: Reading) -> None:
    if event.f not in model.ops:
        hint = did_you_mean(event.f, model.ops)
        reading.fail(f"unknown operation '{event.f}' for the {model.name} model (it has "
                     f"{', '.join(model.ops)}){hint}", event.field_at("f"))
    has_key = event.key is not NO_KEY
    if model.keyed and not has_key:
        reading.fail(f"this operation has no {reading.name('key')}, which the {model.name} model needs",
                     event.at)
    if has_key and not model.keyed:
        reading.fail(f"the {model.name} model has no keys, but this operation has a {reading.name('key')} "
                     "(for a key-value store use --model kv)", event.field_at("key"))


def _process(event: Event, reading: Reading) -> str:
    return f"process {reading.show(event.process)}"


def _line(event: Event, reading: Reading) -> int:
    return reading.locator.position(event.at[0])[0]


def _check_free(event: Event, opened: _Open | None, retired: Event | None, reading: Reading) -> None:
    if opened is not None:
        reading.fail(f"{_process(event, reading)} invokes '{event.f}' while its '{opened.event.f}' "
                     f"(line {_line(opened.event, reading)}) is still outstanding: a process has one "
                     "operation at a time", event.field_at("process"),
                     [("the outstanding invocation", opened.event.at)])
    if retired is not None:
        reading.fail(f"{_process(event, reading)} invokes again after an indeterminate response "
                     f"(line {_line(retired, reading)}): Jepsen gives the client a new process id after "
                     "'info'", event.field_at("process"), [("the 'info' response", retired.at)])


def _no_invocation(event: Event, retired: Event | None, reading: Reading) -> NoReturn:
    notes = [("its last operation ended here", retired.at)] if retired is not None else []
    reading.fail(f"a response without an invocation: {_process(event, reading)} has no operation outstanding",
                 event.at, notes)


def _check_same_operation(invoked: Event, response: Event, reading: Reading) -> None:
    if response.f != invoked.f:
        reading.fail(f"this response is for '{response.f}', but {_process(response, reading)} invoked "
                     f"'{invoked.f}' (line {_line(invoked, reading)})", response.field_at("f"),
                     [("the invocation", invoked.at)])
    if response.key is not NO_KEY and invoked.key is not NO_KEY and response.key != invoked.key:
        reading.fail(f"this response is for key {reading.show(response.key)}, but the invocation "
                     f"(line {_line(invoked, reading)}) was for key {reading.show(invoked.key)}",
                     response.field_at("key"), [("the invocation", invoked.at)])


def _failed(event: Event, model: HistoryModel, failed_cas_is_false: bool) -> str | None:
    """The outcome of a `fail` response: 'false' (a failed compare, with
    `failed_cas_is_false`), or None for an operation that did not happen."""
    return "false" if failed_cas_is_false and model.ops[event.f] == CAS else None


def _operation(opened: _Open, response: Event | None, position: int | None, outcome: str,
               model: HistoryModel, reading: Reading) -> Operation:
    invoked = opened.event
    shape = model.ops[invoked.f]
    args = _arguments(invoked, shape, model, reading)
    if response is not None and outcome != "info" and shape != READ:
        _check_echo(invoked, response, reading)
    if outcome == "info":
        result: object = UNKNOWN
    elif shape == READ:
        assert response is not None  # only an 'info' outcome may have no response
        result = _read_result(response, model, reading)
    elif shape == CAS:
        result = outcome == "ok"
    else:
        result = OK
    key = () if not model.keyed else (invoked.key,)
    span = reading.locator.span
    return Operation(invoked.process, invoked.f, key + args, result, opened.position,
                     position if outcome != "info" else None, call_at=span(*invoked.at),
                     ret_at=span(*response.at) if response is not None else None)


def _arguments(invoked: Event, shape: str, model: HistoryModel, reading: Reading) -> tuple:
    strings = model.strings
    if model.keyed and strings and type(invoked.key) is not str:
        _check_string(invoked.key, invoked, "key", model, reading, "keys")
    if shape in (READ, DELETE):
        return ()
    value = invoked.value
    if shape == CAS:
        if not (isinstance(value, tuple) and len(value) == 2):
            example = "[1 2]" if reading.notation == "edn" else "[1, 2]"
            reading.fail(f"'{invoked.f}' needs the expected and the new value as its value, such as "
                         f"{example}; got {reading.show(value)}", invoked.field_at("value"))
        for v in value:
            _check_string(v, invoked, "value", model, reading)
        return value
    if strings and type(value) is not str:
        _check_string(value, invoked, "value", model, reading)
    return (value,)


def _check_string(value: object, event: Event, name: str, model: HistoryModel, reading: Reading,
                  what: str = "values") -> None:
    """A model of strings (kv) refuses another value, pointing at the event's field `name`."""
    if model.strings and not isinstance(value, str):
        reading.fail(f"the {model.name} model's {what} are strings; got {reading.show(value)}", event.field_at(name))


def _check_echo(invoked: Event, response: Event, reading: Reading) -> None:
    """A response that repeats the invocation's value must repeat it exactly."""
    if response.value is not None and response.value != invoked.value:
        reading.fail(f"this response's value {reading.show(response.value)} differs from the invocation's "
                     f"{reading.show(invoked.value)} (line {_line(invoked, reading)})",
                     response.field_at("value"), [("the invocation", invoked.at)])


def _read_result(response: Event, model: HistoryModel, reading: Reading) -> object:
    if model.strings and not (response.value is None and DELETE in model.ops.values()):
        _check_string(response.value, response, "value", model, reading)
    if model.collection is not None:
        return collection(response.value, model, response.field_at("value"), reading)
    return response.value


def collection(value: object, model: HistoryModel, at: tuple[int, int], reading: Reading) -> object:
    """A read of a set or a log as the model's collection type (frozenset or tuple)."""
    example = "#{1 2}" if reading.notation == "edn" else "[1, 2]"
    if not isinstance(value, (tuple, frozenset)):
        reading.fail(f"a read of a {model.name} returns its elements, such as {example}; got "
                     f"{reading.show(value)}", at)
    if model.collection is tuple:
        if isinstance(value, frozenset):
            reading.fail(f"a read of a {model.name} returns its elements in order (a vector or a list), "
                         f"not a set", at)
        return value
    seen: set[object] = set()
    for element in value:
        if element in seen:
            reading.fail(f"this read of a set has the element {reading.show(element)} twice", at)
        seen.add(element)
    return frozenset(value)
