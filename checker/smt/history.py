"""Linearizability of a recorded history as Z3 constraints, and the check functions over them.

The translator, `HistoryEncoding`, takes one part's operations (a register's, or one key's
of a map: the caller splits by key, P-compositionality) and says "they are linearizable"
with one assumption literal `keep_i` per operation i with a response, meaning "its response
is kept". Each operation i has:

- `eff_i`: it takes effect (implied by `keep_i`; free for an indeterminate or relaxed
  operation, which may also never take effect);
- `t_i`: its linearization point, a real: after its call, and, when kept, before its
  return. Calls and returns are numbered in history order (calls before returns at the
  same position, so closed intervals overlap), so a kept operation that returns before
  another is called is linearized before it; a relaxed one's return orders nothing;
- `before_i`, `after_i`: the object's state before and after it, as ids into a finite set
  of states (`domain`), with `after_i` given by the spec's own `step` from `before_i`
  (tabulated, so the encoding is exactly the spec); kept, its recorded result must be the
  one `step` gives from `before_i`, relaxed, any result is accepted;
- `pred_i`: the effective operation just before it (or -1, the initial state), whose
  `after` is its `before`: every other effective operation with a smaller point has a
  point smaller than that one's. A sentinel at the end does the same for the last
  operation, which also makes the points of effective operations distinct (two equal
  points would both be the largest below the next one).

So a model is a linearization (order the effective operations by point) and a
linearization gives a model: satisfiable under a set of `keep` literals exactly when the
history with the other responses relaxed is linearizable (props/explain.py). The state
set is the closure of the initial state under every operation of the history; for the
objects that only grow (the string register's `append`, the log, the counter) every state
no recorded result or `cas` can match any more (a string that no read result starts with)
is merged into one `DEAD` state, which behaves the same for every operation of the
history. An object with more states than `SmtOptions.states` is not encodable.

The check functions build a fresh solver each: `linearization` (a linearization, replayed
on the spec before it is returned, or None) and `smallest_core` (the smallest set of
responses that contradict each other). They raise `SolverUnknown` when Z3 cannot decide
within the time given, `NotEncodable` for an object they cannot encode, and
InternalError when a model does not replay. Their time limits are read on `clock`
(time.monotonic unless a test passes a fake one); Z3 and the offline checker get the
seconds left on it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Callable, Hashable, Iterable, Sequence

import z3

from checker.errors import InternalError
from checker.props.explain import relaxed
from checker.props.linearizability import (DEAD, UNKNOWN, CheckOptions, Operation, _typed, check_operations,
                                            growth)
from checker.props.objects import SequentialSpec
from checker.result import Verdict
from checker.smt.symbolic import NotEncodable
from checker.smt.solver import Answer, Model, Outcome, Solver, SolverUnknown

STATE_LIMIT = 4096
GROW_LIMIT = 1.0   # seconds for one offline check while growing or shrinking a set (_grow, minimal_core)
CORE_LIMIT = 5.0   # seconds for Z3's unsat core of a whole window in minimal_core


@dataclass(frozen=True)
class Deadline:
    """A moment `at` on `clock` (seconds; None: no limit) by which a check must be done.
    Pure but for reading the clock."""

    at: float | None = None
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def after(cls, seconds: float | None, clock: Callable[[], float] = time.monotonic) -> Deadline:
        """`seconds` from now on `clock` (None: no limit)."""
        return cls(None if seconds is None else clock() + seconds, clock)

    def remaining(self) -> float | None:
        """Seconds left (zero or less once passed); None without a limit."""
        return None if self.at is None else self.at - self.clock()

    def passed(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0

    def left(self) -> float | None:
        """Seconds left (None: no limit). Raises SolverUnknown('timeout') once passed."""
        left = self.remaining()
        if left is not None and left <= 0:
            raise SolverUnknown("timeout")
        return left

    def cap(self, seconds: float) -> float:
        """Seconds for one step: `seconds`, or what is left if less. Raises SolverUnknown
        once passed."""
        left = self.left()
        return seconds if left is None else min(seconds, left)

    def within(self, seconds: float) -> Deadline:
        """The sooner of this deadline and `seconds` from now."""
        turn = self.clock() + seconds
        return replace(self, at=turn if self.at is None else min(self.at, turn))


@dataclass(frozen=True)
class SmtOptions:
    """`timeout`: seconds for one check function in all (each Z3 check gets what is left;
    None: no limit); `states`: the most object states the encoding takes."""

    timeout: float | None = None
    states: int = STATE_LIMIT


# ---------------------------------------------------------------- the object's states


@dataclass(frozen=True)
class Domain:
    """The object's states (ids are positions; `initial` is one) and, for each operation i
    and state s, `next[i][s]` (the id after it, None when it cannot take effect there),
    `fits[i][s]` (whether it gives its recorded result there) and `results[i][s]`."""

    states: tuple
    initial: int
    next: tuple[tuple[int | None, ...], ...]
    fits: tuple[tuple[bool, ...], ...]
    results: tuple[tuple[object, ...], ...]


def domain(spec: SequentialSpec, ops: Sequence[Operation], limit: int = STATE_LIMIT) -> Domain:
    """The states `ops` can lead `spec` to and every operation's step from each. Raises
    NotEncodable past `limit` states."""
    live, stand_in = growth(spec, [(o.op, o.args) for o in ops], [o.result for o in ops])
    states: list = []
    ids: dict[Hashable, int] = {}

    def intern(state: Hashable) -> int:
        if not live(state):
            state = DEAD
        key = _typed(state)
        if key not in ids:
            if len(states) >= limit:
                raise NotEncodable(f"the object has more than {limit} states in this history")
            ids[key] = len(states)
            states.append(state)
        return ids[key]

    initial = intern(spec.initial())
    steps: dict[Hashable, list] = {}
    done = 0
    while done < len(states):
        state = stand_in if states[done] is DEAD else states[done]
        for op in {_typed((o.op, o.args)): o for o in ops}.values():
            step = spec.step(state, op.op, op.args)
            steps.setdefault(_typed((op.op, op.args)), []).append(
                None if step is None else (step[0], intern(step[1])))
        done += 1
    tables = [steps[_typed((o.op, o.args))] for o in ops]
    return Domain(tuple(states), initial,
                  tuple(tuple(None if s is None else s[1] for s in t) for t in tables),
                  tuple(tuple(s is not None and _fits(o, s[0]) for s in t) for o, t in zip(ops, tables)),
                  tuple(tuple(None if s is None else s[0] for s in t) for t in tables))


def _fits(o: Operation, result: object) -> bool:
    return o.result is UNKNOWN or _typed(o.result) == _typed(result)


# ---------------------------------------------------------------- the constraints


class HistoryEncoding:
    """`ops` (one part's, see the module doc) as constraints on `solver`; `keep[i]` is the
    literal of answered operation i. Raises NotEncodable."""

    def __init__(self, solver: Solver, spec: SequentialSpec, ops: Sequence[Operation],
                 limit: int = STATE_LIMIT) -> None:
        self.solver, self.spec, self.ops = solver, spec, list(ops)
        self.domain = domain(spec, ops, limit)
        ctx, n, size = solver.ctx, len(ops), len(self.domain.states)
        self.keep = {i: solver.literal(f"keep_{i}") for i, o in enumerate(ops) if o.ret is not None}
        self.writers = [i for i in range(n) if any(self.domain.next[i][k] not in (k, None) for k in range(size))]
        self.eff = [z3.Bool(f"eff_{i}", ctx) for i in range(n)]
        self.t = [z3.Real(f"t_{i}", ctx) for i in range(n)]
        self.before = [z3.Real(f"before_{i}", ctx) for i in range(n)]
        self.after = [z3.Real(f"after_{i}", ctx) for i in range(n)]
        self.calls, self.returns = _ranks(ops)
        for i in range(n):
            self._operation(i)
        self.feeds: dict[int, list[tuple[int, z3.BoolRef]]] = {j: [] for j in self.writers}
        for i in range(n + 1):
            self._predecessor(i)
        self._twins()
        self._nothing_idle()

    def _operation(self, i: int) -> None:
        """Operation i's interval, its step, and what keeping its response means. A read
        (an operation that never changes the state) takes effect only when kept: it could
        always be left out of a linearization."""
        s, d, size = self.solver, self.domain, len(self.domain.states)
        eff, before, after = self.eff[i], self.before[i], self.after[i]
        s.add(_member(before, range(size)), z3.Implies(eff, self.t[i] > self.calls[i]))
        if i not in self.writers:
            s.add(z3.Implies(eff, self.keep[i]) if i in self.keep else z3.Not(eff))
        table = d.next[i]
        blocked = [k for k in range(size) if table[k] is None]
        if blocked:
            s.add(z3.Implies(eff, z3.Not(_member(before, blocked))))
        same = [k for k in range(size) if table[k] == k]
        if same:
            s.add(z3.Implies(z3.And(eff, _member(before, same)), after == before))
        for target in sorted({v for k, v in enumerate(table) if v is not None and v != k}):
            sources = [k for k in range(size) if table[k] == target]
            s.add(z3.Implies(z3.And(eff, _member(before, sources)), after == target))
        if i in self.keep:
            fits = [k for k in range(size) if d.fits[i][k]]
            s.add(z3.Implies(self.keep[i], z3.And(eff, self.t[i] < self.returns[i], _member(before, fits))))

    def _predecessor(self, i: int) -> None:
        """The state before effective operation i (i == len(ops): the sentinel at the end)
        is the state after the writer just before it: one writer j (or the initial state)
        is chosen, and every other effective writer before i is before j."""
        ctx, n = self.solver.ctx, len(self.ops)
        point = z3.Real(f"tp_{i}", ctx)
        start = z3.Bool(f"pred_{i}_init", ctx)
        choice = {j: z3.Bool(f"pred_{i}_{j}", ctx) for j in self.writers if j != i}
        here = self.t[i] if i < n else None
        self.solver.add(z3.PbEq([(c, 1) for c in [start, *choice.values()]], 1),
                        z3.Implies(start, z3.And(point == 0, *self._from_initial(i))))
        for j, chosen in choice.items():
            link = [self.eff[j], point == self.t[j]]
            if here is not None:
                link += [self.t[j] < here, self.before[i] == self.after[j]]
            self.solver.add(z3.Implies(chosen, z3.And(*link)))
            if i < n and self._reads_state(i):
                self.feeds[j].append((i, chosen))
            earlier = self.eff[j] if here is None else z3.And(self.eff[i], self.eff[j], self.t[j] < here)
            self.solver.add(z3.Implies(earlier, z3.Or(chosen, self.t[j] < point)))

    def _from_initial(self, i: int) -> list[z3.BoolRef]:
        return [self.before[i] == self.domain.initial] if i < len(self.ops) else []

    def _twins(self) -> None:
        """Identical writers, both relaxed (or indeterminate), take effect in the order of
        their calls: either could stand in for the other (as in the offline checker)."""
        last: dict[Hashable, int] = {}
        for b in sorted(self.writers, key=lambda i: (self.ops[i].call, i)):
            key = _typed((self.ops[b].op, self.ops[b].args))
            a = last.get(key)
            last[key] = b
            if a is not None:
                relaxed = [z3.Not(self.keep[x]) for x in (a, b) if x in self.keep]
                self.solver.add(z3.Implies(z3.And(*relaxed, self.eff[b]), z3.And(self.eff[a], self.t[a] < self.t[b])))

    def _reads_state(self, i: int) -> bool:
        """Whether what operation i does depends on the state before it."""
        d = self.domain
        return len({(d.next[i][k], d.fits[i][k]) for k in range(len(d.states))}) > 1

    def _nothing_idle(self) -> None:
        """A relaxed operation takes effect only if it is useful: it is just before an
        operation whose state before it decides what it does (a read, a cas, an append; not
        a plain write) that is kept, or is itself useful. Leaving out every operation that is
        not useful keeps a linearization one (what the others do stays the same), so this
        loses none, and spares Z3 from placing operations that do not matter."""
        ctx = self.solver.ctx
        useful = {w: z3.Bool(f"useful_{w}", ctx) for w in self.writers}
        for w in self.writers:
            uses = [z3.And(chosen, self._needed(i, useful)) for i, chosen in self.feeds[w]]
            self.solver.add(z3.Implies(useful[w], z3.Or(*uses)) if uses else z3.Not(useful[w]))
            relaxed = [z3.Not(self.keep[w])] if w in self.keep else []
            self.solver.add(z3.Implies(z3.And(*relaxed, self.eff[w]), useful[w]))

    def _needed(self, i: int, useful: dict[int, z3.BoolRef]) -> z3.BoolRef:
        """Operation i is kept, or useful."""
        reasons = ([self.keep[i]] if i in self.keep else []) + ([useful[i]] if i in useful else [])
        return z3.Or(*reasons) if reasons else z3.BoolVal(False, self.solver.ctx)

    # ------------------------------------------------------------ reading a model

    def order(self, model: Model) -> list[int]:
        """The operations `model` makes take effect, in the order of their points (a read
        before a writer at the same point: it sees the state before the writer)."""
        writers = set(self.writers)
        points = [(model.value(self.t[i]), i in writers, i) for i in range(len(self.ops)) if model.value(self.eff[i])]
        return [i for _, _, i in sorted(points)]

    def check(self, kept: Sequence[int], deadline: Deadline) -> Answer:
        """Whether the operations `kept` (answered ones) are linearizable with every other
        response relaxed. Raises SolverUnknown when Z3 cannot tell, or time is up."""
        answer = self.solver.check([self.keep[i] for i in kept], deadline.left()).decided()
        if answer.outcome is Outcome.SAT:
            replay(self.spec, self.ops, self.order(answer.model), set(kept))  # type: ignore[arg-type]
        return answer


def _member(var: z3.ArithRef, ids: Sequence[int]) -> z3.BoolRef:
    """`var` is one of the state ids `ids`."""
    return z3.Or(*[var == k for k in ids]) if len(ids) else z3.BoolVal(False, var.ctx)


def _ranks(ops: Sequence[Operation]) -> tuple[list[int], list[int]]:
    """Each operation's call and return as ranks from 1 in history order, calls before
    returns at the same position (an indeterminate operation's return: past the last)."""
    events = sorted([(o.call, 0, i) for i, o in enumerate(ops)] +
                    [(o.ret, 1, i) for i, o in enumerate(ops) if o.ret is not None])
    calls, returns = [0] * len(ops), [len(events) + 1] * len(ops)
    for rank, (_, kind, i) in enumerate(events, 1):
        (returns if kind else calls)[i] = rank
    return calls, returns


def replay(spec: SequentialSpec, ops: Sequence[Operation], order: Sequence[int], kept: set[int]) -> None:
    """Check that `order` is a linearization of `ops` with the responses outside `kept`
    relaxed: every kept operation is in it, none comes before a kept one that returned
    before its call, and the kept ones give their recorded results. Raises InternalError."""
    placed = set(order)
    missing = kept - placed
    if missing:
        raise InternalError(f"Z3's linearization leaves out kept operations {sorted(missing)}")
    state, seen = spec.initial(), set()
    for i in order:
        o = ops[i]
        late = [j for j in kept if j not in seen and j != i and ops[j].ret < o.call]  # type: ignore[operator]
        step = spec.step(state, o.op, o.args)
        if late or step is None or (i in kept and not _fits(o, step[0])):
            raise InternalError(f"Z3's linearization {list(order)} does not replay at operation {i}")
        state = step[1]
        seen.add(i)


# ---------------------------------------------------------------- the check functions


def linearization(spec: SequentialSpec, ops: Sequence[Operation], options: SmtOptions = SmtOptions(),
                  clock: Callable[[], float] = time.monotonic) -> list[int] | None:
    """A linearization of `ops` (indices, replayed on `spec`), or None when there is none.
    Raises SolverUnknown, NotEncodable."""
    deadline = Deadline.after(options.timeout, clock)
    encoding = HistoryEncoding(Solver(), spec, ops, options.states)
    answer = encoding.check(sorted(encoding.keep), deadline)
    return encoding.order(answer.model) if answer.outcome is Outcome.SAT else None  # type: ignore[arg-type]


def smallest_core(spec: SequentialSpec, ops: Sequence[Operation], target: int | None = None,
                  options: SmtOptions = SmtOptions(),
                  clock: Callable[[], float] = time.monotonic) -> tuple[int, ...] | None:
    """The smallest set of answered operations (`target` among them, when given) whose
    responses cannot all be kept when every other response is relaxed: ascending indices,
    the first such set by position among the smallest (as props/explain.core orders them);
    None when `ops` are linearizable. Raises SolverUnknown, NotEncodable.

    The search is the hitting-set duality of minimal unsatisfiable subsets and minimal
    correction sets: every set that cannot be kept meets the complement of every set that
    can. The smallest set meeting every complement found so far (the first by position) is
    checked, the offline checker and Z3 taking turns (`decide`: with every other response
    relaxed, Z3 can take minutes to find the linearization the checker finds at once); if
    it can be kept, it is grown, one operation at a time, to a maximal set that can and that
    set's complement is added; if it cannot, no smaller set can either, and it is the answer.
    """
    deadline = Deadline.after(options.timeout, clock)
    encoding = HistoryEncoding(Solver(), spec, ops, options.states)
    answered = sorted(encoding.keep)
    relaxations = Relaxed(spec, ops, encoding.domain, clock)
    if relaxations.verdict(answered) is Verdict.HOLDS:
        return None
    hitting = _HittingSets(answered, target)
    while True:
        chosen = hitting.smallest()
        verdict, _ = decide(relaxations, lambda: encoding, chosen, deadline)
        if verdict is Verdict.VIOLATED:
            return tuple(chosen)
        kept = _grow(relaxations, set(chosen), answered, deadline)
        hitting.block([i for i in answered if i not in kept])


def minimal_core(spec: SequentialSpec, ops: Sequence[Operation], target: int | None = None,
                 options: SmtOptions = SmtOptions(),
                 clock: Callable[[], float] = time.monotonic) -> tuple[int, ...] | None:
    """A minimal set of answered operations (`target` among them, when given) whose
    responses cannot all be kept: Z3's unsat core over the keep literals (every answered
    operation when Z3 finds none within CORE_LIMIT seconds), then minimised by deletion:
    each member relaxed in turn, and left relaxed when the rest still cannot be kept. The
    offline checker decides each deletion (refuting a handful of kept responses is where
    its memoised search takes milliseconds and Z3 can take seconds); when it does not
    finish within GROW_LIMIT, it and Z3 take turns with growing time (`decide`), and a
    smaller core from Z3 is taken too.
    Minimal, not always the smallest: no member can be relaxed, but a different, smaller
    set may exist. None when `ops` are linearizable. Raises SolverUnknown (time is up, or
    neither can decide a deletion), NotEncodable."""
    deadline = Deadline.after(options.timeout, clock)
    encoding = HistoryEncoding(Solver(), spec, ops, options.states)
    answered = sorted(encoding.keep)
    relaxations = Relaxed(spec, ops, encoding.domain, clock)
    whole = relaxations.verdict(answered, deadline.cap(GROW_LIMIT))
    if whole is Verdict.HOLDS:
        return None
    try:
        answer = encoding.check(answered, deadline.within(CORE_LIMIT))
    except SolverUnknown:
        if whole is Verdict.UNKNOWN:
            raise
        answer = None                       # the deletions below start from every response
    if answer is not None and answer.outcome is Outcome.SAT:
        if whole is Verdict.VIOLATED:
            raise InternalError("Z3 linearizes a history the offline checker refutes")
        return None
    core = answered if answer is None else sorted(int(name.split("_")[1]) for name in answer.core)
    for i in list(core):
        if i == target or i not in core:
            continue
        rest = [k for k in core if k != i]
        if target is not None and target not in rest:
            continue
        verdict, smaller = decide(relaxations, lambda: encoding, rest, deadline)
        if verdict is Verdict.VIOLATED:
            core = [k for k in rest if smaller is None or k in smaller or k == target]
    return tuple(core)


def decide(relaxations: Relaxed, encode: Callable[[], HistoryEncoding], kept: list[int],
           deadline: Deadline) -> tuple[Verdict, set[int] | None]:
    """Whether the responses `kept` can all be kept (HOLDS: a linearization, the offline
    checker's or Z3's model replayed on the spec) or not (VIOLATED), and Z3's unsat core
    when Z3 is the one that refutes them. The offline checker and Z3 (`encode()`, called
    when first needed) take turns, each given GROW_LIMIT seconds and then four times as
    long each round, until one decides (neither is reliably the faster on a window with
    many indeterminate writes). Raises SolverUnknown when time is up or Z3 cannot decide
    for another reason."""
    limit = GROW_LIMIT
    while True:
        verdict = relaxations.verdict(kept, deadline.cap(limit))
        if verdict is not Verdict.UNKNOWN:
            return verdict, None
        try:
            answer = encode().check(kept, deadline.within(limit))
        except SolverUnknown as stop:
            if stop.reason != "timeout" or deadline.passed():
                raise
            limit *= 4
            continue
        if answer.outcome is Outcome.UNSAT:
            return Verdict.VIOLATED, {int(name.split("_")[1]) for name in answer.core}
        return Verdict.HOLDS, None


class Relaxed:
    """The operations of one part (`ops`, states `domain`) with the responses outside a set
    kept relaxed, as the offline checker takes them, without what cannot matter: a relaxed
    operation that never changes the object's state (a read) never has to take effect, nor
    does one called after the last kept response (it can come after all of them), so both
    are left out, which changes no verdict and spares the checker from placing them. The
    checker's time limits are read on `clock`."""

    def __init__(self, spec: SequentialSpec, ops: Sequence[Operation], found: Domain,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.spec, self.ops, self.clock = spec, list(ops), clock
        self.reads = {i for i, table in enumerate(found.next) if all(v in (k, None) for k, v in enumerate(table))}

    def history(self, kept: Iterable[int], instead: dict[int, Operation] | None = None) -> list[Operation]:
        """The operations with the responses outside `kept` relaxed (`instead`: some kept
        ones replaced), less what cannot matter."""
        chosen = set(kept)
        last = max((self.ops[i].ret for i in chosen), default=-1)
        out = []
        for i, o in enumerate(self.ops):
            if i in chosen:
                out.append((instead or {}).get(i, o))
            elif i not in self.reads and o.call <= last:  # type: ignore[operator]
                out.append(o if o.ret is None else relaxed(o))
        return out

    def verdict(self, kept: Iterable[int], timeout: float | None = None,
                instead: dict[int, Operation] | None = None) -> Verdict:
        """The offline checker's verdict with only `kept` responses kept."""
        return check_operations(self.spec, self.history(kept, instead), CheckOptions(timeout), self.clock).verdict


def _grow(relaxations: Relaxed, kept: set[int], answered: list[int], deadline: Deadline) -> set[int]:
    """`kept` (linearizable) grown, one answered operation at a time, to a set that is, by
    the offline checker: refuting a near-complete set is where its memoised search is far
    faster than Z3. An operation it cannot decide within GROW_LIMIT seconds stays out: the
    set is then maybe not maximal, which only makes the search take longer, never changes
    its answer."""
    for i in answered:
        if i not in kept:
            if relaxations.verdict(kept | {i}, deadline.cap(GROW_LIMIT)) is Verdict.HOLDS:
                kept.add(i)
    if len(kept) == len(answered):
        raise InternalError("the offline checker keeps every response of a history Z3 found not linearizable")
    return kept


class _HittingSets:
    """The smallest sets of `items` (with `forced` in each) that meet every set blocked so
    far, on a Boolean solver of their own."""

    def __init__(self, items: list[int], forced: int | None) -> None:
        self.items = items
        self.solver = Solver()
        self.chosen = {i: self.solver.literal(f"in_{i}") for i in items}
        if forced is not None:
            self.solver.add(self.chosen[forced])
        self.size = 1

    def block(self, complement: list[int]) -> None:
        self.solver.add(z3.Or(*[self.chosen[i] for i in complement]))

    def smallest(self) -> list[int]:
        """The first by position among the smallest sets meeting every blocked set."""
        every = list(self.chosen.values())
        while True:
            with self.solver.scope():
                self.solver.add(z3.AtMost(*every, self.size))
                if self.solver.check().outcome is Outcome.SAT:
                    return self._first()
            self.size += 1
            if self.size > len(self.items):
                raise InternalError("no set of operations meets every set found linearizable")

    def _first(self) -> list[int]:
        """Items in order, each in the set if a set of the current size can still have it."""
        decided: list[z3.BoolRef] = []
        out: list[int] = []
        for i in self.items:
            if len(out) == self.size:
                break
            if self.solver.check(decided + [self.chosen[i]]).outcome is Outcome.SAT:
                decided.append(self.chosen[i])
                out.append(i)
            else:
                decided.append(z3.Not(self.chosen[i]))
        return out
