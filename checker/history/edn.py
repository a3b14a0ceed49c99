"""A reader for EDN (extensible data notation, https://github.com/edn-format/edn), the
format Jepsen writes its histories in.

`read_all(text)` returns the top-level forms of a text as Python values, each with the
offsets where it starts and ends:

| EDN | Python |
|---|---|
| `nil`, `true`, `false` | None, True, False |
| integers (`42`, `-1`, `7N`), floats (`1.5`, `1e3`, `2.5M`), ratios (`1/3`) | int, float (Decimal for `M`), Fraction |
| strings with escapes (`\\"`, `\\\\`, `\\n`, `\\t`, `\\r`, `\\b`, `\\f`, `\\uXXXX`) | str |
| characters (`\\a`, `\\newline`, `\\u00e9`) | Char |
| keywords (`:read`, `:ns/name`), symbols (`foo`, `jepsen.util/x`) | Keyword, Symbol |
| vectors `[...]` and lists `(...)` (equal in EDN, as in Clojure) | tuple |
| sets `#{...}` | frozenset |
| maps `{...}` | LocatedMap: a dict (not to be modified) that knows where each value is |
| tagged values `#inst "..."`, `#uuid "..."`, `#my.Record{...}` | the value itself |

Whitespace includes commas; `;` starts a comment to the end of the line; `#_` discards the
next form. Every mistake raises EdnError with the offset and length of the offending text;
nothing else is raised for any input. Nesting is limited to MAX_DEPTH levels.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Iterator, Literal

from checker.history.located import LocatedMap, number_problem

MAX_DEPTH = 100


class EdnError(ValueError):
    """A mistake in EDN text: a message and the offending characters [offset, offset + length)."""

    def __init__(self, message: str, offset: int, length: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.length = max(1, length)


class _Name:
    """A keyword or a symbol: a name that is not a string. Immutable, hashable, and equal
    only to a name of the same kind."""

    __slots__ = ("name", "_hash")
    name: str
    _hash: int

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "_hash", hash((type(self).__name__, name)))

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __eq__(self, other: object) -> bool:
        return other is self or (type(other) is type(self) and other.name == self.name)

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class Keyword(_Name):
    """An EDN keyword such as `:read`; `name` is without the colon (`ns/name` if qualified)."""

    __slots__ = ()

    def __str__(self) -> str:
        return ":" + self.name


class Symbol(_Name):
    """An EDN symbol such as `foo` or `jepsen.util/x`."""

    __slots__ = ()

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Char:
    """An EDN character such as `\\a` (a one-character string would be a different value)."""

    char: str

    def __str__(self) -> str:
        return "\\" + {"\n": "newline", " ": "space", "\t": "tab", "\r": "return"}.get(self.char, self.char)


_DELIMITERS = r'\s,()\[\]{}";'
_TOKEN = re.compile(rf"""
    (?>(?:[\s,]+|;[^\n]*)*)         # whitespace, commas and comments (atomic: no backtracking)
    (?:(?P<string>"(?:[^"\\]|\\.)*")
  | (?P<open>\#\{{|[\[({{])
  | (?P<close>[\])}}])
  | (?P<discard>\#_)
  | (?P<tag>\#[A-Za-z][^{_DELIMITERS}]*)
  | (?P<char>\\(?:newline|space|tab|return|backspace|formfeed|u[0-9A-Fa-f]{{4}}|[^\s]))
  | (?P<atom>[^{_DELIMITERS}\\\#][^{_DELIMITERS}]*)
  | (?P<end>\Z))
""", re.VERBOSE | re.DOTALL)
_INT = re.compile(r"[+-]?(?:0|[1-9][0-9]*)N?")
_FLOAT = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?M?")
_RATIO = re.compile(r"[+-]?[0-9]+/[0-9]+")
_SYMBOL = re.compile(r"""(?:[A-Za-z*!_?$%&=<>.]|[+-](?![0-9]))[A-Za-z0-9*!_?$%&=<>.+\-:#']*
                         (?:/[A-Za-z*!_?$%&=<>.+\-][A-Za-z0-9*!_?$%&=<>.+\-:#']*)?|/""", re.VERBOSE)
_ESCAPES = {"t": "\t", "r": "\r", "n": "\n", "\\": "\\", '"': '"', "b": "\b", "f": "\f"}
_CHAR_NAMES = {"newline": "\n", "space": " ", "tab": "\t", "return": "\r", "backspace": "\b", "formfeed": "\f"}
_CLOSER = {"[": "]", "(": ")", "{": "}", "#{": "}"}


class _Closed(enum.Enum):
    CLOSED = enum.auto()


CLOSED = _Closed.CLOSED  # what _Reader.form returns at the closing bracket it was told to expect
_Form = tuple[object, int, int] | None | Literal[_Closed.CLOSED]
_NOT_READ = object()
_SKIP = re.compile(r"(?:[\s,]+|;[^\n]*)*")


def read_all(text: str) -> list[tuple[object, int, int]]:
    """Every top-level form of `text` as (value, start offset, end offset). Raises EdnError."""
    return list(iter_forms(text))


def iter_forms(text: str) -> Iterator[tuple[object, int, int]]:
    """The top-level forms of `text` one by one, as (value, start, end). Raises EdnError."""
    reader = _Reader(text)
    while True:
        form = reader.form(0, None)
        if form is None or form is CLOSED:  # never CLOSED: no closer was asked for
            return
        yield form


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.atoms: dict[str, object] = {}   # the value of each atom text met (all immutable)

    def _token(self) -> tuple[str, str, int]:
        """The next token after whitespace and comments: (kind, text, start); kind 'end' at
        the end of the text."""
        match = _TOKEN.match(self.text, self.pos)
        if match is None:
            raise self._bad_start()
        kind = match.lastgroup
        assert kind is not None  # the pattern's alternatives are all named groups
        self.pos = match.end()
        return kind, match.group(kind), match.start(kind)

    def _bad_start(self) -> EdnError:
        skipped = _SKIP.match(self.text, self.pos)
        assert skipped is not None  # the pattern matches the empty string
        self.pos = skipped.end()
        char = self.text[self.pos]
        if char == '"':
            return EdnError("this string is never closed (a '\"' is missing)", self.pos)
        if char == "#":
            return EdnError("'#' must be followed by '{', '_' or a tag name such as inst", self.pos)
        return EdnError(f"unexpected character {char!r}", self.pos)

    def form(self, depth: int, closer: str | None) -> _Form:
        """The next complete form; None at the end of the text, CLOSED at `closer`."""
        while True:
            kind, text, start = self._token()
            if kind == "end":
                return None
            if kind == "close":
                if text == closer:
                    return CLOSED
                raise EdnError(f"unexpected '{text}'" + (f" (expected '{closer}')" if closer else ""), start)
            if kind == "discard":
                if not isinstance(self._operand(depth, closer), tuple):
                    raise EdnError("'#_' discards nothing (no form follows it)", start, 2)
                continue
            if kind == "tag":
                value = self._operand(depth, closer)
                if not isinstance(value, tuple):
                    raise EdnError(f"the tag {text} has no value after it", start, len(text))
                return value[0], start, value[2]
            return self._value(kind, text, start, depth), start, self.pos

    def _operand(self, depth: int, closer: str | None) -> _Form:
        if depth >= MAX_DEPTH:
            raise EdnError(f"nested more than {MAX_DEPTH} levels deep", self.pos)
        return self.form(depth + 1, closer)

    def _value(self, kind: str, text: str, start: int, depth: int) -> object:
        if kind == "string":
            return _string(text, start)
        if kind == "char":
            return Char(_char(text, start))
        if kind == "atom":
            value = self.atoms.get(text, _NOT_READ)
            if value is _NOT_READ:
                value = self.atoms[text] = _atom(text, start)
            return value
        if depth >= MAX_DEPTH:
            raise EdnError(f"nested more than {MAX_DEPTH} levels deep", start)
        return self._collection(text, start, depth + 1)

    def _collection(self, opener: str, start: int, depth: int) -> object:
        closer = _CLOSER[opener]
        items: list[tuple[object, int, int]] = []
        while True:
            item = self.form(depth, closer)
            if item is CLOSED:
                break
            if item is None:
                raise EdnError(f"this '{opener}' is never closed (a '{closer}' is missing)", start, len(opener))
            items.append(item)
        if opener == "{":
            return _map(items, start, self.pos)
        if opener == "#{":
            return _set(items, start)
        return tuple(value for value, _, _ in items)


def _map(items: list[tuple[object, int, int]], start: int, end: int) -> LocatedMap:
    if len(items) % 2:
        _, at, stop = items[-1]
        raise EdnError("a map needs a value for every key; this key has none", at, stop - at)
    result = LocatedMap(start, end)
    for (key, at, stop), (value, vstart, vend) in zip(items[::2], items[1::2]):
        if key in result:
            raise EdnError(f"the key {show(key)} appears twice in this map", at, stop - at)
        dict.__setitem__(result, key, value)
        result.spans[key] = (vstart, vend)
    return result


def _set(items: list[tuple[object, int, int]], start: int) -> frozenset:
    seen: set[object] = set()
    for value, at, stop in items:
        if value in seen:
            raise EdnError(f"the element {show(value)} appears twice in this set", at, stop - at)
        seen.add(value)
    return frozenset(seen)


def _string(text: str, start: int) -> str:
    if "\\" not in text:
        return text[1:-1]
    out: list[str] = []
    i, last = 1, len(text) - 1
    while i < last:
        char = text[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        escape = text[i + 1]
        if escape == "u":
            digits = text[i + 2:i + 6]
            if not re.fullmatch(r"[0-9A-Fa-f]{4}", digits):
                raise EdnError("'\\u' must be followed by four hexadecimal digits", start + i, 2)
            out.append(chr(int(digits, 16)))
            i += 6
            continue
        if escape not in _ESCAPES:
            raise EdnError(f"unknown escape '\\{escape}' in a string", start + i, 2)
        out.append(_ESCAPES[escape])
        i += 2
    return "".join(out)


def _char(text: str, start: int) -> str:
    name = text[1:]
    if len(name) == 1:
        return name
    if name in _CHAR_NAMES:
        return _CHAR_NAMES[name]
    return chr(int(name[1:], 16))  # \uXXXX, the only other form the token allows


def _atom(text: str, start: int) -> object:
    if text == "nil":
        return None
    if text in ("true", "false"):
        return text == "true"
    if text[0].isdigit() or (text[0] in "+-" and text[1:2].isdigit()):
        return _number(text, start)
    if text.startswith(":"):
        if text == ":" or text.startswith("::") or not _SYMBOL.fullmatch(text[1:]):
            raise EdnError(f"'{text}' is not a valid keyword", start, len(text))
        return Keyword(text[1:])
    if not _SYMBOL.fullmatch(text):
        raise EdnError(f"'{text}' is not a valid symbol", start, len(text))
    return Symbol(text)


def _number(text: str, start: int) -> object:
    problem = number_problem(text, None)
    if problem:
        raise EdnError(problem, start, len(text))
    if _INT.fullmatch(text):
        return int(text.rstrip("N"))
    if _RATIO.fullmatch(text):
        top, bottom = text.split("/")
        if int(bottom) == 0:
            raise EdnError("a ratio cannot have a zero denominator", start, len(text))
        return Fraction(int(top), int(bottom))
    if _FLOAT.fullmatch(text):
        try:
            value = Decimal(text[:-1]) if text.endswith("M") else float(text)
        except (InvalidOperation, ValueError):  # pragma: no cover - the pattern admits only valid ones
            value = None
        problem = number_problem(text, value)
        if problem:
            raise EdnError(problem, start, len(text))
        if value is not None:
            return value
    raise EdnError(f"'{text}' is not a valid number", start, len(text))


def show(value: object) -> str:
    """A value written back in EDN: nil, true, 3, "a\\"b", :read, [1 2], #{1}, {:a 1}."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") \
            .replace("\t", "\\t").replace("\r", "\\r") + '"'
    if isinstance(value, tuple):
        return "[" + " ".join(show(v) for v in value) + "]"
    if isinstance(value, frozenset):
        return "#{" + " ".join(sorted(show(v) for v in value)) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{show(k)} {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Decimal):
        return f"{value}M"
    return str(value)
