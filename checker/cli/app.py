"""The `capcheck` command: argv in, exit code out. The command line is the only part of
capcheck that prints (checker/cli/output.py); each command is a module of this package,
over the pipeline (checker/pipeline.py) and the engines.

Start-up is part of every run (CI checks hundreds of files one process each), so this
module imports only argparse and the table of commands until the arguments are parsed:
`--version` and `--help` import nothing else, and a command imports its own module and
what that module uses (tests/test_startup.py, bench/startup.py).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import TYPE_CHECKING, Sequence

import checker
from checker.cli.commands import COMMANDS, chosen
from checker.cli.output import EXIT_BROKEN_PIPE, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, PROG, emit
from checker.errors import CheckerError, InternalError, SpecError, UsageError

if TYPE_CHECKING:
    from checker.resources import Budget, StopRequest


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argparse tree: `capcheck [--version] COMMAND ...`, with the options of `command`
    (imported from its module); the other commands are listed with their help only, so
    that a run imports the code of the one command it runs."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="A model checker for replication and failover protocols.",
        epilog="exit codes: 0 ok, 1 property violated, 2 bad spec or usage, 3 inconclusive, 130/143 stopped by "
               "SIGINT/SIGTERM with nothing found violated",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {checker.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    every = command == "completion"   # completion scripts name every command's options
    for name, (module, summary) in COMMANDS.items():
        if name != command and not every:
            commands.add_parser(name, help=summary)
            continue
        from checker.cli.errors_out import add_error_format_option
        adder = getattr(importlib.import_module(module), f"add_{name}_command")
        if name == "completion":
            adder(commands, parser)   # it completes the whole parser
        else:
            adder(commands)
        add_error_format_option(commands.choices[name])
    return parser


def _error(message: str) -> None:
    emit(f"{PROG}: error: {message}", sys.stderr)


def _internal(exc: BaseException) -> int:
    emit(f"{PROG}: internal error: {type(exc).__name__}: {exc}", sys.stderr)
    if os.environ.get("CAPCHECK_TRACEBACK"):
        import traceback
        traceback.print_exc(file=sys.stderr)
    emit(f"{PROG}: note: this is a bug in capcheck, not in your spec; please report it with the spec "
         f"and the command line (set CAPCHECK_TRACEBACK=1 to include the Python traceback)", sys.stderr)
    return EXIT_INTERNAL


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace | int:
    """The parsed arguments, or the exit code argparse chose (usage error 2, --help/--version 0)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return build_parser(chosen(argv)).parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except KeyboardInterrupt:
        emit(f"{PROG}: interrupted", sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:   # `capcheck --help | head`
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # noqa: BLE001 - a bug in an option's converter
        return _internal(exc)


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
    args = _parse_args(argv)
    if isinstance(args, int):
        return args
    from checker.cli.signals import exit_status, stopping_on_signals
    from checker.resources import StopRequest, process_age
    stop = StopRequest()
    elapsed = process_age() if argv is None else 0.0   # the command is the process: count its start
    with stopping_on_signals(stop):
        code = _run(args, stop, elapsed)
    if stop.is_set() and code == EXIT_INTERRUPTED and stop.signal:
        code = exit_status(stop.signal)
    return code


def budget_of(args: argparse.Namespace, stop: StopRequest, elapsed: float) -> Budget:
    """The command's Budget (checker/cli/options.py), imported only once a command runs."""
    from checker.cli import options

    return options.budget_of(args, stop, elapsed)


def _run(args: argparse.Namespace, stop: StopRequest, elapsed: float) -> int:
    from checker.cli.output import stopped_before_a_result
    from checker.resources import Stopped
    try:
        args.budget = budget_of(args, stop, elapsed)
        code = _dispatch(args)
        sys.stdout.flush()
        if stop.is_set():
            _stopped_note(stop)
        return code
    except Stopped as exc:
        return stopped_before_a_result(args, exc)
    except SpecError as err:
        from checker.cli.errors_out import spec_errors
        spec_errors(err.diagnostics, err.source, _error_format(args))
        return EXIT_USAGE
    except UsageError as err:
        from checker.cli.errors_out import usage_error
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


def _error_format(args: argparse.Namespace) -> str:
    """The command's --error-format ('text' where it has none)."""
    return getattr(args, "error_format", "text")


def _stopped_note(stop: StopRequest) -> None:
    from checker.cli.signals import signal_name
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
