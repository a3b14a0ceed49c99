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

from typing import Iterator

from checker.history import edn
from checker.history.edn import Keyword
from checker.history.events import NO_KEY, TYPES, Event, Reading
from checker.history.located import LocatedMap

_TYPE, _F, _PROCESS, _VALUE, _KEY = (Keyword(k) for k in ("type", "f", "process", "value", "key"))
NEMESIS = Keyword("nemesis")
EXAMPLE = "{:type :invoke, :f :read, :value nil, :process 0}"


def read_events(reading: Reading) -> list[Event]:
    """The events of an EDN history, in file order. Raises SpecError at the first mistake."""
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
