"""The online linearizability monitor: just-in-time linearization (Lowe 2017).

The monitor's state rides in every explored state, so it must be small, hashable and
canonical. It is `(pending, configs)`:

- `pending`: the operations invoked and not answered, as a sorted tuple of
  `(client, seq, op, args)`, `op` an index into the monitor's operation names (no strings
  in a state: their hash is salted) (an operation a client gave up on stays here for ever: it may
  still take effect, or never);
- `configs`: a frozenset of configurations `(object state, linearized)`, where `linearized`
  is a frozenset of `(client, seq, result)`: the pending operations this configuration has
  already placed, with the results they must return.

An invocation only adds to `pending`. A response of (client, seq) with `result` keeps the
configurations that can explain it: those that placed it with that result, and those that
can place it now after placing any other pending operations first (every order is tried).
When none is left the history so far is not linearizable, exactly at that response. An
error response says the operation had no effect: configurations that placed it are
dropped. Equal histories reach equal monitor states, which is what lets the search merge
them.
"""

from __future__ import annotations

from checker.props.objects import SequentialSpec

class Monitor:
    """Just-in-time linearization of one object, over the values its checker uses.
    `ops` names the operations by index, as the monitor's state refers to them."""

    def __init__(self, spec: SequentialSpec, ops: tuple[str, ...] | None = None) -> None:
        self.spec = spec
        self.ops = tuple(ops if ops is not None else spec.ops)

    def initial(self) -> tuple:
        return ((), frozenset({(self.spec.initial(), frozenset())}))

    @staticmethod
    def ok(m: tuple) -> bool:
        """False once some response could not be explained."""
        return bool(m[1])

    def invoke(self, m: tuple, client: int, seq: int, op: int, args: tuple) -> tuple:
        pending, configs = m
        return (tuple(sorted(pending + ((client, seq, op, args),))), configs)

    def respond(self, m: tuple, client: int, seq: int, result: object) -> tuple:
        """The monitor after (client, seq) answered `result`. Pure."""
        pending, configs = m
        target = (client, seq)
        kept = set()
        for config in self._closure(pending, configs, target):
            obj, placed = config
            for entry in placed:
                if entry[:2] == target:
                    if entry[2] == result:
                        kept.add((obj, placed - {entry}))
                    break
        return (tuple(p for p in pending if p[:2] != target), frozenset(kept))

    @staticmethod
    def abandon(m: tuple, client: int, seq: int) -> tuple:
        """The client gave up: the operation stays pending for ever (nothing changes)."""
        return m

    def fail(self, m: tuple, client: int, seq: int) -> tuple:
        """The monitor after (client, seq) answered with an error: it had no effect."""
        pending, configs = m
        target = (client, seq)
        kept = frozenset(c for c in configs if not any(e[:2] == target for e in c[1]))
        return (tuple(p for p in pending if p[:2] != target), kept)

    @staticmethod
    def rename_clients(m: tuple, clients) -> tuple:
        """The monitor of the same history with client c called `clients[c]` (a permutation:
        symmetry reduction, checker/model/symmetry.py). Pure."""
        pending, configs = m
        return (tuple(sorted((clients[c], seq, op, args) for c, seq, op, args in pending)),
                frozenset((obj, frozenset((clients[c], seq, r) for c, seq, r in placed)) for obj, placed in configs))

    def _closure(self, pending: tuple, configs: frozenset, target: tuple[int, int]):
        """Every configuration reachable by placing pending operations, stopping at those
        that have placed `target` (placing more after it is the next response's business)."""
        seen = set(configs)
        stack = list(configs)
        while stack:
            config = stack.pop()
            yield config
            obj, placed = config
            done = {e[:2] for e in placed}
            if target in done:
                continue
            for client, seq, op, args in pending:
                if (client, seq) in done:
                    continue
                step = self.spec.step(obj, self.ops[op], args)
                if step is None:
                    continue  # its guard does not hold here: it cannot take effect now
                result, after = step
                nxt = (after, placed | {(client, seq, result)})
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)


