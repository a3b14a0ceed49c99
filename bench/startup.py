"""Start-up cost of the `capcheck` command, against a bare Python start measured in the same run.

Runs each command REPEATS times, each in a fresh process, interleaved round by round so
that a busy spell on the machine falls on every command alike, and prints the median wall
time of each next to `python -c pass` with the same interpreter (the one running this
script, normally .venv/bin/python), and the ratio; the same for the CPU time of the child
process alone (its rusage), which leaves out the cost of spawning it. It also prints which of capcheck's
packages each command imported (`python -X importtime`), the check behind the ratios.

Targets (issue 25): `capcheck --version` within 2x of `python -c pass`; `capcheck parse` on
a library spec under 0.6 s on a quiet machine. Reported, not enforced: timings on a shared
machine are too noisy to fail on (tests/test_startup.py checks the imports instead).

Usage: python bench/startup.py [REPEATS]   (default 20)
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY = "import sys; from checker.cli import main; sys.argv[0] = 'capcheck'; sys.exit(main())"
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "capcheck --version": ["-c", ENTRY, "--version"],
    "capcheck --help": ["-c", ENTRY, "--help"],
    "capcheck history docs/examples/etcd.log": ["-c", ENTRY, "history", "docs/examples/etcd.log"],
    "capcheck parse specs/two_phase.cap": ["-c", ENTRY, "parse", "specs/two_phase.cap"],
    "capcheck check specs/two_phase.cap": ["-c", ENTRY, "check", "specs/two_phase.cap"],
}
PACKAGES = ("dsl", "semantics", "model", "explore", "smt", "analysis", "history", "props", "render", "traces")


def run_once(args: list[str]) -> tuple[float, float]:
    """Wall seconds from the spawn to the exit, and the child's CPU seconds (user + system,
    from its rusage: this excludes the cost of spawning it from this process)."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = 0   # reaped by wait4
    return wall, usage.ru_utime + usage.ru_stime


def imported(args: list[str]) -> list[str]:
    """capcheck's packages, and z3, that a run of `args` imports."""
    done = subprocess.run([sys.executable, "-X", "importtime", *args], cwd=ROOT, capture_output=True, text=True)
    names = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    found = [p for p in PACKAGES if f"checker.{p}" in names]
    return found + (["z3"] if "z3" in names else [])


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    walls: dict[str, list[float]] = {name: [] for name in COMMANDS}
    cpus: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(repeats):
        for name, args in COMMANDS.items():
            wall, cpu = run_once(args)
            walls[name].append(wall)
            cpus[name].append(cpu)
    load = os.getloadavg()[0]
    print(f"# {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
          f"load average {load:.2f}, median of {repeats} runs each")
    bare_wall, bare_cpu = statistics.median(walls["python -c pass"]), statistics.median(cpus["python -c pass"])
    print("| command | wall ms | wall ratio | CPU ms | CPU ratio | capcheck packages imported |")
    print("|---|---|---|---|---|---|")
    for name, args in COMMANDS.items():
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        packages = ", ".join(imported(args)) if name != "python -c pass" else ""
        print(f"| `{name}` | {wall * 1000:.1f} | {wall / bare_wall:.2f} | {cpu * 1000:.1f} | {cpu / bare_cpu:.2f} "
              f"| {packages or '-'} |")


if __name__ == "__main__":
    main()
