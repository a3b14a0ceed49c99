"""What one run of the semantic checker knows of a spec: the spec itself, the tables the
declarations fill in as they are checked (constants, atoms, roles and their variables,
types, the object, messages, addresses, functions) and the diagnostics reported so far.

The checker's parts (exprs.ExprLowering, typedecl.TypeResolution, stmts.StmtLowering,
objectdecl.ObjectDeclarations, and check.Checker, which drives them) each hold the one
`Tables` of the run and read and fill it; no part reaches into another's state.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from checker.diagnostics import Diagnostic, Note, Source, Span
from checker.dsl import ast
from checker.semantics import ir
from checker.semantics.faults import FaultOverride
from checker.semantics.scope import BUILTIN_NAMES, HANDLER, OPERATION, Ctx
from checker.semantics.types import Type


class Tables:
    """The state of one run of the checker over `protocol` (see the module doc)."""

    def __init__(self, protocol: ast.Protocol, source: Source, overrides: dict[str, int | bool | ir.Symbolic],
                 fault_override: FaultOverride | None = None, data: frozenset | None = None) -> None:
        self.protocol, self.source, self.overrides = protocol, source, overrides
        self.fault_override = fault_override
        self.data = data                        # the values of `values = int`, when given
        self.diagnostics: list[Diagnostic] = []
        self.expansions: list[Note] = []
        self.consts: dict[str, object] = {}     # name -> value, or an ir.Expr when symbolic
        self.symbolic_uses: list[tuple[str, Span | None]] = []   # uses of symbolic constants
        self.symbolic_roots: dict[str, list[str]] = {}   # symbolic constant -> the -D ones it is from
        self.const_list: list[ir.Constant] = []
        self.atoms: dict[str, Span | None] = {"ok": None}
        self.roles: dict[str, ast.NodeDecl] = {}
        self.single_roles: dict[str, bool] = {}
        self.node_ids: dict[str, tuple[ir.NodeId, ...]] = {}
        self.role_vars: dict[str, dict[str, ir.VarDecl]] = {}
        self.aliases: dict[str, ast.TypeDecl] = {}
        self.alias_types: dict[str, Type] = {}
        self.resolving: list[str] = []
        self.object_types: dict[str, Type] = {}
        self.object: ir.ObjectSpec | None = None
        self.object_vars: dict[str, ir.VarDecl] = {}
        self.messages: dict[str, ir.MessageType] = {}
        self.message_decls: dict[str, ast.Message] = {}
        self.addresses: dict[str, ir.Address] = {}
        self.defs: dict[str, ast.Def] = {}
        self.decls = protocol.decls
        self.const_names = {str(d.name) for d in self.of(ast.Const)}
        self.clashed: set[str] = set()          # names whose declarations clash (reported once)
        self.clocks: ir.Clocks | None = None     # the `clocks` declaration, once checked
        self.client_count: int | None = None    # `clients N`: N, once checked (None: no clients)

    # -------------------------------------------------- diagnostics

    def error(self, message: str, span: Span | None, notes: tuple[Note, ...] = ()) -> None:
        """Report a mistake; the calls of functions being expanded are added as notes."""
        self.diagnostics.append(Diagnostic(message, span, notes + tuple(reversed(self.expansions))))

    def clash(self, name: str, message: str, span: Span | None, notes: tuple[Note, ...] = ()) -> None:
        """Report a name declared twice over; every later use of `name` is then typed as
        anything, without a word, so one clash gives one error and not one per use."""
        self.error(message, span, notes)
        self.clashed.add(name)

    def constant_members(self, typ: ast.EnumType) -> None:
        """Report each name of an enumeration of names that is also a constant: the two
        clash (an enumeration of constants alone is one of integers)."""
        names = [m.id for m in typ.members if isinstance(m, ast.Name)]
        consts = [n for n in names if n in self.consts]
        if not consts or len(consts) == len(names):
            return
        first = {str(d.name): d.name.span for d in self.of(ast.Const)}
        for n in consts:
            self.clash(str(n), f"enumeration value '{n}' is already declared as a constant", n.span,
                       (Note("first declared here", first[str(n)]),))

    @contextlib.contextmanager
    def expansion(self, span: Span | None, name: str) -> Iterator[None]:
        """While checking the body of function `name` called at `span`."""
        self.expansions.append(Note(f"in the call of '{name}' here", span))
        try:
            yield
        finally:
            self.expansions.pop()

    def distinct(self, names, what: str) -> None:
        """Report a name listed twice among `names` (parameters, fields, values)."""
        seen: dict[str, ast.Ident] = {}
        for n in names:
            if n in seen:
                self.error(f"{what} '{n}' is listed twice", n.span, (Note("first listed here", seen[n].span),))
            seen[str(n)] = n

    def check_fresh(self, name: ast.Ident, ctx: Ctx) -> None:
        """Report a local name that would hide another name visible at that point."""
        text = str(name)
        what = None
        if ctx.lookup(text) is not None:
            what = "a local name already bound here"
        elif ctx.where == HANDLER and ctx.role and text in self.role_vars.get(ctx.role, {}):
            what = f"a variable of '{ctx.role}'"
        elif ctx.where == OPERATION and text in self.object_vars:
            what = "a variable of the object"
        elif text in self.consts:
            what = "a constant"
        elif text in self.roles:
            what = "a node role"
        elif text in self.atoms:
            what = "an enumeration value"
        elif text in self.addresses:
            what = "an address"
        elif text in BUILTIN_NAMES:
            what = "a built-in name"
        if what:
            self.error(f"'{text}' would hide {what}; choose another name", name.span)

    # -------------------------------------------------- the spec

    def of(self, kind: type) -> list:
        """The spec's declarations of one AST class, in order."""
        return [d for d in self.decls if isinstance(d, kind)]

    def declares_object(self) -> bool:
        """Whether the spec declares an object (maybe a wrong one, already reported)."""
        return bool(self.of(ast.BuiltinObject) or self.of(ast.UserObject))

    def unbounded_data(self) -> bool:
        """Whether the object's values are every integer (`values = int`, no `data` given)."""
        return self.object is not None and self.object.unbounded
