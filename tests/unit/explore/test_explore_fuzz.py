"""The explicit engine never fails on a spec that checks: token mutants of every spec in
the repository (the library, the docs' examples) either compile and explore within a small
bound, with a run-time failure of the spec reported as data, or are refused with a located
reason (`Unsupported`). Anything else is a bug in capcheck.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.diagnostics import Source
from checker.dsl import parse
from checker.errors import SpecError
from checker.explore import SearchOptions, search
from checker.model import Unsupported, compile_model
from checker.model.values import SpecRuntimeError
from checker.semantics import check

from support import mutate_tokens, spec_corpus

CORPUS = spec_corpus()
BOUNDS = SearchOptions(max_states=300, timeout=2.0)


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
    explore_or_refuse(mutate_tokens(data.draw(st.sampled_from(CORPUS)), data))
