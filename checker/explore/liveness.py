"""Liveness over the explored state graph: `check available` and `check converges`.

Both ask what happens once the faults stop: from a reachable state, with no further faults
and no new client operations, does every *fair* continuation reach the good outcome?

- **available** (Gilbert & Lynch): a request waiting at an up node is eventually answered
  with a non-error response, even if no partition ever heals. The continuation takes the
  nodes' steps (deliveries, requests, timeouts, actions) and resumes of paused nodes;
  partitions and cut links stay as they are.
- **converges** (eventual consistency): healing and fair delivery lead to all up replicas
  agreeing on every `replicated` variable, for good. The continuation also heals cuts.

A continuation is fair when every fairness class (one node step: a handler of one node with
one message or request, or one timeout or action of a node; one heal; one resume)
enabled in every state from some point on is eventually taken: weak fairness. A finite
graph has a fair run that stays inside a strongly connected component C forever exactly
when every class enabled in all states of C has an edge inside C; so the bad endings are
dead ends (no continuation step at all) and the states of such *fair* components.

- available is violated when some reachable state with a client's request waiting at an up
  node can reach, through continuation steps, a bad ending where the request is still
  unanswered, or a step answering it with an error. Continuation steps neither invoke nor
  abandon operations, so a request pending in one state of a component is pending in all.
- converges is violated by a reachable dead end where up replicas differ, or a fair
  component containing a state where they differ (the run may return there forever).

The graph keeps every state, so these checks need memory in proportion to the states;
bounds hit while building it leave the verdict UNKNOWN unless a violation was found among
the fully expanded states (a dead end, a component and its fairness are known exactly once
all their states are expanded). The checks run under the command's `Budget`
(checker/resources.py): each loop over the graph looks at it every thousand steps or so,
and `Stopped` ends the analysis (the verdicts are then UNKNOWN).
"""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass
from typing import Callable

from checker.errors import InternalError
from checker.model import values
from checker.model.clients import ClientText, is_error_reply
from checker.props import kinds
from checker.resources import UNBOUNDED, Budget
from checker.result import Lasso

AVAILABLE = kinds.AVAILABLE.name
CONVERGES = kinds.CONVERGES.name

# continuation membership of an edge, as bits
_NODE = 1       # a node's step, or a paused node resuming: in both continuations
_HEAL = 2       # a cut healing: only when checking convergence


def edge_kind(core: tuple) -> int:
    """Which continuations a step with label `core` belongs to: node steps (their label
    starts with the handler's index), resumes and ticks of time in both, heals in
    convergence's only.
    Everything else is a fault or a client's step, in neither."""
    head = core[0]
    if isinstance(head, int) or head in ("resume", "tick"):
        return _NODE
    return _HEAL if head == "heal" else 0


_MASKS = {AVAILABLE: _NODE, CONVERGES: _NODE | _HEAL}


def continues(kind: str, core: tuple) -> bool:
    """Whether a step with label `core` belongs to the continuation of check `kind`
    (`available` or `converges`)."""
    return bool(edge_kind(core) & _MASKS[kind])


class Graph:
    """The explored graph, as the search builds it. For every state by number, the slots of
    it the checks read (`kept`: a tuple of the values of `slots`), and for each expanded
    state its continuation edges, each `(target, fairness class, kind, clients answered
    with an error as a bitmask, action index)`, stored flat (five ints an edge, one tuple a
    state: the graph is what liveness checks pay for in memory). Unexpanded states (cut by
    a bound) have `edges` None."""

    def __init__(self, slots: tuple[int, ...] = ()) -> None:
        self.slots = slots
        self.position = {k: i for i, k in enumerate(slots)}
        self.kept: list[tuple] = []
        self.edges: list[tuple | None] = []
        self.classes: dict[tuple, int] = {}

    def add_state(self, state: tuple) -> None:
        self.kept.append(tuple(state[k] for k in self.slots))
        self.edges.append(None)

    def value(self, num: int, slot: int) -> object:
        """Slot `slot` (one of `slots`) of state `num`."""
        return self.kept[num][self.position[slot]]

    def expand(self, num: int, out: list[tuple]) -> None:
        self.edges[num] = tuple(x for edge in out for x in edge)

    def edge_list(self, num: int) -> list[tuple]:
        """The edges of an expanded state as 5-tuples."""
        e = self.edges[num] or ()
        return list(zip(e[0::5], e[1::5], e[2::5], e[3::5], e[4::5]))

    def klass(self, core: tuple) -> int:
        return self.classes.setdefault(core, len(self.classes))

    def action(self, a: int, b: int) -> int:
        """The action index of the first continuation step from state a to state b."""
        return min(i for t, _, k, _, i in self.edge_list(a) if t == b and k)


