"""AST to canonical .cap text: the inverse of the parser.

`format_protocol(p)` is pure and deterministic, and `parse(format_protocol(p)) == p` for
every tree the parser can produce (spans aside). Canonical form: 4-space indentation, one
declaration per line, inside a node its variables before its handlers, a blank line around
blocks, and the fewest parentheses that keep the tree's meaning.
"""

from __future__ import annotations

import inspect

from checker.dsl import ast

INDENT = "    "

# Binding strength of each expression form, loosest first; operands print at the level the
# grammar requires and get parentheses when they bind more loosely.
COND, IMPLIES, OR, AND, NOT, COMPARE, RANGE, BITOR, BITAND, ARITH, TERM, NEG, POSTFIX, ATOM = range(14)

_BINARY = {
    "=>": IMPLIES, "or": OR, "and": AND,
    "==": COMPARE, "!=": COMPARE, "<": COMPARE, "<=": COMPARE, ">": COMPARE, ">=": COMPARE,
    "in": COMPARE, "not in": COMPARE, "..": RANGE, "|": BITOR, "&": BITAND,
    "+": ARITH, "-": ARITH, "*": TERM, "//": TERM, "%": TERM,
}


def _level(e: ast.Expr) -> int:
    match e:
        case ast.IfExpr():
            return COND
        case ast.BinOp(op=op):
            return _BINARY[op]
        case ast.Unary(op="not"):
            return NOT
        case ast.Unary():
            return NEG
        case ast.Call() | ast.Index() | ast.Slice() | ast.Field():
            return POSTFIX
    return ATOM


def _operand_levels(op: str) -> tuple[int, int]:
    """The levels the left and right operands of `op` must reach."""
    level = _BINARY[op]
    if level == IMPLIES:
        return OR, IMPLIES  # right-associative
    if level in (COMPARE, RANGE):
        return level + 1, level + 1  # not associative: a < b < c does not parse
    return level, level + 1  # left-associative chains


# ---------------------------------------------------------------- expressions


def format_expr(e: ast.Expr, at_least: int = COND) -> str:
    """`e` as text, parenthesised if it binds more loosely than `at_least`."""
    text = _expr(e)
    return f"({text})" if _level(e) < at_least else text


def _expr(e: ast.Expr) -> str:
    match e:
        case ast.Name(id=name):
            return str(name)
        case ast.IntLit(value=v):
            return str(v)
        case ast.StrLit(value=v):
            return quote(v)
        case ast.BoolLit(value=v):
            return "true" if v else "false"
        case ast.NoneLit():
            return "none"
        case ast.SelfLit():
            return "self"
        case ast.IfExpr(cond=c, then=t, orelse=o):
            return f"{format_expr(t, IMPLIES)} if {format_expr(c, IMPLIES)} else {format_expr(o, COND)}"
        case ast.BinOp(op="..", left=l, right=r):
            return f"{format_expr(l, RANGE + 1)}..{format_expr(r, RANGE + 1)}"
        case ast.BinOp(op=op, left=l, right=r):
            left, right = _operand_levels(op)
            if op == "or":  # 'a or (b and c)' reads better than the minimal form
                left = OR if isinstance(l, ast.BinOp) and l.op == "or" else NOT
                right = NOT
            return f"{format_expr(l, left)} {op} {format_expr(r, right)}"
        case ast.Unary(op="not", operand=x):
            return f"not {format_expr(x, NOT)}"
        case ast.Unary(operand=x):
            return f"-{format_expr(x, NEG)}"
        case ast.Call(func=f, args=args):
            return f"{format_expr(f, POSTFIX)}({_list(args)})"
        case ast.Index(obj=o, index=i):
            return f"{format_expr(o, POSTFIX)}[{format_expr(i)}]"
        case ast.Slice(obj=o, lo=lo, hi=hi):
            return f"{format_expr(o, POSTFIX)}[{format_expr(lo) if lo else ''}:{format_expr(hi) if hi else ''}]"
        case ast.Field(obj=o, name=name):
            return f"{format_expr(o, POSTFIX)}.{name}"
    return _collection(e)


