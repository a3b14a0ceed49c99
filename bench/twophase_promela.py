"""TwoPhase in Promela, and a runner for Spin's compiled verifier.

The Promela model has the same steps as `specs/two_phase.cap` (see twophase_baseline.py
for the list): one process whose `do` loop offers one `d_step` per step instance, so every
loop iteration is one atomic transition and Spin's stored states are exactly the model's
states (the process's program counter is always at the loop head). Messages are flags
that are set once and never cleared.

`run_spin(n)` writes the model into a temporary directory and runs
`spin -a`, `gcc -O2 -DNOREDUCE -DSAFETY` and `./pan -E -m10000000 -w26` there, then reads the
verifier's report. `spin_available()` says whether `spin` and `gcc` are on PATH.

Usage: python bench/twophase_promela.py N            (prints the Promela text)
       python bench/twophase_promela.py --run N      (runs Spin, prints one result line)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

GCC_FLAGS = ("-O2", "-DNOREDUCE", "-DSAFETY")
PAN_FLAGS = ("-E", "-m10000000", "-w26")


def promela(n: int) -> str:
    """The Promela text of TwoPhase with `n` RMs (n >= 1). Pure and deterministic."""
    if n < 1:
        raise ValueError("TwoPhase needs at least one RM")
    every_recorded = " && ".join(f"recorded[{i}]" for i in range(n))
    lines = [
        f"/* TwoPhase (Gray & Lamport), one TM and {n} RMs; written by bench/twophase_promela.py */",
        f"#define N {n}",
        "#define WORKING 0",
        "#define PREPARED 1",
        "#define COMMITTED 2",
        "#define ABORTED 3",
        "#define TM_INIT 0",
        "#define TM_COMMITTED 1",
        "#define TM_ABORTED 2",
        "",
        "byte rm[N];             /* each RM's state, all WORKING at the start */",
        "byte tm = TM_INIT;      /* the TM's state */",
        "bool recorded[N];       /* tmPrepared: RMs the TM has heard Prepared from */",
        "bool prepared_msg[N];   /* Prepared(i) has been sent (never removed) */",
        "bool commit_msg;        /* Commit has been sent */",
        "bool abort_msg;         /* Abort has been sent */",
        "",
        "active proctype two_phase()",
        "{",
        "    do",
    ]
    for i in range(n):
        lines.append(f"    :: d_step {{ tm == TM_INIT && prepared_msg[{i}] && !recorded[{i}] -> recorded[{i}] = true }}")
    lines.append(f"    :: d_step {{ tm == TM_INIT && {every_recorded} -> tm = TM_COMMITTED; commit_msg = true }}")
    lines.append("    :: d_step { tm == TM_INIT -> tm = TM_ABORTED; abort_msg = true }")
    for i in range(n):
        lines += [
            f"    :: d_step {{ rm[{i}] == WORKING -> rm[{i}] = PREPARED; prepared_msg[{i}] = true }}",
            f"    :: d_step {{ rm[{i}] == WORKING -> rm[{i}] = ABORTED }}",
            f"    :: d_step {{ commit_msg -> rm[{i}] = COMMITTED }}",
            f"    :: d_step {{ abort_msg -> rm[{i}] = ABORTED }}",
        ]
    lines += ["    od", "}", ""]
    return "\n".join(lines)


@dataclass(frozen=True)
class SpinRun:
    """One Spin run: states stored and transitions as pan reports them, the wall time of
    the whole pipeline (spin -a, gcc, pan) and pan's own reported elapsed time."""

    distinct: int
    transitions: int
    pipeline_seconds: float
    verifier_seconds: float
    version: str


def spin_available() -> bool:
    """True when both `spin` and `gcc` are on PATH."""
    return shutil.which("spin") is not None and shutil.which("gcc") is not None


def spin_version() -> str:
    """`Spin Version 6.5.2 -- ...` as `spin -V` prints it (first line), or '' if it fails."""
    try:
        out = subprocess.run(["spin", "-V"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return ""
    return out.strip().splitlines()[0] if out.strip() else ""


def parse_pan(report: str) -> tuple[int, int, float]:
    """(states stored, transitions, elapsed seconds) from pan's report.

    Raises ValueError when a figure is missing or pan reports an error.
    """
    errors = re.search(r"errors:\s*(\d+)", report)
    if errors is None or int(errors.group(1)) != 0:
        raise ValueError("pan reported errors or no error count:\n" + report)
    stored = re.search(r"^\s*(\d+)\s+states, stored", report, re.M)
    trans = re.search(r"^\s*(\d+)\s+transitions", report, re.M)
    elapsed = re.search(r"pan: elapsed time\s+([0-9.e+-]+)\s+seconds", report)
    if stored is None or trans is None:
        raise ValueError("pan's report has no state count:\n" + report)
    return int(stored.group(1)), int(trans.group(1)), float(elapsed.group(1)) if elapsed else 0.0


def _step(cmd: list[str], cwd: Path) -> str:
    """Run one pipeline command in `cwd`; its stdout, or RuntimeError with its output."""
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def run_spin(n: int) -> SpinRun:
    """Verify TwoPhase with `n` RMs with Spin in a fresh temporary directory.

    The pipeline time covers spin -a, gcc and pan (not writing the .pml file). Raises
    RuntimeError when a step fails and ValueError when pan's report cannot be read.
    """
    with tempfile.TemporaryDirectory(prefix="twophase-spin-") as tmp:
        work = Path(tmp)
        (work / "m.pml").write_text(promela(n), encoding="ascii")
        start = time.perf_counter()
        _step(["spin", "-a", "m.pml"], work)
        _step(["gcc", *GCC_FLAGS, "-o", "pan", "pan.c"], work)
        report = _step(["./pan", *PAN_FLAGS], work)
        pipeline = time.perf_counter() - start
    stored, transitions, elapsed = parse_pan(report)
    return SpinRun(stored, transitions, pipeline, elapsed, spin_version())


def main(argv: list[str]) -> int:
    """Print the model (`N`) or run Spin on it (`--run N`)."""
    run = argv[:1] == ["--run"]
    args = argv[1:] if run else argv
    if len(args) != 1 or not args[0].isdigit():
        print("usage: python bench/twophase_promela.py [--run] N", file=sys.stderr)
        return 2
    n = int(args[0])
    if not run:
        sys.stdout.write(promela(n))
        return 0
    if not spin_available():
        print("spin or gcc is not on PATH", file=sys.stderr)
        return 1
    r = run_spin(n)
    print(n, r.distinct, r.transitions, f"{r.pipeline_seconds:.6f}", f"{r.verifier_seconds:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
