"""Simulation: seeded random walks, for state spaces too large to exhaust.

A walk starts from an initial state and takes up to `max_depth` steps, each chosen at
random among the steps enabled in the current state (`Model.successors`, the successor
function the search uses, or `Model.labeled` under swarm weights), and judges every state
it reaches with the search's own online checks: the invariants and the watchers of the
client history (`Model.invariants`), deadlocks when they are checked, and the spec's
run-time failures. A walk ends at the depth bound, in a state with no step enabled, or once
it has broken every property the run checks.

Determinism. Walk k of a run with seed S draws everything random in it from its own seed
S + k (`random.Random` seeded with an int, whose `random()` stream is the same on every
platform and under every hash seed), so walk k of seed S is walk 0 of seed S + k. Walks are
merged in walk order, never in the order they finish: the violation reported for a
property is the one of the lowest-numbered walk that breaks it, cut at its first bad
state, and the run ends after the walk after which nothing is left to look for. The result
therefore depends on the seed, the number of walks, the depth bound and the options, not on
the number of worker processes or their timing; only a timeout or Ctrl-C brings the clock
in.

Workers. With more than one worker, chunks of `CHUNK` consecutive walks are handed out in
order to worker processes, at most `AHEAD` chunks per worker in flight; each worker
compiles its own copy of the model from the program (a compiled model holds generated
functions, which do not pickle). The parent merges their results in walk order and stops
the workers when it has what it needs.

Swarm (after Groce et al., "Swarm testing", ISSTA 2012). With `swarm`, each walk weighs
the classes of steps its own way: each handler of the spec, each operation a client
invokes, a client giving up, and each kind of fault is a class, and a walk gives each class
a weight drawn log-uniformly between 1/32 and 32 (`SWARM_SPREAD`). A step is chosen with
probability proportional to its class's weight. No class is left out altogether, as swarm
testing's feature omission would: a deep protocol bug needs steps of most classes (Raft's
Figure 8 run needs elections, votes, client requests, appends and replies, each at the
right time), and a walk that leaves one of them out cannot produce it; with weights only,
swarm walks found raft_log_broken's two violations 8 and 7 times in 120,000 walks, against
3 and 1 times when each class was left out with probability 1/2 (docs/performance.md).
A class's weight is drawn from the walk's seed and the class's name alone, so it does not
depend on the order the walk meets the classes in.

A simulation never proves a property: one it found no violation of is UNKNOWN ("no
violation in N walks of up to D steps"), and the liveness properties (available,
converges), which need the whole state graph, are UNKNOWN with that reason. Violations are
shrunk by default (shrink.py) and are ordinary counterexamples: paths of action indices
that `replay` rebuilds.
"""

from __future__ import annotations

import multiprocessing
import queue
import random
import time
import traceback
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate
from typing import Callable, Iterator

from checker.errors import InternalError
from checker.props import kinds
from checker.explore.search import DEADLOCK, checked_properties, first_broken, replay, undecided
from checker.explore.shrink import broken_test, label_core, shrink_result
from checker.model import Model
from checker.model.system import Conjunction, compile_model
from checker.model.values import SpecRuntimeError
from checker.resources import memory_in_use, worker_signals
from checker.result import (
    ALL_DECIDED, FIRST_VIOLATION, INTERRUPTED, RUNTIME_ERROR, TIMEOUT, WALKS, CheckResult, Found,
    PropertyResult, RuntimeFailure, Simulation, Stats, Verdict,
)

DEFAULT_WALKS = 10_000
DEFAULT_DEPTH = 100
CHUNK = 16          # consecutive walks a worker runs per task
SWARM_SPREAD = 5    # swarm weights range over 2 ** [-5, 5]
AHEAD = 2           # chunks in flight per worker
_TICK = 0.2         # seconds the parent waits for a worker before looking at the clock
_GRACE = 1.0        # seconds a terminated worker gets to exit before it is killed
LIVENESS_REASON = "simulation does not decide liveness, which needs the whole state graph: the exhaustive search does"


