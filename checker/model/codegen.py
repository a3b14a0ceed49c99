"""Generating the successor function of a program as Python source.

One module per program: `successors(s)` returns the list of next states of state `s`, and
`labeled(s)` the list of (label, next state) pairs in exactly the same order (both come from
the same generator run twice, so they cannot drift apart); `_inv_<k>(s)` evaluates invariant
k. Handlers are unrolled per node, so every slot index is a literal.

A handler body is compiled in continuation-passing style: a `choose` becomes a loop around
the rest of the body (the rest runs once per candidate, on its own copy of the working
list); a `require` that fails abandons the path (`continue` in the innermost candidate loop);
a `for` whose body branches or may abandon becomes a nested generator. The end of every path
appends one successor.
"""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from dataclasses import replace

from checker.errors import InternalError
from checker.model import values
from checker.model.emit import Emitter, Path, located
from checker.model.envgen import EnvironmentSteps
from checker.model.exprgen import Env, ExprCompiler
from checker.model.layout import Layout, may_abandon, statements
from checker.semantics import ir
from checker.semantics.types import MapT, RecordT, SeqT, Type, describe


class ModelGenerator(EnvironmentSteps):
    """Writes the module source for one program. Deterministic: the same program gives the
    same text. The steps of clients and faults come from EnvironmentSteps (envgen.py)."""

    def __init__(self, program: ir.Program, layout: Layout, exprs: ExprCompiler) -> None:
        self.p = program
        self.layout = layout
        self.x = exprs
        self.t = exprs.t
        self.mode = program.network.mode
        self.message_ids = {m.name: i for i, m in enumerate(program.messages)}
        self.handler_ids: dict[int, tuple[ir.Handler, int]] = {}
        self.out = Emitter()
        self.labeled = False
        self.events = program.clients is not None

    # -------------------------------------------------- the module

    def module(self) -> str:
        for labeled, name in ((False, "successors"), (True, "labeled")):
            self.labeled = labeled
            with self.out.block(f"def {name}(s):"):
                self.out.line("out = []")
                for role in self.p.roles:
                    for node in role.ids:
                        self._node(role, node.gid)
                if self.p.clients is not None:
                    self._clients()
                self._environment()
                self.out.line("return out")
            self.out.line("")
        for k, prop in enumerate(self.p.properties):
            if prop.expr is not None:
                with self.out.block(f"def _inv_{k}(s):"):
                    self.out.line(f"return {self.x.expr(prop.expr, Env('s'))}")
                self.out.line("")
        return "\n".join(self.out.lines) + "\n"

    def handler_id(self, h: ir.Handler) -> int:
        key = id(h)
        if key not in self.handler_ids:
            self.handler_ids[key] = (h, len(self.handler_ids))
        return self.handler_ids[key][1]

    def handlers(self) -> list[ir.Handler]:
        """Handlers by id, as `handler_id` numbered them."""
        return [h for h, _ in sorted(self.handler_ids.values(), key=lambda hv: hv[1])]

    # -------------------------------------------------- one node

    def _node(self, role: ir.Role, gid: int) -> None:
        tests = []
        down, paused = self.layout.env("down"), self.layout.env("paused")
        if down is not None:
            tests.append(f"not (s[{down}] >> {gid}) & 1")
        if paused is not None:
            tests.append(f"not (s[{paused}] >> {gid}) & 1")
        steps = [h for h in role.handlers if h.kind != "restart"]
        if not steps:
            return
        if tests:
            with self.out.block(f"if {' and '.join(tests)}:"):
                for h in steps:
                    self._handler(h, gid)
        else:
            for h in steps:
                self._handler(h, gid)

    def _handler(self, h: ir.Handler, gid: int) -> None:
        hid = self.handler_id(h)
        if h.kind == "request":
            self._request_delivery(h, gid, hid)
            return
        if h.kind == "message":
            self._delivery(h, gid, hid)
            return
        label = f"({hid}, {gid}, None)"
        guard = self._guard(h, gid)
        with self._maybe(f"if {guard}:" if guard else None):
            wrap = may_abandon(h.body)
            with self._maybe("for _ in (0,):" if wrap else None):
                self._run_body(h, gid, label)

    def _run_body(self, h: ir.Handler, gid: int, label: str) -> None:
        """The body of a step that consumes nothing (an action, a duplicating delivery).

        A body that is one plain assignment which would leave the variable as it is yields
        the state itself, without building a copy: a step that changes nothing never adds a
        state, and it still counts as enabled (for deadlock detection).
        """
        body = h.body
        if len(body) == 1 and isinstance(body[0], ir.Assign) and not body[0].path \
                and isinstance(body[0].target, ir.StateVar):
            a = body[0]
            leaf = self.p.role(a.target.role).var(a.target.name).type  # type: ignore[union-attr]
            if values.within(a.value.type, leaf):
                k = self.layout.var(gid, a.target.name)
                value = self.out.name("v")
                self.out.line(f"{value} = {self.x.expr_as(a.value, leaf, Env('s', gid))}")
                with self.out.block(f"if {value} == s[{k}]:"):
                    self._emit_same(label)
                with self.out.block("else:"):
                    self.out.line(f"{self._fresh()}; l[{k}] = {value}")
                    self._emit(Path(Env("l", gid), "continue", label))
                return
        self.out.line(self._fresh())
        self.block(body, Path(Env("l", gid), "continue", label), self._emit)

    def _guard(self, h: ir.Handler, gid: int) -> str | None:
        return None if h.guard is None else self.x.expr(h.guard, Env("s", gid))

    @contextmanager
    def _maybe(self, header: str | None):
        if header is None:
            yield
        else:
            with self.out.block(header):
                yield

    def _unpack(self, h: ir.Handler) -> str:
        return ", ".join(f"x{p.uid}" for p in h.params)

    def _reach_test(self, src: str, gid: int) -> None:
        cuts = self.layout.env("cuts")
        if cuts is not None:
            self.out.line(f"if not _reachable(s[{cuts}], {src}, {gid}): continue")

    def _delivery(self, h: ir.Handler, gid: int, hid: int) -> None:
        sender = f"x{h.sender.uid}" if h.sender is not None else "_src"
        fields = self._unpack(h)
        guard = self._guard(h, gid)
        if self.mode == "fifo":
            self._fifo_delivery(h, gid, hid, sender, fields, guard)
            return
        k = self.layout.inbox(gid)
        if k is None:
            return  # nothing is ever sent to this node
        mid = self.message_ids[h.trigger]
        label = f"({hid}, {gid}, m[1:])"
        if self.mode == "duplicating":
            header = f"for m in s[{k}]:"
        else:
            self.out.line(f"t = s[{k}]")
            header = "for i in range(len(t)):"
        with self.out.block(header):
            if self.mode == "unordered":
                self.out.line("m = t[i]")
                self.out.line(f"if m[0] != {mid} or (i and m == t[i - 1]): continue")
            else:
                self.out.line(f"if m[0] != {mid}: continue")
            if _uses_message(h) or self.layout.env("cuts") is not None:
                self.out.line(f"_, {sender}, {fields + ', ' if fields else ''}= m")
            self._reach_test(sender, gid)
            with self._maybe(f"if {guard}:" if guard else None):
                if self.mode == "unordered":
                    self.out.line(self._fresh())
                    self.out.line(f"l[{k}] = t[:i] + t[i + 1:]")
                    self.block(h.body, Path(Env("l", gid), "continue", label), self._emit)
                else:
                    self._run_body(h, gid, label)

    def _fifo_delivery(self, h, gid, hid, sender, fields, guard) -> None:
        links = [(self.layout.link(src.gid, gid), src.gid) for src in self.p.nodes
                 if self.layout.link(src.gid, gid) is not None]
        if not links:
            return
        mid = self.message_ids[h.trigger]
        table = self.t.const(tuple(links))
        label = f"({hid}, {gid}, ({sender},) + m[1:])"
        with self.out.block(f"for k, {sender} in {table}:"):
            self.out.line("q = s[k]")
            self.out.line(f"if not q or q[0][0] != {mid}: continue")
            self.out.line("m = q[0]")
            if fields and _uses_message(h):
                self.out.line(f"{fields}, = m[1:]")
            self._reach_test(sender, gid)
            with self._maybe(f"if {guard}:" if guard else None):
                self.out.line(self._fresh())
                self.out.line("l[k] = q[1:]")
                self.block(h.body, Path(Env("l", gid), "continue", label), self._emit)

    def _request_delivery(self, h: ir.Handler, gid: int, hid: int) -> None:
        """A `request` handler: one candidate per request waiting at this node for `h`'s
        operation. A request is `(client, seq, op, args)`; its handle is `(client, seq)`."""
        k = self.layout.env("requests", node=gid)
        if k is None:
            return  # no client can reach this node
        op = self.p.object.ops.index(self.p.object.op(h.trigger))  # type: ignore[union-attr, arg-type]
        label = f"({hid}, {gid}, r)"
        self.out.line(f"t = s[{k}]")
        with self.out.block("for i in range(len(t)):"):
            self.out.line("r = t[i]")
            self.out.line(f"if r[2] != {op}: continue")
            self.out.line("rq = (r[0], r[1])")
            if h.params:
                self.out.line(f"{self._unpack(h)}, = r[3]")
            if h.handle is not None:
                self.out.line(f"x{h.handle.uid} = rq")
            guard = self._guard(h, gid)
            with self._maybe(f"if {guard}:" if guard else None):
                self.out.line(self._fresh())
                self.out.line(f"l[{k}] = t[:i] + t[i + 1:]")
                self.block(h.body, Path(Env("l", gid), "continue", label, "rq"), self._emit)

    def _reply(self, s: ir.Reply, path: Path) -> None:
        env = path.env
        if s.handle is None:
            if path.request is None:
                raise InternalError("'reply' outside a request handler")
            handle = path.request
        else:
            handle = self.out.name("h")
            self.out.line(f"{handle} = {self.x.expr(s.handle, env)}")
        sid = self.t.span(s.span)
        if self.labeled:  # the operation answered, for the trace (-1: nobody waits for it)
            op = self.out.name("op")
            self.out.line(f"{op} = _answering({env.src}, {handle})")
        if s.error is not None:
            self.out.line(f"_reply_error({env.src}, {handle}, {sid})")
            result = self.t.const(("error", s.error))
        else:
            value = self.out.name("v")
            self.out.line(f"{value} = {self.x.expr(s.value, env)}")  # type: ignore[arg-type]
            self.out.line(f"_reply({env.src}, {handle}, {value}, {sid})")
            result = value
        if self.labeled:
            self.out.line(f"{env.src}[-1] = {env.src}[-1] + (({handle}, {op}, {result}),)")

    # -------------------------------------------------- the end of a path

    def _fresh(self) -> str:
        """The statement that starts a step's working list. In `labeled` for a spec with
        clients the list carries one more element at its end: the replies made so far."""
        return "l = list(s); l.append(())" if self.labeled and self.events else "l = list(s)"

    def _emit(self, path: Path) -> None:
        L = path.env.src
        if not self.labeled:
            self.out.line(f"out.append(tuple({L}))")
        elif self.events:
            self.out.line(f"out.append((({path.label}, {L}[-1]), tuple({L}[:-1])))")
        else:
            self.out.line(f"out.append(({path.label}, tuple({L})))")

    def _emit_same(self, label: str) -> None:
        """A step that leaves the state as it is: the state itself, uncopied."""
        if not self.labeled:
            self.out.line("out.append(s)")
        else:
            self.out.line(f"out.append((({label}, ()), s))" if self.events else f"out.append(({label}, s))")

    # -------------------------------------------------- statements

    def block(self, stmts: tuple[ir.Stmt, ...], path: Path, cont) -> None:
        """Compile `stmts`, then the continuation `cont(path)` on every path that survives.
        Straight-line statements are compiled in a loop (a body of thousands of them must
        not reach Python's recursion limit); a statement that splits the path compiles
        the rest inside each of its branches."""
        for k, s in enumerate(stmts):
            rest = stmts[k + 1:]
            with located(s.span):
                if isinstance(s, ir.Choose):
                    self._choose(s, rest, path, cont)
                    return
                if isinstance(s, ir.If) and _branches(s):
                    self._branching_if(s, rest, path, cont)
                    return
                if isinstance(s, ir.For) and (_branches(s.body) or may_abandon(s.body)):
                    self._generator_for(s, rest, path, cont)
                    return
                self.simple(s, path)
        cont(path)

    def _choose(self, s: ir.Choose, rest, path: Path, cont) -> None:
        env = path.env
        with self.out.block(f"for x{s.local.uid} in {self.x.domain(s.domain, env, ordered=True)}:"):
            if s.cond is not None:
                self.out.line(f"if not {self.x.expr(s.cond, env)}: continue")
            copy = self.out.name("l")
            self.out.line(f"{copy} = {env.src}.copy()")
            inner = Path(replace(env, src=copy), "continue", path.label, path.request)
            self.block(rest, inner, cont)

    def _branching_if(self, s: ir.If, rest, path: Path, cont) -> None:
        after = lambda p: self.block(rest, p, cont)  # noqa: E731 - the shared continuation
        for n, (cond, body) in enumerate(s.arms):
            with self.out.block(f"{'if' if n == 0 else 'elif'} {self.x.expr(cond, path.env)}:"):
                self.block(body, path, after)
        with self.out.block("else:"):
            self.block(s.orelse, path, after)

    def _generator_for(self, s: ir.For, rest, path: Path, cont) -> None:
        gen, lv, it, i = self.out.name("_g"), self.out.name("lv"), self.out.name("it"), self.out.name("i")
        with self.out.block(f"def {gen}({lv}, {it}, {i}):"):
            with self.out.block(f"if {i} == len({it}):"):
                self.out.line(f"yield {lv}")
                self.out.line("return")
            self.out.line(f"x{s.local.uid} = {it}[{i}]")
            inner = Path(replace(path.env, src=lv), "return", path.label, path.request)
            self.block(s.body, inner,
                       lambda p: self.out.line(f"yield from {gen}({p.env.src}, {it}, {i} + 1)"))
        lw = self.out.name("lw")
        domain = self.x.domain(s.domain, path.env, ordered=True)
        with self.out.block(f"for {lw} in {gen}({path.env.src}, tuple({domain}), 0):"):
            self.block(rest, Path(replace(path.env, src=lw), "continue", path.label, path.request), cont)

    def simple(self, s: ir.Stmt, path: Path) -> None:
        """A statement that neither branches nor needs the continuation."""
        env = path.env
        match s:
            case ir.Assign():
                self._assign(s, env)
            case ir.Let(local=local, value=value):
                self.out.line(f"x{local.uid} = {self.x.expr(value, env)}")
            case ir.Send():
                self._send(s, env)
            case ir.Require(cond=cond):
                self.out.line(f"if not {self.x.expr(cond, env)}: {path.abandon}")
            case ir.Take(address=address):
                self.out.line(f"{env.src}[{self.layout.env('address', address)}] = {env.gid}")
            case ir.If(arms=arms, orelse=orelse):
                for n, (cond, body) in enumerate(arms):
                    with self.out.block(f"{'if' if n == 0 else 'elif'} {self.x.expr(cond, env)}:"):
                        self._simple_block(body, path)
                if orelse:
                    with self.out.block("else:"):
                        self._simple_block(orelse, path)
            case ir.For(local=local, domain=domain, body=body):
                with self.out.block(f"for x{local.uid} in {self.x.domain(domain, env, ordered=True)}:"):
                    self._simple_block(body, path)
            case ir.Reply():
                self._reply(s, path)
            case _:  # `return` belongs to object operations (objectgen.py), never to handlers
                raise InternalError(f"no code generation for {type(s).__name__}")

    def _simple_block(self, stmts, path: Path) -> None:
        if not stmts:
            self.out.line("pass")
        for s in stmts:
            self.simple(s, path)

    # -------------------------------------------------- assignment and send

    def _assign(self, s: ir.Assign, env: Env) -> None:
        if not isinstance(s.target, ir.StateVar):
            raise InternalError("a handler assigns something other than its node's variable")
        var = self.p.role(s.target.role).var(s.target.name)  # type: ignore[union-attr]
        slot = f"{env.src}[{self.layout.var(env.gid, s.target.name)}]"  # type: ignore[arg-type]
        leaf = _leaf_type(var.type, s.path)  # type: ignore[union-attr]
        code = self.x.expr_as(s.value, leaf, env)
        if not s.path and values.within(s.value.type, leaf):
            self.out.line(f"{slot} = {code}")
            return
        value = self.out.name("v")
        self.out.line(f"{value} = {code}")
        self._fit(value, s.value.type, leaf, s, f"variable '{s.target.name}'")
        self.out.line(f"{slot} = {self._update(slot, var.type, s.path, value, s, env)}")  # type: ignore[union-attr]

    def _update(self, base: str, t: Type, path: tuple[ir.Path, ...], value: str, s: ir.Stmt, env: Env) -> str:
        """Code for `base` with the element at `path` replaced by `value` (functional update)."""
        if not path:
            return value
        p, rest = path[0], path[1:]
        cur = self.out.name("c")
        self.out.line(f"{cur} = {base}")
        if p.kind == "field":
            assert isinstance(t, RecordT)
            pos = [n for n, _ in t.fields].index(p.field)  # type: ignore[arg-type]
            inner = self._update(f"{cur}[{pos}]", t.fields[pos][1], rest, value, s, env)
            return f"{cur}[:{pos}] + ({inner},) + {cur}[{pos + 1}:]"
        key = self.out.name("k")
        self.out.line(f"{key} = {self.x.expr(p.index, env)}")  # type: ignore[arg-type]
        sid = self.t.span(s.span)
        if isinstance(t, MapT):
            inner = self._update(f"_mget({cur}, {key}, {sid})", t.value, rest, value, s, env) if rest else value
            return f"_mset({cur}, {key}, {inner})"
        if isinstance(t, SeqT):
            inner = self._update(f"_sget({cur}, {key}, {sid})", t.elem, rest, value, s, env) if rest else value
            return f"_sset({cur}, {key}, {inner}, {sid})"
        raise InternalError(f"assignment into a {type(t).__name__}")

    def _fit(self, value: str, src: Type, dst: Type, s: ir.Stmt, what: str) -> None:
        if values.within(src, dst):
            return
        # concatenated, not str.format: the type's text has braces of its own ({0, 2, 4})
        after = self.t.const(f" does not fit {what} of type {describe(dst)}")
        self.out.line(f"if not _fits({value}, {self.t.const(dst)}): "
                      f"_fail({self.t.span(s.span)}, 'the value ' + _show({value}, {self.t.const(dst)}) + {after})")

    def _send(self, s: ir.Send, env: Env) -> None:
        mtype = self.p.message(s.message)
        names = []
        for arg, (fname, ftype) in zip(s.args, mtype.fields):  # type: ignore[union-attr]
            v = self.out.name("a")
            self.out.line(f"{v} = {self.x.expr_as(arg, ftype, env)}")
            self._fit(v, arg.type, ftype, s, f"field '{fname}' of message '{s.message}'")
            names.append(v)
        fixed = self._constant_nodes(s.dest)
        if fixed is not None:
            for gid in fixed:
                self._send_one(s, env, str(gid), names, gid)
            return
        dest = self.x.expr(s.dest, env)
        if s.broadcast:
            d = self.out.name("d")
            ordered = f"_ordered({dest})" if self.mode == "fifo" else dest
            with self.out.block(f"for {d} in {ordered}:"):
                self._send_one(s, env, d, names)
        else:
            d = self.out.name("d")
            self.out.line(f"{d} = {dest}")
            self._send_one(s, env, d, names)

    def _constant_nodes(self, dest: ir.Expr) -> list[int] | None:
        """The gids a destination always denotes, in order, or None if it depends on the state."""
        if isinstance(dest, ir.Lit) and isinstance(dest.value, ir.NodeId):
            return [dest.value.gid]
        if isinstance(dest, ir.NodesOf):
            return sorted(n.gid for r in dest.roles for n in self.p.role(r).ids)  # type: ignore[union-attr]
        return None

    def _send_one(self, s: ir.Send, env: Env, dest: str, args: list[str], fixed: int | None = None) -> None:
        """Put one message in the slot of its link (fifo) or of its destination's inbox.
        With `fixed`, the destination is known when generating, and so is the slot."""
        src, L = env.gid, env.src
        fields = "".join(a + ", " for a in args)
        mid = self.message_ids[s.message]
        slot_of = (lambda g: self.layout.link(src, g)) if self.mode == "fifo" else self.layout.inbox  # type: ignore[arg-type]
        if fixed is not None:
            k = str(slot_of(fixed))
        else:
            k = self.out.name("k")
            table = tuple(-1 if slot_of(n.gid) is None else slot_of(n.gid) for n in self.p.nodes)
            self.out.line(f"{k} = {self.t.const(table)}[{dest}]")
        if self.mode == "fifo":
            self.out.line(f"{L}[{k}] = {L}[{k}] + (({mid}, {fields}),)")
        elif self.mode == "duplicating":
            consts = [_constant(a, env, self.t.codec) for a in s.args]
            if fixed is not None and all(c is not _VARIES for c in consts):
                message = self.t.const(frozenset([(mid, src) + tuple(consts)]))
            else:
                message = f"frozenset((({mid}, {src}, {fields}),))"
            self.out.line(f"{L}[{k}] = {L}[{k}] | {message}")
        else:
            self.out.line(f"{L}[{k}] = _ms_add({L}[{k}], ({mid}, {src}, {fields}))")

    # -------------------------------------------------- initial values

    def initial_value(self, v: ir.VarDecl, gid: int) -> object:
        """The encoded initial value of variable v on node gid (raises SpecRuntimeError)."""
        code = self.x.expr_as(v.init, v.type, Env(None, gid))
        value = eval(compile(code, "<capcheck:init>", "eval"), dict(self.t.namespace))  # noqa: S307 - our own generated code
        if not values.fits(value, v.type):
            raise values.SpecRuntimeError(self.t.span(v.span),
                                          f"the initial value of '{v.name}' does not fit its type {describe(v.type)}")
        return value


