"""Syntax errors a person can act on: Lark's exceptions turned into located diagnostics.

The expected tokens are named in words and grouped ("an expression", "a declaration"), and
common slips get a message of their own ('==' for '=', chained comparisons, '&&', a block
header without a body, an unknown string escape, ...).
"""

from __future__ import annotations

import functools
import re

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from checker.diagnostics import Diagnostic, Note, Source, Span
from checker.dsl.lexing import lark_parser, token_span

# ---------------------------------------------------------------- describing tokens for errors

_TOKEN_WORDS = {
    "NAME": "a name",
    "INT": "a number",
    "STRING": "a string",
    "LONG_STRING": "a string",
    "_NL": "end of line",
    "_INDENT": "an indented block",
    "_DEDENT": "end of block",
    "$END": "end of file",
}


@functools.lru_cache(maxsize=1)
def terminal_text() -> dict[str, str]:
    out = dict(_TOKEN_WORDS)
    for term in lark_parser().terminals:
        if term.name not in out and term.pattern.type == "str":
            out[term.name] = f"'{term.pattern.value}'"
    return out


def _describe(name: str) -> str:
    return terminal_text().get(name, name.lower())


# Groups of terminals that are named as one thing in "expected ..." messages.
_GROUPS = (
    ("a declaration", {"'const'", "'type'", "'def'", "'object'", "'clients'", "'route'", "'address'",
                       "'network'", "'faults'", "'clocks'", "'message'", "'node'", "'invariant'", "'check'"}),
    ("a variable or handler", {"'var'", "'durable'", "'replicated'", "'on'", "'request'",
                               "'action'", "'timeout'"}),
    ("a statement", {"'let'", "'send'", "'reply'", "'require'", "'choose'", "'take'", "'return'",
                     "'pass'", "'if'", "'for'"}),
    ("an expression", {"a name", "a number", "'('", "'['", "'{'", "'not'", "'true'", "'false'",
                       "'none'", "'self'", "'all'", "'some'", "'count'", "a string", "'-'"}),
    ("an operator", {"'!='", "'%'", "'&'", "'*'", "'+'", "'-'", "'//'", "'<'", "'<='", "'=='",
                     "'>'", "'>='", "'|'", "'..'", "'=>'", "'and'", "'or'", "'in'", "'not'",
                     "'if'", "'['", "'.'", "'('"}),
)


def _expected_text(expected: set[str]) -> str:
    words = {_describe(n) for n in expected}
    named: list[str] = []
    for label, members in _GROUPS:
        present = words & members
        if len(present) >= 4 or (present and present == members):
            named.append(label)
            words -= members
    items = named + sorted(words)
    if len(items) > 8:
        items = items[:8] + ["something else"]
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]


def _found_text(tok: Token) -> str:
    if tok.type == "$END":
        return "end of file"
    if tok.type == "_NL":
        return "end of line"
    if tok.type == "_INDENT":
        return "indentation"
    if tok.type == "_DEDENT":
        return "end of block"
    if tok.type == "NAME":
        return f"name '{tok.value}'"
    if tok.type == "INT":
        return f"number {tok.value}"
    if tok.type == "STRING":
        return "string"
    return f"'{tok.value}'"


_RESERVED_HINT = (
    "'{}' is a reserved word of the language and cannot be used as a name here"
)


def _before(source: Source, pos: int) -> str:
    """The text of the line up to `pos`."""
    return source.text[source.text.rfind("\n", 0, pos) + 1 : pos]


def _last_code_char(text: str, pos: int) -> int:
    """Offset of the last character before `pos` that is neither blank nor in a comment; -1 if none."""
    line_end = pos
    while line_end > 0:
        line_start = text.rfind("\n", 0, line_end) + 1
        line = text[line_start:line_end]
        hash_at = line.find("#")
        if hash_at >= 0 and '"' not in line[:hash_at]:
            line = line[:hash_at]
        code = line.rstrip()
        if code:
            return line_start + len(code) - 1
        line_end = line_start - 1
    return -1


def _previous_word(source: Source, pos: int) -> str:
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", _before(source, pos))
    return words[-1] if words else ""


