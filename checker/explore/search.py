"""Explicit-state search: one loop, breadth-first or depth-first by frontier policy.

The visited table maps a state's fingerprint (`Model.fingerprint`, stable: model/system.py)
to its number; three parallel arrays give each number's parent, the action index that led
to it and its depth. No state is kept once expanded: a counterexample is rebuilt by walking
parents back to the root and replaying the action indices from the initial state, so under
breadth-first search every counterexample is a shortest one.

Every bound (states, depth, time, memory) and a stop request (Ctrl-C, SIGTERM: the
`Budget`'s, checker/resources.py) ends the run with the reason and the statistics so far;
properties not yet violated are then UNKNOWN, never HOLDS. The budget is looked at before
the first state, so a run that starts over its memory bound explores nothing; the
analysis of the state graph after a search for `available` or `converges` runs under the
same budget. A breadth-first run that stops early says up to which depth every run was
checked (`CheckResult.complete_depth`). The run stops as soon as every property it checks
is violated, or at the first violation with `stop_at_first`; each violation records when
it was found (`Found`).
"""

from __future__ import annotations

import dataclasses
import gc
import sys
import time
from array import array
from collections import deque
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

from checker.errors import InternalError
from checker.model import Model
from checker.resources import Budget, Stopped, memory_in_use
from checker.model.system import Conjunction
from checker.model.values import SpecRuntimeError
from checker.explore import liveness, parallel
from checker.explore.reductions import ample_sets, visited_key
from checker.result import (
    ALL_DECIDED, COMPLETE, FIRST_VIOLATION, INTERRUPTED, MAX_DEPTH, MAX_STATES, MEMORY, RUNTIME_ERROR,
    TIMEOUT, CheckResult, Found, PropertyResult, Reduction, RuntimeFailure, Stats, Step, Trace, Verdict,
)
from checker.props import kinds
from checker.semantics import ir

POLICIES = ("bfs", "dfs")
DEADLOCK = kinds.DEADLOCK_FREE.name
_CHECK_EVERY = 1 << 6        # states expanded between looks at the clock and the stop request
_GENERATED_EVERY = 1 << 16    # successors generated between looks at the budget
_FAN_OUT = "fan out"           # what the loop returns when the workers take over (parallel.py)
_MEMORY_EVERY = 1 << 10      # states expanded, or numbered, between looks at the memory in use
ANALYSIS = "the analysis of the state graph"
# what a search that keeps the state graph may use of the time and of the memory left: the
# analysis of the graph after it takes about a quarter of its time, and a third more memory
GRAPH_TIME_SHARE, GRAPH_MEMORY_SHARE = 0.7, 0.7


@dataclass(frozen=True)
class SearchOptions:
    """How to search. None means no bound. `deadlock` None: as the spec says.
    `stop_at_first`: end the run at the first violation of any property, leaving the
    others UNKNOWN (by default the search goes on until every property is decided)."""

    policy: str = "bfs"
    max_states: int | None = None
    max_depth: int | None = None
    timeout: float | None = None
    max_memory: int | None = None
    deadlock: bool | None = None
    stop_at_first: bool = False
    symmetry: bool = True       # reduce by the spec's symmetric sets, where sound (reductions.visited_key)
    por: bool = True            # partial-order reduction, where sound (reductions.ample_sets)
    workers: int = 1            # processes of a breadth-first search (parallel.py)
    fan_out: int = parallel.FAN_OUT   # with workers > 1: the size of a level from which they take over

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise ValueError(f"unknown frontier policy {self.policy!r}")
        if self.workers < 1:
            raise ValueError(f"a search needs at least one worker, not {self.workers}")


@dataclass(frozen=True)
class Progress:
    distinct: int
    generated: int
    queue: int
    depth: int
    seconds: float
    memory: int


class Visitor(Protocol):
    """What a search can feed besides its own tables, as it goes: every new state, numbered
    in order from 0, and every expanded state's steps (their labels, from
    `Model.labeled`) with the numbers of the states they lead to. The liveness checks'
    graph (`liveness.Recorder`) is one. A search with a visitor never stops early on
    violated invariants: the visitor needs the whole graph."""

    def add_state(self, state: tuple) -> None: ...

    def expanded(self, num: int, labels: tuple, targets: list[int]) -> None: ...


