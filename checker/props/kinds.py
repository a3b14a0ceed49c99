"""The kinds of property a spec can state, as data: one registry that the semantic
checker, both engines, `capcheck cap` and the renderers read (STYLE.md rule 2).

A `Kind` says what a property asks, which family decides it (a predicate of each state,
a watcher of the clients' history kept in the state, or the state graph under fairness),
whether it is about what clients observe and on which built-in objects it is defined,
which slot of the state its watcher keeps, how a violating read is told, whether the SMT
engine can decide it and whether `capcheck cap` checks it.

Adding a kind: add its `Kind` here (in `ALL`, which fixes the order reports and messages
list kinds in), and its decision procedure in its own module: a watcher in
props/sessions.py or props/ordering.py (HISTORY), a search over the graph in
explore/liveness.py (LIVENESS); the SMT formula, if any, in smt/sessions.py. Nothing else
names kinds: docs/architecture.md, "Adding a property kind", shows the recipe.

Pure data; imports nothing of capcheck.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Family(enum.Enum):
    """How the explicit engine decides a kind."""

    STATE = "state"          # a predicate of each reached state (invariants, deadlock freedom)
    HISTORY = "history"      # a watcher of the clients' history, kept in the state
    LIVENESS = "liveness"    # the state graph under weak fairness, once the faults stop


BUILTIN_OBJECTS = ("register", "kv", "counter", "set", "log")


@dataclass(frozen=True)
class Kind:
    """One kind of property. `objects`: the built-in objects it is defined for (None: any
    object, user-defined ones too); `watcher`: the kind of state slot its watcher keeps
    ("monitor", "history", "session"; None: no watcher); `violation`: what a counterexample
    shows, in words: for the session guarantees, the sentence that tells a violating read
    (with the fields `{read}`, `{other}`, `{shows}` and `{seen_by}`), for the liveness
    kinds what never happens along the lasso."""

    name: str
    family: Family
    meaning: str
    clients: bool = False
    objects: tuple[str, ...] | None = None
    watcher: str | None = None
    violation: str | None = None
    smt: bool = False
    cap: bool = False

    def heading(self, name: str) -> str:
        """How a property of this kind is named in reports: `invariant NAME` or `check KIND`."""
        return f"invariant {name}" if self is INVARIANT else f"check {self.name}"

    def defined_for(self, obj: str) -> bool:
        """Whether the kind is defined for an object of kind `obj` ("register", ..., or
        "user" for a user-defined object)."""
        return self.objects is None or obj in self.objects


INVARIANT = Kind("invariant", Family.STATE, "the expression is true in every reachable state", smt=True, cap=True)
LINEARIZABLE = Kind(
    "linearizable", Family.HISTORY, "every operation appears to take effect at one instant between its "
    "invocation and its response", clients=True, watcher="monitor", smt=True, cap=True)
SEQUENTIAL = Kind(
    "sequential", Family.HISTORY, "the operations' results are explained by one order that keeps each "
    "client's own order", clients=True, watcher="history",
    violation="no order of these operations that keeps each client's own order explains their results")
AVAILABLE = Kind(
    "available", Family.LIVENESS, "every request received by an up node gets a non-error response, even if "
    "no partition ever heals", clients=True, smt=True, cap=True,
    violation="it never gets a non-error reply in this run")
DURABLE = Kind(
    "durable", Family.HISTORY, "no read that begins after a write is acknowledged misses it", clients=True,
    objects=BUILTIN_OBJECTS, watcher="session", smt=True, cap=True,
    violation="{read} returned a state without {other}, acknowledged before the read began")
CONVERGES = Kind(
    "converges", Family.LIVENESS, "once faults stop, the up replicas come to agree on every replicated "
    "variable", smt=True, cap=True,
    violation="with no more faults they never agree for good in this run")
READ_YOUR_WRITES = Kind(
    "read_your_writes", Family.HISTORY, "a client's read reflects the client's own acknowledged writes",
    clients=True, objects=BUILTIN_OBJECTS, watcher="session", smt=True, cap=True,
    violation="{read} returned a state without {other}, a write of the same client acknowledged before the "
              "read began")
MONOTONIC_READS = Kind(
    "monotonic_reads", Family.HISTORY, "a client's reads never go back to an older state", clients=True,
    objects=BUILTIN_OBJECTS, watcher="session", smt=True, cap=True,
    violation="{read} returned a state older than {other}, an earlier read of the same client, had shown")
MONOTONIC_WRITES = Kind(
    "monotonic_writes", Family.HISTORY, "a client's writes take effect in the order it made them",
    clients=True, objects=("set", "log"), watcher="session", cap=True,
    violation="{read} returned a state with {shows} but not {other} before it, an earlier write of the same "
              "client, acknowledged before it wrote again")
WRITES_FOLLOW_READS = Kind(
    "writes_follow_reads", Family.HISTORY, "a write takes effect after the writes its client had read",
    clients=True, objects=("set", "log"), watcher="session", cap=True,
    violation="{read} returned a state with {shows} but not {other} before it, a write that {seen_by} had "
              "shown the writing client before it wrote")
DEADLOCK_FREE = Kind(
    "deadlock_free", Family.STATE, "no reachable state where nothing can happen but work is left")

ALL = (INVARIANT, LINEARIZABLE, SEQUENTIAL, DURABLE, READ_YOUR_WRITES, MONOTONIC_READS, MONOTONIC_WRITES,
       WRITES_FOLLOW_READS, AVAILABLE, CONVERGES, DEADLOCK_FREE)
KINDS: dict[str, Kind] = {k.name: k for k in ALL}
CHECKS = tuple(k.name for k in ALL if k is not INVARIANT)
"""The names `check NAME` accepts, in the order messages list them."""
SESSION = tuple(k.name for k in ALL if k.watcher == "session")
"""Durability and the session guarantees: the kinds whose watcher is in props/sessions.py."""
LIVENESS = tuple(k.name for k in ALL if k.family is Family.LIVENESS)


def of(name: str) -> Kind:
    """The kind called `name`; KeyError for a name that is no kind (the semantic checker
    refuses those, with "did you mean", before anything asks)."""
    return KINDS[name]


def heading(kind: str, name: str) -> str:
    """`invariant NAME` or `check KIND`, as reports name a property."""
    return of(kind).heading(name)
