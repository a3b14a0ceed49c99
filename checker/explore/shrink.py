"""Counterexample shrinking: shorter runs of the spec that still break the same property.

A run is named here by its steps' *labels* (the core of `Model.labeled`'s labels, without
the replies a step gave), not by action indices: an index names a step only among the
successors of one particular state, and removing an earlier step changes that list. A
candidate is replayed from the initial state by taking, at each step, the first enabled
step whose label is the wanted one; the run is then cut at the first state that breaks the
property.

The passes, in the manner of Hypothesis's shrinker (cheap, large cuts first; repeat all of
them until none makes progress):

1. delete a chunk of consecutive steps (sizes from the largest power of two down to 1); the
   candidate is dropped when a kept step is no longer enabled;
2. delete one step together with everything that depended on it: replay the rest and skip
   each step that is no longer enabled (removing an invocation drops its request and its
   messages; removing a crash drops the restart, a partition its heal).

A candidate is kept only when it is strictly shorter, so the result is never longer than
the input, always a real run (it was produced by replaying), and its last state (and no
earlier one) breaks the property. Liveness counterexamples (`available`, `converges`) are
left as they are: a shorter lasso would have to be re-verified as a fair cycle or dead end,
which this module does not do yet.

Pure and deterministic; the number of replays is bounded by `budget`.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Sequence

from checker.explore.liveness import KINDS as LIVENESS_KINDS
from checker.explore.search import DEADLOCK, replay
from checker.model import Model
from checker.model.values import SpecRuntimeError
from checker.result import CheckResult, PropertyResult, Verdict

DEFAULT_BUDGET = 20_000   # replays per counterexample


def broken_test(model: Model, prop: PropertyResult) -> Callable[[tuple], bool] | None:
    """A predicate telling whether a state breaks `prop`, or None for properties whose
    counterexamples are not single bad states (liveness) or that the model does not decide.
    Invariants and the history checks (linearizable, sequential, durable, sessions) are
    predicates over states (`Model.invariants`); a deadlock is a state with no step and work
    left."""
    if prop.kind in LIVENESS_KINDS:
        return None
    if prop.kind == DEADLOCK:
        return lambda s: not model.successors(s) and not model.quiet(s)
    for inv in model.invariants:
        if inv.prop.name == prop.name:
            return lambda s, inv=inv: not inv.holds(s)
    return None


class _Runner:
    """Replays runs named by labels; counts the replays against the budget."""

    def __init__(self, model: Model, broken: Callable[[tuple], bool], budget: int) -> None:
        self.model = model
        self.broken = broken
        self.left = budget
        clients = model.program.clients is not None
        self.core: Callable[[tuple], object] = (lambda label: label[0]) if clients else (lambda label: label)

    def labels(self, path: Sequence[int]) -> list:
        """The labels of the steps of `path` (which must replay)."""
        state = self.model.init_states()[path[0]]
        out = []
        for a in path[1:]:
            label, state = self.model.labeled(state)[a]
            out.append(self.core(label))
        return out

    def run(self, init: int, labels: Sequence, lenient: bool) -> tuple[list[int], list] | None:
        """The path and labels of the run that takes `labels` in turn from initial state
        `init`, cut at its first state that breaks the property; None when no state does,
        or a step is not enabled (with `lenient`, such a step is skipped instead)."""
        self.left -= 1
        state = self.model.init_states()[init]
        path, kept = [init], []
        try:
            if self.broken(state):
                return path, kept
            for want in labels:
                pairs = self.model.labeled(state)
                i = next((k for k, (label, _) in enumerate(pairs) if self.core(label) == want), None)
                if i is None:
                    if lenient:
                        continue
                    return None
                state = pairs[i][1]
                path.append(i)
                kept.append(want)
                if self.broken(state):
                    return path, kept
        except SpecRuntimeError:
            return None
        return None


def shrink_path(model: Model, path: Sequence[int], broken: Callable[[tuple], bool],
                budget: int = DEFAULT_BUDGET) -> tuple[int, ...]:
    """A path no longer than `path` whose last state, and no earlier one, breaks the property
    `broken` tests. `path` must replay and end in a state that breaks it (else ValueError)."""
    runner = _Runner(model, broken, budget)
    found = runner.run(path[0], runner.labels(path), lenient=False)
    if found is None:
        raise ValueError("the path to shrink does not end in a state that breaks the property")
    best, labels = found
    progress = True
    while progress and runner.left > 0:
        progress = False
        for shrink_pass in (_delete_chunks, _delete_dependents):
            better = shrink_pass(runner, best[0], labels)
            if better is not None:
                best, labels = better
                progress = True
    return tuple(best)


def _delete_chunks(runner: _Runner, init: int, labels: list) -> tuple[list[int], list] | None:
    """Delete runs of consecutive steps, largest sizes first; None when nothing shrank."""
    best = None
    size = 1 << max(len(labels).bit_length() - 1, 0)
    while size >= 1 and labels:
        i = len(labels) - size
        while i >= 0 and runner.left > 0:
            found = runner.run(init, labels[:i] + labels[i + size:], lenient=False)
            if found is not None and len(found[1]) < len(labels):
                best = found
                labels = found[1]
            i -= 1
            i = min(i, len(labels) - size)
        size //= 2
    return best


def _delete_dependents(runner: _Runner, init: int, labels: list) -> tuple[list[int], list] | None:
    """Delete one step and every later step it enabled; None when nothing shrank."""
    best = None
    i = len(labels) - 1
    while i >= 0 and runner.left > 0:
        found = runner.run(init, labels[:i] + labels[i + 1:], lenient=True)
        if found is not None and len(found[1]) < len(labels):
            best = found
            labels = found[1]
        i = min(i - 1, len(labels) - 1)
    return best


def shrink_result(model: Model, result: CheckResult, budget: int = DEFAULT_BUDGET) -> CheckResult:
    """`result` with the trace of every violated safety property shrunk (`shrink_path`);
    a property whose trace got shorter records the old length in `shrunk_from`. Liveness
    traces and a run-time failure's trace are kept as they are."""
    props = []
    for p in result.properties:
        broken = broken_test(model, p) if p.verdict is Verdict.VIOLATED and p.trace is not None else None
        if broken is not None:
            path = shrink_path(model, p.trace.path, broken, budget)  # type: ignore[union-attr]
            if len(path) - 1 < p.trace.length:  # type: ignore[union-attr]
                p = dataclasses.replace(p, trace=replay(model, path), shrunk_from=p.trace.length)  # type: ignore[union-attr]
        props.append(p)
    return dataclasses.replace(result, properties=tuple(props))
