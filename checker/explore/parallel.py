"""Breadth-first search in several processes: the visited table partitioned by fingerprint.

A breadth-first run (search.py) asked for `workers` > 1 starts in one process and fans out
when a whole level of `fan_out` states or more waits to be expanded; from then on the
search is level-synchronous. Worker k *owns* the fingerprints (the keys of the visited
table) that are k modulo the number of workers: it alone decides whether such a state is
new. A state itself stays with the worker that found it (it *holds* it), so states never
travel between processes; only fingerprints and keys do, as arrays of 8-byte integers in
files of a temporary folder (one file per round and ordered pair of workers). A new
state's *key* is its parent's number shifted left by 32 bits plus the action index that
led to it. Each level takes four rounds, which the coordinator (the process that started
the run) drives over a pipe to each worker:

1. expand: every worker expands the states it holds, in increasing number. A successor
   it owns and has not seen goes into its table of this level's candidates; one another
   worker owns is kept aside with its key, and (fingerprint, key) is written to the
   owner's file, once per level. Deadlocks and run-time failures are reported as events.
2. decide: every owner reads the claims written to it and, for each fingerprint it has not
   visited, takes the smallest key among the workers that found it; the state stays with
   the owner if the owner found it, else with the worker that found it under that key,
   whose file is told (fingerprint, key). The owner marks them all visited.
3. judge: every worker sorts the new states it holds by key, evaluates the open invariants
   on them, and sends the keys and the states that broke or failed an invariant.
4. commit: the coordinator merges the keys of all workers into one order and numbers the
   level's new states in it, records each one's parent, action and depth, and sends each
   worker the numbers of its states, which become the next level (with the next expand
   command: three round trips a level).

The single-process search numbers a level's states in exactly this order (by the number of
the first parent that reaches them, then by action index) and gives each the same parent,
so the numbers, the parents and hence the counterexamples are the same with any number of
workers. The coordinator also replays the level's events in the single-process order (a
parent's deadlock or failure before its successors, a new state's invariants when it is
numbered, the state bound when it is reached) and stops where that search would have
stopped, with the same counts: a run gives the same report with one worker or several,
but for the seconds, the memory and the progress lines.

What fans out: invariants, the client-history checks (invariants over the watchers kept
in the state) and deadlock freedom. What does not (the run stays in one process, and
`fallback` says why): depth-first search, the liveness checks (`available`, `converges`:
their analysis needs the whole state graph in one process), and partial-order reduction
(its cycle proviso looks successors up in the visited table as the search goes).

Each worker keeps, in one set with its share of the visited table, the fingerprints it
claimed from other workers at earlier levels (all of them visited by now), so that the
most common case, a successor seen before, is one set lookup; that costs memory (every worker ends up
knowing most fingerprints) for speed. A worker that dies ends the run with WORKER_LOST; a
bound or a stop request is looked at every _POLL seconds while the workers work, and ends
the run with the levels done so far (the level in progress is dropped).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
import traceback
from array import array
from bisect import bisect_left
from collections import deque
from itertools import chain, compress, repeat
from operator import add, and_, eq, floordiv, mod, mul, rshift
from multiprocessing.connection import wait
from typing import Any

from checker.errors import InternalError
from checker.explore.coverage import StepCounter
from checker.model.system import Conjunction
from checker.model.values import SpecRuntimeError
from checker.props import kinds
from checker.resources import memory_in_use, worker_signals
from checker.result import COMPLETE, MAX_DEPTH, MAX_STATES, MEMORY, RUNTIME_ERROR, WORKER_LOST, Found

FAN_OUT = 1 << 12        # the size of a level from which the workers take over
_SHIFT = 32              # a new state's key: its parent's number << _SHIFT | its action index
_ACTION = (1 << _SHIFT) - 1
_LOOK_EVERY = 1 << 9     # states a worker expands between looks at the stop flag
_POLL = 0.1              # seconds between the coordinator's looks at the budget
_DEAD, _FAIL = "deadlock", "failure"      # the kinds of a parent's event
_HOLDS, _BROKEN = 0, 1                    # an invariant's outcome; a failure is (span, message)


def fallback(run: Any) -> str | None:
    """Why a run asked for several workers searches in one process; None when it need not."""
    if run.o.policy != "bfs":
        return "a depth-first search runs in one process"
    if run.visitor is not None:
        return "the liveness checks (available, converges) analyse the whole state graph in one process"
    if run.ample is not None:
        return ("partial-order reduction looks each successor up in the visited table as it goes; "
                "with --no-por the search uses every worker")
    return None


# ------------------------------------------------------------------ a worker


class _Worker:
    """One worker's part of the search: the fingerprints it knows were visited, the states
    of the current level it holds (and expands), and this level's candidates."""

    def __init__(self, run: Any, me: int, count: int, folder: str, stop) -> None:
        self.me, self.count, self.folder, self.stop = me, count, folder, stop
        self.model, self.key = run.model, run.key
        # what it knows was visited: the fingerprints it owns that were (its share of the visited
        # table: exactly those of `seen` that are `me` modulo `count`) and those it claimed of
        # other workers at earlier levels; one set lookup for the most common case, a state seen
        # before
        self.seen = set(run.visited)
        level = list(run.frontier)[me::count]
        self.states = [s for s, _ in level]          # the states this worker holds, in number order
        self.numbers = array("q", [n for _, n in level])
        self.counts = array("q")      # each held state's successors, in the same order
        self.mine: dict[int, tuple[int, tuple]] = {}   # fingerprint -> (key, state): candidates it owns
        self.held: dict[int, tuple[int, tuple]] = {}   # the same for candidates other workers own
        self.won: list[tuple[int, tuple]] = []          # (key, state): the new states it holds
        self.conj: tuple[tuple[int, ...], Conjunction | None] = ((), None)

    def _file(self, what: str, src: int, dst: int) -> str:
        return os.path.join(self.folder, f"{what}-{src}-{dst}")

    def expand(self, deadlock: bool, last: bool, numbers: bytes | None = None) -> tuple:
        """Expand the states this worker holds (first, given the `numbers` of the new
        states of the level before, make them the ones it holds: see `commit`):
        ("expanded", events, successors generated, whether the depth bound cut a new state,
        the symmetry's new inexact keys), or ("aborted",) when the coordinator asked to
        stop. Each candidate another worker owns is kept in `held` and its (fingerprint,
        key) written to that worker's file."""
        if numbers is not None:
            self.commit(numbers)
        me, count, key, stop = self.me, self.count, self.key, self.stop
        expand, quiet = self.model.successors, self.model.quiet
        seen, mine, held = self.seen, self.mine, self.held
        sym = self.model.symmetry
        inexact = sym.inexact if sym is not None else 0
        claims: list[list[int]] = [[] for _ in range(count)]
        events: list[tuple] = []
        counts = self.counts = array("q")
        cut = False
        for j, (s, g) in enumerate(zip(self.states, self.numbers)):
            if not j & (_LOOK_EVERY - 1) and stop.value:
                return ("aborted",)
            try:
                succ = expand(s)
            except SpecRuntimeError as err:
                if last:
                    cut = True    # the failing step lies past the bound
                    counts.append(0)
                    continue
                events.append((g, -1, _FAIL, 0, (err.span, err.message)))
                break             # the run ends here or earlier
            counts.append(len(succ))
            if not succ and deadlock and not quiet(s):
                events.append((g, -1, _DEAD, key(s), None))
            base = g << _SHIFT
            for i, fp in enumerate(map(key, succ)):
                if fp in seen:
                    continue
                if fp % count == me:
                    if fp in mine:
                        continue
                    if last:
                        cut = True
                    else:
                        mine[fp] = (base | i, succ[i])
                elif fp not in held:
                    held[fp] = (base | i, succ[i])
                    claims[fp % count] += (fp, base | i)
        for o, flat in enumerate(claims):
            if o != me:
                _write(self._file("claims", me, o), flat)
        if last:
            held.clear()
        else:
            seen.update(held)   # each of them will have been visited, by one worker or another
        now = sym.inexact if sym is not None else 0
        return ("expanded", events, sum(counts), cut, now - inexact)

    def decide(self, last: bool) -> tuple:
        """As the owner: of each candidate no worker visited, pick the smallest key; the
        state stays with this worker when it found it, else with the one that found it
        under that key, which is told (fingerprint, key) in a file. At the depth bound
        (`last`), only see whether a candidate is new. ("decided", that.)"""
        me, seen, mine = self.me, self.seen, self.mine
        best: dict[int, tuple[int, int]] = {}   # fingerprint -> (key, worker) of those others found
        for src in range(self.count):
            if src == me:
                continue
            flat = _read(self._file("claims", src, me))
            for fp, k in zip(flat[::2], flat[1::2]):
                if fp in seen:    # an owned fingerprint is in `seen` exactly when it was visited
                    continue
                had = best.get(fp)
                if had is None or k < had[0]:
                    best[fp] = (k, src)
        if last:
            return ("decided", bool(best))
        told: list[list[int]] = [[] for _ in range(self.count)]
        for fp, (k, src) in best.items():
            here = mine.get(fp)
            if here is None:
                told[src] += (fp, k)
            elif k < here[0]:
                mine[fp] = (k, here[1])
        seen.update(best)
        seen.update(mine)
        self.won = list(mine.values())
        mine.clear()
        for o, pairs in enumerate(told):
            if o != me:
                _write(self._file("told", me, o), pairs)
        return ("decided", False)

    def judge(self, open_: tuple[int, ...]) -> tuple:
        """Take the states the owners left with this worker, order them by key and judge
        them: ("judged", their keys in increasing order as bytes, the invariant events).
        `open_`: the indices (in Model.invariants) of the invariants still open."""
        held, won = self.held, self.won
        for src in range(self.count):
            if src == self.me:
                continue
            flat = _read(self._file("told", src, self.me))
            for fp, k in zip(flat[::2], flat[1::2]):
                won.append((k, held[fp][1]))
        held.clear()
        won.sort()   # by key: the keys differ, so no two states are compared
        keys = array("q", [k for k, _ in won])
        return ("judged", keys.tobytes(), self._judge(open_))

    def _judge(self, open_: tuple[int, ...]) -> list[tuple]:
        """(key, fingerprint, outcomes) for each new state that breaks an open invariant
        or fails in one; the outcomes are those of every open invariant, in order."""
        if not open_:
            return []
        if self.conj[0] != open_:
            self.conj = (open_, Conjunction([self.model.invariants[i] for i in open_]))
        conj = self.conj[1]
        assert conj is not None
        invariants = conj.invariants
        events = []
        for k, t in self.won:
            ck = conj.key(t)
            ok = conj.cache.get(ck)
            if ok is None:
                try:
                    ok = conj.decide(t, ck)
                except SpecRuntimeError:
                    ok = False
            if not ok:
                events.append((k, self.key(t), tuple(_outcome(inv, t) for inv in invariants)))
        return events

    def commit(self, numbers: bytes) -> tuple:
        """Make the new states this worker holds (numbered `numbers`) the next level."""
        self.numbers = array("q")
        self.numbers.frombytes(numbers)
        self.states = [t for _, t in self.won]
        self.won = []
        return ("committed", len(self.states))

    def coverage(self) -> tuple:
        """("coverage", what this worker's copy of the coverage counter counted, or None)."""
        counter = _counter(self.model)
        return ("coverage", counter.coverage() if counter is not None else None)

    def generated_before(self, num: int) -> tuple:
        """("generated", the successors of the states this worker expanded numbered below num)."""
        return ("generated", sum(self.counts[:bisect_left(self.numbers, num)]))


