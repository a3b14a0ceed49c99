"""The canonical printer: exact output for tricky precedence, round trips on real specs."""

from __future__ import annotations


import pytest

from checker.dsl import ast, parse
from checker.dsl.printer import format_expr, format_protocol, format_type
from support import DOCS, SPECS, fenced_blocks


def expr(text: str) -> ast.Expr:
    protocol = parse(f"protocol p:\n    invariant i: {text}\n")
    return protocol.decls[0].expr


@pytest.mark.parametrize("written, canonical", [
    ("(a - b) - c", "a - b - c"),
    ("a - (b - c)", "a - (b - c)"),
    ("-(1 + 2)", "-(1 + 2)"),
    ("- 1 + 2", "-1 + 2"),
    ("not (a == b)", "not a == b"),
    ("(not a) == b", "(not a) == b"),
    ("(a if b else c) + 1", "(a if b else c) + 1"),
    ("a if b else (c if d else e)", "a if b else c if d else e"),
    ("(a if b else c) if d else e", "(a if b else c) if d else e"),
    ("(a => b) => c", "(a => b) => c"),
    ("a => (b => c)", "a => b => c"),
    ("x in (a..b)", "x in a..b"),
    ("(x in S) == true", "(x in S) == true"),
    ("(a, )", "(a,)"),
    ("a or b and c", "a or (b and c)"),
    ("(a or b) and c", "(a or b) and c"),
    ("a * (b + c) // d", "a * (b + c) // d"),
    ("(a + b)[0].f", "(a + b)[0].f"),
    ("s[:n - 1]", "s[:n - 1]"),
    ("{x + 1 for x in 0..N if x > 0}", "{x + 1 for x in 0..N if x > 0}"),
    ("all(r in (a | b): r.x)", "all(r in a | b: r.x)"),
    ("count(r in (s if c else t): true)", "count(r in (s if c else t): true)"),
    ("{k: v for k in S}", "{k: v for k in S}"),
    ('"say \\"hi\\"\\n"', '"say \\"hi\\"\\n"'),
])
def test_precedence_and_minimal_parentheses(written, canonical):
    tree = expr(written)
    assert format_expr(tree) == canonical
    assert expr(canonical) == tree


def test_range_bounds_print_without_parentheses():
    protocol = parse("protocol p:\n    type T = 0..2 * N - 1\n")
    assert format_type(protocol.decls[0].type) == "0..2 * N - 1"
    bad = ast.RangeType(ast.IntLit(0), ast.BinOp("*", ast.IntLit(2), ast.BinOp("+", ast.Name(ast.Ident("N")),
                                                                            ast.IntLit(1))))
    with pytest.raises(ValueError, match="no parentheses"):
        format_type(bad)


def test_multiline_docstrings_print_in_triple_quotes():
    text = 'protocol p:\n    """First line.\n\n    More text.\n    """\n\n    const N = 1\n'
    assert format_protocol(parse(text)) == text


def _examples() -> list[tuple[str, str]]:
    out = [(p.name, p.read_text(encoding="utf-8")) for p in sorted(SPECS.glob("*.cap"))]
    for doc in sorted(DOCS.glob("*.md")):
        out += [(b.id, b.text) for b in fenced_blocks(doc) if b.info == "cap"]
    return out


@pytest.mark.parametrize("name, text", _examples(), ids=[n for n, _ in _examples()])
def test_specs_and_doc_examples_round_trip(name, text):
    tree = parse(text, name)
    printed = format_protocol(tree)
    assert parse(printed, name) == tree
    assert format_protocol(parse(printed, name)) == printed
