"""The machine's resources, as the bounds of a run need them: memory in use, and the
`Budget` of one command (its deadline, its memory bound, a request to stop).

A command makes one Budget when it starts (checker/cli) and passes it down; every phase
that can run long (compiling, the search, the analysis of the state graph, the SMT
engine, reading a history and checking it, explaining it, drawing diagrams) looks at it
now and then, with `check()` (raises `Stopped`) or `exceeded()` (returns the reason), and
ends early with what it decided so far. Nothing here is global: a Budget is a value, and
the one mutable part, the `StopRequest` a signal handler sets, is made by the command line
and shared through the budgets made from it.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator

from checker.result import INTERRUPTED, MEMORY, TIMEOUT


def memory_in_use(pid: int | None = None) -> int:
    """Resident memory of this process (or of process `pid`) in bytes (0 where /proc is
    not available, or the process is gone)."""
    try:
        with open(f"/proc/{pid or 'self'}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def worker_signals() -> None:
    """Make a forked worker process (of a simulation or a parallel search) leave the
    signals to its parent. It inherits the parent's handlers and its signal wakeup pipe
    (the CLI's, checker/cli/signals.py): the parent handles Ctrl-C and stops the worker;
    SIGTERM (terminate) must end it, and its signals must not reach the parent's pipe."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def process_age() -> float:
    """Seconds since this process started (Linux: /proc/self/stat against the boot clock;
    0.0 where that cannot be read), so that a time limit can count the interpreter's
    start and the imports too."""
    try:
        with open("/proc/self/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        return max(0.0, time.clock_gettime(time.CLOCK_BOOTTIME) - started)
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


def default_memory_limit() -> int | None:
    """Three quarters of the memory available when the run starts, or None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024 * 3 // 4
    except (OSError, ValueError):
        pass
    return None


class Stopped(Exception):
    """A bound of a Budget was reached: `reason` is TIMEOUT, MEMORY or INTERRUPTED (the
    exit reasons of checker/result.py); `during` names what was being done, when a phase
    said so (see `during`)."""

    def __init__(self, reason: str, during: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.during = during


@contextmanager
def during(phase: str) -> Iterator[None]:
    """Name the phase (`reading the history`) a Stopped raised within the block stopped,
    unless an inner phase named it first."""
    try:
        yield
    except Stopped as stop:
        if stop.during is None:
            stop.during = phase
        raise


class StopRequest:
    """A request to stop the run, made once (by a signal: `signal` is its number, or 0 when
    made otherwise). Thread-safe: the command line sets it from the thread that watches for
    signals, so that work in C code that never returns to Python (a Z3 check) can be
    interrupted too, through the callbacks registered with `interrupting`."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._interrupts: list[Callable[[], None]] = []
        self.signal = 0

    def set(self, signal: int = 0) -> None:
        """Request the stop (the first request's signal is kept) and call the interrupts
        registered now."""
        with self._lock:
            if not self._event.is_set():
                self.signal = signal
                self._event.set()
            interrupts = list(self._interrupts)
        for interrupt in interrupts:
            interrupt()

    def is_set(self) -> bool:
        return self._event.is_set()

    @contextmanager
    def interrupting(self, interrupt: Callable[[], None]) -> Iterator[None]:
        """Within the block, a stop request also calls `interrupt` (from another thread):
        for a call into C code that polls no budget, e.g. `z3.Context.interrupt`. Called at
        once when the stop was already requested."""
        with self._lock:
            self._interrupts.append(interrupt)
        try:
            if self.is_set():
                interrupt()
            yield
        finally:
            with self._lock:
                self._interrupts.remove(interrupt)


@dataclass(frozen=True)
class Budget:
    """What one run may use: until `deadline` on `clock` (None: no time limit), `memory`
    bytes of resident memory (None: no bound), and until `stop` is requested (None: it
    cannot be). `timeout` is the time limit in seconds as the user gave it (for reports).

    `exceeded()` looks at the stop request and the clock, and (unless asked not to) at
    the memory in use, which costs a read of /proc (about 20 µs): loops look at the clock
    often and at the memory every thousand steps or so (`every`)."""

    deadline: float | None = None
    memory: int | None = None
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)
    stop: StopRequest | None = field(default=None, compare=False)
    timeout: float | None = None

    @classmethod
    def start(cls, timeout: float | None = None, memory: int | None = None, clock: Callable[[], float] = time.monotonic,
              stop: StopRequest | None = None, elapsed: float = 0.0) -> "Budget":
        """The budget of a run that started `elapsed` seconds ago and may take `timeout`
        seconds in all."""
        return cls(None if timeout is None else clock() - elapsed + timeout, memory, clock, stop, timeout)

    def within(self, timeout: float | None = None, memory: int | None = None) -> "Budget":
        """This budget, narrowed to `timeout` more seconds from now and `memory` bytes
        (each None: as it is)."""
        deadline = self.deadline
        if timeout is not None:
            end = self.clock() + timeout
            deadline = end if deadline is None else min(deadline, end)
        if memory is not None and self.memory is not None:
            memory = min(memory, self.memory)
        return replace(self, deadline=deadline, memory=self.memory if memory is None else memory,
                       timeout=self.timeout if timeout is None else timeout if self.timeout is None
                       else min(timeout, self.timeout))

    def share(self, time_fraction: float, memory_fraction: float = 1.0) -> "Budget":
        """This budget cut to `time_fraction` of the time left and `memory_fraction` of the
        memory left (above what is in use now): for a phase that must leave some to the
        phases after it."""
        left = self.remaining()
        deadline = None if left is None else self.clock() + left * time_fraction
        if memory_fraction < 1 and self.memory is not None:
            used = memory_in_use()
            return replace(self, deadline=deadline, memory=used + int(max(0, self.memory - used) * memory_fraction))
        return replace(self, deadline=deadline)

    def extended(self, seconds: float) -> "Budget":
        """A budget for writing up what was decided: until `seconds` after the deadline (or
        after now, if later), without the stop request (the report of a stopped run is
        still written; a second signal stops that at once)."""
        deadline = None if self.deadline is None else max(self.deadline, self.clock()) + seconds
        return replace(self, deadline=deadline, stop=None)

    def remaining(self) -> float | None:
        """Seconds left before the deadline (at least 0), or None without one."""
        return None if self.deadline is None else max(0.0, self.deadline - self.clock())

    def exceeded(self, memory: bool = True) -> str | None:
        """Why the run must stop now (INTERRUPTED, TIMEOUT, MEMORY), or None; `memory`
        False: without the look at the memory in use."""
        if self.stop is not None and self.stop.is_set():
            return INTERRUPTED
        if self.deadline is not None and self.clock() >= self.deadline:
            return TIMEOUT
        if memory and self.memory is not None and memory_in_use() >= self.memory:
            return MEMORY
        return None

    def check(self, memory: bool = True) -> None:
        """Raise Stopped when the run must stop now (see `exceeded`)."""
        reason = self.exceeded(memory)
        if reason is not None:
            raise Stopped(reason)

    def every(self, count: int, mask: int = 0x3FF) -> None:
        """For a loop on its `count`th step: `check()` on every (mask + 1)th step, with
        the memory, and the cheap checks on every 64th in between."""
        if not count & 0x3F:
            self.check(memory=not count & mask)

    @contextmanager
    def interrupting(self, interrupt: Callable[[], None]) -> Iterator[None]:
        """`StopRequest.interrupting` of this budget's stop request (nothing without one)."""
        if self.stop is None:
            yield
            return
        with self.stop.interrupting(interrupt):
            yield


UNBOUNDED = Budget()
"""No limit at all (what a library call gets without a budget)."""
