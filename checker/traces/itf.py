"""States as the Informal Trace Format (ITF) of Apalache and Quint sees them.

ITF (Apalache ADR-015) is a JSON object: `#meta` (free-form), `vars` (the variable names) and
`states`, a list of objects mapping each variable to a value. Values: booleans and strings
as themselves, integers as `{"#bigint": "42"}`, sets as `{"#set": [...]}`, maps as
`{"#map": [[k, v], ...]}`, tuples as `{"#tup": [...]}`, records as plain objects, sequences
as arrays; an option is Quint's variant `{"tag": "None", "value": {"#tup": []}}` or
`{"tag": "Some", "value": v}`. Atoms, nodes and clients are strings as the text report
writes them (`prepared`, `rm[1]`, `client[0]`).

The variables are identifiers, as Quint and TLA+ need them (`Renderer`): one per node role
(`rm`: a map from node name to the record of its variables), `down`, `paused`, `cuts`, the
addresses by name, `faults_used`, `clients` (a map from client name to record) and
`network`, the messages in flight as records (`from`, `to`, and `msg`, a variant tagged with
the message's name holding the record of its fields). The spec's constants are the trace's
`params`. Each variable has a type (`Renderer.types`): the declared one for a node's
variable, a fixed one for the rest; `value` writes by it and `misfit` checks a file's value
against it. Files written by earlier versions (a variable per row of the text report:
`rm[1].state`, `crash faults used`, `client[0]`, the network as text) are still read. Pure
functions; deterministic output (sets and maps are sorted by their encoding).

Reading is lenient where tools differ: `normal` gives a value one canonical form whatever
the encoding (a plain JSON integer or `#bigint`; sets and maps in any order; a variant's unit
value `{}` or `{"#tup": []}`), and `match` finds the path whose states agree with a file that
records any subset of the variables.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Iterator, Sequence

from checker.model import values
from checker.semantics.types import (
    AtomT,
    BoolT,
    IntT,
    MapT,
    OptionT,
    RecordT,
    SeqT,
    SetT,
    TupleT,
    Type,
)

NETWORK = "network"
_TEXT_NETWORK = "network (as text)"     # how files written before messages were records hold it
FORMAT_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"
NONE = {"tag": "None", "value": {"#tup": []}}
MATCH_BUDGET = 500_000
"""How many successor states `match` compares before it gives up."""

TEXT = AtomT(())
"""The type of a text as the text report writes it: a node name, a cut, a call, a message."""
_CLIENT = RecordT((("invoked", IntT()), ("waiting", OptionT(RecordT((
    ("at", TEXT), ("call", TEXT), ("request", IntT())))))))
_ENV_TYPES = {"down": SetT(TEXT), "paused": SetT(TEXT), "cuts": SetT(TEXT), "address": TEXT,
              "client": _CLIENT, "budget": IntT(), "now": IntT(), "clock": IntT()}
_HIDDEN = ("inbox", "link", "requests", "monitor", "history", "session")


def bigint(n: int) -> dict:
    return {"#bigint": str(n)}


def some(v: object) -> dict:
    return {"tag": "Some", "value": v}


def _key(v: object) -> str:
    return json.dumps(v, sort_keys=True)


def itf_set(items) -> dict:
    return {"#set": sorted(items, key=_key)}


def value(v: object, t: Type) -> object:
    """A decoded value (`Codec.decode`) of type t in ITF."""
    match t:
        case OptionT(inner=inner):
            return NONE if v is None else some(value(v, inner))
        case SetT(elem=elem):
            return itf_set(value(x, elem) for x in v)  # type: ignore[attr-defined]
        case SeqT(elem=elem):
            return [value(x, elem) for x in v]  # type: ignore[attr-defined]
        case MapT(key=key, value=vt):
            return {"#map": sorted(([value(k, key), value(x, vt)] for k, x in v.items),  # type: ignore[attr-defined]
                                   key=_key)}
        case RecordT(fields=fields):
            return {n: value(x, ft) for x, (n, ft) in zip(v, fields)}  # type: ignore[call-overload]
        case TupleT(elems=elems):
            return {"#tup": [value(x, et) for x, et in zip(v, elems)]}  # type: ignore[call-overload]
        case BoolT():
            return bool(v)
        case IntT():
            return bigint(v)  # type: ignore[arg-type]
    if isinstance(v, bool) or isinstance(v, str):
        return v
    if isinstance(v, int):
        return bigint(v)
    return str(v)


class Renderer:
    """The ITF variables of one model's states: `names` (the ones written, in file order)
    and `types` (of every name a file may use: those and the older per-row names), fixed at
    construction; `variable` renders one variable of a state, `state` all of them.
    `normal_variable` memoises the canonical form by the slots' values, so comparing many
    states against a file renders each distinct value once; `agrees` is that comparison.

    The variables written: one per node role (a map from node name to the record of its
    variables), `down`, `paused`, `cuts`, each address by its name, `faults_used` (a record
    of fault budgets used), `clients` (a map from client name to its record) and `network`
    (the messages and requests in flight, each a record `from`, `to`, `msg`: a variant whose
    tag is the message's name and whose value is the record of its fields; a request is the
    tag `Request` with `request` and `call`). Files written before (one variable per row of
    the text report, `replica[0].value`, `crash faults used`, `client[0]`, and the network as
    text) are still read."""

    def __init__(self, model) -> None:
        self.model = model
        shown = [(k, slot) for k, slot in enumerate(model.layout.slots) if slot.kind not in _HIDDEN]
        rows = [name for name, _ in model.flat(model.init_states()[0])]
        self._slots = dict(zip(rows, shown))
        self._network = tuple(k for k, slot in enumerate(model.layout.slots)
                              if slot.kind in ("inbox", "link", "requests"))
        self.types: dict[str, Type | None] = {name: self._type(slot) for name, (_, slot) in self._slots.items()}
        self._groups = self._grouped(shown)
        self.names = list(self._groups) + [NETWORK]
        self._covers: dict[str, tuple[int, ...]] = {name: (k,) for name, (k, _) in self._slots.items()}
        self._covers.update({name: tuple(k for k, _ in members) for name, (members, _) in self._groups.items()})
        self._covers[NETWORK] = self._covers[_TEXT_NETWORK] = self._network
        self.types.update({name: t for name, (_, t) in self._groups.items()})
        self.types[NETWORK] = None              # records of several shapes: not checked by `misfit`
        self._memo: dict[str, dict] = {name: {} for name in self._covers}

    def _type(self, slot) -> Type:
        if slot.kind == "var":
            node = self.model.program.nodes[slot.node]
            return self.model.program.role(node.role).var(slot.name).type
        return _ENV_TYPES[slot.kind]

    def _grouped(self, shown: list) -> dict[str, tuple[list, Type]]:
        """The written variables other than `network`, in layout order: name -> (the
        (slot index, slot) pairs it shows, its type)."""
        groups: dict[str, tuple[list, Type | None]] = {}
        for k, slot in shown:
            if slot.kind == "var":
                role = self.model.program.nodes[slot.node].role
                name, t = role, None
            else:
                name = {"budget": "faults_used", "client": "clients", "clock": "clocks"}.get(
                    slot.kind, self.model._slot_name(slot))  # noqa: SLF001
                t = _ENV_TYPES[slot.kind] if slot.kind not in ("budget", "client", "clock") else None
            groups.setdefault(name, ([], t))[0].append((k, slot))
        return {name: (members, t if t is not None else self._group_type(members)) for name, (members, t) in groups.items()}

    def _group_type(self, members: list) -> Type:
        slot = members[0][1]
        if slot.kind == "budget":
            return RecordT(tuple(sorted((s.name, IntT()) for _, s in members)))
        if slot.kind == "client":
            return MapT(TEXT, _CLIENT)
        if slot.kind == "clock":
            return MapT(TEXT, IntT())
        fields = {s.name: self._type(s) for _, s in members}
        return MapT(TEXT, RecordT(tuple(sorted(fields.items()))))

    def state(self, s: tuple) -> dict[str, object]:
        """One state as ITF variables (no `#meta`), in the order of `names`."""
        view: dict = {}
        return {name: self.variable(s, name, view) for name in self.names}

    def variable(self, s: tuple, name: str, view: dict | None = None) -> object:
        """Variable `name` (written or older) of state `s` in ITF. `view` caches
        `Model.view(s)` between calls for the same state (pass {} for a fresh state, or None)."""
        view = {} if view is None else view
        if name == NETWORK:
            return self._messages(s)
        if name == _TEXT_NETWORK:
            return list(self.model.in_flight(s))
        if name in self._groups:
            return self._group(s, name, view)
        k, slot = self._slots[name]
        return value(self._decoded(slot, s[k], s, name, view), self.types[name])  # type: ignore[arg-type]

    def _group(self, s: tuple, name: str, view: dict) -> object:
        members, t = self._groups[name]
        if len(members) == 1 and not isinstance(t, (MapT, RecordT)):
            k, slot = members[0]
            return value(self._decoded(slot, s[k], s, name, view), t)
        kind = members[0][1].kind
        if kind == "budget":
            return {slot.name: bigint(s[k]) for k, slot in members}
        if kind == "clock":
            return {"#map": sorted(([self.model.node_name(slot.node), bigint(s[k])] for k, slot in members), key=_key)}
        by_key: dict[str, object] = {}   # the clients' rows
        by_node: dict[str, dict] = {}    # the nodes' rows (a group is all clients or all nodes)
        for k, slot in members:
            row = self.model._slot_name(slot)  # noqa: SLF001 - the row's own name
            if kind == "client":
                by_key[row] = value(self._decoded(slot, s[k], s, row, view), _CLIENT)
            else:
                node = self.model.node_name(slot.node)
                by_node.setdefault(node, {})[slot.name] = value(self._decoded(slot, s[k], s, row, view),
                                                               self.types[row])  # type: ignore[arg-type]
        return {"#map": sorted(([key, v] for key, v in [*by_key.items(), *by_node.items()]), key=_key)}

    def _messages(self, s: tuple) -> list[dict]:
        """The messages and requests in flight as records, in `Model.in_flight`'s order."""
        model, out = self.model, []
        for k in self._network:
            slot = model.layout.slots[k]
            seq = values.ordered(s[k]) if isinstance(s[k], frozenset) else s[k]
            for m in seq:
                out.append(self._request(slot, m) if slot.kind == "requests" else self._message(slot, m))
        return out

    def _message(self, slot, m: tuple) -> dict:
        model = self.model
        mtype = model.program.messages[m[0]]
        src, dst, args = (slot.node, slot.peer, m[1:]) if slot.kind == "link" else (m[1], slot.node, m[2:])
        fields = {n: value(model.codec.decode(v, t), t) for v, (n, t) in zip(args, mtype.fields)}
        return {"from": model.node_name(src), "to": model.node_name(dst), "msg": {"tag": mtype.name, "value": fields}}

    def _request(self, slot, r: tuple) -> dict:
        call = self.model._client_text.call(r[2], r[3])  # noqa: SLF001 - the model's own wording of a call
        return {"from": f"client[{r[0]}]", "to": self.model.node_name(slot.node),
                "msg": {"tag": "Request", "value": {"request": bigint(r[1] + 1), "call": call}}}

    def normal_variable(self, s: tuple, name: str) -> tuple:
        """`normal(self.variable(s, name))`, memoised by the slots the variable shows; the
        network as a bag (the order of messages in flight means nothing)."""
        key = tuple(s[k] for k in self._covers[name])
        memo = self._memo[name]
        if key not in memo:
            got = normal(self.variable(s, name))
            memo[key] = _bag(got) if name in (NETWORK, _TEXT_NETWORK) else got
        return memo[key]

    def agrees(self, s: tuple, name: str, want: tuple) -> bool:
        """Whether variable `name` of state `s` is the `normal` value `want` (the network: a
        list or set of records, or of texts as older files wrote it, in any order)."""
        if name == NETWORK:
            items = _elements(want)
            texts = bool(items) and all(x[0] == "str" for x in items)
            return self.normal_variable(s, _TEXT_NETWORK if texts else NETWORK) == _bag(want)
        return self.normal_variable(s, name) == want

    def _decoded(self, slot, v: object, s: tuple, name: str, view: dict) -> object:
        model = self.model
        if slot.kind == "var":
            return model.codec.decode(v, self.types[name])
        if slot.kind in ("down", "paused"):
            return frozenset(model.node_name(n.gid) for n in model.program.nodes if (v >> n.gid) & 1)
        if slot.kind == "address":
            return model.node_name(v)
        if slot.kind in ("budget", "now", "clock"):
            return v
        if not view:
            view.update(model.view(s))
        if slot.kind == "cuts":
            return frozenset(view["cuts"])
        c = view["clients"][name]
        w = c["waiting"]
        return c["invoked"], None if w is None else (w["at"], w["call"], w["request"])