class Recorder:
    """The search's visitor (explore/search.py `Visitor`) that builds the Graph of a model:
    every new state's kept slots, and every expanded state's continuation edges."""

    def __init__(self, model) -> None:
        self.graph = Graph(kept_slots(model))
        self.replies = model.program.clients is not None

    def add_state(self, state: tuple) -> None:
        self.graph.add_state(state)

    def expanded(self, num: int, labels: tuple, targets: list[int]) -> None:
        graph, edges = self.graph, []
        for i, (label, n) in enumerate(zip(labels, targets)):
            core, events = label if self.replies else (label, ())
            kind = edge_kind(core)
            if kind:
                errors = sum(1 << h[0] for h, op, result in events if op >= 0 and is_error_reply(result))
                edges.append((n, graph.klass(core), kind, errors, i))
        graph.expand(num, edges)


@dataclass(frozen=True)
class Counterexample:
    """A lasso in the graph: `states`, the continuation's states by number (the first,
    `start`, ends the stem: the run to it comes from the search tree); how it ends
    (`ending`: "loop" back to `states[loop]`, "dead end" or "error reply"); and what it is
    about (`subject`, a sentence)."""

    start: int
    states: tuple[int, ...]
    loop: int | None
    ending: str
    subject: str


class _View:
    """One continuation (a mask of edge kinds) over a graph, with its components. Every
    loop over the graph looks at `budget` (raises Stopped)."""

    def __init__(self, graph: Graph, mask: int, budget: Budget = UNBOUNDED) -> None:
        self.budget = budget
        self.flat: list[tuple[int, ...] | None] = []
        for num, e in enumerate(graph.edges):
            budget.every(num)
            self.flat.append(None if e is None else
                             tuple(x for t, c, k in zip(e[0::5], e[1::5], e[2::5]) if k & mask for x in (t, c)))
        self.comp = _components(self.flat, budget)
        self.fair = self._fair_components()

    def dead_end(self, num: int) -> bool:
        return self.flat[num] == ()

    def out(self, num: int) -> list[tuple[int, int]]:
        """The continuation edges of a state as (target, class) pairs; [] if unexpanded."""
        e = self.flat[num] or ()
        return list(zip(e[0::2], e[1::2]))

    def _fair_components(self) -> set[int]:
        """The components a fair run can stay in forever (see the module docstring)."""
        always: dict[int, set[int]] = {}
        taken: dict[int, set[int]] = {}
        cyclic: set[int] = set()
        for num, flat in enumerate(self.flat):
            self.budget.every(num)
            if flat is None:
                continue
            out = list(zip(flat[0::2], flat[1::2]))
            c = self.comp[num]
            if c < 0:
                continue
            enabled = {k for _, k in out}
            always[c] = enabled if c not in always else always[c] & enabled
            inside = taken.setdefault(c, set())
            for t, k in out:
                if self.comp[t] == c:
                    inside.add(k)
                    cyclic.add(c)
        return {c for c in cyclic if always[c] <= taken[c]}

    def in_fair_component(self, num: int) -> bool:
        return self.comp[num] >= 0 and self.comp[num] in self.fair

    # -------------------------------------------------- paths

    def path(self, start: int, goal, within=None) -> list[int]:
        """The shortest continuation path (state numbers, `start` first) from `start` to a
        state for which `goal(num)` holds, staying in states where `within(num)` holds.
        Deterministic: edges are tried in their order in the graph."""
        parent = {start: -1}
        queue = deque([start])
        while queue:
            self.budget.every(len(parent))
            n = queue.popleft()
            if goal(n):
                out = []
                while n >= 0:
                    out.append(n)
                    n = parent[n]
                return out[::-1]
            for t, _ in self.out(n):
                if t not in parent and (within is None or within(t)):
                    parent[t] = n
                    queue.append(t)
        raise AssertionError("no path to a state the graph search said was reachable")

    def fair_cycle(self, entry: int) -> list[int]:
        """A cycle from `entry` back to it inside its (fair) component that is itself fair:
        for every class enabled somewhere in the component it takes an edge of that class
        or passes a state where the class is disabled. States, `entry` first and last."""
        c = self.comp[entry]
        inside = lambda n: self.comp[n] == c  # noqa: E731
        cycle = [entry]
        for k in sorted({k for n in self._members(c) for _, k in self.out(n)}):
            if self._witnessed(cycle, k):
                continue
            cycle += self.path(cycle[-1], lambda n, k=k: k not in self._enabled(n) or any(
                x == k and inside(t) for t, x in self.out(n)), inside)[1:]
            last = cycle[-1]
            if k in self._enabled(last):
                cycle.append(min(t for t, x in self.out(last) if x == k and inside(t)))
        if cycle[-1] != entry:
            cycle += self.path(cycle[-1], lambda n: n == entry, inside)[1:]
        return cycle

    def _enabled(self, num: int) -> set[int]:
        return {k for _, k in self.out(num)}

    def predecessors(self) -> dict[int, list[int]]:
        preds: dict[int, list[int]] = {}
        for num, flat in enumerate(self.flat):
            self.budget.every(num)
            for t in (flat or ())[0::2]:
                preds.setdefault(t, []).append(num)
        return preds

    def _members(self, c: int) -> list[int]:
        return [n for n, x in enumerate(self.comp) if x == c]

    def _witnessed(self, cycle: list[int], k: int) -> bool:
        """Whether the cycle so far takes class k or passes a state where k is disabled."""
        for a, b in zip(cycle, cycle[1:]):
            if any(t == b and x == k for t, x in self.out(a)):
                return True
        return any(k not in self._enabled(n) for n in cycle)


