"""States as the Informal Trace Format (ITF) of Apalache and Quint sees them.

ITF (Apalache ADR-015) is a JSON object: `#meta` (free-form), `vars` (the variable names) and
`states`, a list of objects mapping each variable to a value. Values: booleans and strings
as themselves, integers as `{"#bigint": "42"}`, sets as `{"#set": [...]}`, maps as
`{"#map": [[k, v], ...]}`, tuples as `{"#tup": [...]}`, records as plain objects, sequences
as arrays; an option is Quint's variant `{"tag": "None", "value": {"#tup": []}}` or
`{"tag": "Some", "value": v}`. Atoms, nodes and clients are strings as the text report
writes them (`prepared`, `rm[1]`, `client[0]`).

The variables are the rows of the text report's state (`Model.flat`: `rm[1].state`, `down`,
`cuts`, `crash faults used`, `client[0]`, ...) and `network`, the messages in flight as
text (`Model.in_flight`). Pure functions; deterministic output (sets and maps are sorted by
their encoding).
"""

from __future__ import annotations

import json
from typing import Sequence

from checker.model import values
from checker.semantics.types import (
    BoolT, IntT, MapT, OptionT, RecordT, SeqT, SetT, TupleT, Type,
)

NETWORK = "network"
FORMAT_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"
NONE = {"tag": "None", "value": {"#tup": []}}


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


def state(model, s: tuple) -> dict[str, object]:
    """One state of `model` as ITF variables (no `#meta`), in the order of `variables`."""
    view = model.view(s)
    rows = iter(model.flat(s))
    out: dict[str, object] = {}
    for k, slot in enumerate(model.layout.slots):
        if slot.kind in ("inbox", "link", "requests", "monitor", "history", "session"):
            continue
        name, _ = next(rows)
        out[name] = _slot_value(model, slot, s[k], view, name)
    out[NETWORK] = list(model.in_flight(s))
    return out


def _slot_value(model, slot, v: object, view: dict, name: str) -> object:
    if slot.kind == "var":
        node = model.program.nodes[slot.node]
        t = model.program.role(node.role).var(slot.name).type
        return value(model.codec.decode(v, t), t)
    if slot.kind in ("down", "paused"):
        return itf_set(model.node_name(n.gid) for n in model.program.nodes if (v >> n.gid) & 1)  # type: ignore[operator]
    if slot.kind == "cuts":
        return itf_set(view["cuts"])
    if slot.kind == "address":
        return model.node_name(v)
    if slot.kind == "client":
        c = view["clients"][name]
        w = c["waiting"]
        return {"invoked": bigint(c["invoked"]),
                "waiting": NONE if w is None else some({"request": bigint(w["request"]), "call": w["call"],
                                                        "at": w["at"]})}
    return bigint(v) if isinstance(v, int) and not isinstance(v, bool) else str(v)


def variables(model) -> list[str]:
    """The ITF variable names of `model`'s states."""
    return list(state(model, model.init_states()[0]))


def states_along(model, path: Sequence[int]) -> list[dict[str, object]]:
    """The ITF state after each step of `path` (the initial state first). `path` must replay."""
    s = model.init_states()[path[0]]
    out = [state(model, s)]
    for a in path[1:]:
        s = model.successors(s)[a]
        out.append(state(model, s))
    return out


def document(model, path: Sequence[int], actions: Sequence[str], meta: dict, loop: int | None = None) -> dict:
    """An ITF trace of the run `path`: each state's `#meta` holds its index and the action
    that led to it; `meta` goes into the trace's `#meta` next to the format's own keys; `loop`
    is the index of the state a liveness counterexample's last step returns to."""
    along = states_along(model, path)
    states = [{"#meta": {"index": i, "action": action}, **st} for i, (st, action) in enumerate(zip(along, actions))]
    out: dict = {"#meta": {"format": "ITF", "format-description": FORMAT_DESCRIPTION, **meta},
                 "vars": list(along[0]), "states": states}
    if loop is not None:
        out["loop"] = loop
    return out


def mismatch(model, path: Sequence[int], recorded: Sequence[object]) -> str | None:
    """Where the states `recorded` in an ITF file differ from the replay of `path`: a
    sentence naming the first state and variable that differ (or a state that is not an
    object, or a count that differs), None when every recorded variable matches."""
    replayed = states_along(model, path)
    if len(recorded) != len(replayed):
        return f"the file has {len(recorded)} states but its path replays {len(replayed)}"
    for i, (want, have) in enumerate(zip(recorded, replayed)):
        if not isinstance(want, dict):
            return f"state {i} is not a JSON object"
        extra = sorted(set(want) - {"#meta"} - set(have))
        if extra:
            return f"state {i}: the spec has no variable '{extra[0]}'"
        for name, v in have.items():
            if name not in want:
                return f"state {i}: variable '{name}' is missing"
            if want[name] != v:
                return (f"state {i}: variable '{name}' is {_short(want[name])} in the file but "
                        f"{_short(v)} when replayed")
    return None


def _short(v: object, limit: int = 120) -> str:
    text = json.dumps(v, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit - 3] + "..."
