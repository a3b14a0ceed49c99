"""What the code generators share: an emitter of indented source, and where a body is
being compiled (`Path`)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from checker.model.exprgen import Env, Unsupported


MAX_DEPTH = 90      # Python refuses more than 100 levels of indentation
MAX_LOOPS = 18      # ... and more than 20 nested loop, try and with blocks
_LOOPS = ("for ", "while ", "with ", "try")


class TooDeep(Exception):
    """The source would nest deeper than Python compiles (MAX_DEPTH, MAX_LOOPS)."""


TOO_DEEP = ("this nests choices, loops and branches too deeply for the explicit engine, which compiles "
            "each handler to Python (at most 20 nested loops, 100 levels of blocks); split it into "
            "several handlers, actions or functions")


@contextmanager
def located(span) -> Iterator[None]:
    """Turn TooDeep raised within the block into Unsupported located at `span` (the
    statement being compiled), unless a statement inside located it first."""
    try:
        yield
    except TooDeep:
        raise Unsupported("deeply nested statements", span, reason=TOO_DEEP) from None


class Emitter:
    """Indented lines of source. `block` raises TooDeep past what Python can compile, so
    that a spec nesting that deep gets a located error (the generators catch it at the
    statement that goes too deep) rather than a SyntaxError from `compile`."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0
        self.loops = 0
        self.fresh = 0

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    @contextmanager
    def block(self, header: str):
        """A block under `header`; one the body leaves empty (a fault budget with no nodes
        to apply it to, a node whose every handler waits for a message nobody sends) gets
        `pass`, so the source always compiles."""
        loop = header.startswith(_LOOPS)
        if self.depth >= MAX_DEPTH or (loop and self.loops >= MAX_LOOPS):
            raise TooDeep(header)
        self.line(header)
        self.depth += 1
        self.loops += loop
        size = len(self.lines)
        try:
            yield
        finally:
            if len(self.lines) == size:
                self.line("pass")
            self.depth -= 1
            self.loops -= loop

    def name(self, prefix: str) -> str:
        self.fresh += 1
        return f"{prefix}{self.fresh}"


@dataclass(frozen=True)
class Path:
    """Where a body is being compiled: the working list, the node, how to abandon the path,
    and what to append at the end (a code string that evaluates to the label, or None)."""

    env: Env
    abandon: str
    label: str | None
    request: str | None = None  # the handle of the request a `request` handler is answering