def _elements(v: tuple) -> tuple:
    return tuple(v[1]) if v[0] in ("seq", "set") else ()


def _bag(v: tuple) -> tuple:
    """A list or set of values as a multiset (a frozenset of (value, count) pairs); any
    other value as itself, which no bag equals."""
    if v[0] not in ("seq", "set"):
        return v
    counts: dict = {}
    for x in _elements(v):
        counts[x] = counts.get(x, 0) + 1
    return ("bag", frozenset(counts.items()))


def state(model, s: tuple) -> dict[str, object]:
    """One state of `model` as ITF variables (no `#meta`), in the order of `variables`."""
    return Renderer(model).state(s)


def variables(model) -> list[str]:
    """The ITF variable names of `model`'s states."""
    return Renderer(model).names


def _states(model, path: Sequence[int]) -> Iterator[tuple]:
    s = model.init_states()[path[0]]
    yield s
    for a in path[1:]:
        s = model.successors(s)[a]
        yield s


def states_along(model, path: Sequence[int]) -> list[dict[str, object]]:
    """The ITF state after each step of `path` (the initial state first). `path` must replay."""
    render = Renderer(model)
    return [render.state(s) for s in _states(model, path)]


def document(model, path: Sequence[int], actions: Sequence[str], meta: dict, loop: int | None = None,
             params: dict | None = None) -> dict:
    """An ITF trace of the run `path`: each state's `#meta` holds its index and the action
    that led to it; `meta` goes into the trace's `#meta` next to the format's own keys; `loop`
    is the index of the state a liveness counterexample's last step returns to; `params`, the
    spec's constants (name -> int or bool), are listed in `params` and their values given in
    every state, as the format has it for a trace's parameters."""
    along = states_along(model, path)
    fixed = {k: v if isinstance(v, bool) else bigint(v) for k, v in (params or {}).items()}
    states = [{"#meta": {"index": i, "action": action}, **fixed, **st}
              for i, (st, action) in enumerate(zip(along, actions))]
    out: dict = {"#meta": {"format": "ITF", "format-description": FORMAT_DESCRIPTION, **meta}}
    if fixed:
        out["params"] = list(fixed)
    out.update({"vars": list(along[0]), "states": states})
    if loop is not None:
        out["loop"] = loop
    return out


