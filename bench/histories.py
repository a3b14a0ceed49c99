"""Offline linearizability checking speed on Porcupine's test data, against Porcupine.

For every history of the corpus (../shared/histories/porcupine: 102 Jepsen etcd logs and 6
kv logs; `--corpus DIR` to point elsewhere) this measures, in this process:

- read: `read_history` on the file's bytes (detect the format, parse, pair events);
- check: `check_operations` on the operations it gives;

each the best of `--repeat K` runs, and checks the verdict against the corpus's
EXPECTED.md. It prints the etcd corpus's total and its slowest file, and each kv file.

Porcupine's own times, measured on the same files by its own parsers and checker
(`parseJepsenLog` + `etcdModel`, `parseKvLog` + the partitioned `kvModel`, `CheckEvents`),
are shown next to capcheck's, with the ratio capcheck / Porcupine, when given with
`--porcupine-times FILE`: a JSON array of {"file": "jepsen/etcd_000.log", "parse": s,
"check": s} objects, file names relative to the corpus. This script does not build or
run Porcupine; docs/performance.md says how the recorded figures were measured.

`--root DIR` measures the `checker` package found in DIR instead of this tree (the code
before a change: `git archive REV checker | tar -x -C DIR`). `--commands` also times whole
`capcheck history` processes, start-up included: one process for the 102 etcd logs (with
a `checker` that cannot take several files, one process per file, as a user had to), and
one for c50-bad.txt.

The run fails (exit status 1) when a verdict differs from EXPECTED.md. The targets (the
etcd corpus in under 2 s in all, each c50 kv file in under 5 s) are reported, not
enforced: timings on a shared machine are too noisy to fail on. `--profile` prints where
the time went (cProfile, top functions by own time) over one run of everything.

Usage: python bench/histories.py [--corpus DIR] [--repeat K] [--porcupine-times FILE] [--profile]
                                [--root DIR] [--commands]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE = Path(sys.argv[sys.argv.index("--root") + 1]).resolve() if "--root" in sys.argv[:-1] else ROOT
sys.path.insert(0, str(CODE))

from checker.history import read_history  # noqa: E402
from checker.props.linearizability import check_operations  # noqa: E402
from checker.result import Verdict  # noqa: E402

CORPUS = ROOT.parent / "shared" / "histories" / "porcupine"
ETCD_TARGET = 2.0     # seconds for the whole etcd corpus, read + check
KV_TARGET = 5.0       # seconds for each c50 kv file, read + check
ROW = re.compile(r"^\| `(?P<file>(?:jepsen|kv)/[\w.-]+)` \|.*\| (?P<verdict>\*\*linearizable\*\*|NOT linearizable) \|")


@dataclass(frozen=True)
class Measure:
    """One file: the best read and check times over the repeats, and the verdict."""

    file: str
    read: float
    check: float
    verdict: Verdict

    @property
    def total(self) -> float:
        return self.read + self.check


def expected(corpus: Path) -> dict[str, Verdict]:
    """File -> verdict, from the tables of the corpus's EXPECTED.md."""
    rows = (ROW.match(line) for line in (corpus / "EXPECTED.md").read_text(encoding="utf-8").splitlines())
    return {m["file"]: Verdict.HOLDS if m["verdict"].startswith("**") else Verdict.VIOLATED for m in rows if m}


def measure(corpus: Path, name: str, repeat: int) -> Measure:
    data = (corpus / name).read_bytes()
    best_read = best_check = float("inf")
    verdict = Verdict.UNKNOWN
    for _ in range(repeat):
        start = time.perf_counter()
        history = read_history(name, data)
        middle = time.perf_counter()
        verdict = check_operations(history.spec, history.operations).verdict  # type: ignore[arg-type]
        end = time.perf_counter()
        best_read, best_check = min(best_read, middle - start), min(best_check, end - middle)
    return Measure(name, best_read, best_check, verdict)


def porcupine_times(path: str | None) -> dict[str, tuple[float, float]]:
    if path is None:
        return {}
    return {row["file"]: (row["parse"], row["check"]) for row in json.loads(Path(path).read_text())}


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def _ratio(mine: float, theirs: float | None) -> str:
    return f"{mine / theirs:.1f}" if theirs else "-"


