"""Front-end cost: parse (Lark), tree-to-AST, semantic check, for each bundled spec.

Prints per-phase medians and, as the reference measured in the same run, the share of the
time spent inside Lark's LALR parser (the part capcheck does not write), plus throughput on
a large generated spec, which is what the 256 KiB file limit is based on; then the time to
parse or refuse hostile inputs of about the same size (deep nesting, one huge line, a
runaway string), as a ratio to that generated spec's time per byte: the watch over
pathological slowdowns that tests/cli/test_cli.py leaves out (no test asserts on speed).
Usage: python bench/frontend.py [REPEATS]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from checker.diagnostics import Source
from checker.dsl import parse_bytes
from checker.errors import SpecError
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


HEADER = "protocol p:\n    const N = "
HOSTILE = {
    "balanced_parens_100k": HEADER + "(" * 100_000 + "1" + ")" * 100_000 + "\n",
    "open_parens_100k": HEADER + "(" * 200_000 + "\n",
    "minus_100k": HEADER + "-" * 200_000 + "1\n",
    "very_long_line": HEADER + "1" + " " * 200_000 + "+ x\n",
    "unclosed_string_200k": 'protocol p:\n    """' + "text \\\" more\n" * 14_000,
}


def hostile(seconds_per_byte: float, repeats: int) -> None:
    """Each hostile input's median time to parse or be refused, against the generated
    spec's time for as many bytes."""
    print(f"\n{'hostile input':24} {'KiB':>5} {'ms':>8} {'x generated':>11}  outcome")
    for name, text in HOSTILE.items():
        data = text.encode()
        outcome = []

        def run(data=data, name=name, outcome=outcome) -> None:
            try:
                parse_bytes(data, f"{name}.cap")
                outcome[:] = ["parsed"]
            except SpecError:
                outcome[:] = ["refused"]

        took = _median(run, repeats)
        print(f"{name:24} {len(data) / 1024:5.0f} {took * 1e3:8.1f} {took / (seconds_per_byte * len(data)):11.2f}"
              f"  {outcome[0]}")


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
    hostile(total / len(text.encode()), 3)


if __name__ == "__main__":
    main()
