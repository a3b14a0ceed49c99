"""Text to AST: the Lark LALR parser, its indentation post-lexer, and located errors.

`parse(text, path)` returns a `Protocol` or raises `SpecError`; it never raises anything
else for any input (binary garbage, deep nesting, tabs, a huge file). This module is the
only one that imports lark.
"""

from __future__ import annotations

import functools
import inspect
import re
import unicodedata
from importlib import resources
from typing import Iterator

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import (
    LarkError,
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from checker.diagnostics import Diagnostic, Note, Source, Span
from checker.dsl import ast
from checker.errors import SpecError

MAX_FILE_BYTES = 256 * 1024
MAX_NESTING = 200
MAX_INT_DIGITS = 18

_OPEN = {"LPAR", "LSQB", "LBRACE"}
_CLOSE = {"RPAR", "RSQB", "RBRACE"}


class _Located(Exception):
    """Raised inside the lexer/transformer; turned into a SpecError by `parse`."""

    def __init__(self, message: str, span: Span, notes: tuple[Note, ...] = ()) -> None:
        super().__init__(message)
        self.message, self.span, self.notes = message, span, notes


def _token_span(tok: Token) -> Span:
    return Span(tok.start_pos, tok.end_pos, tok.line, tok.column, tok.end_line, tok.end_column)


class _Indenter:
    """Turns _NL tokens into _INDENT/_DEDENT, ignoring newlines inside brackets.

    Indentation must be spaces; a tab in indentation is an error (it has no single width).
    Stateless between calls: all bookkeeping lives in `process`.
    """

    always_accept = ("_NL",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        depth = 0
        stack = [0]
        last: Token | None = None
        for tok in stream:
            last = tok
            if tok.type in _OPEN:
                depth += 1
            elif tok.type in _CLOSE:
                depth = max(0, depth - 1)
            if tok.type != "_NL":
                yield tok
                continue
            if depth > 0:
                continue
            yield tok
            yield from _indent(tok, stack)
        while len(stack) > 1:
            stack.pop()
            yield Token.new_borrow_pos("_DEDENT", "", last) if last else Token("_DEDENT", "")


def _indent(tok: Token, stack: list[int]) -> Iterator[Token]:
    indent_str = tok.value.rsplit("\n", 1)[-1]
    line = tok.end_line
    width = len(indent_str)

    def at(column: int, length: int = 1) -> Span:
        offset = tok.end_pos - width + column - 1
        return Span(offset, offset + length, line, column, line, column + length)

    if "\t" in indent_str:
        raise _Located("tab character in indentation; indent with spaces only",
                       at(indent_str.index("\t") + 1))
    if width > stack[-1]:
        stack.append(width)
        yield Token("_INDENT", indent_str, start_pos=tok.end_pos, line=line, column=width + 1,
                    end_line=line, end_column=width + 1, end_pos=tok.end_pos)
        return
    while width < stack[-1]:
        stack.pop()
        yield Token("_DEDENT", "", start_pos=tok.end_pos, line=line, column=width + 1,
                    end_line=line, end_column=width + 1, end_pos=tok.end_pos)
    if width != stack[-1]:
        raise _Located("unindent does not match any outer indentation level", at(1, max(1, width)))


@functools.lru_cache(maxsize=1)
def _grammar() -> str:
    return resources.files("checker.dsl").joinpath("grammar.lark").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _lark() -> Lark:
    return Lark(
        _grammar(),
        parser="lalr",
        lexer="contextual",
        postlex=_Indenter(),
        propagate_positions=True,
        maybe_placeholders=True,
    )


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
def _terminal_text() -> dict[str, str]:
    out = dict(_TOKEN_WORDS)
    for term in _lark().terminals:
        if term.name not in out and term.pattern.type == "str":
            out[term.name] = f"'{term.pattern.value}'"
    return out


def _describe(name: str) -> str:
    return _terminal_text().get(name, name.lower())


# Groups of terminals that are named as one thing in "expected ..." messages.
_GROUPS = (
    ("a declaration", {"'const'", "'type'", "'def'", "'object'", "'clients'", "'route'", "'address'",
                       "'network'", "'faults'", "'message'", "'node'", "'invariant'", "'check'"}),
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
        return "a string"
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
    texts = _terminal_text()
    wanted = {texts.get(e, "") for e in expected}
    pos, here = tok.start_pos, _token_span(tok) if tok.type not in ("_NL", "_DEDENT", "_INDENT", "$END") else None
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
    texts = _terminal_text()
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


def _syntax_error(err: UnexpectedInput, source: Source) -> Diagnostic:
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
        span = _token_span(tok) if tok.type not in ("_NL", "_DEDENT", "_INDENT") else _nl_span(tok, source)
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


# ---------------------------------------------------------------- pre-checks on raw text


def _decode(data: bytes, path: str) -> Source:
    if len(data) > MAX_FILE_BYTES:
        empty = Source(path, "")
        raise SpecError([Diagnostic(
            f"spec file is too large ({len(data)} bytes; the limit is {MAX_FILE_BYTES} bytes)", None)], empty)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        empty = Source(path, "")
        raise SpecError([Diagnostic("this file is UTF-16 text; save it as UTF-8", empty.span_at(0))], empty)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8", errors="replace")
        source = Source(path, good)
        raise SpecError([Diagnostic(
            f"this file is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            source.span_at(len(good)))], source) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return Source(path, text)


def _check_characters(source: Source) -> None:
    text = source.text
    for offset, char in enumerate(text):
        if char == "\r" and text[offset + 1 : offset + 2] != "\n":
            raise SpecError([Diagnostic(
                "carriage return without a line feed; save the file with LF (or CRLF) line endings",
                source.span_at(offset))], source)
        if char in "\n\r\t" or char.isprintable():
            continue
        category = unicodedata.category(char)
        if category == "Cc":
            message = f"unexpected control character U+{ord(char):04X}; is this a text file?"
        elif category in ("Cf", "Zl", "Zp"):
            message = (f"invisible formatting character U+{ord(char):04X} (it can make the text "
                       "read differently from what it says); remove it")
        else:
            continue
        raise SpecError([Diagnostic(message, source.span_at(offset))], source)


# ---------------------------------------------------------------- tree depth guard

_CHAINS = {"or_expr", "and_expr", "bitor", "bitand", "arith", "term", "bound", "bound_term"}


def _check_depth(tree: Tree, source: Source) -> None:
    """Refuse trees nested deeper than MAX_NESTING (walked without recursion)."""
    stack: list[tuple[Tree, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            span = _meta_span(node) or source.span_at(0)
            raise SpecError([Diagnostic(
                f"this expression is nested too deeply or is too long (more than {MAX_NESTING} "
                "levels or operators in a row); split it into smaller parts",
                span)], source)
        extra = (len(node.children) // 2) if node.data in _CHAINS else 1
        for child in node.children:
            if isinstance(child, Tree):
                stack.append((child, depth + extra))


def _meta_span(tree: Tree) -> Span | None:
    meta = tree.meta
    if getattr(meta, "empty", True):
        return None
    return Span(meta.start_pos, meta.end_pos, meta.line, meta.column, meta.end_line, meta.end_column)


# ---------------------------------------------------------------- the transformer


def _unescape(raw: str) -> str:
    """The text of a string literal: quotes removed, escapes resolved; a triple-quoted
    docstring is also cleaned like Python's (common indentation and blank ends removed)."""
    if raw.startswith('"""'):
        return inspect.cleandoc(_unescape_body(raw[3:-3]))
    return _unescape_body(raw[1:-1])


def _unescape_body(body: str) -> str:
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _ident(tok: Token) -> ast.Ident:
    return ast.Ident(str(tok), _token_span(tok))


@functools.lru_cache(maxsize=1)
def reserved_words() -> frozenset[str]:
    """Every keyword of the grammar: none of them may name a declared thing."""
    return frozenset(
        t.pattern.value for t in _lark().terminals
        if t.pattern.type == "str" and t.pattern.value.isidentifier()
    )


def _declared(tok: Token) -> ast.Ident:
    """A name being declared (a constant, variable, parameter, ...): not a reserved word."""
    if str(tok) in reserved_words():
        raise _Located(f"'{tok}' is a reserved word of the language and cannot be used as a name",
                       _token_span(tok))
    return _ident(tok)


def _doc(item) -> str | None:
    return item if isinstance(item, str) or item is None else None


@v_args(meta=True, inline=True)
class _ToAst(Transformer):
    """Builds AST nodes from the Lark tree; each method receives (meta, *children)."""

    def __init__(self, source: Source) -> None:
        super().__init__(visit_tokens=False)
        self.source = source

    def _span(self, meta) -> Span | None:
        if getattr(meta, "empty", True):
            return None
        return Span(meta.start_pos, meta.end_pos, meta.line, meta.column, meta.end_line, meta.end_column)

    # -------------------------------------------------- top level

    def start(self, meta, protocol):
        return protocol

    def protocol(self, meta, name, doc, *decls):
        return ast.Protocol(_declared(name), tuple(decls), doc, span=self._span(meta))

    def docstring(self, meta, tok):
        return _unescape(str(tok))

    def const_decl(self, meta, name, value):
        return ast.Const(_declared(name), value, span=self._span(meta))

    def type_decl(self, meta, name, typ):
        return ast.TypeDecl(_declared(name), typ, span=self._span(meta))

    def def_decl(self, meta, name, params, body):
        return ast.Def(_declared(name), params or (), body, span=self._span(meta))

    def builtin_object(self, meta, kind, *kwargs):
        args = tuple(k for k in kwargs if k is not None)
        return ast.BuiltinObject(_ident(kind), args, span=self._span(meta))

    def kwarg(self, meta, name, value):
        return ast.KwArg(_ident(name), value, span=self._span(meta))

    def user_object(self, meta, name, doc, *items):
        variables = tuple(i for i in items if isinstance(i, ast.VarDecl))
        ops = tuple(i for i in items if isinstance(i, ast.OpDecl))
        return ast.UserObject(_declared(name), variables, ops, doc, span=self._span(meta))

    def op_decl(self, meta, name, params, result, guard, body):
        doc, stmts = body
        return ast.OpDecl(_declared(name), params or (), result, guard, stmts, doc, span=self._span(meta))

    def clients_decl(self, meta, count, ops):
        return ast.Clients(count, ops, span=self._span(meta))

    def route_decl(self, meta, target):
        mode, expr = target
        return ast.Route(mode, expr, span=self._span(meta))

    def route_fixed(self, meta, expr):
        return ("fixed", expr)

    def route_any(self, meta, expr):
        return ("any", expr)

    def address_decl(self, meta, name, init):
        return ast.Address(_declared(name), init, span=self._span(meta))

    def network_decl(self, meta, *names):
        return ast.Network(tuple(_ident(n) for n in names), span=self._span(meta))

    def faults_decl(self, meta, *budgets):
        return ast.Faults(tuple(budgets), span=self._span(meta))

    def faults_none(self, meta):
        return ast.Faults((), span=self._span(meta))

    def budget(self, meta, name, op, bound):
        return ast.Budget(_ident(name), op, bound, span=self._span(meta))

    def message_decl(self, meta, name, params):
        return ast.Message(_declared(name), params or (), span=self._span(meta))

    def node_decl(self, meta, name, count, doc, *items):
        variables = tuple(i for i in items if isinstance(i, ast.VarDecl))
        handlers = tuple(i for i in items if isinstance(i, ast.Handler))
        return ast.NodeDecl(_declared(name), count, variables, handlers, doc, span=self._span(meta))

    def var_decl(self, meta, *children):
        *mods, name, typ, init = children
        kinds = [str(m) for m in mods]
        for word in ("durable", "replicated"):
            if kinds.count(word) > 1:
                dup = [m for m in mods if str(m) == word][1]
                raise _Located(f"'{word}' is written twice", _token_span(dup))
        return ast.VarDecl(_declared(name), typ, init, "durable" in kinds, "replicated" in kinds,
                           span=self._span(meta))

    def var_modifier(self, meta, tok):
        return tok

    def on_message(self, meta, name, params, sender, guard, body):
        doc, stmts = body
        return ast.OnMessage(_ident(name), params or (), _declared(sender), guard, stmts, doc,
                             span=self._span(meta))

    def on_request(self, meta, name, params, handle, guard, body):
        doc, stmts = body
        return ast.OnRequest(_ident(name), params or (), _declared(handle) if handle else None, guard,
                             stmts, doc, span=self._span(meta))

    def on_action(self, meta, name, guard, body):
        doc, stmts = body
        return ast.Action(_declared(name), guard, stmts, doc, span=self._span(meta))

    def on_timeout(self, meta, name, guard, body):
        doc, stmts = body
        return ast.Timeout(_declared(name), guard, stmts, doc, span=self._span(meta))

    def on_restart(self, meta, body):
        doc, stmts = body
        return ast.OnRestart(stmts, doc, span=self._span(meta))

    def guard(self, meta, expr):
        return expr

    def invariant_decl(self, meta, name, expr):
        return ast.Invariant(_declared(name), expr, span=self._span(meta))

    def check_decl(self, meta, name):
        return ast.Check(_ident(name), span=self._span(meta))

    def params(self, meta, *params):
        return tuple(p for p in params if p is not None)

    def param(self, meta, name, typ):
        return ast.Param(_declared(name), typ, span=self._span(meta))

    def name_list(self, meta, *names):
        return tuple(_declared(n) for n in names if n is not None)

    # -------------------------------------------------- types

    def type_name(self, meta, name):
        return ast.TypeName(_ident(name), span=self._span(meta))

    def type_bool(self, meta):
        return ast.BoolType(span=self._span(meta))

    def type_range(self, meta, lo, hi):
        return ast.RangeType(lo, hi, span=self._span(meta))

    def type_enum(self, meta, *members):
        return ast.EnumType(tuple(m for m in members if m is not None), span=self._span(meta))

    def type_set(self, meta, elem):
        return ast.SetType(elem, span=self._span(meta))

    def type_map(self, meta, key, value):
        return ast.MapType(key, value, span=self._span(meta))

    def type_seq(self, meta, elem, max_len):
        return ast.SeqType(elem, max_len, span=self._span(meta))

    def type_option(self, meta, inner):
        return ast.OptionType(inner, span=self._span(meta))

    def type_record(self, meta, *fields):
        return ast.RecordType(tuple(f for f in fields if f is not None), span=self._span(meta))

    def type_tuple(self, meta, *elems):
        return ast.TupleType(tuple(e for e in elems if e is not None), span=self._span(meta))

    def field_type(self, meta, name, typ):
        return ast.FieldType(_declared(name), typ, span=self._span(meta))

    # -------------------------------------------------- statements

    def block(self, meta, *stmts):
        return tuple(stmts)

    def body(self, meta, doc, *stmts):
        return (doc, tuple(stmts))

    def assign(self, meta, target, value):
        return ast.Assign(target, value, "=", span=self._span(meta))

    def aug_assign(self, meta, target, op, value):
        return ast.Assign(target, value, op, span=self._span(meta))

    def augop(self, meta, tok):
        return str(tok)

    def lvalue(self, meta, name, *path):
        return ast.LValue(_ident(name), tuple(path), span=self._span(meta))

    def lv_index(self, meta, expr):
        return ast.IndexSel(expr, span=self._span(meta))

    def lv_field(self, meta, name):
        return ast.FieldSel(_ident(name), span=self._span(meta))

    def let_stmt(self, meta, name, value):
        return ast.Let(_declared(name), value, span=self._span(meta))

    def send_stmt(self, meta, name, args, dest):
        return ast.Send(_ident(name), args or (), dest, span=self._span(meta))

    def reply_value(self, meta, value, to):
        return ast.Reply(value, None, to, span=self._span(meta))

    def reply_error(self, meta, reason, to):
        return ast.Reply(None, _unescape(str(reason)), to, span=self._span(meta))

    def require_stmt(self, meta, cond):
        return ast.Require(cond, span=self._span(meta))

    def choose_stmt(self, meta, name, domain, cond):
        return ast.Choose(_declared(name), domain, cond, span=self._span(meta))

    def take_stmt(self, meta, name):
        return ast.Take(_ident(name), span=self._span(meta))

    def return_stmt(self, meta, value):
        return ast.Return(value, span=self._span(meta))

    def pass_stmt(self, meta):
        return ast.Pass(span=self._span(meta))

    def if_stmt(self, meta, cond, body, *rest):
        *elifs, orelse = rest
        arms = [ast.IfArm(cond, body, span=self._span(meta))] + list(elifs)
        return ast.If(tuple(arms), orelse or (), span=self._span(meta))

    def elif_clause(self, meta, cond, body):
        return ast.IfArm(cond, body, span=self._span(meta))

    def else_clause(self, meta, body):
        return body

    def for_stmt(self, meta, name, domain, body):
        return ast.For(_declared(name), domain, body, span=self._span(meta))

    # -------------------------------------------------- expressions

    def cond_expr(self, meta, then, cond, orelse):
        return ast.IfExpr(cond, then, orelse, span=self._span(meta))

    def implies_expr(self, meta, left, right):
        return ast.BinOp("=>", left, right, span=self._span(meta))

    def _chain(self, meta, op_of, children):
        left = children[0]
        i = 1
        while i < len(children):
            if op_of is None:
                op, right = children[i], children[i + 1]
                i += 2
            else:
                op, right = op_of, children[i]
                i += 1
            span = left.span.to(right.span) if left.span and right.span else self._span(meta)
            left = ast.BinOp(str(op), left, right, span=span)
        return left

    def or_expr(self, meta, *children):
        return self._chain(meta, "or", children)

    def and_expr(self, meta, *children):
        return self._chain(meta, "and", children)

    def bitor(self, meta, *children):
        return self._chain(meta, "|", children)

    def bitand(self, meta, *children):
        return self._chain(meta, "&", children)

    def arith(self, meta, *children):
        return self._chain(meta, None, children)

    def term(self, meta, *children):
        return self._chain(meta, None, children)

    bound = arith
    bound_term = term

    def addop(self, meta, tok):
        return str(tok)

    def mulop(self, meta, tok):
        return str(tok)

    def compop(self, meta, tok):
        return str(tok)

    def not_expr(self, meta, operand):
        return ast.Unary("not", operand, span=self._span(meta))

    def neg(self, meta, operand):
        return ast.Unary("-", operand, span=self._span(meta))

    def compare(self, meta, left, op, right):
        return ast.BinOp(op, left, right, span=self._span(meta))

    def in_expr(self, meta, left, right):
        return ast.BinOp("in", left, right, span=self._span(meta))

    def not_in_expr(self, meta, left, right):
        return ast.BinOp("not in", left, right, span=self._span(meta))

    def range_lit(self, meta, lo, hi):
        return ast.BinOp("..", lo, hi, span=self._span(meta))

    def call(self, meta, func, args):
        return ast.Call(func, args or (), span=self._span(meta))

    def args(self, meta, *items):
        return tuple(i for i in items if i is not None)

    def index(self, meta, obj, idx):
        return ast.Index(obj, idx, span=self._span(meta))

    def slice(self, meta, obj, lo, hi):
        return ast.Slice(obj, lo, hi, span=self._span(meta))

    def field(self, meta, obj, name):
        return ast.Field(obj, _ident(name), span=self._span(meta))

    def name(self, meta, tok):
        return ast.Name(_ident(tok), span=_token_span(tok))

    def int_lit(self, meta, tok):
        digits = str(tok)
        if len(digits.lstrip("0")) > MAX_INT_DIGITS:
            raise _Located(f"integer literal is too large (more than {MAX_INT_DIGITS} digits)",
                           _token_span(tok))
        return ast.IntLit(int(digits), span=_token_span(tok))

    def str_lit(self, meta, tok):
        return ast.StrLit(_unescape(str(tok)), span=_token_span(tok))

    def true_lit(self, meta):
        return ast.BoolLit(True, span=self._span(meta))

    def false_lit(self, meta):
        return ast.BoolLit(False, span=self._span(meta))

    def none_lit(self, meta):
        return ast.NoneLit(span=self._span(meta))

    def self_lit(self, meta):
        return ast.SelfLit(span=self._span(meta))

    def tuple_lit(self, meta, *elems):
        return ast.TupleLit(tuple(e for e in elems if e is not None), span=self._span(meta))

    def record_lit(self, meta, *fields):
        return ast.RecordLit(tuple(f for f in fields if f is not None), span=self._span(meta))

    def field_init(self, meta, name, value):
        return ast.FieldInit(_declared(name), value, span=self._span(meta))

    def empty_braces(self, meta):
        return ast.SetLit((), span=self._span(meta))

    def set_lit(self, meta, *elems):
        return ast.SetLit(tuple(e for e in elems if e is not None), span=self._span(meta))

    def map_lit(self, meta, *items):
        return ast.MapLit(tuple(i for i in items if i is not None), span=self._span(meta))

    def map_item(self, meta, key, value):
        return ast.MapItem(key, value, span=self._span(meta))

    def set_comp(self, meta, elem, binders, cond):
        return ast.Comprehension("set", elem, binders, cond, span=self._span(meta))

    def map_comp(self, meta, key, elem, binders, cond):
        return ast.Comprehension("map", elem, binders, cond, key, span=self._span(meta))

    def seq_lit(self, meta, *elems):
        return ast.SeqLit(tuple(e for e in elems if e is not None), span=self._span(meta))

    def seq_comp(self, meta, elem, binders, cond):
        return ast.Comprehension("seq", elem, binders, cond, span=self._span(meta))

    def binders(self, meta, *items):
        return tuple(items)

    def binder(self, meta, name, domain):
        return ast.Binder(_declared(name), domain, span=self._span(meta))

    def quant_all(self, meta, binders, body):
        return ast.Quant("all", binders, body, span=self._span(meta))

    def quant_some(self, meta, binders, body):
        return ast.Quant("some", binders, body, span=self._span(meta))

    def quant_count(self, meta, binders, body):
        return ast.Quant("count", binders, body, span=self._span(meta))


# ---------------------------------------------------------------- entry points


def parse(text: str, path: str = "<spec>") -> ast.Protocol:
    """Parse spec text. Raises SpecError (and nothing else) for any input that is not a spec."""
    return parse_source(Source(path, text))


def parse_bytes(data: bytes, path: str) -> tuple[ast.Protocol, Source]:
    """Decode and parse raw file contents (what `capcheck` reads from disk)."""
    source = _decode(data, path)
    return parse_source(source), source


def parse_source(source: Source) -> ast.Protocol:
    """Parse a Source; see `parse`."""
    _check_characters(source)
    if all(not line.strip() or line.lstrip().startswith("#") for line in source.lines):
        raise SpecError([Diagnostic(
            "the file has no protocol; a spec starts with 'protocol NAME:'", source.span_at(0))], source)
    text = source.text if source.text.endswith("\n") else source.text + "\n"
    try:
        tree = _lark().parse(text)
        _check_depth(tree, source)
        return _ToAst(source).transform(tree)
    except _Located as exc:
        raise SpecError([Diagnostic(exc.message, exc.span, exc.notes)], source) from None
    except VisitError as exc:
        inner = exc.orig_exc
        if isinstance(inner, _Located):
            raise SpecError([Diagnostic(inner.message, inner.span, inner.notes)], source) from None
        raise
    except UnexpectedInput as exc:
        if isinstance(exc.__context__, _Located):
            located = exc.__context__
            raise SpecError([Diagnostic(located.message, located.span)], source) from None
        raise SpecError([_syntax_error(exc, source)], source) from None
    except LarkError as exc:  # lark's own errors carry no position we trust
        raise SpecError([Diagnostic(f"cannot parse this file: {exc}", source.span_at(0))], source) from None