class _Search:
    """The state of one run; `run()` is the loop."""

    def __init__(self, model: Model, options: SearchOptions, progress, budget: Budget,
                 visitor: Visitor | None = None) -> None:
        self.model = model
        self.o = options
        self.progress = progress
        self.budget = budget
        self.clock = budget.clock
        self.visitor = visitor
        self.visited: dict[int, int] = {}
        self.parents = array("q")
        self.actions = array("l")
        self.depths = array("l")
        self.generated = 0
        self.cut_by_depth = False
        self.invariants = list(model.invariants)
        self.violations: dict[str, int] = {}     # property name -> state number
        self.found: dict[str, Found] = {}        # property name -> when it was violated
        self.partial: int | None = None          # the depth of a state left half expanded
        self.deadlock = options.deadlock if options.deadlock is not None else any(
            p.kind == DEADLOCK for p in model.program.properties)
        self.failure: tuple[int, SpecRuntimeError] | None = None
        self.frontier: deque = deque()
        self.memory = 0
        self.initial = 0       # initial states generated (none when the budget ran out first)
        self.key, self.symmetry = visited_key(model, options.symmetry, visitor is not None)
        self.ample, self.partial_order = ample_sets(model, options.por, options.max_depth is not None,
                                                    visitor is not None)
        self.reduced = 0                          # states expanded through an ample set
        self.inexact = model.symmetry.inexact if model.symmetry is not None else 0
        self.queued: int | None = None            # states waiting once the workers took over
        self.lost: str | None = None              # which worker died (WORKER_LOST)
        self.alone = parallel.fallback(self) if options.workers > 1 else None   # why in one process
        self.fan_out = options.fan_out if options.workers > 1 and self.alone is None else None
        self._conjunction()

    # -------------------------------------------------- the loop

    def run(self) -> str:
        start = self.clock()
        self.start = start
        self.memory = memory_in_use()
        early = self.budget.exceeded()
        if early is not None:
            return early
        self.initial = len(self.model.init_states())
        for i, s in enumerate(self.model.init_states()):
            fp = self.key(s)
            if fp not in self.visited:
                n = self._add(fp, -1, i, 0, s)
                if self._check_new(s, n):
                    return self._stopped()
                self.frontier.append((s, n))
        try:
            reason = self._loop()
            return parallel.drive(self) if reason == _FAN_OUT else reason
        except KeyboardInterrupt:
            return INTERRUPTED

    def _violated(self, name: str, num: int) -> None:
        """Record that state `num` breaks property `name`, and when that was found."""
        self.violations[name] = num
        self.found[name] = Found(len(self.parents), self.clock() - self.start)

    def _stopped(self) -> str:
        """Why a run ends that has nothing left to look for: a failure of the spec, the
        first violation under `stop_at_first` while other properties are open, or every
        property violated."""
        if self.failure is not None:
            return RUNTIME_ERROR
        return FIRST_VIOLATION if self.invariants or self._deadlock_open() else ALL_DECIDED

    def _deadlock_open(self) -> bool:
        return self.deadlock and DEADLOCK not in self.violations

    def _add(self, fp: int, parent: int, action: int, depth: int, state: tuple) -> int:
        """Number a new state (its fingerprint, parent, action index and depth); the number."""
        n = len(self.parents)
        self.visited[fp] = n
        self.parents.append(parent)
        self.actions.append(action)
        self.depths.append(depth)
        if self.visitor is not None:
            self.visitor.add_state(state)
        return n

    def _pending(self) -> int:
        """How many properties are still open; 0 after a violation under `stop_at_first`;
        -1 when the search must run to the end anyway (there were none to begin with, so it
        counts the states; or a visitor needs the whole graph)."""
        if self.o.stop_at_first and self.violations:
            return 0
        if self.visitor is not None or (not self.model.invariants and not self.deadlock):
            return -1
        return len(self.invariants) + (1 if self._deadlock_open() else 0)

    def _conjunction(self) -> None:
        """The open invariants as one Conjunction with a shared cache (None when none is open)."""
        self.conj = Conjunction(self.invariants) if self.invariants else None

    def _check_new(self, s: tuple, num: int) -> bool:
        """Evaluate the open invariants on a new state one by one, recording the violated
        ones; True when nothing is left open or the spec failed while evaluating one."""
        for inv in self.invariants:
            try:
                ok = inv.holds(s)
            except SpecRuntimeError as err:
                self.failure = (num, err)
                return True
            if not ok:
                self._violated(inv.prop.name, num)
        self.invariants = [i for i in self.invariants if i.prop.name not in self.violations]
        self._conjunction()
        return self._pending() == 0

    def _judge(self, t: tuple, n: int) -> bool:
        """Check the open invariants on new state n through their shared cache, the slow
        path (`_check_new`) only when one is false; True when the search should stop."""
        conj = self.conj
        key = conj.key(t)
        ok = conj.cache.get(key)
        if ok is None:
            try:
                ok = conj.decide(t, key)
            except SpecRuntimeError as err:
                self.failure = (n, err)
                return True
        return not ok and self._check_new(t, n)

    def _loop(self) -> str:
        o, model, visitor, ample = self.o, self.model, self.visitor, self.ample
        expand = model.labeled if visitor is not None or ample is not None else model.successors
        quiet, fingerprint = model.quiet, self.key
        visited, parents, actions, depths = self.visited, self.parents, self.actions, self.depths
        frontier = self.frontier
        pop = frontier.popleft if o.policy == "bfs" else frontier.pop
        push = frontier.append
        max_depth = o.max_depth
        limit = o.max_states if o.max_states is not None else sys.maxsize
        expanded = generated = d = 0
        level, fan_out = -1, self.fan_out
        look = _GENERATED_EVERY
        labels: tuple = ()
        try:
            while frontier:
                s, num = pop()
                d = depths[num]
                if d != level:   # the first state of a level: the frontier holds the whole level
                    level = d
                    if fan_out is not None and len(frontier) + 1 >= fan_out:
                        frontier.appendleft((s, num))
                        return _FAN_OUT
                try:
                    succ = expand(s)
                except SpecRuntimeError as err:
                    if max_depth is not None and d >= max_depth:
                        self.cut_by_depth = True  # the failing step lies past the bound
                        continue
                    self.failure = (num, err)
                    return RUNTIME_ERROR
                if visitor is not None or ample is not None:
                    labels, succ = zip(*succ) if succ else ((), ())
                if not succ and self.deadlock and DEADLOCK not in self.violations and not quiet(s):
                    self._violated(DEADLOCK, num)
                    if self._pending() == 0:
                        self.partial = d
                        return self._stopped()
                generated += len(succ)
                if generated >= look:   # a state may have a million successors, all seen before
                    look = generated + _GENERATED_EVERY
                    reason = self.budget.exceeded()
                    if reason is not None:
                        self.partial = d
                        return reason
                if max_depth is not None and d >= max_depth:
                    if any(fingerprint(t) not in visited for t in succ):
                        self.cut_by_depth = True
                    continue
                d1 = d + 1
                if ample is None:
                    fps = list(map(fingerprint, succ))
                    steps = enumerate(fps)
                else:
                    fps, steps = self._chosen(s, labels, succ)
                for i, fp in steps:
                    if fp in visited:
                        continue
                    n = len(parents)
                    if n >= limit:
                        self.partial = d
                        return MAX_STATES
                    if not n & (_MEMORY_EVERY - 1):   # ... or many new ones (22 clients)
                        reason = self.budget.exceeded()
                        if reason is not None:
                            self.partial = d
                            return reason
                    t = succ[i]
                    visited[fp] = n
                    parents.append(num)
                    actions.append(i)
                    depths.append(d1)
                    if visitor is not None:
                        visitor.add_state(t)
                    if self.conj is not None and self._judge(t, n):
                        self.partial = d
                        return self._stopped()
                    push((t, n))
                if visitor is not None:
                    visitor.expanded(num, labels, [visited[fp] for fp in fps])
                expanded += 1
                if not expanded & (_CHECK_EVERY - 1):
                    self.generated = generated
                    reason = self._bounds(expanded)
                    if reason:
                        return reason
            return MAX_DEPTH if self.cut_by_depth else COMPLETE
        except KeyboardInterrupt:
            self.partial = d
            raise
        finally:
            self.generated = generated

    def _chosen(self, s: tuple, labels: tuple, succ: tuple):
        """The keys of s's successors and the (action index, key) pairs to follow: those of
        an ample set, or all of them when none is ample or (the cycle proviso) a successor
        of the ample set was already visited."""
        indices = self.ample(s, labels, succ)  # type: ignore[misc]
        if indices is not None:
            keys = [self.key(succ[i]) for i in indices]
            if not any(k in self.visited for k in keys):
                self.reduced += 1
                return keys, list(zip(indices, keys))
        fps = list(map(self.key, succ))
        return fps, list(enumerate(fps))

    def _bounds(self, expanded: int) -> str | None:
        budget = self.budget
        reason = budget.exceeded(memory=False)
        if reason is not None:
            return reason
        if not expanded & (_MEMORY_EVERY - 1) or self.progress is not None:
            self.memory = memory_in_use()
            if budget.memory is not None and self.memory >= budget.memory:
                return MEMORY
        self.report(len(self.frontier), self.depths[-1])
        return None

    def report(self, queue: int, depth: int) -> None:
        """Tell `progress` (if any) how far the run is."""
        if self.progress is not None:
            self.progress(Progress(len(self.parents), self.generated, queue, depth, self.clock() - self.start,
                                   self.memory))

    def complete_depth(self, reason: str) -> int | None:
        """Up to how many steps every run was checked, for a breadth-first run that ended
        early (None otherwise). Every state at depth e or less has been numbered and judged
        when the next state to expand (or one left half expanded) is at depth e; with
        deadlock checking, only those at depth e - 1 or less have been expanded. Not after
        partial-order reduction left out steps: the reduced search reaches some states only
        through longer reorderings, so it promises no depth."""
        if self.o.policy != "bfs" or reason in (COMPLETE, RUNTIME_ERROR) or self.reduced:
            return None
        if reason == MAX_DEPTH:
            return self.o.max_depth
        waiting = [self.depths[self.frontier[0][1]]] if self.frontier else []
        e = min(waiting + ([self.partial] if self.partial is not None else []), default=None)
        if e is not None and self.deadlock:
            e -= 1
        return e if e is not None and e >= 0 else None

    # -------------------------------------------------- traces

    def path_to(self, num: int) -> list[int]:
        """The action indices from the initial state to state `num` (first: the initial
        state's index)."""
        out = []
        while num >= 0:
            out.append(self.actions[num])
            num = self.parents[num]
        return out[::-1]


