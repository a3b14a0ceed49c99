"""The `capcheck` command: argv in, exit code out. The command line is the only part of
capcheck that prints (checker/cli/output.py); each command is a module of this package,
over the pipeline (checker/pipeline.py) and the engines.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from typing import Sequence

import checker
from checker.cli import cap, check, completion, history, lsp, parse, render, replay
from checker.cli.errors_out import add_error_format_option, spec_errors, usage_error
from checker.cli.options import budget_of
from checker.cli.output import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    PROG,
    emit,
    stopped_before_a_result,
)
from checker.cli.signals import exit_status, signal_name, stopping_on_signals
from checker.errors import CheckerError, InternalError, SpecError, UsageError
from checker.resources import StopRequest, Stopped, process_age


def build_parser() -> argparse.ArgumentParser:
    """The argparse tree: `capcheck [--version] COMMAND ...`."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="A model checker for replication and failover protocols.",
        epilog="exit codes: 0 ok, 1 property violated, 2 bad spec or usage, 3 inconclusive, 130/143 stopped by "
               "SIGINT/SIGTERM with nothing found violated",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {checker.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    parse.add_parse_command(commands)
    check.add_check_command(commands)
    replay.add_replay_command(commands)
    history.add_history_command(commands)
    cap.add_cap_command(commands)
    render.add_render_command(commands)
    completion.add_completion_command(commands, parser)
    lsp.add_lsp_command(commands)
    for cmd in commands.choices.values():
        add_error_format_option(cmd)
    return parser


def _error(message: str) -> None:
    emit(f"{PROG}: error: {message}", sys.stderr)


def _internal(exc: BaseException) -> int:
    emit(f"{PROG}: internal error: {type(exc).__name__}: {exc}", sys.stderr)
    if os.environ.get("CAPCHECK_TRACEBACK"):
        traceback.print_exc(file=sys.stderr)
    emit(f"{PROG}: note: this is a bug in capcheck, not in your spec; please report it with the spec "
         f"and the command line (set CAPCHECK_TRACEBACK=1 to include the Python traceback)", sys.stderr)
    return EXIT_INTERNAL


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace | int:
    """The parsed arguments, or the exit code argparse chose (usage error 2, --help/--version 0)."""
    try:
        return build_parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE


def _dispatch(args: argparse.Namespace) -> int:
    run = getattr(args, "run", None)
    if run is None:
        build_parser().print_usage(sys.stderr)
        _error("a command is required (try 'capcheck check SPEC' or 'capcheck --help')")
        return EXIT_USAGE
    return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run capcheck with `argv` (default: sys.argv[1:]) and return the exit code.

    Never raises for anything a user can type or write in a spec: spec errors are rendered
    to stderr (exit 2); anything unexpected is reported as an internal error (exit 70).
    SIGINT and SIGTERM stop the run with its partial report (checker/cli/signals.py); the
    exit status is then 128 + the signal's number unless a violation was found before.
    Called without `argv` (as the `capcheck` program), `--timeout` counts from the start
    of the process, interpreter start and imports included.
    """
    stop = StopRequest()
    elapsed = process_age() if argv is None else 0.0   # the command is the process: count its start
    with stopping_on_signals(stop):
        code = _run(argv, stop, elapsed)
    if stop.is_set() and code == EXIT_INTERRUPTED and stop.signal:
        code = exit_status(stop.signal)
    return code


def _run(argv: Sequence[str] | None, stop: StopRequest, elapsed: float) -> int:
    args: argparse.Namespace | int | None = None
    try:
        args = _parse_args(argv)
        if isinstance(args, int):
            return args
        args.budget = budget_of(args, stop, elapsed)
        code = _dispatch(args)
        sys.stdout.flush()
        if stop.is_set():
            _stopped_note(stop)
        return code
    except Stopped as exc:
        return stopped_before_a_result(args, exc)  # type: ignore[arg-type]
    except SpecError as err:
        spec_errors(err.diagnostics, err.source, _error_format(args))
        return EXIT_USAGE
    except UsageError as err:
        usage_error(str(err), _error_format(args))
        return EXIT_USAGE
    except InternalError as err:
        return _internal(err)
    except CheckerError as err:  # a future subclass without its own rendering
        _error(str(err))
        return EXIT_USAGE
    except KeyboardInterrupt:
        emit(f"{PROG}: interrupted", sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # noqa: BLE001 - the one place that turns bugs into a report
        return _internal(exc)


def _error_format(args: object) -> str:
    """The --error-format of the parsed arguments ('text' before they are parsed)."""
    return getattr(args, "error_format", "text")


def _stopped_note(stop: StopRequest) -> None:
    if stop.signal:
        emit(f"{PROG}: stopped by {signal_name(stop.signal)}; the report says what was decided before the stop",
             sys.stderr)


def _silence_stdout() -> None:
    """After the reader of stdout went away (`capcheck ... | head`), drop further output."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
