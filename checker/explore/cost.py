"""The cost side of the CAP trade-off: what one operation costs on fault-free runs.

For every operation a spec's clients can invoke, `measure(model)` reports

- **latency**: the fewest message delays between the invocation and a non-error reply.
  Delays are causal depths (Lamport's happens-before, counted): handling the client's
  request has depth 0; a message sent in a step of depth d has depth d + 1; a step that
  handles a message of depth m on a node whose depth so far is n has depth max(m, n) (a
  timeout or an internal action: n); the reply's depth is the latency. A node or message
  the operation has not reached yet has no depth (-1 below), so background activity costs
  nothing. Minimised over every fault-free schedule.
- **messages**: the fewest messages sent by steps the operation caused (depth >= 0),
  counted from the invocation until the system is quiet again: the operation answered
  (not with an error) and no node step enabled that would change the state. Messages left
  in flight that no handler will ever take (the slowest member of a quorum's late reply)
  do not stop the system being quiet. A message a node sends to itself counts: the model
  delivers it through the network like any other.

A *fault-free run* uses the model's own steps, filtered: node steps are kept; one
invocation is kept (client 0's first, of the measured call, at any node the routing rule
allows, after any node steps: a leader election may run first, at no cost); every fault
(crash, restart, pause, resume, partition, cut, heal, loss), every `give_up` and every
other invocation is dropped. The generated code is not changed.

Operations are measured from the initial state only. A read is not measured again after a
write: on a fault-free run a completed write changes the values the nodes hold, not which
handlers run (none of the library's protocols choose a read's path by the value), and
measuring after every prefix would multiply the work by the number of calls.

The search is exact: an explicit search over model states augmented with the depth of every
node and of every message in flight. Depths are saturated (every depth above a cap is one
value, "more than the cap"); for latency the cap starts at 8 and is lowered to the best
reply found minus one (nothing above it can lead to a better reply: depths only grow along
causal chains), and the search is repeated with a doubled cap when every reply it found
was saturated. For messages the cap is 0 (only "caused or not" matters) and the search is
Dijkstra's over the number of caused messages. Pure and deterministic; a state or time
bound gives `Status.UNKNOWN` with the reason, never a number. A `duplicating` network is
not measured (a re-sent message is invisible in its state, so counts and depths would be
guesses).
"""

from __future__ import annotations

import enum
import heapq
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from checker.model import values
from checker.model.clients import is_error_reply
from checker.model.system import Model
from checker.resources import UNBOUNDED, Budget
from checker.result import INTERRUPTED, MEMORY, TIMEOUT

__all__ = ["CallCost", "CostLimits", "OperationCost", "Quantity", "SizeCost", "Status",
           "by_size", "for_models", "measure", "measure_call"]

_NONE = -1              # the depth of what the operation has not reached
_FIRST_CAP = 8          # the first saturation cap of the latency search
_CHECK_EVERY = 1 << 6   # states expanded between looks at the clock
_MEMORY_EVERY = 1 << 10  # states expanded between looks at the memory in use


class Status(enum.Enum):
    """How a quantity came out: MEASURED (exact), NEVER (no fault-free run reaches what
    is measured, a property of the protocol: never answered, never quiet), UNKNOWN (a
    bound was hit, or the model is outside what this module measures)."""

    MEASURED = "measured"
    NEVER = "never"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CostLimits:
    """Bounds on each search (one per call and quantity): `max_states` augmented states
    stored, `timeout` seconds; and `budget`, the command's (checker/resources.py), which
    all the searches share. None: no bound."""

    max_states: int | None = 200_000
    timeout: float | None = None
    budget: Budget | None = None


@dataclass(frozen=True)
class Quantity:
    """One cost: `low`..`high` when MEASURED (equal for a single call), None otherwise,
    with `reason` saying why."""

    status: Status
    low: int | None = None
    high: int | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if (self.status is Status.MEASURED) != (self.low is not None and self.high is not None):
            raise ValueError("a measured quantity has bounds, any other has none")
        if self.status is not Status.MEASURED and not self.reason:
            raise ValueError("a quantity that is not measured needs a reason")

    @property
    def value(self) -> int | None:
        """The number when it is exact and the same for every call, else None."""
        return self.low if self.low is not None and self.low == self.high else None

    def text(self) -> str:
        """`2`, `0..2`, or `never (why)` / `unknown (why)`."""
        if self.status is Status.MEASURED:
            return str(self.low) if self.low == self.high else f"{self.low}..{self.high}"
        return f"{self.status.value} ({self.reason})"


