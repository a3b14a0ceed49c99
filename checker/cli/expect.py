"""`capcheck test [PATHS...]`: check every spec that writes expectations
(`check linearizable expect violated`) against them, with a summary like pytest's.

For each spec with expectations: one line, the spec's path and a character per
expectation (`.` passed, `F` failed), or `E` and the error for a spec that cannot be
checked; then each failure in full (with the counterexample of a property that was
expected to hold); with `--coverage`, a warning for each handler, timeout, action or
fault of a checked spec that never fired (explore/coverage.py); and the closing line
`N passed, M failed` (`, K warnings`). Exit status: 0 every expectation met, 1 one
failed, 2 a spec could not be checked or no spec has an expectation. Specs without
expectations are skipped.
"""

from __future__ import annotations

import argparse
import sys

from checker.cli.commands import COMMANDS
from checker.cli.options import positive_float, positive_int
from checker.cli.output import EXIT_OK, EXIT_USAGE, EXIT_VIOLATED, emit
from checker.errors import SpecError, UsageError


def add_test_command(commands) -> None:
    cmd = commands.add_parser(
        "test", help=COMMANDS["test"].help,
        description="Check every spec under PATHS (default: the current directory) that states expected "
                    "verdicts ('check linearizable expect violated in 6 steps', 'invariant safe: ... expect "
                    "holds') and report which expectations are met, like pytest.",
        epilog="exit codes: 0 every expectation met, 1 one failed, 2 a spec could not be checked, or none "
               "states an expectation")
    cmd.add_argument("paths", metavar="PATH", nargs="*", default=["."],
                     help="spec files, or directories searched for *.cap files (default: .)")
    cmd.add_argument("--timeout", type=positive_float, metavar="S", help="stop after S seconds in all")
    cmd.add_argument("--max-memory", type=positive_int, metavar="MIB",
                     help="stop when the process uses MIB mebibytes (default: 3/4 of the memory available)")
    cmd.add_argument("--coverage", action="store_true",
                     help="also count how often each handler, timeout, action and fault fired, and warn about "
                          "any that never fired (the warnings change no exit status)")
    cmd.set_defaults(run=cmd_test)


def cmd_test(args: argparse.Namespace) -> int:
    """Check each spec's expectations; print the progress lines, the failures, the summary."""
    from checker.expectations import run_spec, spec_files
    from checker.render.coverage import warnings as coverage_warnings

    passed = failed = errors = 0
    failures: list[str] = []
    warned: list[str] = []
    for path in spec_files(args.paths):
        try:
            outcomes, coverage = run_spec(path, args.budget, args.coverage)
        except (SpecError, UsageError) as err:
            errors += 1
            text = err.render() if isinstance(err, SpecError) else f"{path}: error: {err}"
            emit(f"{path} E")
            failures.append(f"ERROR {path}\n{text}")
            continue
        if not outcomes:
            continue
        warned += coverage_warnings(coverage, path) if coverage is not None else []
        emit(f"{path} " + "".join("." if o.passed else "F" for o in outcomes))
        for o in outcomes:
            if o.passed:
                passed += 1
                continue
            failed += 1
            failures.append(f"FAILED {path}: {o.message()}" + (f"\n{o.trace}" if o.trace else ""))
    for failure in failures:
        emit("\n" + failure)
    if warned:
        emit("\n" + "\n".join(warned))
    if passed + failed + errors == 0:
        emit(f"capcheck: no spec under {' '.join(args.paths)} states an expectation "
             "(write e.g. 'check linearizable expect holds')", sys.stderr)
        return EXIT_USAGE
    emit(("\n" if failures or warned else "") + f"{passed} passed, {failed} failed"
         + (f", {errors} error{'s' if errors > 1 else ''}" if errors else "")
         + (f", {len(warned)} warning{'s' if len(warned) > 1 else ''}" if warned else ""))
    return EXIT_USAGE if errors else EXIT_VIOLATED if failed else EXIT_OK
