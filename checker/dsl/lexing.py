"""The lexical layer of the parser: the Lark LALR parser built from grammar.lark, the
indentation post-lexer, the reserved words, and the located exception used inside them.

This package (checker.dsl) is the only one that imports lark.
"""

from __future__ import annotations

import functools
import hashlib
import os
from importlib import resources
from typing import Iterator

from lark import Lark, Token

from checker.diagnostics import Note, Span

_OPEN = {"LPAR", "LSQB", "LBRACE"}
_CLOSE = {"RPAR", "RSQB", "RBRACE"}


class Located(Exception):
    """A located mistake found inside the lexer or the transformer; `parse` turns it into
    a SpecError."""

    def __init__(self, message: str, span: Span, notes: tuple[Note, ...] = ()) -> None:
        super().__init__(message)
        self.message, self.span, self.notes = message, span, notes


def token_span(tok: Token) -> Span:
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
        raise Located("tab character in indentation; indent with spaces only",
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
        raise Located("unindent does not match any outer indentation level", at(1, max(1, width)))


@functools.lru_cache(maxsize=1)
def _grammar() -> str:
    return resources.files("checker.dsl").joinpath("grammar.lark").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def lark_parser() -> Lark:
    """The parser, built once per process. Building the LALR tables takes 0.3 to 0.5 s, so
    they are kept in the user's cache directory (`_cache_file`) and loaded from there by
    the next process; Lark checks that a cached file is of this grammar, these options and
    its own version, and rebuilds (and rewrites it) when it is not or cannot be read."""
    return Lark(
        _grammar(),
        parser="lalr",
        lexer="contextual",
        postlex=_Indenter(),
        propagate_positions=True,
        maybe_placeholders=True,
        cache=_cache_file(),
    )


def _cache_file() -> str | bool:
    """$XDG_CACHE_HOME/capcheck (default ~/.cache/capcheck)/grammar-HASH.lark, or False
    (no cache) when that directory cannot be made."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(root, "capcheck")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError:
        return False
    digest = hashlib.sha256(_grammar().encode("utf-8")).hexdigest()[:16]
    return os.path.join(folder, f"grammar-{digest}.lark")


# Keywords that only appear where no name can (after a node's count, after the number of
# clients, after a property, at the start of a declaration), so the contextual lexer reads
# them as names everywhere else:
# specs written before they existed keep working (`invariant symmetric: ...`).
SOFT_KEYWORDS = frozenset({"symmetric", "expect", "with", "clocks"})


@functools.lru_cache(maxsize=1)
def reserved_words() -> frozenset[str]:
    """Every keyword of the grammar but the soft ones: none of them may name a declared thing."""
    return frozenset(
        t.pattern.value for t in lark_parser().terminals
        if t.pattern.type == "str" and t.pattern.value.isidentifier()
    ) - SOFT_KEYWORDS
