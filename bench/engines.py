"""The two engines side by side: time to a counterexample, and the depth each reaches in a budget.

The rows come from the spec library's expectations (specs/README.md, "Expected verdicts"):

1. Counterexamples (`--part cx`): for every property expected to be violated, the spec is
   compiled with that property alone (`dataclasses.replace(program, properties=(prop,))`, as
   checker/cap.py does, so no other property's watcher multiplies the states), and
   - explicit: `search` breadth-first until the property is decided (for `available` and
     `converges` that is the whole state graph, which their checks need);
   - smt: `smt_check` with `SmtOptions(depth=L)`, L the length of the explicit engine's
     counterexample (or `--depth K`, at least L).
   Each time is the engine call alone (parse and compile excluded), counterexample replay and
   re-check included, the best of `--repeat K` in one process; the ratio is SMT / explicit.
   The two counterexamples must have the same length, and the README's length where it gives
   one, or the run fails (exit status 1): a correctness check, not a timing. A check the SMT
   engine does not decide yet is reported as such (its reason is printed).
2. Depth in a budget (`--part depth`): for every spec with invariants expected to hold, the
   spec with those invariants alone, `--budget S` seconds (default 60) per engine:
   - explicit: `search(SearchOptions(timeout=S))`. Stopped by the clock, it has checked every
     run of up to `max_depth - 1` steps (the deepest level is only partly explored); if it
     completes, every run;
   - smt: the largest K for which one `smt_check(SmtOptions(depth=K, timeout=S))` checks every
     depth up to K. Its network slots are sized for K (bmc.capacity), so a run with a larger
     bound is slower at the same depth; hence K = 2, 4, 8, ... until a run stops on the budget
     at depth d, then K = d + 1, d + 2, ... while such a run completes.
   A violation found here fails the run.

Each measurement runs in a fresh process (`--worker`), one at a time; its peak memory is that
process's. Nothing passes or fails on a time. `--profile SPEC[:INVARIANT]` instead runs the
SMT engine once plainly and once under cProfile, on the spec's invariants (or the one named)
to `--depth K` (default 10), and splits the profiled time: Z3's solver, Z3's simplifier, the
rest of the Z3 bindings (making and reading terms), capcheck's own Python, the rest.

Usage: python bench/engines.py [--part cx|depth|all] [--budget S] [--repeat K] [--depth K]
                               [--limit S] [SPEC ...]
       python bench/engines.py --profile SPEC[:INVARIANT] [--depth K]
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import json
import pstats
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from outputs import REPO, best  # noqa: E402  (outputs puts REPO on sys.path)
from twophase import machine, peak_mib  # noqa: E402

README = REPO / "specs" / "README.md"
# Rows whose check is not decided at the spec's own size in reasonable time: the constants
# tests/corpus/test_specs.py uses for them, with its reason (the whole graph of abd_register at its
# defaults does not fit; at one client and one operation a minority coordinator still waits).
SMALLER = {("abd_register", "check available"): {"CLIENTS": 1, "OPS": 1}}
NOT_YET = "not decided by the SMT engine"
MAX_BOUND = 256     # the SMT depth search stops here ("at least")


@dataclass(frozen=True)
class Expected:
    """One row of the README's verdict table: `prop` as it names it ('invariant NAME' or
    'check KIND'), and the shortest counterexample's length where its reason gives one."""

    spec: str
    prop: str
    verdict: str
    steps: int | None


def library() -> list[Expected]:
    """The rows of specs/README.md's "Expected verdicts" table, in its order."""
    section = README.read_text(encoding="utf-8").split("## Expected verdicts", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].endswith(".cap`"):
            steps = re.match(r"(\d+) steps?\b", cells[3])
            rows.append(Expected(cells[0].strip("`").removesuffix(".cap"), cells[1].strip("`"), cells[2],
                                 int(steps.group(1)) if steps else None))
    return rows


def label(prop) -> str:
    """A property as the README names it."""
    return f"invariant {prop.name}" if prop.kind == "invariant" else f"check {prop.kind}"


# ---------------------------------------------------------------- the worker (one per process)


