"""Porcupine's Jepsen etcd logs: one event per line,

    INFO  jepsen.util - 3	:invoke	:cas	[1 4]

that is `INFO`, `jepsen.util`, `-`, the process number, the type (`:invoke`, `:ok`,
`:fail`, `:info`), the operation (`:read`, `:write`, `:cas`) and a value in EDN (`nil`,
`3`, `[1 4]`, `:timed-out`), separated by tabs or spaces. Blank lines are skipped.

The other Porcupine format, its kv logs, is EDN (one map per line) and is read by
checker.history.jepsen.
"""

from __future__ import annotations

import re
from typing import NoReturn

from checker.errors import SpecError
from checker.history import edn
from checker.history.events import NO_KEY, TYPES, Event, Reading
from checker.history.located import number_problem

_PREFIX = re.compile(r"INFO[ \t]+jepsen\.util[ \t]+-[ \t]+")
_WORD = re.compile(r"[^ \t]+")
_GAP = re.compile(r"[ \t]*")
_NAME = re.compile(r":[A-Za-z][A-Za-z0-9_.?!*+-]*")
_LINE = re.compile(r"(?P<lead>[ \t]*)INFO[ \t]+jepsen\.util[ \t]+-[ \t]+(?P<process>[^ \t]+)[ \t]+"
                   r"(?P<type>[^ \t]+)[ \t]+(?P<f>[^ \t]+)[ \t]+(?P<value>.+)")
EXAMPLE = "INFO  jepsen.util - 3 :invoke :write 1"


_FIELDS = {"process": 1, "type": 2, "f": 3, "value": 4}
_FAST_LINE = re.compile(r"^[ \t]*INFO[ \t]+jepsen\.util[ \t]+-[ \t]+([0-9]{1,18})[ \t]+(:(?:invoke|ok|fail|info))[ \t]+"
                        r"(:[A-Za-z][A-Za-z0-9_.?!*+-]*)[ \t]+([^ \t\n][^\n]*?)[ \t\r]*$", re.MULTILINE)
"""A well-formed line, as `_LINE` and the checks of `_event` accept it, with a process
number of at most 18 digits: what every line of a real log is."""


class _LineFields:
    """The `where` of an event read by `_FAST_LINE`: its match, whose groups' (start, end)
    are looked up when an error message asks."""

    __slots__ = ("match",)

    def __init__(self, match: re.Match[str]) -> None:
        self.match = match

    def get(self, name: str, default: tuple[int, int]) -> tuple[int, int]:
        return self.match.span(_FIELDS[name]) if name in _FIELDS else default


def read_events(reading: Reading) -> list[Event]:
    """The events of an etcd log, in file order. Raises SpecError at the first bad line.

    The lines are first matched by one pattern over the whole text (`_FAST_LINE`); only
    when some line that is not blank is not matched (between two matches there is more
    than blanks) is the text read line by line, which says what is wrong with it."""
    text = reading.text
    events = []
    values: dict[str, object] = {"nil": None}   # each value text met, read once (values are immutable)
    numbers: dict[str, int] = {}   # each process text met, read once
    words: dict[str, str] = {}   # each type and operation text met, read once
    poll = reading.budget.every
    end = 0
    try:
        for count, m in enumerate(_FAST_LINE.finditer(text)):
            poll(count)
            start = m.start()
            if start - end > 1 and not text[end:start].isspace():
                break   # a line the pattern does not take
            end = m.end()
            process, kind, f, value_text = m.groups()
            value = values.get(value_text, values)
            if value is values:
                value = _quick_value(value_text)
                if value is _SLOW:
                    value = _value(text, m.start(4), 0, f, reading, m.end(4))
                values[value_text] = value
            events.append(Event(numbers.get(process) or numbers.setdefault(process, int(process)),
                                words.get(kind) or words.setdefault(kind, kind[1:]),
                                words.get(f) or words.setdefault(f, f[1:]), value, NO_KEY, (start, m.end(4)),
                                _LineFields(m)))
        else:
            if end == len(text) or text[end:].isspace():
                return events
    except SpecError:
        pass   # a value that is not EDN: the reading line by line reports it
    return _read_line_by_line(reading)


