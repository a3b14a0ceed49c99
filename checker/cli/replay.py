"""`capcheck replay SPEC TRACE`: replay a saved trace step by step and print every step and
the final state; refuse one that does not fit the spec (other constants, other fault
budgets, other actions)."""

from __future__ import annotations

import argparse

from checker.cli.commands import COMMANDS
from checker.cli.options import (
    add_define_option,
    add_faults_option,
    add_json_option,
    add_values_option,
    fault_override_of,
    overrides_of,
)
from checker.cli.output import EXIT_OK, emit, write_json
from checker.errors import UsageError
from checker.pipeline import compile_spec, constants_of
from checker.render import json as json_report
from checker.render import text as text_report
from checker.semantics.ir import FAULT_KINDS
from checker.traces.files import read_trace, replay_given


def add_replay_command(commands) -> None:
    cmd = commands.add_parser(
        "replay", help=COMMANDS["replay"].help,
        description="Replay a trace against a spec and print every step and the final state. "
                    "TRACE is the path a report prints (e.g. 0.1.3.2), a file holding one, a "
                    "JSON report written by 'capcheck check --json', or an ITF trace (written by "
                    "'capcheck check --itf', or by another tool: its path is then found from its states).")
    cmd.add_argument("spec", metavar="SPEC", help="the .cap file")
    cmd.add_argument("trace", metavar="TRACE", help="a path such as 0.1.3.2, or a file")
    add_define_option(cmd)
    add_faults_option(cmd)
    add_values_option(cmd)
    cmd.add_argument("--property", metavar="NAME",
                     help="with a JSON report: the property whose trace to replay (default: the first violated)")
    add_json_option(cmd)
    cmd.set_defaults(run=cmd_replay)


def cmd_replay(args: argparse.Namespace) -> int:
    """Replay a trace and print it; reject one that does not fit the spec."""
    given = read_trace(args.trace, args.property)
    if args.values is not None and given.data is not None and args.values != given.data:
        raise UsageError(f"the trace was recorded with other object values; replay it with "
                         f"--values={','.join(map(str, sorted(given.data)))} (or without --values)")
    program, model = compile_spec(args.spec, overrides_of(args.defines), "replay", fault_override_of(args),
                                  args.values if args.values is not None else given.data)
    path, constants, faults = given.path, given.constants, given.faults
    if constants is not None:
        mine = constants_of(program)
        differ = sorted(k for k in constants if k in mine and mine[k] != constants[k])
        if differ:
            want = " ".join(f"-D {k}={str(constants[k]).lower()}" for k in differ)
            raise UsageError(f"the trace was recorded with other constants; replay it with {want}")
    if faults is not None:
        same_faults(faults, program.faults.nonzero())
    trace = replay_given(model, given, args.spec)
    if args.json is not None:
        write_json(args.json, json_report.dumps(json_report.trace_data(trace)))
    if args.json != "-":
        found = f" (path {'.'.join(map(str, trace.path))}, found from the file's states)" if path is None else ""
        lines = [f"{args.spec}: a trace of {trace.length} step{'s' if trace.length != 1 else ''}{found}"]
        lines += text_report.trace_lines(trace, lasso=given.lasso)
        lines.append("final state:")
        lines += text_report.state_lines(trace)
        emit("\n".join(lines))
    return EXIT_OK


def same_faults(recorded: dict, mine: dict) -> None:
    """Refuse to replay a trace recorded with other fault budgets, saying which `--faults`
    gives the recorded ones (an unbounded `loss` comes from the spec alone)."""
    if recorded == mine:
        return
    differ = [k for k in FAULT_KINDS if recorded.get(k, 0) != mine.get(k, 0)]
    given = ",".join(f"{k}={recorded.get(k, 0)}" for k in differ if recorded.get(k, 0) is not None)
    how = [f"--faults {given}"] if given else []
    how += [f"no --faults {k}" for k in differ if recorded.get(k, 0) is None]
    raise UsageError(f"the trace was recorded with other fault budgets ({_budgets_text(recorded)}; here "
                     f"{_budgets_text(mine)}); replay it with {' and '.join(how)}")


def _budgets_text(budgets: dict) -> str:
    return ", ".join(f"{k} <= {n}" if n is not None else f"{k} unbounded" for k, n in budgets.items()) or "none"
