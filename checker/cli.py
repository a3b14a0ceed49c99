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
import json
import os
import re
import stat
import sys
import traceback
from dataclasses import dataclass
from typing import Sequence

import checker
from checker.diagnostics import Diagnostic, Source, did_you_mean, quote_list, render_all
from checker.dsl import ast, parse_bytes
from checker.dsl.parser import MAX_FILE_BYTES
from checker.dsl.printer import format_protocol
from checker.errors import CheckerError, InternalError, SpecError, UsageError
from checker.explore import Progress, SearchOptions, search
from checker.resources import default_memory_limit
from checker.model import Model, Unsupported, compile_model
from checker.model.values import SpecRuntimeError
from checker.render import json as json_report
from checker.render import text as text_report
from checker.render.text import count
from checker.result import INTERRUPTED, CheckResult, Lasso, Verdict
from checker.semantics import check
from checker.semantics.check import known_overrides
from checker.semantics.faults import FaultOverride
from checker.semantics.ir import FAULT_KINDS, Program, Symbolic

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
    """One `-D NAME=VALUE`: a constant override (an int or a bool), or `Symbolic` for
    `-D NAME=?` and `-D NAME=LO..HI` (the SMT engine chooses the value)."""

    name: str
    value: int | bool | Symbolic


def parse_define(text: str) -> Define:
    """`N=3`, `FAST=true`, `W=?`, `W=1..3` -> Define; anything else is a UsageError that shows
    the expected form."""
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
    items = [x.strip() for x in text.split(",")]
    clear = items[0] == "none"
    budgets: dict[str, int] = {}
    for item in items[1:] if clear else items:
        kind, sep, raw = (x.strip() for x in item.partition("="))
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
    return FaultOverride(clear, tuple(budgets.items()))


def fault_override_of(args: argparse.Namespace) -> FaultOverride | None:
    """The `--faults` options of a command (`_add_faults_option`), joined; None without any."""
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
    _add_check_command(commands)
    _add_replay_command(commands)
    _add_history_command(commands)
    from checker.cli_cap import add_cap_command  # it builds on this module's helpers
    add_cap_command(commands)
    from checker.cli_render import add_render_command
    add_render_command(commands)
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


def _add_check_command(commands) -> None:
    cmd = commands.add_parser(
        "check", help="explore every interleaving of a spec and check its properties",
        description="Explore every reachable state of a spec (breadth-first, so every "
                    "counterexample is a shortest one) and check its invariants.",
        epilog="exit codes: 0 every property holds, 1 a property is violated, 2 bad spec or usage, "
               "3 inconclusive (a bound was hit), 130 interrupted")
    cmd.add_argument("spec", metavar="SPEC", help="the .cap file")
    _add_define_option(cmd)
    _add_faults_option(cmd)
    _add_values_option(cmd)
    add_bounds_options(cmd)
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
    _add_json_option(cmd)
    progress = cmd.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_const", const=True, default=None,
                          help="show the progress line on stderr even when it is not a terminal")
    progress.add_argument("--no-progress", dest="progress", action="store_const", const=False,
                          help="never show the progress line")
    from checker.cli_report import add_report_option
    add_report_option(cmd)
    from checker.cli_engines import add_engine_options
    add_engine_options(cmd, _natural_int)
    cmd.set_defaults(run=cmd_check)


def add_bounds_options(cmd: argparse.ArgumentParser) -> None:
    """--max-states, --max-depth, --timeout and --max-memory (see `search_options`)."""
    cmd.add_argument("--max-states", type=_positive_int, metavar="N",
                     help="stop after N distinct states (the result is then unknown)")
    cmd.add_argument("--max-depth", type=_natural_int, metavar="D",
                     help="do not explore past D steps from the initial state")
    cmd.add_argument("--timeout", type=_positive_float, metavar="S", help="stop after S seconds")
    cmd.add_argument("--max-memory", type=_positive_int, metavar="MIB",
                     help="stop when the process uses MIB mebibytes (default: 3/4 of the memory "
                          "available at the start)")


