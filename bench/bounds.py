"""Do the bounds hold? Each case of issue 21 runs as its own `capcheck` process with a time
or memory bound; the bench prints the wall time against the time limit and the peak
resident memory against the memory bound, as ratios (the promise: at most S + 2 s, or 2 %,
and at most 5 % over the memory bound), with the exit status and the result line.

The cases:
- `check` of abd_register (the liveness analysis after the search had no deadline), with
  --timeout 30; the SMT engine on it with --timeout 20;
- the same spec with --max-memory 500 (the state graph and its analysis overshot it);
- two_phase with --max-memory 1 (below what the interpreter uses: said "holds");
- `history` of a generated 50 MB EDN history with --timeout 10 (the reading had no bound);
- `history --explain --explain-timeout 5` of Porcupine's etcd_040 log (when present);
- `cap` of abd_register with --timeout 30 (each search had the whole limit).

`--root DIR` runs the `checker` package found in DIR instead of this tree (for the figures
before a change: `git archive REV checker | tar -x -C DIR`). Peak memory is the process's
own (os.wait4). Nothing fails on a time: the ratios are for docs/performance.md.

Usage: python bench/bounds.py [--root DIR] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SPECS = REPO / "specs"
ETCD = REPO.parent / "shared" / "histories" / "porcupine" / "jepsen" / "etcd_040.log"


def big_history(path: Path, megabytes: int = 50) -> Path:
    """A single process writing and reading a register: trivial to check, long to read."""
    line = "{{:type :{t}, :f :write, :value {v}, :process 0}}\n"
    with open(path, "w", encoding="utf-8") as out:
        written, v = 0, 0
        while written < megabytes << 20:
            text = line.format(t="invoke", v=v) + line.format(t="ok", v=v)
            out.write(text)
            written += len(text)
            v += 1
    return path


def cases(history: Path) -> list[tuple[str, list[str], float | None, int | None]]:
    """(name, capcheck arguments, time limit in seconds, memory bound in MiB)."""
    abd = str(SPECS / "abd_register.cap")
    out = [
        ("liveness --timeout 30", ["check", abd, "-q", "--timeout", "30"], 30.0, None),
        ("smt --timeout 20", ["check", abd, "-q", "--engine", "smt", "--timeout", "20"], 20.0, None),
        ("liveness --max-memory 500", ["check", abd, "-q", "--max-memory", "500"], None, 500),
        ("small --max-memory 1", ["check", str(SPECS / "two_phase.cap"), "-q", "--max-memory", "1"], None, 1),
        ("history 50 MB --timeout 10", ["history", str(history), "--timeout", "10"], 10.0, None),
        ("cap --timeout 30", ["cap", abd, "--timeout", "30"], 30.0, None),
    ]
    if ETCD.exists():
        out.insert(5, ("explain --explain-timeout 5", ["history", str(ETCD), "--explain", "--explain-timeout", "5"],
                       5.0, None))
    return out


def run(args: list[str], root: Path | None) -> tuple[float, int, int, str]:
    """Wall seconds, exit status, peak resident memory in bytes, and the result line."""
    env = dict(os.environ)
    if root is not None:
        env["PYTHONPATH"] = str(root)
    start = time.monotonic()
    # `-m` puts the working directory first on the path: run in the tree to measure
    proc = subprocess.Popen([sys.executable, "-m", "checker", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=env, cwd=root or REPO)
    assert proc.stdout is not None
    output = proc.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    lines = [x for x in output.splitlines() if x.startswith(("result:", "verdict", "classification", "capcheck:",
                                                                  "explanation"))]
    return wall, proc.returncode, usage.ru_maxrss * 1024, (lines[-1] if lines else output.strip()[-100:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, help="run the checker package in this directory instead")
    parser.add_argument("--only", nargs="*", default=(), help="run only the cases whose name contains one of these")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        history = big_history(Path(tmp) / "big.edn")
        print(f"{'case':30} {'wall s':>7} {'limit':>6} {'ratio':>6} {'peak MiB':>9} {'bound':>6} {'ratio':>6} exit  result")
        for name, command, limit, bound in cases(history):
            if args.only and not any(word in name for word in args.only):
                continue
            wall, code, peak, line = run(command, args.root)
            t = f"{limit:6g} {wall / limit:6.2f}" if limit else f"{'':6} {'':6}"
            m = f"{bound:6d} {(peak >> 20) / bound:6.2f}" if bound else f"{'':6} {'':6}"
            print(f"{name:30} {wall:7.1f} {t} {peak >> 20:9,} {m} {code:4}  {line[:90]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
