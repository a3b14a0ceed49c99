"""Offsets to spans, and a map that remembers where its values are."""

from __future__ import annotations

import bisect

from checker.diagnostics import Span

MAX_NUMBER_CHARS = 4000
"""The longest number the readers convert: Python refuses integers of more than 4,300
digits, and a longer number is no value a recorded history holds."""


def number_problem(text: str, value: object) -> str | None:
    """Why the number written `text` and read as `value` is refused (None: it is not): too
    long to convert, or a float too large for a double (`1e999999` would read as
    infinity). Call with `value` None to test the length before converting."""
    if len(text) > MAX_NUMBER_CHARS:
        return f"this number is too long ({len(text):,} characters; at most {MAX_NUMBER_CHARS:,})"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "this number is too large for a double-precision float"
    return None


class Locator:
    """Turns character offsets of one text into `Span`s (1-based lines and columns)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        found = text.find("\n")
        while found >= 0:
            self.starts.append(found + 1)
            found = text.find("\n", found + 1)

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column) of a character offset, both 1-based."""
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def span(self, start: int, end: int | None = None) -> Span:
        """The span of the characters [start, end) (one character when end is None)."""
        end = start + 1 if end is None or end <= start else end
        starts = self.starts
        line = bisect.bisect_right(starts, start)
        first = starts[line - 1]
        if line == len(starts) or end < starts[line]:   # on one line, as most events are
            return Span(start, end, line, start - first + 1, line, end - first + 1)
        end_line, end_column = self.position(end)
        return Span(start, end, line, start - first + 1, end_line, end_column)


class LocatedMap(dict):
    """A map read from a file (an EDN map, a JSON object): a dict not to be modified after
    reading (it is hashable), keys in the order written. `start` and `end` are its offsets;
    `value_at(key)` is the (start, end) of a value, or of the whole map for a missing key."""

    __slots__ = ("start", "end", "spans")

    def __init__(self, start: int = 0, end: int = 0) -> None:
        super().__init__()
        self.start, self.end = start, end
        self.spans: dict[object, tuple[int, int]] = {}

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def value_at(self, key: object) -> tuple[int, int]:
        return self.spans.get(key, (self.start, self.start + 1))
