"""Explicit-state search speed on TwoPhase: capcheck against a hand-written Python BFS and Spin.

For each size (number of RMs) the same run measures:

- capcheck: `compile_spec` on specs/two_phase.cap (parse, check, generate and compile the
  successor function) and `search` with default options, timed separately;
- the baseline: bench/twophase_baseline.py's plain Python BFS of the same model, the
  practical ceiling for a pure-Python explorer;
- Spin, when `spin` and `gcc` are on PATH: bench/twophase_promela.py's model through
  `spin -a`, gcc and pan; the whole pipeline's wall time and pan's own elapsed time.

Every measurement runs in a fresh Python subprocess (this script with `--worker`), so no
memory, cache or compiled model carries over from one to the next; with `--repeat K` each
is run K times and the run with the lowest search time is kept (all of its figures). The
rate is distinct states per second of search (pan's own time for Spin).

The run fails (exit status 1) when the tools disagree on the number of distinct states,
when a size's count differs from the published TwoPhase figure, or when capcheck does not
report that the invariants hold. The targets (capcheck's rate at least 60% of the
baseline's, RM=8 in under 20 s) are reported, not enforced: timings on a shared machine
are too noisy to fail on.

Usage: python bench/twophase.py [--sizes 7,8] [--repeat K] [--no-spin]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = ROOT / "specs" / "two_phase.cap"
TOOLS = ("capcheck", "baseline", "spin")
TARGET_RATIO = 0.60      # capcheck's rate / the baseline's rate
TARGET_SECONDS = 20.0    # capcheck's compile + search at RM=8
TARGET_SIZE = 8
# Distinct reachable states of TwoPhase (the same as TLC on the published model).
KNOWN = {3: 288, 5: 8_832, 7: 296_448, 8: 1_745_408}


@dataclass(frozen=True)
class Measure:
    """One tool's run at one size. `setup` is capcheck's compile time or Spin's pipeline
    time outside pan (spin -a, gcc, pan's start); `search` is the exploration itself;
    `process` is the wall time of the whole worker process as its parent saw it; `peak_mib`
    the worker's peak resident memory (for Spin: that of its largest child, pan or gcc)."""

    tool: str
    size: int
    distinct: int
    generated: int
    setup: float
    search: float
    process: float
    peak_mib: float
    verdict: str = ""

    @property
    def total(self) -> float:
        return self.setup + self.search

    @property
    def rate(self) -> float | None:
        return self.distinct / self.search if self.search > 0 else None


# ---------------------------------------------------------------- workers (one per process)


def work_capcheck(n: int) -> dict:
    """Compile and search TwoPhase with capcheck in this process; the figures as a dict."""
    from checker.pipeline import compile_spec
    from checker.explore import SearchOptions, search

    start = time.perf_counter()
    _, model = compile_spec(str(SPEC), {"RM": n}, "check")
    compiled = time.perf_counter()
    result = search(model, SearchOptions())
    done = time.perf_counter()
    return {"distinct": result.stats.distinct_states, "generated": result.stats.generated_states,
            "setup": compiled - start, "search": done - compiled, "verdict": result.result}


def work_baseline(n: int) -> dict:
    """Run the hand-written BFS in this process; the figures as a dict."""
    from twophase_baseline import explore

    start = time.perf_counter()
    distinct, generated = explore(n)
    seconds = time.perf_counter() - start
    return {"distinct": distinct, "generated": generated, "setup": 0.0, "search": seconds, "verdict": ""}


def work_spin(n: int) -> dict:
    """Run the Spin pipeline from this process; the figures as a dict."""
    from twophase_promela import run_spin

    r = run_spin(n)
    return {"distinct": r.distinct, "generated": r.transitions,
            "setup": max(r.pipeline_seconds - r.verifier_seconds, 0.0), "search": r.verifier_seconds,
            "verdict": ""}


WORKERS = {"capcheck": work_capcheck, "baseline": work_baseline, "spin": work_spin}


def peak_mib(tool: str) -> float:
    """Peak resident memory in MiB of this process, or of its largest child for Spin."""
    who = resource.RUSAGE_CHILDREN if tool == "spin" else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def worker_main(tool: str, n: int) -> int:
    """The `--worker TOOL N` entry: measure once and print the figures as one JSON line."""
    sys.path.insert(0, str(HERE))
    figures = WORKERS[tool](n)
    figures["peak_mib"] = peak_mib(tool)
    print(json.dumps(figures))
    return 0


# ---------------------------------------------------------------- the parent


def measure_once(tool: str, n: int) -> Measure:
    """Run one worker process and read its figures. Raises RuntimeError if it fails."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", tool, str(n)],
                          capture_output=True, text=True, cwd=ROOT)
    process = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{tool} at RM={n} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return Measure(tool, n, data["distinct"], data["generated"], data["setup"], data["search"], process,
                   data["peak_mib"], data["verdict"])


def measure(tool: str, n: int, repeat: int) -> Measure:
    """Best of `repeat` runs: the one with the lowest search time."""
    return min((measure_once(tool, n) for _ in range(repeat)), key=lambda m: m.search)


def machine() -> list[str]:
    """Lines describing where and when this ran (date, CPU, cores, OS, Python, load)."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "unknown"
    lines = [f"date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
             f"machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
             f"python: {platform.python_implementation()} {platform.python_version()} ({sys.executable})",
             f"load average at start: {load}"]
    return lines


def _num(x: float | None, fmt: str) -> str:
    return "-" if x is None else format(x, fmt)


def table(rows: list[Measure]) -> str:
    """The measurements as a fixed-width table, in the order given."""
    head = (f"{'RM':>3} {'tool':9} {'distinct':>10} {'generated':>11} {'setup s':>8} {'search s':>9} "
            f"{'total s':>8} {'process s':>9} {'states/s':>10} {'peak MiB':>9}")
    out = [head, "-" * len(head)]
    for m in rows:
        out.append(f"{m.size:>3} {m.tool:9} {m.distinct:>10,} {m.generated:>11,} {m.setup:>8.2f} "
                   f"{m.search:>9.2f} {m.total:>8.2f} {m.process:>9.2f} {_num(m.rate, ',.0f'):>10} {m.peak_mib:>9,.0f}")
    return "\n".join(out)


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def ratios(n: int, by_tool: dict[str, Measure]) -> list[str]:
    """The comparison lines for one size (only the ones whose figures exist)."""
    cap, base, spin = by_tool["capcheck"], by_tool["baseline"], by_tool.get("spin")
    r = _ratio(cap.rate, base.rate)
    verdict = "" if r is None else f" (target >= {TARGET_RATIO:.2f}: {'met' if r >= TARGET_RATIO else 'NOT met'})"
    out = [f"RM={n}: capcheck/baseline rate = {_num(r, '.3f')}{verdict}"]
    if spin is not None:
        out.append(f"RM={n}: Spin/capcheck rate (pan's time vs search) = {_num(_ratio(spin.rate, cap.rate), '.1f')}; "
                   f"capcheck/Spin end-to-end time (compile+search vs whole pipeline) = "
                   f"{_num(_ratio(cap.total, spin.total), '.2f')}")
    if n == TARGET_SIZE:
        met = "met" if cap.total < TARGET_SECONDS else "NOT met"
        out.append(f"RM={n}: capcheck compile+search = {cap.total:.2f} s (target < {TARGET_SECONDS:.0f} s: {met})")
    return out


def problems(n: int, by_tool: dict[str, Measure]) -> list[str]:
    """What is wrong with one size's results (empty when all agree): distinct counts that
    differ between tools or from the published figure, or capcheck not reporting HOLDS."""
    out = []
    counts = {t: m.distinct for t, m in by_tool.items()}
    if len(set(counts.values())) != 1:
        out.append(f"RM={n}: the tools disagree on distinct states: {counts}")
    if n in KNOWN and any(c != KNOWN[n] for c in counts.values()):
        out.append(f"RM={n}: expected {KNOWN[n]:,} distinct states, got {counts}")
    if by_tool["capcheck"].verdict != "holds":
        out.append(f"RM={n}: capcheck's result is {by_tool['capcheck'].verdict!r}, not 'holds'")
    return out


def notes(n: int, by_tool: dict[str, Measure]) -> list[str]:
    """Differences worth a remark that are not failures (generated counts)."""
    gen = {t: m.generated for t, m in by_tool.items()}
    if len(set(gen.values())) != 1:
        return [f"RM={n}: note: generated counts differ (the models' steps may have drifted apart): {gen}"]
    return []


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="7,8", help="comma-separated numbers of RMs (default 7,8)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per tool and size; the best is kept (default 1)")
    ap.add_argument("--no-spin", action="store_true", help="do not run Spin even if it is installed")
    args = ap.parse_args(argv)
    try:
        args.sizes = sorted({int(x) for x in args.sizes.split(",") if x.strip()})
    except ValueError:
        ap.error(f"--sizes: not a comma-separated list of integers: {args.sizes!r}")
    if not args.sizes or min(args.sizes) < 1:
        ap.error("--sizes: every size must be at least 1")
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    return args


