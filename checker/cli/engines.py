"""`capcheck check --engine explicit|smt|both [--depth K]`: which engine decides a spec.

- `explicit` (the default): the explicit-state search (checker/explore);
- `smt`: bounded model checking with Z3 to `--depth K` steps (default 10), every trace
  replayed through the explicit semantics before it is shown (checker/analysis/verify.py);
- `both`: the two, the explicit search bounded by the same depth unless `--max-depth` says
  otherwise, and their verdicts compared: a violation one finds and the other rules out,
  or shortest counterexamples of different lengths, is an internal error (a bug in one of
  them), never a report about the spec. For `available` and `converges` only a lasso
  against a pass is compared: the two measure their shortest lassos differently (the
  explicit search by the run to where the continuation starts, the SMT engine by the
  whole lasso), and a lasso the depth cuts short is no disagreement.

A spec the SMT encoding cannot express is refused with a located error that names the
construct (exit code 2).
"""

from __future__ import annotations

import argparse

from checker.analysis.verify import DEFAULT_DEPTH, NOT_DECIDED, SmtOptions, smt_check
from checker.diagnostics import Diagnostic
from checker.dsl import parse_bytes
from checker.errors import InternalError, SpecError, UsageError
from checker.model import Model
from checker.model.exprgen import Unsupported
from checker.pipeline import read_spec
from checker.props import kinds
from checker.result import TIMEOUT, CheckResult, Verdict
from checker.smt.params import Parameters
from checker.smt.symbolic import NotEncodable

ENGINES = ("explicit", "smt", "both")


def add_engine_options(cmd: argparse.ArgumentParser, natural) -> None:
    cmd.add_argument("--engine", choices=ENGINES, default="explicit",
                     help="explicit: explore every state (default); smt: bounded model checking with Z3; "
                          "both: run the two and compare them")
    cmd.add_argument("--depth", type=natural, metavar="K",
                     help=f"with --engine smt or both: search runs of up to K steps (default {DEFAULT_DEPTH})")


def check_engine_options(args: argparse.Namespace) -> None:
    """Refuse `--depth` without an engine that reads it (it would be ignored silently)."""
    if args.depth is not None and args.engine == "explicit":
        raise UsageError("--depth bounds the SMT engine: add --engine smt (or both); the explicit search is "
                         "bounded with --max-depth")


def smt_options(args: argparse.Namespace) -> SmtOptions:
    return SmtOptions(DEFAULT_DEPTH if args.depth is None else args.depth, args.timeout)


def run_smt(args: argparse.Namespace, model: Model, parameters: Parameters | None = None) -> CheckResult:
    """The SMT engine's result (with `parameters`, the symbolic constants it chooses); a
    spec it cannot encode is a located SpecError."""
    try:
        return smt_check(model, smt_options(args), parameters=parameters, budget=args.budget)
    except (Unsupported, NotEncodable) as exc:
        what = exc.what if isinstance(exc, Unsupported) else str(exc)
        span = exc.span if isinstance(exc, Unsupported) else None
        _, source = parse_bytes(read_spec(args.spec), args.spec)
        raise SpecError([Diagnostic(f"the SMT engine cannot encode {what} yet; use --engine explicit "
                                    "for this spec", span)], source) from None


def symbolic_outputs(args: argparse.Namespace) -> None:
    """Refuse the outputs that draw or record a run with one model (`--itf`, `--render`,
    `--report`) when the constants are symbolic: each counterexample has values of its own."""
    for flag, given in (("--itf", args.itf), ("--render", args.render), ("--report", args.report)):
        if given:
            raise UsageError(f"{flag} needs every constant's value; run the check with symbolic constants "
                             f"first, then again with the -D values its report gives")


def compare(explicit: CheckResult, smt: CheckResult) -> None:
    """Raise InternalError when the two engines disagree within the bounds they shared: on
    the liveness checks, an SMT lasso where the explicit search proved the property; on the
    others (invariants and the history checks, each a shortest run in both engines), a
    violation one finds and the other rules out within the depth, or shortest
    counterexamples of different lengths."""
    theirs = {p.name: p for p in smt.properties}
    for p in explicit.properties:
        q = theirs.get(p.name)
        if q is None or NOT_DECIDED in (q.reason or ""):
            continue
        if p.kind in kinds.LIVENESS:
            if q.verdict is Verdict.VIOLATED and p.verdict is Verdict.HOLDS:
                raise InternalError(f"the engines disagree on '{p.name}': the SMT engine's lasso breaks it, the "
                                    "explicit search explored every state and found it holds")
            continue
        if p.verdict is Verdict.VIOLATED and q.verdict is Verdict.VIOLATED:
            if p.trace.length != q.trace.length:  # type: ignore[union-attr]
                raise InternalError(f"the engines disagree on '{p.name}': shortest counterexamples of "
                                    f"{p.trace.length} and {q.trace.length} steps")  # type: ignore[union-attr]
        elif p.verdict is Verdict.VIOLATED and smt.exit_reason != TIMEOUT and \
                p.trace.length <= smt.stats.max_depth:  # type: ignore[union-attr]
            raise InternalError(f"the engines disagree on '{p.name}': the explicit search breaks it in "
                                f"{p.trace.length} steps, the SMT engine finds no such run")  # type: ignore[union-attr]
        elif q.verdict is Verdict.VIOLATED and p.verdict is Verdict.HOLDS:
            raise InternalError(f"the engines disagree on '{p.name}': the SMT engine breaks it, the explicit "
                                "search explored every state without finding it broken")
