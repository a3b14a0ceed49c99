"""Why a recorded history is not linearizable: the smallest set of operations whose
responses contradict each other, found by Z3 and checked by the offline checker.

`explain(spec, operations, result)` takes the offline checker's verdict and, for a
violation, explains one violated part (a key of a map, or the whole object): the one with
the smallest window (below), the first of those; any violated part is a reason the whole
is not linearizable, and the one that goes wrong soonest is the easiest to show.

1. The window. A history is linearizable only if every prefix of it is (cut at a
   response, an operation still running there counts as indeterminate), so the offline
   checker finds, by bisection over the part's responses, the first response after which
   the part cannot be linearized. The operations called up to it are the window; the one
   that responds there is the *contradicted* operation. Every set of responses in the
   window that cannot be kept together holds it (without it the window is linearizable),
   and it is one in the whole history too: with everything else relaxed, the operations
   called later may simply never take effect.
2. The core. `smt.history.smallest_core` finds, among the window's answered operations,
   the smallest set, the contradicted one among them, that cannot be linearized when every
   other operation is relaxed (props/explain.py: its response forgotten), the first by
   position among the smallest. So it is the set props/explain.core gives on the window.
   When that search takes longer than `ExplainOptions.smallest`, a minimal set is given
   instead, marked as minimal rather than smallest (`smt.history.minimal_core`): Z3's
   unsat core of the whole window (or, when Z3 finds none within a few seconds, every
   response), minimised by deletion, each deletion decided by the offline checker.
3. The concrete check (STYLE.md rule 4). The offline checker must find the whole history
   with every operation outside the core relaxed not linearizable, and it must be
   linearizable once any one member more is relaxed (a linearization found by the offline
   checker or by Z3, replayed on the spec); otherwise InternalError, never a finding.
4. What the others allow: the results the contradicted operation could give at all, with
   the rest of the core as recorded (each candidate checked by the offline checker).

`ExplainOptions.timeout` bounds all four steps together. An undecided Z3 search, a check
that did not finish in time, or an object the encoding cannot take gives an explanation
with status 'unknown' and the reason (a core the offline checker did not confirm in time
is never shown); the verdict stays the offline checker's. A candidate result of step 4
not checked in time makes the list incomplete (`complete` False). Deterministic unless a
time limit is hit; the limits are read on `explain`'s `clock` (time.monotonic unless a test
passes a fake one). Nothing here prints.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass
from typing import Callable, Hashable, Sequence

from checker.errors import InternalError
from checker.props.explain import relaxed
from checker.props.linearizability import (CheckOptions, LinearizabilityResult, Operation, PartResult, _typed,
                                            check_operations, split_parts)
from checker.props.objects import SequentialSpec
from checker.result import Verdict
from checker.smt.history import (
    DEAD, STATE_LIMIT, Deadline, Domain, HistoryEncoding, Relaxed, SmtOptions, decide, domain, minimal_core,
    smallest_core,
)
from checker.smt.solver import Solver, SolverUnknown
from checker.smt.symbolic import NotEncodable

EXPLAINED, LINEARIZABLE, UNDECIDED, UNKNOWN_STATUS = "explained", "linearizable", "undecided", "unknown"
WINDOW_LIMIT = 10.0   # seconds, with a time limit, for finding one violated part's window


@dataclass(frozen=True)
class ExplainOptions:
    """`timeout`: seconds for the whole explanation (None: no limit); `states`: the most
    object states the encoding takes."""

    timeout: float | None = None
    states: int = STATE_LIMIT
    smallest: float = 10.0      # seconds spent looking for the smallest set before settling for a minimal one


@dataclass(frozen=True)
class Explanation:
    """What `explain` found. `status` is one of:

    - 'explained': `core` holds the indices (into the history's operations, by call) of
      the smallest set of responses of `part` that contradict each other; `contradicted`
      is the member whose response comes last, and `allowed` the results it could give
      with the others as recorded (in the order the object's states were first reached;
      empty when it could not take effect at all in its interval); `complete` says whether
      those are all (False when some states of a growing object were not told apart: it
      might then also give a value no read of the history returned; or when some
      candidates were not checked before the time limit);
    - 'linearizable': the history is linearizable (nothing to explain);
    - 'undecided': the offline checker's verdict is unknown (nothing to explain);
    - 'unknown': the explanation did not finish in time, or the object cannot be encoded;
      `reason` says why.

    `window` is the number of operations encoded (0 when nothing was), `violated_parts`
    the number of violated parts (only one, `part`, is explained). `minimum` says
    whether `core` is a smallest set; when finding one takes longer than
    `ExplainOptions.smallest` seconds, `core` is Z3's unsat core minimised by deletion
    instead: no member can be left out, but a smaller set may exist.
    """

    status: str
    part: Hashable | None = None
    core: tuple[int, ...] = ()
    contradicted: int | None = None
    allowed: tuple = ()
    complete: bool = True
    window: int = 0
    violated_parts: int = 0
    reason: str | None = None
    minimum: bool = True


def explain(spec: SequentialSpec, operations: Sequence[Operation], result: LinearizabilityResult,
            options: ExplainOptions = ExplainOptions(),
            clock: Callable[[], float] = time.monotonic) -> Explanation:
    """The explanation of `result`, the offline checker's verdict on `operations` (see the
    module doc), its time limits read on `clock`. Raises InternalError when Z3 and the
    offline checker disagree."""
    if result.verdict is Verdict.HOLDS:
        return Explanation(LINEARIZABLE)
    if result.verdict is Verdict.UNKNOWN:
        return Explanation(UNDECIDED, reason=result.reason)
    deadline = Deadline.after(options.timeout, clock)
    violated = len(result.violated)
    try:
        part, part_spec, members, ops, cut, chosen = _easiest(spec, operations, result.violated, deadline)
    except SolverUnknown as stop:
        return Explanation(UNKNOWN_STATUS, reason=f"{stop.reason}: no violated part's window was found in time",
                           violated_parts=violated)
    window = prefix([ops[k] for k in chosen], cut)
    last = [k for k, o in enumerate(window) if o.ret == cut]
    counts = dict(part=part, window=len(window), violated_parts=violated)
    target_hint = last[0] if len(last) == 1 else None
    minimum = True
    try:
        left = deadline.left()
        share = options.smallest if left is None else min(options.smallest, left / 3)
        try:
            found = smallest_core(part_spec, window, target_hint, SmtOptions(share, options.states), clock)
        except SolverUnknown as stop:
            if stop.reason != "timeout":
                raise
            minimum = False      # the smallest set takes too long to be sure of: a minimal one
            found = minimal_core(part_spec, window, target_hint, SmtOptions(deadline.left(), options.states), clock)
    except (SolverUnknown, NotEncodable) as stop:
        return Explanation(UNKNOWN_STATUS, reason=getattr(stop, "reason", None) or str(stop), **counts)
    if found is None:
        raise InternalError("Z3 found a window linearizable that the offline checker did not")
    target = max((k for k in found if window[k].ret == cut), key=lambda k: (window[k].call, k))
    core = tuple(sorted((members[chosen[k]] for k in found), key=lambda i: (operations[i].call, i)))
    states = domain(part_spec, window, options.states)
    relaxations = Relaxed(part_spec, window, states, clock)
    try:
        verify(relaxations, found, deadline, options.states)
    except SolverUnknown as stop:
        return Explanation(UNKNOWN_STATUS, reason=f"{stop.reason}: the offline checker did not confirm the "
                                                  f"{len(found)} operations Z3 found in time", **counts)
    allowed, complete = _allowed(relaxations, states, found, target, deadline)
    return Explanation(EXPLAINED, core=core, contradicted=members[chosen[target]], allowed=allowed,
                       complete=complete, minimum=minimum, **counts)


def _easiest(spec: SequentialSpec, operations: Sequence[Operation], violated: Sequence[PartResult],
             deadline: Deadline) -> tuple[Hashable, SequentialSpec, tuple[int, ...], list[Operation], int, list[int]]:
    """Of the violated parts, the one with the smallest window (the first of those): its
    key, its object, members and operations (`_part`), and its window (`_window`). With a
    deadline, a part whose window takes more than WINDOW_LIMIT seconds to find is passed
    over; raises SolverUnknown when every part is."""
    best = None
    for found in violated:
        if deadline.passed():
            break
        part_spec, members, ops = _part(spec, operations, found)
        try:
            cut, chosen = _window(part_spec, ops, deadline if deadline.at is None else deadline.within(WINDOW_LIMIT))
        except SolverUnknown:
            continue
        if best is None or len(chosen) < len(best[-1]):
            best = (found.part, part_spec, members, ops, cut, chosen)
    if best is None:
        raise SolverUnknown("timeout")
    return best


def _part(spec: SequentialSpec, operations: Sequence[Operation],
          part: PartResult) -> tuple[SequentialSpec, tuple[int, ...], list[Operation]]:
    """The violated part's own object, its members (history indices) and its operations
    as operations of that object (a key's get(k) as read())."""
    found = next(p for p in split_parts(spec, operations) if p.members == part.operations)
    ops = [dataclasses.replace(operations[i], op=op, args=args) for i, (op, args) in zip(found.members, found.ops)]
    return found.spec, found.members, ops


def prefix(ops: Sequence[Operation], cut: int) -> list[Operation]:
    """The history up to position `cut`: the operations called by then, those still
    running relaxed (they may yet take effect, or not)."""
    return [o if o.ret is None or o.ret <= cut else relaxed(o) for o in ops if o.call <= cut]


def _window(spec: SequentialSpec, ops: list[Operation], deadline: Deadline) -> tuple[int, list[int]]:
    """The first response position after which `ops` (not linearizable) cannot be
    linearized, and the operations called by then (indices into `ops`). Raises
    SolverUnknown when the offline checker does not decide a prefix by `deadline`."""
    cuts = sorted({o.ret for o in ops if o.ret is not None})
    low, high = 0, len(cuts) - 1
    while low < high:
        middle = (low + high) // 2
        verdict = check_operations(spec, prefix(ops, cuts[middle]), CheckOptions(deadline.left()),
                                   deadline.clock).verdict
        if verdict is Verdict.UNKNOWN:
            raise SolverUnknown("timeout")
        if verdict is Verdict.VIOLATED:
            high = middle
        else:
            low = middle + 1
    return cuts[low], [k for k, o in enumerate(ops) if o.call <= cuts[low]]


def verify(relaxations: Relaxed, core: Sequence[int], deadline: Deadline = Deadline(),
           states: int = STATE_LIMIT) -> None:
    """Raise InternalError unless the offline checker cannot linearize the window with
    only `core`'s responses kept, and it can be linearized once any one member more is
    relaxed. (The window stands for the whole history here: with everything outside
    `core` relaxed, the operations called after it and the other parts can always be
    linearized.) A linearization is a concrete check whoever finds it, so for the second
    half the offline checker and Z3 take turns (`decide`), Z3's model replayed on the
    spec. Raises SolverUnknown when `deadline` comes first."""
    verdict = relaxations.verdict(core, deadline.left())
    if verdict is Verdict.UNKNOWN:
        raise SolverUnknown("timeout")
    if verdict is not Verdict.VIOLATED:
        raise InternalError(f"the offline checker linearizes the core {list(core)} that Z3 found")
    encode = functools.cache(lambda: HistoryEncoding(Solver(), relaxations.spec, relaxations.ops, states))
    for member in core:
        rest = [i for i in core if i != member]
        if decide(relaxations, encode, rest, deadline)[0] is not Verdict.HOLDS:
            raise InternalError(f"the core {list(core)} that Z3 found is not minimal: "
                                f"it cannot be linearized without operation {member} either")


def _allowed(relaxations: Relaxed, found: Domain, core: Sequence[int], target: int,
             deadline: Deadline = Deadline()) -> tuple[tuple, bool]:
    """The results operation `target` could give, the rest of `core` as recorded, each
    checked by the offline checker: those it gives from some state of the object; and
    whether that is all of them (no states were merged into DEAD, and every candidate was
    decided before `deadline`)."""
    recorded = relaxations.ops[target]
    candidates: dict[Hashable, object] = {}
    for s, result in zip(found.states, found.results[target]):
        if s is not DEAD and result is not None and _typed(result) != _typed(recorded.result):
            candidates.setdefault(_typed(result), result)
    allowed, complete = [], DEAD not in found.states
    for r in candidates.values():
        left = deadline.remaining()
        verdict = Verdict.UNKNOWN if left is not None and left <= 0 else relaxations.verdict(
            core, left, instead={target: dataclasses.replace(recorded, result=r)})
        if verdict is Verdict.HOLDS:
            allowed.append(r)
        complete = complete and verdict is not Verdict.UNKNOWN
    return tuple(allowed), complete