def search_options(args: argparse.Namespace, policy: str = "bfs", deadlock: bool | None = None) -> SearchOptions:
    """The search bounds of a command's `add_bounds_options` arguments."""
    memory = args.max_memory << 20 if args.max_memory else default_memory_limit()
    return SearchOptions(policy, args.max_states, args.max_depth, args.timeout, memory, deadlock)


def _add_replay_command(commands) -> None:
    cmd = commands.add_parser(
        "replay", help="replay a saved trace step by step",
        description="Replay a trace against a spec and print every step and the final state. "
                    "TRACE is the path a report prints (e.g. 0.1.3.2), a file holding one, a "
                    "JSON report written by 'capcheck check --json', or an ITF trace (written by "
                    "'capcheck check --itf', or by another tool: its path is then found from its states).")
    cmd.add_argument("spec", metavar="SPEC", help="the .cap file")
    cmd.add_argument("trace", metavar="TRACE", help="a path such as 0.1.3.2, or a file")
    _add_define_option(cmd)
    _add_faults_option(cmd)
    _add_values_option(cmd)
    cmd.add_argument("--property", metavar="NAME",
                     help="with a JSON report: the property whose trace to replay (default: the first violated)")
    _add_json_option(cmd)
    cmd.set_defaults(run=cmd_replay)


