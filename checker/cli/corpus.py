"""`capcheck history` on several files (or directories): one line per file, then a summary.

Every file is read and checked as `capcheck history FILE` would (checker/history/checking.py),
in this process or, with `--jobs N`, in N worker processes; the lines come out in the
order of the files whatever finishes first, so the output is the same for every N. A file
that cannot be read, or is not a well-formed history, gets its first error line and the
run goes on. `--json` writes JSON Lines: for each file, the object `capcheck history FILE
--json` writes, on one line.

Exit status: 2 when a file was unreadable, else 1 when one is not linearizable, else
130/143 when a signal stopped the run, else 3 when a verdict is unknown, else 0.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
from dataclasses import dataclass
from typing import Iterable, Iterator

from checker.cli.output import (
    EXIT_INCONCLUSIVE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_VIOLATED,
    emit,
    write_json,
)
from checker.errors import SpecError, UsageError
from checker.resources import Budget, Stopped, StopRequest
from checker.result import INTERRUPTED

SUFFIXES = (".edn", ".json", ".log", ".txt")
"""The files a directory stands for: the names the history formats usually have."""

UNREADABLE = "unreadable"
OUTCOMES = ("linearizable", "not linearizable", "unknown", UNREADABLE)
"""The outcomes of a file, in the order the summary counts them."""

_POLL = 0.2   # seconds between looks at the stop request while workers check files


@dataclass(frozen=True)
class FileOutcome:
    """What one file gave: its `outcome` (one of OUTCOMES), the `line` printed for it, its
    JSON object, and `reason` ('interrupted' when a stop request cut its check short)."""

    path: str
    outcome: str
    line: str
    data: dict
    reason: str | None = None


@dataclass(frozen=True)
class _Task:
    """A file to check and the options to check it with, sent to a worker (picklable: the
    budget's deadline is on the monotonic clock, which every process shares)."""

    path: str
    format: str
    model: str | None
    deadline: float | None
    memory: int | None
    stop_at_first: bool = False


def history_files(paths: Iterable[str]) -> list[str]:
    """The files `paths` name, in order: a file as given, a directory as the files below it
    whose names end in one of SUFFIXES (hidden ones left out), sorted. A path that does
    not exist is kept: reading it reports the error. Raises UsageError when a directory
    holds no history file."""
    files: list[str] = []
    for path in paths:
        if not os.path.isdir(path):
            files.append(path)
            continue
        found = sorted(_below(path))
        if not found:
            raise UsageError(f"'{path}' holds no history file (*{', *'.join(SUFFIXES)})")
        files += found
    return files


def _below(directory: str) -> Iterator[str]:
    for root, dirs, names in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if name.endswith(SUFFIXES) and not name.startswith("."):
                yield os.path.join(root, name)


def check_file(task: _Task, stop: StopRequest | None = None) -> FileOutcome:
    """Read and check one file (in this process, under the command's `stop` request, or in
    a worker); never raises for a file that is unreadable or malformed: that is its outcome."""
    from checker.history.checking import check_history
    from checker.render import history as report

    budget = Budget(task.deadline, task.memory, stop=stop)
    try:
        history, result = check_history(task.path, task.format, task.model, budget, task.stop_at_first)
    except SpecError as err:
        return _unreadable(task.path, err.render().splitlines()[0])
    except UsageError as err:
        return _unreadable(task.path, f"{task.path}: error: {err}")
    except Stopped as stop:
        word = report.REASONS.get(stop.reason, "the check stopped")
        return FileOutcome(task.path, "unknown", f"{task.path}: unknown: {word} while reading the history",
                           {"schema": report.JSON_SCHEMA, "history": task.path, "verdict": "unknown",
                            "reason": stop.reason}, stop.reason)
    data = report.data(history, result)
    return FileOutcome(task.path, data["verdict"], f"{task.path}: {report.verdict_line(history, result)}", data,
                       result.reason)


def _unreadable(path: str, line: str) -> FileOutcome:
    from checker.render.history import JSON_SCHEMA

    return FileOutcome(path, UNREADABLE, line, {"schema": JSON_SCHEMA, "history": path, "verdict": "error",
                                                "error": line})


def check_corpus(args: argparse.Namespace) -> int:
    """`capcheck history` on several files: print a line per file as it is decided (in the
    order of the files), then the summary; write the JSON Lines `--json` asks for."""
    files = history_files(args.files)
    budget: Budget = args.budget
    tasks = [_Task(f, args.format, args.model, budget.deadline, budget.memory, args.stop_at_first) for f in files]
    outcomes: list[FileOutcome] = []
    json_lines: list[str] = []
    for outcome in _outcomes(tasks, min(args.jobs, len(tasks)), budget):
        outcomes.append(outcome)
        json_lines.append(json.dumps(outcome.data, ensure_ascii=False))
        if args.json != "-":
            emit(outcome.line)
        if outcome.reason == INTERRUPTED:
            break
    write_json(args.json, "\n".join(json_lines))
    if args.json != "-":
        emit(summary(outcomes, len(files)))
    return exit_status(outcomes, len(files))


def _outcomes(tasks: list[_Task], jobs: int, budget: Budget) -> Iterator[FileOutcome]:
    """The outcome of each task, in order; stops early (the rest not checked) once the
    stop request is set."""
    if jobs <= 1:
        for task in tasks:
            if budget.stop is not None and budget.stop.is_set():
                return
            yield check_file(task, budget.stop)
        return
    import multiprocessing  # only for --jobs: a single process does without its import

    pool = multiprocessing.get_context("fork").Pool(jobs, initializer=_worker_starts)
    try:
        results = pool.imap(check_file, tasks)
        for _ in tasks:
            outcome = _next(results, budget)
            if outcome is None:
                return
            yield outcome
    finally:
        pool.terminate()
        pool.join()


def _next(results, budget: Budget) -> FileOutcome | None:
    """The next worker result, or None once the stop request is set."""
    import multiprocessing

    while True:
        if budget.stop is not None and budget.stop.is_set():
            return None
        try:
            return results.next(timeout=_POLL)
        except multiprocessing.TimeoutError:
            continue


def _worker_starts() -> None:
    """In a worker: SIGINT is the parent's to handle (it stops the pool); SIGTERM ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        signal.set_wakeup_fd(-1)
    except ValueError:
        pass


def summary(outcomes: list[FileOutcome], total: int) -> str:
    """'108 histories: 26 linearizable, 82 not linearizable' (outcomes with none left out;
    files a stop left unchecked counted last)."""
    counts = [(sum(1 for o in outcomes if o.outcome == name), name) for name in OUTCOMES]
    parts = [f"{n:,} {name}" for n, name in counts if n]
    if len(outcomes) < total:
        parts.append(f"{total - len(outcomes):,} not checked")
    return f"{total:,} histor{'y' if total == 1 else 'ies'}: " + ", ".join(parts)


def exit_status(outcomes: list[FileOutcome], total: int) -> int:
    """2 for an unreadable file, else 1 for a violation, else 130 when stopped (the command
    line turns it into 128 + the signal's number), else 3 for an unknown verdict, else 0."""
    found = {o.outcome for o in outcomes}
    if UNREADABLE in found:
        return EXIT_USAGE
    if "not linearizable" in found:
        return EXIT_VIOLATED
    if len(outcomes) < total or any(o.reason == INTERRUPTED for o in outcomes):
        return EXIT_INTERRUPTED
    return EXIT_INCONCLUSIVE if "unknown" in found else EXIT_OK