def compile_for(spec: str, labels: list[str], constants: dict):
    """SPEC's model with only the properties `labels` names."""
    from checker.pipeline import compile_spec
    from checker.model import compile_model

    program, _ = compile_spec(str(REPO / "specs" / f"{spec}.cap"), constants, "check")
    props = tuple(p for p in program.properties if label(p) in labels)
    if len(props) != len(labels):
        raise SystemExit(f"{spec}: no property {sorted(set(labels) - {label(p) for p in props})}")
    return compile_model(dataclasses.replace(program, properties=props))


def engine_call(engine: str, model, depth: int | None, timeout: float | None):
    """A function that runs one engine on `model` and returns its CheckResult."""
    from checker.explore import SearchOptions, search
    from checker.analysis.verify import SmtOptions, smt_check

    if engine == "explicit":
        return lambda: search(model, SearchOptions(timeout=timeout))
    return lambda: smt_check(model, SmtOptions(depth, timeout))  # type: ignore[arg-type]


def work(job: dict) -> dict:
    """Run one measurement in this process; its figures as a dict."""
    from checker.model.exprgen import Unsupported
    from checker.smt.symbolic import NotEncodable

    model = compile_for(job["spec"], job["props"], job["constants"])
    try:
        seconds, result = best(job["repeat"], engine_call(job["engine"], model, job.get("depth"), job["timeout"]))
    except (Unsupported, NotEncodable) as exc:
        return {"unsupported": str(exc)}
    props = {label(p): {"verdict": p.verdict.word, "steps": p.trace.length if p.trace else None, "reason": p.reason}
             for p in result.properties}  # type: ignore[attr-defined]
    return {"seconds": seconds, "exit_reason": result.exit_reason, "states": result.stats.distinct_states,  # type: ignore[attr-defined]
            "max_depth": result.stats.max_depth, "peak_mib": peak_mib(job["engine"]), "properties": props}  # type: ignore[attr-defined]


def run(job: dict) -> dict:
    """One measurement in a fresh process. Raises RuntimeError if the worker fails."""
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(job)],
                          capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"{job['engine']} on {job['spec']} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- part 1: counterexamples


def smt_outcome(prop: str, steps: int, smt: dict, problems: list[str], where: str) -> tuple[str, bool]:
    """The SMT column for a property the explicit engine broke in `steps` steps, and whether
    it is a time."""
    if "unsupported" in smt:
        return f"cannot encode: {smt['unsupported']}", False
    got = smt["properties"][prop]
    if got["verdict"] == "violated":
        if got["steps"] != steps:
            problems.append(f"{where}: counterexamples of {steps} (explicit) and {got['steps']} (SMT) steps")
        return f"{smt['seconds']:.3f}", True
    if NOT_YET in (got["reason"] or ""):
        return "not decided yet", False
    if smt["exit_reason"] != "timeout":
        problems.append(f"{where}: the SMT engine finds no run of up to {smt['max_depth']} steps breaking it")
    return f"no result ({smt['exit_reason']})", False


def counterexample(e: Expected, args: argparse.Namespace, problems: list[str]) -> str:
    """Both engines on one property expected to be violated; its table row."""
    constants = SMALLER.get((e.spec, e.prop), {})
    job = {"spec": e.spec, "props": [e.prop], "constants": constants, "timeout": args.limit, "repeat": args.repeat}
    where = f"{e.spec} {e.prop}" + "".join(f" -D {k}={v}" for k, v in constants.items())
    ex = run({**job, "engine": "explicit"})
    got = ex["properties"][e.prop]
    if got["verdict"] != "violated":
        problems.append(f"{where}: the explicit engine says {got['verdict']} ({ex['exit_reason']})")
        return f"| {where} | - | {ex['states']:,} | {ex['seconds']:.3f} | - | - |"
    steps = got["steps"]
    if e.steps is not None and steps != e.steps:
        problems.append(f"{where}: {steps} steps, the README says {e.steps}")
    depth = steps if args.depth is None else args.depth
    if depth < steps:
        problems.append(f"{where}: --depth {depth} is less than the counterexample's {steps} steps")
    smt = run({**job, "engine": "smt", "depth": max(depth, steps)})
    column, timed = smt_outcome(e.prop, steps, smt, problems, where)
    ratio = f"{smt['seconds'] / ex['seconds']:.1f}" if timed else "-"
    return f"| {where} | {steps} | {ex['states']:,} | {ex['seconds']:.3f} | {column} | {ratio} |"


