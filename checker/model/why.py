"""Why an invariant is false in a state, in sentences a reviewer can check against the spec.

`why_false(model, prop, state)` walks the invariant's expression down the part that makes it
false and says what it found there, quoting the spec's own text for each sub-expression:

- `a and b`: the first conjunct that is false, then why;
- `a or b`: that every alternative is false;
- `a => b`: that `a` holds, and why `b` is false;
- `all(x in S: P)`: the first binding (in the domains' order) for which `P` is false, then
  why, with `x` bound;
- `some(x in S: P)`: that no binding satisfies `P`;
- `not a`: that `a` holds (and the values that make it so, for a comparison);
- a comparison or membership: the values of its non-literal sides; a `count(...)`: which
  bindings it counted;
- `if c then a else b`: the branch taken.

Each sub-expression is compiled with the model's own expression compiler (a lambda of the
state and the bound locals), so the values are exactly those the search saw. Pure and
deterministic; at most `_DEPTH` levels deep.
"""

from __future__ import annotations

from checker.model import values
from checker.model.exprgen import Env
from checker.semantics import ir
from checker.semantics.dump import expr_text

_DEPTH = 6
_COMPARE = ("==", "!=", "<", "<=", ">", ">=", "in", "not in", "subset")


def why_false(model, prop: ir.Property, state: tuple) -> list[str]:
    """Sentences saying why invariant `prop` is false in `state` (it must be); [] when
    nothing more can be said than that it is false."""
    assert prop.expr is not None
    return _Why(model, state).false(prop.expr, {}, 0)