def _collection(e: ast.Expr) -> str:
    match e:
        case ast.TupleLit(elems=(one,)):
            return f"({format_expr(one)},)"
        case ast.TupleLit(elems=elems):
            return f"({_list(elems)})"
        case ast.RecordLit(fields=fields):
            return "(" + ", ".join(f"{f.name}: {format_expr(f.value)}" for f in fields) + ")"
        case ast.SetLit(elems=elems):
            return "{" + _list(elems) + "}"
        case ast.MapLit(items=items):
            return "{" + ", ".join(f"{format_expr(i.key)}: {format_expr(i.value)}" for i in items) + "}"
        case ast.SeqLit(elems=elems):
            return "[" + _list(elems) + "]"
        case ast.Comprehension(kind=kind, elem=elem, binders=binders, cond=cond, key=key):
            head = f"{format_expr(key)}: {format_expr(elem)}" if key is not None else format_expr(elem)
            tail = f" if {format_expr(cond)}" if cond is not None else ""
            body = f"{head} for {_binders(binders)}{tail}"
            return f"[{body}]" if kind == "seq" else "{" + body + "}"
        case ast.Quant(kind=kind, binders=binders, body=body):
            return f"{kind}({_binders(binders)}: {format_expr(body)})"
    raise TypeError(f"not an expression: {e!r}")


def _list(items: tuple[ast.Expr, ...]) -> str:
    return ", ".join(format_expr(x) for x in items)


def _binders(binders: tuple[ast.Binder, ...]) -> str:
    return ", ".join(f"{b.name} in {format_expr(b.domain, RANGE)}" for b in binders)