def _counter(model: Any) -> StepCounter | None:
    """The coverage counter `model` counts its steps into (explore/coverage.py), or None."""
    counter = model.step_counter
    return counter if isinstance(counter, StepCounter) else None


def _write(path: str, flat: list[int]) -> None:
    """Write the integers `flat` to the file at `path` (8 bytes each)."""
    with open(path, "wb") as f:
        array("q", flat).tofile(f)


def _read(path: str) -> array:
    """The integers `_write` wrote to the file at `path`; the file is removed."""
    out = array("q")
    with open(path, "rb") as f:
        out.frombytes(f.read())
    os.unlink(path)
    return out


def _outcome(inv, state: tuple) -> object:
    try:
        return _HOLDS if inv.holds(state) else _BROKEN
    except SpecRuntimeError as err:
        return (err.span, err.message)


def _serve(run: Any, me: int, count: int, folder: str, stop, conn) -> None:
    """A worker process: answer the coordinator's commands (a method name and its
    arguments; None to end) until it says stop, or ("error", text) on a bug."""
    worker_signals()
    try:
        worker = _Worker(run, me, count, folder, stop)
        for name, *args in iter(conn.recv, None):
            conn.send(getattr(worker, name)(*args))
    except EOFError:
        pass
    except BaseException:  # noqa: BLE001 - sent to the coordinator, which raises it as an InternalError
        conn.send(("error", traceback.format_exc()))