def report(results: list[Measure], theirs: dict[str, tuple[float, float]]) -> list[str]:
    etcd = [m for m in results if m.file.startswith("jepsen/")]
    kv = [m for m in results if m.file.startswith("kv/")]
    lines = ["| histories | capcheck read ms | capcheck check ms | capcheck total ms | Porcupine parse ms "
             "| Porcupine check ms | Porcupine total ms | ratio (total) |", "|---|---|---|---|---|---|---|---|"]

    def row(label: str, group: list[Measure]) -> str:
        mine = [sum(m.read for m in group), sum(m.check for m in group)]
        known = all(m.file in theirs for m in group)
        other = [sum(theirs[m.file][k] for m in group) for k in (0, 1)] if known else None
        cells = [_ms(mine[0]), _ms(mine[1]), _ms(sum(mine))]
        cells += [_ms(other[0]), _ms(other[1]), _ms(sum(other))] if other else ["-", "-", "-"]
        cells.append(_ratio(sum(mine), sum(other) if other else None))
        return f"| {label} | " + " | ".join(cells) + " |"

    lines.append(row(f"etcd corpus ({len(etcd)} files)", etcd))
    slowest = max(etcd, key=lambda m: m.total) if etcd else None
    if slowest:
        lines.append(row(f"slowest etcd file for capcheck ({Path(slowest.file).name})", [slowest]))
    theirs_slowest = max((m for m in etcd if m.file in theirs), key=lambda m: sum(theirs[m.file]), default=None)
    if theirs_slowest:
        lines.append(row(f"slowest etcd file for Porcupine ({Path(theirs_slowest.file).name})", [theirs_slowest]))
    lines += [row(Path(m.file).name, [m]) for m in kv]
    return lines


def targets(results: list[Measure]) -> list[str]:
    etcd = sum(m.total for m in results if m.file.startswith("jepsen/"))
    out = [f"etcd corpus: {etcd:.2f} s (target: under {ETCD_TARGET:.0f} s) "
           f"{'met' if etcd < ETCD_TARGET else 'MISSED'}"]
    for m in results:
        if m.file.startswith("kv/c50"):
            out.append(f"{Path(m.file).name}: {m.total:.2f} s (target: under {KV_TARGET:.0f} s) "
                       f"{'met' if m.total < KV_TARGET else 'MISSED'}")
    return out


def command_seconds(argv: list[str], repeat: int) -> float:
    """The best wall time of `capcheck ARGV` as its own process (the `checker` measured)."""
    env = {**os.environ, "PYTHONPATH": str(CODE)}
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "checker", *argv], env=env, cwd=CODE, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def commands(corpus: Path, repeat: int) -> list[str]:
    """Whole `capcheck history` processes: the etcd logs in one (or one per file, for a
    checker that takes one file), and c50-bad.txt."""
    logs = sorted(str(p) for p in (corpus / "jepsen").glob("etcd_*.log"))
    many = subprocess.run([sys.executable, "-m", "checker", "history", logs[0], logs[1]], env={
        **os.environ, "PYTHONPATH": str(CODE)}, cwd=CODE, capture_output=True).returncode != 2
    if many:
        etcd = command_seconds(["history", str(corpus / "jepsen")], repeat)
        how = "one process"
    else:
        etcd = sum(command_seconds(["history", log], 1) for log in logs)
        how = f"{len(logs)} processes, one per file"
    kv = command_seconds(["history", str(corpus / "kv" / "c50-bad.txt")], repeat)
    return [f"whole command, etcd logs ({how}): {etcd:.2f} s",
            f"whole command, c50-bad.txt: {kv:.2f} s"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--porcupine-times", metavar="FILE")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--root", type=Path, help="measure the checker package in this directory instead")
    parser.add_argument("--commands", action="store_true", help="also time whole capcheck history processes")
    args = parser.parse_args(argv)
    if not (args.corpus / "EXPECTED.md").is_file():
        print(f"no Porcupine corpus at {args.corpus} (its EXPECTED.md is missing); name it with --corpus DIR")
        return 2
    verdicts = expected(args.corpus)
    names = sorted(verdicts)
    print(f"{len(names)} histories from {args.corpus}; best of {args.repeat}; "
          f"CPython {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores; checker from {CODE}")
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(lambda: [measure(args.corpus, n, 1) for n in names])
        pstats.Stats(profile).sort_stats("tottime").print_stats(15)
    results = [measure(args.corpus, name, args.repeat) for name in names]
    wrong = [m.file for m in results if m.verdict is not verdicts[m.file]]
    print("\n".join(report(results, porcupine_times(args.porcupine_times))))
    print("\n".join(targets(results)))
    if args.commands:
        print("\n".join(commands(args.corpus, args.repeat)))
    if wrong:
        print(f"WRONG VERDICT: {', '.join(wrong)}")
        return 1
    print(f"every verdict is the one EXPECTED.md gives ({len(results)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
