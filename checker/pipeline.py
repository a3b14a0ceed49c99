"""The pipeline from a spec file to something an engine runs: read -> parse -> check ->
compile. The command line, the tests and the benches all go through here.

- `read_spec(path)`: the file's bytes, refusing one over the parser's size limit;
- `load_spec(path, overrides)`: the parsed protocol and its checked program (IR);
- `compile_spec(path, overrides, command, faults, data, checks)`: the checked program and
  its compiled explicit model, with the `-D`, `--faults` and `--values` overrides applied
  and, with `checks` (`--check`), only the properties it names compiled into the model;
- `select_properties(program, names)`: the program with only the named properties;
- `compile_symbolic(...)`: the same for the SMT engine when some constants are symbolic;
- `constants_of(program)`: each constant's value.

Every mistake in a spec is a located SpecError; a bad override or an unreadable file is a
UsageError. Nothing here prints.
"""

from __future__ import annotations

import dataclasses
import os
import stat
from typing import Callable, Sequence

from checker.diagnostics import Diagnostic, Source, did_you_mean, quote_list
from checker.dsl import ast, parse_bytes
from checker.dsl.parser import MAX_FILE_BYTES, too_large
from checker.errors import SpecError, UsageError
from checker.model import Model, Unsupported, compile_model
from checker.model.values import SpecRuntimeError
from checker.semantics import check
from checker.semantics.check import known_overrides
from checker.semantics.faults import FaultOverride
from checker.semantics.ir import Program, Symbolic
from checker.semantics.objectdecl import declares_int_values

Overrides = dict[str, int | bool | Symbolic]
"""Constant overrides by name (`-D N=3`): an int or bool, or Symbolic for the SMT engine."""


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
        raise too_large(path, data, size)
    return data


def load_spec(path: str, overrides: Overrides | None = None) -> tuple[ast.Protocol, Program]:
    """Read, parse and check a spec: (protocol, checked program).

    Raises UsageError (unreadable file, unknown -D name) or SpecError (a mistake in the spec).
    """
    protocol, source = parse_bytes(read_spec(path), path)
    return protocol, check(protocol, source, overrides or {})


DEADLOCK_FREE = "deadlock_free"
"""A property every spec can be checked for (`--deadlock`), declared or not."""


def select_properties(program: Program, names: Sequence[str] | None) -> Program:
    """`program` with only the properties `names` names (`--check`: an invariant's name or
    a check's kind), in the spec's order; `program` itself for None. `deadlock_free` is
    always a valid name (the engines check deadlocks when asked, declared or not). An
    unknown name is a UsageError that says which names there are, with "did you mean"."""
    if names is None:
        return program
    known = [p.name for p in program.properties]
    for name in names:
        if name not in known and name != DEADLOCK_FREE:
            choices = sorted(set(known) | {DEADLOCK_FREE})
            raise UsageError(f"--check {name}: the spec declares no such property{did_you_mean(name, choices)}; "
                             f"its properties are {quote_list(choices, 'and')}")
    return dataclasses.replace(program, properties=tuple(p for p in program.properties if p.name in names))


def compile_spec(path: str, overrides: Overrides | None = None, command: str = "check",
                 faults: FaultOverride | None = None, data: frozenset | None = None,
                 checks: Sequence[str] | None = None) -> tuple[Program, Model]:
    """Read, check (with the `-D`, `--faults` and `--values` overrides) and compile a spec
    for the explicit engine. `command` names the command in messages ("use --engine smt
    with check"). With `checks`, the model is compiled from `select_properties(program,
    checks)` (its `program` has only those properties; the program returned has all).

    Raises UsageError or SpecError; a construct the engine cannot run yet, or an initial
    value that does not fit its type, is a located SpecError. A symbolic `-D` (`W=?`) is a
    UsageError: the explicit engine needs every constant's value.
    """
    overrides = overrides or {}
    protocol, source = parse_bytes(read_spec(path), path)
    concrete = {k: v for k, v in overrides.items() if not isinstance(v, Symbolic)}
    known_overrides(protocol, overrides)
    program = check(protocol, source, concrete, faults, _data_for(protocol, data))
    if len(concrete) < len(overrides):
        raise UsageError(_needs_values(program, [k for k in overrides if k not in concrete], command))
    return program, _compiled(select_properties(program, checks), source, command)


def _data_for(protocol, data: frozenset | None) -> frozenset | None:
    """`--values`, refused for a spec whose object does not declare `values = int`."""
    if data is not None and not declares_int_values(protocol):
        raise UsageError("--values is for a spec whose object declares 'values = int'; this spec's object "
                         "gives its own values")
    return data


def compile_symbolic(path: str, overrides: Overrides, command: str = "check",
                     faults: FaultOverride | None = None,
                     checks: Sequence[str] | None = None) -> tuple[Program, Model, object]:
    """For the SMT engine: the spec's program with the symbolic `-D` constants left
    symbolic, its explicit model with the spec's own values for them (the layout and
    tables the encoding shares), and the `Parameters` (smt/params.py) that compile it with
    the values the solver chooses; the models have only the properties `checks` names
    (all for None). Raises as `compile_spec` does."""
    from checker.smt.params import Parameters, seed  # z3 is loaded only by the SMT engine's users
    protocol, source = parse_bytes(read_spec(path), path)
    program = check(protocol, source, overrides, faults)
    chosen = select_properties(program, checks)
    concrete = {k: v for k, v in overrides.items() if not isinstance(v, Symbolic)}

    def at(values: dict, data: frozenset | None = None) -> Model:
        at_values = check(protocol, source, {**concrete, **values}, faults, data)
        return _compiled(select_properties(at_values, checks), source, command)

    return program, at({}, seed(program) if program.object is not None and program.object.unbounded else None), \
        Parameters(chosen, at)


def _needs_values(program: Program, names: list[str], command: str) -> str:
    """What to say when the explicit engine is given symbolic constants: the spec's values."""
    names = [c.name for c in program.constants if c.name in names]
    given = " ".join(f"-D {c.name}={str(c.value).lower()}" for c in program.constants if c.name in names)
    what = f"a value for {names[0]}" if len(names) == 1 else f"values for {', '.join(names[:-1])} and {names[-1]}"
    smt = f", or --engine smt to let the solver choose {'one' if len(names) == 1 else 'them'}" if command == "check" else ""
    return f"the explicit engine needs {what}; give {given}{smt}"


def compile_program(program: Program, path: str, command: str = "check") -> Model:
    """The explicit model of a program `load_spec` checked from the spec at `path`, as
    `compile_spec` compiles it; a construct the engine cannot run or an initial value that
    does not fit its type is a SpecError located in the spec (read again to show it)."""
    return _compiled(program, lambda: parse_bytes(read_spec(path), path)[1], command)


def _compiled(program: Program, source: Source | Callable[[], Source], command: str) -> Model:
    try:
        return compile_model(program)
    except Unsupported as exc:
        raise SpecError([Diagnostic(exc.describe(command), exc.span)], _source(source)) from None
    except SpecRuntimeError as exc:
        raise SpecError([Diagnostic(exc.message, exc.where)], _source(source)) from None


def _source(source: Source | Callable[[], Source]) -> Source:
    return source() if callable(source) else source


def constants_of(program: Program) -> dict[str, int | bool]:
    """Each constant's value; the symbolic ones (and those computed from them) have none."""
    return {c.name: c.value for c in program.constants if not c.symbolic}  # type: ignore[misc]
