"""Counterexample shrinking: shorter runs of the spec that still break the same property.

A run is named here by its steps' *labels* (the core of `Model.labeled`'s labels, without
the replies a step gave), not by action indices: an index names a step only among the
successors of one particular state, and removing an earlier step changes that list. A
candidate is replayed from the initial state by taking, at each step, the first enabled
step whose label is the wanted one; the run is then cut at the first state that breaks the
property.

The passes, in the manner of Hypothesis's shrinker (cheap, large cuts first; after any
progress start again from the cheapest; stop when none makes progress or the budget is
spent):

1. delete a chunk of consecutive steps (sizes from the largest power of two down to 1); the
   candidate is dropped when a kept step is no longer enabled;
2. delete one step together with everything that depended on it: replay the rest and skip
   each step that is no longer enabled (removing an invocation drops its request and its
   messages; removing a crash drops the restart, a partition its heal);
3. move one step to another place, later (the end first) or earlier (the start first),
   skipping the steps that are then not enabled: a read moved before the write that would
   have made it fresh, or a step moved past everything that depended on it, which drops
   those;
4. replace one step with another step enabled in its place (a request sent to another
   node, another delivery), repairing the rest: a step that is no longer enabled is taken
   after one extra step that enables it when there is one, and skipped otherwise.

Candidates are ordered *shortlex* by their paths (fewer steps first, then the action
indices compared in turn), as Hypothesis orders its choice sequences, and a candidate is
kept only when it comes strictly before the current run. So a move or a replacement may
keep a run of the same length whose steps come earlier in the model's order, which a later
deletion can build on; the order is well founded (finitely many runs of each length), so
the loop ends even without the budget. The result is never longer than the input, always
a real run (it was produced by replaying), and its last state, and no earlier one, breaks
the property.

Liveness counterexamples (`available`, `converges`) are lassos (result.Lasso): a stem, then
a fault-free continuation that ends in a loop, a dead end or an error reply. The passes
edit the stem only. A candidate stem is replayed in full and handed to the liveness check
itself (`lasso_after`): `search` explores the model as seen from the stem's last state with
only the continuation's steps enabled, decides the property there with liveness.py's own
analysis (dead ends, fair components, error replies) and gives the shortest bad
continuation (it may begin with a few continuation steps, which then join the stem). The
candidate is kept when that lasso ends the same way as the input's (a loop stays a loop)
and the whole run comes first in the order above; so the result is a complete lasso of the
same property, verified as the search verifies its own. Each such check is a graph search
from one state, bounded by `LASSO_STATES` states (a bound hit before a violation is found
rejects the candidate); at most `LASSO_BUDGET` stems are replayed per lasso.

Pure and deterministic; the replays are bounded by `DEFAULT_BUDGET` per safety
counterexample and `LASSO_BUDGET` per lasso (a label sequence tried twice costs once).
Shrinking is also bounded by the command's `Budget` (checker/resources.py, `limits`):
when its time, memory or a stop request runs out, the shortest run found so far is kept
(deterministic only without a time limit).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Sequence

from checker.explore import liveness
from checker.explore.search import DEADLOCK, SearchOptions, final_state, replay, search
from checker.resources import UNBOUNDED, Budget
from checker.model import Model
from checker.model.values import SpecRuntimeError
from checker.props import kinds
from checker.result import CheckResult, Lasso, PropertyResult, Verdict

DEFAULT_BUDGET = 20_000   # replays per counterexample
LASSO_BUDGET = 400        # candidate stems per lasso, each checked by a continuation search
LASSO_STATES = 20_000     # states one continuation search may visit

STRICT, LENIENT, REPAIR = "strict", "lenient", "repair"   # what a replay does with a step not enabled


def broken_test(model: Model, prop: PropertyResult) -> Callable[[tuple], bool] | None:
    """A predicate telling whether a state breaks `prop`, or None for properties whose
    counterexamples are not single bad states (liveness) or that the model does not decide.
    Invariants and the history checks (linearizable, sequential, durable, sessions) are
    predicates over states (`Model.invariants`); a deadlock is a state with no step and work
    left."""
    if prop.kind in kinds.LIVENESS:
        return None
    if prop.kind == DEADLOCK:
        return lambda s: not model.successors(s) and not model.quiet(s)
    for inv in model.invariants:
        if inv.prop.name == prop.name:
            return lambda s, inv=inv: not inv.holds(s)
    return None


@dataclass(frozen=True)
class _Run:
    """A candidate that passed: the whole `path` (initial state, then action indices), the
    `labels` the passes edit (every step's for a safety counterexample, the stem's for a
    lasso) and, for a lasso, how it reads."""

    path: tuple[int, ...]
    labels: tuple
    lasso: Lasso | None = None

    @property
    def key(self) -> tuple:
        """Shortlex: fewer steps first, then the action indices in turn."""
        return len(self.path), self.path


class _Safety:
    """What a safety counterexample must be: a run cut at its first state that breaks the
    property."""

    def __init__(self, broken: Callable[[tuple], bool]) -> None:
        self.stop = broken

    def judge(self, path: list[int], labels: list, state: tuple, stopped: bool) -> _Run | None:
        return _Run(tuple(path), tuple(labels)) if stopped else None


class _Liveness:
    """What a lasso must be: a stem from whose last state the continuation search finds a
    counterexample of the same property, ending the same way (`ending`)."""

    def __init__(self, model: Model, name: str, ending: str, limits: Budget = UNBOUNDED) -> None:
        self.model = model
        self.core = label_core(model)
        self.prop = next(p for p in model.program.properties if p.name == name)
        self.ending = ending
        self.limits = limits

    def stop(self, state: tuple) -> bool:
        return False

    def judge(self, path: list[int], labels: list, state: tuple, stopped: bool) -> _Run | None:
        found = lasso_after(self.model, self.prop, path, state, limits=self.limits)
        if found is None or found[1].ending != self.ending:
            return None
        full, lasso = found
        more = _labels(self.model, self.core, state, full[len(path):lasso.start + 1])
        return _Run(full, tuple(labels) + tuple(more), lasso)


class _FromState:
    """`model` seen from `state` on, with only the steps of liveness check `prop`'s
    continuation enabled and no other property: what `search` needs to decide `prop` from
    that state. Everything else is the model's own (`__getattr__`)."""

    def __init__(self, model: Model, prop, state: tuple) -> None:
        self._model = model
        self._state = state
        self.program = dataclasses.replace(model.program, properties=(prop,))
        self.invariants: list = []
        core = label_core(model)
        self._keeps: Callable[[object], bool] = lambda label: liveness.continues(prop.kind, core(label))

    def __getattr__(self, name: str):
        return getattr(self._model, name)

    def init_states(self) -> list[tuple]:
        return [self._state]

    def labeled(self, state: tuple) -> list:
        return [pair for pair in self._model.labeled(state) if self._keeps(pair[0])]

    def successors(self, state: tuple) -> list[tuple]:
        return [t for _, t in self.labeled(state)]

    def model_indices(self, path: Sequence[int]) -> tuple[int, ...]:
        """The action indices, in the model, of the steps `path` (after its initial state)
        takes here."""
        state, out = self._state, []
        for a in path[1:]:
            pairs = self._model.labeled(state)
            i = [k for k, (label, _) in enumerate(pairs) if self._keeps(label)][a]
            out.append(i)
            state = pairs[i][1]
        return tuple(out)


