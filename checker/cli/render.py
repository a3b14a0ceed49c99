"""Sequence diagrams on the command line: `capcheck check SPEC --render DIR` and
`capcheck render TRACE -o FILE` (docs/cli.md, "Sequence diagrams").

`render` re-runs the trace on the spec, because the diagram's arrows come from the model's
own states (traces/traffic.py): the spec is `--spec SPEC`, or else the one the JSON report
names (its `spec` field, the path as given to `capcheck check`), with the report's
constants and fault budgets unless `-D` or `--faults` are given.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from checker.cli.commands import COMMANDS
from checker.cli.options import (
    add_define_option, add_faults_option, fault_override_of, faults_override, overrides_of,
)
from checker.cli.output import EXIT_OK, emit, make_parent
from checker.cli.replay import same_faults
from checker.errors import UsageError
from checker.history.jsonfmt import loads
from checker.model import Model
from checker.pipeline import compile_spec
from checker.props import kinds
from checker.render.images import DotMissing, write_all, write_file
from checker.resources import UNBOUNDED, Budget
from checker.result import CheckResult, Lasso, PropertyResult, Trace, Verdict
from checker.traces.diagram import counterexample_jobs, diagram_title, model_of_run, pictures
from checker.traces.files import is_itf, itf_meta, read_trace, replay_given, reported_traces


def render_counterexamples(directory: str, model: Model, result: CheckResult, spec: str,
                           budget: Budget = UNBOUNDED) -> None:
    """`--render DIR`: NAME.dot, .svg and .png for every counterexample (NAME: the property;
    `error` for a run-time failure of the spec), the PNG within `budget`. Says on stderr
    what it wrote, or how to install Graphviz when `dot` is missing, or that the time ran
    out (the .dot and .svg files are written all the same)."""
    jobs = counterexample_jobs(result)
    if not jobs:
        return
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--render: cannot create '{directory}': {exc.strerror or type(exc).__name__}") from None
    missing = None
    for name, trace, prop in jobs:
        title = diagram_title(spec, name, result)
        base = os.path.join(directory, _file_name(name))
        drawn = pictures(model, trace, prop, title)
        try:
            written = write_all(drawn, base, budget)
        except DotMissing as exc:
            missing, written = str(exc), [base + ".dot", base + ".svg"]
        except OSError as exc:
            raise UsageError(f"--render: cannot write '{base}': {exc.strerror or type(exc).__name__}") from None
        print(f"diagram of {name}: {', '.join(written)}", file=sys.stderr)
    if missing:
        print(missing, file=sys.stderr)


def render_runs(directory: str, models: list[Model], runs, spec: str, budget: Budget = UNBOUNDED) -> None:
    """`capcheck cap --render DIR`: the counterexamples of each of its searches, each drawn
    with the model that search ran on."""
    for run in runs:
        model = model_of_run(models, run) if run is not None else None
        if model is not None:
            render_counterexamples(directory, model, run, spec, budget)


def _file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "trace"


def add_render_command(commands) -> None:
    cmd = commands.add_parser(
        "render", help=COMMANDS["render"].help,
        description="Replay a trace on its spec and draw it as a sequence diagram: a lane per "
                    "node and per client, an arrow from each send to its delivery, lost and in-flight "
                    "messages, faults, and the step that breaks the property with a caption. TRACE is a "
                    "JSON report written by 'capcheck check --json', an ITF trace, or a path such as "
                    "0.1.3 (then --spec is required). The spec is --spec SPEC, or else the one the report "
                    "(or an ITF file of 'check --itf') names; "
                    "the report's constants and fault budgets are used unless -D or --faults are given.",
        epilog="exit codes: 0 written, 2 bad usage or a trace that does not fit the spec")
    cmd.add_argument("trace", metavar="TRACE", help="a JSON report, an ITF trace, or a path such as 0.1.3")
    cmd.add_argument("-o", dest="output", metavar="FILE", required=True,
                     help="the file to write: FILE.svg (drawn by capcheck), FILE.dot (Graphviz's format) or "
                          "FILE.png (needs Graphviz's dot)")
    cmd.add_argument("--spec", metavar="SPEC", help="the .cap file (default: the report's 'spec')")
    cmd.add_argument("--property", metavar="NAME",
                     help="the property whose trace to draw (default: the first violated)")
    add_define_option(cmd)
    add_faults_option(cmd)
    cmd.set_defaults(run=cmd_render)


def cmd_render(args: argparse.Namespace) -> int:
    if os.path.splitext(args.output)[1].lower() not in (".dot", ".svg", ".png"):
        raise UsageError(f"-o '{args.output}': the output must end in .dot, .svg or .png")
    given = read_trace(args.trace, args.property)
    report = _report(args.trace)
    spec = args.spec or report.get("spec")
    if not isinstance(spec, str):
        raise UsageError(f"'{args.trace}' does not name its spec; give --spec SPEC")
    overrides = overrides_of(args.defines)
    if not args.defines and given.constants:
        overrides = {k: v for k, v in given.constants.items() if isinstance(v, (int, bool))}
    faults = fault_override_of(args)
    if faults is None and given.faults:
        recorded = [f"{k}={v}" for k, v in given.faults.items() if v is not None]
        faults = faults_override("none," + ",".join(recorded)) if recorded else None
    program, model = compile_spec(spec, overrides, "render", faults)
    if given.faults is not None:
        same_faults(given.faults, program.faults.nonzero())
    trace = replay_given(model, given, spec)
    prop = _property(report, args.property, trace, given.lasso)
    title = f"{spec}: {prop.name}" if prop is not None else spec
    drawn = pictures(model, trace, prop, title)
    make_parent(args.output, "-o")
    try:
        write_file(drawn, args.output, args.budget)
    except DotMissing as exc:
        base = os.path.splitext(args.output)[0] + ".svg"
        write_file(drawn, base)
        print(f"{exc}; wrote {base}", file=sys.stderr)
        return EXIT_OK
    except OSError as exc:
        raise UsageError(f"cannot write '{args.output}': {exc.strerror or type(exc).__name__}") from None
    steps = f"{trace.length} step{'s' if trace.length != 1 else ''}"
    emit(f"{args.output}: a sequence diagram of {steps}" + (f" ({prop.kind} {prop.name})" if prop else ""))
    return EXIT_OK


def _report(name: str) -> dict:
    """The JSON report a trace argument names, or {} for a path or a file holding one. An
    ITF trace reads as a report of its `#meta.source` when that is a .cap file (the spec
    `check --itf` ran on; Quint names its .qnt file there) and, when `#meta.capcheck` names
    it, the property it breaks."""
    try:
        with open(name, encoding="utf-8") as handle:
            data = loads(handle.read(16 << 20))
    except (OSError, ValueError):
        return {}
    if not is_itf(data):
        return data if isinstance(data, dict) else {}
    ours = itf_meta(data, "capcheck")
    props = [{"name": ours.get("property"), "kind": ours.get("kind"), "trace": None}
             ] if isinstance(ours, dict) else []
    source = itf_meta(data, "source")
    return {"spec": source if isinstance(source, str) and source.endswith(".cap") else None, "properties": props}


def _property(report: dict, name: str | None, trace: Trace, lasso: Lasso | None) -> PropertyResult | None:
    """The violated property whose trace a report holds (as `read_trace` picks it)."""
    props = [p for p in reported_traces(report)
             if isinstance(p.get("name"), str) and isinstance(p.get("kind"), str) and p["kind"] in kinds.KINDS]
    if name is not None:
        props = [p for p in props if p["name"] == name]
    if not props:
        return None
    return PropertyResult(props[0]["name"], props[0]["kind"], Verdict.VIOLATED, trace, lasso=lasso)
