"""The explicit engine never fails on a spec that checks: token mutants of every spec in
the repository (the library, the docs' examples) either compile and explore within a small
bound, with a run-time failure of the spec reported as data, or are refused with a located
reason (`Unsupported`). Anything else is a bug in capcheck.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.diagnostics import Source
from checker.dsl import parse
from checker.errors import SpecError
from checker.explore import SearchOptions, search
from checker.model import Unsupported, compile_model
from checker.model.values import SpecRuntimeError
from checker.semantics import check

ROOT = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+|==|!=|<=|>=|//|\.\.|=>|->|\+=|-=|\S")
BLOCK = re.compile(r"```cap\n(.*?)```", re.S)


def _checks(text: str) -> bool:
    try:
        check(parse(text), Source("<corpus>", text))
        return True
    except SpecError:
        return False


def _corpus() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "specs").glob("*.cap"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs" / "examples").glob("*.cap"))]
    for doc in sorted((ROOT / "docs").glob("*.md")):
        texts += BLOCK.findall(doc.read_text(encoding="utf-8"))
    return [t for t in texts if _checks(t)]


CORPUS = _corpus()
BOUNDS = SearchOptions(max_states=300, timeout=2.0)


def _mutate(text: str, data) -> str:
    spans = [m.span() for m in TOKEN.finditer(text)]
    words = sorted({text[a:b] for a, b in spans})
    for _ in range(data.draw(st.integers(1, 3))):
        a, b = spans[data.draw(st.integers(0, len(spans) - 1))]
        kind = data.draw(st.sampled_from(["replace", "drop", "duplicate"]))
        new = {"replace": data.draw(st.sampled_from(words)), "drop": "", "duplicate": text[a:b] + " " + text[a:b]}[kind]
        text = text[:a] + new + text[b:]
        spans = [m.span() for m in TOKEN.finditer(text)]
    return text


def explore_or_refuse(text: str) -> None:
    """Check, compile and explore `text` within BOUNDS; fail on anything but a SpecError,
    a located refusal or a result."""
    try:
        program = check(parse(text), Source("<fuzz>", text))
    except SpecError:
        return
    try:
        model = compile_model(program)
    except Unsupported:
        return
    except SpecRuntimeError as err:
        assert err.where is not None, "an initial value that does not fit must be located"
        return
    result = search(model, BOUNDS)
    assert result.result in ("holds", "violated", "unknown", "error")
    if result.failure is not None:
        assert result.failure.message


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 60


def test_every_corpus_spec_explores():
    for text in CORPUS:
        explore_or_refuse(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_specs_explore_or_are_refused(data):
    explore_or_refuse(_mutate(data.draw(st.sampled_from(CORPUS)), data))