def replay(model: Model, path: list[int] | tuple[int, ...]) -> Trace:
    """Rebuild the run that `path` encodes (an initial state's index, then action indices).

    Raises ValueError with an explanation when the path does not fit the model: an index
    with no such initial state or step.
    """
    inits = model.init_states()
    if not path:
        raise ValueError("the trace is empty")
    if not 0 <= path[0] < len(inits):
        raise ValueError(f"there is no initial state {path[0]} (the spec has {len(inits)})")
    state = inits[path[0]]
    steps = [Step(path[0], {"kind": "init", "actor": None, "handler": None, "action": "initial state",
                            "message": None}, (), model.view(state), tuple(model.flat(state)))]
    for n, a in enumerate(path[1:], start=1):
        pairs = model.labeled(state)
        if not 0 <= a < len(pairs):
            raise ValueError(f"step {n}: there is no action {a} in this state (it has {len(pairs)} "
                             f"enabled step{'s' if len(pairs) != 1 else ''})")
        label, nxt = pairs[a]
        view = model.view(nxt)
        if n == len(path) - 1:
            found = model.unexplained(path, nxt)
            if found is not None:
                view.setdefault("violated", {})[kinds.LINEARIZABLE.name] = found
            broken = model.broken_invariants(nxt)
            if broken:
                view.setdefault("violated", {})["invariants"] = broken
        steps.append(Step(a, model.describe(label), tuple(model.changes(state, nxt)), view, tuple(model.flat(nxt))))
        state = nxt
    return Trace(tuple(steps))