@dataclass(frozen=True)
class SimulationOptions:
    """How to simulate: `walks` walks of up to `max_depth` steps from seed `seed` (walk k
    uses seed + k), swarm weights or not, in `workers` processes (1: in this process);
    `timeout` in seconds (None: none); `deadlock` None: as the spec says; `stop_at_first`:
    end the run after the first walk that breaks a property; `shrink`: shrink every
    violation (shrink.py)."""

    walks: int = DEFAULT_WALKS
    max_depth: int = DEFAULT_DEPTH
    seed: int = 0
    swarm: bool = False
    workers: int = 1
    timeout: float | None = None
    deadlock: bool | None = None
    stop_at_first: bool = False
    shrink: bool = True

    def __post_init__(self) -> None:
        if self.walks < 1 or self.workers < 1 or self.max_depth < 0 or self.seed < 0:
            raise ValueError("walks and workers must be positive, max_depth and seed not negative")


@dataclass(frozen=True)
class WalkProgress:
    """What `simulate` reports to its progress callback: walks merged, steps walked in
    them, seconds since the run began."""

    walks: int
    steps: int
    seconds: float


@dataclass(frozen=True)
class _Walk:
    """What one walk did: its number, its steps, each property it broke with the path to
    its first state that breaks it (shortest first), and a run-time failure of the spec
    (the path to the state where it happened, the span index and the message) or None."""

    index: int
    steps: int
    found: tuple[tuple[str, tuple[int, ...]], ...]
    failure: tuple[tuple[int, ...], int, str] | None = None


class _Walker:
    """Walks a model: `walk(k)` is walk k of the run. Keeps only the invariants' cache
    between walks, which changes no answer."""

    def __init__(self, model: Model, options: SimulationOptions, deadlock: bool) -> None:
        self.model = model
        self.o = options
        self.deadlock = deadlock
        self.invariants = list(model.invariants)
        self.conj = Conjunction(self.invariants) if self.invariants else None
        self.open = len(self.invariants) + (1 if deadlock else 0)
        self.core = label_core(model)

    def walk(self, k: int) -> _Walk:
        seed = self.o.seed + k
        rng = random.Random(seed)
        choose = _Swarm(seed, self.core, rng) if self.o.swarm else None
        inits = self.model.init_states()
        path = [int(rng.random() * len(inits))]
        state = inits[path[0]]
        found: dict[str, tuple[int, ...]] = {}
        try:
            self._judge(state, path, found)
            while len(path) <= self.o.max_depth and (not self.open or len(found) < self.open):
                nxt = self._step(state, rng, choose)
                if nxt is None:
                    if self.deadlock and not self.model.quiet(state):
                        found.setdefault(DEADLOCK, tuple(path))
                    break
                path.append(nxt[0])
                state = nxt[1]
                self._judge(state, path, found)
        except SpecRuntimeError as err:
            return _Walk(k, len(path) - 1, _by_length(found), (tuple(path), err.span, err.message))
        return _Walk(k, len(path) - 1, _by_length(found))

    def _step(self, state: tuple, rng: random.Random, choose: _Swarm | None) -> tuple[int, tuple] | None:
        """The next step from `state` as (action index, next state); None when none is enabled."""
        if choose is None:
            succ = self.model.successors(state)
            if not succ:
                return None
            a = int(rng.random() * len(succ))
            return a, succ[a]
        pairs = self.model.labeled(state)
        if not pairs:
            return None
        a = choose(pairs)
        return a, pairs[a][1]

    def _judge(self, state: tuple, path: list[int], found: dict[str, tuple[int, ...]]) -> None:
        """Record each invariant `state` breaks that this walk had not broken yet."""
        conj = self.conj
        if conj is None:
            return
        key = conj.key(state)
        ok = conj.cache.get(key)
        if ok is None:
            ok = conj.decide(state, key)
        if ok:
            return
        for inv in self.invariants:
            if inv.prop.name not in found and not inv.holds(state):
                found[inv.prop.name] = tuple(path)


def _by_length(found: dict[str, tuple[int, ...]]) -> tuple[tuple[str, tuple[int, ...]], ...]:
    return tuple(sorted(found.items(), key=lambda item: (len(item[1]), item[0])))


