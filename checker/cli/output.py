"""What the commands write: the exit codes, lines on stdout and stderr, JSON files, and
run-time failures of a spec located like spec errors.

Exit codes (stable; scripts and CI depend on them):

    0    success: the spec is well-formed / every checked property holds
    1    a property is violated (reserved for the checking commands)
    2    a bad spec or a bad command line
    3    inconclusive: a bound or the time limit was hit (reserved)
    70   an internal error: a bug in capcheck, never a user mistake
    130  interrupted (Ctrl-C)

Every message names files exactly as the user wrote them, so output is deterministic.
"""

from __future__ import annotations

import sys

from checker.diagnostics import Diagnostic, Source, render_all
from checker.errors import CheckerError, UsageError
from checker.pipeline import read_spec
from checker.result import INTERRUPTED, CheckResult, Verdict

EXIT_OK = 0


EXIT_VIOLATED = 1


EXIT_USAGE = 2


EXIT_INCONCLUSIVE = 3


EXIT_INTERNAL = 70


EXIT_INTERRUPTED = 130


EXIT_BROKEN_PIPE = 141


PROG = "capcheck"


def emit(text: str, stream=None) -> None:
    """Write `text` and a newline to stream (default stdout).

    Characters the stream cannot encode (a non-ASCII path under an ASCII locale) are shown
    as backslash escapes instead of failing.
    """
    stream = stream if stream is not None else sys.stdout
    text += "\n"
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))


def write_json(target: str | None, text: str) -> None:
    if target is None:
        return
    if target == "-":
        emit(text)
        return
    try:
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError as exc:
        raise UsageError(f"cannot write '{target}': {exc.strerror or type(exc).__name__}") from None


def exit_code(result: CheckResult) -> int:
    if result.failure is not None:
        return EXIT_USAGE
    if result.verdict is Verdict.VIOLATED:
        return EXIT_VIOLATED
    if result.verdict is Verdict.UNKNOWN:
        return EXIT_INTERRUPTED if result.exit_reason == INTERRUPTED else EXIT_INCONCLUSIVE
    return EXIT_OK


def located(message: str, span, path: str) -> None:
    """A run-time failure of the spec, located like any spec error."""
    try:
        text = read_spec(path).decode("utf-8")
    except (CheckerError, UnicodeDecodeError):
        text = ""
    emit(render_all([Diagnostic(message, span)], Source(path, text)), sys.stderr)
