"""The checked intermediate representation: plain immutable data for both engines.

A `Program` is what a spec means once names are resolved, constants folded (command-line
overrides applied), functions (`def`) expanded and every expression typed. Engines (the
Python code generator, the Z3 encoder) consume this and never the AST. docs/architecture.md
describes it in prose.

Conventions:
- Every expression carries its `type` (checker.semantics.types).
- Names a spec wrote appear only as data (strings in fields), never as code; locals are
  identified by `Local.uid`, unique within their handler, invariant or operation.
- Operators are disambiguated by type: '+' on integers, 'concat' on sequences, 'union' /
  'inter' / 'diff' on sets.
- Spans (`span`, compare=False) point back into the spec for runtime messages.
- Values inside `Lit`: bool, int, str (an atom), None (`none`), NodeId, ClientId,
  frozenset (sets), tuple (sequences, tuples, records in field order), MapValue (maps).
- A constant left symbolic (`-D NAME=?`, `-D NAME=LO..HI`) is a `Param` wherever it is
  used, and a constant computed from one is the expression that computes it; only the SMT
  engine encodes them (the explicit engine needs every constant's value).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from checker.diagnostics import Span
from checker.props import kinds
from checker.semantics.types import IntT, Type

# ---------------------------------------------------------------- values


@dataclass(frozen=True, order=True)
class NodeId:
    """A node: its global index (declaration order of roles, then index), role and index."""

    gid: int
    role: str
    index: int

    def __str__(self) -> str:
        return self.role if self.index < 0 else f"{self.role}[{self.index}]"


@dataclass(frozen=True, order=True)
class ClientId:
    index: int

    def __str__(self) -> str:
        return f"client[{self.index}]"


@dataclass(frozen=True)
class MapValue:
    """A partial map as a sorted tuple of (key, value) pairs: hashable and canonical."""

    items: tuple[tuple[object, object], ...]


Value = Union[bool, int, str, None, NodeId, ClientId, frozenset, tuple, MapValue]


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Expr:
    type: Type
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Lit(Expr):
    value: object


@dataclass(frozen=True)
class Local(Expr):
    """A name bound inside a handler: a parameter, sender, handle, let, choose or binder."""

    name: str
    uid: int


@dataclass(frozen=True)
class StateVar(Expr):
    """A variable of the node running the handler (`x` or `self.x`)."""

    role: str
    name: str


@dataclass(frozen=True)
class NodeVar(Expr):
    """Variable `name` of the node `node` evaluates to (only in properties)."""

    node: Expr
    name: str


@dataclass(frozen=True)
class ObjectVar(Expr):
    """A state variable of a user-defined object, inside one of its operations."""

    name: str


@dataclass(frozen=True)
class AddressRef(Expr):
    """The node an address (a virtual IP) currently points to."""

    name: str


@dataclass(frozen=True)
class SelfRef(Expr):
    """The id of the node running the handler."""


@dataclass(frozen=True)
class Param(Expr):
    """A symbolic constant: its value is chosen by the solver, within its type (a bool, an
    integer range for `-D NAME=LO..HI`, any integer for `-D NAME=?`)."""

    name: str


@dataclass(frozen=True)
class NodesOf(Expr):
    """The set of ids of every node of the given roles."""

    roles: tuple[str, ...]


@dataclass(frozen=True)
class NodeAt(Expr):
    """`role[index]`: the node of `role` with that index (an error at run time if out of range)."""

    role: str
    index: Expr


@dataclass(frozen=True)
class Unary(Expr):
    op: str  # 'not' | 'neg'
    operand: Expr


BINARY = (
    "+", "-", "*", "//", "%", "==", "!=", "<", "<=", ">", ">=", "and", "or", "=>",
    "in", "not in", "union", "inter", "diff", "subset", "concat", "range",
)


@dataclass(frozen=True)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr

    def __post_init__(self) -> None:
        if self.op not in BINARY:
            raise ValueError(f"unknown IR operator {self.op!r}")


@dataclass(frozen=True)
class IfExpr(Expr):
    cond: Expr
    then: Expr
    orelse: Expr


BUILTINS = ("up", "reachable", "len", "max", "min", "keys", "values", "index", "get", "client_of")


@dataclass(frozen=True)
class Call(Expr):
    """A built-in function (see BUILTINS); user functions are already expanded."""

    func: str
    args: tuple[Expr, ...]

    def __post_init__(self) -> None:
        if self.func not in BUILTINS:
            raise ValueError(f"unknown builtin {self.func!r}")


@dataclass(frozen=True)
class Index(Expr):
    """`obj[index]` on a sequence (0-based), a map (by key) or a tuple (constant index)."""

    obj: Expr
    index: Expr


@dataclass(frozen=True)
class Slice(Expr):
    obj: Expr
    lo: Expr | None
    hi: Expr | None


@dataclass(frozen=True)
class Field(Expr):
    obj: Expr
    name: str


@dataclass(frozen=True)
class SetLit(Expr):
    elems: tuple[Expr, ...]


@dataclass(frozen=True)
class SeqLit(Expr):
    elems: tuple[Expr, ...]


@dataclass(frozen=True)
class MapLit(Expr):
    items: tuple[tuple[Expr, Expr], ...]


@dataclass(frozen=True)
class TupleLit(Expr):
    """Tuples and records alike (a record's fields in declaration order)."""

    elems: tuple[Expr, ...]


@dataclass(frozen=True)
class Binder:
    local: Local
    domain: Expr


@dataclass(frozen=True)
class Comprehension(Expr):
    kind: str  # 'set' | 'seq' | 'map'
    elem: Expr
    binders: tuple[Binder, ...]
    cond: Expr | None = None
    key: Expr | None = None


@dataclass(frozen=True)
class Quant(Expr):
    kind: str  # 'all' | 'some' | 'count'
    binders: tuple[Binder, ...]
    body: Expr


# ---------------------------------------------------------------- statements


@dataclass(frozen=True)
class Stmt:
    span: Span | None = field(default=None, compare=False, repr=False, kw_only=True)


@dataclass(frozen=True)
class Path:
    """One step into a variable: ('index', expr) for maps/sequences, ('field', name) for records."""

    kind: str
    index: Expr | None = None
    field: str | None = None


@dataclass(frozen=True)
class Assign(Stmt):
    """`target[path...] = value`; `target` is a StateVar or an ObjectVar."""

    target: Expr
    value: Expr
    path: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Let(Stmt):
    local: Local
    value: Expr


@dataclass(frozen=True)
class Send(Stmt):
    """Send `message(args)` to one node, or to each node of a set when `broadcast`."""

    message: str
    args: tuple[Expr, ...]
    dest: Expr
    broadcast: bool = False


@dataclass(frozen=True)
class Reply(Stmt):
    """Answer a request: `handle` None means the request being handled.

    Exactly one of `value` and `error` is set; an error reply has no effect on the object.
    """

    handle: Expr | None = None
    value: Expr | None = None
    error: str | None = None


@dataclass(frozen=True)
class Require(Stmt):
    cond: Expr


@dataclass(frozen=True)
class Choose(Stmt):
    """Bind `local` to some element of `domain` satisfying `cond`; none: the step is disabled."""

    local: Local
    domain: Expr
    cond: Expr | None = None


@dataclass(frozen=True)
class Take(Stmt):
    address: str


@dataclass(frozen=True)
class If(Stmt):
    arms: tuple[tuple[Expr, tuple[Stmt, ...]], ...]
    orelse: tuple[Stmt, ...] = ()


@dataclass(frozen=True)
class For(Stmt):
    """Run `body` for each element of `domain` in ascending order (sets) or in order (seqs)."""

    local: Local
    domain: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class Return(Stmt):
    value: Expr


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

    def budget(self, kind: str) -> int | None:
        return getattr(self, kind)

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

    @property
    def nodes(self) -> tuple[NodeId, ...]:
        return tuple(n for r in self.roles for n in r.ids)

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