def _components(out: list, budget: Budget = UNBOUNDED) -> list[int]:
    """Strongly connected components (Tarjan, iterative) of the expanded states, given as
    flat (target, class, ...) tuples; -1 for states not expanded. Component numbers are in
    the order Tarjan completes them. Looks at `budget` once per state (raises Stopped)."""
    n = len(out)
    index = [-1] * n
    low = [0] * n
    comp = [-1] * n
    on_stack = bytearray(n)
    stack: list[int] = []
    counter = 0
    ncomp = 0
    for root in range(n):
        if index[root] >= 0 or out[root] is None:
            continue
        budget.every(counter)
        work = [(root, 0)]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = 1
        while work:
            v, i = work[-1]
            edges = out[v]
            if i < len(edges):
                work[-1] = (v, i + 2)
                w = edges[i]
                if out[w] is None:
                    continue
                if index[w] < 0:
                    budget.every(counter)
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = 1
                    work.append((w, 0))
                elif on_stack[w] and index[w] < low[v]:
                    low[v] = index[w]
                continue
            work.pop()
            if work:
                u = work[-1][0]
                if low[v] < low[u]:
                    low[u] = low[v]
            if low[v] == index[v]:
                while True:
                    w = stack.pop()
                    on_stack[w] = 0
                    comp[w] = ncomp
                    if w == v:
                        break
                ncomp += 1
    return comp


# ------------------------------------------------------------------ the two checks