# ---------------------------------------------------------------- body analysis

_VARIES = object()


def _constant(e: ir.Expr, env: Env, codec: values.Codec) -> object:
    """The encoded value of an expression that is the same in every state, or _VARIES."""
    if isinstance(e, ir.Lit):
        return codec.encode(e.value)
    if isinstance(e, ir.SelfRef) and env.gid is not None:
        return env.gid
    return _VARIES



def _branches(x) -> bool:
    """Whether a statement (or block) can continue on more than one path, or holds a loop
    that must become a generator (its body branches or may abandon the path)."""
    stmts = [st for _, arm in x.arms for st in arm] + list(x.orelse) if isinstance(x, ir.If) else x
    return any(isinstance(s, ir.Choose) or (isinstance(s, ir.For) and may_abandon(s.body))
               for s in statements(stmts))


def _uses_message(h: ir.Handler) -> bool:
    """Whether a message handler's guard or body reads its sender or a field."""
    wanted = {p.uid for p in h.params} | ({h.sender.uid} if h.sender is not None else set())
    stack: list = [h.guard, h.body]
    while stack:
        x = stack.pop()
        if isinstance(x, ir.Local) and x.uid in wanted:
            return True
        if isinstance(x, tuple):
            stack += list(x)
        elif dataclasses.is_dataclass(x) and not isinstance(x, type):
            stack += [getattr(x, f.name) for f in dataclasses.fields(x)]
    return False


def _leaf_type(t: Type, path: tuple[ir.Path, ...]) -> Type:
    for p in path:
        if p.kind == "field":
            assert isinstance(t, RecordT)
            t = t.field(p.field)  # type: ignore[arg-type, assignment]
        elif isinstance(t, MapT):
            t = t.value
        elif isinstance(t, SeqT):
            t = t.elem
    return t