@dataclass(frozen=True)
class CallCost:
    """The cost of one call (an operation with its arguments, `write(1)`), and the
    augmented states each search stored."""

    call: str
    latency: Quantity
    messages: Quantity
    states: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class OperationCost:
    """The cost of one operation over every combination of its arguments: measured
    quantities span min..max over the calls; when some call is not measured, the
    operation's quantity takes that call's status and reason (UNKNOWN before NEVER)."""

    operation: str
    latency: Quantity
    messages: Quantity
    calls: tuple[CallCost, ...] = field(default=())


@dataclass(frozen=True)
class SizeCost:
    """The costs at one size of a spec: the constant overrides that made it, its number
    of nodes, and its operations' costs."""

    overrides: tuple[tuple[str, object], ...]
    nodes: int
    operations: tuple[OperationCost, ...]


# ---------------------------------------------------------------- the public functions


def measure(model: Model, limits: CostLimits = CostLimits()) -> list[OperationCost]:
    """The cost of every operation the spec's clients can invoke (the operations some node
    handles, every argument combination), in the order invocations are generated. A spec
    without clients has no operations: []. Pure and deterministic."""
    if model.program.clients is None:
        return []
    by_name: dict[str, list[CallCost]] = {}
    for op, args in invocations(model):
        name = model.program.object.ops[op].name  # type: ignore[union-attr]
        by_name.setdefault(name, []).append(measure_call(model, op, args, limits))
    return [OperationCost(name, _span(c.latency for c in calls), _span(c.messages for c in calls), tuple(calls))
            for name, calls in by_name.items()]


def measure_call(model: Model, op: int, args: tuple, limits: CostLimits = CostLimits()) -> CallCost:
    """The cost of one call: operation index `op` with encoded arguments `args`."""
    runs = _Runs(model, op, args)
    call = runs.call
    if model.program.network.mode == "duplicating":
        why = "a duplicating network: a re-sent message leaves no trace in the state"
        return CallCost(call, Quantity(Status.UNKNOWN, reason=why), Quantity(Status.UNKNOWN, reason=why))
    latency, n1 = _latency(runs, limits)
    messages, n2 = _messages(runs, limits)
    return CallCost(call, latency, messages, (n1, n2))


def for_models(sized: Iterable[tuple[Mapping[str, object], Model]],
               limits: CostLimits = CostLimits()) -> list[SizeCost]:
    """One row per (overrides, model) pair, in the order given: how the costs grow with
    the number of nodes."""
    return [SizeCost(tuple(sorted(o.items())), len(m.program.nodes), tuple(measure(m, limits)))
            for o, m in sized]


def by_size(compile: Callable[[Mapping[str, object]], Model], overrides: Sequence[Mapping[str, object]],
            limits: CostLimits = CostLimits()) -> list[SizeCost]:
    """`for_models` over `compile(o)` for each override dict `o` (e.g. `{"N": 5}`),
    compiling one size at a time. Raises what `compile` raises."""
    return for_models(((o, compile(o)) for o in overrides), limits)


def invocations(model: Model) -> list[tuple[int, tuple]]:
    """Every (operation index, encoded arguments) client 0 can invoke in the initial
    state, in the model's order, without repeats (several routes give one call)."""
    out: list[tuple[int, tuple]] = []
    for (label, _), _ in model.labeled(model.init_states()[0]):
        if label[0] == "invoke" and label[1] == 0 and (label[3], label[4]) not in out:
            out.append((label[3], label[4]))
    return out


def _span(quantities: Iterable[Quantity]) -> Quantity:
    qs = list(quantities)
    for status in (Status.UNKNOWN, Status.NEVER):
        worst = next((q for q in qs if q.status is status), None)
        if worst is not None:
            return worst
    return Quantity(Status.MEASURED, min(q.low for q in qs), max(q.high for q in qs))  # type: ignore[type-var]


# ---------------------------------------------------------------- the fault-free runs

# An augmented state: (model state, depth of each node by gid, per network slot the depths
# of its messages in the slot's own order). For an unordered slot, copies of one message
# carry their depths in ascending order, so equal situations are one augmented state.
Aug = tuple


