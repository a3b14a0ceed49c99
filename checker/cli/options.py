"""The command line's values and the options several commands share: `-D NAME=VALUE`,
`--faults KIND=N,...`, `--values`, `--json`, the search bounds, run control (`--check`,
`--stop-at-first`, `--times`) and simulation (`--simulate`, `--walks`, ...); each parsed
once into a value (a Define, a FaultOverride, SearchOptions, SimulationOptions) that is
passed down. Pure: nothing here prints or reads files."""

from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from checker.diagnostics import did_you_mean, quote_list
from checker.errors import UsageError
from checker.resources import Budget, StopRequest, default_memory_limit

if TYPE_CHECKING:   # imported where used: a command imports only what it runs (checker/cli/commands.py)
    from checker.explore import SearchOptions
    from checker.explore.simulate import SimulationOptions
    from checker.semantics.faults import FaultOverride
    from checker.semantics.ir import Symbolic

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


_INT = re.compile(r"[+-]?[0-9]+")


_MAX_INT_DIGITS = 18


@dataclass(frozen=True)
class Define:
    """One `-D NAME=VALUE`: a constant override (an int or a bool), or `Symbolic` for
    `-D NAME=?` and `-D NAME=LO..HI` (the SMT engine chooses the value)."""

    name: str
    value: int | bool | Symbolic


def parse_define(text: str) -> Define:
    """`N=3`, `FAST=true`, `W=?`, `W=1..3` -> Define; anything else is a UsageError that shows
    the expected form."""
    from checker.semantics.ir import Symbolic
    name, sep, raw = text.partition("=")
    name, raw = name.strip(), raw.strip()
    if not sep or not _NAME.fullmatch(name):
        raise UsageError(f"-D expects NAME=VALUE, e.g. -D N=3 (got '{text}')")
    if raw in ("true", "false"):
        return Define(name, raw == "true")
    if raw == "?":
        return Define(name, Symbolic())
    lo, dots, hi = (x.strip() for x in raw.partition(".."))
    if dots:
        a, b = _define_int(name, lo, raw), _define_int(name, hi, raw)
        if a > b:
            raise UsageError(f"-D {name}={raw}: the range is empty (write the smaller bound first, "
                             f"e.g. -D {name}={b}..{a})")
        return Define(name, Symbolic(a, b))
    return Define(name, _define_int(name, raw, raw))


def _define_int(name: str, raw: str, whole: str) -> int:
    if not _INT.fullmatch(raw):
        raise UsageError(f"-D {name}: the value must be an integer, true/false, ? (let the SMT engine "
                         f"choose) or a range LO..HI, e.g. -D {name}=3 or -D {name}=1..3 (got '{whole}')")
    if len(raw.lstrip("+-").lstrip("0")) > _MAX_INT_DIGITS:
        raise UsageError(f"-D {name}: the value is too large (got '{whole}')")
    return int(raw)


def faults_override(text: str) -> FaultOverride:
    """`none,crash=2,partition=0` -> FaultOverride (pure). `none`, only first, sets every
    budget of the spec to 0; each KIND=N replaces or adds one. Anything else (an unknown
    kind, a negative or non-numeric N, a kind given twice) is a UsageError."""
    from checker.semantics.faults import FaultOverride
    from checker.semantics.ir import FAULT_KINDS
    items = [x.strip() for x in _top_level_split(text)]
    clear = items[0] == "none"
    budgets: dict[str, int] = {}
    aims: list[tuple[str, str, object]] = []
    for item in items[1:] if clear else items:
        item, _, target = (x.strip() for x in item.partition(" on "))
        kind, sep, raw = (x.strip() for x in item.partition("="))
        if target and kind in FAULT_KINDS:
            aims.append((kind, target, _target(kind, target)))
        if item == "none":
            raise UsageError(f"--faults: 'none' comes first, before the budgets it keeps (got '{text}')")
        if not sep or not kind:
            raise UsageError(f"--faults expects KIND=N[,KIND=N...] or none, e.g. --faults crash=2,partition=0 "
                             f"(got '{text}')")
        if kind not in FAULT_KINDS:
            raise UsageError(f"--faults: unknown fault '{kind}'{did_you_mean(kind, FAULT_KINDS)}; the faults "
                             f"are {quote_list(list(FAULT_KINDS), 'and')}")
        if not _INT.fullmatch(raw) or len(raw.lstrip("+-").lstrip("0")) > _MAX_INT_DIGITS:
            raise UsageError(f"--faults {kind}: the budget must be a whole number, e.g. {kind}=1 (got '{raw}')")
        n = int(raw)
        if n < 0:
            raise UsageError(f"--faults {kind}={raw}: a budget cannot be negative ({kind}=0: no {kind} at all)")
        if budgets.get(kind, n) != n:
            raise UsageError(f"--faults: the budget for '{kind}' is given twice with different values")
        budgets[kind] = n
    return FaultOverride(clear, tuple(budgets.items()), tuple(aims))


