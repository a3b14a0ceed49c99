"""Whether a spec keeps the symmetry it declares (`node server[N] symmetric`, `clients N symmetric`).

Symmetry reduction (checker/model/symmetry.py) takes two states that differ only by a
permutation of a symmetric set's members for one state. That is sound only when the
spec's transition relation, initial state and properties are invariant under every such
permutation. `problems(program, roles, clients)` returns a located diagnostic for each
construct of the program that breaks it (empty: the declarations are kept):

- naming one member: `server[i]` anywhere (handlers, guards, initial values, properties,
  functions), a constant or default value that is one member or a set of some of them, a
  routing target or an address that starts at one member;
- turning an id into a number: `index(n)` (the language has no other way to order ids:
  `<` and `min`/`max` take integers only);
- depending on the order of ids: a sequence comprehension over a set of ids (its result is
  in id order), a map comprehension over ids whose key is not the id itself (a later entry
  wins), and a `for` over a set of ids whose body could end differently in another order
  (see `_commutes`).

The checks are syntactic and conservative: a spec they refuse might still be symmetric,
but one they accept has a transition relation that commutes with every permutation of
the declared sets (the model checks the initial state once more when it is built). Pure.
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

from checker.diagnostics import Diagnostic, Note, Span
from checker.dsl import ast
from checker.semantics import ir
from checker.semantics.types import ClientT, HandleT, NodeT, SeqT, Type, some_part

# Set updates commute and cannot overflow; integer sums may leave their range in one order
# and not in another, which the engine reports as a run-time error, so they are not here.
_COMMUTING = ("union", "inter", "diff")


@dataclasses.dataclass(frozen=True)
class _Sets:
    """The symmetric sets of a program: roles by name (with where they were declared) and
    whether the clients are one."""

    roles: dict[str, Span | None]
    clients: Span | None
    fifo: bool = False          # the network keeps each link's order

    def holds_ids(self, t: Type) -> bool:
        """Whether a value of type t can contain a member of a symmetric set."""
        return some_part(t, self._is_id)

    def _is_id(self, t: Type) -> bool:
        if isinstance(t, NodeT):
            return any(r in self.roles for r in t.roles)
        return isinstance(t, (ClientT, HandleT)) and self.clients is not None

    def declared(self, t: Type) -> tuple[Note, ...]:
        """Notes pointing at the declarations that make t's ids symmetric."""
        notes = []
        for role, span in self.roles.items():
            if some_part(t, lambda x, role=role: isinstance(x, NodeT) and role in x.roles):
                notes.append(Note(f"'{role}' is declared symmetric here", span))
        if self.clients is not None and some_part(t, lambda x: isinstance(x, (ClientT, HandleT))):
            notes.append(Note("the clients are declared symmetric here", self.clients))
        return tuple(notes)

    def names(self, t: Type) -> str:
        words = [f"{r} ids" for r in self.roles if some_part(t, lambda x, r=r: isinstance(x, NodeT) and r in x.roles)]
        if self.clients is not None and some_part(t, lambda x: isinstance(x, (ClientT, HandleT))):
            words.append("clients")
        return " and ".join(words) or "ids"




def symmetric_sets(protocol: ast.Protocol) -> tuple[dict[str, Span | None], Span | None]:
    """The roles declared symmetric (name -> where `symmetric` is written) and the span of
    `symmetric` on the clients (None: not declared)."""
    roles = {str(d.name): d.symmetric_span for d in protocol.decls if isinstance(d, ast.NodeDecl) and d.symmetric}
    clients = next((d.symmetric_span for d in protocol.decls if isinstance(d, ast.Clients) and d.symmetric), None)
    return roles, clients


def problems(program: ir.Program, protocol: ast.Protocol) -> list[Diagnostic]:
    """Every place where `program` breaks a symmetry `protocol` declares, located."""
    roles, clients = symmetric_sets(protocol)
    if not roles and clients is None:
        return []
    sets = _Sets(roles, clients, program.network.mode == "fifo")
    out: list[Diagnostic] = []
    for role in program.roles:
        if role.symmetric and role.single:
            out.append(Diagnostic(f"'{role.name}' is a single node: only a role with a count, "
                                  f"'node {role.name}[N] symmetric', can be symmetric", roles[role.name]))
    out += _environment(program, protocol, sets)
    for role in program.roles:
        for v in role.vars:
            out += _initial_problem(v, sets, program) or _expr_problems(v.init, sets, program)
        for h in role.handlers:
            if h.guard is not None:
                out += _expr_problems(h.guard, sets, program)
            out += _block_problems(h.body, sets, program)
    for prop in program.properties:
        if prop.expr is not None:
            out += _expr_problems(prop.expr, sets, program)
    return out


