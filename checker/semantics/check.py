"""The semantic checker: resolves names, checks types and finite domains, lowers to the IR.

`check(protocol, source, overrides)` returns an `ir.Program` or raises `SpecError` with
every problem found (sorted by position), or `UsageError` for a bad `-D` or `--faults`
override.
Declarations are processed in dependency order (constants, atoms, roles, the object,
messages, addresses, variables, handlers, environment, properties), not source order, so a
spec may declare things in any order.
"""

from __future__ import annotations

from typing import Iterator, Mapping

from checker.diagnostics import Diagnostic, Note, Source, Span, did_you_mean, quote_list
from checker.dsl import ast
from checker.errors import SpecError, UsageError
from checker.props import kinds
from checker.semantics import ir, symmetry
from checker.semantics.exprs import ExprLowering
from checker.semantics.faults import FaultOverride, aim, faults_of, override, requirement
from checker.semantics.objectdecl import ObjectDeclarations, names_int
from checker.semantics.routing import RouteLowering
from checker.semantics.scope import BUILTIN_FUNCTIONS, BUILTIN_NAMES, HANDLER, INIT, PROPERTY, Ctx, Frame
from checker.semantics.stmts import StmtLowering
from checker.semantics.clocks import TIME_FUNCTIONS, declared_clocks
from checker.semantics.tables import Tables
from checker.semantics.typedecl import BUILTIN_TYPES, TypeResolution
from checker.semantics.types import ANY, BOOL, BoolT, HandleT, IntT, NodeT, Type

SINGLETONS = {
    ast.BuiltinObject: "object", ast.UserObject: "object", ast.Clients: "clients",
    ast.Network: "network", ast.Faults: "faults", ast.Clocks: "clocks",
}
SINGLE_VALUE = {"register": "a register's read", "kv": "a map's get", "counter": "a counter's read"}


def check(protocol: ast.Protocol, source: Source,
          overrides: Mapping[str, int | bool | ir.Symbolic] | None = None,
          fault_override: FaultOverride | None = None, data: frozenset | None = None) -> ir.Program:
    """Check a parsed spec and lower it to the IR, with the constants of `overrides` (`-D`)
    and the fault budgets of `fault_override` (`--faults`); `data` stands for an object
    declared with `values = int` (the explicit model an SMT run is replayed in, `--values`).
    Pure: the same input gives the same Program."""
    return Checker(protocol, source, dict(overrides or {}), fault_override, data).run()


def known_overrides(protocol: ast.Protocol, overrides: Mapping[str, object]) -> None:
    """Raise UsageError for a `-D` naming no constant of `protocol`."""
    declared = {str(d.name) for d in protocol.decls if isinstance(d, ast.Const)}
    for name in sorted(overrides):
        if name not in declared:
            hint = did_you_mean(name, declared)
            known = f"; the constants are {quote_list(sorted(declared), 'and')}" if declared and not hint else ""
            raise UsageError(f"-D {name}=...: there is no constant '{name}'{hint}{known}")


