"""`capcheck cap SPEC [SPEC ...]`: the CAP report of a spec (checker/analysis/cap.py), or a
comparison of several in one table, on the command line. A SPEC may carry its own
constants as `PATH.cap:NAME=V,NAME=V` (for the specs of one comparison that need them).

Exit codes: 0 the report is complete (every verdict decided, whatever they are: a protocol
that is not available is a finding, not a failure), 2 bad spec or usage, 3 some verdict is
unknown (a bound was hit), 130 interrupted.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from typing import Mapping

from checker.analysis.cap import CapOptions, CapReport, NotApplicable, analyse
from checker.cli import report as html_report
from checker.cli.commands import COMMANDS
from checker.cli.errors_out import located
from checker.cli.options import (
    add_bounds_options, add_define_option, add_faults_option, add_json_option, add_reduction_options,
    fault_override_of, overrides_of, search_options,
)
from checker.cli.output import (
    EXIT_INCONCLUSIVE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, REPORT_GRACE, emit, write_json,
)
from checker.cli.render import render_runs
from checker.errors import UsageError
from checker.explore.cost import CostLimits
from checker.model import Model, compile_model
from checker.pipeline import compile_spec, constants_of
from checker.render import cap as cap_report
from checker.render import json as json_report
from checker.render.text import replay_command
from checker.result import INTERRUPTED
from checker.semantics.ir import Program

DEFAULT_SCALE_CONSTANT = "N"


def add_cap_command(commands) -> None:
    cmd = commands.add_parser(
        "cap", help=COMMANDS["cap"].help,
        description="Check every property that applies to a spec (linearizable, durable, the session "
                    "guarantees, available, converges, and its invariants), place it on the CAP map "
                    "(CP, AP with eventual consistency, AP weak, CA only, neither) and measure what "
                    "each operation costs on fault-free runs.",
        epilog="exit codes: 0 the report is complete, 2 bad spec or usage, 3 some verdict is unknown "
               "(a bound was hit), 130/143 stopped by SIGINT/SIGTERM")
    cmd.add_argument("spec", metavar="SPEC", nargs="+",
                     help="the .cap file; several to compare them in one table (each may carry its own "
                          "constants: PATH.cap:NAME=V,NAME=V)")
    add_define_option(cmd)
    add_faults_option(cmd)
    add_bounds_options(cmd)
    add_reduction_options(cmd)
    cmd.add_argument("--scale", metavar="[NAME=]V1,V2,...",
                     help=f"also measure the costs with the constant NAME (default {DEFAULT_SCALE_CONSTANT}) "
                          "set to each value, e.g. --scale N=3,5,7")
    cmd.add_argument("--render", metavar="DIR",
                     help="draw each counterexample as a sequence diagram: DIR/NAME.dot, .svg and .png")
    html_report.add_report_option(cmd)
    cmd.add_argument("--markdown", action="store_true",
                     help="print only the comparison table, in Markdown (how docs/cap.md's map is made)")
    add_json_option(cmd)
    cmd.set_defaults(run=cmd_cap)


_CONSTANTS = re.compile(r"[A-Za-z_]\w*=[^,=]+(,[A-Za-z_]\w*=[^,=]+)*")


def spec_argument(text: str) -> tuple[str, dict]:
    """`PATH.cap` -> (PATH.cap, {}); `PATH.cap:N=3,F=1` -> (PATH.cap, {N: 3, F: 1})."""
    path, sep, rest = text.rpartition(":")
    if sep and path.endswith(".cap") and _CONSTANTS.fullmatch(rest):
        return path, overrides_of(rest.split(","))
    return text, {}


@dataclass
class _Analysed:
    """One spec's CAP report and what the outputs need of it."""

    spec: str
    program: Program
    models: list[Model]
    report: CapReport
    hint: str


def parse_scale(text: str, constants: dict) -> tuple[str, tuple[int, ...]]:
    """`N=3,5` or `3,5` -> ("N", (3, 5)); the constant must exist and take integers."""
    name, sep, rest = text.partition("=")
    if not sep:
        name, rest = DEFAULT_SCALE_CONSTANT, text
    name = name.strip()
    if name not in constants or isinstance(constants[name], bool):
        known = ", ".join(sorted(k for k, v in constants.items() if not isinstance(v, bool))) or "none"
        raise UsageError(f"--scale: the spec has no integer constant '{name}' (its integer constants: {known}); "
                         f"write --scale NAME=V1,V2")
    try:
        sizes = tuple(int(v) for v in rest.split(","))
    except ValueError:
        raise UsageError(f"--scale expects whole numbers separated by commas, e.g. {name}=3,5 (got '{text}')") \
            from None
    if not sizes or any(v < 1 for v in sizes) or len(set(sizes)) != len(sizes):
        raise UsageError(f"--scale: give distinct positive sizes (got '{text}')")
    return name, sizes