# -------------------------------------------------- reading: canonical values and their types


class BadValue(ValueError):
    """A JSON value that is no ITF value (a malformed `#bigint`, a `#set` that is not an
    array, null, a fraction, ...); the message says what is wrong."""


_BIGINT = re.compile(r"-?[0-9]+")
_KINDS = {"int": "an integer", "bool": "a boolean", "str": "a string", "seq": "a sequence (a JSON array)",
          "tup": "a tuple (#tup)", "set": "a set (#set)", "map": "a map (#map)", "rec": "a record (a JSON object)",
          "variant": "a variant ({\"tag\": ..., \"value\": ...})"}


def normal(v: object) -> tuple:
    """An ITF value in one canonical, hashable form, so that equal values written differently
    compare equal: ('int', n) for a JSON integer or `{"#bigint": "n"}`; ('set', frozenset) and
    ('map', frozenset of pairs) whatever the order; ('tup', ...) for `#tup` and for `{}`, which
    Quint writes as a variant's unit value; ('variant', tag, value) for an object of exactly
    `tag` (a string) and `value`; ('rec', sorted fields) for any other object; ('seq', ...) for
    an array (a JSON array or a tuple). Raises BadValue for anything else."""
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, int):
        return ("int", v)
    if isinstance(v, str):
        return ("str", v)
    if isinstance(v, (list, tuple)):
        return ("seq", tuple(normal(x) for x in v))
    if isinstance(v, dict):
        return _normal_object(v)
    if isinstance(v, float):
        raise BadValue(f"{v!r} is not an integer (write integers without a fraction or exponent)")
    raise BadValue("null is not an ITF value" if v is None else f"{v!r} is not an ITF value")


