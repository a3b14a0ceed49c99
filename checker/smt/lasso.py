"""Lasso-shaped search for `check available` and `check converges`: bounded model checking
(bmc.py) of runs s0 .. sk (k up to the depth) whose end shows that a fair continuation never
reaches the good outcome, in the terms of the explicit engine's checks (explore/liveness.py).

A *continuation step* is a node's step (a handler of one node with one message, request,
timeout or action) or a paused node resuming; for `converges` also a cut healing. Faults,
invocations and clients giving up are not. Every continuation step has a fairness class
(`Action.fair`, steps.py): the handler and node, with the message taken or the request
handled, as the explicit engine's step labels have them. The bad endings of a run of k
steps, for `available`, with client c's request waiting at an up node:

- **dead end**: in sk the request waits at an up node and no continuation step is enabled;
- **error reply**: in s(k-1) it waits at an up node, and the last step, a continuation
  step, answers it with an error;
- **loop**: in sj (j < k) it waits at an up node, sk is sj again (the state as the explicit
  engine has it: a bag of messages as a multiset, a client's or request's fields only while
  it waits), every step from j on is a continuation step, and the loop is fair: every class
  enabled in every state of the loop (sj .. s(k-1)) is taken by one of its steps. The
  classes enabled in all of them are enabled in sk = sj, so the candidates are the classes
  of sk's steps; one is enabled in s_i when a step of s_i with its key is enabled with an
  equal payload. Since no continuation step invokes or drops an operation, and an answer
  leaves the client idle for good, the request waits in every state of the loop.

Starting the continuation at the ending (sk, s(k-1), sj) loses nothing: a request waiting
at an up node at an earlier state of a continuation still waits there later. For
`converges`: a dead end (heals included) where two up replicas differ on a `replicated`
variable, or a fair loop whose first state sj has them differ.

Depths are tried in increasing order, as for invariants, so the first lasso found is one of
the fewest steps in all (stem and loop together; the explicit engine measures its shortest
by the stem alone, so the two may differ in length). What the solver finds is recorded as an
`Ending` (the kind, where the continuation and the loop start, the client) and the run as an
explicit path; checker/analysis/verify.py replays it and re-checks the ending concretely
(liveness.check_lasso) before anything is shown. No lasso within the depth is UNKNOWN,
never HOLDS: a longer run may still end in one.

Known limit: two states are the same only when their node variables are equal slot by slot
as encoded (canonical values), so a loop is found exactly when the explicit engine would
close it; bags are compared as multisets, which costs a quadratic number of message
comparisons per inbox and loop start.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from checker.errors import InternalError
from checker.props import kinds
from checker.semantics import ir
from checker.smt import symbolic as sv
from checker.smt.bmc import Bmc
from checker.smt.solver import Outcome
from checker.smt.state import Bag, Queue, SymState, requests_slot, slot_equal
from checker.smt.steps import Action

AVAILABLE = kinds.AVAILABLE.name
CONVERGES = kinds.CONVERGES.name
CONTINUES = {AVAILABLE: ("step", "resume"), CONVERGES: ("step", "resume", "heal")}


@dataclass(frozen=True)
class Ending:
    """How a lasso found by the solver ends: `kind` ("dead end", "error reply" or "loop"),
    the state the continuation starts in (`start`, a step number: the state after that many
    steps), the state the loop returns to (`loop`; None unless a loop) and the client whose
    request is never answered (None for `converges`)."""

    kind: str
    start: int
    loop: int | None
    client: int | None


class Lassos(Bmc):
    """BMC of invariants (Bmc) and of the two liveness checks. `endings` maps the name of
    each liveness property a run was found for to how that run ends."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.endings: dict[str, Ending] = {}
        self._asking: tuple[ir.Property, list] | None = None
        self._cont: dict[tuple, list[tuple[int, Action]]] = {}
        self._loops_at: dict[tuple, list[tuple[int, z3.BoolRef]]] = {}
        self.equal = Equality()

    def decides(self, prop: ir.Property) -> bool:
        if prop.kind in CONTINUES:
            return self.shape.program.clocks is None   # time's ticks are not encoded as continuations
        return super().decides(prop)

    def bad(self, prop: ir.Property, i: int) -> z3.BoolRef:
        if prop.kind not in CONTINUES:
            return super().bad(prop, i)
        parts = list(self._available(i) if prop.kind == AVAILABLE else self._converges(i))
        self._asking = (prop, parts)
        return sv.disj([f for f, _ in parts])

    def _check(self, bad: z3.BoolRef) -> Outcome:
        answer = super()._check(bad)
        asking, self._asking = self._asking, None
        if answer is Outcome.SAT and asking is not None:
            prop, parts = asking
            model = self._model
            found = next((e for f, e in parts if z3.is_true(model.eval(f, model_completion=True))), None)
            if found is None:
                raise InternalError(f"the solver's lasso for '{prop.name}' satisfies none of its endings")
            self.endings[prop.name] = found
        return answer

    # -------------------------------------------------- the bad endings of a run of k steps

    def _available(self, k: int):
        kinds = CONTINUES[AVAILABLE]
        loops = self._loops(k, kinds)
        for c in range(self.shape.clients):
            self.budget.check()
            yield z3.And(self._waiting_up(c, k), self._dead_end(k, kinds)), Ending("dead end", k, None, c)
            if k > 0:
                yield (z3.And(self._waiting_up(c, k - 1), self._error_reply(c, k - 1, kinds)),
                       Ending("error reply", k - 1, None, c))
            for j, loop in loops:
                yield z3.And(self._waiting_up(c, j), loop), Ending("loop", j, j, c)

    def _converges(self, k: int):
        kinds = CONTINUES[CONVERGES]
        yield z3.And(self._differ(k), self._dead_end(k, kinds)), Ending("dead end", k, None, None)
        for j, loop in self._loops(k, kinds):
            yield z3.And(self._differ(j), loop), Ending("loop", j, j, None)

    def _continuing(self, i: int, kinds: tuple[str, ...]) -> list[tuple[int, Action]]:
        """The continuation steps among copy i's actions, with their numbers."""
        key = (kinds, i)
        if key not in self._cont:
            self._cont[key] = [(a, x) for a, x in enumerate(self._actions(i))
                               if x.fair is not None and x.fair[0][0] in kinds]
        return self._cont[key]

    def _dead_end(self, i: int, kinds) -> z3.BoolRef:
        return z3.Not(sv.disj([x.enabled for _, x in self._continuing(i, kinds)]))

    def _waiting_up(self, c: int, i: int) -> z3.BoolRef:
        """Client c's request waits in copy i at a node that is up."""
        s = self.states[i]
        _, waiting, _, _, at = s.slots[self.shape.layout.env("client", node=c)].items  # type: ignore[union-attr]
        return sv.conj([waiting, sv.disj([sv.conj([at == g, z3.Not(s.down(g))]) for g in self.shape.gids])])

    def _error_reply(self, c: int, i: int, kinds) -> z3.BoolRef:
        """Step i is a continuation step that answers client c with an error."""
        act = self.acts[i]
        return sv.disj([sv.conj([act == a, sv.disj([cond for who, cond, error in x.replies if who == c and error])])
                        for a, x in self._continuing(i, kinds)])

    def _loops(self, k: int, kinds) -> list[tuple[int, z3.BoolRef]]:
        """For each j < k: sk is sj, the steps from j on are continuation steps, and the
        loop they make is fair."""
        if (kinds, k) not in self._loops_at:
            self._loops_at[kinds, k] = self._make_loops(k, kinds) if k > 0 else []
        return self._loops_at[kinds, k]

    def _make_loops(self, k: int, kinds) -> list[tuple[int, z3.BoolRef]]:
        steps = [sv.disj([self.acts[i] == a for a, _ in self._continuing(i, kinds)]) for i in range(k)]
        classes = self._classes(k, kinds)
        out = []
        along = z3.BoolVal(True)
        for j in reversed(range(k)):
            self.budget.check()
            along = sv.conj([steps[j], along])
            fair = sv.conj([z3.Implies(sv.conj([enabled] + [e for e, _ in rows[j:]]), sv.disj([t for _, t in rows[j:]]))
                         for enabled, rows in classes])
            out.append((j, sv.conj([along, self.equal.states(self.states[j], self.states[k]), fair])))
        return out[::-1]

    def _classes(self, k: int, kinds) -> list[tuple[z3.BoolRef, list[tuple[z3.BoolRef, z3.BoolRef]]]]:
        """For each class of copy k's continuation steps (a key and a payload, the steps
        that share both taken together): when one of them is enabled, and per earlier copy
        i, (a step of the class is enabled in copy i, step i takes one)."""
        out = []
        for key, payload, enabled, _ in self._groups(k, kinds):
            rows = []
            for i in range(k):
                self.budget.check()
                same = [(able, taken, self.equal.values(payload, other))
                        for key2, other, able, taken in self._groups(i, kinds) if key2 == key]
                rows.append((sv.disj([sv.conj([able, eq]) for able, _, eq in same]),
                             sv.disj([sv.conj([taken, eq]) for _, taken, eq in same])))
            out.append((enabled, rows))
        return out

    def _groups(self, i: int, kinds) -> list[tuple[tuple, tuple, z3.BoolRef, z3.BoolRef]]:
        """Copy i's continuation steps grouped by the fairness class they name in the same
        terms (key, payload): per group, whether one is enabled, whether step i takes one."""
        memo = (kinds, i, i < len(self.acts))   # whether step i is there yet
        if memo not in self._cont:
            groups: dict[tuple, list] = {}
            for a, x in self._continuing(i, kinds):
                groups.setdefault((x.fair[0], id(x.fair[1])), [x.fair, []])[1].append((a, x))  # type: ignore[index]
            self._cont[memo] = [
                (fair[0], fair[1], sv.disj([x.enabled for _, x in xs]),
                 sv.disj([self.acts[i] == a for a, _ in xs]) if i < len(self.acts) else None)
                for fair, xs in groups.values()]
        return self._cont[memo]  # type: ignore[return-value]

    def _differ(self, i: int) -> z3.BoolRef:
        """Two up nodes of copy i differ on a replicated variable."""
        s, lay = self.states[i], self.shape.layout
        parts = []
        for role in self.shape.program.roles:
            for v in role.vars:
                if not v.replicated:
                    continue
                places = [(n.gid, s.slots[lay.var(n.gid, v.name)]) for n in role.ids]
                parts += [sv.conj([z3.Not(s.down(g)), z3.Not(s.down(h)), z3.Not(slot_equal(x, y))])
                          for n, (g, x) in enumerate(places) for h, y in places[n + 1:]]
        return sv.disj(parts)


