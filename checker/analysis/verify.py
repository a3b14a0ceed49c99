"""The SMT engine as `capcheck check --engine smt` runs it: bounded model checking
(smt/bmc.py) whose every counterexample is replayed through the explicit semantics and
checked again before it is shown (STYLE.md rule 4).

The SMT side returns explicit paths; here each is replayed (`explore.replay`), and:

- for an invariant, its last state must break the invariant and no earlier state may (the
  solver tried every shorter depth first), else the encoding and the explicit semantics
  disagree: an InternalError, never a finding; the same for the history checks the SMT
  engine decides (linearizable, durable, read_your_writes, monotonic_reads: smt/lin.py,
  smt/sessions.py), which the explicit engine judges with its own
  watchers as invariants over the watcher's slot;
- for a run-time failure, expanding its last state must fail in the explicit engine too;
  the failure shown is the explicit engine's own (message and span);
- for `check available` and `check converges`, the lasso (smt/lasso.py) is judged again by
  the explicit engine's own rules (explore/liveness.check_lasso: continuation steps only,
  the loop closed and fair, the dead end without a continuation step, the request waiting
  throughout) and reported as the explicit search reports one, with its `Lasso`.

What the SMT engine does not decide yet (sequential consistency, the other session
guarantees, deadlock freedom) is UNKNOWN with that reason (NOT_DECIDED). A property without a counterexample within the depth is UNKNOWN
("no run of up to K steps breaks it"), never HOLDS. This module imports both engines;
neither imports the other.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from checker.errors import InternalError
from checker.explore import liveness, replay
from checker.explore.search import final_state
from checker.model import Model
from checker.model.values import SpecRuntimeError
from checker.props import kinds
from checker.resources import Budget, Stopped
from checker.result import (
    ALL_DECIDED,
    INTERRUPTED,
    MAX_DEPTH,
    MEMORY,
    TIMEOUT,
    CheckResult,
    PropertyResult,
    RuntimeFailure,
    Stats,
    Verdict,
)
from checker.semantics import ir
from checker.smt.lasso import Lassos
from checker.smt.params import Parameters, ranges

SMT = "smt"
NOT_DECIDED = "is not decided by the SMT engine yet"
DEFAULT_DEPTH = 10


@dataclass(frozen=True)
class SmtOptions:
    """`depth`: the longest runs looked at, in steps; `timeout`: seconds for the whole run."""

    depth: int = DEFAULT_DEPTH
    timeout: float | None = None


def smt_check(model: Model, options: SmtOptions = SmtOptions(), clock=time.monotonic,
              parameters: Parameters | None = None, budget: Budget | None = None) -> CheckResult:
    """Bounded model checking of `model`'s invariants up to `options.depth` steps, every
    counterexample replayed and re-checked. With `parameters` (symbolic constants:
    smt/params.py) the solver also chooses their values; each counterexample is replayed
    and re-checked in the explicit model compiled with the values it was found with, which
    its result records (`PropertyResult.constants`). `budget` (the command's:
    checker/resources.py) bounds the encoding and the solver together with
    `options.timeout`; a run it stops says why (TIMEOUT, MEMORY, INTERRUPTED). Raises
    Unsupported (model.exprgen) for a spec the encoding cannot express."""
    budget = (budget or Budget(clock=clock)).within(options.timeout)
    clock = budget.clock
    start = clock()
    try:
        bmc = Lassos(model, options.depth, parameters=parameters, budget=budget)
    except Stopped as stop:
        return _stopped_early(parameters.program if parameters is not None else model.program, stop.reason,
                              options, budget, clock() - start)
    program = bmc.shape.program
    props = [p for p in program.properties if bmc.decides(p)]
    run = bmc.run(props)
    results: dict[str, PropertyResult] = {}
    failure = None
    for found in run.found:
        instance = bmc.instance(found.values, found.data)
        trace = replay(instance, found.path)
        constants = found.values or None   # what the run was found with
        data = tuple(sorted(found.data)) if found.data is not None else None
        if found.prop is None:
            failure = replace(_failure(instance, found.path, trace), constants=constants, data=data)
            continue
        if found.prop.kind in kinds.LIVENESS:
            end = bmc.endings[found.prop.name]
            results[found.prop.name] = replace(_lasso_result(instance, found.prop, found.path, end, trace),
                                               constants=constants, data=data)
            continue
        _check_invariant(instance, found.prop.name, found.path)
        results[found.prop.name] = PropertyResult(found.prop.name, found.prop.kind, Verdict.VIOLATED, trace,
                                                  constants=constants, data=data)
    if failure is not None:
        reason = "runtime_error"
    elif run.reason is not None:
        reason = run.reason if run.reason in (TIMEOUT, MEMORY, INTERRUPTED) else MAX_DEPTH
    else:
        reason = ALL_DECIDED if len(results) == len(props) and props else MAX_DEPTH
    out = []
    every = for_every(program)
    for p in program.properties:
        if p.name in results:
            out.append(results[p.name])
        elif bmc.decides(p):
            out.append(PropertyResult(p.name, p.kind, Verdict.UNKNOWN, reason=_undecided(run, every)))
        else:
            out.append(PropertyResult(p.name, p.kind, Verdict.UNKNOWN,
                                      reason=f"'check {p.kind}' {NOT_DECIDED}"))
    stats = Stats(0, 0, max(run.depth, 0), clock() - start)
    bounds = {"max_depth": options.depth, "timeout": budget.timeout, "max_memory": budget.memory,
              **({"symbolic": ranges(program)} if program.params() else {})}
    return CheckResult(reason, stats, tuple(out), failure, bounds, engine=SMT)


def _stopped_early(program: ir.Program, reason: str, options: SmtOptions, budget: Budget,
                   seconds: float) -> CheckResult:
    """The result of a run the budget stopped while it sized the encoding: nothing decided."""
    why = f"the SMT engine was stopped while it encoded the spec: {reason}"
    props = tuple(PropertyResult(p.name, p.kind, Verdict.UNKNOWN, reason=why) for p in program.properties)
    bounds = {"max_depth": options.depth, "timeout": budget.timeout, "max_memory": budget.memory}
    return CheckResult(reason, Stats(0, 0, 0, seconds), props, None, bounds, engine=SMT)


def _undecided(run, every: str) -> str:
    """Why a property the run did not break is UNKNOWN: the depth ruled out, and where the
    solver stopped (before any depth was decided: nothing is ruled out)."""
    ruled_out = f"no run of up to {run.depth} step{'s' if run.depth != 1 else ''} breaks it{every}"
    if run.reason is None:
        return ruled_out
    if run.depth < 0:
        return f"the solver stopped before it decided runs of any length: {run.reason}"
    return f"{ruled_out}; the solver stopped at depth {run.depth + 1}: {run.reason}"


def for_every(program: ir.Program) -> str:
    """' for any R in 1..3 and any W in 1..3' for a program with symbolic constants, else ''."""
    words = [f"any {name}" + (f" in {span}" if ".." in span else "") for name, span in ranges(program).items()]
    return " for " + " and ".join(words) if words else ""


def _check_invariant(model: Model, name: str, path: tuple[int, ...]) -> None:
    inv = next(i for i in model.invariants if i.prop.name == name)
    states = [final_state(model, list(path[:k])) for k in range(1, len(path) + 1)]
    if inv.holds(states[-1]):
        raise InternalError(f"the SMT engine's counterexample to '{name}' does not break it when replayed")
    if any(not inv.holds(s) for s in states[:-1]):
        raise InternalError(f"the SMT engine's counterexample to '{name}' breaks it before its last step")


def _lasso_result(model: Model, prop: ir.Property, path: tuple[int, ...], end, trace) -> PropertyResult:
    """The SMT engine's lasso judged again by the explicit engine (liveness.check_lasso)."""
    try:
        lasso = liveness.check_lasso(model, prop.kind, path, end.kind, end.start, end.loop, end.client)
    except ValueError as err:
        raise InternalError(f"the SMT engine's lasso for '{prop.name}' does not hold when replayed: {err}") from None
    return PropertyResult(prop.name, prop.kind, Verdict.VIOLATED, trace, lasso=lasso)


def _failure(model: Model, path: tuple[int, ...], trace) -> RuntimeFailure:
    state = final_state(model, list(path))
    try:
        model.successors(state)
        for inv in model.invariants:
            inv.holds(state)
    except SpecRuntimeError as err:
        return RuntimeFailure(err.message, model.spans[err.span], trace)
    raise InternalError("the SMT engine found a run-time failure that the explicit engine does not reproduce")