def lasso_after(model: Model, prop, path: Sequence[int], state: tuple | None = None,
                max_states: int = LASSO_STATES, limits: Budget = UNBOUNDED) -> tuple[tuple[int, ...], Lasso] | None:
    """The lasso of liveness property `prop` (an ir.Property) whose stem is the run `path`
    (`state`: its last state, when the caller has it) and whose continuation is the
    shortest bad one from there: found by `search` restricted to the continuation's steps
    (within `max_states` states), which may start the lasso a few continuation steps after
    `path`. The whole path and its Lasso; None when no expanded state has one."""
    if state is None:
        state = final_state(model, list(path))
    view = _FromState(model, prop, state)
    found = search(view, SearchOptions("bfs", max_states=max_states, deadlock=False),  # type: ignore[arg-type]
                   budget=limits)
    p = found.properties[0]
    if p.verdict is not Verdict.VIOLATED or p.lasso is None or p.trace is None:
        return None
    stem, lasso = len(path) - 1, p.lasso
    loop = None if lasso.loop is None else stem + lasso.loop
    return tuple(path) + view.model_indices(p.trace.path), Lasso(stem + lasso.start, loop, lasso.ending,
                                                                  lasso.subject)


def _labels(model: Model, core: Callable, state: tuple, path: Sequence[int]) -> list:
    """The labels of the steps `path` (action indices) takes from `state`."""
    out = []
    for a in path:
        label, state = model.labeled(state)[a]
        out.append(core(label))
    return out