def final_state(model: Model, path: list[int]) -> tuple:
    state = model.init_states()[path[0]]
    for a in path[1:]:
        state = model.successors(state)[a]
    return state


def first_broken(model: Model, path: Sequence[int], broken: Callable[[tuple], bool]) -> int | None:
    """The step (0: the initial state) of the first state along `path` that `broken` says
    breaks a property, or None when none does."""
    state = model.init_states()[path[0]]
    if broken(state):
        return 0
    for n, a in enumerate(path[1:], start=1):
        state = model.successors(state)[a]
        if broken(state):
            return n
    return None


def search(model: Model, options: SearchOptions = SearchOptions(),
           progress: Callable[[Progress], None] | None = None, clock=time.monotonic,
           budget: Budget | None = None) -> CheckResult:
    """Explore `model` within `options`' bounds and the command's `budget` (its deadline,
    memory bound and stop request; None: `options`' time and memory bounds from now on
    `clock`) and decide every property it can.

    Invariants and deadlock freedom are decided here; the other built-in checks (which need
    client histories) are reported UNKNOWN with the reason. A search for `available` or
    `converges` keeps the state graph and may use GRAPH_TIME_SHARE of the time left and
    GRAPH_MEMORY_SHARE of the memory, the rest being for the analysis of the graph. Pure
    apart from calling `progress`; raises nothing for anything a spec can do (run-time
    failures of the spec come back in `CheckResult.failure`).
    """
    budget = (budget or Budget(clock=clock)).within(options.timeout, options.max_memory)
    collecting = gc.isenabled()
    gc.disable()  # states and the graph hold no cycles; the collector would rescan millions of tuples
    try:
        return _search(model, options, progress, budget)  # its tables are freed before the collector is back
    finally:
        if collecting:
            gc.enable()


