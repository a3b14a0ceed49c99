"""Coverage (`--coverage`): how often each kind of step of a spec was enabled and fired.

`counting(model)` returns a copy of the model whose `successors` and `labeled` count, and
the `StepCounter` they count into; a search run on the copy is the same search (the same
states, in the same order: both functions return exactly what the model's own return),
and `StepCounter.coverage()` then gives the counts as a `result.Coverage`. Without
`--coverage` nothing is wrapped, so counting costs nothing when it is off.

What is counted. The rows are the step kinds as the spec names them (`coverage_rows`):
each declared handler, timeout and action, summed over the nodes of its role (so the
counts do not depend on which member of a symmetric set the search happened to expand);
an `on restart` handler has its own row, counting the restarts of its role's nodes;
each operation clients invoke, giving up, and each kind of fault or network step the
spec's budgets allow. A state counts once, the first time it is expanded (by its exact
fingerprint, not the symmetry key): the replays that rebuild counterexamples after the
search expand states again and must not count them twice. For each expanded state, each
of its steps adds one to `fired` of its row, and each row with at least one step there
adds one to `enabled`. A step is enabled when it produces a successor: a guard that
holds but a `require` that abandons every path is not enabled. Transitions are counted
as generated (to new states and to states already seen), as the search's `generated`
statistic counts them: over one complete search, the sum of `fired` plus the initial
states is `Stats.generated_states`.

Parallel searches (parallel.py). Each worker is a forked copy of the process, so it counts
the states it expands in its own copy of the StepCounter; the states the workers expand
are disjoint, so the coordinator adds what each counted since the fork (`add_since`). A
parallel run that stops early has expanded the whole level it stopped in, so its counts
may exceed those of a single-process run stopped at the same state.
"""

from __future__ import annotations

import copy
from typing import Callable, Hashable

from checker.model import Model
from checker.result import Coverage
from checker.semantics import ir

_CUT_KINDS = {1: "link", 2: "oneway"}   # the first field of a cut: (1, a, b) a link, (2, a, b) one way


def coverage_rows(model: Model) -> tuple[tuple[str, ...], tuple[int | None, ...], dict[Hashable, tuple[int, ...]]]:
    """The rows of a model's coverage: their names and spec lines, and for each step key
    (`step_key` of a step's label) the rows that step counts in. Deterministic: spec order
    for handlers, then client steps, then faults in the order `faults` budgets are listed."""
    p = model.program
    names: list[str] = []
    lines: list[int | None] = []
    keys: dict[Hashable, tuple[int, ...]] = {}
    by_handler: dict[int, int] = {}
    restart_rows: dict[str, int] = {}
    labels = [h.label for r in p.roles for h in r.handlers]
    for role in p.roles:
        for h in role.handlers:
            line = h.span.line if h.span is not None else None
            by_handler[id(h)] = len(names)
            if h.kind == "restart":
                restart_rows[role.name] = len(names)
            names.append(h.label if labels.count(h.label) == 1 else f"{h.label} (line {line})")
            lines.append(line)
    for hid, h in enumerate(model.handlers):
        keys[hid] = (by_handler[id(h)],)

    def row(name: str, *key: Hashable) -> int:
        names.append(name)
        lines.append(None)
        for k in key:
            keys[k] = (len(names) - 1,)
        return len(names) - 1

    if p.clients is not None and p.object is not None:
        handled = {h.trigger for r in p.roles for h in r.handlers if h.kind == "request"}
        for i, op in enumerate(p.object.ops):
            if op.name in handled:
                row(f"invoke {op.name}", ("invoke", i))
        if p.faults.give_up:
            row("give_up", "give_up")
    _fault_rows(p, row, keys, restart_rows)
    return tuple(names), tuple(lines), keys


def _fault_rows(p: ir.Program, row: Callable[..., int], keys: dict, restart_rows: dict[str, int]) -> None:
    """The rows of the faults and network steps `p` allows (see `coverage_rows`)."""
    f = p.faults
    if f.crash:
        row("crash", "crash")
    if f.restart:
        k = row("restart")
        for node in p.nodes:
            handler = restart_rows.get(node.role)
            keys[("restart", node.gid)] = (k,) if handler is None else (k, handler)
    if f.partition:
        row("partition", "partition")
    for kind in ("link", "oneway"):
        if f.budget(kind):
            row(kind, ("cut", 1 if kind == "link" else 2))
    if f.partition or f.link or f.oneway:
        row("heal", "heal")
    if f.pause:
        row("pause", "pause")
        row("resume", "resume")
    if p.network.lossy and f.loss != 0:
        row("loss", "lose")
    if f.duplicate:
        row("duplicate", "duplicate")