@dataclass(frozen=True)
class _Step:
    after: Aug
    depth: int          # the step's depth, _NONE when the operation has not reached it
    sent: int           # messages sent by the step
    replied: bool       # whether it answered the measured call (not with an error)
    same: bool          # whether the model state is unchanged


class _Runs:
    """The fault-free runs of one call, over augmented states, with depths saturated at
    a cap given per expansion."""

    def __init__(self, model: Model, op: int, args: tuple) -> None:
        self.model = model
        self.op, self.args = op, args
        self.call = model.describe((("invoke", 0, 0, op, args, 0), ()))["call"]
        self.net = tuple(model.layout.network_slots())
        self.position = {slot: k for k, slot in enumerate(self.net)}
        self.fifo = model.program.network.mode == "fifo"
        self.client = model.layout.env("client", node=0)
        self.mids = {m.name: i for i, m in enumerate(model.program.messages)}
        self.handlers = model.handlers

    def initial(self) -> Aug:
        s = self.model.init_states()[0]
        return (s, (_NONE,) * len(self.model.program.nodes), tuple(() for _ in self.net))

    def answered(self, aug: Aug) -> bool:
        return aug[0][self.client] == (1, values.NONE)

    def steps(self, aug: Aug, cap: int) -> Iterator[_Step]:
        """The fault-free steps from `aug`; a step that answers the call with an error is
        left out (the operation is over and unanswered: no run through it counts)."""
        s, nodes, depths = aug
        for (label, events), nxt in self.model.labeled(s):
            kind = label[0]
            if kind == "invoke":
                if label[1:3] == (0, 0) and label[3] == self.op and label[4] == self.args:
                    yield _Step((nxt, nodes, depths), _NONE, 0, False, False)
                continue
            if not isinstance(kind, int):
                continue  # a fault or a give-up
            replies = [e for e in events if e[0] == (0, 0) and e[1] >= 0]
            if any(is_error_reply(e[2]) for e in replies):
                continue
            for before, taken in self._inputs(label, s, nodes, depths):
                yield self._after(s, nxt, label[1], before, taken, nodes, depths, cap, bool(replies))

    def _inputs(self, label: tuple, s: tuple, nodes: tuple, depths: tuple) -> list[tuple[int, tuple | None]]:
        """The depth of what the step consumed and where it was: (depth, None) for a
        request or a timeout, (depth, (slot position, index in the slot)) for a message;
        one entry per distinct depth among equal copies of an unordered message."""
        h = self.handlers[label[0]]
        if h.kind == "request":
            return [(0, None)]
        if h.kind != "message":
            return [(_NONE, None)]
        gid = label[1]
        if self.fifo:
            k = self.position[self.model.layout.link(label[2][0], gid)]
            return [(depths[k][0], (k, 0))]
        k = self.position[self.model.layout.inbox(gid)]
        msg = (self.mids[h.trigger],) + tuple(label[2])
        seen: dict[int, int] = {}
        for i, m in enumerate(s[self.net[k]]):
            if m == msg and depths[k][i] not in seen:
                seen[depths[k][i]] = i
        return [(d, (k, i)) for d, i in seen.items()]

    def _after(self, s, nxt, gid, before, taken, nodes, depths, cap, replied) -> _Step:
        d = max(before, nodes[gid])
        d = d if d <= cap else cap + 1
        sent_depth = _NONE if d == _NONE else min(d + 1, cap + 1)
        new_depths = []
        sent = 0
        for k, slot in enumerate(self.net):
            old, new, dk = s[slot], nxt[slot], depths[k]
            if taken is not None and taken[0] == k:
                i = taken[1]
                old, dk = old[:i] + old[i + 1:], dk[:i] + dk[i + 1:]
            if new is old or new == old:
                new_depths.append(dk)
                continue
            added, dk = self._align(old, new, dk, sent_depth)
            sent += added
            new_depths.append(dk)
        new_nodes = nodes if nodes[gid] == d else nodes[:gid] + (d,) + nodes[gid + 1:]
        return _Step((nxt, new_nodes, tuple(new_depths)), d, sent if d != _NONE else 0, replied, nxt == s)

    def _align(self, old: tuple, new: tuple, dk: tuple, sent_depth: int) -> tuple[int, tuple]:
        """How many messages a step added to a slot (its content `old` with depths `dk`
        became `new`), and the depths of `new`'s messages in its order."""
        if self.fifo:
            added = len(new) - len(old)
            return added, dk + (sent_depth,) * added
        pool: dict[object, list[int]] = {}
        for m, d in zip(old, dk):
            pool.setdefault(m, []).append(d)
        added = Counter(new)
        added.subtract(Counter(old))
        for m, n in added.items():
            pool.setdefault(m, []).extend([sent_depth] * n)
        for ds in pool.values():
            ds.sort(reverse=True)
        return sum(added.values()), tuple(pool[m].pop() for m in new)


