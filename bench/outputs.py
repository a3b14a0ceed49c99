"""What counterexample outputs cost next to the search that found them.

For every spec of the library with a counterexample (`capcheck check --max-states 100000`,
the gallery's bound), this measures in one process, best of `--repeat K`:

- search: `search(model)`, the breadth-first search itself (which already rebuilds each
  counterexample by `replay`, including what it contradicts and why an invariant fails);
- explain: `replay` of every counterexample again, i.e. the part of the search's time spent
  rebuilding traces with their explanations (linearizability cores, invariant sentences);
- dot: the DOT text of every counterexample's diagram (traffic and layout data);
- svg: Graphviz's `dot -Tsvg` on each (skipped without `dot`);
- report: the whole HTML report (`cli_report.check_report`, which runs `dot` itself);

and prints each as a ratio to the search of the same spec, measured in the same run:
absolute times on a shared machine are noisy, the ratios much less so. Also the report's
size. Nothing here is a test: it fails only if a spec has no counterexample.

Usage: python bench/outputs.py [--repeat K] [SPEC ...]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from checker.pipeline import compile_spec, constants_of  # noqa: E402
from checker.traces.diagram import counterexample_jobs, diagram  # noqa: E402
from checker.cli.report import check_report  # noqa: E402
from checker.explore import SearchOptions, replay, search  # noqa: E402
from checker.render.images import image  # noqa: E402

FAILING = ("abd_register", "active_active_lww", "active_passive_fencing", "active_passive_heartbeat",
           "async_primary_backup", "best_effort_broadcast", "chain_replication", "chain_replication_any_reads",
           "gossip_anti_entropy", "sync_primary_backup", "two_phase_broken")


def best(repeat: int, fn) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def measure(name: str, repeat: int) -> dict:
    spec = f"specs/{name}.cap"
    program, model = compile_spec(str(REPO / spec), {}, "check")
    options = SearchOptions("bfs", max_states=100_000)
    t_search, result = best(repeat, lambda: search(model, options))
    jobs = counterexample_jobs(result)
    if not jobs:
        raise SystemExit(f"{spec}: no counterexample")
    t_explain, _ = best(repeat, lambda: [replay(model, trace.path) for _, trace, _ in jobs])
    t_dot, dots = best(repeat, lambda: [diagram(model, trace, prop, name) for _, trace, prop in jobs])
    row = {"spec": name, "traces": len(jobs), "steps": sum(t.length for _, t, _ in jobs),
           "search": t_search, "explain": t_explain, "dot": t_dot}
    if shutil.which("dot"):
        row["svg"], _ = best(repeat, lambda: [image(d, "svg") for d in dots])  # type: ignore[union-attr]
        hint = f"capcheck replay {spec} {{path}}"
        row["report"], built = best(repeat, lambda: check_report(model, result, spec, program,
                                                                 constants_of(program), hint))
        row["size"] = len(built[0].encode("utf-8"))  # type: ignore[index]
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("specs", nargs="*", default=list(FAILING))
    args = parser.parse_args()
    print(f"{'spec':30} {'cx':>3} {'steps':>5} {'search s':>9} {'explain':>8} {'dot':>7} {'svg':>7} "
          f"{'report':>7} {'KiB':>6}")
    for name in args.specs:
        r = measure(name, args.repeat)
        ratio = {k: f"{r[k] / r['search']:7.3f}" if k in r else "      -" for k in ("explain", "dot", "svg", "report")}
        size = f"{r['size'] / 1024:6.0f}" if "size" in r else "     -"
        print(f"{name:30} {r['traces']:>3} {r['steps']:>5} {r['search']:9.3f} {ratio['explain']:>8} {ratio['dot']} "
              f"{ratio['svg']} {ratio['report']} {size}")
    print("(explain, dot, svg, report: time as a fraction of the search's, same run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