def check_available(model, graph: Graph, depths, budget: Budget = UNBOUNDED) -> Counterexample | None:
    """The shortest (stem plus continuation) run in which a request waiting at an up node
    is never answered, or answered with an error; None if there is none among the
    expanded states. Raises Stopped when `budget` runs out."""
    down = model.layout.env("down")
    slots = [model.layout.env("client", node=c) for c in range(model.program.clients.count)]

    def waiting(slot: int) -> Callable[[int], bool]:
        return lambda n: graph.value(n, slot)[1] != values.NONE

    def at_up(slot: int) -> Callable[[int], bool]:
        return lambda n: down is None or not (graph.value(n, down) >> graph.value(n, slot)[1][3]) & 1

    found = find_unanswered(_View(graph, _MASKS[AVAILABLE], budget), graph, depths,
                            [(waiting(k), at_up(k)) for k in slots])
    if found is None:
        return None
    c, cx = found
    return dataclasses.replace(cx, subject=waiting_subject(model, c, graph.value(cx.start, slots[c])[1]))


def waiting_subject(model, c: int, pending: tuple) -> str:
    """What never happens in an availability counterexample: client c's `pending` request
    (as its slot holds it) waits at an up node and is not answered."""
    seq, op, args, at = pending
    call = ClientText(model.program, model.codec).call(op, args)
    return f"client[{c}]#{seq + 1} {call} waits at {model.node_name(at)}, which is up"


def find_unanswered(view: _View, graph: Graph, depths, clients: list) -> tuple[int, Counterexample] | None:
    """The core of `check_available`, over any graph: `clients[c]` is a pair of tests on
    state numbers, whether client c's request is pending and whether its node is up. The
    shortest lasso, as (client, Counterexample without a subject), or None.

    Continuation steps never start or drop a request, so in a model a request pending in
    a state was pending in every state before it on a continuation; the searches here keep
    to pending states all the same."""
    best: tuple[int, int, int] | None = None   # (length, client, state)
    preds: list[dict[int, list[int]]] = []     # computed once, when first needed
    for c, (pending, up) in enumerate(clients):
        for i, (num, d) in enumerate(_distances_to_bad(view, graph, c, pending, preds).items()):
            view.budget.every(i)
            key = (depths[num] + d, c, num)
            if up(num) and (best is None or key < best):
                best = key
    if best is None:
        return None
    length, c, start = best
    pending = clients[c][0]
    errs = lambda n: [t for t, _, k, e, _ in graph.edge_list(n) if k & _NODE and e >> c & 1]  # noqa: E731
    stem = view.path(start, lambda n: pending(n) and (view.dead_end(n) or view.in_fair_component(n) or bool(errs(n))),
                     within=pending)  # a dead end after the answer is no counterexample
    if len(stem) - 1 != length - depths[start]:
        raise InternalError("the continuation found is not the shortest the backward search measured")
    last = stem[-1]
    if errs(last):
        return c, Counterexample(start, tuple(stem) + (min(errs(last)),), None, "error reply", "")
    return c, _ending(view, start, stem, "")


def _distances_to_bad(view: _View, graph: Graph, c: int, pending: Callable[[int], bool],
                      preds_cache: list[dict[int, list[int]]]) -> dict[int, int]:
    """For client c: each expanded state where its request is pending that has a
    continuation to a bad ending (a dead end or fair component with the request still
    pending, or an error reply to it) through pending states, with the length of the
    shortest. Backward breadth-first search."""
    dist: dict[int, int] = {}
    queue: deque = deque()
    for num, edges in enumerate(graph.edges):
        view.budget.every(num)
        if edges is None or not pending(num):
            continue
        err = any(e >> c & 1 for e, k in zip(edges[3::5], edges[2::5]) if k & _NODE)
        if view.dead_end(num) or view.in_fair_component(num) or err:
            dist[num] = 0
            queue.append(num)
    if not queue:
        return dist
    if not preds_cache:
        preds_cache.append(view.predecessors())
    preds = preds_cache[0]
    while queue:
        view.budget.every(len(dist))
        n = queue.popleft()
        for p in preds.get(n, ()):
            if p not in dist and pending(p):
                dist[p] = dist[n] + 1
                queue.append(p)
    return dist


