"""`capcheck cap`: where a protocol sits on the CAP map, and what its operations cost.

`analyse(program, options)` checks every property that applies to the spec, declared or
not: its invariants; `linearizable`; `durable` and the session guarantees where the object
supports them; `available`; `converges` when the spec marks `replicated` variables. It
runs two searches over the same fault model: one for the safety and history properties
(the plain search, stopping early only when all of them are violated), one for the two
liveness properties (the graph search, without the history watchers, which would only
multiply its states). From the verdicts it places the protocol:

- **CP**: linearizable, and not available under a partition;
- **AP, eventually consistent**: available and convergent, not linearizable;
- **AP, weak**: available, not convergent (and not linearizable);
- **CA only**: linearizable and available, with no partition in the fault model (CAP
  leaves that corner only to systems that never see one);
- **neither**: not linearizable and not available;
- **undetermined**: a verdict the classification needs is unknown (a bound was hit), or
  the spec gives no way to decide one (no `replicated` variable for convergence, where it
  matters).

Every cross in the table is backed by the shortest counterexample of its property, which
`capcheck replay` reproduces. The cost side (checker/explore/cost.py) is measured on
fault-free runs: latency in message delays and messages per operation, optionally for
several values of a size constant.

Checkers return data; checker/render/cap.py prints it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Mapping

from checker.explore import SearchOptions, search
from checker.resources import UNBOUNDED, Budget
from checker.explore.cost import CostLimits, OperationCost, SizeCost, for_models, measure
from checker.model import Model
from checker.props import kinds
from checker.result import CheckResult, PropertyResult, Verdict
from checker.semantics import ir

LIN, AVAILABLE, CONVERGES = kinds.LINEARIZABLE.name, kinds.AVAILABLE.name, kinds.CONVERGES.name
CUT_BUDGETS = ("partition", "link", "oneway")

CP = "CP"
AP_EVENTUAL = "AP, eventually consistent"
AP_WEAK = "AP, weak"
CA = "CA only"
NEITHER = "neither"
UNDETERMINED = "undetermined"


@dataclass(frozen=True)
class CapOptions:
    """The bounds of both searches, of the cost measurements, and the sizes to measure
    costs at (`scale`: a constant's name and its values; None: the spec's own size only)."""

    search: SearchOptions = SearchOptions()
    cost: CostLimits = CostLimits()
    scale: tuple[str, tuple[int, ...]] | None = None


@dataclass(frozen=True)
class Row:
    """One property: its result, whether `cap` added it (the spec did not declare it), and
    the run that decided it."""

    result: PropertyResult
    added: bool
    run: CheckResult

    @property
    def states(self) -> int:
        return self.run.stats.distinct_states


@dataclass(frozen=True)
class Classification:
    label: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class CapReport:
    """Everything `capcheck cap` found. `runs`: the searches, safety first (either may be
    None when there was nothing for it to check)."""

    rows: tuple[Row, ...]
    classification: Classification
    runs: tuple[CheckResult | None, CheckResult | None]
    costs: tuple[OperationCost, ...]
    scale: tuple[SizeCost, ...]
    partitions: bool

    @property
    def complete(self) -> bool:
        return all(r.result.verdict is not Verdict.UNKNOWN for r in self.rows) and not any(
            run is not None and run.failure is not None for run in self.runs)


class NotApplicable(ValueError):
    """The spec has nothing for `cap` to classify (no clients)."""


def applicable_checks(program: ir.Program) -> list[str]:
    """The built-in checks that apply to the program, in report order."""
    if program.clients is None or program.object is None:
        raise NotApplicable("'capcheck cap' classifies what clients see, and this spec has no clients: "
                            "declare an 'object' and 'clients' (docs/language.md, section 12)")
    replicated = any(v.replicated for r in program.roles for v in r.vars)
    return [k.name for k in kinds.ALL if k.cap and k is not kinds.INVARIANT and k.defined_for(program.object.kind)
            and (k is not kinds.CONVERGES or replicated)]


def has_partitions(program: ir.Program) -> bool:
    return len(program.nodes) > 1 and any(getattr(program.faults, k, 0) for k in CUT_BUDGETS)


def analyse(program: ir.Program, compile: Callable[[ir.Program], Model], options: CapOptions = CapOptions(),
            resize: Callable[[Mapping[str, int]], Model] | None = None, budget: Budget | None = None) -> CapReport:
    """Check every applicable property of `program` and classify it. `compile` turns a
    program into a model; `resize` compiles the spec with other constants (for
    `options.scale`). `budget` (the command's: checker/resources.py) bounds everything:
    of the time left, each search gets an equal share with the searches after it, and the
    costs are measured in what remains. Raises NotApplicable for a spec without clients."""
    budget = budget or UNBOUNDED
    checks = applicable_checks(program)
    declared = {p.kind for p in program.properties}
    props = [p for p in program.properties if p.kind not in checks and p.kind not in kinds.LIVENESS]
    props += [next((p for p in program.properties if p.kind == k), ir.Property(k, k)) for k in checks]
    safety = [p for p in props if p.kind not in kinds.LIVENESS]
    liveness = [p for p in props if p.kind in kinds.LIVENESS]
    runs: list[CheckResult | None] = []
    results: dict[str, tuple[PropertyResult, CheckResult]] = {}
    groups = ((safety, options.search), (liveness, dataclasses.replace(options.search, deadlock=False)))
    for n, (group, opts) in enumerate(groups):
        if not group:
            runs.append(None)
            continue
        share = 1 / sum(1 for g, _ in groups[n:] if g)
        run = search(compile(dataclasses.replace(program, properties=tuple(group))), opts,
                     budget=budget.share(share))
        runs.append(run)
        for r in run.properties:
            results[r.name] = (r, run)
    rows = tuple(Row(results[p.name][0], p.kind != kinds.INVARIANT.name and p.kind not in declared, results[p.name][1])
                 for p in props if p.name in results)
    model = compile(dataclasses.replace(program, properties=()))
    costs = tuple(measure(model, options.cost))
    scale: tuple[SizeCost, ...] = ()
    if options.scale is not None and resize is not None:
        name, sizes = options.scale
        scale = tuple(for_models([({name: n}, resize({name: n})) for n in sizes], options.cost))
    verdicts = {r.result.kind: r.result.verdict for r in rows}
    partitions = has_partitions(program)
    return CapReport(rows, classify(verdicts, partitions), (runs[0], runs[1]), costs, scale, partitions)


def classify(verdicts: Mapping[str, Verdict], partitions: bool) -> Classification:
    """Place a protocol from its verdicts of linearizable, available and converges."""
    lin, avail, conv = verdicts.get(LIN), verdicts.get(AVAILABLE), verdicts.get(CONVERGES)
    unknown = [k for k in (LIN, AVAILABLE) if verdicts.get(k) is not Verdict.HOLDS
               and verdicts.get(k) is not Verdict.VIOLATED]
    if unknown:
        return Classification(UNDETERMINED, tuple(f"'{k}' is unknown: a bound was hit before it was decided"
                                                  for k in unknown))
    held = Verdict.HOLDS
    if lin is held and avail is held:
        if partitions:
            return Classification(CA, ("linearizable and available although partitions were explored: "
                                       "the partitions in the fault model never separate nodes that "
                                       "need each other",))
        return Classification(CA, ("linearizable and available, but no partition was explored: add a "
                                   "'partition' budget (or --faults partition=1) to see which it gives up",))
    if lin is held:
        return Classification(CP, ("linearizable", "not available: a request at an up node can wait forever "
                                   "(or get an error) once the faults stop"))
    if avail is not held:
        return Classification(NEITHER, ("not linearizable", "not available"))
    if conv is held:
        return Classification(AP_EVENTUAL, ("available", "converges once faults stop", "not linearizable"))
    if conv is Verdict.VIOLATED:
        return Classification(AP_WEAK, ("available", "does not converge", "not linearizable"))
    why = "no 'replicated' variable marks what replicas should agree on" if conv is None \
        else "'converges' is unknown: a bound was hit before it was decided"
    return Classification(UNDETERMINED, ("available", "not linearizable",
                                         f"eventual consistency undecided: {why}"))
