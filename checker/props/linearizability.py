"""Offline linearizability checking of recorded histories.

The algorithm is Wing and Gong's depth-first search with Lowe's memoisation, the one
Porcupine uses (written here from the papers' description, not from its code):

- every operation becomes a call entry and, unless it is indeterminate, a return entry, in
  one doubly linked list in history order;
- the search walks the list from its head; at a call it tries to linearize that operation
  now: the object's step must give the recorded result; on success the call and its return
  are unlinked ("lifted"), the step is pushed on a stack and the walk restarts at the head;
- reaching a return means its operation should have been linearized already: the search
  backtracks (pops the last step, relinks it, and tries the entry after its call);
- a configuration (the set of linearized operations as an int bitset, the object state)
  that failed is remembered; reaching it again by another order is pruned, since what can
  follow depends on nothing else;
- an indeterminate operation (no response: a timeout, a crashed client) has no return
  entry, so it may be linearized at any point after its call or never; the search succeeds
  once every operation with a response is linearized.

Histories from real systems have many indeterminate operations (15% of those in Jepsen's
etcd logs), and the search then mostly explores which of them took effect. Five
refinements keep that in check without changing any verdict (see `_search`): operations
with a response are tried before indeterminate ones; a failed configuration also prunes
those that linearized the same operations with a response, reached the same state, and
used more indeterminate operations (subsumption); identical indeterminate operations
take effect in the order of their calls; an indeterminate operation is never placed
where it would leave the state as it is (a cas that fails, a write of the value already
there), since that only uses it up; and the operation placed right after an
indeterminate one must depend on it (not a write that overwrites it). The last two matter
most where smt/explain.py relaxes dozens of operations. A sixth is for objects that only
grow (appends, logs, counters): the states from which no recorded read can be matched any
more are one state (`growth`, `_States`), so the orders of appends that no read saw make a
few configurations, not one per order. What each refinement saves on Porcupine's corpus is
in docs/performance.md ("Linearizability of recorded histories").

A spec whose `split` gives parts (a map's keys) is checked part by part (P-compositionality,
Horn and Kroening 2015): the history is linearizable exactly when every part's is.

Everything here is pure and deterministic except the optional deadline, which makes a
search stop with UNKNOWN and report how far it got. Nothing here prints.
"""

from __future__ import annotations

import bisect
import gc
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Generator, Hashable, Iterator, Sequence

from checker.resources import Budget
from checker.props.objects import Counter, Log, SequentialSpec
from checker.props.operations import UNKNOWN, AppendRegister, LinearizabilityResult, Operation, PartResult
from checker.result import Verdict


# ---------------------------------------------------------------- the check


@dataclass(frozen=True)
class _Part:
    """One part's sub-history: its key, its object and its operations (index, op, args)."""

    key: Hashable | None
    spec: SequentialSpec
    members: tuple[int, ...]
    ops: tuple[tuple[str, tuple], ...]


def split_parts(spec: SequentialSpec, operations: Sequence[Operation]) -> list[_Part]:
    """The history divided by the spec's `split`, parts in order of their first operation.

    An object without parts gives one part holding every operation. Raises what `split`
    raises for an operation the object does not have.
    """
    if not operations or spec.split(operations[0].op, operations[0].args) is None:
        return [_Part(None, spec, tuple(range(len(operations))), tuple((o.op, o.args) for o in operations))]
    groups: dict[Hashable, tuple[Hashable, list[tuple[int, str, tuple]]]] = {}
    for index, o in enumerate(operations):
        split = spec.split(o.op, o.args)
        assert split is not None  # an object with parts splits every operation
        key, op, args = split
        group = groups.get(_typed(key))
        if group is None:
            group = groups[_typed(key)] = (key, [])
        group[1].append((index, op, args))
    return [_Part(key, spec.part_spec, tuple(i for i, _, _ in g), tuple((op, a) for _, op, a in g))
            for key, g in groups.values()]


@dataclass(frozen=True)
class CheckOptions:
    """Bounds on a check: `timeout` in seconds and `memory` in bytes of resident memory
    (None: no bound), within `budget`, the command's (checker/resources.py: its deadline,
    memory bound and stop request). A bound that is hit makes the undecided parts
    UNKNOWN."""

    timeout: float | None = None
    memory: int | None = None
    budget: Budget | None = None
    stop_at_first: bool = False
    """Stop at the end of the turn in which a part is found violated, as Porcupine does:
    the parts undecided then are UNKNOWN ('stopped'), without the turns they get otherwise."""


