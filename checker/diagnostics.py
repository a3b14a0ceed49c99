"""Located messages: spans, sources, and their rendering as `file:line:col: error: ...`.

Rendering is deterministic and depends only on the diagnostic and the source text.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable, Sequence


@dataclass(frozen=True, order=True)
class Span:
    """A half-open range of characters [start, end) with 1-based line and column of each end."""

    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int

    def to(self, other: "Span | None") -> "Span":
        """The span from the start of self to the end of other."""
        if other is None:
            return self
        return Span(self.start, other.end, self.line, self.column, other.end_line, other.end_column)


@dataclass(frozen=True)
class Source:
    """The text of one spec and the name it is reported under (a path as the user gave it)."""

    path: str
    text: str
    lines: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(self.text.split("\n")))

    def line(self, number: int) -> str:
        """Line `number` (1-based) without its end-of-line characters; '' past the end."""
        if 1 <= number <= len(self.lines):
            return self.lines[number - 1].rstrip("\r")
        return ""

    def span_at(self, offset: int, length: int = 1) -> Span:
        """A span of `length` characters starting at character `offset`."""
        offset = max(0, min(offset, len(self.text)))
        line = self.text.count("\n", 0, offset) + 1
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return Span(offset, offset + length, line, column, line, column + length)


@dataclass(frozen=True)
class Note:
    """A related place (or, with no span, a plain remark) shown under a diagnostic."""

    message: str
    span: Span | None = None


@dataclass(frozen=True)
class Diagnostic:
    """One error: a message, where it is, and notes."""

    message: str
    span: Span | None
    notes: tuple[Note, ...] = ()
    severity: str = "error"


MAX_SHOWN_LINE = 200


def _shown(char: str) -> str:
    """How one source character is shown in an excerpt: control characters escaped, so a
    spec can never send terminal escape sequences or break the layout."""
    if char == "\t":
        return " "
    if char.isprintable():
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _excerpt(source: Source, span: Span) -> list[str]:
    raw = source.line(span.line)
    start = span.column - 1
    stop = span.end_column - 1 if span.end_line == span.line else len(raw)
    pieces = [_shown(c) for c in raw]
    text = "".join(pieces)
    col = sum(len(p) for p in pieces[:start]) + max(0, start - len(raw))
    width = max(1, sum(len(p) for p in pieces[start:stop]))
    if len(text) > MAX_SHOWN_LINE:
        # keep the caret visible on very long lines (a minified or generated file)
        cut = max(0, col - MAX_SHOWN_LINE // 2)
        text = ("..." if cut else "") + text[cut : cut + MAX_SHOWN_LINE]
        col = col - cut + (3 if cut else 0)
    width = max(1, min(width, len(text) - col))
    number = str(span.line)
    gutter = " " * len(number)
    return [f" {number} | {text}", f" {gutter} | {' ' * col}{'^' * width}"]


def _located(source: Source, span: Span | None, kind: str, message: str) -> list[str]:
    message = "".join(_shown(c) if c != "\t" else c for c in message)
    if span is None:
        return [f"{source.path}: {kind}: {message}"]
    head = f"{source.path}:{span.line}:{span.column}: {kind}: {message}"
    return [head, *_excerpt(source, span)]


def render(diagnostic: Diagnostic, source: Source) -> str:
    """The diagnostic as text: the located head line, the source line, a caret, then notes."""
    out = _located(source, diagnostic.span, diagnostic.severity, diagnostic.message)
    for note in diagnostic.notes:
        out.extend(_located(source, note.span, "note", note.message))
    return "\n".join(out)


def render_all(diagnostics: Iterable[Diagnostic], source: Source) -> str:
    """Every diagnostic in source order, separated by blank lines."""
    ordered = sorted(diagnostics, key=lambda d: (d.span is None, d.span or Span(0, 0, 0, 0, 0, 0)))
    return "\n".join(render(d, source) for d in ordered)


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest candidate, or '' when none is close."""
    pool = sorted(set(candidates) - {name})
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in pool}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    return f" (did you mean '{close[0]}'?)" if close else ""


def quote_list(items: Sequence[str], conjunction: str = "or") -> str:
    """'a', 'b' or 'c' (items quoted, in the given order)."""
    quoted = [f"'{i}'" for i in items]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + f" {conjunction} " + quoted[-1]
