"""The one exception hierarchy of capcheck.

`CheckerError` is the root. `SpecError` is a user mistake and always carries located
diagnostics; `UsageError` is a bad command line; `InternalError` is a bug in capcheck.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from checker.diagnostics import Diagnostic, Source


class CheckerError(Exception):
    """Root of every error capcheck raises on purpose."""


class SpecError(CheckerError):
    """One or more located mistakes in a spec.

    `diagnostics` is never empty; `source` is the text they point into.
    """

    def __init__(self, diagnostics: Sequence["Diagnostic"], source: "Source") -> None:
        if not diagnostics:
            raise ValueError("SpecError needs at least one diagnostic")
        self.diagnostics = tuple(diagnostics)
        self.source = source
        super().__init__(self.diagnostics[0].message)

    def render(self) -> str:
        """The full report: every diagnostic with its source line and caret."""
        from checker.diagnostics import render_all

        return render_all(self.diagnostics, self.source)

    def __str__(self) -> str:
        return self.render()


class UsageError(CheckerError):
    """A bad command line: unknown option, missing file, malformed -D value."""


class InternalError(CheckerError):
    """A bug in capcheck: an invariant of its own code that did not hold."""