def check(kind: str, model, graph: Graph, depths, budget: Budget = UNBOUNDED) -> Counterexample | None:
    """The counterexample to `check KIND` (available or converges) on the graph, or None.
    Raises Stopped when `budget` runs out."""
    return (check_available if kind == AVAILABLE else check_converges)(model, graph, depths, budget)


def check_converges(model, graph: Graph, depths, budget: Budget = UNBOUNDED) -> Counterexample | None:
    """The shortest run to a state from which the fair continuation (heals included) never
    settles with the up replicas agreeing: a dead end where they differ, or a fair
    component where they differ somewhere; None if there is none. Raises Stopped when
    `budget` runs out."""
    view = _View(graph, _MASKS[CONVERGES], budget)
    replicas = Replicas(model)
    best: tuple[int, int] | None = None
    for num, edges in enumerate(graph.edges):
        budget.every(num)
        if edges is None or not (view.dead_end(num) or view.in_fair_component(num)):
            continue
        if replicas.differ(graph, num) and (best is None or (depths[num], num) < best):
            best = (depths[num], num)
    if best is None:
        return None
    start = best[1]
    return _ending(view, start, [start], "up replicas differ: " + replicas.difference(graph, start))


def _ending(view: _View, start: int, stem: list[int], subject: str) -> Counterexample:
    """The continuation from `start` along `stem`, finished by its bad ending: nothing more
    at a dead end, else a fair cycle back to the stem's last state."""
    if view.dead_end(stem[-1]):
        return Counterexample(start, tuple(stem), None, "dead end", subject)
    cycle = view.fair_cycle(stem[-1])
    return Counterexample(start, tuple(stem) + tuple(cycle[1:]), len(stem) - 1, "loop", subject)


def kept_slots(model) -> tuple[int, ...]:
    """The slots of a state the checks read: each client's, `down`, the replicated
    variables'."""
    slots = {model.layout.env("client", node=c) for c in range(model.program.clients.count)} \
        if model.program.clients is not None else set()
    return tuple(sorted(slots | Replicas(model).slots() | ({model.layout.env("down")} - {None})))


class Replicas:
    """The `replicated` variables of a program and whether the up nodes agree on them."""

    def __init__(self, model) -> None:
        self.model = model
        self.down = model.layout.env("down")
        self.groups = [(v.name, v.type, [(n.gid, model.layout.var(n.gid, v.name)) for n in role.ids])
                       for role in model.program.roles for v in role.vars if v.replicated]

    def slots(self) -> set[int]:
        """The slots these checks read."""
        return {k for _, _, places in self.groups for _, k in places} | ({self.down} - {None})

    def _up(self, graph: Graph, num: int, gid: int) -> bool:
        return self.down is None or not (graph.value(num, self.down) >> gid) & 1  # type: ignore[operator]

    def differ(self, graph: Graph, num: int) -> bool:
        return bool(self.difference(graph, num))

    def difference(self, graph: Graph, num: int) -> str:
        """The first replicated variable the up nodes disagree on in state `num`, with each
        node's value (`value: replica[0] = 1, replica[1] = 2`); empty when they agree."""
        for name, typ, places in self.groups:
            seen = [(g, graph.value(num, k)) for g, k in places if self._up(graph, num, g)]
            if len({v for _, v in seen}) > 1:
                shown = ", ".join(f"{self.model.node_name(g)} = {values.show(self.model.codec.decode(v, typ), typ)}"
                                  for g, v in seen)
                return f"{name}: {shown}"
        return ""


def lasso(cx: Counterexample, stem_length: int) -> Lasso:
    """The trace-level description of a counterexample whose stem has `stem_length` steps."""
    loop = None if cx.loop is None else stem_length + cx.loop
    return Lasso(stem_length, loop, cx.ending, cx.subject)


# ------------------------------------------------------------------ lassos found elsewhere


