"""Linearizability of the clients' history along a run, as a Z3 formula.

The run's history rides in the symbolic state (state.py): for each client and request
number, the step it was invoked at, the step it was answered at, whether the answer was an
error (no effect) and the result, as an index into the results the object can give.

The object is the explicit monitor's own sequential spec (props/objects.py, or the compiled
user-defined object), *tabulated*: clients invoke from a finite table of (operation,
arguments), so the object states reachable in the run's bounded number of operations are
finite too, and `ObjectTable` lists them with the result and next state of every invocation
in every state (None: a `when` guard forbids it there). The symbolic replay of a candidate
order is then a lookup in that table, exact for every built-in object and user-defined
ones alike.

`non_linearizable(...)` says that no linearization explains the history: no order of the
operations invoked so far, containing every answered operation (error replies excluded,
unanswered ones optional, as for the online monitor), keeps real time (an operation
answered before another was invoked comes first) and gives each answered operation its
recorded result. It expands every such order (a trie over the operations, sharing
prefixes): sum over k of n!/(n-k)! orders for n = clients x operations per client, which is
small for the bounds a model check uses (65 for 2 x 2, 1,957 for 3 x 2); larger histories
are refused as Unsupported.
"""

from __future__ import annotations

import z3

from checker.model import values
from checker.semantics.types import AtomT, BoolT, ClientT, IntT, NodeT, NoneT, OptionT, TupleT, Type, describe
from checker.smt import symbolic as sv
from checker.smt.symbolic import NotEncodable, Tup, conj, disj

MAX_STATES = 4096          # object states in the table
MAX_ORDERS = 20_000        # candidate linearizations


class ObjectTable:
    """The object's states, results and transitions for the invocation table `invocations`
    ((operation index, encoded arguments) pairs), from `spec.initial()` through at most
    `depth` operations."""

    def __init__(self, spec, ops: tuple[str, ...], invocations: tuple, depth: int) -> None:
        self.states: list = [spec.initial()]
        index = {spec.initial(): 0}
        self.results: list = []
        result_index: dict = {}
        self.step: dict[tuple[int, int], tuple[int, int] | None] = {}
        frontier = [0]
        for _ in range(depth):
            nxt = []
            for si in frontier:
                for k, (op, args) in enumerate(invocations):
                    if (si, k) in self.step:
                        continue
                    got = spec.step(self.states[si], ops[op], args)
                    if got is None:
                        self.step[(si, k)] = None
                        continue
                    result, after = got
                    if after not in index:
                        if len(self.states) >= MAX_STATES:
                            raise NotEncodable(f"an object with more than {MAX_STATES} states within the run")
                        index[after] = len(self.states)
                        self.states.append(after)
                        nxt.append(index[after])
                    key = (type(result).__name__, result)
                    if key not in result_index:
                        result_index[key] = len(self.results)
                        self.results.append(result)
                    self.step[(si, k)] = (result_index[key], index[after])
            frontier = nxt
        self.invocations = invocations

    def include(self, results) -> None:
        """Give each of `results` an index too, after the ones a sequential run gives
        (what a reply may be, for the session checks: sessions.py)."""
        known = {(type(r).__name__, r) for r in self.results}
        for r in results:
            if (type(r).__name__, r) not in known:
                known.add((type(r).__name__, r))
                self.results.append(r)

    start = z3.IntVal(0)        # the initial state's index

    def answer(self, value: object, t: Type, dom: sv.Domains) -> z3.ArithRef:
        """What a reply of `value` (of IR type `t`) is recorded with: its result index."""
        return result_index(self, value, t, dom)

    def apply(self, state: z3.ArithRef, inv: z3.ArithRef, request=None) -> tuple[z3.BoolRef, z3.ArithRef, z3.ArithRef]:
        """(the invocation can take effect, its result index, the next state) for symbolic
        state and invocation indices (`request`, the (client, number) invoking, is
        DataTable's)."""
        can, result, after = [], z3.IntVal(-1), z3.IntVal(0)
        for (si, k), got in sorted(self.step.items()):
            if got is None:
                continue
            here = z3.And(state == si, inv == k)
            can.append(here)
            result = z3.If(here, got[0], result)
            after = z3.If(here, got[1], after)
        return disj(can), result, after


class DataTable:
    """A register or key-value map of `values = int`, symbolically: its state is the Z3
    integer each key holds (one for a register), and each request's arguments are its own
    integers (state.Shape.argument), so `apply` computes the result and the next state as
    terms. A result is recorded as a *code*, an integer equal for two results exactly when
    the explicit monitor finds them equal (`code`: integers 4v, false 1 and true 5, an
    atom a 4a + 2, none 3), so `res == result` compares them as the finite table's
    indices do."""

    def __init__(self, obj, shape) -> None:
        self.kind = obj.kind
        self.shape = shape
        self.ops = [op.name for op in obj.ops]
        initial = z3.IntVal(obj.param("initial"))
        self.keys = shape.dom.of(obj.ops[0].params[0][1]) if obj.kind == "kv" else [None]
        self.start = tuple(initial for _ in self.keys)
        self.ok = 4 * shape.dom.codec.atom_code["ok"] + 2

    def answer(self, value: object, t: Type, dom: sv.Domains) -> z3.ArithRef:
        return code(value, t)

    def apply(self, state: tuple, inv: z3.ArithRef, request: tuple[int, int]) -> tuple:
        c, q = request
        result: z3.ArithRef = z3.IntVal(-1)
        after = state
        for k, (op, args) in reversed(list(enumerate(self.shape.invocations))):
            params = self.shape.program.object.ops[op].params
            terms = [self.shape.argument(c, q, op, args, i, t) for i, (_, t) in enumerate(params)]
            if self.kind == "kv":
                at, terms = self.keys.index(args[0]), terms[1:]
            else:
                at = 0
            got, new = self._step(self.ops[op], state[at], terms)
            here = inv == k
            result = z3.If(here, got, result)
            after = tuple(z3.If(here, new, x) if j == at else x for j, x in enumerate(after))
        return z3.BoolVal(True), result, after

    def _step(self, op: str, value: z3.ArithRef, args: list) -> tuple:
        """(the result's code, the new value) of `op` on a key holding `value`."""
        if op in ("read", "get"):
            return 4 * value, value
        if op in ("write", "put"):
            return z3.IntVal(self.ok), args[0]
        same = value == args[0]                      # cas(expected, new)
        return z3.If(same, 5, 1), z3.If(same, args[1], value)


