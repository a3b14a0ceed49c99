"""Front-end cost: parse (Lark), tree-to-AST, semantic check, for each bundled spec.

Prints per-phase medians and, as the reference measured in the same run, the share of the
time spent inside Lark's LALR parser (the part capcheck does not write), plus throughput on
a large generated spec, which is what the 256 KiB file limit is based on.
Usage: python bench/frontend.py [REPEATS]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from checker.diagnostics import Source
from checker.dsl.lexing import lark_parser
from checker.dsl.transform import ToAst, check_depth
from checker.semantics import check

ROOT = Path(__file__).resolve().parent.parent


def _median(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def phases(text: str, path: str, repeats: int) -> tuple[float, float, float]:
    """Median seconds of (lark parse, tree to AST, semantic check)."""
    source = Source(path, text)
    tree = lark_parser().parse(text)
    protocol = ToAst(source).transform(tree)
    lark = _median(lambda: lark_parser().parse(text), repeats)
    to_ast = _median(lambda: (check_depth(tree, source), ToAst(source).transform(tree)), repeats)
    sem = _median(lambda: check(protocol, source), repeats)
    return lark, to_ast, sem


def big_spec(constants: int) -> str:
    lines = ["protocol big:"] + [f"    const C{i} = {i} + 2 * {i % 7}" for i in range(constants)]
    return "\n".join(lines) + "\n"


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    lark_parser()  # build the parser once, outside the timings
    print(f"{'spec':32} {'lines':>6} {'lark ms':>8} {'ast ms':>7} {'check ms':>9} {'total ms':>9} {'lark share':>10}")
    for path in sorted((ROOT / "specs").glob("*.cap")):
        text = path.read_text(encoding="utf-8")
        lark, to_ast, sem = phases(text, path.name, repeats)
        total = lark + to_ast + sem
        print(f"{path.name:32} {text.count(chr(10)):>6} {lark * 1e3:8.2f} {to_ast * 1e3:7.2f} "
              f"{sem * 1e3:9.2f} {total * 1e3:9.2f} {lark / total:10.0%}")
    text = big_spec(8000)
    lark, to_ast, sem = phases(text, "big.cap", 3)
    kib = len(text.encode()) / 1024
    total = lark + to_ast + sem
    print(f"\ngenerated spec: {kib:.0f} KiB, {text.count(chr(10))} lines: lark {lark:.2f} s, "
          f"ast {to_ast:.2f} s, check {sem:.2f} s; {kib / total:.0f} KiB/s overall, "
          f"lark share {lark / total:.0%}")


if __name__ == "__main__":
    main()
