"""Where client requests go: `route clients to ...` (the default rule), `route OP, ... to
...` (some operations) and `route client[I] to ...` (one client, pinned), lowered to
`ir.Routing` and `ir.RouteRule`s. A request follows its client's rule, else its
operation's, else the default one (ir.Program.routing_for).

Part of the checker (check.Checker), over the run's tables and expression lowering.
"""

from __future__ import annotations

from checker.diagnostics import Note, Span, did_you_mean, quote_list
from checker.dsl import ast
from checker.semantics import ir
from checker.semantics.exprs import ExprLowering
from checker.semantics.tables import Tables


class RouteLowering:
    """The `route` declarations of one spec. See the module docstring."""

    def __init__(self, tables: Tables, exprs: ExprLowering) -> None:
        self.tables, self.exprs = tables, exprs

    def lower(self, roles: list[ir.Role], clients: ir.Clients | None) -> tuple[ir.Routing | None,
                                                                                tuple[ir.RouteRule, ...]]:
        """The default routing (None without clients) and the rules for operations and clients."""
        decls = self.tables.of(ast.Route)
        defaults = [d for d in decls if not d.ops and d.client is None]
        for d in defaults[1:]:
            self.tables.error("only one 'route clients' declaration is allowed; route some operations with "
                              "'route OP, ... to ...' or one client with 'route client[I] to ...'", d.span,
                              (Note("the first one is here", defaults[0].span),))
        rules = self._rules([d for d in decls if d.ops or d.client is not None], clients)
        if defaults:
            return self._target(defaults[0]), rules
        serving = tuple(n for r in roles if any(h.kind == "request" for h in r.handlers) for n in r.ids)
        if clients is not None and not serving:
            self.tables.error("clients are declared but no node has a request handler",
                              self.tables.of(ast.Clients)[0].span)
        return (ir.Routing("any", serving) if clients is not None else None), rules

    def _rules(self, decls: list[ast.Route], clients: ir.Clients | None) -> tuple[ir.RouteRule, ...]:
        out: list[ir.RouteRule] = []
        seen: dict[object, Span | None] = {}
        for d in decls:
            if clients is None:
                self.tables.error("a route needs clients: declare them with 'clients N'", d.span)
                continue
            ops = tuple(str(o) for o in d.ops if self._known_op(o))
            client = self._client(d.client) if d.client is not None else None
            keys = [("operation", o) for o in ops] + ([("client", f"client[{client}]")] if client is not None else [])
            for key in keys:
                if key in seen:
                    self.tables.error(f"{key[0]} '{key[1]}' is routed twice", d.span,
                                      (Note("the first route is here", seen[key]),))
                seen.setdefault(key, d.span)
            routing = self._target(d)
            if routing is not None and (ops or client is not None):
                out.append(ir.RouteRule(ops, client, routing, span=d.target.span))
        return tuple(out)

    def _known_op(self, name: ast.Ident) -> bool:
        obj = self.tables.object
        if obj is None:
            return False  # no object (reported) or a wrong one
        names = [op.name for op in obj.ops]
        if str(name) in names:
            return True
        self.tables.error(f"'{name}' is no operation of the object{did_you_mean(str(name), names)}; its "
                          f"operations are {quote_list(names, 'and')}", name.span)
        return False

    def _client(self, client: tuple[ast.Ident, ast.Expr]) -> int | None:
        word, index = client
        if str(word) != "client":
            self.tables.error(f"'route {word}[...]' routes one client: write 'route client[I] to ...'", word.span)
            return None
        return self.exprs.names.client_index(index, word.span)

    def _target(self, d: ast.Route) -> ir.Routing | None:
        if isinstance(d.target, ast.Name) and str(d.target.id) in self.tables.addresses and d.mode == "fixed":
            return ir.Routing("address", (), str(d.target.id))
        value = self.exprs.constant(d.target, "the routing target")
        if d.mode == "fixed":
            if value is not None and not isinstance(value, ir.NodeId):
                hint = " (for a set of nodes write 'route clients to any ...')" if isinstance(value, frozenset) else ""
                self.tables.error(f"the routing target must be one node or an address{hint}", d.target.span)
                return None
            return ir.Routing("fixed", (value,) if value is not None else ())  # type: ignore[arg-type]
        if value is not None and (not isinstance(value, frozenset) or not value
                                  or not all(isinstance(n, ir.NodeId) for n in value)):
            self.tables.error("'route clients to any' needs a non-empty set of nodes, e.g. 'any replica'", d.target.span)
            return None
        return ir.Routing("any", tuple(sorted(value or ())))