def main(argv: list[str]) -> int:
    """Measure, print the table and ratios; 1 if a tool fails or the tools disagree, else 0."""
    if argv[:1] == ["--worker"]:
        return worker_main(argv[1], int(argv[2]))
    args = parse_args(argv)
    sys.path.insert(0, str(HERE))
    from twophase_promela import GCC_FLAGS, PAN_FLAGS, spin_available, spin_version

    tools = ["capcheck", "baseline"]
    for line in machine():
        print(line)
    print(f"command: {Path(sys.executable).name} bench/twophase.py {' '.join(argv)}".rstrip())
    if args.no_spin:
        print("spin: skipped (--no-spin)")
    elif not spin_available():
        print("spin: skipped (spin or gcc is not on PATH)")
    else:
        tools.append("spin")
        print(f"spin: {spin_version()}; gcc {' '.join(GCC_FLAGS)}; pan {' '.join(PAN_FLAGS)}")
    print(f"best of {args.repeat} run(s) per tool and size, each in a fresh process\n")
    rows, summary, failures = [], [], []
    for n in args.sizes:
        try:
            by_tool = {tool: measure(tool, n, args.repeat) for tool in tools}
        except RuntimeError as err:
            print(f"\nFAILED: {err}", file=sys.stderr)
            return 1
        rows += [by_tool[t] for t in tools]
        summary += ratios(n, by_tool) + notes(n, by_tool)
        failures += problems(n, by_tool)
    print(table(rows))
    print()
    print("\n".join(summary))
    if failures:
        print("\nFAILED:\n" + "\n".join(failures), file=sys.stderr)
        return 1
    print("\nall tools agree on the number of distinct states")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
