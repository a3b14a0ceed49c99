"""capcheck's own JSON history format (documented in docs/history_format.md):

    {
      "model": "cas-register",
      "initial": null,
      "operations": [
        {"process": 0, "type": "invoke", "f": "write", "value": 1},
        {"process": 0, "type": "ok", "f": "write", "value": 1}
      ]
    }

The events are Jepsen's, with JSON names: `process` (a number or a string), `type`
(`invoke`, `ok`, `fail`, `info`), `f`, `value` (null when absent), `key` (for kv). `time`,
`index` and `error` may be present and are ignored; any other field is an error, so a
misspelt field is never silently dropped. `model` and `initial` are optional.

The JSON is read by a small parser of our own (strict RFC 8259), so that every value keeps
its place in the file for error messages.
"""

from __future__ import annotations

import json
import re
from typing import Callable

from checker.diagnostics import did_you_mean, quote_list
from checker.history.events import NO_KEY, TYPES, Event, Reading
from checker.history.located import LocatedMap, number_problem

TOP_FIELDS = ("model", "initial", "operations")
EVENT_FIELDS = ("process", "type", "f", "value", "key")
IGNORED_FIELDS = ("time", "index", "error")
MAX_DEPTH = 100


class JsonError(ValueError):
    """Malformed JSON: a message and the offending characters [offset, offset + length)."""

    def __init__(self, message: str, offset: int, length: int = 1) -> None:
        super().__init__(message)
        self.message, self.offset, self.length = message, offset, max(1, length)


_TOKEN = re.compile(r"""
    (?P<space>[ \t\n\r]+)
  | (?P<string>"(?:[^"\\\x00-\x1f]|\\.)*")
  | (?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?(?![0-9A-Za-z.]))
  | (?P<punct>[{}\[\]:,])
  | (?P<word>(?:true|false|null)(?![0-9A-Za-z_]))
""", re.VERBOSE | re.DOTALL)
_WORDS = {"true": True, "false": False, "null": None}


class _Parser:
    def __init__(self, text: str, poll: Callable[[int], None]) -> None:
        self.text = text
        self.pos = 0
        self.poll = poll
        self.count = 0

    def token(self) -> re.Match | None:
        while self.pos < len(self.text):
            match = _TOKEN.match(self.text, self.pos)
            if match is None:
                raise self._bad()
            self.pos = match.end()
            if match.lastgroup != "space":
                return match
        return None

    def _bad(self) -> JsonError:
        char = self.text[self.pos]
        if char == '"':
            return JsonError("this string is never closed, or holds a raw control character", self.pos)
        if char == "'":
            return JsonError("JSON strings use double quotes", self.pos)
        word = re.match(r"[^\s{}\[\]:,\"]+", self.text[self.pos:])
        shown = word.group() if word else char
        return JsonError(f"'{shown}' is not JSON (a value is a string, number, true, false, null, "
                         "array or object)", self.pos, len(shown))

    def value(self, depth: int, token: re.Match | None = None) -> tuple[object, int, int]:
        self.count += 1
        self.poll(self.count)
        token = token or self.token()
        if token is None:
            raise JsonError("the file ends where a value is expected", len(self.text))
        kind, text, start = token.lastgroup, token.group(), token.start()
        if kind == "string":
            return self._string(text, start), start, token.end()
        if kind == "number":
            return _number(text, start), start, token.end()
        if kind == "word":
            return _WORDS[text], start, token.end()
        if text not in "[{":
            raise JsonError(f"expected a value, got '{text}'", start)
        if depth >= MAX_DEPTH:
            raise JsonError(f"nested more than {MAX_DEPTH} levels deep", start)
        if text == "[":
            return self._array(start, depth + 1), start, self.pos
        return self._object(start, depth + 1), start, self.pos

    def _string(self, text: str, start: int) -> str:
        try:
            return json.loads(text)
        except ValueError as err:
            at = getattr(err, "pos", 0)
            raise JsonError("invalid escape in this string", start + at, 2) from None

    def _array(self, start: int, depth: int) -> tuple:
        items = []
        token = self.token()
        if token is not None and token.group() == "]":
            return ()
        while True:
            items.append(self.value(depth, token)[0])
            token = self._expect(",]", "[", start)
            if token.group() == "]":
                return tuple(items)
            token = None

    def _object(self, start: int, depth: int) -> LocatedMap:
        result = LocatedMap(start)
        token = self.token()
        if token is not None and token.group() == "}":
            result.end = self.pos
            return result
        while True:
            if token is None or token.lastgroup != "string":
                at = token.start() if token is not None else len(self.text)
                raise JsonError("expected a field name in double quotes", at)
            key = self._string(token.group(), token.start())
            if key in result:
                raise JsonError(f"the field \"{key}\" appears twice in this object", token.start(),
                                len(token.group()))
            self._expect(":", "{", start)
            value, vstart, vend = self.value(depth)
            dict.__setitem__(result, key, value)
            result.spans[key] = (vstart, vend)
            token = self._expect(",}", "{", start)
            if token.group() == "}":
                result.end = self.pos
                return result
            token = self.token()

    def _expect(self, chars: str, opener: str, start: int) -> re.Match:
        token = self.token()
        if token is None:
            raise JsonError(f"this '{opener}' is never closed", start)
        if token.group() not in chars:
            wanted = quote_list(list(chars))
            raise JsonError(f"expected {wanted}, got '{token.group()}'", token.start(), len(token.group()))
        return token


