"""The Lark parse tree to the frozen-dataclass AST, with spans, and the nesting guard that
runs before it (so no later, recursive pass can exhaust Python's stack).
"""

from __future__ import annotations

import inspect

from lark import Token, Transformer, Tree, v_args

from checker.diagnostics import Diagnostic, Note, Source, Span
from checker.dsl import ast
from checker.dsl.lexing import Located, reserved_words, token_span
from checker.errors import SpecError

MAX_NESTING = 200
MAX_INT_DIGITS = 18

# ---------------------------------------------------------------- tree depth guard

_CHAINS = {"or_expr", "and_expr", "bitor", "bitand", "arith", "term", "bound", "bound_term"}


def check_depth(tree: Tree, source: Source) -> None:
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
    return ast.Ident(str(tok), token_span(tok))


def _distinct(expects: tuple[ast.Expectation, ...]) -> tuple[ast.Expectation, ...]:
    """A property's expectations, refusing two under the same constants (which would
    contradict or repeat each other)."""
    seen: dict[frozenset, ast.Expectation] = {}
    for e in expects:
        first = seen.setdefault(frozenset(e.constants), e)
        if first is not e and e.span is not None:  # the parser's expectations always have a span
            under = "under the same constants" if e.constants else "at the spec's own constants"
            raise Located(f"a second expectation for this property {under}; add 'with NAME = VALUE' to "
                          "state one for other constants", e.span, (Note("the first one", first.span),))
    return expects


def _declared(tok: Token) -> ast.Ident:
    """A name being declared (a constant, variable, parameter, ...): not a reserved word."""
    if str(tok) in reserved_words():
        raise Located(f"'{tok}' is a reserved word of the language and cannot be used as a name",
                       token_span(tok))
    return _ident(tok)


def _doc(item) -> str | None:
    return item if isinstance(item, str) or item is None else None


@v_args(meta=True, inline=True)
class ToAst(Transformer):
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

    def clients_decl(self, meta, count, symmetric, ops):
        return ast.Clients(count, ops, symmetric is not None,
                           symmetric_span=_keyword_span(symmetric), span=self._span(meta))

    def route_decl(self, meta, who, target):
        mode, expr = target
        kind, what = who
        return ast.Route(mode, expr, what if kind == "ops" else (), what if kind == "client" else None,
                         span=self._span(meta))

    def route_all(self, meta):
        return ("all", None)

    def route_ops(self, meta, *names):
        return ("ops", tuple(_ident(n) for n in names))

    def route_client(self, meta, word, index):
        return ("client", (_ident(word), index))

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

    def clocks_decl(self, meta, *bounds):
        return ast.Clocks(tuple(bounds), span=self._span(meta))

    def faults_none(self, meta):
        return ast.Faults((), span=self._span(meta))

    def budget(self, meta, name, op, bound, target):
        return ast.Budget(_ident(name), op, bound, target, span=self._span(meta))

    def message_decl(self, meta, name, params):
        return ast.Message(_declared(name), params or (), span=self._span(meta))

    def node_decl(self, meta, name, count, symmetric, doc, *items):
        variables = tuple(i for i in items if isinstance(i, ast.VarDecl))
        handlers = tuple(i for i in items if isinstance(i, ast.Handler))
        return ast.NodeDecl(_declared(name), count, variables, handlers, doc, symmetric is not None,
                            symmetric_span=_keyword_span(symmetric), span=self._span(meta))

    def var_decl(self, meta, *children):
        *mods, name, typ, init = children
        kinds = [str(m) for m in mods]
        for word in ("durable", "replicated"):
            if kinds.count(word) > 1:
                dup = [m for m in mods if str(m) == word][1]
                raise Located(f"'{word}' is written twice", token_span(dup))
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

    def invariant_decl(self, meta, name, expr, *expects):
        return ast.Invariant(_declared(name), expr, _distinct(expects), span=self._span(meta))

    def check_decl(self, meta, name, *expects):
        return ast.Check(_ident(name), _distinct(expects), span=self._span(meta))

    def expectation(self, meta, _expect, verdict, steps, unit, constants):
        if str(verdict) not in ast.EXPECTED_VERDICTS:
            raise Located(f"expected 'holds' or 'violated' after 'expect', got '{verdict}'", token_span(verdict))
        constants = constants or ()
        if steps is None:
            return ast.Expectation(str(verdict), constants=constants, span=self._span(meta))
        if str(verdict) != "violated":
            raise Located("only a violation has a number of steps (the length of its shortest run)",
                          token_span(steps))
        if str(unit) not in ("step", "steps"):
            raise Located(f"expected 'steps' after the number, got '{unit}'", token_span(unit))
        if len(str(steps)) > MAX_INT_DIGITS:
            raise Located(f"integer literal is too large (more than {MAX_INT_DIGITS} digits)", token_span(steps))
        return ast.Expectation("violated", int(steps), constants, span=self._span(meta))

    def expect_with(self, meta, _with, *constants):
        seen: set[str] = set()
        for name, _ in constants:
            if name in seen:
                raise Located(f"'{name}' is given twice after 'with'", name.span)
            seen.add(name)
        return constants

    def expect_int(self, meta, name, value):
        if len(str(value)) > MAX_INT_DIGITS:
            raise Located(f"integer literal is too large (more than {MAX_INT_DIGITS} digits)", token_span(value))
        return _ident(name), int(value)

    def expect_true(self, meta, name):
        return _ident(name), True

    def expect_false(self, meta, name):
        return _ident(name), False

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
        return ast.Name(_ident(tok), span=token_span(tok))

    def int_lit(self, meta, tok):
        digits = str(tok)
        if len(digits.lstrip("0")) > MAX_INT_DIGITS:
            raise Located(f"integer literal is too large (more than {MAX_INT_DIGITS} digits)",
                           token_span(tok))
        return ast.IntLit(int(digits), span=token_span(tok))

    def str_lit(self, meta, tok):
        return ast.StrLit(_unescape(str(tok)), span=token_span(tok))

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


def _keyword_span(tok) -> Span | None:
    """The span of an optional keyword token (None when it is not written)."""
    return token_span(tok) if tok is not None else None
