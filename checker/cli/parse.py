"""`capcheck parse SPEC`: is the spec well-formed? Its summary, canonical text or IR."""

from __future__ import annotations

import argparse

from checker.cli.commands import COMMANDS
from checker.cli.options import add_define_option, overrides_of
from checker.cli.output import EXIT_OK, emit
from checker.dsl.printer import format_protocol
from checker.pipeline import compile_program, compile_symbolic, load_spec
from checker.semantics.dump import dump_program
from checker.semantics.ir import Program


def add_parse_command(commands) -> None:
    cmd = commands.add_parser(
        "parse", help=COMMANDS["parse"].help,
        description="Parse and check a spec, and compile it as 'capcheck check' does (every check that needs "
                    "no search); print a one-line summary, its canonical text or its IR.")
    cmd.add_argument("spec", metavar="SPEC", help="the .cap file")
    add_define_option(cmd)
    shown = cmd.add_mutually_exclusive_group()
    shown.add_argument("--print", dest="print_text", action="store_true",
                       help="print the spec in canonical form instead of the summary")
    shown.add_argument("--ir", action="store_true",
                       help="print the checked intermediate representation instead of the summary")
    cmd.set_defaults(run=cmd_parse)


def cmd_parse(args: argparse.Namespace) -> int:
    """Parse and check one spec; print its summary, canonical text or IR."""
    overrides = overrides_of(args.defines)
    protocol, program = load_spec(args.spec, overrides)
    compiles(args.spec, overrides, program)
    if args.print_text:
        emit(format_protocol(protocol).removesuffix("\n"))
    elif args.ir:
        emit(dump_program(program).removesuffix("\n"))
    else:
        emit(f"{args.spec}: protocol {program.name} is well-formed ({summary(program)})")
    return EXIT_OK


def compiles(path: str, overrides: dict, program: Program) -> None:
    """Compile the checked spec as `capcheck check` would before its search, so that parse
    refuses what check refuses without searching (an initial value outside its type, a
    construct the engines cannot run): with the spec's own values for symbolic constants
    and an object of `values = int`, as the SMT engine compiles it. Raises SpecError."""
    if program.params() or (program.object is not None and program.object.unbounded):
        compile_symbolic(path, overrides, "check")
    else:
        compile_program(program, path, "check")


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