def step_key(core: tuple) -> Hashable:
    """What a step's core label (without the clients' events) counts under in
    `coverage_rows`' keys: the handler's id for a node's step, else its kind, with the
    operation of an invocation, the node of a restart, the kind of a cut."""
    kind = core[0]
    if kind == "invoke":
        return kind, core[3]
    if kind == "restart":
        return kind, core[1]
    if kind == "cut":
        return kind, core[1][0]
    return kind


class StepCounter:
    """Counts, per row, the states where a step kind was enabled and the steps it took
    (see the module's docstring). Not thread-safe; one per search (or per worker)."""

    def __init__(self, model: Model) -> None:
        self.names, self.lines, self._keys = coverage_rows(model)
        self.enabled = [0] * len(self.names)
        self.fired = [0] * len(self.names)
        self._expanded: set[int] = set()
        self._labeled = model.labeled
        self._fingerprint = model.fingerprint
        self._events = model.program.clients is not None
        self._elsewhere = 0     # states other processes expanded (see add_since)

    def labeled(self, state: tuple) -> list:
        """`Model.labeled`, counting the state's steps the first time it is expanded."""
        pairs = self._labeled(state)
        fp = self._fingerprint(state)
        if fp not in self._expanded:
            self._expanded.add(fp)
            self._count(pairs)
        return pairs

    def successors(self, state: tuple) -> list:
        """`Model.successors`, counting as `labeled` does (it is computed from it)."""
        return [t for _, t in self.labeled(state)]

    def _count(self, pairs: list) -> None:
        keys, fired = self._keys, self.fired
        seen: set[int] = set()
        for label, _ in pairs:
            core = label[0] if self._events else label
            rows = keys.get(step_key(core))
            if rows is None:
                rows = self._new_row(step_key(core))
            for r in rows:
                fired[r] += 1
            seen.update(rows)
        for r in seen:
            self.enabled[r] += 1

    def _new_row(self, key: Hashable) -> tuple[int, ...]:
        """A row for a kind of step `coverage_rows` does not know (a kind the language
        gained since), named by its kind, after the others."""
        name = str(key[0] if isinstance(key, tuple) else key)
        if name in self.names:
            rows: tuple[int, ...] = (self.names.index(name),)
        else:
            self.names, self.lines = self.names + (name,), self.lines + (None,)
            self.enabled.append(0)
            self.fired.append(0)
            rows = (len(self.names) - 1,)
        self._keys[key] = rows
        return rows

    def coverage(self) -> Coverage:
        """The counts so far, as a plain value."""
        return Coverage(self.names, self.lines, tuple(self.enabled), tuple(self.fired),
                        len(self._expanded) + self._elsewhere)

    def add_since(self, before: Coverage, after: Coverage) -> None:
        """Add what a copy of this counter (a forked worker's, which had counted `before`
        when it was made) counted since: `after` less `before`, row by row by name."""
        old = {n: (e, f) for n, e, f in zip(before.names, before.enabled, before.fired)}
        for n, line, e, f in zip(after.names, after.lines, after.enabled, after.fired):
            e0, f0 = old.get(n, (0, 0))
            if n not in self.names:
                self.names, self.lines = self.names + (n,), self.lines + (line,)
                self.enabled.append(0)
                self.fired.append(0)
            r = self.names.index(n)
            self.enabled[r] += e - e0
            self.fired[r] += f - f0
        self._elsewhere += after.states - before.states


def counting(model: Model) -> tuple[Model, StepCounter]:
    """A copy of `model` whose `successors` and `labeled` count into the StepCounter returned
    with it; everything else is the model's own."""
    counter = StepCounter(model)
    counted = copy.copy(model)
    counted.labeled = counter.labeled
    counted.successors = counter.successors
    counted.step_counter = counter
    return counted, counter