class PartitionedMonitor:
    """One monitor per part of an object whose operations each touch one part (a map's
    keys): a history is linearizable exactly when every part's is (Horn and Kroening's
    P-compositionality), and each part's configurations stay small. The state is a sorted
    tuple of (part, part monitor state) for the parts used so far, and the map from each
    pending (client, seq) to its part."""

    def __init__(self, spec: SequentialSpec, ops: tuple[str, ...] | None = None) -> None:
        self.spec = spec
        self.ops = tuple(ops if ops is not None else spec.ops)
        self.part = Monitor(spec.part_spec)

    def initial(self) -> tuple:
        return ((), ())

    def ok(self, m: tuple) -> bool:
        return all(self.part.ok(pm) for _, pm in m[0])

    def _with(self, m: tuple, part: object, new: tuple) -> tuple:
        parts = dict(m[0])
        parts[part] = new
        return tuple(sorted(parts.items(), key=lambda kv: repr(kv[0])))

    def invoke(self, m: tuple, client: int, seq: int, op: int, args: tuple) -> tuple:
        part, sub_op, sub_args = self.spec.split(self.ops[op], args)  # type: ignore[misc]
        pm = dict(m[0]).get(part, self.part.initial())
        sub = self.part.invoke(pm, client, seq, self.part.ops.index(sub_op), sub_args)
        where = tuple(sorted(m[1] + (((client, seq), part),), key=repr))
        return (self._with(m, part, sub), where)

    abandon = Monitor.abandon

    def rename_clients(self, m: tuple, clients) -> tuple:
        """As `Monitor.rename_clients`, part by part."""
        parts = tuple((part, self.part.rename_clients(pm, clients)) for part, pm in m[0])
        return (parts, tuple(sorted((((clients[c], seq), part) for (c, seq), part in m[1]), key=repr)))

    def _part_of(self, m: tuple, client: int, seq: int) -> object:
        return next(p for key, p in m[1] if key == (client, seq))

    def _done(self, m: tuple, client: int, seq: int) -> tuple:
        return tuple(e for e in m[1] if e[0] != (client, seq))

    def respond(self, m: tuple, client: int, seq: int, result: object) -> tuple:
        part = self._part_of(m, client, seq)
        sub = self.part.respond(dict(m[0])[part], client, seq, result)
        return (self._with(m, part, sub), self._done(m, client, seq))

    def fail(self, m: tuple, client: int, seq: int) -> tuple:
        part = self._part_of(m, client, seq)
        sub = self.part.fail(dict(m[0])[part], client, seq)
        return (self._with(m, part, sub), self._done(m, client, seq))


def monitor_for(spec: SequentialSpec, ops: tuple[str, ...] | None = None) -> "Monitor | PartitionedMonitor":
    """The monitor for `spec`: one per part when its operations each touch one part."""
    return PartitionedMonitor(spec, ops) if spec.partitioned else Monitor(spec, ops)


def feed(watcher, m: tuple, event: tuple) -> tuple:
    """`m` after one event of a history: ('invoke', client, seq, op name, args), ('ok',
    client, seq, result), ('fail', client, seq) or ('abandon', client, seq). Works for the
    monitors here and for the histories of props/sequential.py. For tests and small tools."""
    kind = event[0]
    if kind == "invoke":
        return watcher.invoke(m, event[1], event[2], watcher.ops.index(event[3]), event[4])
    if kind == "ok":
        return watcher.respond(m, *event[1:])
    if kind == "fail":
        return watcher.fail(m, *event[1:])
    return watcher.abandon(m, *event[1:])


def history_ok(spec: SequentialSpec, events: list[tuple]) -> bool:
    """Run a whole history through the monitor (events as for `feed`); False as soon as a
    response cannot be explained."""
    mon = monitor_for(spec)
    m = mon.initial()
    for e in events:
        m = feed(mon, m, e)
        if not mon.ok(m):
            return False
    return True
