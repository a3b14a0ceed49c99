"""What symmetry reduction saves on the spec library: each spec that declares `symmetric`
sets, searched with and without the reduction (`SearchOptions(symmetry=False)`, as
`--no-symmetry`), in the same run.

For every case the script prints the distinct and generated states, the search time and
peak memory of both searches, and the ratios (without / with). Every measurement runs in a
fresh Python process (this script with `--worker`), so nothing carries over; with
`--repeat K` each is run K times and the run with the lowest search time is kept.

The run fails (exit status 1) when the two searches disagree on a verdict or a
counterexample length, or when two_phase_symmetric's counts differ from the orbit counts
TLC reports with `SYMMETRY Permutations(RM)` (80, 314, 553, 920, 1,461 at RM = 3, 5, 6, 7,
8). Times are reported, not enforced: a shared machine is too noisy to fail on.

Usage: python bench/symmetry.py [--only NAME,...] [--repeat K]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (name, spec, constants): two_phase_symmetric at TLC's sizes, then the library specs that
# declare symmetry, at their defaults.
CASES = [(f"two_phase_symmetric RM={n}", "two_phase_symmetric", {"RM": n}) for n in (3, 5, 6, 7, 8)] + [
    ("two_phase_broken", "two_phase_broken", {}),
    ("quorum_register", "quorum_register", {}),
    ("quorum_register R=1 W=1", "quorum_register", {"R": 1, "W": 1}),
    ("abd_no_writeback", "abd_no_writeback", {}),
    ("raft_election", "raft_election", {}),
]
TLC = {3: 80, 5: 314, 6: 553, 7: 920, 8: 1461}


def work(spec: str, constants: dict, symmetry: bool) -> dict:
    """One search in this process; its figures as a dict."""
    from checker.explore import SearchOptions, search
    from checker.pipeline import compile_spec

    _, model = compile_spec(str(ROOT / "specs" / f"{spec}.cap"), constants, "check")
    start = time.perf_counter()
    result = search(model, SearchOptions(symmetry=symmetry))
    seconds = time.perf_counter() - start
    verdicts = {p.name: [p.verdict.word, p.trace.length if p.trace else None] for p in result.properties}
    return {"distinct": result.stats.distinct_states, "generated": result.stats.generated_states,
            "seconds": seconds, "verdicts": verdicts, "reason": result.exit_reason,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure(spec: str, constants: dict, symmetry: bool, repeat: int) -> dict:
    best = None
    for _ in range(repeat):
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", spec,
                               json.dumps(constants), str(int(symmetry))], capture_output=True, text=True, cwd=ROOT)
        if proc.returncode != 0:
            raise RuntimeError(f"{spec} {constants} failed:\n{proc.stdout}{proc.stderr}")
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        if best is None or data["seconds"] < best["seconds"]:
            best = data
    return best  # type: ignore[return-value]


def main(argv: list[str]) -> int:
    if argv[:1] == ["--worker"]:
        print(json.dumps(work(argv[1], json.loads(argv[2]), argv[3] == "1")))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated case names (prefixes) to run")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    cases = [c for c in CASES if not args.only or any(c[0].startswith(o) for o in args.only.split(","))]
    print(f"{'case':26} {'states with':>12} {'without':>10} {'ratio':>6} {'s with':>7} {'s without':>9} "
          f"{'ratio':>6} {'MiB with':>8} {'without':>8}  verdicts")
    failed = False
    for name, spec, constants in cases:
        sym = measure(spec, constants, True, args.repeat)
        full = measure(spec, constants, False, args.repeat)
        same = sym["verdicts"] == full["verdicts"]
        if not same:
            failed = True
        if spec == "two_phase_symmetric" and sym["distinct"] != TLC[constants["RM"]]:
            failed = True
            print(f"  {name}: {sym['distinct']} states, TLC reports {TLC[constants['RM']]}")
        words = ", ".join(f"{k} {v[0]}" + (f" ({v[1]} steps)" if v[1] is not None else "")
                          for k, v in sym["verdicts"].items())
        print(f"{name:26} {sym['distinct']:>12,} {full['distinct']:>10,} {full['distinct'] / sym['distinct']:>6.1f} "
              f"{sym['seconds']:>7.2f} {full['seconds']:>9.2f} {full['seconds'] / max(sym['seconds'], 1e-9):>6.1f} "
              f"{sym['peak_mib']:>8.0f} {full['peak_mib']:>8.0f}  {'same' if same else 'DIFFERENT'}: {words}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