class _Swarm:
    """One walk's weighted choice among labeled steps (see the module's docstring)."""

    def __init__(self, seed: int, core: Callable[[object], object], rng: random.Random) -> None:
        self.seed = seed
        self.core = core
        self.rng = rng
        self.weights: dict[object, float] = {}

    def weight(self, label: object) -> float:
        core = self.core(label)
        kind = core[0]  # type: ignore[index]
        key = (kind, core[3]) if kind == "invoke" else kind  # type: ignore[index]
        w = self.weights.get(key)
        if w is None:
            draw = random.Random(f"{self.seed}/{_class_name(core)}")  # a str seed goes through SHA-512: stable
            w = self.weights[key] = 2.0 ** (2 * SWARM_SPREAD * draw.random() - SWARM_SPREAD)
        return w

    def __call__(self, pairs: list) -> int:
        cumulative = list(accumulate(map(self.weight, [label for label, _ in pairs])))
        return min(bisect(cumulative, self.rng.random() * cumulative[-1]), len(pairs) - 1)


def _class_name(core: object) -> str:
    """The swarm class of a step's label core (model/system.py `describe` reads the same
    labels): `h3` for the spec's fourth handler, `invoke0` for invoking the first
    operation, else the kind of step (`give_up`, `crash`, `partition`, `lose`, ...)."""
    kind = core[0]  # type: ignore[index]
    if isinstance(kind, int):
        return f"h{kind}"
    if kind == "invoke":
        return f"invoke{core[3]}"  # type: ignore[index]
    return str(kind)


# ------------------------------------------------------------------ running the walks


def _serve(program, options: SimulationOptions, deadlock: bool, tasks, results) -> None:
    """A worker process: compile the program, then walk the chunks `tasks` hands out
    ((chunk, first walk, end) or None to stop), putting (chunk, walks) on `results`, or
    ("error", chunk, text) when anything goes wrong."""
    worker_signals()
    chunk = -1
    try:
        walker = _Walker(compile_model(program), options, deadlock)
        for chunk, first, end in iter(tasks.get, None):
            results.put((chunk, [walker.walk(k) for k in range(first, end)]))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it as an InternalError
        results.put(("error", chunk, traceback.format_exc()))


