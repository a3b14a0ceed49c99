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

import enum
import re
from typing import Iterator, Literal

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
    over the whole text: first one made for the keys of its first line, in their order
    (`_template`; real histories write every map alike), then, if some line differs, the
    general one; any other history (and any mistake) is read by the EDN reader, which
    says what is wrong and where."""
    events = _templated_events(reading)
    if events is None:
        events = _flat_events(reading)
    return events if events is not None else _read_forms(reading)


_EVENT_KEYS = (":type", ":process", ":f", ":value", ":key")


def _template(text: str) -> tuple[re.Pattern[str], tuple[int | None, ...]] | None:
    """A pattern for a line that is a flat map with the keys of the text's first line, in
    the same order, each value a group; and where the group of each of `_EVENT_KEYS` is
    (None: the key is not there). None when the first line is not such a map, or has a
    key twice."""
    first = _FLAT_MAP_LINE.search(text)
    if first is None:
        return None
    keys = [key for key, _ in _PAIR.findall(first[1])]
    if len(set(keys)) != len(keys):
        return None
    body = r"[ \t,]+".join(rf"{re.escape(key)}[ \t,]+({_ATOM})" for key in keys)
    pattern = re.compile(rf"^[ \t,]*(\{{[ \t,]*{body}[ \t,]*\}})[ \t,\r]*$", re.MULTILINE)
    return pattern, tuple(keys.index(k) + 2 if k in keys else None for k in _EVENT_KEYS)


def _templated_events(reading: Reading) -> list[Event] | None:
    """The events of a history of flat maps that all write the keys of the first line in
    its order; None when some line is not such a map or not an event `_event` takes."""
    text = reading.text
    template = _template(text)
    if template is None:
        return None
    pattern, (kind, process, f, value, key) = template
    if kind is None or process is None or f is None:
        return None
    lines = _lines(pattern, reading)
    if lines is None:
        return None
    atoms: dict[str, object] = {}
    events: list[Event] = []
    for line in lines:
        event = _flat_event(line[kind], line[process], line[f], line[value] if value else None,
                            line[key] if key else None, atoms, line.span(1), text)
        if event is None:
            return None
        if event is not _SKIPPED:
            events.append(event)
    return events


def _flat_events(reading: Reading) -> list[Event] | None:
    """The events of a history of flat maps, one a line; None when some line is not one
    or some map is not an event that `_event` would take as it is."""
    lines = _lines(_FLAT_MAP_LINE, reading)
    if lines is None:
        return None
    atoms: dict[str, object] = {}
    events: list[Event] = []
    for line in lines:
        pairs = _PAIR.findall(line[1])
        fields = dict(pairs)
        event = None
        if len(fields) == len(pairs):
            event = _flat_event(fields.get(":type"), fields.get(":process"), fields.get(":f"), fields.get(":value"),
                                fields.get(":key"), atoms, line.span(1), reading.text)
        if event is None:
            return None
        if event is not _SKIPPED:
            events.append(event)
    return events


def _lines(pattern: re.Pattern[str], reading: Reading) -> list[re.Match[str]] | None:
    """The matches of the line pattern `pattern` in the text, or None when something that
    is not blank lies between two of them, or before the first or after the last."""
    text, poll = reading.text, reading.budget.every
    end = 0
    lines = []
    for count, line in enumerate(pattern.finditer(text)):
        poll(count)
        if line.start() - end > 1 and not _BLANKS.fullmatch(text, end, line.start()):
            return None
        end = line.end()
        lines.append(line)
    return lines if _BLANKS.fullmatch(text, end) else None


class _Skipped(enum.Enum):
    SKIPPED = enum.auto()


_SKIPPED = _Skipped.SKIPPED


def _flat_event(kind: str | None, process_text: str | None, f_text: str | None, value_text: str | None,
                key_text: str | None, atoms: dict[str, object], at: tuple[int, int],
                text: str) -> Event | None | Literal[_Skipped.SKIPPED]:
    """The event of one flat map, from the texts of its values (None: the key is not
    there); _SKIPPED for the nemesis, or None for anything `_event` would refuse."""
    if process_text is None or f_text is None or kind not in _TYPE_NAMES:
        return None
    process = _flat_value(process_text, atoms)
    f = _flat_value(f_text, atoms)
    if process == NEMESIS:
        return _SKIPPED
    if process is None or isinstance(process, bool) or not isinstance(f, (Keyword, str)):
        return None
    value = _flat_value(value_text, atoms) if value_text is not None else None
    key = _flat_value(key_text, atoms) if key_text is not None else NO_KEY
    return Event(process, _TYPE_NAMES[kind], f.name if isinstance(f, Keyword) else f, value, key, at,
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
        assert isinstance(located, LocatedMap)  # the text was read as this map before
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
        yield from value
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
    return Event(process, kind.name, name, m.get(_VALUE), m.get(_KEY, NO_KEY),
                 (m.start, m.end), where)