def quote(text: str) -> str:
    """A one-line string literal whose unescaped value is exactly `text`."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


# ---------------------------------------------------------------- types


def format_type(t: ast.TypeExpr) -> str:
    """A type expression as text. Raises ValueError for a range bound the grammar cannot
    express (bounds are integers and names joined by + - * // %, without parentheses)."""
    match t:
        case ast.TypeName(name=name):
            return str(name)
        case ast.BoolType():
            return "bool"
        case ast.RangeType(lo=lo, hi=hi):
            return f"{_bound(lo, ARITH)}..{_bound(hi, ARITH)}"
        case ast.EnumType(members=members):
            return "{" + _list(members) + "}"
        case ast.SetType(elem=elem):
            return f"set[{format_type(elem)}]"
        case ast.MapType(key=key, value=value):
            return f"map[{format_type(key)}, {format_type(value)}]"
        case ast.SeqType(elem=elem, max_len=n):
            return f"seq[{format_type(elem)}, {format_expr(n)}]"
        case ast.OptionType(inner=inner):
            return f"option {format_type(inner)}"
        case ast.RecordType(fields=fields):
            return "(" + ", ".join(f"{f.name}: {format_type(f.type)}" for f in fields) + ")"
        case ast.TupleType(elems=elems):
            return "(" + ", ".join(format_type(x) for x in elems) + ")"
    raise TypeError(f"not a type: {t!r}")


def _bound(e: ast.Expr, at_least: int) -> str:
    match e:
        case ast.IntLit(value=v):
            return str(v)
        case ast.Name(id=name):
            return str(name)
        case ast.Unary(op="-", operand=x) if at_least <= NEG + 1:
            return "-" + _bound(x, NEG + 1)
        case ast.BinOp(op="+" | "-" as op, left=l, right=r) if at_least <= ARITH:
            return f"{_bound(l, ARITH)} {op} {_bound(r, TERM)}"
        case ast.BinOp(op="*" | "//" | "%" as op, left=l, right=r) if at_least <= TERM:
            return f"{_bound(l, TERM)} {op} {_bound(r, NEG + 1)}"
    raise ValueError(f"a range bound cannot be written as {_expr(e)!r}: bounds take no parentheses")


# ---------------------------------------------------------------- statements


def format_stmt(s: ast.Stmt, indent: str = "") -> list[str]:
    """A statement as lines (nested blocks included), each starting with `indent`."""
    match s:
        case ast.Assign(target=target, value=value, op=op):
            return [f"{indent}{_lvalue(target)} {op} {format_expr(value)}"]
        case ast.Let(name=name, value=value):
            return [f"{indent}let {name} = {format_expr(value)}"]
        case ast.Send(message=m, args=args, dest=dest):
            return [f"{indent}send {m}({_list(args)}) to {format_expr(dest)}"]
        case ast.Reply(value=value, error=error, to=to):
            what = format_expr(value) if value is not None else f"error {quote(error or '')}"
            return [f"{indent}reply {what}" + (f" to {format_expr(to)}" if to is not None else "")]
        case ast.Require(cond=c):
            return [f"{indent}require {format_expr(c)}"]
        case ast.Choose(name=name, domain=d, cond=c):
            where = f" where {format_expr(c)}" if c is not None else ""
            return [f"{indent}choose {name} in {format_expr(d, RANGE)}{where}"]
        case ast.Take(address=a):
            return [f"{indent}take {a}"]
        case ast.Return(value=v):
            return [f"{indent}return {format_expr(v)}"]
        case ast.Pass():
            return [f"{indent}pass"]
        case ast.For(name=name, domain=d, body=body):
            return [f"{indent}for {name} in {format_expr(d)}:"] + _block(body, indent + INDENT)
        case ast.If(arms=arms, orelse=orelse):
            out: list[str] = []
            for i, arm in enumerate(arms):
                out.append(f"{indent}{'if' if i == 0 else 'elif'} {format_expr(arm.cond)}:")
                out += _block(arm.body, indent + INDENT)
            if orelse:
                out += [f"{indent}else:"] + _block(orelse, indent + INDENT)
            return out
    raise TypeError(f"not a statement: {s!r}")


def _lvalue(lv: ast.LValue) -> str:
    steps = "".join(f"[{format_expr(p.index)}]" if isinstance(p, ast.IndexSel) else f".{p.name}"
                    for p in lv.path)
    return f"{lv.name}{steps}"


def _block(stmts: tuple[ast.Stmt, ...], indent: str, doc: str | None = None) -> list[str]:
    lines = _doc(doc, indent) if doc is not None else []
    lines += [line for s in stmts for line in format_stmt(s, indent)]
    return lines if stmts else lines + [f"{indent}pass"]


def _doc(doc: str, indent: str) -> list[str]:
    """A docstring: triple-quoted over several lines when that reads back unchanged."""
    multi = "\n" in doc and doc == inspect.cleandoc(doc) and '"""' not in doc \
        and "\\" not in doc and all(c.isprintable() or c == "\n" for c in doc) and not doc.endswith('"')
    if not multi:
        return [indent + quote(doc)]
    first, *rest = doc.split("\n")
    return [f'{indent}"""{first}'] + [f"{indent}{line}" if line else "" for line in rest] + [f'{indent}"""']


# ---------------------------------------------------------------- declarations


def _params(params: tuple[ast.Param, ...]) -> str:
    return ", ".join(f"{p.name}: {format_type(p.type)}" for p in params)


def _guard(g: ast.Expr | None) -> str:
    return f" when {format_expr(g)}" if g is not None else ""


def _var(v: ast.VarDecl, indent: str) -> str:
    mods = ("durable " if v.durable else "") + ("replicated " if v.replicated else "")
    init = f" = {format_expr(v.init)}" if v.init is not None else ""
    return f"{indent}{mods}var {v.name}: {format_type(v.type)}{init}"


def _handler(h: ast.Handler, indent: str) -> list[str]:
    inner = indent + INDENT
    match h:
        case ast.OnMessage(message=m, params=ps, sender=s, guard=g, body=body, doc=doc):
            head = f"on {m}({', '.join(ps)}) from {s}{_guard(g)}:"
        case ast.OnRequest(op=op, params=ps, handle=handle, guard=g, body=body, doc=doc):
            alias = f" as {handle}" if handle is not None else ""
            head = f"request {op}({', '.join(ps)}){alias}{_guard(g)}:"
        case ast.Action(name=name, guard=g, body=body, doc=doc):
            head = f"action {name}{_guard(g)}:"
        case ast.Timeout(name=name, guard=g, body=body, doc=doc):
            head = f"timeout {name}{_guard(g)}:"
        case ast.OnRestart(body=body, doc=doc):
            head = "on restart:"
        case _:
            raise TypeError(f"not a handler: {h!r}")
    return [indent + head] + _block(body, inner, doc)


def _op(op: ast.OpDecl, indent: str) -> list[str]:
    result = f" -> {format_type(op.result)}" if op.result is not None else ""
    head = f"{indent}op {op.name}({_params(op.params)}){result}{_guard(op.guard)}:"
    return [head] + _block(op.body, indent + INDENT, op.doc)


def _members(doc: str | None, variables, blocks: list[list[str]], indent: str) -> list[str]:
    """The body of a node or user object: docstring, variables, then blank-separated blocks."""
    lines = _doc(doc, indent) if doc is not None else []
    lines += [_var(v, indent) for v in variables]
    for block in blocks:
        lines += ([""] if lines else []) + block
    return lines


def format_decl(d: ast.Decl, indent: str = INDENT) -> list[str]:
    """A protocol-level declaration as lines."""
    match d:
        case ast.Const(name=name, value=value):
            return [f"{indent}const {name} = {format_expr(value)}"]
        case ast.TypeDecl(name=name, type=t):
            return [f"{indent}type {name} = {format_type(t)}"]
        case ast.Def(name=name, params=ps, body=body):
            return [f"{indent}def {name}({', '.join(ps)}) = {format_expr(body)}"]
        case ast.BuiltinObject(kind=kind, args=args):
            inside = ", ".join(f"{a.name} = {format_expr(a.value)}" for a in args)
            return [f"{indent}object {kind}" + (f"({inside})" if args else "")]
        case ast.UserObject(name=name, vars=vs, ops=ops, doc=doc):
            body = _members(doc, vs, [_op(o, indent + INDENT) for o in ops], indent + INDENT)
            return [f"{indent}object {name}:"] + body
        case ast.Clients(count=count, ops=ops, symmetric=symmetric):
            return [f"{indent}clients {format_expr(count)}" + (" symmetric" if symmetric else "")
                    + (f", ops {format_expr(ops)}" if ops else "")]
        case ast.Route(mode=mode, target=target, ops=ops, client=client):
            who = ", ".join(map(str, ops)) if ops else f"{client[0]}[{format_expr(client[1])}]" if client else "clients"
            return [f"{indent}route {who} to {'any ' if mode == 'any' else ''}{format_expr(target)}"]
        case ast.Address(name=name, init=init):
            return [f"{indent}address {name} = {format_expr(init)}"]
        case ast.Network(options=options):
            return [f"{indent}network {', '.join(options)}"]
        case ast.Faults(budgets=()):
            return [f"{indent}faults none"]
        case ast.Faults(budgets=budgets):
            return [f"{indent}faults " + ", ".join(f"{b.name} {b.op} {format_expr(b.bound)}"
                                                   + (f" on {format_expr(b.target)}" if b.target else "")
                                                   for b in budgets)]
        case ast.Clocks(bounds=bounds):
            return [f"{indent}clocks " + ", ".join(f"{b.name} {b.op} {format_expr(b.bound)}" for b in bounds)]
        case ast.Message(name=name, params=ps):
            return [f"{indent}message {name}({_params(ps)})"]
        case ast.NodeDecl(name=name, count=count, vars=vs, handlers=hs, doc=doc, symmetric=symmetric):
            size = f"[{format_expr(count)}]" if count is not None else ""
            body = _members(doc, vs, [_handler(h, indent + INDENT) for h in hs], indent + INDENT)
            return [f"{indent}node {name}{size}{' symmetric' if symmetric else ''}:"] + body
        case ast.Invariant(name=name, expr=e, expects=expects):
            return [f"{indent}invariant {name}: {format_expr(e)}{_expectations(expects)}"]
        case ast.Check(name=name, expects=expects):
            return [f"{indent}check {name}{_expectations(expects)}"]
    raise TypeError(f"not a declaration: {d!r}")


def _expectations(expects: tuple[ast.Expectation, ...]) -> str:
    return "".join(f" {expectation_text(e)}" for e in expects)


def expectation_text(e: ast.Expectation) -> str:
    """`expect violated in 5 steps with N = 2`, as a spec writes it."""
    steps = f" in {e.steps} step{'s' if e.steps != 1 else ''}" if e.steps is not None else ""
    return f"expect {e.verdict}{steps}{constants_text(e.constants)}"


def constants_text(constants) -> str:
    """` with N = 2, CRASH = true`, or '' for no constants."""
    if not constants:
        return ""
    return " with " + ", ".join(f"{n} = {str(v).lower() if isinstance(v, bool) else v}" for n, v in constants)
_BLOCKS = (ast.NodeDecl, ast.UserObject)
_GROUPS = (
    (ast.Const, ast.TypeDecl, ast.Def),
    (ast.BuiltinObject, ast.Clients, ast.Route, ast.Address, ast.Network, ast.Faults),
    (ast.Message,),
    (ast.Invariant, ast.Check),
)


def _group(d: ast.Decl) -> int:
    return next((i for i, kinds in enumerate(_GROUPS) if isinstance(d, kinds)), -1)


def format_protocol(p: ast.Protocol) -> str:
    """The whole spec as canonical text, ending in a newline."""
    lines = [f"protocol {p.name}:"]
    if p.doc is not None:
        lines += _doc(p.doc, INDENT) + [""]
    previous: ast.Decl | None = None
    for d in p.decls:
        if previous is not None and (isinstance(d, _BLOCKS) or isinstance(previous, _BLOCKS)
                                     or _group(d) != _group(previous)):
            lines.append("")
        lines += format_decl(d)
        previous = d
    return "\n".join(lines) + "\n"