class _Budget:
    """The state, time and memory bounds of one search (its own `timeout` within the
    command's budget)."""

    def __init__(self, limits: CostLimits) -> None:
        self.limits = limits
        self.run = (limits.budget or UNBOUNDED).within(limits.timeout)
        self.expanded = 0

    def exceeded(self, stored: int) -> str | None:
        """Why the search must stop now, or None."""
        if self.limits.max_states is not None and stored > self.limits.max_states:
            return f"more than {self.limits.max_states:,} states"
        self.expanded += 1
        if self.expanded % _CHECK_EVERY:
            return None
        reason = self.run.exceeded(memory=not self.expanded % _MEMORY_EVERY)
        if reason == TIMEOUT:
            return f"the time limit of {self.run.timeout or 0:g} s"
        if reason == MEMORY:
            return f"the memory limit of {(self.run.memory or 0) >> 20:,} MiB"
        return "a stop request (SIGINT or SIGTERM)" if reason == INTERRUPTED else None


def _latency(runs: _Runs, limits: CostLimits) -> tuple[Quantity, int]:
    """The fewest message delays to a non-error reply, and the augmented states stored."""
    budget = _Budget(limits)
    cap, total = _FIRST_CAP, 0
    while True:
        best, stored, stop = _fewest_delays(runs, cap, budget)
        total += stored
        if stop is not None:
            return Quantity(Status.UNKNOWN, reason=f"the latency search stopped at {stop}"), total
        if best is None:
            return Quantity(Status.NEVER, reason=f"no fault-free run answers {runs.call} without an error"), total
        if best <= cap:
            return Quantity(Status.MEASURED, best, best), total
        cap *= 2


def _fewest_delays(runs: _Runs, cap: int, budget: _Budget) -> tuple[int | None, int, str | None]:
    """Breadth-first over the augmented states with depths saturated at `cap` (lowered to
    the best reply found minus one): the least reply depth (cap + 1: more than cap), the
    states stored, and why the search stopped early (None: it did not)."""
    start = runs.initial()
    seen = {start}
    frontier = deque([start])
    best: int | None = None
    while frontier:
        stop = budget.exceeded(len(seen))
        if stop is not None:
            return best, len(seen), stop
        aug = frontier.popleft()
        for step in runs.steps(aug, cap):
            if step.replied:
                best = max(step.depth, 0) if best is None else min(best, max(step.depth, 0))
                if best == 0:
                    return 0, len(seen), None
                cap = min(cap, best - 1)
                continue  # nothing after the reply matters for latency
            if step.after not in seen:
                seen.add(step.after)
                frontier.append(step.after)
    return best, len(seen), None


def _messages(runs: _Runs, limits: CostLimits) -> tuple[Quantity, int]:
    """The fewest messages the call causes until the system is quiet again (Dijkstra's
    search over the augmented states, depths saturated at 0), and the states stored."""
    budget = _Budget(limits)
    start = runs.initial()
    cost = {start: 0}
    heap = [(0, 0, start)]
    tie = 1
    answered = False
    while heap:
        stop = budget.exceeded(len(cost))
        if stop is not None:
            return Quantity(Status.UNKNOWN, reason=f"the message search stopped at {stop}"), len(cost)
        c, _, aug = heapq.heappop(heap)
        if c > cost[aug]:
            continue
        steps = list(runs.steps(aug, 0))
        if runs.answered(aug):
            answered = True
            if all(st.same for st in steps):
                return Quantity(Status.MEASURED, c, c), len(cost)
        for st in steps:
            n = c + st.sent
            if n < cost.get(st.after, n + 1):
                cost[st.after] = n
                heapq.heappush(heap, (n, tie, st.after))
                tie += 1
    if not answered:
        return Quantity(Status.NEVER, reason=f"no fault-free run answers {runs.call} without an error"), len(cost)
    return Quantity(Status.NEVER, reason=(
        f"never quiet: after {runs.call} is answered, some node step stays enabled on every "
        "fault-free run (a periodic timer, say)")), len(cost)
