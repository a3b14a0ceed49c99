"""What the exhaustive search does on specs/raft_log.cap, size by size.

Each configuration (a set of `-D` constants) is checked by `python -m checker check
specs/raft_log.cap -D ... --json - --no-progress --timeout S` in a fresh process, which
reports the distinct states, the depth reached, the depth up to which every run was
checked (`complete_depth`), the seconds, the resident memory of the process at the end of
the search (`stats.memory_bytes`: the search only grows) and why it stopped. The reference, measured in the same run and the same way, is
TwoPhase at RM = 7 (specs/two_phase.cap, 296,448 states): each configuration's rate
(distinct states per second) is printed as a ratio to TwoPhase's, which says how much
harder a Raft state is than a TwoPhase state on whatever machine runs the bench.

Nothing is enforced; the figures go to docs/performance.md. Runs that hit the time limit
are expected at the larger sizes: the reductions of issue 22 (symmetry, partial-order
reduction) are what they need.

`--args "..."` passes more options to every run of the spec (not to the reference), e.g. a
reduction's switch, so the same sizes can be measured with and without it.

Usage: python bench/raft_log.py [--timeout S] [--spec PATH] [--args "OPTIONS"] [NAME=VALUE,... ...]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SIZES = (
    "N=2,MAX_TERM=3,CLIENTS=1",
    "N=2,MAX_TERM=3,CLIENTS=2",
    "MAX_TERM=1,CLIENTS=1",
    "MAX_TERM=1,CLIENTS=1,CRASHES=1",
    "MAX_TERM=1,CLIENTS=2",
    "MAX_TERM=2,CLIENTS=1,MAX_LOG=1",
    "MAX_TERM=2,CLIENTS=1",
    "",                                  # the defaults: MAX_TERM=3, MAX_LOG=2, CLIENTS=2
)


def check(spec: str, size: str, timeout: float, extra: list[str]) -> dict:
    """One run of `capcheck check` in a fresh process: its JSON report's figures and the
    wall time."""
    defines = [a for d in size.split(",") if d for a in ("-D", d)]
    argv = [sys.executable, "-m", "checker", "check", spec, *defines, "--json", "-", "--no-progress",
            "--timeout", str(timeout), *extra]
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False,
                          env=dict(os.environ, PYTHONPATH=str(REPO)))
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1, 3):
        raise SystemExit(f"{' '.join(argv[2:])}: exit {done.returncode}\n{done.stderr}")
    data = json.loads(done.stdout)
    s = data["stats"]
    return {"size": size or "defaults", "result": data["result"], "reason": data["exit_reason"],
            "states": s["distinct_states"], "depth": s["max_depth"], "complete": data["complete_depth"],
            "seconds": s["seconds"], "wall": wall, "mib": s["memory_bytes"] / 2**20,
            "violated": [p["name"] for p in data["properties"] if p["verdict"] == "violated"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per configuration (default 300)")
    parser.add_argument("--spec", default="specs/raft_log.cap")
    parser.add_argument("--args", default="", help="more options for every run of the spec")
    parser.add_argument("sizes", nargs="*", default=list(SIZES))
    args = parser.parse_args()
    extra = shlex.split(args.args)
    ref = check("specs/two_phase.cap", "RM=7", args.timeout, [])
    ref_rate = ref["states"] / ref["seconds"]
    print(f"# python bench/raft_log.py --timeout {args.timeout:g} {args.args}; {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f}; reference: TwoPhase RM=7, {ref['states']:,} states in "
          f"{ref['seconds']:.1f} s ({ref_rate:,.0f} states/s)")
    print("| constants | result | why it stopped | distinct states | depth | every run checked up to | "
          "seconds | MiB | states/s | rate / TwoPhase's |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        r = check(args.spec, size, args.timeout, extra)
        rate = r["states"] / r["seconds"] if r["seconds"] else 0.0
        complete = "all" if r["reason"] == "complete" else ("-" if r["complete"] is None else r["complete"])
        result = r["result"] + (f" ({', '.join(r['violated'])})" if r["violated"] else "")
        print(f"| {r['size']} | {result} | {r['reason']} | {r['states']:,} | {r['depth']} | {complete} | "
              f"{r['seconds']:.1f} | {r['mib']:,.0f} | {rate:,.0f} | {rate / ref_rate:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
