"""The `capcheck` command: argv in, exit code out. The only module that prints.

Exit codes (stable; scripts and CI depend on them):

    0    success: the spec is well-formed / every checked property holds
    1    a property is violated (reserved for the checking commands)
    2    a bad spec or a bad command line
    3    inconclusive: a bound or the time limit was hit (reserved)
    70   an internal error: a bug in capcheck, never a user mistake
    130  interrupted (Ctrl-C)

Every message names files exactly as the user wrote them, so output is deterministic.
"""

from __future__ import annotations

import argparse
import os
import re
import stat
import sys
import traceback
from dataclasses import dataclass
from typing import Sequence

import checker
from checker.diagnostics import Diagnostic, Source
from checker.dsl import ast, parse_bytes
from checker.dsl.parser import MAX_FILE_BYTES
from checker.dsl.printer import format_protocol
from checker.errors import CheckerError, InternalError, SpecError, UsageError
from checker.semantics import check
from checker.semantics.ir import Program

EXIT_OK = 0
EXIT_VIOLATED = 1
EXIT_USAGE = 2
EXIT_INCONCLUSIVE = 3
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141

PROG = "capcheck"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INT = re.compile(r"[+-]?[0-9]+")
_MAX_INT_DIGITS = 18


# ---------------------------------------------------------------- command-line values


@dataclass(frozen=True)
class Define:
    """One `-D NAME=VALUE`: a constant override (an int or a bool)."""

    name: str
    value: int | bool


def parse_define(text: str) -> Define:
    """`N=3`, `FAST=true` -> Define; anything else is a UsageError that shows the expected form."""
    name, sep, raw = text.partition("=")
    name, raw = name.strip(), raw.strip()
    if not sep or not _NAME.fullmatch(name):
        raise UsageError(f"-D expects NAME=VALUE, e.g. -D N=3 (got '{text}')")
    if raw in ("true", "false"):
        return Define(name, raw == "true")
    if not _INT.fullmatch(raw):
        raise UsageError(f"-D {name}: the value must be an integer or true/false, e.g. -D {name}=3 (got '{raw}')")
    if len(raw.lstrip("+-").lstrip("0")) > _MAX_INT_DIGITS:
        raise UsageError(f"-D {name}: the value is too large (got '{raw}')")
    return Define(name, int(raw))


def overrides_of(defines: Sequence[str] | None) -> dict[str, int | bool]:
    """The -D texts as a dict of overrides; a malformed one, or a name given twice with
    different values, is a UsageError."""
    out: dict[str, int | bool] = {}
    for d in map(parse_define, defines or ()):
        if d.name in out and out[d.name] != d.value:
            raise UsageError(f"-D {d.name} is given twice with different values")
        out[d.name] = d.value
    return out


# ---------------------------------------------------------------- the argument parser


def build_parser() -> argparse.ArgumentParser:
    """The argparse tree: `capcheck [--version] COMMAND ...`."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="A model checker for replication and failover protocols.",
        epilog="exit codes: 0 ok, 1 property violated, 2 bad spec or usage, 3 inconclusive",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {checker.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_parse_command(commands)
    return parser


def _add_parse_command(commands) -> None:
    cmd = commands.add_parser(
        "parse", help="check that a spec is well-formed",
        description="Parse and check a spec; print a one-line summary, its canonical text or its IR.")
    cmd.add_argument("spec", metavar="SPEC", help="the .cap file")
    _add_define_option(cmd)
    shown = cmd.add_mutually_exclusive_group()
    shown.add_argument("--print", dest="print_text", action="store_true",
                       help="print the spec in canonical form instead of the summary")
    shown.add_argument("--ir", action="store_true",
                       help="print the checked intermediate representation instead of the summary")
    cmd.set_defaults(run=cmd_parse)


def _add_define_option(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("-D", dest="defines", metavar="NAME=VALUE", action="append", default=[],
                     help="override a constant of the spec (an integer or true/false); repeatable")


# ---------------------------------------------------------------- reading a spec


def read_spec(path: str) -> bytes:
    """The raw bytes of the spec at `path`, refusing files over the parser's size limit.

    Raises UsageError when the file cannot be read and SpecError when it is too large; reads
    at most one byte past the limit, so a huge file or an endless device cannot exhaust memory.
    """
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise IsADirectoryError(21, "Is a directory")
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UsageError(f"cannot read '{path}': {reason}") from None
    if len(data) > MAX_FILE_BYTES:
        size = f"{info.st_size} bytes" if stat.S_ISREG(info.st_mode) else f"more than {MAX_FILE_BYTES} bytes"
        raise SpecError([Diagnostic(
            f"spec file is too large ({size}; the limit is {MAX_FILE_BYTES} bytes)", None)],
            Source(path, ""))
    return data


def load_spec(path: str, overrides: dict[str, int | bool]) -> tuple[ast.Protocol, Program]:
    """Read, parse and check a spec: (protocol, checked program).

    Raises UsageError (unreadable file, unknown -D name) or SpecError (a mistake in the spec).
    """
    protocol, source = parse_bytes(read_spec(path), path)
    return protocol, check(protocol, source, overrides)


# ---------------------------------------------------------------- `capcheck parse`


def cmd_parse(args: argparse.Namespace) -> int:
    """Parse and check one spec; print its summary, canonical text or IR."""
    overrides = overrides_of(args.defines)
    protocol, program = load_spec(args.spec, overrides)
    if args.print_text:
        emit(format_protocol(protocol).removesuffix("\n"))
    elif args.ir:
        emit(program.dump().removesuffix("\n"))
    else:
        emit(f"{args.spec}: protocol {program.name} is well-formed ({summary(program)})")
    return EXIT_OK


def emit(text: str, stream=None) -> None:
    """Write `text` and a newline to stream (default stdout).

    Characters the stream cannot encode (a non-ASCII path under an ASCII locale) are shown
    as backslash escapes instead of failing.
    """
    stream = stream if stream is not None else sys.stdout
    text += "\n"
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))


def _plural(count: int, word: str, words: str = "") -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


def summary(program: Program) -> str:
    """'2 roles, 3 nodes, 1 message, 4 handlers, 2 properties'."""
    handlers = sum(len(r.handlers) for r in program.roles)
    return ", ".join([
        _plural(len(program.roles), "role"), _plural(len(program.nodes), "node"),
        _plural(len(program.messages), "message"), _plural(handlers, "handler"),
        _plural(len(program.properties), "property", "properties"),
    ])


# ---------------------------------------------------------------- main


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
        _error("a command is required (try 'capcheck parse SPEC' or 'capcheck --help')")
        return EXIT_USAGE
    return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run capcheck with `argv` (default: sys.argv[1:]) and return the exit code.

    Never raises for anything a user can type or write in a spec: spec errors are rendered
    to stderr (exit 2); anything unexpected is reported as an internal error (exit 70).
    """
    try:
        args = _parse_args(argv)
        if isinstance(args, int):
            return args
        code = _dispatch(args)
        sys.stdout.flush()
        return code
    except SpecError as err:
        emit(err.render(), sys.stderr)
        return EXIT_USAGE
    except UsageError as err:
        _error(str(err))
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


def _silence_stdout() -> None:
    """After the reader of stdout went away (`capcheck ... | head`), drop further output."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
