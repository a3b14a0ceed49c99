"""`capcheck check SPEC`: explore a spec with the engines `--engine` names, or walk it at
random (`--simulate`), and report every property's verdict (of the properties `--check`
names, when given), with the counterexamples as text, JSON, ITF, diagrams or an HTML
report.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from checker.cli import engines
from checker.cli.commands import COMMANDS
from checker.cli.errors_out import located
from checker.cli.options import (
    add_bounds_options, add_define_option, add_faults_option, add_json_option, add_reduction_options,
    add_run_control_options, add_simulation_options, add_values_option, fault_override_of, natural_int,
    overrides_of, parse_define, run_deadlock, search_options, simulation_options,
)
from checker.cli.output import EXIT_USAGE, REPORT_GRACE, emit, exit_code, write_json
from checker.cli.render import render_counterexamples
from checker.cli.report import add_report_option, check_report, write_report
from checker.errors import UsageError
from checker.explore import Progress, search
from checker.explore.coverage import counting
from checker.explore.simulate import WalkProgress, simulate
from checker.pipeline import compile_spec, compile_symbolic, constants_of
from checker.render import json as json_report
from checker.render import text as text_report
from checker.render.text import count, replay_command
from checker.result import CheckResult
from checker.semantics.ir import Program, Symbolic
from checker.traces.files import itf_documents, write_itf


def add_check_command(commands) -> None:
    cmd = commands.add_parser(
        "check", help=COMMANDS["check"].help,
        description="Explore every reachable state of a spec (breadth-first, so every "
                    "counterexample is a shortest one) and check its invariants.",
        epilog="exit codes: 0 every property holds, 1 a property is violated (also when found before a stop), "
               "2 bad spec or usage, 3 inconclusive (a bound was hit), 130/143 stopped by SIGINT/SIGTERM with nothing "
               "found violated")
    cmd.add_argument("spec", metavar="SPEC", help="the .cap file")
    add_define_option(cmd)
    add_faults_option(cmd)
    add_values_option(cmd)
    add_bounds_options(cmd)
    add_run_control_options(cmd)
    add_simulation_options(cmd)
    add_reduction_options(cmd)
    cmd.add_argument("--dfs", action="store_true",
                     help="search depth-first (counterexamples are then not always the shortest)")
    deadlock = cmd.add_mutually_exclusive_group()
    deadlock.add_argument("--deadlock", dest="deadlock", action="store_const", const=True, default=None,
                          help="report states where nothing can happen but work is left (as if the "
                               "spec said 'check deadlock_free')")
    deadlock.add_argument("--no-deadlock", dest="deadlock", action="store_const", const=False,
                          help="do not look for deadlocks even if the spec asks")
    cmd.add_argument("-q", "--quiet", action="store_true",
                     help="print only the verdicts, not the counterexamples' runs (the files --json, --itf, "
                          "--render and --report write are complete all the same)")
    cmd.add_argument("--shrink", action="store_true",
                     help="shrink every counterexample: remove steps, operations and faults while the "
                          "property stays violated (breadth-first traces are already shortest)")
    cmd.add_argument("--itf", metavar="DIR",
                     help="write each counterexample to DIR as an ITF trace (Apalache, Quint), which "
                          "'capcheck replay' accepts")
    cmd.add_argument("--render", metavar="DIR",
                     help="draw each counterexample as a sequence diagram: DIR/NAME.dot, .svg and .png")
    add_json_option(cmd)
    progress = cmd.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_const", const=True, default=None,
                          help="show the progress line on stderr even when it is not a terminal")
    progress.add_argument("--no-progress", dest="progress", action="store_const", const=False,
                          help="never show the progress line")
    add_report_option(cmd)
    cmd.add_argument("--coverage", action="store_true",
                     help="count, per handler, timeout, action and kind of fault, in how many states it was "
                          "enabled and how many steps it took, and warn about any that never fired (the "
                          "explicit search only)")
    cmd.add_argument("--watch", action="store_true",
                     help="check the spec again each time it is saved (polls its modification time; Ctrl-C "
                          "stops); the exit code is the last check's")
    engines.add_engine_options(cmd, natural_int)
    cmd.set_defaults(run=cmd_check)


class ProgressLine:
    """The live progress line on stderr: shown after the first second, at most twice a
    second, and only on a terminal unless forced."""

    def __init__(self, stream, force: bool | None) -> None:
        self.stream = stream
        isatty = getattr(stream, "isatty", lambda: False)()
        self.on = force if force is not None else isatty
        self.width = 0
        self.last = 0.0

    def __call__(self, p: Progress | WalkProgress) -> None:
        if not self.on or p.seconds < 1.0 or p.seconds - self.last < 0.5:
            return
        self.last = p.seconds
        if isinstance(p, WalkProgress):
            text = f"{count(p.walks)} walks, {count(p.steps)} steps, {p.seconds:.0f} s"
        else:
            rate = int(p.distinct / p.seconds) if p.seconds else 0
            text = (f"{count(p.distinct)} states, {count(p.queue)} queued, depth {p.depth}, "
                    f"{count(rate)} states/s, {p.memory >> 20} MiB, {p.seconds:.0f} s")
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)

    def finish(self, result: CheckResult) -> None:
        if not self.on or not self.width:
            return
        s = result.stats
        if result.simulation is not None:
            text = f"{count(result.simulation.walks)} walks, {count(s.generated_states)} steps in {s.seconds:.1f} s"
        else:
            rate = int(s.distinct_states / s.seconds) if s.seconds else 0
            text = (f"{count(s.distinct_states)} states in {s.seconds:.1f} s ({count(rate)} states/s, "
                    f"{s.memory_bytes >> 20:,} MiB)")
        self.stream.write("\r" + text.ljust(self.width) + "\n")
        self.stream.flush()


def cmd_check(args: argparse.Namespace) -> int:
    """Explore a spec and report every property's verdict (with --watch, each time it is saved)."""
    if args.watch:
        from checker.cli.watch import watch
        return watch(args.spec, lambda: check_once(args), args.budget.stop, error_format=args.error_format)
    return check_once(args)


