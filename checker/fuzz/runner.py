"""Running fuzz cases: each in a forked child of a process that has loaded capcheck once
(so thousands of cases take minutes), in a directory of its own holding its input files,
with its output captured, a CPU and an address-space limit as a safety net, and judged
when it ends.

A case fails (`Outcome.failure`) when capcheck:
- exits 70 (an internal error), or any status it never gives (not 0, 1, 2 or 3);
- prints a Python traceback on stderr;
- runs past its time bound (`Case.seconds`: the `--timeout` it was given plus the grace
  capcheck promises, 2 s or 2 %; a fixed bound for the commands without --timeout): the
  harness kills it;
- uses more memory (peak resident set, os.wait4) than its bound: 5 % over the
  `--max-memory` it was given, for the commands that take one;
- dies of a signal it was not sent.

Failing cases are copied to a directory of their own with `case.json` (the command line,
the seed, what went wrong) and their files, so `cd DIR && capcheck ARGS` replays them.
"""

from __future__ import annotations

import faulthandler
import io
import json
import os
import resource
import shlex
import shutil
import signal
import sys
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

ALLOWED_EXITS = (0, 1, 2, 3)
HARNESS_ERROR = 99          # the child's own failure to run the case (a bug of the harness)
TRACEBACK = "Traceback (most recent call last)"


@dataclass(frozen=True)
class Case:
    """One run of capcheck: `argv` in a directory holding `files` (name, bytes), with its
    time bound `seconds` and memory bound `memory` (bytes of peak resident memory)."""

    kind: str
    index: int
    seed: str
    argv: tuple[str, ...]
    files: tuple[tuple[str, bytes], ...]
    seconds: float
    memory: int


@dataclass(frozen=True)
class Outcome:
    """How a case ended: its exit status (None when a signal ended it: `signal`), its wall
    time, peak resident memory (bytes) and stderr; `failure` says what was wrong (None:
    nothing)."""

    case: Case
    status: int | None
    signal: int | None
    seconds: float
    peak: int
    stderr: str
    failure: str | None


def judge(case: Case, status: int | None, signum: int | None, seconds: float, peak: int, stderr: str,
          killed: bool) -> str | None:
    """What is wrong with a run (see the module doc), or None."""
    if killed:
        return f"hang: still running after {case.seconds:g} s"
    if signum is not None:
        return f"crash: killed by signal {signum}"
    if status == HARNESS_ERROR:
        return "harness: the case could not be run"
    if status == 70:
        return "internal error (exit 70)"
    if TRACEBACK in stderr:
        return "traceback on stderr"
    if status not in ALLOWED_EXITS:
        return f"exit status {status}"
    if peak > case.memory:
        return f"memory: peak {peak >> 20} MiB over the bound of {case.memory >> 20} MiB"
    return None


def _child(case: Case, workdir: Path, target: Callable[[list[str]], int]) -> None:
    """Run the case in this (forked) process and exit with its status; never returns."""
    status = HARNESS_ERROR
    try:
        os.chdir(workdir)
        for fd, name in ((1, "stdout"), (2, "stderr")):
            out = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(out, fd)
            os.close(out)
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", line_buffering=True)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", line_buffering=True)
        faulthandler.enable(sys.stderr)   # a crash's Python stack goes to the case's stderr
        cpu = int(case.seconds) + 10
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        space = max(8 << 30, case.memory * 8)
        resource.setrlimit(resource.RLIMIT_AS, (space, space))
        for s in (signal.SIGINT, signal.SIGTERM):
            signal.signal(s, signal.SIG_DFL)
        status = target(list(case.argv))
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else HARNESS_ERROR
    except BaseException:  # noqa: BLE001 - whatever escapes capcheck's main is the finding
        traceback.print_exc()
        status = HARNESS_ERROR if status == HARNESS_ERROR else status
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(status if isinstance(status, int) and 0 <= status < 256 else HARNESS_ERROR)


@dataclass
class _Running:
    case: Case
    workdir: Path
    start: float
    killed: bool = False


