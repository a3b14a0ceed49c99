"""Declarations and the whole program."""

from __future__ import annotations

from dataclasses import dataclass, field

from checker.diagnostics import Span
from checker.props import kinds
from checker.semantics.ir.exprs import Expr, Local, Param
from checker.semantics.ir.stmts import Stmt
from checker.semantics.ir.values import NodeId
from checker.semantics.types import IntT, Type

# ---------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Symbolic:
    """What `-D NAME=?` (lo = hi = None: any integer, or either boolean) or `-D NAME=LO..HI`
    asks: leave the constant symbolic, for the SMT engine's solver to choose."""

    lo: int | None = None
    hi: int | None = None

    def __post_init__(self) -> None:
        if (self.lo is None) != (self.hi is None) or (self.lo is not None and self.lo > self.hi):  # type: ignore[operator]
            raise ValueError(f"not a range: {self.lo}..{self.hi}")

    def text(self) -> str:
        """'?' or 'LO..HI', as written after `-D NAME=`."""
        return "?" if self.lo is None else f"{self.lo}..{self.hi}"


@dataclass(frozen=True)
class Constant:
    """A declared constant. `value` is its value; for a symbolic constant it is the `Param`
    standing for it, and for one computed from symbolic constants the IR expression that
    computes it (`symbolic` is then True)."""

    name: str
    value: object
    overridden: bool = False

    @property
    def symbolic(self) -> bool:
        return isinstance(self.value, Expr)


@dataclass(frozen=True)
class VarDecl:
    """A per-node (or per-object) variable with its finite type and initial value.

    `init` may mention `self` and constants only; it is evaluated per node.
    """

    name: str
    type: Type
    init: Expr
    durable: bool = False
    replicated: bool = False
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class MessageType:
    name: str
    fields: tuple[tuple[str, Type], ...]
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)


HANDLER_KINDS = ("message", "request", "action", "timeout", "restart")


@dataclass(frozen=True)
class Handler:
    """One kind of step a node of `role` can take.

    kind 'message': `trigger` is the message name, `params` its fields, `sender` bound.
    kind 'request': `trigger` is the operation, `params` its arguments, `handle` bound
    when the spec named it. 'action' / 'timeout': `trigger` is the name. 'restart': runs
    after the node restarts. `guard` None means always enabled; `locals` lists every local
    the handler binds, so a code generator can allocate them.
    """

    kind: str
    role: str
    trigger: str
    params: tuple[Local, ...]
    sender: Local | None
    handle: Local | None
    guard: Expr | None
    body: tuple[Stmt, ...]
    locals: tuple[Local, ...]
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)

    def __post_init__(self) -> None:
        if self.kind not in HANDLER_KINDS:
            raise ValueError(f"unknown handler kind {self.kind!r}")

    @property
    def label(self) -> str:
        """How traces name this handler: 'replica.on sync', 'replica.request write', ..."""
        word = {"message": "on", "restart": "on"}.get(self.kind, self.kind)
        return f"{self.role}.{word} {self.trigger}"


@dataclass(frozen=True)
class Role:
    """`node name[count]`: nodes `ids` (single: one node named like the role); `symmetric`:
    declared interchangeable, which checker/semantics/symmetry.py has checked the spec keeps."""

    name: str
    count: int
    single: bool
    ids: tuple[NodeId, ...]
    vars: tuple[VarDecl, ...]
    handlers: tuple[Handler, ...]
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)
    symmetric: bool = False     # its nodes are interchangeable (`node name[N] symmetric`)

    def var(self, name: str) -> VarDecl | None:
        for v in self.vars:
            if v.name == name:
                return v
        return None


@dataclass(frozen=True)
class Operation:
    """An operation clients may invoke: argument types and result type."""

    name: str
    params: tuple[tuple[str, Type], ...]
    result: Type
    writes: bool
    guard: Expr | None = None
    body: tuple[Stmt, ...] = ()
    locals: tuple[Local, ...] = ()
    param_locals: tuple[Local, ...] = ()


OBJECT_KINDS = ("register", "kv", "counter", "set", "log", "user")


@dataclass(frozen=True)
class ObjectSpec:
    """The object clients see, as a sequential specification.

    Built-in kinds carry their parameters in `params` (e.g. values, initial, keys, max);
    kind 'user' carries `vars` and operations with bodies.
    """

    kind: str
    name: str
    params: tuple[tuple[str, object], ...]
    ops: tuple[Operation, ...]
    vars: tuple[VarDecl, ...] = ()
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)

    def op(self, name: str) -> Operation | None:
        for op in self.ops:
            if op.name == name:
                return op
        return None

    def param(self, name: str, default: object = None) -> object:
        return dict(self.params).get(name, default)

    @property
    def unbounded(self) -> bool:
        """Whether its values are every integer (`values = int`: the SMT engine's)."""
        values = self.param("values")
        return isinstance(values, IntT) and not values.bounded


@dataclass(frozen=True)
class Clients:
    count: int
    ops: int
    symmetric: bool = False     # the clients are interchangeable (`clients N symmetric`)


@dataclass(frozen=True)
class Routing:
    """Where client requests arrive: mode 'fixed' (one node), 'any' (any node of `nodes`),
    or 'address' (wherever address `address` points at the time of the request)."""

    mode: str
    nodes: tuple[NodeId, ...] = ()
    address: str | None = None