def check_operations(spec: SequentialSpec, operations: Sequence[Operation],
                     options: CheckOptions = CheckOptions(),
                     clock: Callable[[], float] = time.monotonic) -> LinearizabilityResult:
    """Decide whether `operations` is linearizable with respect to `spec`.

    The parts' searches run in turns of a fixed amount of work, so a part that is quickly
    found violated is not kept waiting behind a hard one. Once some part is violated the
    verdict is settled; the others get as many turns again, or _GRACE if more (as long as
    that is under _GRACE_TURNS turns in all), so that the result names the violated parts
    that are easy to find; those still undecided then are left UNKNOWN (reason
    'stopped'). The result is deterministic unless a bound of
    `options` is hit: then the undecided parts are UNKNOWN ('timeout' or 'memory') with the
    longest prefix each had found. Raises UnknownOperation or ValueError for an operation
    the spec does not have (readers validate operations first).
    """
    budget = (options.budget or Budget(clock=clock)).within(options.timeout, options.memory)
    searches = [_PartSearch(part, operations) for part in split_parts(spec, operations)]
    with _collector_paused():
        stop = _run(searches, budget, options.stop_at_first)
    results = tuple(s.result(stop) for s in searches)
    verdict = min((r.verdict for r in results), default=Verdict.HOLDS)
    return LinearizabilityResult(verdict, results, stop if verdict is Verdict.UNKNOWN else None)