class Checker:
    """One run of the semantic checker over one protocol. Use `check()`."""

    def __init__(self, protocol: ast.Protocol, source: Source, overrides: dict[str, int | bool | ir.Symbolic],
                 fault_override: FaultOverride | None = None, data: frozenset | None = None) -> None:
        self.tables = Tables(protocol, source, overrides, fault_override, data)
        self.exprs = ExprLowering(self.tables)
        self.types = TypeResolution(self.tables, self.exprs)
        self.stmts = StmtLowering(self.tables, self.exprs)
        self.objects = ObjectDeclarations(self.tables, self.exprs, self.types, self.stmts)

    # -------------------------------------------------- diagnostics

    # -------------------------------------------------- driver

    def run(self) -> ir.Program:
        self._singletons()
        self._global_names()
        self._constants()
        self._atoms()
        self._roles()
        self.tables.clocks = declared_clocks(self.tables, self.exprs)   # before `time` is used
        self.objects.declare()
        self._messages()
        self._addresses()
        clients = self._clients()
        roles = [self._role_vars(d) for d in self.tables.of(ast.NodeDecl)]
        roles = [self._role(d, vars_) for d, vars_ in zip(self.tables.of(ast.NodeDecl), roles)]
        routing, routes = RouteLowering(self.tables, self.exprs).lower(roles, clients)
        network = self._network()
        faults = self._faults(network, clients)
        properties = self._properties(clients)
        if self.tables.diagnostics:
            raise SpecError(_unique(self.tables.diagnostics), self.tables.source)
        program = ir.Program(
            name=str(self.tables.protocol.name), doc=self.tables.protocol.doc, constants=tuple(self.tables.const_list),
            atoms=tuple(sorted(self.tables.atoms)), roles=tuple(roles),
            messages=tuple(self.tables.messages.values()), object=self.tables.object, clients=clients,
            routing=routing, addresses=tuple(self.tables.addresses.values()), network=network,
            faults=faults, properties=properties, text=self.tables.source.text, routes=routes,
            clocks=self.tables.clocks,
        )
        broken = symmetry.problems(program, self.tables.protocol)
        if broken:
            raise SpecError(_unique(broken), self.tables.source)
        return program

    def _singletons(self) -> None:
        first: dict[str, ast.Decl] = {}
        for d in self.tables.decls:
            word = SINGLETONS.get(type(d))
            if word is None:
                continue
            if word in first:
                self.tables.error(f"only one '{word}' declaration is allowed", d.span,
                           (Note("the first one is here", first[word].span),))
            else:
                first[word] = d

    def _global_names(self) -> None:
        """Constants, functions, roles and addresses share one namespace."""
        seen: dict[str, tuple[str, Span | None]] = {}
        named = [(d.name, "a constant", d) for d in self.tables.of(ast.Const)]
        named += [(d.name, "a function", d) for d in self.tables.of(ast.Def)]
        named += [(d.name, "a node role", d) for d in self.tables.of(ast.NodeDecl)]
        named += [(d.name, "an address", d) for d in self.tables.of(ast.Address)]
        for name, kind, decl in named:
            if name in BUILTIN_NAMES or name in BUILTIN_TYPES or (name in BUILTIN_FUNCTIONS and name not in TIME_FUNCTIONS):
                self.tables.clash(str(name), f"'{name}' is a built-in name and cannot be redeclared", name.span)
            elif name in seen:
                other_kind, span = seen[name]
                self.tables.clash(str(name), f"'{name}' is already declared as {other_kind}", name.span,
                                  (Note("first declared here", span),))
            else:
                seen[str(name)] = (kind, name.span)
                if kind == "a function":
                    self.tables.defs[str(name)] = decl
        for decl in self.tables.of(ast.Def):
            self.tables.distinct(decl.params, "parameter")

    # -------------------------------------------------- constants

    def _constants(self) -> None:
        known_overrides(self.tables.protocol, self.tables.overrides)
        for d in self.tables.of(ast.Const):
            name, used = str(d.name), len(self.tables.symbolic_uses)
            value = self.exprs.constant(d.value, f"the value of constant '{d.name}'", symbolic=True)
            if value is not None and not isinstance(value, (bool, int)) and not _scalar_expr(value):
                self.tables.error(f"a constant is an integer or a boolean, not {type(value).__name__}", d.value.span)
                value = None
            if name in self.tables.overrides and value is not None:
                value = self._override(d, value)
            elif isinstance(value, ir.Expr):
                self.tables.symbolic_roots[name] = sorted({r for n, _ in self.tables.symbolic_uses[used:]
                                                    for r in self.tables.symbolic_roots[n]})
            self.tables.consts[name] = value if value is not None else 0
            self.tables.const_list.append(ir.Constant(name, self.tables.consts[name], name in self.tables.overrides))

    def _override(self, d: ast.Const, value: object) -> object:
        new = self.tables.overrides[str(d.name)]
        boolean = isinstance(value, bool) or (isinstance(value, ir.Expr) and isinstance(value.type, BoolT))
        if isinstance(new, ir.Symbolic):
            if boolean and new.lo is not None:
                self.tables.error(f"-D {d.name}={new.text()} does not fit: '{d.name}' is a boolean constant; "
                           f"-D {d.name}=? lets the solver choose true or false", d.name.span)
                return value
            self.tables.symbolic_roots[str(d.name)] = [str(d.name)]
            typ = BOOL if boolean else IntT(new.lo, new.hi)
            return ir.Param(typ, str(d.name), span=d.name.span)
        if boolean != isinstance(new, bool):
            kind, other = ("a boolean", "true or false") if boolean else ("an integer", "an integer")
            self.tables.error(f"-D {d.name}={str(new).lower()} does not fit: '{d.name}' is {kind} constant, "
                       f"so its value must be {other}", d.name.span)
            return value
        return new

    # -------------------------------------------------- atoms (enumeration values)

    def _atoms(self) -> None:
        """Register the bare names of every `{a, b}` type and of object value sets as atoms."""
        for typ in _all_types(self.tables.decls):
            if isinstance(typ, ast.EnumType):
                self.tables.constant_members(typ)
                for m in typ.members:
                    if isinstance(m, ast.Name) and m.id not in self.tables.consts:
                        self._atom(m.id)
        for obj in self.tables.of(ast.BuiltinObject):
            for arg in obj.args:
                if str(arg.name) == "values" and names_int(arg.value, self.aliases_names()):
                    continue
                if str(arg.name) in ("values", "keys", "initial"):
                    for m in _bare_names(arg.value):
                        if m not in self.tables.consts and m not in self.aliases_names():
                            self._atom(m)

    def aliases_names(self) -> set[str]:
        return {str(d.name) for d in self.tables.of(ast.TypeDecl)}

    def _atom(self, name: ast.Ident) -> None:
        text = str(name)
        clash = {str(d.name): ("a constant", d) for d in self.tables.of(ast.Const)}
        clash.update({str(d.name): ("a node role", d) for d in self.tables.of(ast.NodeDecl)})
        clash.update({str(d.name): ("an address", d) for d in self.tables.of(ast.Address)})
        clash.update({str(d.name): ("a function", d) for d in self.tables.of(ast.Def)})
        if text in clash:
            kind, decl = clash[text]
            self.tables.clash(text, f"enumeration value '{text}' is already declared as {kind}", name.span,
                              (Note("first declared here", decl.name.span),))
        elif text in BUILTIN_NAMES and text != "ok":
            self.tables.error(f"'{text}' is a built-in name and cannot be an enumeration value", name.span)
        elif text not in self.tables.atoms:
            self.tables.atoms[text] = name.span

    # -------------------------------------------------- roles and types

    def _roles(self) -> None:
        gid = 0
        for d in self.tables.of(ast.NodeDecl):
            name = str(d.name)
            self.tables.roles[name] = d
            self.tables.single_roles[name] = d.count is None
            count = 1 if d.count is None else self.exprs.constant_int(d.count, f"the number of '{name}' nodes", 1)
            count = count or 1
            if d.count is None:
                ids = (ir.NodeId(gid, name, -1),)
            else:
                ids = tuple(ir.NodeId(gid + i, name, i) for i in range(count))
            self.tables.node_ids[name] = ids
            self.tables.role_vars[name] = {}
            gid += len(ids)
        for d in self.tables.of(ast.TypeDecl):
            if str(d.name) in self.tables.aliases or str(d.name) in self.tables.roles or str(d.name) in BUILTIN_TYPES:
                self.tables.error(f"type '{d.name}' is already declared", d.name.span)
            else:
                self.tables.aliases[str(d.name)] = d

    # -------------------------------------------------- messages and addresses

    def _messages(self) -> None:
        for d in self.tables.of(ast.Message):
            name = str(d.name)
            if name in self.tables.messages:
                self.tables.error(f"message '{name}' is declared twice", d.name.span,
                           (Note("first declared here", self.tables.message_decls[name].name.span),))
                continue
            self.tables.distinct([p.name for p in d.params], "field")
            fields = tuple((str(p.name), self.types.type_of(p.type, f"field '{p.name}'")) for p in d.params)
            self.tables.messages[name] = ir.MessageType(name, fields, span=d.span)
            self.tables.message_decls[name] = d

    def _addresses(self) -> None:
        for d in self.tables.of(ast.Address):
            value = self.exprs.constant(d.init, f"the initial node of address '{d.name}'")
            if value is None:
                continue
            if not isinstance(value, ir.NodeId):
                self.tables.error(f"an address points to one node, e.g. 'address {d.name} = replica[0]'", d.init.span)
                continue
            self.tables.addresses[str(d.name)] = ir.Address(str(d.name), value, (value.role,))

    # -------------------------------------------------- variables

    def _role_vars(self, d: ast.NodeDecl) -> tuple[ir.VarDecl, ...]:
        role = str(d.name)
        out = []
        for v in d.vars:
            name = str(v.name)
            if name in self.tables.role_vars[role]:
                self.tables.error(f"variable '{name}' is declared twice in '{role}'", v.name.span)
                continue
            clash = self._global_clash(name)
            if clash:
                self.tables.error(f"variable '{name}' has the same name as {clash}; rename one of them", v.name.span)
            decl = self.types.var(v, Ctx(INIT, role=role), f"variable '{name}'")
            self.tables.role_vars[role][name] = decl
            out.append(decl)
        return tuple(out)

    def _global_clash(self, name: str) -> str | None:
        if name in self.tables.consts:
            return "a constant"
        if name in self.tables.roles:
            return "a node role"
        if name in self.tables.atoms:
            return "an enumeration value"
        if name in self.tables.addresses:
            return "an address"
        if name in BUILTIN_NAMES:
            return "a built-in name"
        return None

    # -------------------------------------------------- handlers

    def _role(self, d: ast.NodeDecl, variables: tuple[ir.VarDecl, ...]) -> ir.Role:
        role = str(d.name)
        handlers = []
        named: dict[tuple[str, str], ast.Handler] = {}
        for h in d.handlers:
            key = _handler_key(h)
            if key is not None and key in named:
                self.tables.error(f"'{role}' already has {key[0]} '{key[1]}'", h.span,
                           (Note("the first one is here", named[key].span),))
            elif key is not None:
                named[key] = h
            handlers.append(self._handler(role, h))
        return ir.Role(role, len(self.tables.node_ids[role]), d.count is None, self.tables.node_ids[role],
                       variables, tuple(handlers), span=d.span, symmetric=d.symmetric)

    def _handler(self, role: str, h: ast.Handler) -> ir.Handler:
        frame = Frame()
        ctx = Ctx(HANDLER, role=role, frame=frame)
        match h:
            case ast.OnMessage():
                return self._on_message(role, h, ctx)
            case ast.OnRequest():
                return self._on_request(role, h, ctx)
            case ast.Action() | ast.Timeout():
                kind = "action" if isinstance(h, ast.Action) else "timeout"
                guard = self.exprs.boolean(h.guard, ctx, "the guard") if h.guard is not None else None
                body = self.stmts.block(h.body, ctx)
                return ir.Handler(kind, role, str(h.name), (), None, None, guard, body,
                                  tuple(frame.locals), span=h.span)
            case ast.OnRestart():
                body = self.stmts.block(h.body, ctx)
                return ir.Handler("restart", role, "restart", (), None, None, None, body,
                                  tuple(frame.locals), span=h.span)
        raise TypeError(f"unknown handler {h!r}")

    def _on_message(self, role: str, h: ast.OnMessage, ctx: Ctx) -> ir.Handler:
        message = self.tables.messages.get(str(h.message))
        fields: tuple[tuple[str, Type], ...] = message.fields if message else ()
        if message is None:
            hint = did_you_mean(str(h.message), self.tables.messages)
            self.tables.error(f"unknown message '{h.message}'{hint}", h.message.span)
            fields = tuple((str(p), ANY) for p in h.params)
        elif len(h.params) != len(fields):
            self.tables.error(f"message '{h.message}' has {len(fields)} field{'s' if len(fields) != 1 else ''}, "
                       f"but the handler names {len(h.params)}", h.message.span,
                       (Note(f"'{h.message}' is declared here", self.tables.message_decls[str(h.message)].name.span),))
            fields = tuple((str(p), ANY) for p in h.params)
        self.tables.distinct(list(h.params) + [h.sender], "name")
        params = []
        for name, (_, ftype) in zip(h.params, fields):
            local = self.exprs.bind_local(ctx, name, ftype)
            params.append(local)
            ctx = ctx.bind(str(name), local)
        sender = self.exprs.bind_local(ctx, h.sender, NodeT(self._senders(str(h.message))))
        ctx = ctx.bind(str(h.sender), sender)
        guard = self.exprs.boolean(h.guard, ctx, "the guard") if h.guard is not None else None
        body = self.stmts.block(h.body, ctx)
        return ir.Handler("message", role, str(h.message), tuple(params), sender, None, guard, body,
                          tuple(ctx.frame.locals), span=h.span)

    def _senders(self, message: str) -> tuple[str, ...]:
        """The roles that send `message` somewhere in their handlers (all roles if none does)."""
        roles = tuple(str(d.name) for d in self.tables.of(ast.NodeDecl)
                      if any(_sends(h.body, message) for h in d.handlers))
        return roles or tuple(self.tables.roles)

    def _on_request(self, role: str, h: ast.OnRequest, ctx: Ctx) -> ir.Handler:
        op = self.tables.object.op(str(h.op)) if self.tables.object else None
        if self.tables.object is None:
            if not self.tables.declares_object():
                self.tables.error("a request handler needs an 'object' declaration (what clients see)", h.span)
        elif op is None:
            names = [o.name for o in self.tables.object.ops]
            self.tables.error(f"'{self.tables.object.name}' has no operation '{h.op}'{did_you_mean(str(h.op), names)}; "
                       f"its operations are {quote_list(names, 'and')}", h.op.span)
        elif len(op.params) != len(h.params):
            self.tables.error(f"operation '{op.name}' takes {len(op.params)} argument"
                       f"{'s' if len(op.params) != 1 else ''}, but the handler names {len(h.params)}",
                       h.op.span)
            op = None
        types = [t for _, t in op.params] if op else [ANY] * len(h.params)
        self.tables.distinct(list(h.params) + ([h.handle] if h.handle else []), "name")
        params = []
        for name, typ in zip(h.params, types):
            local = self.exprs.bind_local(ctx, name, typ)
            params.append(local)
            ctx = ctx.bind(str(name), local)
        handle = None
        if h.handle is not None:
            handle = self.exprs.bind_local(ctx, h.handle, HandleT())
            ctx = ctx.bind(str(h.handle), handle)
        fallback = ir.Operation(str(h.op), (), ANY, True)
        from dataclasses import replace
        ctx = replace(ctx, request=op or fallback)
        guard = self.exprs.boolean(h.guard, ctx, "the guard") if h.guard is not None else None
        body = self.stmts.block(h.body, ctx)
        return ir.Handler("request", role, str(h.op), tuple(params), None, handle, guard, body,
                          tuple(ctx.frame.locals), span=h.span)

    # -------------------------------------------------- clients and environment

    def _clients(self) -> ir.Clients | None:
        decls = self.tables.of(ast.Clients)
        if not decls:
            return None
        d = decls[0]
        count = self.exprs.constant_int(d.count, "the number of clients", 1)
        ops = self.exprs.constant_int(d.ops, "the number of operations per client", 1) if d.ops else 1
        if self.tables.object is None and not self.tables.declares_object():
            self.tables.error("clients need an 'object' declaration: what they read and write", d.span)
        self.tables.client_count = count or 1
        return ir.Clients(count or 1, ops or 1, d.symmetric)

    def _network(self) -> ir.Network:
        decls = self.tables.of(ast.Network)
        if not decls:
            return ir.Network()
        mode, lossy, seen_mode = "unordered", False, None
        for word in decls[0].options:
            if word in ir.NETWORK_MODES:
                if seen_mode is not None:
                    self.tables.error(f"the network is either {seen_mode} or {word}, not both", word.span)
                seen_mode, mode = word, str(word)
            elif word == "lossy":
                lossy = True
            else:
                choices = list(ir.NETWORK_MODES) + ["lossy"]
                self.tables.error(f"unknown network option '{word}'{did_you_mean(str(word), choices)}; "
                           f"the options are {quote_list(choices)}", word.span)
        return ir.Network(mode, lossy)

    def _faults(self, network: ir.Network, clients: ir.Clients | None) -> ir.Faults:
        decls = self.tables.of(ast.Faults)
        budgets: dict[str, int] = {}
        aimed: dict[str, tuple] = {}
        spans: dict[str, Span | None] = {}
        for b in decls[0].budgets if decls else ():
            name = str(b.name)
            if name not in ir.FAULT_KINDS:
                self.tables.error(f"unknown fault '{name}'{did_you_mean(name, ir.FAULT_KINDS)}; the faults are "
                           f"{quote_list(list(ir.FAULT_KINDS), 'and')}", b.name.span)
                continue
            if b.op != "<=":
                self.tables.error(f"a fault budget is written '{name} <= N', not '{b.op}'", b.span)
            if name in budgets:
                self.tables.error(f"the budget for '{name}' is given twice", b.name.span)
            bound = self.exprs.constant_int(b.bound, f"the budget for '{name}'", 0)
            budgets[name], spans[name] = bound or 0, spans.get(name, b.name.span)
            if b.target is not None:
                aimed[name] = self._aim(name, b.target)
        for name in budgets:
            problem = requirement(name, budgets, network, clients is not None) if budgets[name] else None
            if problem is not None:
                nets = self.tables.of(ast.Network) if name in ("loss", "duplicate") else []
                self.tables.error(problem, spans[name], tuple(Note("the network is declared here", d.span) for d in nets[:1]))
        if self.tables.fault_override is not None and not self.tables.diagnostics:  # spec errors first
            budgets = override(budgets, self.tables.fault_override, network, clients is not None)
            aimed.update({kind: self._aim(kind, target, f"--faults {kind}=... on {text}")
                          for kind, text, target in self.tables.fault_override.aims})
        return faults_of(budgets, network, aimed)

    def _aim(self, kind: str, target: ast.Expr, option: str | None = None) -> tuple:
        """What `KIND <= N on TARGET` may hit (faults.aim); () after reporting a problem,
        which for a target given on the command line (`option`) is a UsageError."""
        reported = len(self.tables.diagnostics)
        value = self.exprs.constant(target, f"the target of '{kind}'")
        problem, targets = aim(kind, value) if value is not None else (None, ())
        if problem is not None:
            self.tables.error(problem, target.span)
        if option is not None and len(self.tables.diagnostics) > reported:
            raise UsageError(f"{option}: {self.tables.diagnostics[reported].message}")
        return targets

    # -------------------------------------------------- properties

    def _properties(self, clients: ir.Clients | None) -> tuple[ir.Property, ...]:
        out: list[ir.Property] = []
        seen: dict[str, Span | None] = {}
        for d in self.tables.decls:
            if isinstance(d, ast.Invariant):
                if str(d.name) in seen:
                    self.tables.error(f"property '{d.name}' is declared twice", d.name.span,
                               (Note("first declared here", seen[str(d.name)]),))
                seen[str(d.name)] = d.name.span
                expr = self.exprs.boolean(d.expr, Ctx(PROPERTY, frame=Frame()), f"invariant '{d.name}'")
                out.append(ir.Property(str(d.name), kinds.INVARIANT.name, expr, span=d.span))
            elif isinstance(d, ast.Check):
                prop = self._check_decl(d, clients, seen)
                if prop:
                    out.append(prop)
        return tuple(out)

    def _check_decl(self, d: ast.Check, clients: ir.Clients | None, seen: dict) -> ir.Property | None:
        name = str(d.name)
        if name not in kinds.CHECKS:
            hint = did_you_mean(name, [*kinds.CHECKS, kinds.INVARIANT.name])
            self.tables.error(f"unknown check '{name}'{hint}; the checks are {quote_list(list(kinds.CHECKS))}", d.name.span)
            return None
        if name in seen:
            self.tables.error(f"'check {name}' is written twice", d.name.span, (Note("first written here", seen[name]),))
            return None
        seen[name] = d.name.span
        kind = kinds.of(name)
        if kind.clients and (clients is None or not self.tables.declares_object()):
            self.tables.error(f"'check {name}' is about what clients observe: declare an 'object' and "
                       "'clients N'", d.span)
        elif self.tables.object is not None and not kind.defined_for(self.tables.object.kind):
            self._undefined_for_object(kind, d)
        if kind is kinds.CONVERGES and not any(v.replicated for r in self.tables.role_vars.values() for v in r.values()):
            self.tables.error("'check converges' compares the variables marked 'replicated', and there are "
                       "none: write 'replicated var ...'", d.span)
        return ir.Property(name, name, span=d.span)

    def _undefined_for_object(self, kind: kinds.Kind, d: ast.Check) -> None:
        """A check on an object it is not defined for: the session checks on a user-defined
        object, whose reads do not say which writes they reflect; the write-order checks on
        an object whose reads cannot show a later write without an earlier one."""
        obj = self.tables.object
        assert obj is not None and kind.objects is not None
        if kind.objects == kinds.BUILTIN_OBJECTS:
            self.tables.error(f"'check {kind.name}' is defined for the built-in objects ({', '.join(kind.objects)}), "
                       f"whose reads show which writes they reflect; '{obj.name}' is user-defined",
                       d.span, (Note("the object is declared here", obj.span),))
            return
        name = kind.name
        if obj.kind in SINGLE_VALUE:
            why = (f"{SINGLE_VALUE[obj.kind]} returns one value, which cannot show a later write present "
                   "and an earlier one missing")
            instead = ("use 'object set' or 'object log' (their read() shows every write it reflects), or "
                       "'check monotonic_reads' and 'check read_your_writes', which a single value can show broken")
        else:
            why = f"'{obj.name}' is user-defined, so which writes its reads reflect is unknown"
            instead = "use 'object set' or 'object log', whose read() shows every write it reflects"
        self.tables.error(f"'check {name}' needs reads that show several writes at once; {why}", d.span,
                   (Note("the object is declared here", obj.span), Note(instead)))

