"""Text to AST: `parse(text, path)` returns a `Protocol` or raises `SpecError`, and nothing
else, for any input (binary garbage, deep nesting, tabs, a huge file).

The work is split: checker.dsl.lexing (Lark and the indentation post-lexer),
checker.dsl.transform (tree to AST), checker.dsl.syntax_errors (messages); this module
holds the checks on raw bytes and text, and the entry points.
"""

from __future__ import annotations

import unicodedata

from lark.exceptions import LarkError, UnexpectedInput, VisitError

from checker.diagnostics import Diagnostic, Source
from checker.dsl import ast
from checker.dsl.lexing import Located, lark_parser
from checker.dsl.syntax_errors import syntax_error
from checker.dsl.transform import ToAst, check_depth
from checker.errors import SpecError

MAX_FILE_BYTES = 256 * 1024

# ---------------------------------------------------------------- pre-checks on raw text


def too_large(path: str, data: bytes, size: str) -> SpecError:
    """The error for a spec over MAX_FILE_BYTES (`size`: how large, in words), located at
    1:1 like every other spec error, with the start of its first line."""
    first = Source(path, data[:80].split(b"\n", 1)[0].decode("utf-8", errors="replace"))
    return SpecError([Diagnostic(f"spec file is too large ({size}; the limit is {MAX_FILE_BYTES} bytes)",
                                 first.span_at(0))], first)


def _decode(data: bytes, path: str) -> Source:
    if len(data) > MAX_FILE_BYTES:
        raise too_large(path, data, f"{len(data)} bytes")
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
        tree = lark_parser().parse(text)
        check_depth(tree, source)
        return ToAst(source).transform(tree)
    except Located as exc:
        raise SpecError([Diagnostic(exc.message, exc.span, exc.notes)], source) from None
    except VisitError as exc:
        inner = exc.orig_exc
        if isinstance(inner, Located):
            raise SpecError([Diagnostic(inner.message, inner.span, inner.notes)], source) from None
        raise
    except UnexpectedInput as exc:
        if isinstance(exc.__context__, Located):
            located = exc.__context__
            raise SpecError([Diagnostic(located.message, located.span)], source) from None
        raise SpecError([syntax_error(exc, source)], source) from None
    except LarkError as exc:  # lark's own errors carry no position we trust
        raise SpecError([Diagnostic(f"cannot parse this file: {exc}", source.span_at(0))], source) from None
