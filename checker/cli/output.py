"""What the commands write: the exit codes, lines on stdout and stderr, JSON files (spec
errors and a spec's run-time failures are errors_out.py's).

Exit codes (stable; scripts and CI depend on them):

    0    success: the spec is well-formed / every checked property holds
    1    a property is violated (reserved for the checking commands)
    2    a bad spec or a bad command line
    3    inconclusive: a bound or the time limit was hit (reserved)
    70   an internal error: a bug in capcheck, never a user mistake
    130  stopped by SIGINT (Ctrl-C) before anything was found violated
    143  stopped by SIGTERM before anything was found violated

Every message names files exactly as the user wrote them, so output is deterministic.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from checker.errors import UsageError

if TYPE_CHECKING:   # imported where used, so that `capcheck --version` imports none of them
    from checker.resources import Stopped
    from checker.result import CheckResult

EXIT_OK = 0


EXIT_VIOLATED = 1


EXIT_USAGE = 2


EXIT_INCONCLUSIVE = 3


EXIT_INTERNAL = 70


EXIT_INTERRUPTED = 130


EXIT_BROKEN_PIPE = 141


REPORT_GRACE = 1.0
"""Seconds past the time limit the pictures of a report may take (capcheck promises the
command ends within S + 2 s): `Budget.extended(REPORT_GRACE)`."""


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


def make_parent(target: str, option: str) -> None:
    """Create the directory a file output (`--json FILE`, `--report FILE`, `-o FILE`) goes
    in when it is missing, as the directory outputs (`--render DIR`, `--itf DIR`) are
    created; a UsageError naming `option` when that fails."""
    parent = os.path.dirname(target)
    if parent:
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as exc:
            why = "a file of that name is in the way" if isinstance(exc, FileExistsError) else \
                exc.strerror or type(exc).__name__
            raise UsageError(f"{option}: cannot create the directory '{parent}': {why}") from None


def write_json(target: str | None, text: str) -> None:
    """`--json`: `text` to the file `target` (its directory created if missing), to stdout
    for '-', nowhere for None."""
    if target is None:
        return
    if target == "-":
        emit(text)
        return
    make_parent(target, "--json")
    try:
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError as exc:
        raise UsageError(f"cannot write '{target}': {exc.strerror or type(exc).__name__}") from None


def exit_code(result: CheckResult) -> int:
    from checker.result import INTERRUPTED, Verdict
    if result.failure is not None:
        return EXIT_USAGE
    if result.verdict is Verdict.VIOLATED:
        return EXIT_VIOLATED
    if result.verdict is Verdict.UNKNOWN:
        return EXIT_INTERRUPTED if result.exit_reason == INTERRUPTED else EXIT_INCONCLUSIVE
    return EXIT_OK


def stopped_before_a_result(args, stop: Stopped) -> int:
    """A run stopped (by a bound or a signal) before it had any result to report, e.g.
    while reading a history: say so on stderr, write the JSON report `--json` asks for as
    an unknown result with the reason, and return the exit status (3, or 130 for a stop
    request, which main turns into the signal's)."""
    from checker.result import INTERRUPTED, MEMORY, TIMEOUT
    budget = args.budget
    what = {TIMEOUT: f"stopped at the time limit of {budget.timeout or 0:g} s",
            MEMORY: f"stopped at the memory limit of {(budget.memory or 0) >> 20:,} MiB",
            INTERRUPTED: "interrupted"}[stop.reason]
    detail = f"{what}{' while ' + stop.during if stop.during else ''}, before anything was decided"
    json_target = getattr(args, "json", None)
    if json_target is not None:
        from checker.render import json as json_report
        if args.command == "history":
            from checker.render.history import JSON_SCHEMA
            data = {"schema": JSON_SCHEMA, "history": args.file, "verdict": "unknown", "reason": stop.reason}
        else:
            data = {"schema": json_report.SCHEMA_VERSION, "spec": args.spec, "result": "unknown",
                    "exit_reason": stop.reason}
        write_json(json_target, json_report.dumps({**data, "detail": detail}))
    emit(f"{PROG}: {detail}", sys.stderr)
    return EXIT_INTERRUPTED if stop.reason == INTERRUPTED else EXIT_INCONCLUSIVE