# ---------------------------------------------------------------- helpers

def _handler_key(h: ast.Handler) -> tuple[str, str] | None:
    if isinstance(h, ast.Action):
        return ("action", str(h.name))
    if isinstance(h, ast.Timeout):
        return ("timeout", str(h.name))
    if isinstance(h, ast.OnRestart):
        return ("a restart handler", "restart")
    return None


def _sends(stmts: tuple[ast.Stmt, ...], message: str) -> bool:
    for s in stmts:
        if isinstance(s, ast.Send) and s.message == message:
            return True
        if isinstance(s, ast.If) and (any(_sends(a.body, message) for a in s.arms) or _sends(s.orelse, message)):
            return True
        if isinstance(s, ast.For) and _sends(s.body, message):
            return True
    return False


def _all_types(decls: tuple[ast.Decl, ...]) -> Iterator[ast.TypeExpr]:
    """Every type expression written in the spec, nested ones included."""
    roots: list[ast.TypeExpr] = []
    for d in decls:
        if isinstance(d, ast.TypeDecl):
            roots.append(d.type)
        elif isinstance(d, ast.Message):
            roots += [p.type for p in d.params]
        elif isinstance(d, ast.NodeDecl):
            roots += [v.type for v in d.vars]
        elif isinstance(d, ast.UserObject):
            roots += [v.type for v in d.vars]
            for op in d.ops:
                roots += [p.type for p in op.params] + ([op.result] if op.result else [])
    stack = roots
    while stack:
        t = stack.pop()
        yield t
        match t:
            case ast.SetType(elem=e) | ast.OptionType(inner=e) | ast.SeqType(elem=e):
                stack.append(e)
            case ast.MapType(key=k, value=v):
                stack += [k, v]
            case ast.RecordType(fields=fields):
                stack += [f.type for f in fields]
            case ast.TupleType(elems=elems):
                stack += list(elems)


def _scalar_expr(value: object) -> bool:
    """An IR expression over symbolic constants that computes an integer or a boolean."""
    return isinstance(value, ir.Expr) and isinstance(value.type, (IntT, BoolT))


def _bare_names(e: ast.Expr) -> list[ast.Ident]:
    if isinstance(e, ast.SetLit):
        return [x.id for x in e.elems if isinstance(x, ast.Name)]
    if isinstance(e, ast.Name):
        return [e.id]
    return []


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    seen, out = set(), []
    for d in diagnostics:
        key = (d.message, d.span)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out
