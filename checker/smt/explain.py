"""Why a recorded history is not linearizable: the smallest set of operations whose
responses contradict each other, found by Z3 and checked by the offline checker.

`explain(spec, operations, result)` takes the offline checker's verdict and, for a
violation, explains its first violated part (a key of a map, or the whole object):

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
   with every operation outside the core relaxed not linearizable, and linearizable once
   any one member more is relaxed; otherwise InternalError, never a finding.
4. What the others allow: the results the contradicted operation could give at all, with
   the rest of the core as recorded (each candidate checked by the offline checker).

An undecided Z3 search (the time limit) or an object the encoding cannot take gives an
explanation with status 'unknown' and the reason; the verdict stays the offline checker's.
Deterministic unless a time limit is hit. Nothing here prints.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Hashable, Sequence

from checker.errors import InternalError
from checker.props.explain import relaxed
from checker.props.linearizability import (LinearizabilityResult, Operation, PartResult, _typed,
                                            check_operations, split_parts)
from checker.props.objects import SequentialSpec
from checker.result import Verdict
from checker.smt.history import (
    DEAD, STATE_LIMIT, Domain, Relaxed, SmtOptions, domain, minimal_core, smallest_core,
)
from checker.smt.solver import SolverUnknown
from checker.smt.symbolic import NotEncodable

EXPLAINED, LINEARIZABLE, UNDECIDED, UNKNOWN_STATUS = "explained", "linearizable", "undecided", "unknown"


@dataclass(frozen=True)
class ExplainOptions:
    """`timeout`: seconds for Z3's search in all (None: no limit); `states`: the most
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
      might then also give a value no read of the history returned);
    - 'linearizable': the history is linearizable (nothing to explain);
    - 'undecided': the offline checker's verdict is unknown (nothing to explain);
    - 'unknown': Z3's search did not finish; `reason` says why.

    `window` is the number of operations encoded (0 when nothing was), `violated_parts`
    the number of violated parts (only the first, `part`, is explained). `minimum` says
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
            options: ExplainOptions = ExplainOptions()) -> Explanation:
    """The explanation of `result`, the offline checker's verdict on `operations` (see the
    module doc). Raises InternalError when Z3 and the offline checker disagree."""
    if result.verdict is Verdict.HOLDS:
        return Explanation(LINEARIZABLE)
    if result.verdict is Verdict.UNKNOWN:
        return Explanation(UNDECIDED, reason=result.reason)
    first = result.violated[0]
    part_spec, members, ops = _part(spec, operations, first)
    cut, chosen = _window(part_spec, ops)
    window = prefix([ops[k] for k in chosen], cut)
    last = [k for k, o in enumerate(window) if o.ret == cut]
    counts = dict(part=first.part, window=len(window), violated_parts=len(result.violated))
    target_hint = last[0] if len(last) == 1 else None
    share = options.smallest if options.timeout is None else min(options.smallest, options.timeout / 3)
    minimum = True
    try:
        try:
            found = smallest_core(part_spec, window, target_hint, SmtOptions(share, options.states))
        except SolverUnknown as stop:
            if stop.reason != "timeout":
                raise
            minimum = False      # the smallest set takes too long to be sure of: a minimal one
            left = None if options.timeout is None else options.timeout - share
            found = minimal_core(part_spec, window, target_hint, SmtOptions(left, options.states))
    except (SolverUnknown, NotEncodable) as stop:
        return Explanation(UNKNOWN_STATUS, reason=getattr(stop, "reason", None) or str(stop), **counts)
    if found is None:
        raise InternalError("Z3 found a window linearizable that the offline checker did not")
    target = max((k for k in found if window[k].ret == cut), key=lambda k: (window[k].call, k))
    core = tuple(sorted((members[chosen[k]] for k in found), key=lambda i: (operations[i].call, i)))
    states = domain(part_spec, window, options.states)
    relaxations = Relaxed(part_spec, window, states)
    verify(relaxations, found)
    allowed, complete = _allowed(relaxations, states, found, target)
    return Explanation(EXPLAINED, core=core, contradicted=members[chosen[target]], allowed=allowed,
                       complete=complete, minimum=minimum, **counts)


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


def _window(spec: SequentialSpec, ops: list[Operation]) -> tuple[int, list[int]]:
    """The first response position after which `ops` (not linearizable) cannot be
    linearized, and the operations called by then (indices into `ops`)."""
    cuts = sorted({o.ret for o in ops if o.ret is not None})
    low, high = 0, len(cuts) - 1
    while low < high:
        middle = (low + high) // 2
        if check_operations(spec, prefix(ops, cuts[middle])).verdict is Verdict.VIOLATED:
            high = middle
        else:
            low = middle + 1
    return cuts[low], [k for k, o in enumerate(ops) if o.call <= cuts[low]]


def verify(relaxations: Relaxed, core: Sequence[int]) -> None:
    """Raise InternalError unless the offline checker cannot linearize the window with
    only `core`'s responses kept, and can once any one member more is relaxed. (The window
    stands for the whole history here: with everything outside `core` relaxed, the
    operations called after it and the other parts can always be linearized.)"""
    if relaxations.verdict(core) is not Verdict.VIOLATED:
        raise InternalError(f"the offline checker linearizes the core {list(core)} that Z3 found")
    for member in core:
        if relaxations.verdict([i for i in core if i != member]) is not Verdict.HOLDS:
            raise InternalError(f"the core {list(core)} that Z3 found is not minimal: "
                                f"it cannot be linearized without operation {member} either")


def _allowed(relaxations: Relaxed, found: Domain, core: Sequence[int], target: int) -> tuple[tuple, bool]:
    """The results operation `target` could give, the rest of `core` as recorded, each
    checked by the offline checker: those it gives from some state of the object; and
    whether that is all of them (no states were merged into DEAD)."""
    recorded = relaxations.ops[target]
    candidates: dict[Hashable, object] = {}
    for s, result in zip(found.states, found.results[target]):
        if s is not DEAD and result is not None and _typed(result) != _typed(recorded.result):
            candidates.setdefault(_typed(result), result)
    allowed = tuple(r for r in candidates.values()
                    if relaxations.verdict(core, instead={target: dataclasses.replace(recorded, result=r)})
                    is Verdict.HOLDS)
    return allowed, DEAD not in found.states
