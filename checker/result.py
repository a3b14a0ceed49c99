"""What a check returns: verdicts, the reason a run stopped, statistics and traces.

Engines produce these; renderers (checker/render) consume them; nothing here prints.
Verdicts are ordered VIOLATED < UNKNOWN < HOLDS, so the overall result of several
properties is the least of theirs. A run that stops on a bound never says HOLDS.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Verdict(enum.IntEnum):
    VIOLATED = 0
    UNKNOWN = 1
    HOLDS = 2

    @property
    def word(self) -> str:
        return self.name.lower()


# why a search ended
COMPLETE = "complete"            # every reachable state was explored
ALL_DECIDED = "all_violated"     # every property was violated; nothing left to look for
MAX_STATES = "max_states"
MAX_DEPTH = "max_depth"
TIMEOUT = "timeout"
MEMORY = "memory"
INTERRUPTED = "interrupted"
RUNTIME_ERROR = "runtime_error"
FIRST_VIOLATION = "first_violation"   # --stop-at-first: stopped at the first violation found
WALKS = "walks"                  # simulation: every walk asked for was run
WORKER_LOST = "worker_lost"      # a worker process of a parallel search died

EXIT_REASONS = (COMPLETE, ALL_DECIDED, MAX_STATES, MAX_DEPTH, TIMEOUT, MEMORY, INTERRUPTED, RUNTIME_ERROR,
                FIRST_VIOLATION, WALKS, WORKER_LOST)


@dataclass(frozen=True)
class Step:
    """One step of a trace: the action index that selects it among the successors of the
    previous state (for the initial state: its index among the initial states), the step as data (`Model.describe`), the
    changes it made, and the whole state after it (`Model.view`)."""

    index: int | None
    action: dict
    changes: tuple[str, ...]
    state: dict
    rows: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Trace:
    """A run from an initial state. `path` is the replayable encoding: the initial state's
    index, then one action index per step."""

    steps: tuple[Step, ...]

    @property
    def path(self) -> tuple[int, ...]:
        first = self.steps[0].index if self.steps and self.steps[0].index is not None else 0
        return (first,) + tuple(s.index for s in self.steps[1:])  # type: ignore[misc]

    @property
    def length(self) -> int:
        """The number of steps after the initial state."""
        return max(len(self.steps) - 1, 0)


@dataclass(frozen=True)
class Lasso:
    """How a liveness counterexample's trace reads. Up to step `start` it is an ordinary
    run; from there on no fault happens and no client starts or drops an operation. The
    run then ends in a `loop` (its last step returns to the state after step `loop`, and
    repeating the steps after `loop` forever is a fair run), a "dead end" (no step of the
    continuation is enabled) or an "error reply". `subject` says what never happens, in a
    sentence."""

    start: int
    loop: int | None
    ending: str
    subject: str


@dataclass(frozen=True)
class Found:
    """When an engine found a violation: after `states` states (the explicit search: the
    distinct states numbered so far; a simulation: the steps walked so far, over every
    earlier walk and this one) and `seconds` after the run began (a measurement: it
    differs from run to run). A simulation also gives the `walk` (numbered from 0) and
    that walk's own `seed`: `--simulate --seed SEED --walks 1` walks it again alone."""

    states: int
    seconds: float
    walk: int | None = None
    seed: int | None = None


@dataclass(frozen=True)
class PropertyResult:
    """A property's verdict. `reason` explains an UNKNOWN that is not the run's own stop
    reason (a check this engine does not decide); None otherwise. A violated liveness
    property (`available`, `converges`) has a `lasso` describing its trace. `shrunk_from`
    is the length in steps of the trace the engine found when a shrinker
    (explore/shrink.py) replaced it with this shorter one; None otherwise. `constants` are
    the values the SMT engine's solver chose for the symbolic constants (`-D NAME=?`) in
    this counterexample, as (name, value) pairs; None without symbolic constants. `data`
    are the object values of the explicit model an SMT counterexample of an object of
    `values = int` is replayed in (the integers it uses, ascending: `--values`); None
    otherwise. `found` says when the engine found the violation (None when it does not
    say: the SMT engine)."""

    name: str
    kind: str
    verdict: Verdict
    trace: Trace | None = None
    reason: str | None = None
    lasso: Lasso | None = None
    shrunk_from: int | None = None
    constants: tuple[tuple[str, int | bool], ...] | None = None
    data: tuple[int, ...] | None = None
    found: Found | None = None


@dataclass(frozen=True)
class Stats:
    distinct_states: int
    generated_states: int
    max_depth: int
    seconds: float
    queue: int = 0
    memory_bytes: int = 0


@dataclass(frozen=True)
class RuntimeFailure:
    """The spec did something undefined (an index past the end, a value out of range):
    where (a span into the spec), what, and the run that got there; `constants` as for
    PropertyResult."""

    message: str
    span: object
    trace: Trace
    constants: tuple[tuple[str, int | bool], ...] | None = None
    data: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Simulation:
    """What a simulation did: `walks` walks run of the `requested` (all of them, or up to
    the walk after which nothing was left to look for), each of up to `max_depth` steps,
    the run's `seed` (walk k's seed is seed + k), whether step weights varied per walk
    (`swarm`), and the `steps` walked in all."""

    walks: int
    requested: int
    max_depth: int
    seed: int
    swarm: bool
    steps: int


