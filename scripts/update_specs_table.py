"""Regenerate the table under "## Expected verdicts" in specs/README.md from the
expectations the specs state (`check linearizable expect violated in 6 steps with N = 2`).
For maintainers, after adding or changing an expectation:

    .venv/bin/python scripts/update_specs_table.py

A row per property, the specs in the order of the README's first table and the properties
in the order each spec declares them. The `expected` cell is what the spec expects, as it
writes it without the word `expect` (`holds`, `violated in 4 steps`, `holds with N = 2`,
several joined by `; `); the `why` cell is the README's own, kept as written (a new
property gets an empty one, which tests/corpus/test_specs.py refuses until it is filled).
A property that states no expectation (a violation deeper than the search reaches, which
the tests check by replaying its run) keeps the `expected` cell the README gives it.

tests/corpus/test_specs.py builds the same table and checks that the README holds it.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
README = REPO / "specs" / "README.md"
HEADING = "## Expected verdicts"
HEADER = ["| spec | property | expected | why |", "|---|---|---|---|"]


def table_range(lines: list[str], heading: str) -> tuple[int, int]:
    """The line range [first, end) of the first table under `heading`."""
    first = next(i for i in range(lines.index(heading), len(lines)) if lines[i].startswith("|"))
    end = next((i for i in range(first, len(lines)) if not lines[i].startswith("|")), len(lines))
    return first, end


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def _rows(lines: list[str], heading: str) -> list[list[str]]:
    first, end = table_range(lines, heading)
    return [_cells(row) for row in lines[first + 2:end]]


def _properties(path: Path) -> list[tuple[str, str]]:
    """(label, expected cell) for every property the spec declares, in its order; the cell
    is '' for a property without an expectation."""
    from checker.dsl import ast, parse_bytes
    from checker.dsl.printer import expectation_text

    protocol, _ = parse_bytes(path.read_bytes(), str(path.relative_to(REPO)))
    out = []
    for d in protocol.decls:
        if isinstance(d, (ast.Invariant, ast.Check)):
            label = f"{'invariant' if isinstance(d, ast.Invariant) else 'check'} {d.name}"
            out.append((label, "; ".join(expectation_text(e).removeprefix("expect ") for e in d.expects)))
    return out


def table(text: str) -> list[str]:
    """The table's lines, from the specs and the README's text `text` (its first table's
    order of specs, its why cells and the expected cells of properties that state none)."""
    sys.path.insert(0, str(REPO))
    lines = text.splitlines()
    order = [row[0].strip("`") for row in _rows(lines, "## Specs")]
    kept = {(row[0].strip("`"), row[1].strip("`")): row for row in _rows(lines, HEADING)}
    out = list(HEADER)
    for name in order:
        for label, expected in _properties(REPO / "specs" / name):
            old = kept.get((name, label), ["", "", "", ""])
            out.append(f"| `{name}` | `{label}` | {expected or old[2]} | {old[3]} |")
    return out


def update() -> bool:
    """Rewrite the table in specs/README.md; whether it changed."""
    text = README.read_text(encoding="utf-8")
    lines = text.splitlines()
    first, end = table_range(lines, HEADING)
    new = "\n".join(lines[:first] + table(text) + lines[end:]) + "\n"
    README.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    print("specs/README.md: the table changed" if update() else "specs/README.md: the table is up to date")
