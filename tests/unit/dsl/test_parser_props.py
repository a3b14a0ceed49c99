"""Property tests of the parser and printer.

- Round trip: for generated ASTs, parse(format(ast)) == ast and printing is idempotent.
- Robustness: mutated spec texts and random bytes make the parser return a Protocol or
  raise a SpecError whose diagnostics point inside the text, never anything else.
"""

from __future__ import annotations


from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.dsl import parse, parse_bytes
from checker.dsl.printer import format_protocol
from checker.errors import SpecError
from oracles.strategies import protocols
from support import SPECS, examples

LIBRARY = [p.read_text(encoding="utf-8") for p in sorted(SPECS.glob("*.cap"))]
SETTINGS = settings(max_examples=250, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@examples(full=250, fast=60)
def test_printed_ast_parses_back_to_the_same_ast(examples):
    @settings(SETTINGS, max_examples=examples)
    @given(protocols)
    def run_examples(protocol):
        text = format_protocol(protocol)
        again = parse(text, "printed.cap")
        assert again == protocol
        assert format_protocol(again) == text

    run_examples()


def _assert_well_located(err: SpecError, text: str) -> None:
    lines = text.count("\n") + 2
    rendered = err.render()
    assert "error:" in rendered and "Traceback" not in rendered
    for d in err.diagnostics:
        if d.span is not None:
            assert 1 <= d.span.line <= lines and d.span.column >= 1


MUTATIONS = ("delete", "insert", "duplicate", "swap", "tab", "truncate", "nest", "nul", "unicode")


def _mutate(text: str, data: st.DataObject) -> str:
    for _ in range(data.draw(st.integers(1, 4))):
        if not text:
            return text
        i = data.draw(st.integers(0, len(text) - 1))
        kind = data.draw(st.sampled_from(MUTATIONS))
        if kind == "delete":
            text = text[:i] + text[i + data.draw(st.integers(1, 8)):]
        elif kind == "insert":
            text = text[:i] + data.draw(st.sampled_from(list(":=()[]{}\"'#,.\n    -<>!&|"))) + text[i:]
        elif kind == "duplicate":
            text = text[:i] + text[i:i + 20] + text[i:]
        elif kind == "swap":
            j = data.draw(st.integers(0, len(text) - 1))
            a, b = sorted((i, j))
            text = text[:a] + text[b:b + 1] + text[a + 1:b] + text[a:a + 1] + text[b + 1:]
        elif kind == "tab":
            text = text[:i] + "\t" + text[i:]
        elif kind == "truncate":
            text = text[:i]
        elif kind == "nest":
            depth = data.draw(st.integers(1, 400))
            text = text[:i] + "(" * depth + "x" + ")" * depth + text[i:]
        elif kind == "nul":
            text = text[:i] + "\x00" + text[i:]
        else:
            text = text[:i] + data.draw(st.characters()) + text[i:]
    return text


@SETTINGS
@given(st.data())
def test_mutated_specs_parse_or_give_a_located_error(data):
    text = _mutate(data.draw(st.sampled_from(LIBRARY)), data)
    try:
        parse(text, "mutant.cap")
    except SpecError as err:
        _assert_well_located(err, text)


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_never_crash_the_parser(data):
    try:
        parse_bytes(data, "random.cap")
    except SpecError as err:
        err.render()


@examples(full=250, fast=60)
def test_mutated_printed_asts_parse_or_give_a_located_error(examples):
    @settings(SETTINGS, max_examples=examples)
    @given(protocols, st.data())
    def run_examples(protocol, data):
        text = _mutate(format_protocol(protocol), data)
        try:
            parse(text, "mutant.cap")
        except SpecError as err:
            _assert_well_located(err, text)

    run_examples()