def _add_json_option(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--json", metavar="PATH", help="also write the result as JSON to PATH ('-': to stdout, "
                                                   "instead of the text report)")


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


_positive_int = _number(int, lambda v: v > 0, "a positive integer")
_natural_int = _number(int, lambda v: v >= 0, "a non-negative integer")
_positive_float = _number(float, lambda v: 0 < v < float("inf"), "a positive number of seconds")


def _add_faults_option(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--faults", dest="faults", metavar="KIND=N,...", action="append", default=[],
                     help="override the spec's fault budgets: KIND=N replaces or adds a budget, 'none' "
                          "first sets all of them to 0 (e.g. --faults none,crash=1); repeatable")


def _add_define_option(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("-D", dest="defines", metavar="NAME=VALUE", action="append", default=[],
                     help="override a constant of the spec (an integer or true/false); repeatable")


def _add_values_option(cmd: argparse.ArgumentParser) -> None:
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


def load_spec(path: str, overrides: dict[str, int | bool | Symbolic]) -> tuple[ast.Protocol, Program]:
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


# ---------------------------------------------------------------- `capcheck check` and `replay`


def compile_spec(path: str, overrides: dict[str, int | bool | Symbolic], command: str,
                 faults: FaultOverride | None = None, data: frozenset | None = None) -> tuple[Program, Model]:
    """Read, check (with the `-D`, `--faults` and `--values` overrides) and compile a spec
    for the explicit engine.

    Raises UsageError or SpecError; a construct the engine cannot run yet, or an initial
    value that does not fit its type, is a located SpecError. A symbolic `-D` (`W=?`) is a
    UsageError: the explicit engine needs every constant's value.
    """
    protocol, source = parse_bytes(read_spec(path), path)
    concrete = {k: v for k, v in overrides.items() if not isinstance(v, Symbolic)}
    known_overrides(protocol, overrides)
    program = check(protocol, source, concrete, faults, _data_for(protocol, data))
    if len(concrete) < len(overrides):
        raise UsageError(_needs_values(program, [k for k in overrides if k not in concrete], command))
    return program, _compiled(program, source, command)


def _data_for(protocol, data: frozenset | None) -> frozenset | None:
    """`--values`, refused for a spec whose object does not declare `values = int`."""
    from checker.semantics.objectdecl import declares_int_values
    if data is not None and not declares_int_values(protocol):
        raise UsageError("--values is for a spec whose object declares 'values = int'; this spec's object "
                         "gives its own values")
    return data


def compile_symbolic(path: str, overrides: dict[str, int | bool | Symbolic], command: str,
                     faults: FaultOverride | None = None) -> tuple[Program, Model, object]:
    """For the SMT engine: the spec's program with the symbolic `-D` constants left
    symbolic, its explicit model with the spec's own values for them (the layout and
    tables the encoding shares), and the `Parameters` (smt/params.py) that compile it with
    the values the solver chooses. Raises as `compile_spec` does."""
    from checker.smt.params import Parameters, seed
    protocol, source = parse_bytes(read_spec(path), path)
    program = check(protocol, source, overrides, faults)
    concrete = {k: v for k, v in overrides.items() if not isinstance(v, Symbolic)}

    def at(values: dict, data: frozenset | None = None) -> Model:
        return _compiled(check(protocol, source, {**concrete, **values}, faults, data), source, command)

    return program, at({}, seed(program) if program.object is not None and program.object.unbounded else None), \
        Parameters(program, at)


def _needs_values(program: Program, names: list[str], command: str) -> str:
    """What to say when the explicit engine is given symbolic constants: the spec's values."""
    names = [c.name for c in program.constants if c.name in names]
    given = " ".join(f"-D {c.name}={str(c.value).lower()}" for c in program.constants if c.name in names)
    what = f"a value for {names[0]}" if len(names) == 1 else f"values for {', '.join(names[:-1])} and {names[-1]}"
    smt = f", or --engine smt to let the solver choose {'one' if len(names) == 1 else 'them'}" if command == "check" else ""
    return f"the explicit engine needs {what}; give {given}{smt}"


def _compiled(program: Program, source: Source, command: str) -> Model:
    try:
        return compile_model(program)
    except Unsupported as exc:
        raise SpecError([Diagnostic(exc.describe(command), exc.span)], source) from None
    except SpecRuntimeError as exc:
        raise SpecError([Diagnostic(exc.message, exc.where)], source) from None


class ProgressLine:
    """The live progress line on stderr: shown after the first second, at most twice a
    second, and only on a terminal unless forced."""

    def __init__(self, stream, force: bool | None) -> None:
        self.stream = stream
        isatty = getattr(stream, "isatty", lambda: False)()
        self.on = force if force is not None else isatty
        self.width = 0
        self.last = 0.0

    def __call__(self, p: Progress) -> None:
        if not self.on or p.seconds < 1.0 or p.seconds - self.last < 0.5:
            return
        self.last = p.seconds
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
        rate = int(s.distinct_states / s.seconds) if s.seconds else 0
        text = (f"{count(s.distinct_states)} states in {s.seconds:.1f} s ({count(rate)} states/s, "
                f"{s.memory_bytes >> 20:,} MiB)")
        self.stream.write("\r" + text.ljust(self.width) + "\n")
        self.stream.flush()


def cmd_check(args: argparse.Namespace) -> int:
    """Explore a spec and report every property's verdict."""
    faults = fault_override_of(args)
    overrides, parameters = overrides_of(args.defines), None
    if args.engine == "smt" and args.values is None:
        program, model, parameters = compile_symbolic(args.spec, overrides, "check", faults)
        if program.params() or (program.object is not None and program.object.unbounded):
            _engines().symbolic_outputs(args)
        else:
            parameters = None
    else:
        program, model = compile_spec(args.spec, overrides, "check", faults, args.values)
    results = _engine_results(args, model, parameters)
    result = results[0]
    defines = "".join(f" -D {d}" for d in args.defines if not isinstance(parse_define(d).value, Symbolic)) + \
        (f" --faults {faults.text()}" if faults else "")
    hint = f"{PROG} replay {args.spec}{defines} {{path}}"
    data = [json_report.report_data(r, args.spec, program.name, constants_of(program),
                                    faults=program.faults.nonzero()) for r in results]
    _write_json(args.json, json_report.dumps(data[0] if len(data) == 1 else {
        "schema": json_report.SCHEMA_VERSION, "command": "check", "engines": data}))
    if args.json != "-":
        emit("\n".join((f"engine: {r.engine}\n" if len(results) > 1 else "")
                       + text_report.report(r, args.spec, hint, traces=not args.quiet) for r in results))
    if args.itf:
        from checker import cli_trace
        cli_trace.write_itf(args.itf, cli_trace.itf_documents(
            model, result, args.spec, program.name, constants_of(program), program.faults.nonzero()))
    if args.render:
        from checker.cli_render import render_counterexamples
        render_counterexamples(args.render, model, result, args.spec)
    if args.report:
        from checker.cli_report import check_report, write_report
        write_report(args.report, check_report(model, result, args.spec, program, constants_of(program), hint))
    if result.failure is not None:
        _located(result.failure.message + text_report.with_values(result.failure.constants),
                 result.failure.span, args.spec)
    return min(_exit_code(r) for r in results) if all(r.failure is None for r in results) else EXIT_USAGE


def _engine_results(args: argparse.Namespace, model, parameters=None) -> list[CheckResult]:
    """The results of the engines `--engine` names, explicit first (see cli_engines.py);
    `parameters`: the symbolic constants the SMT engine chooses (smt/params.py)."""
    out = []
    if args.engine in ("explicit", "both"):
        if args.engine == "both" and args.max_depth is None:
            args.max_depth = args.depth if args.depth is not None else _engines().DEFAULT_DEPTH
        options = search_options(args, "dfs" if args.dfs else "bfs", args.deadlock)
        progress = ProgressLine(sys.stderr, args.progress)
        result = search(model, options, progress if progress.on else None)
        progress.finish(result)
        if args.shrink:
            from checker.explore.shrink import shrink_result
            result = shrink_result(model, result)
        out.append(result)
    if args.engine in ("smt", "both"):
        out.append(_engines().run_smt(args, model, parameters))
    if len(out) == 2:
        _engines().compare(out[0], out[1])
    return out


def _engines():
    from checker import cli_engines
    return cli_engines


def _exit_code(result: CheckResult) -> int:
    if result.failure is not None:
        return EXIT_USAGE
    if result.verdict is Verdict.VIOLATED:
        return EXIT_VIOLATED
    if result.verdict is Verdict.UNKNOWN:
        return EXIT_INTERRUPTED if result.exit_reason == INTERRUPTED else EXIT_INCONCLUSIVE
    return EXIT_OK


def _located(message: str, span, path: str) -> None:
    """A run-time failure of the spec, located like any spec error."""
    try:
        text = read_spec(path).decode("utf-8")
    except (CheckerError, UnicodeDecodeError):
        text = ""
    emit(render_all([Diagnostic(message, span)], Source(path, text)), sys.stderr)


def constants_of(program: Program) -> dict[str, int | bool]:
    """Each constant's value; the symbolic ones (and those computed from them) have none."""
    return {c.name: c.value for c in program.constants if not c.symbolic}  # type: ignore[misc]


def _write_json(target: str | None, text: str) -> None:
    if target is None:
        return
    if target == "-":
        emit(text)
        return
    try:
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError as exc:
        raise UsageError(f"cannot write '{target}': {exc.strerror or type(exc).__name__}") from None


_PATH = re.compile(r"[0-9]+(\.[0-9]+)*")


@dataclass(frozen=True)
class TraceArgument:
    """What a trace argument holds: the path, and from a JSON report the action texts it
    expects, its constants, its fault budgets and, for a liveness counterexample, its lasso
    (each None when not known); from an ITF file its recorded states (`itf`), and no path
    unless `#meta.capcheck` gives one (it is then found from the states:
    `cli_trace.replay_given`)."""

    path: list[int] | None
    actions: list[str] | None = None
    constants: dict | None = None
    faults: dict | None = None
    lasso: Lasso | None = None
    itf: cli_trace.ItfTrace | None = None  # (cli_trace is imported where it is used)
    data: frozenset | None = None          # the values of a `values = int` object the run used


def read_trace(text: str, prop: str | None) -> TraceArgument:
    """A trace argument: a path such as `0.1.3`, or the name of a file holding one or a JSON
    report.

    Raises UsageError explaining what is wrong.
    """
    if _PATH.fullmatch(text.strip()):
        return TraceArgument([int(x) for x in text.strip().split(".")])
    try:
        with open(text, encoding="utf-8") as handle:
            content = handle.read(16 << 20)
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise UsageError(f"cannot read trace '{text}': {reason} (a trace is a path such as 0.1.3, "
                         "or a file holding one or a JSON report)") from None
    if _PATH.fullmatch(content.strip()):
        return TraceArgument([int(x) for x in content.strip().split(".")])
    from checker import cli_trace
    try:
        data = json.loads(content)
    except ValueError as exc:
        raise cli_trace.not_json(text, content, exc) from None
    if cli_trace.is_itf(data):
        got = cli_trace.read_itf(data, text)
        lasso = _lasso_of({"lasso": got["lasso"]}, len(got["path"]) - 1) if got["path"] else None
        return TraceArgument(got["path"], got["actions"], got["constants"], got["faults"], lasso, got["itf"])
    trace = _pick_trace(data, prop, text)
    try:
        path = [int(x) for x in str(trace["path"]).split(".")]
        actions = [str(step["action"]) for step in trace["trace"]]
    except (KeyError, TypeError, ValueError):
        raise UsageError(f"'{text}': the trace has no readable 'path' and 'trace'") from None
    constants, faults = (data.get(k) if isinstance(data, dict) else None for k in ("constants", "faults"))
    if isinstance(constants, dict) and isinstance(trace.get("constants"), dict):
        constants = {**constants, **trace["constants"]}   # the values the solver chose for this trace
    return TraceArgument(path, actions, constants if isinstance(constants, dict) else None,
                         faults if isinstance(faults, dict) else None, _lasso_of(trace, len(path) - 1),
                         data=_values_of(trace.get("object_values"), text))


def _values_of(recorded: object, name: str) -> frozenset | None:
    """The `object_values` a JSON report records for a trace (None when it records none)."""
    if recorded is None:
        return None
    if not isinstance(recorded, list) or not all(type(v) is int for v in recorded):
        raise UsageError(f"'{name}': the trace's 'object_values' is not a list of integers")
    return frozenset(recorded)


def _lasso_of(trace: dict, length: int) -> Lasso | None:
    """The lasso a JSON property records, if it is well-formed for a trace of `length` steps
    (anything else is ignored: the markers are only a reading aid)."""
    data = trace.get("lasso")
    if not isinstance(data, dict):
        return None
    start, loop, ending, subject = (data.get(k) for k in ("start", "loop", "ending", "subject"))
    fits = isinstance(start, int) and 0 <= start <= length and (loop is None or (
        isinstance(loop, int) and start <= loop < length)) and ending in ("loop", "dead end", "error reply")
    return Lasso(start, loop, ending, str(subject)) if fits else None


def _pick_trace(data: object, prop: str | None, name: str) -> dict:
    if not isinstance(data, dict):
        raise UsageError(f"'{name}' is not a capcheck JSON report")
    if "path" in data and "trace" in data:
        return data
    props = [p for p in data.get("properties", []) if isinstance(p, dict) and "trace" in p]
    if prop is not None:
        props = [p for p in props if p.get("name") == prop]
        if not props:
            raise UsageError(f"'{name}' has no trace for property '{prop}'")
    if props:
        return props[0]
    if isinstance(data.get("error"), dict) and "trace" in data["error"]:
        return data["error"]
    raise UsageError(f"'{name}' holds no trace (no property was violated in that run)")


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
        _same_faults(faults, program.faults.nonzero())
    from checker.cli_trace import replay_given
    trace = replay_given(model, given, args.spec)
    if args.json is not None:
        _write_json(args.json, json_report.dumps(json_report.trace_data(trace)))
    if args.json != "-":
        found = f" (path {'.'.join(map(str, trace.path))}, found from the file's states)" if path is None else ""
        lines = [f"{args.spec}: a trace of {trace.length} step{'s' if trace.length != 1 else ''}{found}"]
        lines += text_report.trace_lines(trace, lasso=given.lasso)
        lines.append("final state:")
        lines += text_report.state_lines(trace)
        emit("\n".join(lines))
    return EXIT_OK


def _same_faults(recorded: dict, mine: dict) -> None:
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


def _compare_actions(trace, actions: list[str]) -> None:
    got = [step.action["action"] for step in trace.steps]
    if len(got) != len(actions):
        raise UsageError(f"the trace does not fit the spec: it has {len(actions) - 1} steps but its path "
                         f"replays {len(got) - 1}")
    for n, (want, have) in enumerate(zip(actions, got)):
        if want != have:
            raise UsageError(f"the trace does not fit the spec: step {n} is '{want}' in the trace "
                             f"but '{have}' when replayed (was the spec changed since?)")


# ---------------------------------------------------------------- `capcheck history`


def _add_history_command(commands) -> None:
    from checker.history import FORMATS, MODELS

    cmd = commands.add_parser(
        "history", help="check a recorded history (Porcupine, Jepsen EDN, JSON) for linearizability",
        description="Check that a recorded history of operations is linearizable: Wing and Gong's search "
                    "with Lowe's memoisation, key by key for a key-value store. Reads Porcupine's etcd and "
                    "kv logs, Jepsen's EDN histories and capcheck's JSON format (docs/history_format.md).",
        epilog="exit codes: 0 linearizable, 1 not linearizable, 2 unreadable history or bad usage, "
               "3 unknown (a limit was reached)")
    cmd.add_argument("file", metavar="FILE", help="the history file")
    cmd.add_argument("--format", choices=FORMATS, default="auto",
                     help="the file's format (default: auto, told from its first line)")
    cmd.add_argument("--model", choices=tuple(MODELS),
                     help="the object the history is of (default: the one the format or the file names, "
                          "or the simplest one with all the history's operations)")
    cmd.add_argument("--timeout", type=_positive_float, metavar="S",
                     help="stop after S seconds (the verdict is then unknown)")
    cmd.add_argument("--max-memory", type=_positive_int, metavar="MIB",
                     help="stop when the process uses MIB mebibytes (default: 3/4 of the memory "
                          "available at the start)")
    cmd.add_argument("--explain", action="store_true",
                     help="for a history that is not linearizable, find with Z3 the smallest set of operations "
                          "whose results contradict each other, checked by the offline checker")
    cmd.add_argument("--explain-timeout", type=_positive_float, metavar="S", default=120.0,
                     help="seconds --explain may take in all (default 120); the explanation is then unknown")
    cmd.add_argument("--render", metavar="FILE",
                     help="with --explain: draw the explained operations as FILE.dot, FILE.svg or FILE.png")
    _add_json_option(cmd)
    cmd.set_defaults(run=cmd_history)


def cmd_history(args: argparse.Namespace) -> int:
    """Read a history, check it, print the verdict (and, for a violation, where it fails)."""
    from checker.history import read_history
    from checker.history.read import read_file
    from checker.render import history as report
    from checker.props.linearizability import CheckOptions, LinearizabilityResult, check_operations

    history = read_history(args.file, read_file(args.file), args.format, args.model)
    memory = args.max_memory << 20 if args.max_memory else default_memory_limit()
    if history.operations and history.spec is not None:
        result = check_operations(history.spec, history.operations, CheckOptions(args.timeout, memory))
    else:
        result = LinearizabilityResult(Verdict.HOLDS, ())
    if args.render and not args.explain:
        raise UsageError("--render draws the operations --explain finds; add --explain")
    explanation = _explanation(history, result, args) if args.explain else None
    data = report.data(history, result)
    if explanation is not None:
        data["explanation"] = report.explanation_data(history, explanation)
    _write_json(args.json, report.dumps(data))
    if args.json != "-":
        lines = [report.text(history, result)]
        if explanation is not None:
            lines += report.explanation_text(history, explanation)
        emit("\n".join(lines))
    if explanation is not None and args.render and explanation.status == "explained":
        from checker.render.images import DotMissing, write_file
        dot = report.explanation_dot(history, explanation)
        try:
            write_file(dot, args.render)
        except DotMissing as exc:
            base = os.path.splitext(args.render)[0] + ".dot"
            write_file(dot, base)
            emit(f"{exc}; wrote {base}", sys.stderr)
        except (OSError, ValueError) as exc:
            raise UsageError(f"--render: cannot write '{args.render}': {getattr(exc, 'strerror', None) or exc}") \
                from None
    return {Verdict.HOLDS: EXIT_OK, Verdict.VIOLATED: EXIT_VIOLATED}.get(result.verdict, EXIT_INCONCLUSIVE)


def _explanation(history, result, args: argparse.Namespace):
    """`--explain`: smt/explain.py's explanation of the offline checker's verdict."""
    from checker.smt.explain import ExplainOptions, Explanation, explain
    if history.spec is None or not history.operations:
        return Explanation("linearizable")
    return explain(history.spec, history.operations, result, ExplainOptions(timeout=args.explain_timeout))


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
        _error("a command is required (try 'capcheck check SPEC' or 'capcheck --help')")
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