def part_counterexamples(rows: list[Expected], args: argparse.Namespace, problems: list[str]) -> None:
    print("| spec, property | steps | explicit states | explicit s | SMT s | SMT / explicit |")
    print("|---|---:|---:|---:|---:|---:|")
    for e in rows:
        if e.verdict == "violated":
            print(counterexample(e, args, problems), flush=True)


# ---------------------------------------------------------------- part 2: depth in a budget


def violations(where: str, result: dict, problems: list[str]) -> bool:
    """Record any violation of invariants expected to hold; True if there was one."""
    broken = [p for p, r in result.get("properties", {}).items() if r["verdict"] == "violated"]
    if broken:
        problems.append(f"{where}: {', '.join(broken)} violated, expected to hold")
    return bool(broken)


def smt_reach(job: dict, problems: list[str]) -> tuple[int, list[dict]]:
    """The largest K for which one SMT run with bound K checks every depth up to K within
    the budget (at least, when it is MAX_BOUND), and every run tried, in order."""
    runs: list[dict] = []

    def attempt(bound: int) -> str:
        """One run: 'done' (every depth up to the bound), 'stopped' (by the budget) or 'failed'."""
        r = {**run({**job, "engine": "smt", "depth": bound}), "bound": bound}
        runs.append(r)
        print(f"  smt bound {bound}: checked to depth {r.get('max_depth')} in {r.get('seconds', 0):.1f} s "
              f"({r.get('exit_reason', r.get('unsupported'))})", flush=True)
        if "unsupported" in r or violations(job["spec"], r, problems):
            return "failed"
        return "done" if r["max_depth"] == bound else "stopped"

    bound = 2
    while (status := attempt(bound)) == "done" and bound < MAX_BOUND:
        bound *= 2
    reached = max(r.get("max_depth", -1) for r in runs)
    while status == "stopped" and reached < MAX_BOUND and (status := attempt(reached + 1)) == "done":
        reached += 1
    return reached, runs


def explicit_depth(ex: dict) -> str:
    """Which runs the explicit search checked: all of them, or those of up to N steps."""
    if ex["exit_reason"] == "complete":
        return f"all (complete, diameter {ex['max_depth']})"
    return f"{ex['max_depth'] - 1} ({ex['exit_reason']})"


def depth_row(spec: str, labels: list[str], args: argparse.Namespace, problems: list[str]) -> str:
    """Both engines on one spec's holding invariants for the budget; its table row."""
    job = {"spec": spec, "props": labels, "constants": {}, "timeout": args.budget, "repeat": 1}
    print(f"{spec}: {', '.join(labels)}", flush=True)
    ex = run({**job, "engine": "explicit"})
    violations(spec, ex, problems)
    print(f"  explicit: {ex['states']:,} states, depth {ex['max_depth']} in {ex['seconds']:.1f} s "
          f"({ex['exit_reason']})", flush=True)
    reached, runs = smt_reach(job, problems)
    deepest = next((r for r in runs if r.get("max_depth") == reached == r["bound"]), None) or next(
        (r for r in runs if r.get("max_depth") == reached), runs[-1])
    smt = (f"cannot encode: {runs[-1]['unsupported']}" if "unsupported" in runs[-1]
           else f"{'at least ' if reached >= MAX_BOUND else ''}{reached}")
    names = ", ".join(f"`{x.split(' ', 1)[1]}`" for x in labels)
    return (f"| {spec} | {names} | {explicit_depth(ex)} | {ex['states']:,} | {ex['seconds']:.1f} | "
            f"{ex['peak_mib']:,.0f} | {smt} | {deepest.get('seconds', 0):.1f} | {deepest.get('peak_mib', 0):,.0f} | "
            f"{len(runs)} |")


