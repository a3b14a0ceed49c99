"""What every watcher of the clients' history shares (props/sessions.py, props/ordering.py):
the tags of how a write stands and what an operation does, how an object's operations
read and write (`Access`), and the `Watcher` base with its pure, memoised interface:
`initial()`, `invoke`, `respond`, `fail` (an error reply: no effect), `abandon` (the client
gave up), `ok(state)` and `violation(state)`. props/sessions.py states the definitions."""

from __future__ import annotations

from abc import ABC, abstractmethod

from checker.props.kinds import BUILTIN_OBJECTS
from checker.props.objects import SequentialSpec

INIT = (-1, -1)               # the initial value, as a write id (client, seq)
RETURNED, PENDING, ABANDONED = 0, 1, 2   # how a write stands

# what an operation does: a plain write, a conditional write (cas), a read, an append
WRITE, CAS, READ, APPEND = 0, 1, 2, 3
ALL = object()                # a read of every part (a set's read())
DONE = (9,)                    # a client's entry once it has made its last operation
_MEMO_LIMIT = 1 << 16


def sorted_tuple(items) -> tuple:
    """`items` in a canonical order: their own (the ints of encoded values) when they have
    one, else by repr (deterministic too: no hash in a state is salted)."""
    items = list(items)
    try:
        return tuple(sorted(items))
    except TypeError:
        return tuple(sorted(items, key=repr))


class Access:
    """How the operations of a built-in object read and write its parts."""

    def __init__(self, spec: SequentialSpec, ops: tuple[str, ...]) -> None:
        if spec.name not in BUILTIN_OBJECTS:
            raise ValueError(f"no session checks for a {spec.name} object")
        self.kind = spec.name
        self.ops = ops
        self.init = getattr(spec, "init", False)  # a set's element starts absent
        self.absent = getattr(spec, "absent", None)  # what a delete leaves in a register or key

    def of(self, op: int, args: tuple) -> tuple:
        """(what, part, value): what the operation `op(*args)` does."""
        name, kind = self.ops[op], self.kind
        if kind in ("log", "counter"):
            return (APPEND, 0, args[0] if args else 0) if name in ("append", "incr") else (READ, 0, None)
        if kind == "set":
            if name in ("add", "remove"):
                return (WRITE, args[0], name == "add")
            return (READ, args[0], None) if name == "contains" else (READ, ALL, None)
        part = args[0] if kind == "kv" else 0
        if name == "delete":
            return (WRITE, part, self.absent)
        at = self.written_at(op)
        if at is None:
            return (READ, part, None)
        return (CAS if name == "cas" else WRITE, part, args[at])

    def written_at(self, op: int) -> int | None:
        """For a register or map, the position among operation `op`'s arguments of the
        value it writes (cas: the new one); None for a read."""
        name, first = self.ops[op], 1 if self.kind == "kv" else 0
        return first if name in ("write", "put") else first + 1 if name == "cas" else None

    def observed(self, part: object, result: object, parts) -> list[tuple]:
        """The (part, value) pairs a read of `part` that returned `result` observed."""
        if part is ALL:
            return [(p, p in result) for p in parts]  # type: ignore[operator]
        if self.kind == "set":
            return [(part, bool(result))]
        return [(part, result)]

    def counts(self, result: object) -> dict:
        """How often a log or counter read shows each value."""
        if self.kind == "counter":
            return {0: result}
        out: dict = {}
        for v in result:  # type: ignore[attr-defined]
            out[v] = out.get(v, 0) + 1
        return out


class Watcher(ABC):
    """What every watcher shares: the state is `(violation, ..., ops, ...)`, ops being one
    entry per client: () when idle, DONE when it has made its last operation (`per_client`
    None: never); a violated state is final. After every event, what no later read can
    need is dropped (`_trim`), so histories that differ only there merge."""

    def __init__(self, kind: str, access: Access, clients: int, per_client: int | None) -> None:
        self.kind = kind
        self.access = access
        self.ops = access.ops
        self.clients = clients
        self.last = per_client - 1 if per_client is not None else None
        self._seen: dict[tuple, tuple] = {}

    @staticmethod
    def ok(s: tuple) -> bool:
        return s[0] == ()

    @staticmethod
    def violation(s: tuple) -> tuple | None:
        """(reader client, reader seq, other client, other seq), or None."""
        return s[0] or None

    def invoke(self, s: tuple, client: int, seq: int, op: int, args: tuple) -> tuple:
        return self._memo((0, s, client, seq, op, args), lambda: self._trim(self._invoke(s, client, seq, op, args)))

    def respond(self, s: tuple, client: int, seq: int, result: object) -> tuple:
        return self._memo((1, s, client, seq, result),
                          lambda: self._trim(self._idle(self._respond(s, client, seq, result), client, seq)))

    def fail(self, s: tuple, client: int, seq: int) -> tuple:
        return self._memo((2, s, client, seq), lambda: self._trim(self._idle(self._fail(s, client, seq), client, seq)))

    def abandon(self, s: tuple, client: int, seq: int) -> tuple:
        return self._memo((3, s, client, seq),
                          lambda: self._trim(self._idle(self._abandon(s, client, seq), client, seq)))

    def _memo(self, key: tuple, compute) -> tuple:
        """The state after an event, remembered: the same summary meets the same event in
        many states of the search. A violated state is final."""
        if key[1][0]:
            return key[1]
        out = self._seen.get(key)
        if out is None:
            if len(self._seen) >= _MEMO_LIMIT:
                self._seen.clear()
            out = self._seen[key] = compute()
        return out

    @abstractmethod
    def initial(self) -> tuple:
        """The state before any operation."""

    @abstractmethod
    def _invoke(self, s: tuple, client: int, seq: int, op: int, args: tuple) -> tuple: ...

    @abstractmethod
    def _respond(self, s: tuple, client: int, seq: int, result: object) -> tuple: ...

    @abstractmethod
    def _fail(self, s: tuple, client: int, seq: int) -> tuple: ...

    @abstractmethod
    def _abandon(self, s: tuple, client: int, seq: int) -> tuple: ...

    @abstractmethod
    def _trim(self, s: tuple) -> tuple:
        """`s` without what no later read can use."""

    def _idle(self, s: tuple, client: int, seq: int) -> tuple:
        if s[0] or seq != self.last:
            return s
        return s[:2] + (self._set_op(s[2], client, DONE),) + s[3:]

    def _may_read(self, op: tuple) -> bool:
        """Whether a client with this entry may still read (or is reading)."""
        return op != DONE and (not op or op[0] == READ or self.last is None or op[1] < self.last)

    def _readers(self, s: tuple) -> set[int]:
        return {c for c, op in enumerate(s[2]) if self._may_read(op)}

    @staticmethod
    def _set_op(ops: tuple, client: int, entry: tuple) -> tuple:
        return ops[:client] + (entry,) + ops[client + 1:]