def check_once(args: argparse.Namespace) -> int:
    """One check of the spec, with every output the options ask for."""
    engines.check_engine_options(args)
    faults = fault_override_of(args)
    overrides, parameters = overrides_of(args.defines), None
    deadlock = run_deadlock(args)
    simulation = simulation_options(args, deadlock)
    _check_coverage_options(args, simulation is not None)
    if args.engine == "smt" and args.values is None:
        program, model, parameters = compile_symbolic(args.spec, overrides, "check", faults, args.checks)
        if program.params() or (program.object is not None and program.object.unbounded):
            engines.symbolic_outputs(args)
        else:
            parameters = None
    else:
        program, model = compile_spec(args.spec, overrides, "check", faults, args.values, args.checks)
    if simulation is not None:
        progress = ProgressLine(sys.stderr, args.progress)
        results = [simulate(model, simulation, progress if progress.on else None)]
        progress.finish(results[0])
    else:
        results = _engine_results(args, model, deadlock, parameters)
    if args.checks:
        results = [dataclasses.replace(r, not_checked=_not_checked(program, args.checks)) for r in results]
    result = results[0]
    hint = replay_command(args.spec, [d for d in args.defines if not isinstance(parse_define(d).value, Symbolic)],
                          faults.text() if faults else None)
    data = [json_report.report_data(r, args.spec, program.name, constants_of(program),
                                    faults=program.faults.nonzero(), times=args.times) for r in results]
    write_json(args.json, json_report.dumps(data[0] if len(data) == 1 else {
        "schema": json_report.SCHEMA_VERSION, "command": "check", "engines": data}))
    if args.json != "-":
        emit("\n".join((f"engine: {r.engine}\n" if len(results) > 1 else "")
                       + text_report.report(r, args.spec, hint, traces=not args.quiet, times=args.times)
                       for r in results))
    if args.itf:
        write_itf(args.itf, itf_documents(
            model, result, args.spec, program.name, constants_of(program), program.faults.nonzero()))
    pictures = args.budget.extended(REPORT_GRACE)
    if args.render:
        render_counterexamples(args.render, model, result, args.spec, pictures)
    if args.report:
        write_report(args.report, check_report(model, result, args.spec, program, constants_of(program), hint))
    if result.failure is not None:
        located(result.failure.message + text_report.with_values(result.failure.constants),
                 result.failure.span, args.spec, args.error_format)
    return min(exit_code(r) for r in results) if all(r.failure is None for r in results) else EXIT_USAGE


def _check_coverage_options(args: argparse.Namespace, simulating: bool) -> None:
    """Refuse `--coverage` with an engine that does not count steps: a simulation, or the
    SMT engine alone (with `--engine both` it counts the explicit search's)."""
    if args.coverage and (simulating or args.engine == "smt"):
        what = "--simulate" if simulating else "--engine smt"
        raise UsageError(f"--coverage counts the steps of the explicit search, not of {what}; "
                         "drop one of the two (with --engine both it counts the explicit search's steps)")


def _not_checked(program: Program, checks: list[str]) -> tuple[str, ...]:
    """The properties of `program` that `--check` did not name, as reports name them."""
    return tuple(f"invariant {p.name}" if p.kind == "invariant" else f"check {p.kind}"
                 for p in program.properties if p.name not in checks)


def _engine_results(args: argparse.Namespace, model, deadlock: bool | None, parameters=None) -> list[CheckResult]:
    """The results of the engines `--engine` names, explicit first (see cli/engines.py);
    `deadlock` as `run_deadlock` says; `parameters`: the symbolic constants the SMT engine
    chooses (smt/params.py)."""
    out = []
    if args.engine in ("explicit", "both"):
        if args.engine == "both" and args.max_depth is None:
            args.max_depth = args.depth if args.depth is not None else engines.DEFAULT_DEPTH
        options = search_options(args, "dfs" if args.dfs else "bfs", deadlock)
        progress = ProgressLine(sys.stderr, args.progress)
        counted, counter = counting(model) if args.coverage else (model, None)
        result = search(counted, options, progress if progress.on else None, budget=args.budget)
        if counter is not None:
            result = dataclasses.replace(result, coverage=counter.coverage())
        progress.finish(result)
        if args.shrink:
            from checker.explore.shrink import shrink_result
            result = shrink_result(model, result, limits=args.budget)
        out.append(result)
    if args.engine in ("smt", "both"):
        out.append(engines.run_smt(args, model, parameters))
    if len(out) == 2:
        engines.compare(out[0], out[1])
    return out