@dataclass(frozen=True)
class RouteRule:
    """`route OP, ... to ...` (`ops`) or `route client[I] to ...` (`client`): where those
    requests go instead of the default rule."""

    ops: tuple[str, ...]
    client: int | None
    routing: Routing
    span: Span | None = field(default=None, compare=False, repr=False)  # the target


@dataclass(frozen=True)
class Address:
    name: str
    init: NodeId
    roles: tuple[str, ...]


NETWORK_MODES = ("unordered", "fifo", "duplicating")
FAULT_KINDS = ("crash", "restart", "partition", "link", "oneway", "pause", "loss", "duplicate", "give_up")


@dataclass(frozen=True)
class Network:
    mode: str = "unordered"
    lossy: bool = False


CLOCK_BOUNDS = ("horizon", "drift", "offset")


@dataclass(frozen=True)
class Clocks:
    """Real time and one clock per node (`clocks horizon <= H, drift <= R, offset <= D`).

    Real time `now` starts at 0 and a tick takes it one step further, up to `horizon`; at a
    tick every node's clock advances by 0, 1 or 2, staying within `drift` of real time and,
    with `offset`, within `offset` of every other clock. `drift` and `offset` are ints, or
    for the SMT engine an expression over symbolic constants; `offset` None: no bound but
    the one the drift implies (2 * drift).
    """

    horizon: int
    drift: object = 0
    offset: object = None


@dataclass(frozen=True)
class Faults:
    """How many faults of each kind one run may contain (0: none).

    `loss` is None when the network is lossy and the spec sets no `loss` budget: any number
    of messages may be lost. (Every other kind needs a budget to happen at all.)
    """

    crash: int = 0
    restart: int = 0
    partition: int = 0
    link: int = 0
    oneway: int = 0
    pause: int = 0
    loss: int | None = 0
    duplicate: int = 0
    give_up: int = 0
    aimed: tuple[tuple[str, tuple], ...] = ()   # kind -> the gids (crash, restart, pause) or
                                                # links (a, b) (link, oneway) it may hit

    def budget(self, kind: str) -> int | None:
        return getattr(self, kind)

    def targets(self, kind: str, candidates) -> list:
        """The `candidates` (gids, or (a, b) gid pairs) a fault of `kind` may hit: all of
        them unless the budget is aimed (`crash <= 1 on coordinator`)."""
        aimed = dict(self.aimed).get(kind)
        return [c for c in candidates if aimed is None or c in aimed]

    def nonzero(self) -> dict[str, int | None]:
        """The budgets that let something happen, by kind in FAULT_KINDS order (None:
        unbounded)."""
        return {k: self.budget(k) for k in FAULT_KINDS if self.budget(k) != 0}


@dataclass(frozen=True)
class Property:
    """A named property: an invariant (with its expression) or a built-in check. `kind`
    names a kind of props/kinds.py (`kinds.of(kind)` says what it is)."""

    name: str
    kind: str
    expr: Expr | None = None
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)

    def __post_init__(self) -> None:
        if self.kind not in kinds.KINDS:
            raise ValueError(f"unknown property kind {self.kind!r}")
        if (self.kind == kinds.INVARIANT.name) != (self.expr is not None):
            raise ValueError("an invariant, and only an invariant, has an expression")


@dataclass(frozen=True)
class Program:
    """A checked spec. Everything an engine needs; nothing from the parser."""

    name: str
    doc: str | None
    constants: tuple[Constant, ...]
    atoms: tuple[str, ...]
    roles: tuple[Role, ...]
    messages: tuple[MessageType, ...]
    object: ObjectSpec | None
    clients: Clients | None
    routing: Routing | None
    addresses: tuple[Address, ...]
    network: Network
    faults: Faults
    properties: tuple[Property, ...]
    text: str = field(default="", compare=False, repr=False)   # the spec's text, for quoting spans
    routes: tuple[RouteRule, ...] = ()                          # rules for some operations or clients
    clocks: Clocks | None = None                                # None: the spec is untimed

    @property
    def nodes(self) -> tuple[NodeId, ...]:
        return tuple(n for r in self.roles for n in r.ids)

    def routing_for(self, client: int, op: str) -> Routing | None:
        """Where a request of operation `op` from `client` goes: the client's own rule, else
        the operation's, else the default one (None: no clients)."""
        pinned = next((r.routing for r in self.routes if r.client == client), None)
        by_op = next((r.routing for r in self.routes if op in r.ops), None)
        return pinned or by_op or self.routing

    def routings(self) -> tuple[Routing, ...]:
        """Every routing rule of the spec, the default one first."""
        return ((self.routing,) if self.routing is not None else ()) + tuple(r.routing for r in self.routes)

    def role(self, name: str) -> Role | None:
        for r in self.roles:
            if r.name == name:
                return r
        return None

    def message(self, name: str) -> MessageType | None:
        for m in self.messages:
            if m.name == name:
                return m
        return None

    def params(self) -> tuple[Param, ...]:
        """The constants left symbolic (`-D NAME=?` or `-D NAME=LO..HI`), in declaration order."""
        return tuple(c.value for c in self.constants if isinstance(c.value, Param))