def _number(text: str, start: int) -> int | float:
    """An integer, or a float for a number with a fraction or exponent; JsonError for one
    too long to convert or too large for a double."""
    problem = number_problem(text, None)
    if problem is None:
        value = int(text) if re.fullmatch(r"-?[0-9]+", text) else float(text)
        problem = number_problem(text, value)
    if problem:
        raise JsonError(problem, start, len(text))
    return value


_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def loads(text: str) -> object:
    """`json.loads(text)` for JSON files that are not histories (traces, reports), with
    nesting deeper than MAX_DEPTH refused first, as JsonError located at the bracket that
    goes too deep, so that no reader reaches Python's recursion limit. Malformed JSON
    raises json's own JSONDecodeError (a ValueError)."""
    depth = 0
    for match in _NESTING.finditer(text):
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise JsonError(f"nested more than {MAX_DEPTH} levels deep", match.start())
        elif char in "]}":
            depth -= 1
    return json.loads(text)


def parse(text: str, poll: Callable[[int], None] = lambda count: None) -> tuple[object, int, int]:
    """The one JSON value of `text`, as (value, start, end). Raises JsonError. `poll` is
    called with a count of the values read (to stop a long reading: it may raise)."""
    parser = _Parser(text, poll)
    result = parser.value(0)
    extra = parser.token()
    if extra is not None:
        raise JsonError("unexpected text after the JSON value", extra.start(), len(extra.group()))
    return result


class Document:
    """A JSON history: its `model` and `initial` (None when not given, with where they are)
    and its events."""

    def __init__(self, model: str | None, model_at: tuple[int, int], initial: object, has_initial: bool,
                 initial_at: tuple[int, int], events: list[Event]) -> None:
        self.model, self.model_at = model, model_at
        self.initial, self.has_initial, self.initial_at = initial, has_initial, initial_at
        self.events = events


def read_document(reading: Reading) -> Document:
    """The document in `reading`. Raises SpecError at the first mistake."""
    try:
        top, start, end = parse(reading.text, reading.poll)
    except JsonError as err:
        reading.fail(err.message, (err.offset, err.offset + err.length))
    if not isinstance(top, LocatedMap):
        reading.fail('a JSON history is an object such as {"operations": [...]}', (start, end))
    _check_fields(top, TOP_FIELDS, (), reading)
    if "operations" not in top:
        reading.fail('this history has no "operations"', (top.start, top.start + 1))
    model = top.get("model")
    if model is not None and not isinstance(model, str):
        reading.fail(f'"model" is a model name such as "register"; got {reading.show(model)}', top.value_at("model"))
    events = _events(top, reading)
    return Document(model, top.value_at("model"), top.get("initial"), "initial" in top, top.value_at("initial"),
                    events)


def _events(top: LocatedMap, reading: Reading) -> list[Event]:
    ops = top["operations"]
    if not isinstance(ops, tuple):
        reading.fail('"operations" is an array of events', top.value_at("operations"))
    events = []
    for item in ops:
        if not isinstance(item, LocatedMap):
            reading.fail('every element of "operations" is an object such as '
                         '{"process": 0, "type": "invoke", "f": "read"}', top.value_at("operations"))
        events.append(_event(item, reading))
    return events


def _event(m: LocatedMap, reading: Reading) -> Event:
    _check_fields(m, EVENT_FIELDS, IGNORED_FIELDS, reading)
    for name in ("process", "type", "f"):
        if name not in m:
            reading.fail(f'this event has no "{name}"', (m.start, m.start + 1))
    process = m["process"]
    if not isinstance(process, (int, str)) or isinstance(process, bool):
        reading.fail(f'"process" is a number or a string; got {reading.show(process)}', m.value_at("process"))
    if m["type"] not in TYPES:
        reading.fail(f'"type" is one of {quote_list(list(TYPES))}; got {reading.show(m["type"])}',
                     m.value_at("type"))
    if not isinstance(m["f"], str):
        reading.fail(f'"f" is an operation name such as "read"; got {reading.show(m["f"])}', m.value_at("f"))
    where = {name: m.value_at(name) for name in EVENT_FIELDS if name in m}
    return Event(process, m["type"], m["f"], m.get("value"), m.get("key", NO_KEY), (m.start, m.end), where)


def _check_fields(m: LocatedMap, known: tuple[str, ...], ignored: tuple[str, ...], reading: Reading) -> None:
    for name in m:
        if name not in known and name not in ignored:
            hint = did_you_mean(name, known + ignored)
            reading.fail(f'unknown field "{name}" (expected {quote_list(list(known))}){hint}',
                         _key_at(m, name, reading))


def _key_at(m: LocatedMap, name: str, reading: Reading) -> tuple[int, int]:
    """Where the field name is: just before its value, in the text."""
    value_start = m.spans[name][0]
    quoted = json.dumps(name)
    at = reading.text.rfind(quoted, m.start, value_start)
    return (at, at + len(quoted)) if at >= 0 else (value_start, value_start + 1)
