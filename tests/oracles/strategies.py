"""Hypothesis strategies for ASTs the grammar can express (random but grammatical specs).

Names come from a small alphabet of non-reserved identifiers; strings use printable text
plus newlines and tabs (which the printer escapes); every tuple the grammar requires to be
non-empty is non-empty. Nothing here is type-correct: these trees test syntax only.
"""

from __future__ import annotations

from hypothesis import strategies as st

from checker.dsl import ast

NAMES = ("a", "b", "x", "y", "value", "role", "acks", "peer", "n1", "Tag", "_tmp")
OPS = ("=>", "or", "and", "==", "!=", "<", "<=", ">", ">=", "in", "not in",
       "..", "|", "&", "+", "-", "*", "//", "%")

names = st.sampled_from(NAMES).map(ast.Ident)
texts = st.text(st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp"),
                              whitelist_characters="\n\t"), max_size=12)
ints = st.integers(0, 10**6).map(ast.IntLit)

_leaves = st.one_of(
    names.map(ast.Name), ints, texts.map(ast.StrLit), st.booleans().map(ast.BoolLit),
    st.just(ast.NoneLit()), st.just(ast.SelfLit()),
)


def _tuples(children, min_size=0, max_size=3):
    return st.lists(children, min_size=min_size, max_size=max_size).map(tuple)


def _binders(children):
    return _tuples(st.builds(ast.Binder, names, children), 1, 2)


def _compound(children):
    return st.one_of(
        st.builds(ast.BinOp, st.sampled_from(OPS), children, children),
        st.builds(ast.Unary, st.sampled_from(("not", "-")), children),
        st.builds(ast.IfExpr, children, children, children),
        st.builds(ast.Call, names.map(ast.Name), _tuples(children)),
        st.builds(ast.Index, children, children),
        st.builds(ast.Slice, children, st.none() | children, st.none() | children),
        st.builds(ast.Field, children, names),
        st.builds(ast.TupleLit, _tuples(children, 1)),
        st.builds(ast.RecordLit, _tuples(st.builds(ast.FieldInit, names, children), 1)),
        st.builds(ast.SetLit, _tuples(children)),
        st.builds(ast.MapLit, _tuples(st.builds(ast.MapItem, children, children), 1)),
        st.builds(ast.SeqLit, _tuples(children)),
        st.builds(ast.Comprehension, st.sampled_from(("set", "seq")), children, _binders(children),
                  st.none() | children),
        st.builds(lambda e, k, b, c: ast.Comprehension("map", e, b, c, k),
                  children, children, _binders(children), st.none() | children),
        st.builds(ast.Quant, st.sampled_from(("all", "some", "count")), _binders(children), children),
    )


exprs = st.recursive(_leaves, _compound, max_leaves=12)

# ---------------------------------------------------------------- types

_bound_atoms = st.recursive(st.one_of(ints, names.map(ast.Name)),
                            lambda c: st.builds(ast.Unary, st.just("-"), c), max_leaves=2)
_bound_terms = st.recursive(_bound_atoms, lambda c: st.builds(
    ast.BinOp, st.sampled_from(("*", "//", "%")), c, _bound_atoms), max_leaves=3)
bounds = st.recursive(_bound_terms, lambda c: st.builds(
    ast.BinOp, st.sampled_from(("+", "-")), c, _bound_terms), max_leaves=3)

_type_leaves = st.one_of(
    names.map(ast.TypeName), st.just(ast.BoolType()), st.builds(ast.RangeType, bounds, bounds),
    st.builds(ast.EnumType, _tuples(st.one_of(names.map(ast.Name), ints), 1)),
)


def _type_compound(children):
    return st.one_of(
        st.builds(ast.SetType, children),
        st.builds(ast.MapType, children, children),
        st.builds(ast.SeqType, children, exprs),
        st.builds(ast.OptionType, children),
        st.builds(ast.RecordType, _tuples(st.builds(ast.FieldType, names, children), 1)),
        st.builds(ast.TupleType, _tuples(children, 2)),
    )


types = st.recursive(_type_leaves, _type_compound, max_leaves=5)