def run_cases(cases: Iterable[Case], scratch: Path, jobs: int = 2,
              target: Callable[[list[str]], int] | None = None) -> Iterator[Outcome]:
    """Run `cases`, `jobs` at a time, each in a forked child in a directory under
    `scratch` (removed after); yield each Outcome as its case ends (not in order).
    `target` is what the child runs (default: capcheck's `main`)."""
    if target is None:
        from checker.cli import main
        target = main
    pending = iter(cases)
    running: dict[int, _Running] = {}
    exhausted = False
    while running or not exhausted:
        while not exhausted and len(running) < jobs:
            case = next(pending, None)
            if case is None:
                exhausted = True
                break
            pid, entry = _start(case, scratch, target)
            running[pid] = entry
        finished = _reap(running)
        for outcome in finished:
            yield outcome
        if not finished:
            _kill_hangs(running)
            time.sleep(0.005)


def _start(case: Case, scratch: Path, target: Callable[[list[str]], int]) -> tuple[int, _Running]:
    workdir = scratch / f"{case.kind}-{case.index:05d}"
    workdir.mkdir(parents=True)
    for name, data in case.files:
        (workdir / name).parent.mkdir(parents=True, exist_ok=True)
        (workdir / name).write_bytes(data)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        _child(case, workdir, target)
    return pid, _Running(case, workdir, time.monotonic())


def _reap(running: dict[int, _Running]) -> list[Outcome]:
    out = []
    for pid in list(running):
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done == 0:
            continue
        entry = running.pop(pid)
        seconds = time.monotonic() - entry.start
        code = os.waitstatus_to_exitcode(status)
        exit_status, signum = (code, None) if code >= 0 else (None, -code)
        if entry.killed:
            signum = None
        stderr = (entry.workdir / "stderr").read_text(encoding="utf-8", errors="replace")
        peak = usage.ru_maxrss * 1024
        failure = judge(entry.case, exit_status, signum, seconds, peak, stderr, entry.killed)
        out.append(Outcome(entry.case, exit_status, signum, seconds, peak, stderr, failure))
        shutil.rmtree(entry.workdir, ignore_errors=True)
    return out


def _kill_hangs(running: dict[int, _Running]) -> None:
    now = time.monotonic()
    for pid, entry in running.items():
        if not entry.killed and now - entry.start > entry.case.seconds:
            entry.killed = True
            os.kill(pid, signal.SIGKILL)


def save_failure(outcome: Outcome, directory: Path) -> Path:
    """Write a failing case to `directory`/KIND-INDEX: its files, `case.json` and the
    output; the path written."""
    case = outcome.case
    where = directory / f"{case.kind}-{case.index:05d}"
    where.mkdir(parents=True, exist_ok=True)
    for name, data in case.files:
        (where / name).parent.mkdir(parents=True, exist_ok=True)
        (where / name).write_bytes(data)
    record = {k: v for k, v in asdict(case).items() if k != "files"}
    record.update(failure=outcome.failure, status=outcome.status, signal=outcome.signal,
                  took=round(outcome.seconds, 2), peak_mib=outcome.peak >> 20,
                  replay=f"cd {shlex.quote(str(where))} && capcheck {shlex.join(case.argv)}")
    (where / "case.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    (where / "stderr.txt").write_text(outcome.stderr, encoding="utf-8")
    return where


def summary(outcomes: Sequence[Outcome]) -> str:
    """Counts per kind: cases, exit statuses, failures; slowest case and largest peak."""
    lines = []
    for kind in sorted({o.case.kind for o in outcomes}):
        mine = [o for o in outcomes if o.case.kind == kind]
        codes: dict[str, int] = {}
        for o in mine:
            key = str(o.status) if o.status is not None else f"signal {o.signal}" if o.signal else "killed"
            codes[key] = codes.get(key, 0) + 1
        failed = sum(1 for o in mine if o.failure)
        slowest = max(mine, key=lambda o: o.seconds)
        largest = max(mine, key=lambda o: o.peak)
        shown = ", ".join(f"{k}: {n}" for k, n in sorted(codes.items()))
        lines.append(f"{kind}: {len(mine)} cases, {failed} failed (exit statuses {shown}); slowest "
                     f"{slowest.seconds:.1f} s (bound {slowest.case.seconds:g} s), largest {largest.peak >> 20} MiB")
    return "\n".join(lines)
