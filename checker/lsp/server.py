"""`capcheck lsp`: a language server for `.cap` specs over stdio (pygls).

On every open, change (full text sync) and save it analyses the document as the editor
holds it (lsp/analysis.py: the real parser and semantic checker) and publishes the
diagnostics, with their notes as related information; it answers hover (a name's
declaration, which gives its type), go to definition, and document symbols (the outline:
constants, messages, nodes with their variables and handlers, invariants, checks). The only
module that imports pygls; positions convert here between capcheck's 1-based lines and
columns and the protocol's 0-based ones.
"""

from __future__ import annotations

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from checker import __version__
from checker.diagnostics import Diagnostic, Span
from checker.lsp.analysis import Analysis, Symbol, analyse, definitions, hover

_SYMBOL_KINDS = {"constant": types.SymbolKind.Constant, "type": types.SymbolKind.TypeParameter,
                 "definition": types.SymbolKind.Function, "object": types.SymbolKind.Class,
                 "message": types.SymbolKind.Struct, "node": types.SymbolKind.Class,
                 "variable": types.SymbolKind.Field, "address": types.SymbolKind.Variable,
                 "handler": types.SymbolKind.Method, "action": types.SymbolKind.Method,
                 "timeout": types.SymbolKind.Event, "invariant": types.SymbolKind.Boolean,
                 "check": types.SymbolKind.Property}


def make_server() -> LanguageServer:
    """A server with capcheck's features registered (start it with `start_io()`)."""
    server = LanguageServer("capcheck", __version__)
    known: dict[str, Analysis] = {}

    def refresh(uri: str) -> None:
        doc = server.workspace.get_text_document(uri)
        known[uri] = analysis = analyse(doc.source, _path(uri))
        server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=doc.version, diagnostics=[_diagnostic(d, uri) for d in analysis.diagnostics]))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        refresh(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        refresh(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        refresh(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        known.pop(params.text_document.uri, None)
        server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=params.text_document.uri, diagnostics=[]))

    def current(uri: str) -> tuple[Analysis, str]:
        text = server.workspace.get_text_document(uri).source
        if uri not in known:
            known[uri] = analyse(text, _path(uri))
        return known[uri], text

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def on_hover(params: types.HoverParams) -> types.Hover | None:
        analysis, text = current(params.text_document.uri)
        said = hover(analysis.symbols, text, params.position.line + 1, params.position.character + 1)
        if said is None:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=said))

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def on_definition(params: types.DefinitionParams) -> list[types.Location]:
        analysis, text = current(params.text_document.uri)
        found = definitions(analysis.symbols, text, params.position.line + 1, params.position.character + 1)
        return [types.Location(uri=params.text_document.uri, range=_range(s.span)) for s in found]

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def on_symbols(params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
        analysis, _ = current(params.text_document.uri)
        return [_document_symbol(s) for s in analysis.symbols]

    return server


def _path(uri: str) -> str:
    """The path a diagnostic names: the file's path for a file: URI, else the URI."""
    from pygls.uris import to_fs_path
    return to_fs_path(uri) or uri


def _range(span: Span | None) -> types.Range:
    if span is None:
        return types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
    return types.Range(start=types.Position(line=span.line - 1, character=span.column - 1),
                       end=types.Position(line=span.end_line - 1, character=span.end_column - 1))


def _diagnostic(d: Diagnostic, uri: str) -> types.Diagnostic:
    related = [types.DiagnosticRelatedInformation(location=types.Location(uri=uri, range=_range(n.span)),
                                                  message=n.message) for n in d.notes if n.span is not None]
    remarks = [n.message for n in d.notes if n.span is None]
    return types.Diagnostic(range=_range(d.span), message="\n".join([d.message, *remarks]), source="capcheck",
                            severity=types.DiagnosticSeverity.Error, related_information=related or None)


def _document_symbol(s: Symbol) -> types.DocumentSymbol:
    return types.DocumentSymbol(name=s.name, kind=_SYMBOL_KINDS.get(s.kind, types.SymbolKind.Object),
                                detail=s.kind, range=_range(s.whole), selection_range=_range(s.span),
                                children=[_document_symbol(c) for c in s.children] or None)
