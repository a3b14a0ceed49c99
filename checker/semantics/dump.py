"""A readable, deterministic listing of an IR Program (what `capcheck parse --ir` prints).

Expressions are shown in spec-like syntax with IR operator names (union, concat, ...);
locals are shown as name#uid so shadowing and expansion are visible.
"""

from __future__ import annotations

from checker.props import kinds
from checker.semantics import ir
from checker.semantics.types import describe


def value_text(v: object) -> str:
    """A value as it would be written in a spec."""
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, frozenset):
        return "{" + ", ".join(sorted(value_text(x) for x in v)) + "}"
    if isinstance(v, tuple):
        return "(" + ", ".join(value_text(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, ir.MapValue):
        return "{" + ", ".join(f"{value_text(k)}: {value_text(x)}" for k, x in v.items) + "}"
    return str(v)


def expr_text(e: ir.Expr) -> str:
    """An IR expression in spec-like syntax, fully parenthesised below the top."""
    match e:
        case ir.Lit(value=v):
            return value_text(v)
        case ir.Local(name=name, uid=uid):
            return f"{name}#{uid}"
        case ir.StateVar(name=name):
            return name
        case ir.NodeVar(node=node, name=name):
            return f"{_sub(node)}.{name}"
        case ir.ObjectVar(name=name) | ir.AddressRef(name=name) | ir.Param(name=name):
            return name
        case ir.SelfRef():
            return "self"
        case ir.NodesOf(roles=roles):
            return " | ".join(roles) if roles else "{}"
        case ir.NodeAt(role=role, index=index):
            return f"{role}[{expr_text(index)}]"
        case ir.Unary(op="not", operand=x):
            return f"not {_sub(x)}"
        case ir.Unary(operand=x):
            return f"-{_sub(x)}"
        case ir.Binary(op=op, left=l, right=r):
            return f"{_sub(l)} {op} {_sub(r)}"
        case ir.IfExpr(cond=c, then=t, orelse=o):
            return f"{_sub(t)} if {_sub(c)} else {_sub(o)}"
        case ir.Call(func=f, args=args):
            return f"{f}({', '.join(expr_text(a) for a in args)})"
        case ir.Index(obj=o, index=i):
            return f"{_sub(o)}[{expr_text(i)}]"
        case ir.Slice(obj=o, lo=lo, hi=hi):
            return f"{_sub(o)}[{expr_text(lo) if lo else ''}:{expr_text(hi) if hi else ''}]"
        case ir.Field(obj=o, name=name):
            return f"{_sub(o)}.{name}"
        case ir.SetLit(elems=elems):
            return "{" + ", ".join(expr_text(x) for x in elems) + "}"
        case ir.SeqLit(elems=elems):
            return "[" + ", ".join(expr_text(x) for x in elems) + "]"
        case ir.MapLit(items=items):
            return "{" + ", ".join(f"{expr_text(k)}: {expr_text(v)}" for k, v in items) + "}"
        case ir.TupleLit(elems=elems):
            return "(" + ", ".join(expr_text(x) for x in elems) + ")"
        case ir.Comprehension():
            return _comprehension(e)
        case ir.Quant(kind=kind, binders=binders, body=body):
            return f"{kind}({_binders(binders)}: {expr_text(body)})"
    return f"<{type(e).__name__}>"


def _sub(e: ir.Expr) -> str:
    text = expr_text(e)
    simple = isinstance(e, (ir.Lit, ir.Local, ir.StateVar, ir.ObjectVar, ir.AddressRef, ir.Param, ir.SelfRef,
                            ir.Call, ir.Index, ir.Field, ir.SetLit, ir.SeqLit, ir.TupleLit, ir.NodeAt))
    return text if simple else f"({text})"


def _binders(binders: tuple[ir.Binder, ...]) -> str:
    return ", ".join(f"{expr_text(b.local)} in {expr_text(b.domain)}" for b in binders)


def _comprehension(e: ir.Comprehension) -> str:
    head = f"{expr_text(e.key)}: {expr_text(e.elem)}" if e.key is not None else expr_text(e.elem)
    cond = f" if {expr_text(e.cond)}" if e.cond is not None else ""
    body = f"{head} for {_binders(e.binders)}{cond}"
    return f"[{body}]" if e.kind == "seq" else "{" + body + "}"


def stmt_lines(s: ir.Stmt, indent: str) -> list[str]:
    """An IR statement as indented lines."""
    match s:
        case ir.Assign(target=t, path=path, value=v):
            steps = "".join(f"[{expr_text(p.index)}]" if p.kind == "index" and p.index else f".{p.field}"
                            for p in path)
            return [f"{indent}{expr_text(t)}{steps} = {expr_text(v)}"]
        case ir.Let(local=l, value=v):
            return [f"{indent}let {expr_text(l)} = {expr_text(v)}"]
        case ir.Send(message=m, args=args, dest=d, broadcast=b):
            word = "broadcast" if b else "send"
            return [f"{indent}{word} {m}({', '.join(expr_text(a) for a in args)}) to {expr_text(d)}"]
        case ir.Reply(handle=h, value=v, error=err):
            what = expr_text(v) if v is not None else f'error "{err}"'
            return [f"{indent}reply {what}" + (f" to {expr_text(h)}" if h is not None else "")]
        case ir.Require(cond=c):
            return [f"{indent}require {expr_text(c)}"]
        case ir.Choose(local=l, domain=d, cond=c):
            where = f" where {expr_text(c)}" if c is not None else ""
            return [f"{indent}choose {expr_text(l)} in {expr_text(d)}{where}"]
        case ir.Take(address=a):
            return [f"{indent}take {a}"]
        case ir.Return(value=v):
            return [f"{indent}return {expr_text(v)}"]
        case ir.For(local=l, domain=d, body=body):
            return [f"{indent}for {expr_text(l)} in {expr_text(d)}:"] + _block(body, indent + "    ")
        case ir.If(arms=arms, orelse=orelse):
            out: list[str] = []
            for i, (cond, body) in enumerate(arms):
                out.append(f"{indent}{'if' if i == 0 else 'elif'} {expr_text(cond)}:")
                out += _block(body, indent + "    ")
            if orelse:
                out.append(f"{indent}else:")
                out += _block(orelse, indent + "    ")
            return out
    return [f"{indent}<{type(s).__name__}>"]


def _block(stmts: tuple[ir.Stmt, ...], indent: str) -> list[str]:
    lines = [line for s in stmts for line in stmt_lines(s, indent)]
    return lines or [f"{indent}pass"]


def _handler(h: ir.Handler) -> list[str]:
    params = ", ".join(f"{p.name}#{p.uid}: {describe(p.type)}" for p in h.params)
    head = f"  {h.label}({params})"
    if h.sender is not None:
        head += f" from {expr_text(h.sender)}"
    if h.handle is not None:
        head += f" as {expr_text(h.handle)}"
    if h.guard is not None:
        head += f" when {expr_text(h.guard)}"
    return [head + ":"] + _block(h.body, "      ")


def _constant_text(c: ir.Constant) -> str:
    if isinstance(c.value, ir.Param):
        return f"symbolic {describe(c.value.type)}"
    return expr_text(c.value) if isinstance(c.value, ir.Expr) else value_text(c.value)


def _clocks_text(c: ir.Clocks) -> str:
    bounds = [("horizon", c.horizon), ("drift", c.drift)] + ([("offset", c.offset)] if c.offset is not None else [])
    return "clocks " + ", ".join(f"{name} <= {expr_text(b) if isinstance(b, ir.Expr) else b}" for name, b in bounds)


def dump_program(p: ir.Program) -> str:
    """The whole program, one section per kind of declaration."""
    out = [f"program {p.name}"]
    out += [f"  const {c.name} = {_constant_text(c)}" + ("  (from -D)" if c.overridden else "")
            for c in p.constants]
    if p.object is not None:
        params = ", ".join(f"{k} = {value_text(v)}" for k, v in p.object.params)
        out.append(f"  object {p.object.name} ({p.object.kind}) {params}".rstrip())
        for op in p.object.ops:
            args = ", ".join(f"{n}: {describe(t)}" for n, t in op.params)
            out.append(f"    op {op.name}({args}) -> {describe(op.result)}" + ("" if op.writes else "  (read-only)"))
            out += _block(op.body, "      ") if op.body else []
    if p.clients is not None:
        out.append(f"  clients {p.clients.count}, ops {p.clients.ops}" + (" symmetric" if p.clients.symmetric else ""))
    if p.routing is not None:
        target = p.routing.address or ", ".join(str(n) for n in p.routing.nodes)
        out.append(f"  route {p.routing.mode} {target}")
    for rule in p.routes:
        who = ", ".join(rule.ops) if rule.ops else f"client[{rule.client}]"
        target = rule.routing.address or ", ".join(str(n) for n in rule.routing.nodes)
        out.append(f"  route {who}: {rule.routing.mode} {target}")
    out += [f"  address {a.name} = {a.init}" for a in p.addresses]
    out.append(f"  network {p.network.mode}" + (", lossy" if p.network.lossy else ""))
    budgets = [f"{k} <= {p.faults.budget(k)}" if p.faults.budget(k) is not None else f"{k} unbounded"
               for k in ir.FAULT_KINDS if p.faults.budget(k) != 0]
    out.append("  faults " + (", ".join(budgets) if budgets else "none"))
    if p.clocks is not None:
        out.append("  " + _clocks_text(p.clocks))
    for m in p.messages:
        out.append(f"  message {m.name}(" + ", ".join(f"{n}: {describe(t)}" for n, t in m.fields) + ")")
    for r in p.roles:
        out.append(f"  role {r.name}: " + ", ".join(str(n) for n in r.ids) + (" (symmetric)" if r.symmetric else ""))
        for v in r.vars:
            mods = "".join(w + " " for w, on in (("durable", v.durable), ("replicated", v.replicated)) if on)
            out.append(f"    {mods}var {v.name}: {describe(v.type)} = {expr_text(v.init)}")
        for h in r.handlers:
            out += ["  " + line for line in _handler(h)]
    for prop in p.properties:
        tail = f": {expr_text(prop.expr)}" if prop.expr is not None else ""
        out.append(f"  {prop.kind} {prop.name}{tail}" if prop.kind == kinds.INVARIANT.name else f"  check {prop.name}")
    return "\n".join(out) + "\n"
