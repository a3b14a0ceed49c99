"""What the code generators share: an emitter of indented source, and where a body is
being compiled (`Path`)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from checker.model.exprgen import Env


class Emitter:
    """Indented lines of source."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0
        self.fresh = 0

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    @contextmanager
    def block(self, header: str):
        """A header and the lines written inside the `with`, indented; `pass` when none
        were (a node whose every handler waits for a message nobody sends)."""
        self.line(header)
        self.depth += 1
        written = len(self.lines)
        try:
            yield
        finally:
            if len(self.lines) == written:
                self.line("pass")
            self.depth -= 1

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