def _normal_object(v: dict) -> tuple:
    special = [k for k in v if isinstance(k, str) and k.startswith("#")]
    if not special:
        if set(v) == {"tag", "value"} and isinstance(v["tag"], str):
            return ("variant", v["tag"], normal(v["value"]))
        return ("rec", tuple(sorted((k, normal(x)) for k, x in v.items()))) if v else ("tup", ())
    key = special[0]
    if len(v) != 1:
        raise BadValue(f"an object with '{key}' holds nothing else")
    inner = v[key]
    if key == "#bigint":
        if not isinstance(inner, str) or not _BIGINT.fullmatch(inner):
            raise BadValue(f"'#bigint' holds a decimal integer in a string, such as \"-42\"; got {short(inner)}")
        return ("int", int(inner))
    if key in ("#set", "#tup", "#map") and not isinstance(inner, (list, tuple)):
        raise BadValue(f"'{key}' holds a JSON array; got {short(inner)}")
    if key == "#set":
        return ("set", frozenset(normal(x) for x in inner))
    if key == "#tup":
        return ("tup", tuple(normal(x) for x in inner))
    if key == "#map":
        if not all(isinstance(p, (list, tuple)) and len(p) == 2 for p in inner):
            raise BadValue("'#map' holds an array of [key, value] pairs")
        return ("map", frozenset((normal(k), normal(x)) for k, x in inner))
    if key == "#unserializable":
        raise BadValue("an '#unserializable' value cannot be compared (leave the variable out of this state)")
    raise BadValue(f"'{key}' is not an ITF encoding (they are '#bigint', '#set', '#map', '#tup')")