def _initial_problem(v: ir.VarDecl, sets: _Sets, program: ir.Program) -> list[Diagnostic]:
    """An initial value (written or the type's default) that is particular members."""
    init = v.init
    if not isinstance(init, ir.Lit) or not sets.holds_ids(init.type) or _invariant(init.value, sets, program):
        return []
    return [Diagnostic(
        f"the initial value of '{v.name}' is {_shown(init.value)}, which singles out members of a symmetric "
        f"set; start every member alike (an 'option' variable starts at none, a set at {{}})",
        init.span, sets.declared(v.type))]


def _environment(program: ir.Program, protocol: ast.Protocol, sets: _Sets) -> list[Diagnostic]:
    """A routing rule or an address that singles out members of a symmetric role."""
    out = []
    routes = [d for d in protocol.decls if isinstance(d, ast.Route)]
    default = next((d.target.span for d in routes if not d.ops and d.client is None), None)
    spans: list[tuple[ir.Routing | None, Span | None]] = [(program.routing, default)] if default is not None else []
    spans += [(rule.routing, rule.span) for rule in program.routes]
    for r, span in spans:
        if r is None or r.mode not in ("fixed", "any"):
            continue
        roles = {n.role for n in r.nodes}
        broken = [role for role in roles if role in sets.roles and
                  {n for n in r.nodes if n.role == role} != set(program.role(role).ids)]  # type: ignore[union-attr]
        for role in sorted(broken):
            out.append(Diagnostic(
                f"clients are routed to some '{role}' nodes and not to others, which singles them out of "
                f"the symmetric role '{role}'; route them to 'any {role}' or drop 'symmetric'",
                span, (Note(f"'{role}' is declared symmetric here", sets.roles[role]),)))
    for route in routes:
        if route.client is not None and sets.clients is not None:
            out.append(Diagnostic(
                "a route for one client singles it out of the symmetric clients; drop the route or "
                "'symmetric'", route.span, (Note("the clients are declared symmetric here", sets.clients),)))
    for decl in protocol.decls:
        if isinstance(decl, ast.Address):
            address = next((a for a in program.addresses if a.name == str(decl.name)), None)
            if address is not None and address.init.role in sets.roles:
                out.append(Diagnostic(
                    f"the address '{decl.name}' starts at {address.init}, which singles out one member of "
                    f"the symmetric role '{address.init.role}'",
                    decl.init.span, (Note(f"'{address.init.role}' is declared symmetric here",
                                          sets.roles[address.init.role]),)))
    return out


# ---------------------------------------------------------------- walking the IR


def _children(node: object) -> Iterator[object]:
    """The IR expressions, statements, binders and paths directly inside `node`."""
    for f in dataclasses.fields(node):  # type: ignore[arg-type]
        if f.name in ("type", "span"):
            continue
        yield from _parts(getattr(node, f.name))


def _parts(value: object) -> Iterator[object]:
    if isinstance(value, (ir.Expr, ir.Stmt, ir.Binder, ir.Path)):
        yield value
    elif isinstance(value, tuple):
        for v in value:
            yield from _parts(v)


def _walk(node: object) -> Iterator[object]:
    yield node
    for child in _children(node):
        yield from _walk(child)


def _expr_problems(e: ir.Expr, sets: _Sets, program: ir.Program) -> list[Diagnostic]:
    return [d for node in _walk(e) if isinstance(node, ir.Expr) for d in _expr_problem(node, sets, program)]


def _block_problems(body: tuple[ir.Stmt, ...], sets: _Sets, program: ir.Program) -> list[Diagnostic]:
    out = []
    for stmt in body:
        for node in _walk(stmt):
            if isinstance(node, ir.Expr):
                out += _expr_problem(node, sets, program)
            elif isinstance(node, ir.For):
                out += _for_problem(node, sets)
    return out