class _Workers:
    """Worker processes (`_serve`) that walk chunks of walks; `walks()` yields the walks in
    order, and None now and then while it waits (so the caller can look at the clock)."""

    def __init__(self, model: Model, options: SimulationOptions, deadlock: bool) -> None:
        ctx = multiprocessing.get_context()
        self.total = options.walks
        self.chunks = -(-options.walks // CHUNK)
        count = min(options.workers, self.chunks)
        self.tasks = ctx.Queue()
        self.results = ctx.Queue()
        self.procs = [ctx.Process(target=_serve, args=(model.program, options, deadlock, self.tasks, self.results),
                                  daemon=True) for _ in range(count)]
        for p in self.procs:
            p.start()

    def walks(self) -> Iterator[_Walk | None]:
        sent = done = 0
        ready: dict[int, list[_Walk]] = {}
        while done < self.chunks:
            while sent < self.chunks and sent - done < AHEAD * len(self.procs):
                self.tasks.put((sent, sent * CHUNK, min((sent + 1) * CHUNK, self.total)))
                sent += 1
            if done in ready:
                yield from ready.pop(done)
                done += 1
                continue
            try:
                msg = self.results.get(timeout=_TICK)
            except queue.Empty:
                self._alive()
                yield None
                continue
            if msg[0] == "error":
                raise InternalError(f"a simulation worker failed:\n{msg[2]}")
            ready[msg[0]] = msg[1]

    def _alive(self) -> None:
        for p in self.procs:
            if not p.is_alive():
                raise InternalError(f"a simulation worker stopped unexpectedly (exit code {p.exitcode})")

    def close(self) -> None:
        """Stop the workers (they may be in the middle of a chunk nobody needs any more)."""
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            p.join(_GRACE)
            if p.is_alive():  # terminated before it reset the handler it inherited
                p.kill()
                p.join()
        self.tasks.cancel_join_thread()
        self.tasks.close()
        self.results.close()


class _Merge:
    """The walks' results merged in walk order: the first violation of each property,
    the first failure, the steps walked."""

    def __init__(self, options: SimulationOptions, names: int, clock: Callable[[], float], start: float) -> None:
        self.o = options
        self.names = names
        self.clock = clock
        self.start = start
        self.first: dict[str, tuple[tuple[int, ...], Found]] = {}
        self.failure: tuple[tuple[int, ...], int, str] | None = None
        self.walks = self.steps = self.longest = 0

    def add(self, w: _Walk) -> str | None:
        """Merge the next walk; the reason to stop now, or None to go on."""
        found = w.found
        if self.o.stop_at_first and found:
            found = tuple(f for f in found if len(f[1]) == len(found[0][1]))
        for name, path in found:
            if name not in self.first:
                when = Found(self.steps + len(path) - 1, self.clock() - self.start, w.index, self.o.seed + w.index)
                self.first[name] = (path, when)
        self.walks, self.steps, self.longest = w.index + 1, self.steps + w.steps, max(self.longest, w.steps)
        if w.failure is not None:
            self.failure = w.failure
            return RUNTIME_ERROR
        if self.names and len(self.first) == self.names:
            return ALL_DECIDED
        if self.o.stop_at_first and self.first:
            return FIRST_VIOLATION
        return None


def _run(model: Model, options: SimulationOptions, deadlock: bool, merge: _Merge,
         progress: Callable[[WalkProgress], None] | None) -> str:
    """Run the walks, merging them in order, until a reason to stop; that reason."""
    walker = _Walker(model, options, deadlock) if options.workers == 1 else None
    workers = _Workers(model, options, deadlock) if walker is None else None
    source: Iterator[_Walk | None] = (walker.walk(k) for k in range(options.walks)) if walker is not None \
        else workers.walks()  # type: ignore[union-attr]
    try:
        for w in source:
            now = merge.clock() - merge.start
            if options.timeout is not None and now >= options.timeout:
                return TIMEOUT
            if w is not None:
                reason = merge.add(w)
                if reason is not None:
                    return reason
            if progress is not None:
                progress(WalkProgress(merge.walks, merge.steps, now))
        return WALKS
    except KeyboardInterrupt:
        return INTERRUPTED
    finally:
        if workers is not None:
            workers.close()


# ------------------------------------------------------------------ the result


def simulate(model: Model, options: SimulationOptions = SimulationOptions(),
             progress: Callable[[WalkProgress], None] | None = None, clock=time.monotonic) -> CheckResult:
    """Walk `model` at random as `options` say and report, per safety property, the first
    violation found (in walk order), shrunk unless told otherwise; every other property
    is UNKNOWN. Deterministic for given options apart from `timeout` and Ctrl-C, whatever
    `options.workers`. Raises InternalError when a worker process fails (a bug) and nothing
    for anything a spec can do (a run-time failure of the spec comes back in
    `CheckResult.failure`)."""
    deadlock = options.deadlock if options.deadlock is not None else any(
        p.kind == DEADLOCK for p in model.program.properties)
    start = clock()
    merge = _Merge(options, len(model.invariants) + (1 if deadlock else 0), clock, start)
    reason = _run(model, options, deadlock, merge, progress)
    props = tuple(_property_result(model, prop, merge) for prop in checked_properties(model.program, deadlock))
    failure = None
    if merge.failure is not None:
        path, span, message = merge.failure
        failure = RuntimeFailure(message, model.spans[span], replay(model, list(path)))
    stats = Stats(0, merge.steps, merge.longest, clock() - start, 0, memory_in_use())
    sim = Simulation(merge.walks, options.walks, options.max_depth, options.seed, options.swarm, merge.steps)
    result = CheckResult(reason, stats, props, failure, {"timeout": options.timeout, "max_depth": options.max_depth},
                         engine="simulation", simulation=sim)
    return shrink_result(model, result) if options.shrink else result


def _property_result(model: Model, prop, merge: _Merge) -> PropertyResult:
    if prop.kind in kinds.LIVENESS:
        return PropertyResult(prop.name, prop.kind, Verdict.UNKNOWN, reason=LIVENESS_REASON)
    reason = undecided(model, prop)
    if reason is not None:
        return PropertyResult(prop.name, prop.kind, Verdict.UNKNOWN, reason=reason)
    if prop.name not in merge.first:
        return PropertyResult(prop.name, prop.kind, Verdict.UNKNOWN)
    path, when = merge.first[prop.name]
    out = PropertyResult(prop.name, prop.kind, Verdict.VIOLATED, replay(model, list(path)), found=when)
    _verify(model, out)
    return out


def _verify(model: Model, p: PropertyResult) -> None:
    """A walk's counterexample must end in its first state that breaks the property."""
    broken = broken_test(model, p)
    if broken is None:
        raise InternalError(f"simulation reported '{p.name}', which it cannot judge")
    if first_broken(model, p.trace.path, broken) != p.trace.length:  # type: ignore[union-attr]
        raise InternalError(f"a walk's counterexample to '{p.name}' does not end in its first state that breaks it")