def _read_line_by_line(reading: Reading) -> list[Event]:
    events = []
    values: dict[str, object] = {}   # each value text met, read once (values are immutable)
    offset = 0
    for number, line in enumerate(reading.text.split("\n")):
        reading.poll(number)
        body = line.rstrip("\r \t")
        if body.strip():
            events.append(_event(body, offset, reading, values))
        offset += len(line) + 1
    return events


def _event(line: str, base: int, reading: Reading, values: dict[str, object]) -> Event:
    match = _LINE.fullmatch(line)
    if match is None or not match["process"].isdigit() or match["type"][1:] not in TYPES \
            or not match["type"].startswith(":") or not _NAME.fullmatch(match["f"]):
        _explain(line, base, reading)
    problem = number_problem(match["process"], None)
    if problem:
        reading.fail(problem, (base + match.start("process"), base + match.end("process")))
    text = match["value"]
    value = values.get(text, values)
    if value is values:
        value = values[text] = _value(line, match.start("value"), base, match["f"], reading)
    where = {name: (base + match.start(name), base + match.end(name))
             for name in ("process", "type", "f", "value")}
    return Event(int(match["process"]), match["type"][1:], match["f"][1:], value, NO_KEY,
                 (base + match.start("lead"), base + len(line)), where)


def _explain(line: str, base: int, reading: Reading) -> NoReturn:
    """Raise the located error that says what is wrong with a line that is not a log line."""
    first = len(line) - len(line.lstrip(" \t"))
    prefix = _PREFIX.match(line, first)
    if prefix is None:
        reading.fail(f"expected a Jepsen log line such as '{EXAMPLE}'", (base + first, base + len(line)))
    where: dict[str, tuple[int, int]] = {}
    pos = prefix.end()
    words = []
    for name, what in (("process", "the process number"), ("type", "the type (:invoke, :ok, :fail or :info)"),
                       ("f", "the operation (such as :read)")):
        word = _WORD.match(line, pos)
        if word is None:
            reading.fail(f"this line ends before {what}", (base + len(line), base + len(line)))
        where[name] = (base + word.start(), base + word.end())
        words.append(word.group())
        gap = _GAP.match(line, word.end())
        assert gap is not None  # the pattern matches the empty string
        pos = gap.end()
    process, kind, f = words
    if not process.isdigit():
        reading.fail(f"expected a process number, got '{process}'", where["process"])
    if kind[1:] not in TYPES or not kind.startswith(":"):
        reading.fail(f"expected :invoke, :ok, :fail or :info, got '{kind}'", where["type"])
    if not _NAME.fullmatch(f):
        reading.fail(f"expected an operation such as :read, got '{f}'", where["f"])
    reading.fail(f"this line ends before the value of {f} (such as nil, 3 or [1 2])",
                 (base + len(line), base + len(line)))


_QUICK_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")
_QUICK_PAIR = re.compile(r"\[(-?(?:0|[1-9][0-9]{0,17})) (-?(?:0|[1-9][0-9]{0,17}))\]")


_SLOW = object()


def _quick_value(text: str) -> object:
    """The value of the commonest texts, an integer or a pair of them ([1 4], a cas), as
    EDN reads them; _SLOW for any other text (for `_value` to read)."""
    if _QUICK_INT.fullmatch(text):
        return int(text)
    pair = _QUICK_PAIR.fullmatch(text)
    return (int(pair[1]), int(pair[2])) if pair else _SLOW


def _value(line: str, pos: int, base: int, f: str, reading: Reading, end: int | None = None) -> object:
    """The EDN value in line[pos:end] (end: the end of the line)."""
    end = len(line) if end is None else end
    try:
        forms = edn.read_all(line[pos:end])
    except edn.EdnError as err:
        reading.fail(err.message, (base + pos + err.offset, base + pos + err.offset + err.length))
    if not forms:
        reading.fail(f"this line ends before the value of {f} (such as nil, 3 or [1 2])",
                     (base + end, base + end))
    if len(forms) > 1:
        _, start, _ = forms[1]
        reading.fail("unexpected text after the value", (base + pos + start, base + end))
    return forms[0][0]