def code(value: object, t: Type) -> z3.ArithRef:
    """The code DataTable records a reply of `value` (IR type `t`) with."""
    if isinstance(value, sv.Opt):
        inner = t.inner if isinstance(t, OptionT) else t
        return z3.If(value.present, code(value.value, inner), 3)
    match t:
        case BoolT():
            return z3.If(value, 5, 1)  # type: ignore[arg-type]
        case IntT() | NodeT() | ClientT():
            return 4 * value  # type: ignore[operator]
        case AtomT():
            return 4 * value + 2  # type: ignore[operator]
    raise NotEncodable(f"a reply of type {describe(t)} to an object of 'values = int'")


def result_index(table: ObjectTable, value: object, t, dom: sv.Domains) -> z3.ArithRef:
    """The index among `table.results` of a reply's value (of IR type `t`), or -1 when it
    is none of them (no linearization can then explain it). A reply of the literal `none`
    (type NoneT, which no value of the encoding has) is the result none."""
    if isinstance(t, NoneT):
        return z3.IntVal(next((i for i, r in enumerate(table.results) if _is_none(r)), -1))
    out: z3.ArithRef = z3.IntVal(-1)
    for i, r in reversed(list(enumerate(table.results))):
        if not _of_type(r, t):
            continue                      # a result of another shape never equals the value
        try:
            same = sv.eq(value, sv.const(r, t, dom), t)
        except (NotEncodable, TypeError, ValueError, OverflowError, AttributeError):
            continue
        out = z3.If(same, i, out)
    return out


def _is_none(result: object) -> bool:
    return type(result) is float and result == values.NONE


def _of_type(result: object, t: Type) -> bool:
    """Whether an object's result can be a value of IR type `t` at all, as the explicit
    monitor compares them (props/linearizability.py `_typed`: true is not 1, none is no
    integer)."""
    match t:
        case BoolT():
            return type(result) is bool
        case IntT() | AtomT() | NodeT() | ClientT():
            return type(result) is int
        case OptionT(inner=inner):
            return _is_none(result) or _of_type(result, inner)
        case NoneT():
            return _is_none(result)
        case TupleT(elems=elems):
            return type(result) is tuple and len(result) == len(elems) and all(map(_of_type, result, elems))
    return True                           # the others: const() tells


def blank_history(clients: int, ops: int) -> tuple:
    """The history before anything happened: no request invoked or answered."""
    return tuple(tuple(Tup((z3.IntVal(-1), z3.IntVal(-1), z3.IntVal(-1), z3.BoolVal(False)))
                       for _ in range(ops)) for _ in range(clients))


def fresh_history(clients: int, ops: int, name: str) -> tuple:
    return tuple(tuple(Tup((z3.Int(f"{name}[{c}][{q}].inv"), z3.Int(f"{name}[{c}][{q}].ret"),
                            z3.Int(f"{name}[{c}][{q}].res"), z3.Bool(f"{name}[{c}][{q}].err")))
                       for q in range(ops)) for c in range(clients))


def orders(n: int) -> int:
    """How many candidate orders a history of n operations has; raises NotEncodable past
    MAX_ORDERS."""
    count, term = 1, 1
    for k in range(1, n + 1):
        term *= n - k + 1
        count += term
    if count > MAX_ORDERS:
        raise NotEncodable(f"linearizability of {n} operations ({count:,} orders to try)")
    return count


def non_linearizable(table: ObjectTable, history: tuple, requests: tuple) -> z3.BoolRef:
    """No linearization explains `history` (per client and request: invoked, answered, result
    index, error); `requests` gives each request's invocation index (the request table)."""
    ops = [(c, q) for c in range(len(history)) for q in range(len(history[c]))]
    orders(len(ops))
    inv, ret, res, err = {}, {}, {}, {}
    for c, q in ops:
        inv[(c, q)], ret[(c, q)], res[(c, q)], err[(c, q)] = history[c][q].items
    kind = {(c, q): requests[c][q].items[1] for c, q in ops}
    complete = {o: z3.And(ret[o] >= 0, z3.Not(err[o])) for o in ops}
    usable = {o: z3.And(inv[o] >= 0, z3.Not(err[o])) for o in ops}
    explained = []

    def extend(prefix: list, ok: z3.BoolRef, state: z3.ArithRef) -> None:
        rest = [o for o in ops if o not in prefix]
        explained.append(conj([ok] + [z3.Not(complete[o]) for o in rest]))
        for o in rest:
            can, result, after = table.apply(state, kind[o], o)
            timely = [z3.Not(z3.And(ret[o] >= 0, ret[o] < inv[a])) for a in prefix]
            step_ok = conj([ok, usable[o], can, z3.Implies(complete[o], res[o] == result), *timely])
            if not z3.is_false(step_ok):
                extend(prefix + [o], step_ok, after)

    extend([], z3.BoolVal(True), table.start)
    return z3.Not(disj(explained))