def part_depth(rows: list[Expected], args: argparse.Namespace, problems: list[str]) -> None:
    holding: dict[str, list[str]] = {}
    for e in rows:
        if e.verdict == "holds" and e.prop.startswith("invariant "):
            holding.setdefault(e.spec, []).append(e.prop)
    table = [depth_row(spec, labels, args, problems) for spec, labels in holding.items()]
    print("\n| spec | invariants | explicit: runs checked (steps) | explicit states | explicit s | explicit MiB | "
          "SMT: depth checked | SMT s (that run) | SMT MiB | SMT runs |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(table))


# ---------------------------------------------------------------- --profile


def bucket(where: str, function: str) -> str:
    if function in ("Z3_solver_check", "Z3_solver_check_assumptions"):
        return "Z3 solving"
    if function.startswith("Z3_simplify"):
        return "Z3 simplify"
    if "/z3/" in where:
        return "Z3 bindings (making and reading terms)"
    if "/checker/" in where:
        return "capcheck Python (encoding, decoding, replay)"
    return "the rest (builtins, stdlib)"


def profile(target: str, depth: int) -> int:
    """The SMT engine on one spec, plainly then under cProfile; the profiled time by bucket."""
    spec, _, name = target.partition(":")
    from checker.pipeline import compile_spec

    program, _ = compile_spec(str(REPO / "specs" / f"{spec}.cap"), {}, "check")
    labels = [label(p) for p in program.properties if p.kind == "invariant" and (not name or p.name == name)]
    call = engine_call("smt", compile_for(spec, labels, {}), depth, None)
    plain, result = best(1, call)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.runcall(call)
    profiled = time.perf_counter() - start
    shares: dict[str, float] = {}
    for (where, _, function), (_, _, own, _, _) in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        shares[bucket(where, function)] = shares.get(bucket(where, function), 0.0) + own
    print(f"{spec} {', '.join(labels)}: smt_check to depth {depth} ({result.exit_reason}, "
          f"depth {result.stats.max_depth}): {plain:.2f} s plain, {profiled:.2f} s under cProfile")
    for key, own in sorted(shares.items(), key=lambda kv: -kv[1]):
        print(f"  {key:48} {own:7.2f} s {own / profiled:6.1%}")
    solving = shares.get("Z3 solving", 0.0)
    print(f"  Z3 solving is {solving / plain:.0%} of the plain run's time (one C call, which the profiler does not slow)")
    return 0


# ---------------------------------------------------------------- main


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("specs", nargs="*", help="spec names (file stems) to measure (default: all the README lists)")
    ap.add_argument("--part", choices=("cx", "depth", "all"), default="all")
    ap.add_argument("--budget", type=float, default=60.0, help="seconds per engine and spec in the depth part (60)")
    ap.add_argument("--repeat", type=int, default=1, help="counterexample part: best of K runs (1)")
    ap.add_argument("--depth", type=int, help="counterexample part: the SMT bound (default: the explicit length); "
                                              "with --profile: the bound (10)")
    ap.add_argument("--limit", type=float, default=600.0, help="counterexample part: seconds per run at most (600)")
    ap.add_argument("--profile", metavar="SPEC[:INVARIANT]", help="profile the SMT engine on SPEC instead")
    args = ap.parse_args(argv)
    if args.repeat < 1 or args.budget <= 0 or args.limit <= 0 or (args.depth is not None and args.depth < 0):
        ap.error("--repeat must be at least 1, --budget and --limit positive, --depth not negative")
    return args


def main(argv: list[str]) -> int:
    """Measure and print the tables; 1 if a worker fails or an engine gives a wrong result."""
    if argv[:1] == ["--worker"]:
        print(json.dumps(work(json.loads(argv[1]))))
        return 0
    args = parse_args(argv)
    if args.profile:
        return profile(args.profile, 10 if args.depth is None else args.depth)
    import z3

    print("\n".join(machine()))
    print(f"z3: {z3.get_version_string()}")
    print(f"command: {Path(sys.executable).name} bench/engines.py {' '.join(argv)}".rstrip() + "\n")
    rows = [e for e in library() if not args.specs or e.spec in args.specs]
    problems: list[str] = []
    try:
        if args.part in ("cx", "all"):
            part_counterexamples(rows, args, problems)
        if args.part in ("depth", "all"):
            print(f"\nbudget: {args.budget:g} s per engine and spec")
            part_depth(rows, args, problems)
    except RuntimeError as err:
        problems.append(str(err))
    if problems:
        print("\nFAILED:\n" + "\n".join(problems), file=sys.stderr)
        return 1
    print("\nno problems: the verdicts and lengths the README gives, and equal lengths from both engines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
