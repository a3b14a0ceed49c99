"""SIGINT and SIGTERM during a command: the first one asks the run to stop (a
`StopRequest`, checker/resources.py, which every budgeted phase looks at), so that the
report of what was decided so far is still printed and written; a second one stops at
once (KeyboardInterrupt: exit status 130 or 143, no report).

Both are caught whatever the process inherited: a run started in the background by a
non-interactive shell inherits SIGINT ignored, and would otherwise run on after Ctrl-C or
`kill -INT`. A thread waits for the signal numbers Python writes to a wakeup pipe and sets
the request at once, so that work in C that does not return to Python (a Z3 check) is
interrupted through the callbacks registered with `StopRequest.interrupting`.
"""

from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager
from typing import Iterator

from checker.resources import StopRequest

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def exit_status(signum: int) -> int:
    """The exit status of a run a signal stopped: 128 + its number (130 for SIGINT, 143 for
    SIGTERM), as a shell reports a process the signal killed."""
    return 128 + signum


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


@contextmanager
def stopping_on_signals(stop: StopRequest) -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM set `stop` (a second one raises
    KeyboardInterrupt); the handlers and the wakeup pipe before it are restored after.
    Outside the main thread (where Python cannot install handlers) nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []

    def handler(signum: int, _frame) -> None:
        received.append(signum)
        stop.set(signum)
        if len(received) > 1:
            raise KeyboardInterrupt

    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    old_wakeup = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    watcher = threading.Thread(target=_watch, args=(read_end, stop), name="capcheck-signals", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        signal.set_wakeup_fd(old_wakeup)
        for s, h in previous.items():
            signal.signal(s, h if h is not None else signal.SIG_DFL)
        os.close(write_end)
        watcher.join()
        os.close(read_end)


def _watch(read_end: int, stop: StopRequest) -> None:
    """Set `stop` for every signal number written to the pipe, until it is closed."""
    while True:
        try:
            data = os.read(read_end, 64)
        except OSError:
            return
        if not data:
            return
        for signum in data:
            if signum in STOP_SIGNALS:
                stop.set(signum)
