"""The parallel search against the single-process one, measured side by side.

For each case (a library spec and its constants) the same run measures the search with
`--workers 1` and with `--workers N` (default 2), each in a fresh Python subprocess (this
script with `--worker`), alternating the two so that a change in the machine's load hits
both alike; with `--repeat K` each is run K times and the fastest run kept. It prints the
wall time of the search (compiling is the same for both and left out), the CPU time of the
worker processes, the peak memory, and the speed-up: time with one worker / time with N.

The run fails (exit status 1) when the two disagree on any count or verdict. The targets
(issue 23: at least 1.6x with two workers on TwoPhase RM=8 and raft_election) are
reported, not enforced: timings on a shared machine are too noisy to fail on, and the
speed-up needs as many idle cores as workers (the load average is printed).

Usage: python bench/parallel.py [--cases two_phase:RM=7,raft_election] [--workers N] [--repeat K]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_CASES = "two_phase:RM=7,raft_election"
TARGET = 1.6


def work(case: str, workers: int) -> dict:
    """Compile and search one case in this process; the figures as a dict."""
    from checker.explore import SearchOptions, search
    from checker.pipeline import compile_spec

    name, constants = parse_case(case)
    _, model = compile_spec(str(ROOT / "specs" / f"{name}.cap"), constants, "check")
    start, cpu = time.perf_counter(), time.process_time()
    result = search(model, SearchOptions(workers=workers))
    seconds, own = time.perf_counter() - start, time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"distinct": result.stats.distinct_states, "generated": result.stats.generated_states,
            "depth": result.stats.max_depth, "verdicts": [p.verdict.word for p in result.properties],
            "exit": result.exit_reason, "seconds": seconds, "cpu": own + children.ru_utime + children.ru_stime,
            "peak_mib": max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, children.ru_maxrss) / 1024}


def parse_case(case: str) -> tuple[str, dict[str, int]]:
    name, _, rest = case.partition(":")
    constants = {}
    for part in filter(None, rest.split(";")):
        key, _, value = part.partition("=")
        constants[key] = int(value)
    return name, constants


def measure(case: str, workers: int) -> dict:
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", case, str(workers)],
                          capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise RuntimeError(f"{case} with {workers} workers failed:\n{proc.stdout}{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    if argv[:1] == ["--worker"]:
        print(json.dumps(work(argv[1], int(argv[2]))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default=DEFAULT_CASES,
                        help="comma-separated SPEC[:NAME=VALUE;...] (default %(default)s)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} cores; load average at start: {' '.join(map(str, os.getloadavg()))}")
    print(f"python: {sys.version.split()[0]}; best of {args.repeat} run(s), each in a fresh process\n")
    print(f"{'case':<22} {'workers':>7} {'distinct':>10} {'search s':>9} {'cpu s':>7} {'peak MiB':>9}")
    bad = False
    for case in args.cases.split(","):
        runs: dict[int, list[dict]] = {1: [], args.workers: []}
        for _ in range(args.repeat):
            for w in runs:
                runs[w].append(measure(case, w))
        best = {w: min(rs, key=lambda r: r["seconds"]) for w, rs in runs.items()}
        for w, r in best.items():
            print(f"{case:<22} {w:>7} {r['distinct']:>10,} {r['seconds']:>9.2f} {r['cpu']:>7.2f} {r['peak_mib']:>9.0f}")
        one, many = best[1], best[args.workers]
        same = all(one[k] == many[k] for k in ("distinct", "generated", "depth", "verdicts", "exit"))
        bad = bad or not same
        ratio = one["seconds"] / many["seconds"]
        met = "met" if ratio >= TARGET else "NOT met"
        print(f"{case}: speed-up with {args.workers} workers {ratio:.2f}x (target >= {TARGET}: {met}); "
              f"{'same counts and verdicts' if same else 'COUNTS OR VERDICTS DIFFER'}\n")
    print(f"load average at end: {' '.join(map(str, os.getloadavg()))}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