class _Runner:
    """Replays runs named by labels and has the goal judge them; counts the replays against
    the budget (a label sequence tried before is answered from a cache, free)."""

    def __init__(self, model: Model, goal: _Safety | _Liveness, budget: int, limits: Budget = UNBOUNDED) -> None:
        self.model = model
        self.goal = goal
        self.left = budget
        self.limits = limits
        self.core = label_core(model)
        self.tried: dict[tuple, _Run | None] = {}

    def labels(self, path: Sequence[int]) -> tuple:
        """The labels of the steps of `path` (which must replay)."""
        return tuple(_labels(self.model, self.core, self.model.init_states()[path[0]], path[1:]))

    def better(self, best: _Run, labels: tuple, mode: str) -> _Run | None:
        """The run `labels` names (see `run`) when it comes before `best`; else None."""
        key = (best.path[0], labels, mode)
        if key not in self.tried:
            self.tried[key] = self.run(best.path[0], labels, mode)
        found = self.tried[key]
        return found if found is not None and found.key < best.key else None

    def run(self, init: int, labels: Sequence, mode: str) -> _Run | None:
        """The run that takes `labels` in turn from initial state `init`, as the goal
        judges it (a safety counterexample is cut at its first state that breaks the
        property); None when the goal rejects it, or a step is not enabled under STRICT
        (see `_take` for the other modes). When `limits` has run out, None and no replay
        is left."""
        self.left -= 1
        if self.limits.exceeded() is not None:
            self.left = 0
            return None
        state = self.model.init_states()[init]
        path, kept = [init], []
        try:
            stopped = self.goal.stop(state)
            for want in labels:
                if stopped:
                    break
                taken = self._take(state, want, mode)
                if taken is None:
                    return None
                for i, label, state in taken:
                    path.append(i)
                    kept.append(label)
                    stopped = self.goal.stop(state)
                    if stopped:
                        break
        except SpecRuntimeError:
            return None
        return self.goal.judge(path, kept, state, stopped)

    def _take(self, state: tuple, want, mode: str) -> list[tuple[int, object, tuple]] | None:
        """The steps that take the step labeled `want` from `state`, each as (action index,
        label, state after): that step when it is enabled. When it is not: None under
        STRICT; under REPAIR the first step after which it is enabled, then it; else
        nothing (skip it)."""
        pairs = self.model.labeled(state)
        i = _find(self.core, pairs, want)
        if i is not None:
            return [(i, want, pairs[i][1])]
        if mode == STRICT:
            return None
        if mode == REPAIR:
            for k, (label, t) in enumerate(pairs):
                after = self.model.labeled(t)
                j = _find(self.core, after, want)
                if j is not None:
                    return [(k, self.core(label), t), (j, want, after[j][1])]
        return []


def _find(core: Callable, pairs: list, want) -> int | None:
    return next((k for k, (label, _) in enumerate(pairs) if core(label) == want), None)


def label_core(model: Model) -> Callable[[object], object]:
    """A step's label without the replies it gave (the labels of a spec with clients are
    (core, replies) pairs)."""
    return (lambda label: label[0]) if model.program.clients is not None else (lambda label: label)


# ------------------------------------------------------------------ the passes


def _delete_chunks(runner: _Runner, best: _Run) -> _Run | None:
    """Delete runs of consecutive steps, largest sizes first; None when nothing shrank."""
    improved = None
    size = 1 << max(len(best.labels).bit_length() - 1, 0)
    while size >= 1 and best.labels:
        i = len(best.labels) - size
        while i >= 0 and runner.left > 0:
            labels = best.labels
            found = runner.better(best, labels[:i] + labels[i + size:], STRICT)
            if found is not None:
                best = improved = found
            i = min(i - 1, len(best.labels) - size)
        size //= 2
    return improved


def _delete_dependents(runner: _Runner, best: _Run) -> _Run | None:
    """Delete one step and every later step it enabled; None when nothing shrank."""
    return _each_step(runner, best, lambda run, i: [(run.labels[:i] + run.labels[i + 1:], LENIENT)])


def _move(runner: _Runner, best: _Run) -> _Run | None:
    """Move one step elsewhere (later places first, the end first; then earlier ones, the
    start first), skipping steps no longer enabled; None when no run came first."""
    return _each_step(runner, best, _moves)


def _moves(run: _Run, i: int):
    labels = run.labels
    rest = labels[:i] + labels[i + 1:]
    for j in [*range(len(rest), i, -1), *range(0, i)]:
        yield rest[:j] + (labels[i],) + rest[j:], LENIENT


