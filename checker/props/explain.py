"""Why a history is not linearizable: the fewest operations whose results contradict each
other.

A counterexample to `check linearizable` ends at a response that no linearization can
explain. Saying which *other* operations it contradicts ("the read returned 0, but the
write of 1 was acknowledged before the read began") makes it readable. Deleting
operations from a history is no way to find them: a read without the write it saw is
itself unexplainable, so the smallest non-linearizable subset would often be that lone,
innocent read. Instead an operation is *relaxed*: its response is forgotten, as if its
client had given up on it, so it may take effect at any point after its call, or never,
with whatever result. Relaxing only weakens a history (every linearization of the original
is one of the relaxed history), so when a history with some operations relaxed is still
not linearizable, the operations left as they are contradict each other on their own.

`core` returns the smallest such set (by size, then by position; exhaustively over the
operations of the violated part up to `EXACT_LIMIT` of them, greedily beyond that: a set
from which no operation can be relaxed, though maybe not the smallest). Pure and
deterministic.
"""

from __future__ import annotations

import dataclasses
from itertools import combinations
from typing import Sequence

from checker.props.linearizability import check_operations, split_parts

from checker.props.operations import UNKNOWN, Operation
from checker.props.objects import SequentialSpec
from checker.result import Verdict

EXACT_LIMIT = 10   # answered operations in the violated part searched exhaustively (2^10 checks at most)


def relaxed(operation: Operation) -> Operation:
    """`operation` with its response forgotten: indeterminate, any result."""
    return dataclasses.replace(operation, ret=None, result=UNKNOWN, ret_at=None)


def core(spec: SequentialSpec, operations: Sequence[Operation], target: int) -> tuple[int, ...] | None:
    """The indices (ascending) of the fewest answered operations, `target` among them, that
    cannot be linearized together when every other operation is relaxed; None when the
    history is linearizable (there is nothing to explain) or its check is undecided.

    `target` is the operation whose response the history cannot explain (the last one a
    monitor accepted nothing for); any violated history has a core containing it when the
    history without `target`'s response is linearizable.
    """
    part = next(p for p in split_parts(spec, operations) if target in p.members)
    members = part.members
    if not _violated(spec, operations, members, set(members)):
        return None
    others = [i for i in members if i != target and operations[i].ret is not None]
    if len(others) > EXACT_LIMIT:
        return _greedy(spec, operations, members, target, others)
    for size in range(len(others) + 1):
        for chosen in combinations(others, size):
            keep = {target, *chosen}
            if _violated(spec, operations, members, keep):
                return tuple(sorted(keep))
    return tuple(sorted({target, *others}))  # not reached: keeping them all is violated


def _greedy(spec: SequentialSpec, operations: Sequence[Operation], members: tuple[int, ...], target: int,
            others: list[int]) -> tuple[int, ...]:
    """Relax the operations one at a time, latest first, keeping each relaxation that leaves
    the history violated."""
    keep = {target, *others}
    for i in reversed(others):
        if _violated(spec, operations, members, keep - {i}):
            keep.discard(i)
    return tuple(sorted(keep))


def _violated(spec: SequentialSpec, operations: Sequence[Operation], members: tuple[int, ...],
              keep: set[int]) -> bool:
    """Whether the operations `members`, those outside `keep` relaxed, are not linearizable."""
    history = [operations[i] if i in keep or operations[i].ret is None else relaxed(operations[i])
               for i in members]
    return check_operations(spec, history).verdict is Verdict.VIOLATED
