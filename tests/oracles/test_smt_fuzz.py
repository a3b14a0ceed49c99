"""The SMT encoding against the explicit semantics on every spec of the corpus (the library,
the docs' examples) and on token mutants of them: from random reachable states, the states
one encoded step reaches are exactly the explicit successors, and a run-time failure is one
in both. A spec the encoding cannot express must be refused with a located `Unsupported`;
anything else is a bug in one of the engines.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.diagnostics import Source
from checker.dsl import parse
from checker.errors import SpecError
from checker.model import Unsupported, compile_model
from checker.model.values import SpecRuntimeError
from checker.semantics import check
from checker.smt.state import Shape

from support import explicit_successors, mutate_tokens, smt_successors, spec_corpus, walk_states

CORPUS = spec_corpus()


def agree_or_refuse(text: str, seed: int, walks: int = 3) -> str:
    """'agree', or why the comparison did not apply ('spec', 'explicit', 'smt': refused)."""
    try:
        program = check(parse(text), Source("<fuzz>", text))
        model = compile_model(program)
    except (SpecError, Unsupported, SpecRuntimeError):
        return "spec"
    rng = random.Random(seed)
    try:
        keys = Shape(model, 1).compared
        states = walk_states(model, rng, walks, 6)
    except SpecRuntimeError:
        return "explicit"
    for state in states:
        if sum(len(state[k]) for k in model.layout.network_slots()) > 24:
            continue
        try:
            got, failing = smt_successors(model, state)
        except Unsupported as exc:
            assert exc.what, "a refusal names the construct"
            return "smt"
        want, fails = explicit_successors(model, state, keys)
        assert failing == fails, "a run-time failure in one engine only"
        if not fails:
            assert got == want
    return "agree"


@pytest.mark.slow
def test_every_corpus_spec_agrees_or_is_refused():
    outcomes = [agree_or_refuse(text, k) for k, text in enumerate(CORPUS)]
    assert outcomes.count("agree") >= len(CORPUS) * 95 // 100, outcomes


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_specs_agree_or_are_refused(data):
    agree_or_refuse(mutate_tokens(data.draw(st.sampled_from(CORPUS)), data), data.draw(st.integers(0, 1 << 16)), walks=2)


def test_a_reply_of_one_shape_against_results_of_another():
    """Regression: the bounded queue of docs/language.md, whose operations return an atom
    (`push`) or an option (`pop`): the encoder compared the atom reply `full` with the
    result `none` by converting -inf to an integer, and crashed."""
    text = next(t for t in CORPUS if "protocol bounded_queue" in t)
    assert agree_or_refuse(text, 0, walks=4) == "agree"