# ------------------------------------------------------------------ the coordinator


class _Lost(Exception):
    """A worker process died."""


class _Stop(Exception):
    """The run ends with `reason` (a bound, a stop request)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def drive(run: Any) -> str:
    """Go on with `run` (a breadth-first search whose frontier is one whole level) in
    `run.o.workers` processes until it ends; why it ended. Updates `run` as its own loop
    would: the numbered states' parents, actions and depths, the successors generated,
    the violations, the failure, and where it stopped."""
    count = run.o.workers
    ctx = multiprocessing.get_context("fork")
    folder = tempfile.mkdtemp(prefix="capcheck-search-")
    stop = ctx.RawValue("b", 0)
    procs, pipes = [], []
    try:
        for me in range(count):
            here, there = ctx.Pipe()
            proc = ctx.Process(target=_serve, args=(run, me, count, folder, stop, there), daemon=True)
            proc.start()
            there.close()
            procs.append(proc)
            pipes.append(here)
        return _Coordinator(run, procs, pipes, stop).loop()
    finally:
        stop.value = 1
        for pipe in pipes:
            try:
                pipe.send(None)
            except OSError:
                pass
        for proc in procs:
            proc.join(1.0)
            if proc.is_alive():
                proc.kill()
                proc.join()
        shutil.rmtree(folder, ignore_errors=True)


class _Coordinator:
    def __init__(self, run: Any, procs: list, pipes: list, stop) -> None:
        self.run, self.procs, self.pipes, self.stop = run, procs, pipes, stop
        self.count = len(procs)
        self.base = run.frontier[0][1]         # the number of the level's first state
        self.next = len(run.parents)           # the number its successors start from
        self.depth = run.depths[self.base]
        run.frontier = deque()                 # the workers have it now
        self.numbers: list[bytes | None] = [None] * self.count   # of the new states, for each worker
        run.queued = self.next - self.base

    def loop(self) -> str:
        """Search level by level until the end; why it ended."""
        counter = _counter(self.run.model)
        before = counter.coverage() if counter is not None else None
        reason = self._levels()
        if counter is not None and before is not None and reason != WORKER_LOST:
            try:
                for _, after in self._ask("coverage"):
                    counter.add_since(before, after)
            except (_Stop, _Lost):
                pass     # the run ends anyway; the counts are those of the coordinator alone
        return reason

    def _levels(self) -> str:
        run = self.run
        try:
            while self.next > self.base:
                reason = self._level()
                if reason is not None:
                    return reason
                reason = self._look()
                if reason is not None:     # before the level of depth self.depth was expanded
                    run.partial = self.depth
                    return reason
            run.queued = 0
            return MAX_DEPTH if run.cut_by_depth else COMPLETE
        except _Lost as lost:
            run.partial = self.depth
            run.lost = str(lost)
            return WORKER_LOST
        except _Stop as stopped:
            run.partial = self.depth
            return stopped.reason
        except KeyboardInterrupt:
            run.partial = self.depth
            raise

    # -------------------------------------------------- talking to the workers

    def _ask(self, *command) -> list[tuple]:
        """Send `command` to every worker and wait for all answers (see `_ask_each`)."""
        return self._ask_each([command] * self.count)

    def _ask_each(self, commands: list[tuple]) -> list[tuple]:
        """Send worker k commands[k] and wait for all answers, looking at the budget
        every _POLL seconds meanwhile; raises _Stop (once every worker stopped) or _Lost."""
        for k, command in enumerate(commands):
            try:
                self.pipes[k].send(command)
            except OSError:     # a broken pipe: the worker is gone
                raise _Lost(self._death(k)) from None
        answers: list[tuple] = [()] * self.count
        waiting = {pipe: k for k, pipe in enumerate(self.pipes)}
        stopping = None
        while waiting:
            ready = wait(list(waiting), timeout=_POLL)
            for pipe in ready:
                k = waiting.pop(pipe)  # type: ignore[call-overload]
                answers[k] = self._receive(k)
            if not ready:
                self._alive()
                if stopping is None:
                    stopping = self._look()
                    if stopping is not None:
                        self.stop.value = 1
        if stopping is not None:
            raise _Stop(stopping)
        return answers

    def _receive(self, k: int) -> tuple:
        try:
            answer = self.pipes[k].recv()
        except (EOFError, OSError):
            raise _Lost(self._death(k)) from None
        if answer[0] == "error":
            raise InternalError(f"a search worker failed:\n{answer[1]}")
        return answer

    def _alive(self) -> None:
        for k, proc in enumerate(self.procs):
            if not proc.is_alive() and not self.pipes[k].poll(0):
                raise _Lost(self._death(k))

    def _death(self, k: int) -> str:
        self.procs[k].join(1.0)
        code = self.procs[k].exitcode
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        return f"search worker {k} stopped unexpectedly ({how})"

    def _look(self) -> str | None:
        """Why the run must stop now (a bound, a stop request), or None; reports progress."""
        run = self.run
        reason = run.budget.exceeded(memory=False)
        if reason is not None:
            return reason
        run.memory = memory_in_use() + sum(memory_in_use(p.pid) for p in self.procs)
        if run.budget.memory is not None and run.memory >= run.budget.memory:
            return MEMORY
        run.report(run.queued, self.depth)
        return None

    # -------------------------------------------------- one level

    def _level(self) -> str | None:
        """Expand the level of states numbered base..next-1; why the run ends there, or None."""
        run = self.run
        last = run.o.max_depth is not None and self.depth >= run.o.max_depth
        numbers, self.numbers = self.numbers, [None] * self.count
        expanded = self._ask_each([("expand", run._deadlock_open(), last, n) for n in numbers])
        decided = self._ask("decide", last)
        if run.model.symmetry is not None:
            run.model.symmetry.inexact += sum(a[4] for a in expanded)
        open_ = tuple(k for k, inv in enumerate(run.model.invariants) if inv in run.invariants)
        judged = self._ask("judge", open_) if not last else [("judged", b"", [])] * self.count
        keys, holders = self._order([a[1] for a in judged])
        events = sorted(chain.from_iterable(a[1] for a in expanded))
        broken = sorted(chain.from_iterable(a[2] for a in judged))
        reason = self._replay(keys, events, broken)
        if reason is not None:
            return reason
        run.generated += sum(a[2] for a in expanded)
        if last:
            run.cut_by_depth = run.cut_by_depth or any(a[3] for a in expanded) or any(a[1] for a in decided)
            self.base = self.next
            return None
        self._commit(keys, holders)
        return None

    def _order(self, blobs: list[bytes]) -> tuple[list[int], list[int]]:
        """The keys of the level's new states, all workers', in increasing (number) order,
        and the worker that holds each. (Each key is tagged with its worker as key * count
        + worker, and the runs, one per worker and each sorted, merged by one sort; the
        per-state work is in C iterators.)"""
        count = self.count
        tagged: list[int] = []
        for w, blob in enumerate(blobs):
            keys = array("q")
            keys.frombytes(blob)
            tagged.extend(map(add, map(mul, keys, repeat(count)), repeat(w)))
        tagged.sort()
        return list(map(floordiv, tagged, repeat(count))), list(map(mod, tagged, repeat(count)))

    def _commit(self, keys: list[int], holders: list[int]) -> None:
        run = self.run
        run.parents.extend(map(rshift, keys, repeat(_SHIFT)))
        run.actions.extend(map(and_, keys, repeat(_ACTION)))
        run.depths.extend(repeat(self.depth + 1, len(keys)))
        numbers = range(self.next, self.next + len(keys))
        # sent with the next level's first command, which saves a round trip a level
        self.numbers = [array("q", compress(numbers, map(eq, holders, repeat(w)))).tobytes()
                        for w in range(self.count)]
        self.base, self.next = self.next, self.next + len(keys)
        self.depth += 1
        run.queued = self.next - self.base

    # -------------------------------------------------- the level's events, in order

    def _replay(self, keys: list[int], events: list[tuple], judged: list[tuple]) -> str | None:
        """Go through the level's events in the order the single-process search meets
        them (`keys`: the level's new states' keys in number order); where it would stop,
        record what it would have and say why."""
        run = self.run
        self.keys = keys
        limit = run.o.max_states
        todo: list[tuple] = [(g, i, 0, ev) for g, i, *ev in events]
        todo += [(k >> _SHIFT, k & _ACTION, 2, (fp, outcomes)) for k, fp, outcomes in judged]
        if limit is not None and self.next + len(keys) > limit:
            k = keys[limit - self.next]
            todo.append((k >> _SHIFT, k & _ACTION, 1, None))
        open_ = [inv for inv in run.model.invariants if inv in run.invariants]
        for g, i, what, ev in sorted(todo, key=lambda e: e[:3]):
            before = bisect_left(keys, g << _SHIFT) if i < 0 else bisect_left(keys, (g << _SHIFT) | i)
            if what == 0 and ev[0] == _FAIL:
                span, message = ev[2]
                run.failure = (g, SpecRuntimeError(span, message))
                return self._end(RUNTIME_ERROR, g, before, through=False, partial=False)
            if what == 0:   # a deadlock
                if not run._deadlock_open():
                    continue
                run.visited[ev[1]] = g
                self._violated(kinds.DEADLOCK_FREE.name, g, self.next + before)
                if run._pending() == 0:
                    return self._end(run._stopped(), g, before, through=False)
                continue
            if what == 1:
                return self._end(MAX_STATES, g, before, through=True)
            fp, outcomes = ev
            n = self.next + before
            run.visited[fp] = n
            for inv, outcome in zip(open_, outcomes):
                if inv not in run.invariants:
                    continue
                if outcome == _BROKEN:
                    self._violated(inv.prop.name, n, n + 1)
                elif outcome != _HOLDS:
                    run.failure = (n, SpecRuntimeError(*outcome))  # type: ignore[misc]
                    return self._end(run._stopped(), g, before + 1, through=True, judged=True)
            run.invariants = [inv for inv in run.invariants if inv.prop.name not in run.violations]
            run._conjunction()
            if run._pending() == 0:
                return self._end(run._stopped(), g, before + 1, through=True, judged=True)
        return None

    def _violated(self, name: str, num: int, states: int) -> None:
        run = self.run
        run.violations[name] = num
        run.found[name] = Found(states, run.clock() - run.start)

    def _end(self, reason: str, parent: int, new: int, through: bool, partial: bool = True,
             judged: bool = False) -> str:
        """Record where the single-process search would have stopped: while expanding
        state `parent` (its successors generated when `through`), with `new` states of
        the next level numbered, the last of them not queued when `judged` (it broke an
        invariant or failed in one)."""
        run = self.run
        gen = self._ask("generated_before", parent + 1 if through else parent)
        run.generated += sum(a[1] for a in gen)
        numbered = self.keys[:new]
        run.parents.extend(map(rshift, numbered, repeat(_SHIFT)))
        run.actions.extend(map(and_, numbered, repeat(_ACTION)))
        run.depths.extend(repeat(self.depth + 1, new))
        run.queued = (self.next - 1 - parent) + new - judged
        if partial:
            run.partial = self.depth
        return reason
