"""Who sent what to whom along a run: the structured message traffic of a trace.

A trace's steps say what happened in words (`Model.describe`, `Model.changes`); a sequence
diagram also needs to connect each send with its delivery. `traffic(model, path)` replays
`path` on the model's own states and follows every message and client request through the
network slots: each one gets an id, the step that sent it, the steps that delivered it, and
its fate. It is the one place that derives this; renderers (render/sequence.py) only read
the plain data it returns.

How a message is followed: at each step the contents of every network slot (an inbox, a
FIFO link, a node's waiting client requests) before and after are compared as multisets.
A message that appears was sent by this step; one that disappears was delivered when the
step is its receiver handling it (`on MSG` or `request #n`), and lost otherwise (a `lose`
fault, a crash that drops it). Of several equal copies the oldest leaves first. On a
duplicating network messages never leave: a receive step delivers a copy of the oldest
equal message, which stays in flight.
"""

from __future__ import annotations

from typing import Iterable

from checker.model import values
from checker.props import kinds
from checker.model.system import Model



def traffic(model: Model, path: list[int] | tuple[int, ...]) -> dict:
    """The traffic along `path` (a path `replay` accepts) as plain data:

    - `nodes`: every node's name, in declaration order; `clients`: every client's name;
    - `messages`: one entry per message or request, in the order they were sent:
      `id`, `kind` ("message" or "request"), `label` (the message with its fields, or the
      call), `text` (as the trace's actions and states show it), `from`, `to`, `sent` (the
      step that sent it), `delivered` (the steps that delivered it), `lost` (the step that
      dropped it, or None) and `fate` ("delivered", "lost" or "in flight").
    """
    program = model.program
    clients = [f"client[{c}]" for c in range(program.clients.count)] if program.clients is not None else []
    state = model.init_states()[path[0]]
    slots = list(model.layout.network_slots()) + [
        k for k, s in enumerate(model.layout.slots) if s.kind == "requests"]
    live: dict[int, list[tuple[object, int]]] = {k: [] for k in slots}
    messages: list[dict] = []

    def born(k: int, m: tuple, step: int) -> None:
        entry = _entry(model, k, m)
        entry.update(id=len(messages), sent=step, delivered=[], lost=None, fate="in flight")
        messages.append(entry)
        live[k].append((m, entry["id"]))

    for k in slots:
        for m in _contents(state[k]):
            born(k, m, 0)
    for n, a in enumerate(path[1:], start=1):
        label, nxt = model.labeled(state)[a]
        action = model.describe(label)
        handled = _handled(action)
        for k in slots:
            before, after = _contents(state[k]), _contents(nxt[k])
            gone, new = values.multiset_minus(before, after), values.multiset_minus(after, before)
            for m in gone:
                i = next(j for j, (v, _) in enumerate(live[k]) if v == m)
                _, mid = live[k].pop(i)
                entry = messages[mid]
                if handled is not None and (entry["to"], entry["text"].rsplit(" to ", 1)[0]) == handled \
                        and not entry["delivered"]:
                    entry["delivered"].append(n)
                    entry["fate"] = "delivered"
                    handled = None
                else:
                    entry["lost"] = n
                    entry["fate"] = "lost"
            for m in new:
                born(k, m, n)
        if handled is not None:          # a duplicating network: a copy is delivered, the message stays
            for k in slots:
                match = [mid for _, mid in live[k] if (messages[mid]["to"], _untargeted(messages[mid])) == handled]
                if match:
                    messages[match[0]]["delivered"].append(n)
                    messages[match[0]]["fate"] = "delivered"
                    break
        state = nxt
    return {"nodes": [model.node_name(node.gid) for node in program.nodes], "clients": clients,
            "messages": messages}


def watched(model: Model, name: str) -> list[str]:
    """The names of the state rows (`Model.flat`) that invariant `name` reads, in layout
    order; [] for another property."""
    inv = next((i for i in model.invariants if i.prop.name == name and i.prop.kind == kinds.INVARIANT.name), None)
    if inv is None:
        return []
    return [model._slot_name(model.layout.slots[k]) for k in inv.slots]  # noqa: SLF001 - the rows' own names


def _untargeted(entry: dict) -> str:
    return entry["text"].rsplit(" to ", 1)[0]


def _handled(action: dict) -> tuple[str, str] | None:
    """(receiver, message text as the trace shows it without `to`) of a step that handles
    a message or a client request; None for any other step."""
    if action["kind"] == "receive":
        return action["actor"], action["message"]
    if action["kind"] == "request":
        return action["actor"], action["message"]
    return None


def _entry(model: Model, k: int, m: tuple) -> dict:
    slot = model.layout.slots[k]
    if slot.kind == "requests":
        node = model.node_name(slot.node)
        call = model._client_text.call(m[2], m[3])  # noqa: SLF001 - the model's own wording of a call
        return {"kind": "request", "label": f"#{m[1] + 1} {call}", "from": f"client[{m[0]}]", "to": node,
                "text": f"request #{m[1] + 1} {model._client_text.request(m)} to {node}"}  # noqa: SLF001
    text = model._slot_message_text(k, m)  # noqa: SLF001 - the model's own wording of a message
    if slot.kind == "link":
        src, dst = slot.node, slot.peer
    else:
        src, dst = m[1], slot.node
    body = text.rsplit(" from ", 1)[0]
    return {"kind": "message", "label": body, "from": model.node_name(src), "to": model.node_name(dst),
            "text": text}


def _contents(v: Iterable) -> list:
    """The messages or requests in a network slot, in order (a multiset in canonical order)."""
    if isinstance(v, frozenset):
        return list(values.ordered(v))
    return list(v)