def _expr_problem(e: ir.Expr, sets: _Sets, program: ir.Program) -> list[Diagnostic]:
    """The problems of one expression node (its children are visited by the caller)."""
    if isinstance(e, ir.NodeAt) and e.role in sets.roles:
        text = program.text[e.span.start:e.span.end] if e.span is not None and program.text else f"{e.role}[...]"
        return [Diagnostic(
            f"'{text}' names one member of the symmetric role '{e.role}'; a symmetric spec refers "
            f"to its members only through 'self', senders, variables, quantifiers and the set '{e.role}'",
            e.span, sets.declared(e.type))]
    if isinstance(e, ir.Lit) and sets.holds_ids(e.type) and not _invariant(e.value, sets, program):
        return [Diagnostic(
            f"this value singles out members of a symmetric set ({_shown(e.value)}); a symmetric spec "
            f"cannot start from or compare with particular {sets.names(e.type)}",
            e.span, sets.declared(e.type))]
    if isinstance(e, ir.Call):
        return _call_problem(e, sets)
    if isinstance(e, ir.Comprehension):
        return _comprehension_problem(e, sets)
    return []


def _call_problem(e: ir.Call, sets: _Sets) -> list[Diagnostic]:
    if e.func == "index" and sets.holds_ids(e.args[0].type):
        return [Diagnostic(
            "'index' turns a member of a symmetric role into a number, which tells members apart; "
            "a symmetric spec cannot use it", e.span, sets.declared(e.args[0].type))]
    return []


def _comprehension_problem(e: ir.Comprehension, sets: _Sets) -> list[Diagnostic]:
    unordered = [b for b in e.binders if sets.holds_ids(b.domain.type) and not isinstance(b.domain.type, SeqT)]
    if not unordered:
        return []
    notes = sets.declared(unordered[0].domain.type)
    if e.kind == "seq":
        return [Diagnostic(
            "this sequence lists members of a symmetric set in id order, which a permutation of the "
            "members would change; build a set instead", e.span, notes)]
    if e.kind == "map" and not (len(unordered) == 1 and e.key == unordered[0].local):
        return [Diagnostic(
            "this map is built over members of a symmetric set with a key other than the member itself: "
            "when two members give the same key, the later one in id order wins, which a permutation "
            "would change; key it by the member", e.span, notes)]
    return []


def _for_problem(s: ir.For, sets: _Sets) -> list[Diagnostic]:
    """A `for` over ids of a symmetric set runs in id order: refused unless its body ends the
    same whatever the order (`_commutes`)."""
    t = s.domain.type
    if not sets.holds_ids(t) or isinstance(t, SeqT) or _commutes(s.body, s.local, sets.fifo):
        return []
    return [Diagnostic(
        f"this loop runs over {sets.names(t)} in id order, and its body may end differently in another "
        f"order, which breaks their symmetry; in a loop over members, a variable the loop changes may "
        f"only be changed at the member ('m[x] = ...', 'v = v | {{x}}') and read there ('m[x]', "
        f"'x in v'), or be a set that the loop adds to or removes from and never reads; on a fifo "
        f"network each iteration may only send to its member", s.span, sets.declared(t))]


def _commutes(body: tuple[ir.Stmt, ...], local: ir.Local, fifo: bool) -> bool:
    """Whether any two iterations of a loop over `local` commute, so the loop ends the same
    in every order. Each iteration may change a variable only *at its member* (`m[x] = e`,
    `v = v | {x}`, `v = v - {x}`: the variable is then `own` and readable as `m[x]` and
    `x in v`, the parts no other iteration touches), or by a set update that commutes with
    every other (`v = v | e`, `&`, `-`) of a variable the loop never reads (integer sums
    are left out: they may leave their range in one order and not in another, a run-time
    error); it may send (a multiset keeps no order; on a fifo network only to its member);
    `let`, `require`, `choose`, `if` and inner `for`s combine these. No `reply` or `take`."""
    assignments = [n for st in body for n in _walk(st) if isinstance(n, ir.Assign)]
    assigned = {a.target.name for a in assignments}  # type: ignore[attr-defined]
    own = {v for v in assigned
           if all(_own_update(a, local) for a in assignments if a.target.name == v)}  # type: ignore[attr-defined]
    return all(_commuting(st, local, assigned, own, fifo) for st in body)


