"""`--watch` (on `capcheck check`): check the spec again each time it is saved.

The loop polls the spec file's modification time (no file-system events: they differ by
platform and editors save in ways that fool them, by writing a new file and renaming it
over the old one). It runs the check once, then every `interval` seconds compares the
modification time with the one of the last check and checks again when it changed; a
file that is missing for a moment (mid-save) is waited for. A spec error or a bad option
is printed and the loop goes on, since fixing it is what the user is about to do. It ends
when the stop request is set (Ctrl-C, SIGTERM) or, for tests, after `runs` checks; it
returns the exit code of the last check. `sleep` and `mtime` are parameters so a test can
drive the loop without waiting.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Callable

from checker.cli.errors_out import spec_errors, usage_error
from checker.cli.output import EXIT_USAGE, PROG, emit
from checker.errors import SpecError, UsageError
from checker.resources import StopRequest

INTERVAL = 0.5
"""Seconds between two looks at the file."""


def file_mtime(path: str) -> int | None:
    """The file's modification time in nanoseconds, or None when it cannot be read now."""
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def watch(path: str, check: Callable[[], int], stop: StopRequest | None, *, interval: float = INTERVAL,
          sleep: Callable[[float], None] = time.sleep, mtime: Callable[[str], int | None] = file_mtime,
          runs: int | None = None, error_format: str = "text") -> int:
    """Run `check()` now and again after each change of `path`; see the module docstring."""
    seen = mtime(path)
    code = _once(check, error_format)
    done = 1
    emit(f"{PROG}: watching {path} for changes (Ctrl-C to stop)", sys.stderr)
    while (stop is None or not stop.is_set()) and (runs is None or done < runs):
        sleep(interval)
        now = mtime(path)
        if now is None or now == seen:
            continue
        seen = now
        emit(f"\n{PROG}: {path} changed; checking it again", sys.stderr)
        code = _once(check, error_format)
        done += 1
    return code


def _once(check: Callable[[], int], error_format: str) -> int:
    """One check; a spec error or bad usage is printed (exit code 2) and the watch goes on."""
    try:
        return check()
    except SpecError as err:
        spec_errors(err.diagnostics, err.source, error_format)
    except UsageError as err:
        usage_error(str(err), error_format)
    return EXIT_USAGE
