"""`capcheck cap SPEC`: the CAP report of a spec (checker/analysis/cap.py), on the command line.

Exit codes: 0 the report is complete (every verdict decided, whatever they are: a protocol
that is not available is a finding, not a failure), 2 bad spec or usage, 3 some verdict is
unknown (a bound was hit), 130 interrupted.
"""

from __future__ import annotations

import argparse

from checker.analysis.cap import CapOptions, NotApplicable, analyse
from checker.cli import report as html_report
from checker.cli.commands import COMMANDS
from checker.cli.options import (
    add_bounds_options,
    add_define_option,
    add_faults_option,
    add_json_option,
    fault_override_of,
    overrides_of,
    search_options,
)
from checker.cli.output import EXIT_INCONCLUSIVE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, REPORT_GRACE, emit, located, replay_command, write_json
from checker.cli.render import render_runs
from checker.errors import UsageError
from checker.explore.cost import CostLimits
from checker.model import compile_model
from checker.pipeline import compile_spec, constants_of
from checker.render import cap as cap_report
from checker.render import json as json_report
from checker.result import INTERRUPTED

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
    cmd.add_argument("spec", metavar="SPEC", help="the .cap file")
    add_define_option(cmd)
    add_faults_option(cmd)
    add_bounds_options(cmd)
    cmd.add_argument("--scale", metavar="[NAME=]V1,V2,...",
                     help=f"also measure the costs with the constant NAME (default {DEFAULT_SCALE_CONSTANT}) "
                          "set to each value, e.g. --scale N=3,5,7")
    cmd.add_argument("--render", metavar="DIR",
                     help="draw each counterexample as a sequence diagram: DIR/NAME.dot, .svg and .png")
    html_report.add_report_option(cmd)
    add_json_option(cmd)
    cmd.set_defaults(run=cmd_cap)


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
    faults = fault_override_of(args)
    overrides = overrides_of(args.defines)
    program, _ = compile_spec(args.spec, overrides, "cap", faults)
    scale = parse_scale(args.scale, constants_of(program)) if args.scale else None
    options = CapOptions(search_options(args), CostLimits(budget=args.budget), scale)

    def resize(sizes) -> object:
        return compile_spec(args.spec, {**overrides, **sizes}, "cap", faults)[1]

    models: list = []

    def compiling(p) -> object:
        models.append(compile_model(p))
        return models[-1]

    try:
        report = analyse(program, compiling, options, resize, args.budget)
    except NotApplicable as exc:
        raise UsageError(f"{args.spec}: {exc}") from None
    hint = replay_command(args.spec, args.defines, faults.text() if faults else None)
    data = cap_report.data(report, args.spec, program.name, constants_of(program), program.faults,
                           json_report.property_data)
    write_json(args.json, json_report.dumps({"schema": json_report.SCHEMA_VERSION, "command": "cap", **data}))
    if args.json != "-":
        emit(cap_report.report(report, args.spec, program.faults, hint))
    pictures = args.budget.extended(REPORT_GRACE)
    if args.render:
        render_runs(args.render, models, report.runs, args.spec, pictures)
    if args.report:
        html_report.write_report(args.report, html_report.cap_report(models, report, args.spec, program,
                                                                   constants_of(program), hint, pictures))
    for run in report.runs:
        if run is not None and run.failure is not None:
            located(run.failure.message, run.failure.span, args.spec)
            return EXIT_USAGE
    if any(run is not None and run.exit_reason == INTERRUPTED for run in report.runs):
        return EXIT_INTERRUPTED
    return EXIT_OK if report.complete else EXIT_INCONCLUSIVE
