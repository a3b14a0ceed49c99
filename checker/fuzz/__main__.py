"""`python -m checker.fuzz`: run the fuzz cases (docs/fuzzing.md) and report.

Exit status 0 when no case failed, 1 when some did (each written under --out), 2 for a
bad command line.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from checker.fuzz.cases import KINDS, Limits, make_cases
from checker.fuzz.mutate import load_corpus
from checker.fuzz.runner import run_cases, save_failure, summary

REPO = Path(__file__).resolve().parents[2]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m checker.fuzz",
                                description="Fuzz capcheck: mutated specs, histories and traces, and careless command "
                                            "lines, each in a forked child with a time and a memory bound.")
    for kind, flag, default in zip(KINDS, ("--specs", "--histories", "--traces", "--clis"), (300, 100, 50, 100)):
        p.add_argument(flag, dest=kind, type=int, default=default, metavar="N",
                       help=f"cases of kind '{kind}' (default {default})")
    p.add_argument("--seed", default="1", help="the seed the cases are drawn from (default 1)")
    p.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    p.add_argument("--timeout", type=float, default=3.0, help="--timeout given to each run (default 3 s)")
    p.add_argument("--max-memory", type=int, default=400, help="--max-memory given to each run (default 400 MiB)")
    p.add_argument("--out", type=Path, default=Path("fuzz-failures"),
                   help="where failing cases are written (default ./fuzz-failures)")
    p.add_argument("--repo", type=Path, default=REPO, help="the capcheck checkout the corpus comes from")
    return p


def warm_up() -> None:
    """Load what every case needs once, before forking: the command line, the parser, Z3."""
    from checker.cli import main  # noqa: F401
    from checker.dsl import parse
    import checker.smt.bmc  # noqa: F401

    parse("protocol warm:\n    node n:\n        var v: 0..1 = 0\n", "<warm>")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    counts = {kind: getattr(args, kind) for kind in KINDS}
    corpus = load_corpus(args.repo)
    limits = Limits(args.timeout, args.max_memory)
    warm_up()
    started = time.monotonic()
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="capcheck-fuzz-") as scratch:
        cases = make_cases(counts, args.seed, corpus, args.repo / "specs", limits)
        for n, outcome in enumerate(run_cases(cases, Path(scratch), args.jobs), 1):
            outcomes.append(outcome)
            if outcome.failure:
                where = save_failure(outcome, args.out)
                print(f"FAIL {outcome.case.kind} {outcome.case.index}: {outcome.failure} -> {where}", flush=True)
            if n % 200 == 0:
                print(f"{n} cases, {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    print(summary(outcomes))
    failed = sum(1 for o in outcomes if o.failure)
    print(f"{len(outcomes)} cases in {time.monotonic() - started:.0f} s, {failed} failed"
          + (f" (written under {args.out})" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
