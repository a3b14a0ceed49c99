"""`capcheck history --explain` on Porcupine's test data: how many violations are explained.

For every history of the corpus (../shared/histories/porcupine: 102 Jepsen etcd logs and 6
kv logs; `--corpus DIR` to point elsewhere) this reads the history, runs the offline
checker, checks its verdict against EXPECTED.md, and for a violation runs
`smt.explain.explain` with `--timeout` seconds (the CLI's default `--explain-timeout`, 120),
each history in a process of its own (`--jobs N` at a time; 1 by default, since a second
job on a two-core machine slows both), and prints one line per violated history (status,
smallest or minimal, core size, seconds) and a summary: how many are explained, by a
smallest or a minimal core, the core sizes and the median, 90th percentile and largest
time. Times are wall-clock on a shared machine and noisy; the counts are what to compare.

The run fails (exit status 1) when a verdict differs from EXPECTED.md. Nothing here is a
test.

Usage: python bench/explain.py [--corpus DIR] [--timeout S] [--jobs N] [FILE ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.histories import CORPUS, expected  # noqa: E402
from checker.history import read_history  # noqa: E402
from checker.props.linearizability import check_operations  # noqa: E402
from checker.result import Verdict  # noqa: E402
from checker.smt.explain import ExplainOptions, explain  # noqa: E402


def explain_one(path: str, timeout: float) -> tuple[Verdict, str, bool, int, float]:
    """(verdict, explanation status, smallest?, core size, seconds) for one history."""
    history = read_history(path, Path(path).read_bytes())
    if history.spec is None or not history.operations:
        return Verdict.HOLDS, "", True, 0, 0.0
    result = check_operations(history.spec, history.operations)
    if result.verdict is not Verdict.VIOLATED:
        return result.verdict, "", True, 0, 0.0
    start = time.monotonic()
    found = explain(history.spec, history.operations, result, ExplainOptions(timeout=timeout))
    return result.verdict, found.status, found.minimum, len(found.core), time.monotonic() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("files", nargs="*", help="corpus files to run (default: all)")
    args = parser.parse_args(argv)
    if not (args.corpus / "EXPECTED.md").is_file():
        print(f"no Porcupine corpus at {args.corpus} (its EXPECTED.md is missing); name it with --corpus DIR")
        return 2
    verdicts = expected(args.corpus)
    names = [n for n in sorted(verdicts) if not args.files or n in args.files or Path(n).name in args.files]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(explain_one, [str(args.corpus / n) for n in names], [args.timeout] * len(names)))
    wrong, explained, times, sizes = [], {"smallest": 0, "minimal": 0}, [], []
    unknown = []
    for name, (verdict, status, smallest, size, seconds) in zip(names, results):
        if verdict is not verdicts[name]:
            wrong.append(name)
        if not status:
            continue
        kind = "smallest" if smallest else "minimal"
        print(f"{name:24} {status:9} {kind if status == 'explained' else '-':9} {size:3} {seconds:7.1f} s")
        if status == "explained":
            explained[kind] += 1
            times.append(seconds)
            sizes.append(size)
        else:
            unknown.append(name)
    violated = sum(explained.values()) + len(unknown)
    print(f"{violated} violated histories: {sum(explained.values())} explained ({explained['smallest']} by a "
          f"smallest core, {explained['minimal']} by a minimal one), {len(unknown)} unknown"
          + (f" ({', '.join(unknown)})" if unknown else ""))
    if times:
        times.sort()
        print(f"cores of {min(sizes)} to {max(sizes)} operations (mean {statistics.mean(sizes):.0f}); "
              f"median {statistics.median(times):.1f} s, 90th percentile {times[int(0.9 * (len(times) - 1))]:.1f} s, "
              f"at most {times[-1]:.1f} s; --timeout {args.timeout:g} s, {args.jobs} job(s)")
    if wrong:
        print(f"verdicts that differ from EXPECTED.md: {', '.join(wrong)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
