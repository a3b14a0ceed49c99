"""Where an expression is written, which decides the names it can see: the kind of place
(`CONST`, `INIT`, `HANDLER`, `PROPERTY`, `OPERATION`), the role whose handler it is in, the
locals bound so far (`Ctx`), and the locals one handler allocates (`Frame`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from checker.diagnostics import Span
from checker.semantics import ir
from checker.semantics.types import Type

BUILTIN_FUNCTIONS = ("up", "reachable", "paused", "now", "clock", "after", "expired", "len", "max", "min", "keys", "values", "index", "get")
BUILTIN_NAMES = ("self", "others", "nodes", "ok")

# Where an expression is written; decides which names are visible.
CONST, INIT, HANDLER, PROPERTY, OPERATION = "const", "init", "handler", "property", "operation"

@dataclass
class Frame:
    """Per-handler bookkeeping: the locals allocated so far (uids are their positions)."""

    locals: list[ir.Local] = field(default_factory=list)

    def new(self, name: str, typ: Type, span: Span | None) -> ir.Local:
        local = ir.Local(typ, name, len(self.locals), span=span)
        self.locals.append(local)
        return local


@dataclass(frozen=True)
class Ctx:
    """The context of an expression: where it is, the role, the visible locals."""

    where: str
    role: str | None = None
    env: tuple[tuple[str, ir.Expr], ...] = ()
    frame: Frame = field(default_factory=Frame, compare=False)
    request: ir.Operation | None = None
    expanding: tuple[str, ...] = ()

    def lookup(self, name: str) -> ir.Expr | None:
        for key, value in reversed(self.env):
            if key == name:
                return value
        return None

    def bind(self, name: str, value: ir.Expr) -> "Ctx":
        return replace(self, env=self.env + ((name, value),))