def _own_update(a: ir.Assign, local: ir.Local) -> bool:
    if a.path:
        return a.path[0].kind == "index" and a.path[0].index == local
    v = a.value
    return (isinstance(v, ir.Binary) and v.op in ("union", "diff") and v.left == a.target
            and isinstance(v.right, ir.SetLit) and v.right.elems == (local,))


def _commuting(st: ir.Stmt, local: ir.Local, assigned: set[str], own: set[str], fifo: bool) -> bool:
    def ok(node: object) -> bool:
        return _permitted(node, local, assigned, own)

    match st:
        case ir.Let() | ir.Require() | ir.Choose():
            return ok(st)
        case ir.Send():
            return ok(st) and not (fifo and st.dest != local)
        case ir.If(arms=arms, orelse=orelse):
            return all(ok(c) and all(_commuting(x, local, assigned, own, fifo) for x in b) for c, b in arms) \
                and all(_commuting(x, local, assigned, own, fifo) for x in orelse)
        case ir.For(domain=domain, body=inner):
            return ok(domain) and all(_commuting(x, local, assigned, own, fifo) for x in inner)
        case ir.Assign(target=target, value=value, path=path):
            if target.name in own:  # type: ignore[attr-defined]
                # `v = v | {x}` is the whole update; `m[x] = e` reads what e reads
                return not path or (ok(value) and all(p.index is None or ok(p.index) for p in path))
            return (not path and isinstance(value, ir.Binary) and value.op in _COMMUTING
                    and value.left == target and ok(value.right))
    return False


def _permitted(node: object, local: ir.Local, assigned: set[str], own: set[str]) -> bool:
    """Whether `node` reads the variables the loop assigns only at the loop's member:
    `m[x]` and `x in v` of `own` variables."""
    if isinstance(node, ir.Index) and isinstance(node.obj, ir.StateVar) and node.obj.name in own:
        return node.index == local
    if isinstance(node, ir.Binary) and node.op in ("in", "not in") and isinstance(node.right, ir.StateVar) \
            and node.right.name in own:
        return node.left == local
    if isinstance(node, ir.StateVar):
        return node.name not in assigned
    return all(_permitted(c, local, assigned, own) for c in _children(node))


# ---------------------------------------------------------------- constant values


def _invariant(value: object, sets: _Sets, program: ir.Program) -> bool:
    """Whether a constant value is the same under every permutation of the symmetric sets:
    true when swapping the first member with each other one leaves it unchanged (those
    transpositions generate every permutation)."""
    for role in sets.roles:
        ids = program.role(role).ids  # type: ignore[union-attr]
        for other in ids[1:]:
            swap = {ids[0]: other, other: ids[0]}
            if _renamed(value, swap) != _renamed(value, {}):
                return False
    if sets.clients is not None and program.clients is not None:
        for c in range(1, program.clients.count):
            swap = {ir.ClientId(0): ir.ClientId(c), ir.ClientId(c): ir.ClientId(0)}
            if _renamed(value, swap) != _renamed(value, {}):
                return False
    return True


def _renamed(value: object, swap: dict) -> object:
    """`value` with its ids renamed by `swap`, maps as sets of pairs (comparable)."""
    if isinstance(value, (ir.NodeId, ir.ClientId)):
        return swap.get(value, value)
    if isinstance(value, frozenset):
        return frozenset(_renamed(v, swap) for v in value)
    if isinstance(value, tuple):
        return tuple(_renamed(v, swap) for v in value)
    if isinstance(value, ir.MapValue):
        return frozenset((_renamed(k, swap), _renamed(v, swap)) for k, v in value.items)
    return value


def _shown(value: object) -> str:
    if isinstance(value, frozenset):
        return "{" + ", ".join(sorted(_shown(v) for v in value)) + "}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_shown(v) for v in value) + ")"
    if isinstance(value, ir.MapValue):
        return "{" + ", ".join(f"{_shown(k)}: {_shown(v)}" for k, v in value.items) + "}"
    return str(value)