def _special(tok: Token, expected: set[str], source: Source) -> tuple[str, Span] | None:
    """A complete message for a common slip, or None for the generic one."""
    texts = terminal_text()
    wanted = {texts.get(e, "") for e in expected}
    pos, here = tok.start_pos, token_span(tok) if tok.type not in ("_NL", "_DEDENT", "_INDENT", "$END") else None
    before = _before(source, pos) if pos is not None else ""
    stripped = before.strip()
    colon = _last_code_char(source.text, pos if pos is not None else len(source.text))
    opens_block = colon >= 0 and source.text[colon] == ":" and "\n" in source.text[colon:pos]
    if tok.type != "_INDENT" and ("_INDENT" in expected or opens_block):
        return "expected an indented block after this line", source.span_at(max(0, colon))
    if here is None:
        return None
    value = str(tok.value)
    if value == "=" and before.endswith("="):
        span = source.span_at(pos - 1, 2)
        if stripped.startswith("const"):
            return "a constant is defined with one '=': const N = 3", span
        return ("'==' compares and cannot stand here: assign with '=', or write "
                "'require a == b' to make a step depend on a comparison", span)
    if value == "=" and re.search(r"[(,]\s*[A-Za-z_][A-Za-z0-9_]*\s*$", before) and "'=='" in wanted:
        return "record fields are written 'name: value', not 'name = value'", here
    if value == "=" and "'=='" in wanted:
        return "unexpected '=' in an expression (did you mean '=='?)", here
    if value == "=" and "':'" in wanted and re.match(r"(durable\s+|replicated\s+)*var\b", stripped):
        return "every variable needs a type: var NAME: TYPE = VALUE", here
    if value in ("<", "<=", ">", ">=", "==", "!=") and "'and'" in wanted:
        return "comparisons do not chain: write 'a < b and b < c'", here
    if value == ">" and before.endswith("-"):
        return "'->' is not an operator here; implication is written '=>'", source.span_at(pos - 1, 2)
    if value in ("&", "|") and before.endswith(value):
        word = "and" if value == "&" else "or"
        return f"'{value}{value}' is not an operator; write '{word}'", source.span_at(pos - 1, 2)
    if value == "where" and "':'" in wanted:
        return "a quantifier is written count(x in S: condition), with ':' before the condition", here
    if value == ":" and stripped.startswith("def "):
        return "a def is one line: def f(x) = expression", here
    if value == "if" and _previous_word(source, pos) == "else":
        return "write 'elif', not 'else if'", source.span_at(pos - 5, 7)
    previous = _previous_word(source, pos)
    if previous in ("all", "some", "count") and before.rstrip().endswith(previous) and value != "(":
        return (f"'{previous}' is a reserved word (the {previous}(x in S: p) quantifier) and "
                "cannot be used as a name", source.span_at(pos - len(before) + before.rstrip().rindex(previous),
                                                             len(previous)))
    first = stripped.split(" ", 1)[0] if stripped else ""
    if first in ("elif", "else") and tok.type != "$END":
        return f"'{first}' without a preceding 'if'", source.span_at(pos - len(before) + before.index(first), len(first))
    if first in ("while", "loop", "until"):
        return "there is no 'while' loop; loop over a finite set with 'for x in S:'", \
            source.span_at(pos - len(before) + before.index(first), len(first))
    return None


def _hint(tok: Token, expected: set[str]) -> str:
    texts = terminal_text()
    wanted = {texts.get(e, "") for e in expected}
    if tok.type == "_INDENT":
        return " (this line is indented more than the line before it)"
    if "NAME" in expected and tok.type not in ("NAME", "$END", "_NL", "_INDENT", "_DEDENT"):
        value = str(tok.value)
        if value.isidentifier():
            return f" ({_RESERVED_HINT.format(value)})"
    if tok.type == "_NL" and "':'" in wanted:
        return " (a ':' ends the line that opens a block)"
    if tok.value == "var" and "'node'" in wanted:
        return " (variables are declared inside a node: 'node NAME:')"
    return ""