def _top_level_split(text: str) -> list[str]:
    """`text` split at the commas outside brackets: `link=1 on (a, b),crash=1`."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            out.append(text[start:i])
            start = i + 1
    return out + [text[start:]]


def _target(kind: str, text: str) -> object:
    """The expression `text` of `--faults KIND=N on TEXT`, parsed as the spec's `on` target."""
    from checker.dsl import parse
    from checker.errors import SpecError
    try:
        protocol = parse(f"protocol faults_option:\n    faults {kind} <= 0 on {text}\n", "--faults")
    except SpecError:
        raise UsageError(f"--faults {kind}=... on {text}: the target is an expression such as 'tm', "
                         f"'rm[0]' or '(tm, rm[0])'") from None
    return protocol.decls[0].budgets[0].target  # type: ignore[attr-defined]


def fault_override_of(args: argparse.Namespace) -> FaultOverride | None:
    """The `--faults` options of a command (`add_faults_option`), joined; None without any."""
    return faults_override(",".join(args.faults)) if args.faults else None


def overrides_of(defines: Sequence[str] | None) -> dict[str, int | bool | Symbolic]:
    """The -D texts as a dict of overrides; a malformed one, or a name given twice with
    different values, is a UsageError."""
    out: dict[str, int | bool | Symbolic] = {}
    for d in map(parse_define, defines or ()):
        if d.name in out and out[d.name] != d.value:
            raise UsageError(f"-D {d.name} is given twice with different values")
        out[d.name] = d.value
    return out


def _number(convert, test, what: str):
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got '{text}'") from None
        if not test(value):
            raise argparse.ArgumentTypeError(f"expected {what}, got '{text}'")
        return value
    return parse


positive_int = _number(int, lambda v: v > 0, "a positive integer")


natural_int = _number(int, lambda v: v >= 0, "a non-negative integer")


positive_float = _number(float, lambda v: 0 < v < float("inf"), "a positive number of seconds")


def add_bounds_options(cmd: argparse.ArgumentParser) -> None:
    """--max-states, --max-depth, --timeout and --max-memory (see `search_options`)."""
    cmd.add_argument("--max-states", type=positive_int, metavar="N",
                     help="stop after N distinct states (the result is then unknown)")
    cmd.add_argument("--max-depth", type=natural_int, metavar="D",
                     help="do not explore past D steps from the initial state")
    cmd.add_argument("--timeout", type=positive_float, metavar="S", help="stop after S seconds")
    cmd.add_argument("--max-memory", type=positive_int, metavar="MIB",
                     help="stop when the process uses MIB mebibytes (default: 3/4 of the memory "
                          "available at the start)")


def add_reduction_options(cmd: argparse.ArgumentParser) -> None:
    """--no-symmetry and --no-por (see `search_options`)."""
    cmd.add_argument("--no-symmetry", dest="symmetry", action="store_false",
                     help="explore every permutation of the sets the spec declares symmetric as a state "
                          "of its own (to compare state counts, or to rule out the reduction)")
    cmd.add_argument("--no-por", dest="por", action="store_false",
                     help="explore every order of independent steps (no partial-order reduction); "
                          "breadth-first counterexamples are then shortest")


def search_options(args: argparse.Namespace, policy: str = "bfs", deadlock: bool | None = None) -> SearchOptions:
    """The search bounds of a command's `add_bounds_options` arguments, `--stop-at-first`
    where the command has it, the reductions of its `add_reduction_options` ones (on
    when the command has none), and `--workers` where it has it (default: one process;
    see docs/performance.md for why not one per core yet)."""
    from checker.explore import SearchOptions
    return SearchOptions(policy, args.max_states, args.max_depth, args.timeout, memory_bound(args), deadlock,
                         getattr(args, "stop_at_first", False),
                         symmetry=getattr(args, "symmetry", True), por=getattr(args, "por", True),
                         workers=getattr(args, "workers", None) or 1)


def memory_bound(args: argparse.Namespace) -> int | None:
    """`--max-memory` in bytes; without it, the default bound (default_memory_limit) for a
    command that takes the option, None for one that does not."""
    if not hasattr(args, "max_memory"):
        return None
    return args.max_memory << 20 if args.max_memory else default_memory_limit()


def budget_of(args: argparse.Namespace, stop: StopRequest | None = None, elapsed: float = 0.0) -> Budget:
    """The Budget of a command that started `elapsed` seconds ago: its `--timeout` and
    `--max-memory` where it takes them (see memory_bound), and `stop`, the request a
    signal makes."""
    return Budget.start(getattr(args, "timeout", None), memory_bound(args), stop=stop, elapsed=elapsed)


def add_run_control_options(cmd: argparse.ArgumentParser) -> None:
    """--check NAME (repeatable), --stop-at-first and --times (see `run_deadlock`)."""
    cmd.add_argument("--check", dest="checks", metavar="NAME", action="append",
                     help="decide only this property (an invariant's name, or a check such as linearizable "
                          "or deadlock_free); repeatable; the others are listed as not checked")
    cmd.add_argument("--stop-at-first", action="store_true",
                     help="stop at the first violation of any property; the others are then unknown")
    cmd.add_argument("--times", action="store_true",
                     help="also say how many seconds into the run each violation was found (a measurement: "
                          "the report then differs from run to run)")