def _run(searches: list[_PartSearch], budget: Budget, stop_at_first: bool = False) -> str | None:
    """Advance the searches in turns until all are done, a bound is hit ('timeout',
    'memory', 'interrupted': a stop request), or the turns after a violation are over
    ('stopped'; none with `stop_at_first`); the reason, or None."""
    running = list(searches)
    turns, last_turn = 0, None
    while running and turns != last_turn:
        turns += 1
        for search in running:
            search.advance()
            stop = budget.exceeded()
            if stop is not None:
                return stop
        running = [s for s in running if s.verdict is None]
        if last_turn is None and any(s.verdict is Verdict.VIOLATED for s in searches):
            grace = 0 if stop_at_first else max(turns, min(_GRACE, _GRACE_TURNS // max(1, len(running))))
            last_turn = turns + grace
    return "stopped" if running else None


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off: the search makes millions of small objects and no
    cycles, and the collector would rescan them all again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _typed(value: object) -> Hashable:
    """A key that equals another only for values of the same type (so True != 1 and 1 != 1.0),
    looking inside tuples and frozensets. Strings are their own key (a string equals
    nothing but a string), which keeps string states cheap."""
    kind = type(value)
    if kind is str:
        return value
    if kind is tuple:
        return (tuple, tuple(_typed(v) for v in value))  # type: ignore[attr-defined]
    if kind is frozenset:
        return (frozenset, frozenset(_typed(v) for v in value))  # type: ignore[attr-defined]
    return (kind, value)


def growth(spec: SequentialSpec, ops: Sequence[tuple[str, tuple]],
           results: Sequence[object]) -> tuple[Callable[[Hashable], bool], Hashable]:
    """For an object that only grows (the string register with `append`, the log, the
    counter), whether a state is live, and a dead stand-in state; for the others, every
    state is live. A state is dead when no recorded read result, nor a `cas`'s expected
    value, is it or something it can grow into (a string no read result starts with):
    then no read with a result can be linearized from it or from any state after it, and
    every operation of the history does the same from every dead state (a `cas` fails, an
    append stays dead, a write leaves for the state written), so the dead states can be
    treated as one. `ops` are (operation, arguments) pairs and `results` their results."""
    base = getattr(spec, "spec", spec)  # a spec started from a given state wraps its object
    seen = [r for (op, _), r in zip(ops, results) if op == "read" and r is not UNKNOWN]
    if isinstance(base, AppendRegister) and any(op == "append" for op, _ in ops):
        words = sorted(v for v in seen + [args[0] for op, args in ops if op == "cas"] if isinstance(v, str))
        return (lambda s: not isinstance(s, str) or _starts_some(words, s)), "\0" * (max(map(len, words), default=0) + 1)
    if isinstance(base, Log):
        logs = [v for v in seen if isinstance(v, tuple)]
        starts = {_typed(v[:k]) for v in logs for k in range(len(v) + 1)}
        return (lambda s: _typed(s) in starts), (DEAD,) * (max(map(len, logs), default=0) + 1)
    if isinstance(base, Counter):
        top = max((v for v in seen if type(v) is int), default=-1)
        return (lambda s: type(s) is not int or s <= top), top + 1
    return (lambda s: True), None


def _starts_some(words: list[str], start: str) -> bool:
    """Whether some string of `words` (sorted) starts with `start`: then the first one not
    less than `start` does."""
    k = bisect.bisect_left(words, start)
    return k < len(words) and words[k].startswith(start)


class _Dead:
    """Every state of a growing object that nothing recorded can match any more (where a
    single state stands for them all), and the item the log's dead stand-in state holds:
    equal to nothing a history records."""

    def __repr__(self) -> str:
        return "dead"


DEAD = _Dead()


class _States:
    """Object states interned as small ints, and each operation's transitions as a table
    from state id to next state id (-1: the operation cannot give its result there, or
    cannot take effect there at all). The dead states of an object that only grows
    (`growth`) share one id, that of the first one reached, which stands for them all: so
    the indeterminate appends a search may place in any order make a few states, not one
    for every order. (The states a result reports are replayed from its operations, so
    they are the real ones.)"""

    def __init__(self, spec: SequentialSpec, ops: Sequence[tuple[str, tuple]], results: Sequence[object]) -> None:
        self.spec = spec
        self.ops = ops
        self.expected = [UNKNOWN if r is UNKNOWN else _typed(r) for r in results]
        self.values: list[Hashable] = []
        self.ids: dict[Hashable, int] = {}
        self.tables: list[dict[int, int]] = [{} for _ in ops]
        self.failed: dict[tuple[int, ...], list[int]] = {}   # (s, D) or (s, D, first): see _search
        self.live = growth(spec, ops, results)[0]
        self.dead: int | None = None

    def intern(self, value: Hashable) -> int:
        key = _typed(value)
        found = self.ids.get(key)
        if found is None:
            found = self.ids[key] = len(self.values)
            self.values.append(value)
        return found

    def step(self, i: int, state: int) -> int:
        """The id of the state after operation i from `state`, or -1; remembered in the table."""
        op, args = self.ops[i]
        before = self.values[state]
        stepped = self.spec.step(before, op, args)
        if stepped is None:             # a user-defined operation whose guard fails here
            self.tables[i][state] = -1
            return -1
        result, after = stepped
        want = self.expected[i]
        if want is not UNKNOWN and want != _typed(result):
            nxt = -1
        elif after is before:
            nxt = state
        else:
            found = self.ids.get(_typed(after))
            nxt = found if found is not None else self._reached(after)
        self.tables[i][state] = nxt
        return nxt

    def _reached(self, value: Hashable) -> int:
        """The id of a state reached for the first time: the dead states' shared one, or its own."""
        if self.live(value):
            return self.intern(value)
        if self.dead is None:
            self.dead = self.intern(value)
        return self.dead


class _PartSearch:
    """One part's search, advanced a turn at a time; `verdict` is None until it ends."""

    def __init__(self, part: _Part, operations: Sequence[Operation]) -> None:
        self.part = part
        self.states = _States(part.spec, part.ops, [operations[m].result for m in part.members])
        self.progress = _Progress()
        init = self.states.intern(part.spec.initial())
        self.run = _search(_Links([operations[m] for m in part.members]), self.states, init, self.progress)
        self.verdict: Verdict | None = None

    def advance(self) -> None:
        try:
            next(self.run)
        except StopIteration as end:
            self.verdict = end.value

    def result(self, stop: str | None) -> PartResult:
        """The part's result; `stop` is why the check ended early, for an unfinished part."""
        p, members = self.progress, self.part.members
        verdict = self.verdict if self.verdict is not None else Verdict.UNKNOWN
        stuck = None
        if verdict is Verdict.VIOLATED:
            assert p.stuck is not None  # a violated part stopped at an operation
            stuck = members[p.stuck]
        return PartResult(self.part.key, verdict, members, tuple(members[i] for i in p.prefix),
                          self._replayed(p.prefix), stuck, p.configurations,
                          stop if verdict is Verdict.UNKNOWN else None)


    def _replayed(self, prefix: list[int]) -> tuple[Hashable, ...]:
        """The object's states after each operation of `prefix` (a linearizable order),
        stepped afresh: a dead state's id stands for all of them (`_States`)."""
        spec, ops = self.part.spec, self.part.ops
        state, out = spec.initial(), []
        for i in prefix:
            stepped = spec.step(state, *ops[i])
            assert stepped is not None  # each operation of the prefix took effect when it was found
            state = stepped[1]
            out.append(state)
        return tuple(out)


class _Progress:
    """What a search has found so far: its longest linearizable prefix (or, once it holds,
    the linearization), the operation stuck after it, and the configurations found to
    fail (see _search)."""

    def __init__(self) -> None:
        self.prefix: list[int] = []
        self.stuck: int | None = None
        self.failed: dict[tuple[int, ...], list[int]] = {}

    def record(self, tag: list[int], stack: list[tuple[int, int]], stuck: int | None) -> None:
        self.prefix = [tag[node] for node, _ in stack]
        self.stuck = stuck

    @property
    def configurations(self) -> int:
        return sum(len(sets) for sets in self.failed.values())


class _Links:
    """The doubly linked list of call and return entries, as int arrays.

    Node 0 is the head and node `size - 1` the tail (both sentinels). `op[node]` is the
    operation of an entry and `kind[node]` what it is: CALL (of an operation with a
    response), PENDING (the call of an indeterminate operation) or RETURN (the tail counts
    as a return). `ret[i]` is the node of operation i's return, or 0 when it has none.
    `twin[i]`, for an indeterminate operation, is the last indeterminate operation called
    before it that is identical to it (same operation, arguments and result), or -1.
    """

    def __init__(self, ops: Sequence[Operation]) -> None:
        events = [(o.call, 0, i) for i, o in enumerate(ops)]
        events += [(o.ret, 1, i) for i, o in enumerate(ops) if o.ret is not None]
        events.sort()  # by position, calls before returns at the same position
        n, size = len(ops), len(events) + 2
        self.n = n
        self.op = [-1] + [i for _, _, i in events] + [-1]
        self.kind = [RETURN] + [RETURN if k else CALL if ops[i].ret is not None else PENDING
                                for _, k, i in events] + [RETURN]
        self.next = list(range(1, size)) + [size - 1]
        self.prev = [0] + list(range(size - 1))
        self.ret = [0] * n
        for node, (_, kind, i) in enumerate(events, 1):
            if kind:
                self.ret[i] = node
        self.determinate = sum(1 for o in ops if o.ret is not None)
        self.pending = n - self.determinate
        self.twin = [-1] * n
        last: dict[Hashable, int] = {}
        for i in sorted((i for i, o in enumerate(ops) if o.ret is None), key=lambda i: ops[i].call):
            same = _typed((ops[i].op, ops[i].args, ops[i].result))
            self.twin[i] = last.get(same, -1)
            last[same] = i


CALL, PENDING, RETURN = 0, 1, 2
_TURN = 1023  # backtracks in one turn of a search (a power of two minus one)
_GRACE = 16          # turns the other parts still get once one part is violated ...
_GRACE_TURNS = 256   # ... but no more turns than this in all


def _search(links: _Links, states: _States, state: int, found: _Progress) -> Generator[None, None, Verdict]:
    """The search itself, as a generator that pauses after each turn of work and returns
    the verdict; what it finds is kept in `found`.

    Refinements of the plain search, none of which changes its verdict:

    - Among the calls that may come next (those before the first return left in the
      list), operations with a response are tried first, in list order, and indeterminate
      ones only after them, so linearizations that need few of them are found sooner.
    - Memoisation with subsumption: a configuration is the set D of linearized operations
      with a response, the set I of linearized indeterminate ones and the object state. A
      configuration (D, I, s) can do everything (D, J, s) with J a superset of I can do,
      since an indeterminate operation never has to take effect; so once (D, I, s) has
      failed, every (D, J, s) fails. Failed configurations are kept per (s, D) as a list
      of the minimal sets I. (A configuration equal to one on the current path cannot
      come up again, since D and I only grow along a path.)
    - Identical indeterminate operations are interchangeable, so they are linearized in
      the order of their calls: one is tried only once its twin (the identical one called
      just before it) is linearized.
    - An indeterminate operation that would leave the state as it is is not linearized
      there: (D, I + {i}, s) can do no more than (D, I, s), the configuration the search
      is in, which tries everything else from s anyway.
    - The step after an indeterminate operation must depend on it: operation j is not
      linearized right after indeterminate i when j does from the state before i what it
      does after it (same result, same next state). Such an i can be left out (what
      follows it is unchanged), and the configuration without it is a sibling of this
      one, tried from the state before i, so every linearization has one of this form
      (leave out each such operation; identical ones then go back to the order of their
      calls). So a configuration whose last step was indeterminate is searched only for
      continuations that depend on that step, which depends on the state before it too:
      its failure is remembered under (s, D, state before it), apart from those of the
      configurations reached by a step with a response (s, D), and one reached by an
      indeterminate step is pruned by a failure under either key. Most of what this
      cuts is writes nobody reads: with dozens of operations relaxed by smt/explain.py,
      refuting a window took seconds (up to minutes) and now takes a fraction of one.

    One function with everything in locals, since this loop is where the time goes.
    """
    nxt, prv, tag, kind, ret = links.next, links.prev, links.op, links.kind, links.ret
    tables, slow_step, failed = states.tables, states.step, states.failed
    bit = [1 << i for i in range(links.n)]
    needs = [0 if j < 0 else bit[j] for j in links.twin]
    remaining, pending = links.determinate, links.pending
    stack: list[tuple[int, int]] = []          # (call node, state before it)
    best = -1
    backtracks = 0
    done = indeterminate = 0                    # the sets D and I as bitsets
    want = CALL                                 # the kind of call this pass tries
    first = -1                                  # the state before the top step if indeterminate, else -1
    found.failed = failed
    if remaining == 0:
        return Verdict.HOLDS
    node = nxt[0]
    while True:
        k = kind[node]
        if k == want:
            i = tag[node]
            after = tables[i].get(state)
            if after is None:
                after = slow_step(i, state)
            if after >= 0:
                if first >= 0:
                    # the indeterminate operation on top must make a difference to this one
                    alone = tables[i].get(first)
                    if alone is None:
                        alone = slow_step(i, first)
                    if alone == after:
                        node = nxt[node]
                        continue
                if k == CALL:
                    d, u = done | bit[i], indeterminate
                elif after != state and indeterminate & needs[i] == needs[i]:
                    d, u = done, indeterminate | bit[i]
                else:
                    node = nxt[node]
                    continue
                known = failed.get((after, d))
                if k == PENDING:
                    also = failed.get((after, d, state))
                    if also is not None:
                        known = also if known is None else known + also
                if known is not None:
                    outside = ~u
                    for f in known:
                        if not f & outside:
                            break
                    else:
                        known = None
                if known is None:
                    first = state if k == PENDING else -1
                    stack.append((node, state))
                    state, done, indeterminate = after, d, u
                    p, q = prv[node], nxt[node]
                    nxt[p], prv[q] = q, p
                    r = ret[i]
                    if r:
                        p, q = prv[r], nxt[r]
                        nxt[p], prv[q] = q, p
                        remaining -= 1
                        if not remaining:
                            found.record(tag, stack, None)
                            return Verdict.HOLDS
                    else:
                        pending -= 1
                    want = CALL
                    node = nxt[0]
                    continue
            node = nxt[node]
            continue
        if k != RETURN:
            node = nxt[node]
            continue
        # a return: its operation should have been linearized by now
        if want == CALL and pending:
            want = PENDING                      # second pass: the indeterminate calls
            node = nxt[0]
            continue
        if len(stack) > best:
            best = len(stack)
            found.record(tag, stack, tag[node])
        if not stack:
            return Verdict.VIOLATED
        backtracks += 1
        if not backtracks & _TURN:
            yield
        key = (state, done) if first < 0 else (state, done, first)
        known = failed.get(key)
        if known is None:
            failed[key] = [indeterminate]
        else:
            known[:] = [f for f in known if indeterminate & ~f]
            known.append(indeterminate)
        node, state = stack.pop()
        i = tag[node]
        r = ret[i]
        if r:
            done ^= bit[i]
            nxt[prv[r]] = r
            prv[nxt[r]] = r
            remaining += 1
        else:
            indeterminate ^= bit[i]
            pending += 1
        nxt[prv[node]] = node
        prv[nxt[node]] = node
        first = stack[-1][1] if stack and kind[stack[-1][0]] == PENDING else -1
        want = kind[node]
        node = nxt[node]