# ---------------------------------------------------------------- statements

_selectors = st.one_of(st.builds(ast.IndexSel, exprs), st.builds(ast.FieldSel, names))
lvalues = st.builds(ast.LValue, names, _tuples(_selectors, 0, 2))

_simple_stmts = st.one_of(
    st.builds(ast.Assign, lvalues, exprs, st.sampled_from(("=", "+=", "-="))),
    st.builds(ast.Let, names, exprs),
    st.builds(ast.Send, names, _tuples(exprs), exprs),
    st.builds(ast.Reply, exprs, st.none(), st.none() | exprs),
    st.builds(lambda e, to: ast.Reply(None, e, to), texts, st.none() | exprs),
    st.builds(ast.Require, exprs),
    st.builds(ast.Choose, names, exprs, st.none() | exprs),
    st.builds(ast.Take, names),
    st.builds(ast.Return, exprs),
    st.just(ast.Pass()),
)


def _compound_stmts(children):
    block = _tuples(children, 1, 3)
    return st.one_of(
        st.builds(ast.If, _tuples(st.builds(ast.IfArm, exprs, block), 1, 2), _tuples(children, 0, 2)),
        st.builds(ast.For, names, exprs, block),
    )


stmts = st.recursive(_simple_stmts, _compound_stmts, max_leaves=6)
blocks = _tuples(stmts, 1, 3)
docs = st.none() | texts

# ---------------------------------------------------------------- declarations

params = _tuples(st.builds(ast.Param, names, types))
var_decls = st.builds(ast.VarDecl, names, types, st.none() | exprs, st.booleans(), st.booleans())
handlers = st.one_of(
    st.builds(ast.OnMessage, names, _tuples(names), names, st.none() | exprs, blocks, docs),
    st.builds(ast.OnRequest, names, _tuples(names), st.none() | names, st.none() | exprs, blocks, docs),
    st.builds(ast.Action, names, st.none() | exprs, blocks, docs),
    st.builds(ast.Timeout, names, st.none() | exprs, blocks, docs),
    st.builds(ast.OnRestart, blocks, docs),
)


def _node(name, count, variables, hs, doc, symmetric=False):
    """A node declaration; the grammar needs at least one variable or handler."""
    if not variables and not hs:
        hs = (ast.Action(ast.Ident("a"), None, (ast.Pass(),)),)
    return ast.NodeDecl(name, count, variables, hs, doc, symmetric)


def _user_object(name, variables, ops, doc):
    """A user object; the grammar needs at least one variable or operation."""
    if not variables and not ops:
        variables = (ast.VarDecl(ast.Ident("x"), ast.BoolType()),)
    return ast.UserObject(name, variables, ops, doc)


op_decls = st.builds(ast.OpDecl, names, params, st.none() | types, st.none() | exprs, blocks, docs)
decls = st.one_of(
    st.builds(ast.Const, names, exprs),
    st.builds(ast.TypeDecl, names, types),
    st.builds(ast.Def, names, _tuples(names), exprs),
    st.builds(ast.BuiltinObject, names, _tuples(st.builds(ast.KwArg, names, exprs))),
    st.builds(_user_object, names, _tuples(var_decls, 0, 2), _tuples(op_decls, 0, 2), docs),
    st.builds(ast.Clients, exprs, st.none() | exprs, st.booleans()),
    st.builds(ast.Route, st.sampled_from(("fixed", "any")), exprs),
    st.builds(ast.Address, names, exprs),
    st.builds(ast.Network, _tuples(names, 1)),
    st.builds(ast.Faults, _tuples(st.builds(ast.Budget, names, st.sampled_from(("<=", "<", "==")), exprs))),
    st.builds(ast.Message, names, params),
    st.builds(_node, names, st.none() | exprs, _tuples(var_decls, 0, 2), _tuples(handlers, 0, 2), docs,
              st.booleans()),
    st.builds(ast.Invariant, names, exprs),
    st.builds(ast.Check, names),
)
protocols = st.builds(ast.Protocol, names, _tuples(decls, 1, 4), docs)
