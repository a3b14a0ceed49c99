"""How spec errors, a spec's run-time failures (`located`) and usage errors are printed:
as text (`file:line:col: error: ...`, the source line and a caret) or, with
`--error-format json` (every command has it), as JSON for editors and other tools: one
object per line on stderr, one per diagnostic.

A diagnostic's object: `severity` ("error"), `message`, `file` (the path as given; null for
a usage error), `line`, `column`, `end_line`, `end_column` (1-based; the end column is one
past the last character; all null when the error has no place), and `notes`, each with its
`message` and the same place fields. Keys are written in that order, so the output is
deterministic.
"""

from __future__ import annotations

import json
import sys
from typing import Iterable

from checker.cli.output import PROG, emit
from checker.diagnostics import Diagnostic, Source, Span, render_all

FORMATS = ("text", "json")


def add_error_format_option(cmd) -> None:
    cmd.add_argument("--error-format", choices=FORMATS, default="text",
                     help="how spec and usage errors are printed on stderr: text (default) or json (one "
                          "object per diagnostic and line, for editors)")


def spec_errors(diagnostics: Iterable[Diagnostic], source: Source, fmt: str) -> None:
    """Print located diagnostics of `source` in `fmt`."""
    diagnostics = sorted(diagnostics, key=lambda d: (d.span is None, d.span or Span(0, 0, 0, 0, 0, 0)))
    if fmt == "json":
        for d in diagnostics:
            emit(json.dumps(_data(d, source.path), ensure_ascii=False), sys.stderr)
    else:
        emit(render_all(diagnostics, source), sys.stderr)


def usage_error(message: str, fmt: str) -> None:
    """Print a usage error (no place in a spec) in `fmt`."""
    if fmt == "json":
        emit(json.dumps(_data(Diagnostic(message, None), None), ensure_ascii=False), sys.stderr)
    else:
        emit(f"{PROG}: error: {message}", sys.stderr)


def _data(d: Diagnostic, path: str | None) -> dict:
    out: dict = {"severity": d.severity, "message": d.message, "file": path, **_place(d.span)}
    out["notes"] = [{"message": n.message, **_place(n.span)} for n in d.notes]
    return out


def _place(span: Span | None) -> dict:
    if span is None:
        return {"line": None, "column": None, "end_line": None, "end_column": None}
    return {"line": span.line, "column": span.column, "end_line": span.end_line, "end_column": span.end_column}


def located(message: str, span, path: str, error_format: str = "text") -> None:
    """A run-time failure of the spec, located like any spec error (in `error_format`)."""
    from checker.errors import CheckerError
    from checker.pipeline import read_spec
    try:
        text = read_spec(path).decode("utf-8")
    except (CheckerError, UnicodeDecodeError):
        text = ""
    spec_errors([Diagnostic(message, span)], Source(path, text), error_format)