# ------------------------------------------------------------------ equal states


class Equality:
    """Equality of copies of the state and of their parts, each pair of messages compared
    once (the loops of every length and start share them)."""

    def __init__(self) -> None:
        self._memo: dict[tuple[int, int], z3.BoolRef] = {}
        self._keep: list = []     # what the memo's ids refer to, kept alive

    def values(self, a: tuple, b: tuple) -> z3.BoolRef:
        """Two tuples of symbolic values (message fields, payloads) are equal."""
        key = (id(a), id(b))
        if key not in self._memo:
            self._keep += [a, b]
            self._memo[key] = sv.conj([x == y if z3.is_expr(x) else sv.eq(x, y, None) for x, y in zip(a, b)])
        return self._memo[key]

    def states(self, a: SymState, b: SymState) -> z3.BoolRef:
        """Whether two copies hold the same explicit state (on the slots the encoding
        keeps): fields that mean nothing (a client's request while it is idle, an
        answered request's invocation, the order of a bag's messages) are not compared."""
        shape = a.shape
        table = requests_slot(shape)
        parts = []
        for k in shape.compared:
            x, y, kind = a.slots[k], b.slots[k], shape.layout.slots[k].kind
            if x is None:
                continue
            if kind == "client":
                (n, w, *rest), (n2, w2, *rest2) = x.items, y.items  # type: ignore[union-attr]
                parts += [n == n2, w == w2, z3.Implies(w, sv.conj([p == q for p, q in zip(rest, rest2)]))]
            elif k == table:
                for r1, r2 in zip((r for row in x for r in row), (r for row in y for r in row)):  # type: ignore[union-attr]
                    (at, inv), (at2, inv2) = r1.items, r2.items
                    parts += [at == at2, z3.Implies(at >= 0, inv == inv2)]
            elif isinstance(x, Queue):
                parts += [x.length == y.length] + [z3.Implies(p < x.length, self._message(m, m2))  # type: ignore[union-attr]
                                                   for p, (m, m2) in enumerate(zip(x.slots, y.slots))]  # type: ignore[union-attr]
            elif isinstance(x, Bag):
                parts.append(self._set(x, y) if shape.mode == "duplicating" else self._multiset(x, y))  # type: ignore[arg-type]
            else:
                parts.append(slot_equal(x, y))
        return sv.conj(parts)

    def _message(self, m: sv.Tup, m2: sv.Tup) -> z3.BoolRef:
        """Two messages in flight are equal (their number, source and fields; a message's
        slot holds the default value of every field its type does not have)."""
        return self.values(m.items, m2.items)

    def _count(self, m: sv.Tup, bag: Bag) -> z3.ArithRef:
        return _sum([sv.conj([x.items[0], self._message(m, x)]) for x in bag.slots])

    def _multiset(self, a: Bag, b: Bag) -> z3.BoolRef:
        """As many messages in each, and each of a's as often in b as in a."""
        size = _sum([m.items[0] for m in a.slots]) == _sum([m.items[0] for m in b.slots])
        return sv.conj([size] + [z3.Implies(m.items[0], self._count(m, a) == self._count(m, b)) for m in a.slots])

    def _set(self, a: Bag, b: Bag) -> z3.BoolRef:
        def within(x: Bag, y: Bag) -> list:
            return [z3.Implies(m.items[0], sv.disj([sv.conj([n.items[0], self._message(m, n)]) for n in y.slots]))
                    for m in x.slots]
        return sv.conj(within(a, b) + within(b, a))


# z3's Python Sum checks and coerces every argument, which costs more than the solving on
# these many small formulas (sv.conj and sv.disj build through the C API for that reason too).

def _sum(bits: list) -> z3.ArithRef:
    """How many of `bits` hold."""
    ctx = bits[0].ctx
    one, zero = z3.IntVal(1, ctx), z3.IntVal(0, ctx)
    # each new term wrapped at once: a bare Ast has no reference and may be freed
    terms = [z3.ArithRef(z3.Z3_mk_ite(ctx.ref(), b.as_ast(), one.as_ast(), zero.as_ast()), ctx) for b in bits]
    if len(terms) == 1:
        return terms[0]
    return z3.ArithRef(z3.Z3_mk_add(ctx.ref(), len(terms), (z3.Ast * len(terms))(*(t.as_ast() for t in terms))), ctx)