def _unclosed(source: Source, pos: int) -> tuple[Note, ...]:
    """A note for a bracket opened on an earlier line and still open at `pos`."""
    stack: list[int] = []
    pairs = {")": "(", "]": "[", "}": "{"}
    text = source.text[:pos]
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "#":
            i = text.find("\n", i) if "\n" in text[i:] else len(text)
            continue
        if ch == '"':
            close = text.find('"', i + 1)
            i = close + 1 if close > 0 else len(text)
            continue
        if ch in "([{":
            stack.append(i)
        elif ch in pairs and stack and text[stack[-1]] == pairs[ch]:
            stack.pop()
        i += 1
    if stack and "\n" in text[stack[-1]:]:
        return (Note(f"the '{text[stack[-1]]}' opened here is never closed", source.span_at(stack[-1])),)
    return ()


def _acceptable(err: UnexpectedToken) -> set[str]:
    """The terminals the parser would really accept at the error (Lark's `expected` also lists
    terminals of merged LALR states that would fail a step later)."""
    try:
        exact = set(err.interactive_parser.accepts())
    except Exception:  # noqa: BLE001 - best effort; fall back to Lark's own list
        exact = set()
    return exact or set(err.expected)


def syntax_error(err: UnexpectedInput, source: Source) -> Diagnostic:
    if isinstance(err, UnexpectedToken):
        tok = err.token
        expected = _acceptable(err)
        notes = _unclosed(source, tok.start_pos if tok.start_pos is not None else len(source.text))
        special = _special(tok, expected, source)
        if special is not None:
            return Diagnostic(special[0], special[1], notes)
        if tok.type == "$END":
            span = source.span_at(len(source.text.rstrip()), 1)
            return Diagnostic(f"unexpected end of file; expected {_expected_text(expected)}", span, notes)
        span = token_span(tok) if tok.type not in ("_NL", "_DEDENT", "_INDENT") else _nl_span(tok, source)
        message = f"unexpected {_found_text(tok)}; expected {_expected_text(expected)}{_hint(tok, expected)}"
        return Diagnostic(message, span, notes)
    if isinstance(err, UnexpectedCharacters):
        return _bad_character(err.pos_in_stream, source)
    if isinstance(err, UnexpectedEOF):
        span = source.span_at(len(source.text.rstrip()), 1)
        return Diagnostic(f"unexpected end of file; expected {_expected_text(set(err.expected))}", span)
    span = source.span_at(0)
    return Diagnostic(f"cannot parse this file: {err}", span)


def _bad_escape(text: str, pos: int) -> int | None:
    """Offset of an unknown escape inside the string that starts at `pos`, if any."""
    i = pos + 1
    while i < len(text) and text[i] not in '"\n':
        if text[i] == "\\":
            if i + 1 < len(text) and text[i + 1] not in '\\"nt':
                return i
            i += 1
        i += 1
    return None


def _bad_character(pos: int, source: Source) -> Diagnostic:
    text = source.text
    char = text[pos] if pos < len(text) else "?"
    span = source.span_at(pos)
    if char == '"' and text.rfind('"""', 0, pos + 1) >= max(0, pos - 2) and text[max(0, pos - 2):pos + 1] == '"""':
        return Diagnostic('unterminated triple-quoted string (no closing """)', source.span_at(pos - 2, 3))
    hint = ""
    if char == "'":
        return Diagnostic("unexpected character \"'\" (strings are written in double quotes)", span)
    if char == '"':
        bad = _bad_escape(text, pos)
        if bad is not None:
            return Diagnostic(f"unknown escape '\\{text[bad + 1]}' in a string; the escapes are "
                              '\\\\, \\", \\n and \\t', source.span_at(bad, 2))
        hint = (" (a string ends on the line it starts on; "
                'write text over several lines in triple quotes """...""")')
    elif char == "!":
        hint = " (write 'not' for negation; '!=' is 'not equal')"
    elif char == "/":
        hint = " (integer division is '//')"
    elif char.isalpha() and not char.isascii():
        hint = " (names use ASCII letters, digits and '_')"
    shown = char if char.isprintable() else f"U+{ord(char):04X}"
    return Diagnostic(f"unexpected character '{shown}'{hint}", span)


def _nl_span(tok: Token, source: Source) -> Span:
    if tok.type == "_NL":
        return source.span_at(tok.start_pos)
    return source.span_at(tok.start_pos, 1)
