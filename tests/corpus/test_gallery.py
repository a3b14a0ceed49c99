"""docs/gallery.md: the sequence diagram of every counterexample the library's specs have
(a breadth-first `capcheck check --max-states 100000`: some specs have millions of states,
and every counterexample below is found well before the bound), committed as SVG (drawn by
capcheck itself, render/sequence_svg.py) and DOT (the export) under docs/gallery/. This test
regenerates them and compares gallery.md, the SVG and the DOT text byte for byte; none of it
needs Graphviz.

To regenerate after an intended change:
    CAPCHECK_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/corpus/test_gallery.py
"""

from __future__ import annotations

import pytest

from checker.traces.diagram import pictures
from checker.result import Verdict

from support import DOCS, SPECS, UPDATE_GOLDEN, library_bfs, library_model

# The whole library searched to 100,000 states: about 20 s on a quiet machine (the same
# searches as the ITF round trips of every library counterexample, unit/traces/test_itf.py).
pytestmark = pytest.mark.slow

PICTURES = DOCS / "gallery"
MAX_STATES = 100_000

INTRO = """\
# Gallery: the library's counterexamples as sequence diagrams

Every counterexample that `capcheck check` finds in [the library](../specs/README.md), with
`--max-states 100000`, drawn by `capcheck check SPEC --render DIR`
([how to read them](cli.md#sequence-diagrams)): a lane per node and per client, time flowing
down, an arrow from each send to its delivery, lost and in-flight messages dashed, faults on
the lanes, and the step that breaks the property in red with a caption saying what is wrong;
where the violation contradicts an earlier operation, that operation's reply is amber and a
dashed line joins the two. capcheck draws the SVG itself (no Graphviz needed); the DOT text
next to each picture is the export for Graphviz. Both are deterministic;
tests/corpus/test_gallery.py regenerates them and compares.
"""


def _entries() -> list[tuple[str, str, str, str]]:
    """(file name, spec, property, Pictures) for every counterexample of the library."""
    out = []
    for spec in sorted(SPECS.glob("*.cap")):
        model, result = library_model(spec.stem), library_bfs(spec.stem, MAX_STATES)
        for p in result.properties:
            if p.verdict is Verdict.VIOLATED and p.trace is not None:
                shown = f"specs/{spec.name}"
                out.append((f"{spec.stem}.{p.name}", shown, f"{p.kind} {p.name}" if p.kind != p.name
                            else p.kind, pictures(model, p.trace, p, f"{shown}: {p.name}")))
    return out


def _page(entries) -> str:
    parts = [INTRO]
    for name, spec, what, _ in entries:
        parts.append(f"## {spec}: {what}\n\n![{spec}: {what}](gallery/{name}.svg)\n\n"
                     f"[DOT](gallery/{name}.dot)\n")
    return "\n".join(parts)


@pytest.fixture(scope="module")
def entries():
    got = _entries()
    if UPDATE_GOLDEN:
        PICTURES.mkdir(exist_ok=True)
        for old in PICTURES.glob("*"):
            old.unlink()
        for name, _, _, drawn in got:
            (PICTURES / f"{name}.dot").write_text(drawn.dot, encoding="utf-8")
            (PICTURES / f"{name}.svg").write_text(drawn.svg, encoding="utf-8")
        (DOCS / "gallery.md").write_text(_page(got), encoding="utf-8")
    return got


def test_gallery_page(entries) -> None:
    assert (DOCS / "gallery.md").read_text(encoding="utf-8") == _page(entries)
    committed = sorted(p.name for p in PICTURES.glob("*"))
    assert committed == sorted(f"{n}.{ext}" for n, *_ in entries for ext in ("dot", "svg"))


def test_gallery_pictures(entries) -> None:
    for name, _, _, drawn in entries:
        assert (PICTURES / f"{name}.dot").read_text(encoding="utf-8") == drawn.dot, name
        assert (PICTURES / f"{name}.svg").read_text(encoding="utf-8") == drawn.svg, name
