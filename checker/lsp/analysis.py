"""What an editor shows of a spec, computed from its text with the real parser and
semantic checker: the diagnostics, an outline of its declarations, the declaration a name
refers to, and what a hover over a name says (the declaration's line, which gives its
type). Pure and deterministic; positions are 1-based lines and columns as in
checker/diagnostics.py (the server converts them to the protocol's 0-based ones).

The name lookup is by name and scope, not a full resolution: a name is looked up among the
variables of the node it is written in, then among every declaration of the protocol
(constants, types, definitions, messages, nodes, addresses, invariants and, for `self.x`
or `n.x`, any node's variables). Where several declarations share a name (the same
variable in two node roles), every one is offered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from checker.diagnostics import Diagnostic, Source, Span
from checker.dsl import ast
from checker.errors import CheckerError, SpecError

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Symbol:
    """A declaration: its `name`, `kind` (constant, type, definition, object, message,
    node, variable, address, handler, invariant, check), the span of its name, the span of
    the whole declaration, its source line (for hovers) and its children (a node's
    variables and handlers)."""

    name: str
    kind: str
    span: Span
    whole: Span
    line: str
    children: tuple["Symbol", ...] = ()


@dataclass(frozen=True)
class Analysis:
    """A spec's text analysed: its diagnostics (empty when it is well-formed) and its
    symbols (empty when it does not parse)."""

    diagnostics: tuple[Diagnostic, ...]
    symbols: tuple[Symbol, ...]


def analyse(text: str, path: str) -> Analysis:
    """Parse and check `text` (the spec as the editor holds it, saved or not)."""
    from checker.dsl import parse_bytes
    from checker.semantics import check

    source = Source(path, text)
    try:
        protocol, source = parse_bytes(text.encode("utf-8"), path)
    except SpecError as err:
        return Analysis(err.diagnostics, ())
    symbols = outline(protocol, source)
    try:
        check(protocol, source)
    except SpecError as err:
        return Analysis(err.diagnostics, symbols)
    except CheckerError as err:
        return Analysis((Diagnostic(str(err), None),), symbols)
    return Analysis((), symbols)


def outline(protocol: ast.Protocol, source: Source) -> tuple[Symbol, ...]:
    """The protocol's declarations in source order, a node's members under it."""
    out = []
    for d in protocol.decls:
        sym = _symbol(d, source)
        if sym is not None:
            out.append(sym)
    return tuple(out)


_KINDS = {ast.Const: "constant", ast.TypeDecl: "type", ast.Def: "definition", ast.Message: "message",
          ast.Address: "address", ast.Invariant: "invariant", ast.Check: "check", ast.UserObject: "object",
          ast.NodeDecl: "node", ast.VarDecl: "variable", ast.Action: "action", ast.Timeout: "timeout"}


def _symbol(d: ast.Node, source: Source) -> Symbol | None:
    name = _name_of(d)
    if name is None or name.span is None or d.span is None:
        return None
    children: tuple[Symbol, ...] = ()
    if isinstance(d, ast.NodeDecl):
        members = [_symbol(v, source) for v in d.vars] + [_symbol(h, source) for h in d.handlers]
        children = tuple(m for m in members if m is not None)
    kind = _KINDS.get(type(d), "handler")
    return Symbol(str(name), kind, name.span, d.span, source.line(d.span.line).strip(), children)


def _name_of(d: ast.Node) -> ast.Ident | None:
    if isinstance(d, ast.OnMessage):
        return d.message
    if isinstance(d, ast.OnRequest):
        return d.op
    return getattr(d, "name", None) if isinstance(getattr(d, "name", None), ast.Ident) else None


def word_at(text: str, line: int, column: int) -> str | None:
    """The identifier at 1-based (line, column) of `text`, or None."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return None
    for m in _WORD.finditer(lines[line - 1]):
        if m.start() <= column - 1 <= m.end():        # on the word, or just after it
            return m.group()
    return None


def definitions(symbols: tuple[Symbol, ...], text: str, line: int, column: int) -> list[Symbol]:
    """The declarations the name at (line, column) may refer to: the enclosing node's
    members first (by the node whose declaration holds the position), else any symbol
    of that name; the declaration itself when the cursor is on it."""
    name = word_at(text, line, column)
    if name is None:
        return []
    at = _offset(text, line, column)
    here = next((s for s in symbols if s.kind == "node" and s.whole.start <= at < s.whole.end), None)
    if here is not None:
        own = [c for c in here.children if c.name == name and c.kind == "variable"]
        if own:
            return own
    top = [s for s in symbols if s.name == name]
    members = [c for s in symbols for c in s.children if c.name == name and c.kind == "variable"]
    return top + members


def hover(symbols: tuple[Symbol, ...], text: str, line: int, column: int) -> str | None:
    """Markdown for a hover at (line, column): each declaration the name may refer to, its
    kind and its declaring line (which gives a variable's type and initial value)."""
    found = definitions(symbols, text, line, column)
    if not found:
        return None
    owners = {id(c): s.name for s in symbols for c in s.children}
    parts = []
    for s in found:
        where = f" of node `{owners[id(s)]}`" if id(s) in owners else ""
        parts.append(f"{s.kind} `{s.name}`{where}\n\n```cap\n{s.line}\n```")
    return "\n\n---\n\n".join(parts)


def _offset(text: str, line: int, column: int) -> int:
    """The character offset of 1-based (line, column) in `text`."""
    return sum(len(x) + 1 for x in text.split("\n")[:line - 1]) + column - 1