def check_lasso(model, kind: str, path, ending: str, start: int, loop: int | None, client: int | None) -> Lasso:
    """Judge concretely a lasso another engine found (the SMT engine: smt/lasso.py), on the
    run `path` encodes: from the state after `start` steps on only continuation steps of
    check `kind`, ending at the last state in a "dead end" (no continuation step enabled),
    an "error reply" (the last step answers with an error) or a "loop" back to the state
    after `loop` steps that is fair (every class enabled in all of the loop's states is
    taken by one of its steps); for `available`, client `client`'s request waits at an up
    node at `start` and stays unanswered (up to the error reply); for `converges`, up
    replicas differ at `start`. Returns the Lasso as this engine reports one, its start
    moved as early as the run allows (as the explicit search prefers); raises ValueError
    saying what does not hold."""
    states, labels = _run(model, path)
    core = (lambda label: label[0]) if model.program.clients is not None else (lambda label: label)
    k = len(states) - 1
    last = k - 1 if ending == "error reply" else k
    if not 0 <= start <= last or (ending == "loop") != (loop is not None) or (loop is not None and loop < start):
        raise ValueError(f"a {ending} continuing from step {start} of a run of {k} steps")
    for i in range(start, k):
        if not continues(kind, core(labels[i])):
            raise ValueError(f"step {i + 1} is no step of the continuation")
    steps = [[core(label) for label, _ in model.labeled(s) if continues(kind, core(label))] for s in states[start:]]
    if ending == "dead end" and steps[-1]:
        raise ValueError("the last state is no dead end: a continuation step is enabled")
    if ending == "loop":
        _check_loop(states, [core(x) for x in labels], steps[loop - start:-1], loop)  # type: ignore[operator]
    if kind == CONVERGES:
        return _replicas_differ(model, states[start], start, loop, ending)
    slot = model.layout.env("client", node=client)
    pending = states[start][slot][1]
    if pending == values.NONE or not _up(model, states[start], pending[3]):
        raise ValueError(f"no request of client[{client}] waits at an up node after step {start}")
    if any(s[slot][1] != pending for s in states[start:last + 1]):
        raise ValueError(f"client[{client}]'s request is answered before the lasso ends")
    if ending == "error reply" and not any(h[0] == client and op >= 0 and is_error_reply(result)
                                           for h, op, result in labels[-1][1]):
        raise ValueError(f"the last step gives client[{client}] no error reply")
    while start > 0 and continues(kind, core(labels[start - 1])) and states[start - 1][slot][1] == pending:
        start -= 1
    return Lasso(start, loop, ending, waiting_subject(model, client, pending))  # type: ignore[arg-type]


def _run(model, path) -> tuple[list[tuple], list]:
    """The states of the run `path` encodes, and the labels of its steps."""
    states = [model.init_states()[path[0]]]
    labels = []
    for a in path[1:]:
        label, state = model.labeled(states[-1])[a]
        states.append(state)
        labels.append(label)
    return states, labels


def _check_loop(states: list[tuple], cores: list, enabled: list[list], loop: int) -> None:
    """The run's last state is the one after `loop` steps, and the loop is fair: each class
    in `enabled` (per loop state, its continuation steps' classes) in all is taken."""
    if not loop < len(states) - 1 or states[-1] != states[loop]:
        raise ValueError(f"the run does not return to the state after step {loop}")
    always = set.intersection(*map(set, enabled))
    left = always - set(cores[loop:])
    if left:
        raise ValueError(f"the loop is unfair: {len(left)} class(es) enabled throughout are never taken")


def _up(model, state: tuple, gid: int) -> bool:
    down = model.layout.env("down")
    return down is None or not (state[down] >> gid) & 1


def _replicas_differ(model, state: tuple, start: int, loop: int | None, ending: str) -> Lasso:
    graph = Graph(kept_slots(model))
    graph.add_state(state)
    difference = Replicas(model).difference(graph, 0)
    if not difference:
        raise ValueError(f"the up replicas agree after step {start}")
    return Lasso(start, loop, ending, "up replicas differ: " + difference)
