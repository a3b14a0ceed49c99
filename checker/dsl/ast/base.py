"""Names and the base of every node."""

from __future__ import annotations

from dataclasses import dataclass, field

from checker.diagnostics import Span


class Ident(str):
    """A name as written in the spec. Compares, hashes and prints as the plain string."""

    span: Span | None

    def __new__(cls, text: str, span: Span | None = None) -> "Ident":
        obj = super().__new__(cls, text)
        obj.span = span
        return obj

    def __reduce__(self):  # keep the span when copied or pickled
        return (Ident, (str(self), self.span))



@dataclass(frozen=True)
class Node:
    """Base of every AST node."""

    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)
