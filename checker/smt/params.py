"""Symbolic constants in the Z3 engine (`-D NAME=?`, `-D NAME=LO..HI`), and symbolic data
(an object of `values = int`).

A constant left symbolic is an `ir.Param` wherever the spec uses it (a constant computed
from one is the expression over it: checker/semantics). The encoding gives each one Z3
constant, named after it, so that every step, every state and every property of a run
share it; `constraints` keeps it within its range. A run the solver finds then comes with
a value for each (`values`), and the explicit model compiled with those values
(`Parameters.at`, the CLI's `-D NAME=VALUE`) is the one the run is matched and replayed
against: the explicit engine never sees a symbolic constant.

Symbolic data goes the same way: the encoding gives each request's integer arguments Z3
integers of their own (state.Shape.argument), and a run found is replayed in the explicit
model whose object values are the integers the run uses (`Parameters.at(..., data)`, the
CLI's `--values`); `seed` gives the ones the initial state needs before any run is found.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from typing import Callable

import z3

from checker.model import Model
from checker.semantics import ir
from checker.semantics.types import BoolT, IntT

Values = tuple[tuple[str, "int | bool"], ...]   # (name, value) in declaration order


@dataclass(frozen=True)
class Parameters:
    """A spec with symbolic constants or data: `program`, its IR with them left symbolic, and
    `at(values, data)`, the explicit model compiled with the given values for the constants
    and, for an object of `values = int`, the object's values `data` (a frozenset of
    integers; pure: the same arguments give an equal model)."""

    program: ir.Program
    at: Callable[[dict], Model]


def term(p: ir.Param) -> z3.ExprRef:
    """The one Z3 constant of symbolic constant `p` (a Bool or an Int)."""
    name = f"const!{p.name}"
    return z3.Bool(name) if isinstance(p.type, BoolT) else z3.Int(name)


def constraints(program: ir.Program) -> list[z3.BoolRef]:
    """The ranges of `program`'s symbolic constants (`-D NAME=LO..HI`)."""
    out = []
    for p in program.params():
        if isinstance(p.type, IntT) and p.type.bounded:
            x = term(p)
            out.append(z3.And(x >= p.type.lo, x <= p.type.hi))  # type: ignore[operator]
    return out


def values(model: z3.ModelRef, program: ir.Program) -> Values:
    """The value the solver's `model` gives each symbolic constant of `program`."""
    out = []
    for p in program.params():
        got = model.eval(term(p), model_completion=True)
        out.append((p.name, z3.is_true(got) if isinstance(p.type, BoolT) else got.as_long()))  # type: ignore[attr-defined]
    return tuple(out)


def seed(program: ir.Program) -> frozenset:
    """The object values the initial state of a `values = int` spec needs: 0, the object's
    initial value and every integer literal of the variables' initial values (which the
    checker folds constants into)."""
    found = {0, program.object.param("initial", 0)}  # type: ignore[union-attr]
    for role in program.roles:
        for decl in role.vars:
            _literals(decl.init, found)
    return frozenset(v for v in found if type(v) is int)


def _literals(x: object, found: set) -> None:
    if isinstance(x, ir.Lit):
        if type(x.value) is int:
            found.add(x.value)
    elif isinstance(x, tuple):
        for y in x:
            _literals(y, found)
    elif is_dataclass(x):
        for f in fields(x):
            _literals(getattr(x, f.name), found)


def ranges(program: ir.Program) -> dict[str, str]:
    """What each symbolic constant ranges over, as a reader would write it: '1..3', 'any
    integer', 'true or false'."""
    out = {}
    for p in program.params():
        t = p.type
        out[p.name] = ("true or false" if isinstance(t, BoolT) else
                       f"{t.lo}..{t.hi}" if isinstance(t, IntT) and t.bounded else "any integer")
    return out


def lowered(program: ir.Program) -> tuple[ir.Param, ...]:
    """The symbolic integer constants a found run is lowered over (`lowest`): those bounded
    below, by a range (`-D NAME=LO..HI`) or by being a clock bound (a natural number)."""
    clocks = program.clocks
    floored = {b.name for b in ((clocks.drift, clocks.offset) if clocks is not None else ())
               if isinstance(b, ir.Param)}
    return tuple(p for p in program.params() if isinstance(p.type, IntT)
                 and (p.type.lo is not None or p.name in floored))


def lowest(program: ir.Program, check: Callable[[z3.BoolRef], bool], model: Callable[[], z3.ModelRef],
           bad: z3.BoolRef, limit: int = 64) -> None:
    """Lower the symbolic constants of a run found breaking a property (`bad` holds in the
    solver's `model()`): each in turn, in declaration order, to the smallest value with which
    some run of the same length still breaks it, the ones before it kept at theirs. `check(f)`
    asks the solver for a run satisfying f, and on success makes `model()` that run's. Runs
    are searched by length: a still smaller value may need a longer run. At most `limit`
    checks per constant (the solver usually jumps far below the bound it is given)."""
    kept: list[z3.BoolRef] = []
    for p in lowered(program):
        x = term(p)
        for _ in range(limit):
            if not check(z3.And(bad, *kept, x < model().eval(x, model_completion=True))):
                break
        kept.append(x == model().eval(x, model_completion=True))