def _search(model: Model, options: SearchOptions, progress, budget: Budget) -> CheckResult:
    live = any(p.kind in kinds.LIVENESS for p in model.program.properties)
    own = budget.share(GRAPH_TIME_SHARE, GRAPH_MEMORY_SHARE) if live else budget
    run = _Search(model, options, progress, own, liveness.Recorder(model) if live else None)
    reason = run.run()
    seconds = budget.clock() - run.start
    complete = reason in (COMPLETE, ALL_DECIDED)
    props, stopped = _results(model, run, complete, budget)
    stats = Stats(len(run.parents), run.generated + run.initial, max(run.depths, default=0), seconds,
                  run.queued if run.queued is not None else len(run.frontier), max(run.memory, memory_in_use()))
    failure = None
    if run.failure is not None:
        num, err = run.failure
        failure = RuntimeFailure(err.message, model.spans[err.span], replay(model, run.path_to(num)))
    bounds = {"max_states": options.max_states, "max_depth": options.max_depth,
              "timeout": budget.timeout, "max_memory": budget.memory}
    por = run.partial_order   # said only when off for a reason, or when it left out some steps
    if por is not None and por.used:
        por = dataclasses.replace(por, states=run.reduced, reason=None if complete else (
            "the search stopped before the end: the reduced search may put off a node's steps, "
            "and so a violation, that the full one reaches sooner; --no-por")) if run.reduced else None
    said = {"complete_depth": run.complete_depth(reason), "symmetry": _inexact(model, run), "partial_order": por,
            "parallel": run.lost or run.alone}
    if stopped is not None and reason not in (TIMEOUT, MEMORY, INTERRUPTED):
        return CheckResult(stopped, stats, props, failure, bounds, stopped_during=ANALYSIS, **said)
    return CheckResult(reason, stats, props, failure, bounds, **said)


def _inexact(model: Model, run: _Search) -> Reduction | None:
    """The run's symmetry report, saying so when some states had too many tied members to
    try every order (model/symmetry.py): an orbit may then count as two states."""
    sym = run.symmetry
    if sym is None or not sym.used or model.symmetry is None or model.symmetry.inexact == run.inexact:
        return sym
    n = model.symmetry.inexact - run.inexact
    note = (f"{n:,} state{'s' if n != 1 else ''} had too many interchangeable-looking members to try "
            f"every order: some orbits may count twice")
    return dataclasses.replace(sym, reason="; ".join(x for x in (sym.reason, note) if x))


