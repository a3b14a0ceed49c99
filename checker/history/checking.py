"""Reading a history file and checking it: what `capcheck history` does for each file,
as one call of the Python API.

`check_history(path)` reads the file (its format told from its first line unless `fmt`
names it), chooses the model, and checks the operations for linearizability with the
offline checker (checker/props/linearizability.py). Deterministic apart from where a
`budget` stops it.
"""

from __future__ import annotations

from checker.history.read import History, read_file, read_history
from checker.props.linearizability import CheckOptions, check_operations
from checker.props.operations import LinearizabilityResult
from checker.resources import UNBOUNDED, Budget, during
from checker.result import Verdict


def check_history(path: str, fmt: str = "auto", model: str | None = None, budget: Budget = UNBOUNDED,
                  stop_at_first: bool = False) -> tuple[History, LinearizabilityResult]:
    """The history in the file at `path` and the verdict on it; with `stop_at_first`, the
    check stops once a part (a key) is found violated (CheckOptions.stop_at_first).

    Raises UsageError when the file cannot be read, SpecError (located in the file) when
    it is not a well-formed history, and Stopped when `budget` runs out while reading; a
    budget that runs out while checking gives an UNKNOWN verdict with the reason.
    """
    with during("reading the history"):
        history = read_history(path, read_file(path, budget), fmt, model, budget)
    return history, check(history, budget, stop_at_first)


def check(history: History, budget: Budget = UNBOUNDED, stop_at_first: bool = False) -> LinearizabilityResult:
    """The verdict on a history that was read (an empty one is linearizable)."""
    if history.operations and history.spec is not None:
        return check_operations(history.spec, history.operations,
                                CheckOptions(budget=budget, stop_at_first=stop_at_first))
    return LinearizabilityResult(Verdict.HOLDS, ())
