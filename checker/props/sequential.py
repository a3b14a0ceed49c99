"""Sequential consistency (Lamport 1979) of client histories, for `check sequential`.

A history is sequentially consistent when one order of its operations respects each
client's own order and gives every answered operation its result on the object's
sequential spec; unlike linearizability, operations of different clients need not respect
real time. A reply that looks wrong now may be explained by an operation another client
has not even invoked yet, so the check cannot decide at each response as the
linearizability monitor does: the explorer keeps each client's history in the state and
decides when every client has finished (see `SequentialHistories.consistent`).

The history is a tuple per client of entries `(op, args, result)`, `result` being a value
or one of three marks: pending, abandoned (the client gave up: the operation may take
effect at any point after the client's earlier operations, or never) and failed (an error
reply: no effect, left out).
"""

from __future__ import annotations

from checker.props.objects import SequentialSpec

_MARK = float("-inf")          # never a result of an object's operation
PENDING = (_MARK, 0)
ABANDONED = (_MARK, 1)
FAILED = (_MARK, 2)


class SequentialHistories:
    """Histories of `clients` clients, with pure updates and a memoised check."""

    def __init__(self, spec: SequentialSpec, ops: tuple[str, ...], clients: int) -> None:
        self.spec = spec
        self.ops = ops
        self.clients = clients
        self._verdicts: dict[tuple, bool] = {}

    def initial(self) -> tuple:
        return ((),) * self.clients

    def _set(self, h: tuple, client: int, seq: int, result: object) -> tuple:
        mine = h[client]
        entry = mine[seq]
        return h[:client] + (mine[:seq] + ((entry[0], entry[1], result),) + mine[seq + 1:],) + h[client + 1:]

    def invoke(self, h: tuple, client: int, seq: int, op: int, args: tuple) -> tuple:
        return h[:client] + (h[client] + ((op, args, PENDING),),) + h[client + 1:]

    def respond(self, h: tuple, client: int, seq: int, result: object) -> tuple:
        return self._set(h, client, seq, result)

    def fail(self, h: tuple, client: int, seq: int) -> tuple:
        return self._set(h, client, seq, FAILED)

    def abandon(self, h: tuple, client: int, seq: int) -> tuple:
        return self._set(h, client, seq, ABANDONED)

    @staticmethod
    def rename_clients(h: tuple, clients) -> tuple:
        """The same histories with client c called `clients[c]` (a permutation: symmetry
        reduction, checker/model/symmetry.py). Pure."""
        out = list(h)
        for c, mine in enumerate(h):
            out[clients[c]] = mine
        return tuple(out)

    def consistent(self, h: tuple) -> bool:
        """Whether some order of the operations keeps each client's order and explains
        every answered result. A pending operation counts as abandoned. Deterministic."""
        verdict = self._verdicts.get(h)
        if verdict is None:
            verdict = self._verdicts[h] = _Search(self.spec, self.ops, h).run()
        return verdict


class _Search:
    """Depth-first search over (how far each client's answered operations are placed, which
    abandoned operations took effect, object state), remembering failed configurations."""

    def __init__(self, spec: SequentialSpec, ops: tuple[str, ...], h: tuple) -> None:
        self.spec = spec
        self.ops = ops
        # per client: the answered operations in order, and the abandoned ones with the
        # number of answered operations before them (they may only follow those)
        self.answered = []
        self.floating = []
        for c, entries in enumerate(h):
            done: list[tuple] = []
            for seq, (op, args, result) in enumerate(entries):
                if result == FAILED:
                    continue
                if result in (ABANDONED, PENDING):
                    self.floating.append((c, seq, len(done), op, args))
                else:
                    done.append((op, args, result))
            self.answered.append(tuple(done))
        self.failed: set = set()

    def run(self) -> bool:
        return self._extend(tuple(0 for _ in self.answered), frozenset(), self.spec.initial())

    def _extend(self, placed: tuple, floated: frozenset, state) -> bool:
        if all(p == len(a) for p, a in zip(placed, self.answered)):
            return True
        key = (placed, floated, state)
        if key in self.failed:
            return False
        for c, answered in enumerate(self.answered):
            if placed[c] < len(answered):
                op, args, result = answered[placed[c]]
                step = self.spec.step(state, self.ops[op], args)
                if step is not None and step[0] == result:
                    nxt = placed[:c] + (placed[c] + 1,) + placed[c + 1:]
                    if self._extend(nxt, floated, step[1]):
                        return True
        for c, seq, after, op, args in self.floating:
            if (c, seq) not in floated and placed[c] >= after:
                step = self.spec.step(state, self.ops[op], args)
                if step is not None and self._extend(placed, floated | {(c, seq)}, step[1]):
                    return True
        self.failed.add(key)
        return False


def history_consistent(spec: SequentialSpec, events: list[tuple], clients: int) -> bool:
    """A whole history through `SequentialHistories` (events as for monitor.feed)."""
    from checker.props.monitor import feed

    hist = SequentialHistories(spec, tuple(spec.ops), clients)
    h = hist.initial()
    for e in events:
        h = feed(hist, h, e)
    return hist.consistent(h)
