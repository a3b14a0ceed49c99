"""A small wrapper around one Z3 solver: what every SMT check of capcheck is built on.

- `Solver` owns its own `z3.Context`, so two solvers share no state (z3's default context
  is process-global); terms for it are made with `solver.ctx`. The protocol encoding
  (bmc.py) builds its terms in z3's main context and passes it as `context`.
- `scope()` is a push/pop pair as a context manager: the pop runs in a `finally`, so
  constraints added inside never outlive it, whatever is raised.
- `literal(name)` makes a named assumption literal: a Boolean constant the caller passes
  to `check` to assume it for that check only; the unsat core is reported as the names of
  the assumed literals it holds.
- `check(assumptions, timeout)` returns an `Answer`: SAT with a `Model`, UNSAT with its
  core, or UNKNOWN with Z3's `reason_unknown` (a timeout, a resource limit, an incomplete
  theory). An UNKNOWN is never a verdict: check functions turn it into `SolverUnknown`.

Deterministic: the same constraints and checks give the same answers, unless a timeout is
hit (which depends on the machine). Nothing here prints.
"""

from __future__ import annotations

import enum
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Iterable, Iterator

import z3

from checker.errors import CheckerError, InternalError


_NO_TIMEOUT = 4294967295  # Z3's "no timeout" (milliseconds)


class Outcome(enum.Enum):
    SAT = "sat"
    UNSAT = "unsat"
    UNKNOWN = "unknown"


class SolverUnknown(CheckerError):
    """Z3 could not decide a check; `reason` is why (Z3's `reason_unknown`, e.g. 'timeout')."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"Z3 could not decide: {reason}")


class Model:
    """The values a SAT answer gives to terms (every constant has one: model completion)."""

    def __init__(self, model: z3.ModelRef) -> None:
        self.raw = model      # the z3 model, for code that evaluates terms itself (bmc.py)

    def value(self, term: z3.ExprRef) -> bool | int | Fraction:
        """`term`'s value: a bool, an int, or (for a real) a Fraction."""
        got = self.raw.eval(term, model_completion=True)
        if z3.is_true(got) or z3.is_false(got):
            return z3.is_true(got)
        if z3.is_int_value(got):
            return got.as_long()  # type: ignore[attr-defined]
        if z3.is_rational_value(got):
            return Fraction(got.numerator_as_long(), got.denominator_as_long())  # type: ignore[attr-defined]
        raise InternalError(f"no Python value for the term {term} = {got}")


@dataclass(frozen=True)
class Answer:
    """The answer to one check: `model` for SAT, `core` (names of assumed literals, a subset
    of those assumed, not necessarily minimal) for UNSAT, `reason` for UNKNOWN."""

    outcome: Outcome
    model: Model | None = field(default=None, compare=False)
    core: frozenset[str] = frozenset()
    reason: str | None = None

    def decided(self) -> "Answer":
        """This answer, or SolverUnknown raised when it is UNKNOWN."""
        if self.outcome is Outcome.UNKNOWN:
            raise SolverUnknown(self.reason or "unknown")
        return self


class Solver:
    """One Z3 solver with its own context, or with `context` (see the module doc).
    `timeout` (seconds, None: none) bounds each check unless a check gives its own."""

    def __init__(self, timeout: float | None = None, context: z3.Context | None = None) -> None:
        self.ctx = context if context is not None else z3.Context()
        self._solver = z3.Solver(ctx=self.ctx)
        self._solver.set("ctrl_c", False)   # SIGINT is the command line's: it interrupts through the budget
        self._literals: dict[str, z3.BoolRef] = {}
        self.timeout = timeout

    def add(self, *constraints: z3.BoolRef) -> None:
        self._solver.add(*constraints)

    @contextmanager
    def scope(self) -> Iterator[None]:
        """Constraints added inside are dropped on leaving, also when an exception escapes."""
        self._solver.push()
        try:
            yield
        finally:
            self._solver.pop()

    @property
    def depth(self) -> int:
        """How many scopes are open."""
        return self._solver.num_scopes()

    def literal(self, name: str) -> z3.BoolRef:
        """The assumption literal called `name` (made on first use; the same one after)."""
        found = self._literals.get(name)
        if found is None:
            found = self._literals[name] = z3.Bool(name, self.ctx)
        return found

    def check(self, assumptions: Iterable[z3.BoolRef] = (), timeout: float | None = None) -> Answer:
        """Whether the constraints hold together with `assumptions` (literals from `literal`
        or their negations). `timeout` overrides the solver's for this check."""
        limit = self.timeout if timeout is None else timeout
        self._solver.set("timeout", _NO_TIMEOUT if limit is None else max(1, min(_NO_TIMEOUT, int(limit * 1000))))
        assumed = list(assumptions)
        result = self._solver.check(*assumed)
        if result == z3.sat:
            return Answer(Outcome.SAT, model=Model(self._solver.model()))
        if result == z3.unsat:
            return Answer(Outcome.UNSAT, core=frozenset(str(t) for t in self._solver.unsat_core()))
        reason = self._solver.reason_unknown() or "unknown"
        return Answer(Outcome.UNKNOWN, reason="timeout" if reason == "canceled" else reason)  # Z3 says canceled
