"""How fast simulation finds the spec library's counterexamples, next to the exhaustive search.

The cases are the safety violations specs/README.md lists: every row of its "Expected
verdicts" table whose verdict is `violated`, except `available` and `converges` (liveness,
which simulation does not decide), and quorum_register's linearizability at R = W = 1,
which the README gives in words. For each spec, in the same run and each in a fresh
process (`python -m checker check ... --json - --times`, only the listed properties with
`--check`, each run bounded by `--timeout`):

- the breadth-first search (the reference): the seconds after which it found each
  violation (`found.seconds`) and the length of its shortest counterexample;
- simulation with the fixed seed (`--seed`, default 0), uniform and with `--swarm`: the
  walk that found each violation, the seconds after which it was found (before shrinking),
  and the length of the counterexample after shrinking (and before).

Prints one row per violation, with simulation's time as a ratio to the search's (below 1:
simulation found it sooner). The target, reported and not enforced (times on a shared
machine are noisy): simulation finds every violation within 60 s. Exit status 1 when a run
fails (exit code other than 1 or 3) or reports a verdict the README does not expect.

Usage: python bench/simulate.py [--timeout S] [--seed S] [--modes uniform,swarm] [--no-bfs] [SPEC ...]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = REPO / "specs" / "README.md"
LIVENESS = ("check available", "check converges")
TARGET = 60.0
# violations the README gives in words rather than in its table: spec -> (defines, property, length)
EXTRA = {"quorum_register": (("R=1", "W=1"), "check linearizable", "8")}


@dataclass(frozen=True)
class Case:
    spec: str                   # the file's stem
    defines: tuple[str, ...]
    props: tuple[str, ...]      # as the README writes them: 'invariant x', 'check linearizable'
    lengths: tuple[str, ...]    # the README's shortest length of each, or '?'


def cases() -> list[Case]:
    """The README's safety violations, grouped by spec, in table order."""
    rows: dict[str, list[tuple[str, str]]] = {}
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index("## Expected verdicts")
    for line in lines[start + 3:]:
        if not line.startswith("|"):
            break
        spec, prop, verdict, why = [c.strip() for c in line.strip().strip("|").split("|")][:4]
        prop = prop.strip("`")
        if verdict == "violated" and prop not in LIVENESS:
            length = re.match(r"(\d+) steps", why)
            rows.setdefault(spec.strip("`").removesuffix(".cap"), []).append(
                (prop, length.group(1) if length else "?"))
    out = [Case(s, (), tuple(p for p, _ in r), tuple(n for _, n in r)) for s, r in rows.items()]
    out += [Case(s, d, (p,), (n,)) for s, (d, p, n) in EXTRA.items()]
    return out


def _name(prop: str) -> str:
    """'invariant x' -> 'x', 'check linearizable' -> 'linearizable' (what --check takes)."""
    return prop.split(" ", 1)[1]


def run(case: Case, timeout: float, extra: list[str]) -> tuple[dict, float]:
    """The JSON report of one `capcheck check` of `case` and the process's wall time."""
    argv = [sys.executable, "-m", "checker", "check", f"specs/{case.spec}.cap", "--json", "-", "--times",
            "--timeout", str(timeout), "--no-progress", *(a for d in case.defines for a in ("-D", d)),
            *(a for p in case.props for a in ("--check", _name(p))), *extra]
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False,
                          env=dict(os.environ, PYTHONPATH=str(REPO)))
    wall = time.perf_counter() - start
    if done.returncode not in (1, 3):
        raise SystemExit(f"{' '.join(argv[2:])}: exit {done.returncode}\n{done.stderr}")
    return json.loads(done.stdout), wall


def found(report: dict, prop: str) -> dict | None:
    """The violated property's JSON entry, or None when the run did not find it."""
    name = _name(prop)
    entry = next(p for p in report["properties"] if p["name"] == name)
    return entry if entry["verdict"] == "violated" else None


def cell(entry: dict | None, simulated: bool) -> str:
    if entry is None:
        return "not found"
    f = entry["found"]
    where = f"walk {f['walk']:,}, " if simulated else ""
    length = f"{entry['length']}" + (f" (from {entry['shrunk_from']})" if "shrunk_from" in entry else "")
    return f"{where}{f['seconds']:.2f} s, {length} steps"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=TARGET, help="seconds per run (default 60)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--modes", default="uniform,swarm")
    parser.add_argument("--no-bfs", action="store_true", help="skip the breadth-first reference")
    parser.add_argument("specs", nargs="*")
    args = parser.parse_args()
    modes = args.modes.split(",")
    print(f"# python bench/simulate.py --timeout {args.timeout:g} --seed {args.seed}; "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print("| spec | property | README | BFS | " + " | ".join(f"{m} | ratio" for m in modes) + " |")
    print("|---|---|---|---|" + "---|---|" * len(modes))
    bad = 0
    worst = {m: 0.0 for m in modes}
    for case in cases():
        if args.specs and case.spec not in args.specs:
            continue
        bfs = None if args.no_bfs else run(case, args.timeout, [])[0]
        sims = {m: run(case, args.timeout, ["--simulate", "--seed", str(args.seed), "--walks", "100000000"]
                       + (["--swarm"] if m == "swarm" else []))[0] for m in modes}
        for prop, length in zip(case.props, case.lengths):
            ref = found(bfs, prop) if bfs is not None else None
            cells = []
            for m in modes:
                got = found(sims[m], prop)
                if got is None:
                    worst[m] = float("inf")
                    cells += ["not found", "-"]
                    continue
                worst[m] = max(worst[m], got["found"]["seconds"])
                ratio = got["found"]["seconds"] / ref["found"]["seconds"] if ref and ref["found"]["seconds"] else None
                cells += [cell(got, True), f"{ratio:.2f}" if ratio is not None else "-"]
            if bfs is not None and ref is None and bfs["exit_reason"] not in ("timeout", "memory"):
                bad += 1
            defines = "".join(f" -D {d}" for d in case.defines)
            print(f"| {case.spec}{defines} | {prop} | {length} | {cell(ref, False) if bfs else '-'} | "
                  + " | ".join(cells) + " |")
    for m in modes:
        met = "met" if worst[m] <= TARGET else "not met"
        print(f"{m}: every violation found within {worst[m]:.1f} s (target {TARGET:g} s: {met})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