@dataclass(frozen=True)
class Reduction:
    """What a search said about one state-space reduction (`kind` 'symmetry' or 'partial-order
    reduction'): whether it was `used`, `over` what (symmetry: e.g. 'rm (3 nodes)'), the
    `reason` it was off or only partly used, and (partial-order reduction) how many `states`
    were expanded through an ample set."""

    kind: str
    used: bool
    over: tuple[str, ...] = ()
    reason: str | None = None
    states: int | None = None


@dataclass(frozen=True)
class Coverage:
    """How often each kind of step was enabled and fired in a search (`--coverage`).

    One row per step kind as the spec names it: each declared handler, timeout and action
    (`rm.action prepare`, summed over the nodes of its role; `line` is its line in the
    spec), each operation clients invoke (`invoke write`), and each kind of fault or
    network step the spec allows (`crash`, `restart`, `partition`, `heal`, `loss`, ...;
    `line` None). `enabled[i]`: in how many of the `states` expanded states step kind i
    had at least one step; `fired[i]`: how many steps (transitions) of kind i those states
    had, counting every transition generated, to a new state or to one already seen (TLC's
    "found", not "distinct"). A plain value: it pickles, and `merge` adds the counts of two
    searches over disjoint sets of states (the shards of a parallel search). Names are
    unique."""

    names: tuple[str, ...]
    lines: tuple[int | None, ...]
    enabled: tuple[int, ...]
    fired: tuple[int, ...]
    states: int = 0

    def __post_init__(self) -> None:
        if not len(self.names) == len(self.lines) == len(self.enabled) == len(self.fired):
            raise ValueError("coverage rows of different lengths")

    def merge(self, other: Coverage) -> Coverage:
        """The counts of both added, row by row as `collections.Counter` adds: the rows
        of `self` in their order, then those only `other` has. A row both have must be
        at the same line (ValueError otherwise: not the same spec)."""
        lines = dict(zip(self.names, self.lines))
        counts = {n: [e, f] for n, e, f in zip(self.names, self.enabled, self.fired)}
        for n, line, e, f in zip(other.names, other.lines, other.enabled, other.fired):
            if lines.setdefault(n, line) != line:
                raise ValueError(f"merging the coverage of different specs: {n} at lines {lines[n]} and {line}")
            count = counts.setdefault(n, [0, 0])
            count[0] += e
            count[1] += f
        return Coverage(tuple(lines), tuple(lines.values()), tuple(c[0] for c in counts.values()),
                        tuple(c[1] for c in counts.values()), self.states + other.states)

    def never_fired(self) -> tuple[int, ...]:
        """The rows of the step kinds that never fired, in row order."""
        return tuple(i for i, n in enumerate(self.fired) if n == 0)


@dataclass(frozen=True)
class CheckResult:
    """A whole run: why it stopped, its statistics, each property's verdict, a run-time
    failure of the spec if there was one, the bounds it ran under (None: unbounded;
    `max_memory` in bytes) and the engine that ran it ('explicit'; 'smt': bounded model
    checking, whose `stats` count no states and whose `max_depth` is the depth checked;
    'simulation': random walks, whose `stats` count steps as generated states and no
    distinct ones, and which says what it did in `simulation`).

    `complete_depth`: when a breadth-first search stopped on a bound, the number of steps
    up to which every run was checked (None otherwise). `not_checked`: the properties the
    spec declares that the run was told to leave out (`--check`). `stopped_during` names
    the phase after the search that a bound or a stop request cut short (`exit_reason` is
    then that bound's), e.g. "the analysis of the state graph"; None when nothing after
    the search was cut.

    `symmetry`: whether the spec's symmetric sets reduced the search (None: it declares none);
    `partial_order`: likewise for partial-order reduction (None: no state could have used it).
    `coverage`: how often each kind of step fired (`--coverage`); None when not counted.
    `parallel`: why a search asked for several workers ran in one process, or which worker
    died (exit reason WORKER_LOST); None otherwise."""

    exit_reason: str
    stats: Stats
    properties: tuple[PropertyResult, ...] = ()
    failure: RuntimeFailure | None = None
    bounds: dict = field(default_factory=dict)
    engine: str = "explicit"
    stopped_during: str | None = None
    complete_depth: int | None = None
    simulation: Simulation | None = None
    not_checked: tuple[str, ...] = ()
    symmetry: Reduction | None = None
    partial_order: Reduction | None = None
    coverage: Coverage | None = None
    parallel: str | None = None

    @property
    def verdict(self) -> Verdict:
        if self.failure is not None:
            return Verdict.UNKNOWN
        return min((p.verdict for p in self.properties), default=Verdict.HOLDS if self.exit_reason == COMPLETE
                   else Verdict.UNKNOWN)

    @property
    def result(self) -> str:
        """'holds' | 'violated' | 'unknown' | 'error' (the spec failed while running)."""
        return "error" if self.failure is not None else self.verdict.word