def run_deadlock(args: argparse.Namespace) -> bool | None:
    """Whether to check deadlocks: --deadlock / --no-deadlock, or `--check deadlock_free`
    (which contradicts --no-deadlock); None: as the spec and `--check` leave it."""
    from checker.props.kinds import DEADLOCK_FREE
    named = args.checks is not None and DEADLOCK_FREE.name in args.checks
    if named and args.deadlock is False:
        raise UsageError("--check deadlock_free and --no-deadlock contradict each other")
    return True if named else args.deadlock


def add_simulation_options(cmd: argparse.ArgumentParser) -> None:
    """--simulate and the options that shape it (see `simulation_options`)."""
    from checker.explore.simulate import DEFAULT_DEPTH, DEFAULT_WALKS
    cmd.add_argument("--simulate", action="store_true",
                     help="walk the spec at random instead of exploring every state: finds deep violations "
                          "in state spaces too large to exhaust, never proves a property (the verdict is then "
                          "unknown)")
    cmd.add_argument("--walks", type=positive_int, metavar="N",
                     help=f"with --simulate: walk N times (default {DEFAULT_WALKS:,}); with --max-depth D each "
                          f"walk takes at most D steps (default {DEFAULT_DEPTH})")
    cmd.add_argument("--seed", type=natural_int, metavar="S",
                     help="with --simulate: walk k uses seed S + k (default 0); the same seed gives the same walks")
    cmd.add_argument("--swarm", action="store_true",
                     help="with --simulate: each walk leaves out some kinds of steps and weighs the others "
                          "its own way (swarm testing)")
    cmd.add_argument("--workers", type=positive_int, metavar="N",
                     help="search in N processes (default 1), or with --simulate walk in N processes "
                          "(default: one per core); the result does not depend on it. A breadth-first search "
                          "fans out once a level holds 4,096 states; depth-first search, partial-order "
                          "reduction and the checks available and converges stay in one process")
    cmd.add_argument("--no-shrink", action="store_true",
                     help="with --simulate: report each walk's counterexample as it was found, unshrunk")


_SIMULATION_ONLY = ("walks", "seed", "swarm", "no_shrink")
_SEARCH_ONLY = ("max_states", "dfs", "shrink")


def simulation_options(args: argparse.Namespace, deadlock: bool | None) -> SimulationOptions | None:
    """The SimulationOptions of `--simulate` and its options; None without `--simulate`.
    A simulation option without `--simulate`, or one of the exhaustive search's
    (`--max-states`, `--dfs`, `--shrink`, `--engine`) with it, is a UsageError."""
    from checker.explore.simulate import DEFAULT_DEPTH, DEFAULT_WALKS, SimulationOptions

    def flag(name: str) -> str:
        return "--" + name.replace("_", "-")
    if not args.simulate:
        for name in _SIMULATION_ONLY:
            if getattr(args, name) not in (None, False):
                raise UsageError(f"{flag(name)} is an option of --simulate")
        return None
    for name in _SEARCH_ONLY:
        if getattr(args, name) not in (None, False):
            raise UsageError(f"{flag(name)} is not an option of --simulate (a simulation shrinks by default)"
                             if name == "shrink" else f"{flag(name)} does not apply to --simulate")
    for name in ("symmetry", "por"):
        if getattr(args, name) is False:
            raise UsageError(f"--no-{name} does not apply to --simulate (random walks use no reduction)")
    if args.engine != "explicit":
        raise UsageError("--simulate runs the explicit engine's model; it does not combine with --engine "
                         f"{args.engine}")
    return SimulationOptions(args.walks or DEFAULT_WALKS, DEFAULT_DEPTH if args.max_depth is None else args.max_depth,
                             args.seed or 0, args.swarm, args.workers or _cores(), args.timeout, deadlock,
                             args.stop_at_first, not args.no_shrink)


def _cores() -> int:
    """The cores this process may run on."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)


def add_json_option(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--json", metavar="PATH", help="also write the result as JSON to PATH ('-': to stdout, "
                                                   "instead of the text report)")


def add_faults_option(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--faults", dest="faults", metavar="KIND=N,...", action="append", default=[],
                     help="override the spec's fault budgets: KIND=N replaces or adds a budget, 'none' "
                          "first sets all of them to 0 (e.g. --faults none,crash=1); repeatable")


def add_define_option(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("-D", dest="defines", metavar="NAME=VALUE", action="append", default=[],
                     help="override a constant of the spec (an integer or true/false); repeatable")


def add_values_option(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--values", dest="values", metavar="N,...", type=_object_values,
                     help="the values of an object declared 'values = int', e.g. --values 1,2: for the "
                          "explicit engine, and to replay an SMT counterexample (its report gives them)")


def _object_values(text: str) -> frozenset:
    try:
        out = frozenset(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a comma-separated list of integers, "
                                         f"e.g. 1,2") from None
    return out