def cmd_cap(args: argparse.Namespace) -> int:
    specs = [spec_argument(text) for text in args.spec]
    if len(specs) > 1:
        given = [opt for opt, value in (("--scale", args.scale), ("--render", args.render),
                                        ("--report", args.report)) if value]
        if given:
            raise UsageError(f"{' and '.join(given)} take{'s' if len(given) == 1 else ''} one spec; "
                             f"compare several without {'it' if len(given) == 1 else 'them'}")
    done: list[_Analysed] = []
    for n, (spec, own) in enumerate(specs):
        budget = args.budget.share(1 / (len(specs) - n))
        done.append(_analyse(args, spec, own, budget))
        if _stopped(done[-1]):
            break
    if len(done) == 1 and not args.markdown:
        _one(args, done[0])
    else:
        _many(args, done)
    return _exit_code(args, done)


def _analyse(args: argparse.Namespace, spec: str, own: dict, budget) -> _Analysed:
    faults = fault_override_of(args)
    overrides = {**overrides_of(args.defines), **own}
    program, _ = compile_spec(spec, overrides, "cap", faults)
    scale = parse_scale(args.scale, constants_of(program)) if args.scale else None
    options = CapOptions(search_options(args), CostLimits(budget=budget), scale)

    def resize(sizes: Mapping[str, int]) -> Model:
        return compile_spec(spec, {**overrides, **sizes}, "cap", faults)[1]

    models: list[Model] = []

    def compiling(p: Program) -> Model:
        models.append(compile_model(p))
        return models[-1]

    try:
        report = analyse(program, compiling, options, resize, budget)
    except NotApplicable as exc:
        raise UsageError(f"{spec}: {exc}") from None
    defines = list(args.defines or ()) + [f"{k}={str(v).lower()}" for k, v in own.items()]
    hint = replay_command(spec, defines, faults.text() if faults else None)
    return _Analysed(spec, program, models, report, hint)


def _one(args: argparse.Namespace, a: _Analysed) -> None:
    """The report of one spec: text, JSON, diagrams, HTML."""
    program, report = a.program, a.report
    data = cap_report.data(report, a.spec, program.name, constants_of(program), program.faults,
                           json_report.property_data)
    write_json(args.json, json_report.dumps({"schema": json_report.SCHEMA_VERSION, "command": "cap", **data}))
    if args.json != "-":
        emit(cap_report.report(report, a.spec, program.faults, a.hint))
    pictures = args.budget.extended(REPORT_GRACE)
    if args.render:
        render_runs(args.render, a.models, report.runs, a.spec, pictures)
    if args.report:
        html_report.write_report(args.report, html_report.cap_report(a.models, report, a.spec, program,
                                                                   constants_of(program), a.hint))


def _many(args: argparse.Namespace, done: list[_Analysed]) -> None:
    """The comparison of several specs: one table, each run once; JSON: `comparison`, one
    `cap` report per spec."""
    pairs = [(a.spec, a.report) for a in done]
    data = [cap_report.data(a.report, a.spec, a.program.name, constants_of(a.program), a.program.faults,
                            json_report.property_data) for a in done]
    write_json(args.json, json_report.dumps({"schema": json_report.SCHEMA_VERSION, "command": "cap",
                                             "comparison": data}))
    if args.json != "-":
        emit(cap_report.markdown_table(pairs) if args.markdown
             else cap_report.comparison(pairs, [a.hint for a in done]))


def _stopped(a: _Analysed) -> bool:
    return any(run is not None and (run.failure is not None or run.exit_reason == INTERRUPTED)
               for run in a.report.runs)


def _exit_code(args: argparse.Namespace, done: list[_Analysed]) -> int:
    for a in done:
        for run in a.report.runs:
            if run is not None and run.failure is not None:
                located(run.failure.message, run.failure.span, a.spec, args.error_format)
                return EXIT_USAGE
    if any(run is not None and run.exit_reason == INTERRUPTED for a in done for run in a.report.runs):
        return EXIT_INTERRUPTED
    return EXIT_OK if all(a.report.complete for a in done) else EXIT_INCONCLUSIVE