def _expected(t: Type) -> str:
    match t:
        case BoolT():
            return "bool"
        case IntT():
            return "int"
        case OptionT():
            return "variant"
        case SetT():
            return "set"
        case SeqT():
            return "seq"
        case MapT():
            return "map"
        case RecordT():
            return "rec"
        case TupleT():
            return "tup"
    return "str"


def misfit(v: tuple, t: Type | None) -> str | None:
    """Why the `normal` value v cannot be a value of type t (as `value` writes it), or None
    when it has the right shape: the kinds of value at every level, a record's field names, a
    tuple's length, an option's tags; t None (the network) admits any value. Not checked:
    ranges and members, which the comparison with the model's own values decides."""
    if t is None:
        return None
    want = _expected(t)
    if v[0] != want:
        return f"{_KINDS[v[0]]} where the spec has {_KINDS[want]}"
    match t:
        case SetT(elem=e) | SeqT(elem=e):
            return _first(misfit(x, e) for x in v[1])
        case MapT(key=k, value=x):
            return _first(misfit(a, k) or misfit(b, x) for a, b in v[1])
        case TupleT(elems=elems):
            if len(v[1]) != len(elems):
                return f"a tuple of {len(v[1])} where the spec has {len(elems)} elements"
            return _first(misfit(x, e) for x, e in zip(v[1], elems))
        case RecordT(fields=fields):
            names = [n for n, _ in fields]
            if sorted(names) != [n for n, _ in v[1]]:
                return f"a record of {_names([n for n, _ in v[1]])} where the spec has {_names(names)}"
            types = dict(fields)
            return _first(misfit(x, types[n]) for n, x in v[1])
        case OptionT(inner=inner):
            return _variant_misfit(v, inner)
    return None


def _variant_misfit(v: tuple, inner: Type) -> str | None:
    if v[1] == "None":
        return None if v[2] == ("tup", ()) else "the variant None holds a value"
    if v[1] == "Some":
        return misfit(v[2], inner)
    return f"the tag '{v[1]}' where the spec has an option ('None' or 'Some')"


def _first(found) -> str | None:
    return next((m for m in found if m is not None), None)


def _names(names: list[str]) -> str:
    return "fields " + ", ".join(names) if names else "no fields"


# -------------------------------------------------- reading: the path a file's states take


@dataclass(frozen=True)
class Miss:
    """Why no path fits a file: its state `index` follows from no step of the state before
    it (is no initial state, for index 0). `via`: the action text of the step that led to
    the state before it (None when that is the initial state); `enabled`: the steps (the
    initial states) tried;
    `action`: the closest one's text (None when nothing was enabled); `differ`: the variables
    in which it differs, with its values, in the file's order. `exhausted`: the budget ran
    out first, so a path may still exist (`index` is then the deepest failure seen, or -1)."""

    index: int
    via: str | None
    enabled: int
    action: str | None
    differ: tuple[tuple[str, object], ...]
    exhausted: bool = False


@dataclass(frozen=True)
class Match:
    """What `match` found: a path (None when none fits, with `miss` saying why) and the work
    it took (successor states compared)."""

    path: tuple[int, ...] | None
    miss: Miss | None
    work: int