def _replace(runner: _Runner, best: _Run) -> _Run | None:
    """Replace one step with another step enabled in its place, repairing the rest (see
    `_Runner._take`); None when no run came first."""
    def replacements(run: _Run, i: int):
        labels = run.labels
        for label, _ in runner.model.labeled(final_state(runner.model, list(run.path[:i + 1]))):
            other = runner.core(label)
            if other != labels[i]:
                yield labels[:i] + (other,) + labels[i + 1:], REPAIR
    return _each_step(runner, best, replacements)


def _each_step(runner: _Runner, best: _Run, candidates: Callable) -> _Run | None:
    """For each step from the last to the first, try the candidates (labels, replay mode)
    that `candidates(run, step)` gives for the current run in turn, up to the first that
    comes before it; None when none did."""
    improved = None
    i = len(best.labels) - 1
    while i >= 0 and runner.left > 0:
        for labels, mode in candidates(best, i):
            found = runner.better(best, labels, mode)
            if found is not None:
                best = improved = found
                break
            if runner.left <= 0:
                break
        i = min(i - 1, len(best.labels) - 1)
    return improved


_PASSES = (_delete_chunks, _delete_dependents, _move, _replace)


def _shrink(runner: _Runner, best: _Run) -> _Run:
    """Run the passes from the cheapest, starting again from it after any progress."""
    k = 0
    while k < len(_PASSES) and runner.left > 0:
        found = _PASSES[k](runner, best)
        if found is not None:
            best, k = found, 0
        else:
            k += 1
    return best


# ------------------------------------------------------------------ entry points


def shrink_path(model: Model, path: Sequence[int], broken: Callable[[tuple], bool],
                budget: int = DEFAULT_BUDGET, limits: Budget = UNBOUNDED) -> tuple[int, ...]:
    """A path no longer than `path` whose last state, and no earlier one, breaks the property
    `broken` tests. `path` must replay and end in a state that breaks it (else ValueError)."""
    runner = _Runner(model, _Safety(broken), budget)
    found = runner.run(path[0], runner.labels(path), STRICT)
    runner.limits = limits  # the input itself is judged whatever the limits
    if found is None:
        raise ValueError("the path to shrink does not end in a state that breaks the property")
    return _shrink(runner, found).path


def shrink_lasso(model: Model, prop: PropertyResult, budget: int = LASSO_BUDGET,
                 limits: Budget = UNBOUNDED) -> PropertyResult:
    """`prop` (a violated `available` or `converges` with its trace and lasso) with the
    shortest lasso the passes find: the same property, the same kind of ending, never
    longer, `shrunk_from` set when it is shorter. At most `budget` candidate stems are
    each checked by a continuation search (`lasso_after`). ValueError for a property
    without a lasso."""
    if prop.trace is None or prop.lasso is None:
        raise ValueError("only a liveness counterexample has a lasso to shrink")
    lasso = prop.lasso
    runner = _Runner(model, _Liveness(model, prop.name, lasso.ending, limits), budget, limits)
    path = prop.trace.path
    best = _shrink(runner, _Run(path, runner.labels(path[:lasso.start + 1]), lasso))
    if len(best.path) >= len(path):
        return prop
    return dataclasses.replace(prop, trace=replay(model, best.path), lasso=best.lasso,
                               shrunk_from=prop.trace.length)


def shrink_result(model: Model, result: CheckResult, budget: int = DEFAULT_BUDGET,
                  lasso_budget: int = LASSO_BUDGET, limits: Budget = UNBOUNDED) -> CheckResult:
    """`result` with the trace of every violated property shrunk (`shrink_path`,
    `shrink_lasso`) within `limits`; a property whose trace got shorter records the old
    length in `shrunk_from`. A run-time failure's trace is kept as it is."""
    props = []
    for p in result.properties:
        if p.verdict is Verdict.VIOLATED and p.trace is not None:
            p = _shrunk(model, p, budget, lasso_budget, limits)
        props.append(p)
    return dataclasses.replace(result, properties=tuple(props))


def _shrunk(model: Model, p: PropertyResult, budget: int, lasso_budget: int, limits: Budget) -> PropertyResult:
    if p.lasso is not None:
        return shrink_lasso(model, p, lasso_budget, limits)
    broken = broken_test(model, p)
    if broken is None:
        return p
    path = shrink_path(model, p.trace.path, broken, budget, limits)  # type: ignore[union-attr]
    if len(path) - 1 < p.trace.length:  # type: ignore[union-attr]
        return dataclasses.replace(p, trace=replay(model, path), shrunk_from=p.trace.length)  # type: ignore[union-attr]
    return p
