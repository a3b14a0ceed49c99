"""Jepsen's EDN histories (and Porcupine's kv logs, which are the same shape):

    {:type :invoke, :f :write, :value 3, :process 0, :time 1234}
    {:type :ok, :f :write, :value 3, :process 0, :time 5678}

one map per event, either as top-level forms (one a line, as in `history.edn`) or inside
vectors or lists (`[{...} {...}]`). `:type`, `:f` and `:process` are required; `:value` is
nil when absent; `:key` gives the key for the kv model; other keys (`:time`, `:index`,
`:error`, ...) are ignored. Events of `:process :nemesis` (the fault injector) are skipped.
Operation names may be keywords or strings.
"""

from __future__ import annotations

import re
from typing import Iterator

from checker.history import edn
from checker.history.edn import Keyword
from checker.history.events import NO_KEY, TYPES, Event, Reading
from checker.history.located import LocatedMap

_TYPE, _F, _PROCESS, _VALUE, _KEY = (Keyword(k) for k in ("type", "f", "process", "value", "key"))
NEMESIS = Keyword("nemesis")
EXAMPLE = "{:type :invoke, :f :read, :value nil, :process 0}"


_NAME = r":[A-Za-z][A-Za-z0-9_.?!*+\-]*"
_ATOM = rf'(?:(?:nil|true|false|-?(?:0|[1-9][0-9]{{0,17}})|{_NAME})(?=[ \t,}}])|"[^"\\\n]*")'
_FLAT_MAP_LINE = re.compile(rf"^[ \t,]*(\{{[ \t,]*(?:{_NAME}[ \t,]+{_ATOM}[ \t,]*)*\}})[ \t,\r]*$", re.MULTILINE)
"""A line that is one map of keywords to simple values (nil, a boolean, an integer of at
most 18 digits, a string without escapes or a keyword): what most lines of a Jepsen
history, and every line of Porcupine's kv logs, are."""
_PAIR = re.compile(rf"({_NAME})[ \t,]+({_ATOM})")
_BLANKS = re.compile(r"[\s,]*")
_TYPE_NAMES = {f":{t}": t for t in TYPES}


def read_events(reading: Reading) -> list[Event]:
    """The events of an EDN history, in file order. Raises SpecError at the first mistake.

    A history whose every line is one flat map (`_FLAT_MAP_LINE`) is read by patterns
    over the whole text; any other (and any mistake) is read by the EDN reader, which
    says what is wrong and where."""
    events = _flat_events(reading)
    return events if events is not None else _read_forms(reading)


def _flat_events(reading: Reading) -> list[Event] | None:
    """The events of a history of flat maps, one a line; None when some line is not one
    or some map is not an event that `_event` would take as it is."""
    text = reading.text
    atoms: dict[str, object] = {}
    events: list[Event] = []
    poll = reading.budget.every
    end = 0
    for count, line in enumerate(_FLAT_MAP_LINE.finditer(text)):
        poll(count)
        if line.start() - end > 1 and not _BLANKS.fullmatch(text, end, line.start()):
            return None
        end = line.end()
        pairs = _PAIR.findall(line[1])
        fields = dict(pairs)
        event = _flat_event(fields, atoms, line.span(1), text) if len(fields) == len(pairs) else None
        if event is None:
            return None
        if event is not _SKIPPED:
            events.append(event)
    return events if _BLANKS.fullmatch(text, end) else None


_SKIPPED = object()


def _flat_event(fields: dict[str, str], atoms: dict[str, object], at: tuple[int, int], text: str) -> object:
    """The event of one flat map (its key and value texts, each key once), _SKIPPED for the
    nemesis, or None for anything `_event` would refuse."""
    if ":process" not in fields or ":f" not in fields or fields.get(":type") not in _TYPE_NAMES:
        return None
    process = _flat_value(fields[":process"], atoms)
    f = _flat_value(fields[":f"], atoms)
    if process == NEMESIS:
        return _SKIPPED
    if process is None or isinstance(process, bool) or not isinstance(f, (Keyword, str)):
        return None
    value = _flat_value(fields[":value"], atoms) if ":value" in fields else None
    key = _flat_value(fields[":key"], atoms) if ":key" in fields else NO_KEY
    return Event(process, _TYPE_NAMES[fields[":type"]], f.name if isinstance(f, Keyword) else f, value, key, at,
                 _MapFields(text, at))


def _flat_value(atom: str, atoms: dict[str, object]) -> object:
    value = atoms.get(atom, atoms)
    if value is atoms:
        value = atoms[atom] = atom[1:-1] if atom[0] == '"' else edn.read_all(atom)[0][0]
    return value


class _MapFields:
    """The `where` of an event read from a flat map: the offsets of its fields, found by
    reading the map again with the EDN reader when an error message asks."""

    __slots__ = ("text", "at")

    def __init__(self, text: str, at: tuple[int, int]) -> None:
        self.text, self.at = text, at

    def get(self, name: str, default: tuple[int, int]) -> tuple[int, int]:
        start, end = self.at
        (located, _, _), = edn.read_all(self.text[start:end])
        span = located.spans.get(Keyword(name))
        return default if span is None else (start + span[0], start + span[1])


def _read_forms(reading: Reading) -> list[Event]:
    events = []
    try:
        for count, (value, start, end) in enumerate(edn.iter_forms(reading.text)):
            reading.poll(count)
            for event_map in _maps(value, start, end, reading):
                event = _event(event_map, reading)
                if event is not None:
                    events.append(event)
    except edn.EdnError as err:
        reading.fail(err.message, (err.offset, err.offset + err.length))
    return events


def _maps(value: object, start: int, end: int, reading: Reading) -> Iterator[LocatedMap]:
    if isinstance(value, LocatedMap):
        yield value
        return
    if isinstance(value, tuple) and all(isinstance(v, LocatedMap) for v in value):
        yield from value  # type: ignore[misc]
        return
    what = "a vector or list holding something else than maps" if isinstance(value, tuple) \
        else reading.show(value)
    reading.fail(f"expected an operation map such as {EXAMPLE}, got {what}", (start, end))


def _event(m: LocatedMap, reading: Reading) -> Event | None:
    """The event a map describes, or None for the nemesis."""
    for key in (_PROCESS, _TYPE, _F):
        if key not in m:
            reading.fail(f"this operation has no {key} (an operation looks like {EXAMPLE})", (m.start, m.end))
    process = m[_PROCESS]
    if process == NEMESIS:
        return None
    if not isinstance(process, (int, str, Keyword)) or isinstance(process, bool):
        reading.fail(f"a process is a number or a keyword; got {reading.show(process)}", m.value_at(_PROCESS))
    kind = m[_TYPE]
    if not (isinstance(kind, Keyword) and kind.name in TYPES):
        reading.fail(f"expected :invoke, :ok, :fail or :info, got {reading.show(kind)}", m.value_at(_TYPE))
    f = m[_F]
    if not isinstance(f, (Keyword, str)):
        reading.fail(f"expected an operation name such as :read, got {reading.show(f)}", m.value_at(_F))
    where = {name: m.value_at(k) for name, k in (("process", _PROCESS), ("type", _TYPE), ("f", _F),
                                                  ("value", _VALUE), ("key", _KEY)) if k in m}
    name = f.name if isinstance(f, Keyword) else f
    return Event(process, kind.name, name, m.get(_VALUE), m.get(_KEY, NO_KEY),  # type: ignore[arg-type]
                 (m.start, m.end), where)