def match(model, rows: Sequence[dict[str, tuple]], actions: Sequence[str | None] = (),
          budget: int = MATCH_BUDGET) -> Match:
    """The first path, in successor order, whose states agree with `rows`: one map per state
    from variable names (each a `Renderer.names` entry) to `normal` values; a variable a row
    leaves out is unconstrained. The search is depth-first over the states that agree, so a
    choice that leads nowhere is undone; `actions[i]`, when given, puts the steps with that
    action text first among those that agree with row i. A state reached again at the same
    depth is not explored twice. At most `budget` states are compared. Deterministic; raises
    what the model's steps raise (SpecRuntimeError)."""
    return _Search(model, rows, actions, budget).run()


class _Search:
    def __init__(self, model, rows, actions, budget) -> None:
        self.model, self.rows, self.budget = model, rows, budget
        self.actions = list(actions) + [None] * (len(rows) - len(actions))
        self.render = Renderer(model)
        self.work = 0
        self.miss: Miss | None = None

    def run(self) -> Match:
        inits = [(i, None, s) for i, s in enumerate(self.model.init_states())]
        stack = [iter(self.fitting(0, inits, None))]
        trail: list[tuple] = []      # (action index, label, state) of each state matched so far
        failed: set[tuple[int, tuple]] = set()
        while stack:
            got = next(stack[-1], None)
            if got is None:
                stack.pop()
                if trail:
                    failed.add((len(trail) - 1, trail.pop()[2]))
                continue
            if (len(trail), got[2]) in failed:
                continue
            trail.append(got)
            if len(trail) == len(self.rows):
                return Match(tuple(a for a, _, _ in trail), None, self.work)
            if self.work >= self.budget:
                break
            _, label, s = got
            options = [(a, lab, t) for a, (lab, t) in enumerate(self.model.labeled(s))]
            stack.append(iter(self.fitting(len(trail), options, label)))
        if stack:
            miss = self.miss or Miss(-1, None, 0, None, ())
            return Match(None, Miss(miss.index, miss.via, miss.enabled, miss.action, miss.differ, True), self.work)
        return Match(None, self.miss, self.work)

    def fitting(self, depth: int, options: list, via) -> list[tuple]:
        """The options that agree with row `depth`, those with the row's action text first;
        when none does, remember the closest (the deepest miss). `via`: the label of the
        step that led to the state the options follow from."""
        row = self.rows[depth]
        self.work += len(options)
        fits = [o for o in options if not self.differ(o[2], row, first=True)]
        want = self.actions[depth]
        if want is not None and len(fits) > 1:
            fits.sort(key=lambda o: self.action(o[1]) != want)
        if not fits and (self.miss is None or depth > self.miss.index):
            self.miss = self.closest(depth, options, via)
        return fits

    def differ(self, s: tuple, row: dict, first: bool = False) -> list[str]:
        """The names in `row` whose values `s` does not have (only the first if `first`)."""
        out = []
        for name, want in row.items():
            if not self.render.agrees(s, name, want):
                out.append(name)
                if first:
                    break
        return out

    def closest(self, depth: int, options: list, via) -> Miss:
        came = None if depth < 2 else self.action(via)
        if not options:
            return Miss(depth, came, 0, None, ())
        diffs = [self.differ(s, self.rows[depth]) for _, _, s in options]
        best = min(range(len(options)), key=lambda i: len(diffs[i]))
        _, label, s = options[best]
        return Miss(depth, came, len(options), self.action(label),
                    tuple((name, self.render.variable(s, name)) for name in diffs[best]))

    def action(self, label) -> str:
        return "the initial state" if label is None else self.model.describe(label)["action"]


def mismatch(model, path: Sequence[int], recorded: Sequence[dict]) -> str | None:
    """Where the states `recorded` in an ITF file (objects of variable names, each a
    `Renderer.names` entry, to ITF values) differ from the replay of `path`: a sentence
    naming the first state and variable that differ, or a count that differs; None when
    every recorded variable matches (`normal` forms are compared)."""
    along = list(_states(model, path))
    if len(recorded) != len(along):
        return f"the file has {len(recorded)} states but its path replays {len(along)}"
    render = Renderer(model)
    for i, (want, s) in enumerate(zip(recorded, along)):
        for name, v in want.items():
            if not render.agrees(s, name, normal(v)):
                return (f"state {i}: variable '{name}' is {short(v)} in the file but "
                        f"{short(render.variable(s, name))} when replayed")
    return None


def short(v: object, limit: int = 120) -> str:
    """A JSON value as one line of at most `limit` characters (for messages)."""
    text = json.dumps(v, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit - 3] + "..."
