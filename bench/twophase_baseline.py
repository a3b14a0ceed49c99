"""Hand-written breadth-first search of TwoPhase: the ceiling for a pure-Python explorer.

The model is Gray and Lamport's TwoPhase with one transaction manager (TM) and `n`
resource managers (RMs), with exactly the steps of `specs/two_phase.cap`, so that both the
distinct and the generated counts agree with capcheck's:

- an RM in `working` prepares (and the Prepared message for it now exists) or aborts alone;
- the TM in `init` records a Prepared message whose RM it has not recorded yet, commits
  once every RM is recorded (the Commit message now exists) or aborts (Abort now exists);
- an RM receives Commit (becomes `committed`) or Abort (becomes `aborted`) whenever that
  message exists, with no guard on its own state (so a repeated delivery is a self-loop).

Messages are never removed: "sent" is a bit that only goes from 0 to 1.

A state is one flat tuple of small ints, `(tm, recorded, sent, commit, abort, rm_0, ...,
rm_{n-1})`, where `recorded` and `sent` are bit masks over the RMs (the TM's tmPrepared
and the Prepared messages ever sent). No invariant is evaluated: this is the cost of the
search alone, the highest rate a plain Python explorer of this shape can reach.

Usage: python bench/twophase_baseline.py N   (prints one line: N distinct generated seconds)
"""

from __future__ import annotations

import sys
import time
from collections import deque

# RM states and TM states (small ints so that a state hashes quickly).
WORKING, PREPARED, COMMITTED, ABORTED = 0, 1, 2, 3
INIT, TM_COMMITTED, TM_ABORTED = 0, 1, 2
_RM0 = 5  # index of rm_0 in the state tuple


def initial_state(n: int) -> tuple[int, ...]:
    """The one initial state for `n` RMs: everyone at the start, no message sent."""
    return (INIT, 0, 0, 0, 0) + (WORKING,) * n


def successors(s: tuple[int, ...], n: int) -> list[tuple[int, ...]]:
    """Every next state of `s`, one per enabled step (duplicates and self-loops included).

    Pure; the order is fixed (TM steps first, then each RM's in index order).
    """
    tm, recorded, sent, commit, abort = s[0], s[1], s[2], s[3], s[4]
    rest = s[5:]
    out = []
    if tm == INIT:
        waiting = sent & ~recorded
        bit = 1
        while waiting:
            if waiting & 1:
                out.append((tm, recorded | bit, sent, commit, abort) + rest)
            waiting >>= 1
            bit <<= 1
        if recorded == (1 << n) - 1:
            out.append((TM_COMMITTED, recorded, sent, 1, abort) + rest)
        out.append((TM_ABORTED, recorded, sent, commit, 1) + rest)
    for i in range(n):
        k = _RM0 + i
        if s[k] == WORKING:
            out.append((tm, recorded, sent | (1 << i), commit, abort) + s[_RM0:k] + (PREPARED,) + s[k + 1:])
            out.append(s[:k] + (ABORTED,) + s[k + 1:])
        if commit:
            out.append(s[:k] + (COMMITTED,) + s[k + 1:])
        if abort:
            out.append(s[:k] + (ABORTED,) + s[k + 1:])
    return out


def explore(n: int) -> tuple[int, int]:
    """Breadth-first search of TwoPhase with `n` RMs (n >= 1).

    Returns (distinct states, generated states), where generated counts the initial state
    plus every successor produced, seen before or not (capcheck's definition).
    """
    if n < 1:
        raise ValueError("TwoPhase needs at least one RM")
    init = initial_state(n)
    seen = {init}
    queue = deque([init])
    pop, push, add = queue.popleft, queue.append, seen.add
    generated = 1
    while queue:
        succ = successors(pop(), n)
        generated += len(succ)
        for t in succ:
            if t not in seen:
                add(t)
                push(t)
    return len(seen), generated


def main(argv: list[str]) -> int:
    """Run one size and print `n distinct generated seconds` on one line."""
    if len(argv) != 1 or not argv[0].isdigit():
        print("usage: python bench/twophase_baseline.py N", file=sys.stderr)
        return 2
    n = int(argv[0])
    start = time.perf_counter()
    distinct, generated = explore(n)
    seconds = time.perf_counter() - start
    print(n, distinct, generated, f"{seconds:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