def _results(model: Model, run: _Search, complete: bool, budget: Budget) -> tuple[tuple[PropertyResult, ...], str | None]:
    """Every property's result after the search, and why the analysis of the graph was
    stopped (None: it was not); once stopped, the liveness properties left are UNKNOWN."""
    props = []
    stopped = None
    for prop in checked_properties(model.program, run.deadlock):
        if prop.kind not in kinds.LIVENESS:
            props.append(_property_result(model, run, prop, complete))
            continue
        try:
            if stopped is None:
                props.append(_liveness_result(model, run, prop, complete, budget))
                continue
        except Stopped as stop:
            stopped = stop.reason
        props.append(PropertyResult(prop.name, prop.kind, Verdict.UNKNOWN))
    return tuple(props), stopped


def checked_properties(program: ir.Program, deadlock: bool) -> list[ir.Property]:
    """The properties a run reports on: the program's, with deadlock freedom added when
    `deadlock` is on and removed when it is off."""
    props = list(program.properties)
    if deadlock and not any(p.kind == DEADLOCK for p in props):
        props.append(ir.Property(DEADLOCK, DEADLOCK))
    if not deadlock:
        props = [p for p in props if p.kind != DEADLOCK]
    return props


def undecided(model: Model, prop: ir.Property) -> str | None:
    """Why the explicit engine cannot decide `prop` (a safety property: an invariant, a
    deadlock or a watcher of the client history), or None when it can."""
    decided = (kinds.INVARIANT.name, DEADLOCK) + tuple(i.prop.kind for i in model.invariants)
    if prop.kind not in decided:
        return f"'check {prop.kind}' is not decided by the explicit-state search yet"
    return None


def _property_result(model: Model, run: _Search, prop: ir.Property, complete: bool) -> PropertyResult:
    reason = undecided(model, prop)
    if reason is not None:
        return PropertyResult(prop.name, prop.kind, Verdict.UNKNOWN, reason=reason)
    num = run.violations.get(prop.name)
    if num is not None:
        trace = replay(model, run.path_to(num))
        _verify(model, run, trace, num)
        return PropertyResult(prop.name, prop.kind, Verdict.VIOLATED, trace, found=run.found[prop.name])
    if complete and run.failure is None:
        return PropertyResult(prop.name, prop.kind, Verdict.HOLDS)
    return PropertyResult(prop.name, prop.kind, Verdict.UNKNOWN)


def _liveness_result(model: Model, run: _Search, prop: ir.Property, complete: bool,
                     budget: Budget) -> PropertyResult:
    """A liveness property decided on the graph the search kept; a violation is found
    exactly even when a bound cut the search (see liveness.py), a pass needs it complete.
    Raises Stopped when `budget` runs out during the analysis."""
    if run.failure is not None:
        return PropertyResult(prop.name, prop.kind, Verdict.UNKNOWN)
    graph = run.visitor.graph  # type: ignore[union-attr]
    cx = liveness.check(prop.kind, model, graph, run.depths, budget)
    if cx is None:
        return PropertyResult(prop.name, prop.kind, Verdict.HOLDS if complete else Verdict.UNKNOWN)
    stem = run.path_to(cx.start)
    path = stem + [graph.action(a, b) for a, b in zip(cx.states, cx.states[1:])]
    trace = replay(model, path)
    end = run.visited.get(run.key(final_state(model, path)))
    if end != cx.states[-1]:
        raise InternalError("a replayed liveness counterexample does not reach the state the search found")
    if cx.loop is not None and end != cx.states[cx.loop]:
        raise InternalError("a replayed liveness counterexample does not close its loop")
    return PropertyResult(prop.name, prop.kind, Verdict.VIOLATED, trace,
                          lasso=liveness.lasso(cx, len(stem) - 1),
                          found=Found(len(run.parents), run.clock() - run.start))


def _verify(model: Model, run: _Search, trace: Trace, num: int) -> None:
    """The replayed trace must end in the state the search numbered `num`."""
    state = final_state(model, list(trace.path))
    if run.visited.get(run.key(state)) != num:
        raise InternalError("a replayed counterexample does not reach the state the search found")