class _Why:
    def __init__(self, model, state: tuple) -> None:
        self.model = model
        self.state = state

    # -------------------------------------------------- evaluation

    def value(self, e: ir.Expr, bound: dict[int, object], domain: bool = False) -> object:
        """`e`'s encoded value in the state, with the locals `bound` (uid -> encoded value);
        with `domain`, the elements `e` ranges over as a binder's domain, in order."""
        params = "".join(f", x{uid}" for uid in sorted(bound))
        key = (id(e), params, domain)
        found = self.model.compiled_exprs.get(key)
        if found is None:
            x, env = self.model.expr_compiler, Env("s")
            code = x.domain(e, env, ordered=True) if domain else x.expr(e, env)
            found = (eval(f"lambda s{params}: {code}", self.model.namespace), e)  # noqa: S307 - our own code
            self.model.compiled_exprs[key] = found     # e rides along: the key holds its id
        return found[0](self.state, *(bound[uid] for uid in sorted(bound)))

    def shown(self, e: ir.Expr, bound: dict[int, object]) -> str:
        return values.show(self.model.codec.decode(self.value(e, bound), e.type), e.type)

    def text(self, e: ir.Expr) -> str:
        """`e` as the spec writes it (its span's text), or as the IR reads when it has none."""
        span, spec = e.span, self.model.program.text
        if span is not None and spec and 0 <= span.start < span.end <= len(spec):
            return _balanced(" ".join(spec[span.start:span.end].split()))
        return expr_text(e).replace("#", "_")

    def bindings(self, binders: tuple[ir.Binder, ...], bound: dict[int, object]):
        """Every binding of `binders` in their domains' order (later domains may depend on
        earlier binders), each as the extended `bound`."""
        def extend(k: int, acc: dict[int, object]):
            if k == len(binders):
                yield acc
                return
            b = binders[k]
            for v in self.value(b.domain, acc, domain=True):  # type: ignore[attr-defined]
                yield from extend(k + 1, {**acc, b.local.uid: v})
        yield from extend(0, dict(bound))

    def named(self, binders: tuple[ir.Binder, ...], bound: dict[int, object]) -> str:
        """`a = rm[0], b = rm[1]`: the binders' values in `bound`."""
        decode = self.model.codec.decode
        return ", ".join(f"{b.local.name} = {values.show(decode(bound[b.local.uid], b.local.type), b.local.type)}"
                         for b in binders)

    # -------------------------------------------------- explanations

    def false(self, e: ir.Expr, bound: dict[int, object], depth: int) -> list[str]:
        """Why `e`, false here, is false: sentences, the first about `e` itself."""
        claim = f"{self.text(e)} is false"
        if depth >= _DEPTH:
            return [claim]
        if isinstance(e, ir.Binary) and e.op == "and":
            first = next(c for c in _flatten(e, "and") if not self.value(c, bound))
            return self.false(first, bound, depth + 1)
        if isinstance(e, ir.Binary) and e.op == "or":
            return [f"{claim}: every alternative is"]
        if isinstance(e, ir.Binary) and e.op == "=>":
            return [claim] + self.true(e.left, bound, depth + 1) + self.false(e.right, bound, depth + 1)
        if isinstance(e, ir.Quant) and e.kind == "all":
            for case in self.bindings(e.binders, bound):
                if not self.value(e.body, case):
                    said = self.false(e.body, case, depth + 1)
                    return [f"for {self.named(e.binders, case)}: {said[0]}"] + said[1:]
            return [claim]
        if isinstance(e, ir.Quant) and e.kind == "some":
            return [f"{claim}: no {', '.join(b.local.name for b in e.binders)} makes {self.text(e.body)} true"]
        if isinstance(e, ir.Unary) and e.op == "not":
            return [claim] + self.true(e.operand, bound, depth + 1)
        if isinstance(e, ir.IfExpr):
            branch = e.then if self.value(e.cond, bound) else e.orelse
            return [claim] + self.false(branch, bound, depth + 1)
        return [claim + self.values_of(e, bound, False)]

    def true(self, e: ir.Expr, bound: dict[int, object], depth: int) -> list[str]:
        """What makes `e`, true here, true."""
        claim = f"{self.text(e)} holds"
        if isinstance(e, ir.Quant) and e.kind == "some" and depth < _DEPTH:
            for case in self.bindings(e.binders, bound):
                if self.value(e.body, case):
                    said = self.true(e.body, case, depth + 1)
                    return [f"for {self.named(e.binders, case)}: {said[0]}"] + said[1:]
        return [claim + self.values_of(e, bound, True)]

    def values_of(self, e: ir.Expr, bound: dict[int, object], truth: bool) -> str:
        """` (x = 1, count(...) = 2, counting s = n[0]; s = n[1])`: the values that decide a
        comparison, or each comparison of a conjunction (their non-literal sides; what a
        `count` counted); '' when there are none, or when the sentence already says them
        (`x == 1 holds`, `x != 1 is false`: `truth` is what it says of `e`)."""
        compared = [c for c in _flatten(e, "and") if isinstance(c, ir.Binary) and c.op in _COMPARE]
        said = ("==",) if truth else ("!=",)
        parts = [p for c in compared if not (c.op in said and isinstance(c.right, ir.Lit))
                 for p in (c.left, c.right) if not isinstance(p, (ir.Lit, ir.Local, ir.NodeAt))]
        if not parts and isinstance(e, ir.Call) and e.func == "up":
            return f" ({self.text(e.args[0])} is down)"
        out = []
        for p in dict.fromkeys(parts):          # each once, in order
            line = f"{self.text(p)} = {self.shown(p, bound)}"
            if isinstance(p, ir.Quant) and p.kind == "count":
                counted = [self.named(p.binders, case) for case in self.bindings(p.binders, bound)
                           if self.value(p.body, case)]
                line += f", counting {'; '.join(counted)}" if counted else ""
            out.append(line)
        return f" ({', '.join(out)})" if out else ""


def _flatten(e: ir.Expr, op: str) -> list[ir.Expr]:
    if isinstance(e, ir.Binary) and e.op == op:
        return _flatten(e.left, op) + _flatten(e.right, op)
    return [e]


def _balanced(text: str) -> str:
    """`text` with the parentheses its span cut off restored: the span of `(a) and (b)`
    starts and ends inside them."""
    depth = opened = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth:
                depth -= 1
            else:
                opened += 1
    return "(" * opened + text + ")" * depth
