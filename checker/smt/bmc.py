"""Bounded model checking of invariants: is there a run of exactly k steps that ends in a
state breaking one, for k = 0, 1, 2, ... up to the depth bound?

The run is k + 1 copies of the state (state.py) tied together by the transition relation:
at each step an action number `act_i` selects one of the actions of steps.py, which must be
enabled, and every slot of the next copy equals that action's effect on it (or the slot as
it was, for the actions that leave it alone). Depths are tried in increasing order on one
solver, each query in its own scope, so the first run found for a property is a shortest
one: the same length a breadth-first search finds.

What a satisfying assignment gives is decoded into explicit states (state.decode) and
matched, step by step, against the explicit model's own successors (`Model.labeled`): the
result is a path the explicit engine can replay, never a trace of the encoding alone. A step
no successor matches is an internal error (the encoding and the explicit semantics
disagree), never a finding. The caller replays the path and checks the property again
before showing it (checker/analysis/verify.py).

A run that finds nothing within the depth says so: UNKNOWN with the depth reached, never
HOLDS. A solver timeout or `unknown` answer gives UNKNOWN with the reason.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Callable

import z3

from checker.errors import InternalError
from checker.props import kinds
from checker.resources import Budget, Stopped
from checker.model import Model
from checker.model.values import NONE
from checker.semantics import ir
from checker.semantics.types import IntT, OptionT, RecordT, TupleT
from checker.smt import params
from checker.smt import symbolic as sv
from checker.smt.clocks import bound_constraints, tick_actions
from checker.smt.exprs import Env, Exprs
from checker.smt.solver import Outcome, Solver
from checker.smt.state import (
    Bag, Queue, Shape, SymState, concrete_state, decode, empty_message, fresh_state, initial_state, requests_slot,
    slot_equal, slot_ite,
)
from checker.smt.steps import Action, Steps


@dataclass(frozen=True)
class Found:
    """A counterexample: the property it breaks (None: the spec fails while running at the
    last state), the explicit path to it (initial state index, then action indices) and the
    values of the symbolic constants it was found with (smt/params.py; () without any) and,
    for an object of `values = int`, the object values of the explicit model the path is in
    (the integers the run uses)."""

    prop: ir.Property | None
    path: tuple[int, ...]
    values: params.Values = ()
    data: frozenset | None = None


@dataclass
class BmcResult:
    found: list[Found] = field(default_factory=list)
    depth: int = -1                 # the deepest depth fully checked
    reason: str | None = None       # why it stopped before the bound: 'timeout', Z3's reason


def capacity(model: Model, depth: int, program: ir.Program | None = None,
             poll: Callable[[], None] = lambda: None) -> int:
    """The most messages `depth` steps can put into one network slot: `depth` times the most
    one step can send to a slot (found by running every action once on a state of fresh
    constants, where no condition is decided in advance). `poll` as for Steps."""
    probe = Shape(model, 1, program)
    state, _ = fresh_state(probe, -1)
    most = 0
    for action in Steps(probe, poll).actions(state):
        counts: dict[int, int] = {}
        for k, _, _ in action.sends:
            counts[k] = counts.get(k, 0) + 1
        most = max([most, *counts.values()])
    return max(1, depth * most)


class Bmc:
    """Incremental BMC of one model up to `depth` steps."""

    def __init__(self, model: Model, depth: int, timeout: float | None = None, clock=time.monotonic,
                 shape: Shape | None = None, start: tuple | None = None,
                 parameters: params.Parameters | None = None, budget: Budget | None = None) -> None:
        """`shape` and `start` (an explicit state the runs start from, instead of the initial
        state) are for tests that check the encoding step by step. With `parameters` (a spec
        with symbolic constants) their program is encoded, and `model` is one instance of
        it, whose layout and tables the encoding shares. `budget` (checker/resources.py;
        None: `timeout` seconds from now on `clock`) bounds the encoding and every check:
        the run stops with its reason when it runs out."""
        self.budget = (budget or Budget(clock=clock)).within(timeout)
        self.model = model
        self.depth = depth
        self.parameters = parameters
        program = parameters.program if parameters is not None else model.program
        self.shape = shape or Shape(model, capacity(model, depth, program, self.budget.check), program)
        self.steps = Steps(self.shape, self.budget.check)
        self.x = Exprs(program, self.shape.dom)
        self.solver = Solver(context=z3.main_ctx())
        self.solver.add(*params.constraints(program))
        self._instances: dict[tuple, Model] = {((), None): model}
        self.states: list[SymState] = [initial_state(self.shape) if start is None
                                       else concrete_state(self.shape, start)]
        self.solver.add(*bound_constraints(self.shape, self.x, self.states[0]))
        self.acts: list[z3.ArithRef] = []
        self.actions: list[list[Action]] = []
        self.overflows: list[z3.BoolRef] = []   # per step: a send found no room

    # -------------------------------------------------- the unrolling

    def _actions(self, i: int) -> list[Action]:
        while len(self.actions) <= i:
            n = len(self.actions)
            state = self.states[n]
            ticks = tick_actions(self.shape, self.x, state, n + 1)
            self.actions.append(self.steps.actions(state, now=n + 1) + ticks)
        return self.actions[i]

    def _extend(self) -> None:
        """Add the next copy of the state and the step that leads to it."""
        i = len(self.states) - 1
        s = self.states[i]
        acts = self._actions(i)
        nxt, constraints = fresh_state(self.shape, i + 1)
        act = z3.Int(f"act{i}")
        self.solver.add(*constraints, act >= 0, act < len(acts))
        for a, action in enumerate(acts):
            self.solver.add(z3.Implies(act == a, action.enabled))
        network = set(self.shape.layout.network_slots())
        overflow = []
        for k in self.shape.keys:
            self.budget.check()
            if nxt.slots[k] is None:
                continue
            if k in network:
                value, full = self._network(k, s.slots[k], acts, act)
                overflow += full
            else:
                value = s.slots[k]
                for a in reversed(range(len(acts))):
                    if k in acts[a].effect:
                        value = slot_ite(act == a, acts[a].effect[k], value)
            self.solver.add(slot_equal(nxt.slots[k], value))
        self.overflows.append(sv.disj(overflow))
        self.states.append(nxt)
        self.acts.append(act)

    def _network(self, k: int, content, acts: list[Action], act) -> tuple[object, list]:
        """Network slot k after the step `act` selects: the message it takes (if any) removed,
        then the messages it sends added in order. The sends of all actions share `ports`:
        port p carries the p-th message the chosen action sends to this slot. Also the
        conditions under which a message finds no room (an overflow: an internal error)."""
        sends = [[(c, m) for kk, c, m in a.sends if kk == k] for a in acts]
        ports = []
        for p in range(max((len(x) for x in sends), default=0)):
            active = sv.disj([z3.And(act == a, x[p][0]) for a, x in enumerate(sends) if len(x) > p])
            message = None
            for a in reversed(range(len(acts))):
                if len(sends[a]) > p:
                    message = sends[a][p][1] if message is None else sv.ite(act == a, sends[a][p][1], message)
            ports.append((active, message))
        taken = [(a, x.taken[k]) for a, x in enumerate(acts) if k in x.taken]
        if isinstance(content, Queue):
            return self._queue(content, taken, ports, act)
        return self._bag(content, taken, ports, act)

    def _bag(self, bag: Bag, taken, ports, act) -> tuple[Bag, list]:
        slots = []
        for j, m in enumerate(bag.slots):
            gone = sv.disj([act == a for a, where in taken if where == j])
            slots.append(m if z3.is_false(gone) else sv.Tup((z3.And(m.items[0], z3.Not(gone)),) + m.items[1:]))
        full = []
        for active, message in ports:
            if self.shape.mode == "duplicating":
                there = sv.disj([z3.And(m.items[0], sv.eq(sv.Tup(m.items[1:]), sv.Tup(message.items[1:]), None))
                                 for m in slots])
                active = z3.And(active, z3.Not(there))
            used = z3.BoolVal(True)
            placed = []
            for m in slots:
                place = z3.And(active, z3.Not(m.items[0]), used)
                placed.append(sv.ite(place, message, m))
                used = z3.And(used, m.items[0])
            full.append(z3.And(active, used))
            slots = placed
        return Bag(tuple(slots)), full

    def _queue(self, q: Queue, taken, ports, act) -> tuple[Queue, list]:
        at = z3.IntVal(-1)
        for a, where in reversed(taken):
            at = z3.If(act == a, z3.IntVal(where), at)
        gone = at >= 0
        padded = q.slots + (empty_message(self.shape),)
        slots = [sv.ite(z3.And(gone, at <= j), padded[j + 1], padded[j]) for j in range(len(q.slots))]
        length = q.length - z3.If(gone, 1, 0)
        full = []
        for active, message in ports:
            full.append(z3.And(active, length >= len(slots)))
            slots = [sv.ite(z3.And(active, length == j), message, m) for j, m in enumerate(slots)]
            length = length + z3.If(active, 1, 0)
        return Queue(length, tuple(slots)), full

    # -------------------------------------------------- what is bad in a state

    def invariant(self, prop: ir.Property, i: int) -> tuple[z3.BoolRef, z3.BoolRef]:
        """(the invariant holds in copy i, evaluating it fails); for `check linearizable`,
        (some linearization explains the history of copy i, false); for durability and the
        session guarantees, (the explicit watcher has no violation in copy i, false)."""
        if prop.kind == kinds.LINEARIZABLE.name:
            from checker.smt.lin import non_linearizable
            s = self.states[i]
            table = s.slots[requests_slot(self.shape)]  # type: ignore[index]
            return z3.Not(non_linearizable(self.shape.lin, s.slots[self.shape.monitor], table)), z3.BoolVal(False)
        if prop.kind in self.shape.histories:
            from checker.smt.sessions import violated
            s = self.states[i]
            table = s.slots[requests_slot(self.shape)]  # type: ignore[index]
            return z3.Not(violated(prop.kind, self.shape.effects, s.slots[self.shape.monitor], table)), z3.BoolVal(False)
        errors: list = []
        holds = self.x.truth(prop.expr, Env(self.states[i], None, {}, z3.BoolVal(True), errors))  # type: ignore[arg-type]
        return holds, sv.disj(errors)

    def failing(self, i: int) -> z3.BoolRef:
        """Computing the successors of copy i, or an invariant there, fails at run time."""
        errors = [e for a in self._actions(i) for e in a.errors]
        for p in self.shape.program.properties:
            if p.kind == kinds.INVARIANT.name:
                errors.append(self.invariant(p, i)[1])
        return sv.disj(errors)

    def decides(self, prop: ir.Property) -> bool:
        """Whether this engine decides `prop`: invariants, `check linearizable` when the
        object could be tabulated, and the session checks smt/sessions.py decides."""
        return prop.kind == kinds.INVARIANT.name or prop.kind in self.shape.histories

    def bad(self, prop: ir.Property, i: int) -> z3.BoolRef:
        """A run of i steps breaks `prop`: here, the invariant is false in copy i (lasso.py
        adds the liveness checks)."""
        return z3.Not(self.invariant(prop, i)[0])

    # -------------------------------------------------- the search

    def run(self, props: list[ir.Property]) -> BmcResult:
        """Look for runs that break `props`, depth by depth up to the bound: every run of d
        steps is ruled out (or one found) before d + 1. Stops early, with `reason`, when
        the budget runs out or Z3 answers unknown."""
        out = BmcResult()
        try:
            return self._run(props, out)
        except Stopped as stop:
            out.reason = stop.reason
            return out

    def _run(self, props: list[ir.Property], out: BmcResult) -> BmcResult:
        left = list(props)
        for d in range(self.depth + 1):
            if d > 0:
                self._extend()
                if self._check(self.overflows[d - 1]) is Outcome.SAT:
                    raise InternalError(f"a network slot of the SMT encoding overflowed at step {d} "
                                        f"(capacity {self.shape.capacity})")
            if self._check(self.failing(d)) is Outcome.SAT:
                out.found.append(self._found(None))
                out.depth = d
                return out
            if out.reason:
                return out
            for p in list(left):
                bad = self.bad(p, d)
                answer = self._check(bad)
                if answer is Outcome.SAT:
                    if Bmc.decides(self, p):   # lasso.py's checks keep the run they found
                        params.lowest(self.shape.program, lambda f: self._check(f) is Outcome.SAT,
                                      lambda: self._model, bad)
                    out.found.append(self._found(p))
                    left.remove(p)
                elif answer is Outcome.UNKNOWN:
                    out.reason = self._reason
                    return out
            out.depth = d
            if not left:
                return out
        return out

    _reason: str = "unknown"

    def _check(self, bad: z3.BoolRef) -> Outcome:
        """Whether some run of the current depth satisfies `bad`; a SAT answer's model is
        kept in `_model`, an UNKNOWN's reason in `_reason`. Raises Stopped when the budget
        runs out, before or during the check (Z3 is told the time left, and interrupted by
        a stop request)."""
        if z3.is_false(z3.simplify(bad)):
            return Outcome.UNSAT
        self.budget.check()
        with self.solver.scope():
            self.solver.add(bad)
            with self.budget.interrupting(self.solver.ctx.interrupt):
                answer = self.solver.check(timeout=self.budget.remaining())
            if answer.outcome is Outcome.UNKNOWN:
                self.budget.check()   # Z3 stopped because the budget ran out
            if answer.model is not None:
                self._model = answer.model.raw
                if self.shape.unbounded:
                    self._model = self._canonical(self._model)
            elif answer.outcome is Outcome.UNKNOWN:
                self._reason = answer.reason or "unknown"
            return answer.outcome

    def _canonical(self, model: z3.ModelRef) -> z3.ModelRef:
        """For an object of `values = int`: the same query's model with the requests'
        integers renamed 1, 2, 3, ... in the order the run first uses them (the spec's own
        values, params.seed, kept), when that is still a run that breaks the property; else
        `model`. The steps are pinned as well as every argument the run uses (a seed value
        too), so the new model is the same run with other integers, not another run that
        may use an argument left free. Whatever the solver's state, a run is then reported
        with the same values."""
        seed = params.seed(self.shape.program)
        order: list[int] = []
        for state in (decode(self.shape, model, s) for s in self.states):
            for k in sorted(state):
                self._integers_of(k, state[k], order)
        order = [v for v in order if v not in seed]
        fresh = (n for n in itertools.count(1) if n not in seed)
        renamed = {v: next(fresh) for v in order}
        if all(a == b for a, b in renamed.items()):
            return model
        used = set(order) | seed
        pins = [act == model.eval(act, model_completion=True) for act in self.acts]
        for term in self.shape.arguments():
            got = model.eval(term, model_completion=True).as_long()
            if got in used:
                pins.append(term == renamed.get(got, got))
        with self.solver.scope():
            self.solver.add(*pins)
            answer = self.solver.check()
            return answer.model.raw if answer.model is not None else model

    # -------------------------------------------------- back to the explicit engine

    def instance(self, values: params.Values, data: frozenset | None = None) -> Model:
        """The explicit model with these values of the symbolic constants and, for an
        object of `values = int`, these object values (`model` itself for a spec without
        either)."""
        if (values, data) not in self._instances:
            self._instances[(values, data)] = self.parameters.at(dict(values), data)  # type: ignore[union-attr]
        return self._instances[(values, data)]

    def _found(self, prop: ir.Property | None) -> Found:
        values = params.values(self._model, self.shape.program)
        decoded = [decode(self.shape, self._model, s) for s in self.states]
        data = self._data(decoded) if self.shape.unbounded else None
        return Found(prop, self._path(self.instance(values, data), decoded), values, data)

    def _data(self, decoded: list[dict[int, object]]) -> frozenset:
        """Every integer of the object's values the run uses: the seed (params.seed), the
        requests' arguments and the integers the nodes hold and send."""
        found = list(params.seed(self.shape.program))
        for state in decoded:
            for k, v in state.items():
                self._integers_of(k, v, found)
        return frozenset(found)

    def _integers_of(self, k: int, v: object, found: list) -> None:
        """Add to `found` (in order, once each) the object's integers in slot k's explicit value `v`: a node's
        variables, a client's pending request, the messages in flight."""
        slot = self.shape.layout.slots[k]
        if slot.kind == "var":
            _integers(v, self.shape.var_type(slot.node, slot.name), found)
        elif slot.kind == "client" and v[1] != NONE:  # type: ignore[index]
            _, op, args, _ = v[1]  # type: ignore[index]
            params = self.shape.program.object.ops[op].params  # type: ignore[union-attr]
            _integers(args, TupleT(tuple(t for _, t in params)), found)
        elif slot.kind in ("inbox", "link"):
            for m in v:  # type: ignore[attr-defined]
                fields = self.shape.messages[m[0]].fields
                _integers(m[len(m) - len(fields):], TupleT(tuple(t for _, t in fields)), found)

    def _path(self, explicit: Model, decoded: list[dict[int, object]]) -> tuple[int, ...]:
        """The explicit path in `explicit` of the run the last satisfying model describes
        (`decoded`: its states)."""
        model = self._model
        state = explicit.init_states()[0]
        if not self._fits(state, decoded[0]):
            raise InternalError("the SMT encoding's initial state differs from the explicit one")
        path = [0]
        for i in range(1, len(self.states)):
            options = explicit.labeled(state)
            found = next((a for a, (_, t) in enumerate(options) if self._fits(t, decoded[i])), None)
            if found is None:
                what = self.actions[i - 1][model.eval(self.acts[i - 1]).as_long()].what
                raise InternalError(f"step {i} of a run the SMT engine found ('{what}') is no step of the "
                                    f"explicit semantics")
            path.append(found)
            state = options[found][1]
        return tuple(path)

    def _fits(self, state: tuple, decoded: dict[int, object]) -> bool:
        return all(state[k] == v for k, v in decoded.items())



def _integers(v: object, t, found: list) -> None:
    """Add to `found` (in order, once each) the unbounded integers (an object's `values =
    int`) in the explicit value `v` of IR type `t`."""
    match t:
        case IntT() if not t.bounded:
            if v not in found:
                found.append(v)
        case OptionT(inner=inner) if v != NONE:
            _integers(v, inner, found)
        case TupleT(elems=elems):
            for x, e in zip(v, elems):  # type: ignore[call-overload]
                _integers(x, e, found)
        case RecordT(fields=fs):
            for x, (_, e) in zip(v, fs):  # type: ignore[call-overload]
                _integers(x, e, found)
