"""A trace as a Graphviz sequence diagram, and what it shares with the SVG one
(render/sequence_svg.py). Pure: data in (a Trace, its message traffic from
traces/traffic.py, the PropertyResult it breaks), DOT text out (through render/dot.py).

Layout: a header row naming the lanes (`network` when the trace has network faults, then one
lane per node, then one per client); one row (rank) per step, time flowing down, the step
number in a left column; a last row `end`. A step's actor gets a box on its lane with the
action and the values it changed there; the other lanes pass through as lines. A lane's
line between two rows is dotted grey while the node is down, dashed orange while it is
paused, and red while a cut link or partition involves it. Arrows:

- a message or client request: from the step that sent it to the step that delivered it,
  labelled with the message and its fields (requests in blue);
- a reply: from the replying node to the client, on the step that replied, with the value;
  blue, but red for the reply a history check's violation is about and amber for the
  earlier operation's reply it contradicts (`culprits`);
- a lost message: red and dashed, ending in a bar on the receiver's lane at the step that
  dropped it; one still in flight at the end: grey and dashed, ending in a circle on the
  `end` row.

The step that breaks the property is filled red and the graph's caption says, in words,
what is wrong; a liveness counterexample's continuation, loop (an arrow back to the state it
returns to) or dead end is marked in the step column.
"""

from __future__ import annotations

import re

from checker.props import kinds
from checker.render import text as text_render
from checker.render.dot import Graph, write
from checker.result import PropertyResult, Trace

NET = "network"
TIME = "time"           # the lane of real time's ticks, in a spec with clocks
_NET_KINDS = ("partition", "cut", "heal", "lose", "duplicate")
RED, BLUE, GREY, ORANGE, PURPLE = "#c0392b", "#1f5fbf", "#888888", "#d68910", "#7d3c98"
AMBER = "#b9770e"       # the earlier operation a violation contradicts


def lanes_of(trace: Trace, flow: dict) -> list[str]:
    """The diagram's lanes, left to right: `network` when the trace has network faults or
    a lost message, `time` when it has ticks, then every node, then every client."""
    has_net = any(s.action["kind"] in _NET_KINDS for s in trace.steps) or any(
        m["fate"] == "lost" for m in flow["messages"])
    has_time = any(s.action["kind"] == "tick" for s in trace.steps)
    return ([NET] if has_net else []) + ([TIME] if has_time else []) + list(flow["nodes"]) + list(flow["clients"])


def reply_colour(n: int, step, reply: dict, trace: Trace, prop: PropertyResult | None) -> str:
    """RED for a reply the violation is about (the read or response a history check cannot
    explain), AMBER for one it contradicts, BLUE for every other reply."""
    offending, contradicted = culprits(trace, prop)
    who = (reply["client"], reply["request"])
    if who in offending or (not offending and prop is not None and prop.kind == kinds.LINEARIZABLE.name
                            and n == len(trace.steps) - 1 and reply is step.action["replies"][-1]):
        return RED
    return AMBER if who in contradicted else BLUE


def sequence_dot(trace: Trace, flow: dict, prop: PropertyResult | None = None, title: str = "") -> str:
    """The DOT text of `trace`'s sequence diagram; `flow` is `traffic(model, trace.path)`, with
    `watched` (optional) the state rows an invariant reads;
    `prop`, when given, is the violated property whose counterexample this is."""
    last = len(trace.steps) - 1
    lanes = lanes_of(trace, flow)
    ids = {lane: f"l{k}" for k, lane in enumerate(lanes)}
    rows = [str(n) for n in range(last + 1)] + ["end"]

    g = Graph("trace", {"rankdir": "TB", "newrank": True, "nodesep": "0.6", "ranksep": "0.35",
                        "splines": "line", "forcelabels": True,
                        "fontname": "Helvetica", "labelloc": "t", "labeljust": "l"})
    g.defaults = {"node": {"fontname": "Helvetica", "fontsize": "10"},
                  "edge": {"fontname": "Helvetica", "fontsize": "9"}}
    g.attrs["label"] = "\n".join([caption(trace, prop, title, flow.get("watched", ()))] + legend_lines(trace, lanes))

    def cell(lane: str, row: str) -> str:
        return f"{ids[lane]}_{row}"

    head = g.subgraph("head", rank="same")
    head.node("h_step", label="step", shape="plaintext")
    for lane in lanes:
        head.node(f"h_{ids[lane]}", label=lane, shape="box", style="filled,rounded",
                  fillcolor="#eeeeee" if lane in (NET, TIME) else ("#d6eaf8" if lane.startswith("client[") else "#fdebd0"))
    _chain(head, ["h_step"] + [f"h_{ids[lane]}" for lane in lanes])

    bad = last if prop is not None else None
    joined = {frozenset((cell(actor_of(step), rows[n]), cell(r["client"], rows[n])))  # type: ignore[arg-type]
              for n, step in enumerate(trace.steps) for r in step.action.get("replies", ())
              if actor_of(step) in ids and r["client"] in ids}
    for n, row in enumerate(rows):
        sub = g.subgraph(f"row{row}", rank="same")
        step = trace.steps[n] if n <= last else None
        sub.node(f"s_{row}", label=step_label(n, row, trace, prop), shape="plaintext",
                 fontcolor=RED if n == bad else None)
        actor = actor_of(step) if step is not None else None
        for lane in lanes:
            if lane == actor and step is not None:
                sub.node(cell(lane, row), label=box_label(step), shape="box", style="filled,rounded",
                         fillcolor="#f5b7b1" if n == bad else fill_of(step.action["kind"]),
                         color=RED if n == bad else None, penwidth="2" if n == bad else None)
            else:
                sub.node(cell(lane, row), label="", shape="point", width="0.04", color=GREY)
        _chain(sub, [f"s_{row}"] + [cell(lane, row) for lane in lanes], joined)

    for lane in lanes:
        g.edge(f"h_{ids[lane]}", cell(lane, rows[0]), arrowhead="none", weight="100", color=GREY)
        for n in range(len(rows) - 1):
            g.edge(cell(lane, rows[n]), cell(lane, rows[n + 1]), arrowhead="none", weight="100",
                   **segment_look(lane, trace.steps[n].state))
    g.edge("h_step", "s_0", style="invis", weight="100")
    for n in range(len(rows) - 1):
        g.edge(f"s_{rows[n]}", f"s_{rows[n + 1]}", style="invis", weight="100")

    for m in flow["messages"]:
        _message_edges(g, m, cell, rows)
    for n, step in enumerate(trace.steps):
        actor = actor_of(step)
        for r in step.action.get("replies", ()):
            if actor in ids and r["client"] in ids:
                colour = reply_colour(n, step, r, trace, prop)
                g.edge(cell(actor, rows[n]), cell(r["client"], rows[n]), constraint="false",
                       xlabel=f"reply #{r['request']}: {r['result']}" + (" (contradicted)" if colour == AMBER else ""),
                       color=colour, fontcolor=colour, penwidth="2" if colour != BLUE else None)
    if prop is not None and prop.lasso is not None and prop.lasso.loop is not None:
        g.edge(f"s_{rows[last]}", f"s_{rows[prop.lasso.loop]}", constraint="false", color=PURPLE,
               fontcolor=PURPLE, style="bold", tailport="w", headport="w",
               xlabel=f"back to the state after step {prop.lasso.loop}")
    return write(g)


def culprits(trace: Trace, prop: PropertyResult | None) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    """The (client, request) pairs a history check's counterexample names (`violated` in the
    last state): the operations whose result cannot be explained (the read, the response),
    and the earlier ones that result contradicts."""
    if prop is None:
        return set(), set()
    found = trace.steps[-1].state.get("violated", {}).get(prop.kind) or {}
    offending = [v for k, v in found.items() if k in ("read", "response")]
    contradicted = [v for k, v in found.items() if k in ("contradicts", "shows", "seen_by")]
    return ({(v["client"], v["request"]) for v in _flat(offending)},
            {(v["client"], v["request"]) for v in _flat(contradicted)})


def _flat(items: list) -> list[dict]:
    """Lists (linearizability's `contradicts`) spliced into the list they are in."""
    return [x for item in items for x in (item if isinstance(item, list) else [item])]


def legend_lines(trace: Trace, lanes: list[str]) -> list[str]:
    """A line saying what the lane styles that this diagram uses mean."""
    looks = [segment_look(lane, step.state) for step in trace.steps for lane in lanes]
    words = [w for style, w in (("dotted", "dotted grey: down"), ("dashed", "dashed orange: paused"))
             if any(x.get("style") == style and x["color"] != RED for x in looks)]
    if any(x["color"] == RED for x in looks):
        words.insert(0, "red: cut off by a partition or cut link")
    return ["(lanes: " + "; ".join(words) + ")"] if words else []


def _chain(graph: Graph, nodes: list[str], joined: frozenset | set = frozenset()) -> None:
    """Invisible edges that keep a row's nodes in lane order, left to right; none between
    two nodes a visible edge `joined` already (dot would bend the visible one around it)."""
    for a, b in zip(nodes, nodes[1:]):
        if frozenset((a, b)) not in joined:
            graph.edge(a, b, style="invis")


def actor_of(step) -> str | None:
    a = step.action
    if a["kind"] == "init":
        return None
    if a["kind"] == "tick":
        return TIME
    return a["actor"] if a["actor"] is not None else NET


def fill_of(kind: str) -> str:
    if kind in ("crash", "pause", "lose", "partition", "cut"):
        return "#fadbd8"
    if kind in ("restart", "resume", "heal"):
        return "#d5f5e3"
    if kind in ("timeout", "action"):
        return "#fcf3cf"
    return "#ffffff"


def box_label(step) -> str:
    """What the actor did (its action without the actor's name) and what changed on it."""
    a = step.action
    text = a["action"]
    if a["actor"] is not None and text.startswith(a["actor"] + ": "):
        text = text[len(a["actor"]) + 2:]
    elif text.startswith(("network: ", "time: ")):
        text = text.split(": ", 1)[1]
    lines = [text]
    own = f"{a['actor']}." if a["actor"] else None
    for c in step.changes:
        if own and c.startswith(own):
            lines.append(c[len(own):])
        elif a["kind"] == "tick":
            lines.append(c)            # real time and the clocks
        elif a["kind"] in ("action", "timeout", "receive", "request") and not c.startswith(("+ ", "- ")) \
                and "." not in c.split(":", 1)[0] and not c.startswith("client["):
            lines.append(c)            # addresses (a failover's `take vip`), clients
    return "\n".join(lines)


def segment_look(lane: str, state: dict) -> dict:
    """How a lane's line looks from a row to the next: after the row's step, is the node
    down, paused, or on a cut link?"""
    if lane in state.get("down", ()):
        return {"style": "dotted", "color": GREY, "penwidth": "2"}
    if lane in state.get("paused", ()):
        return {"style": "dashed", "color": ORANGE, "penwidth": "2"}
    cuts = state.get("cuts", ())
    if lane == NET and cuts:
        return {"color": RED, "penwidth": "2", "style": "dashed"}
    if any(re.search(rf"(?<![\w\[]){re.escape(lane)}(?![\w\]\[])", c) for c in cuts):
        return {"color": RED, "penwidth": "2"}
    return {"color": GREY}


def _message_edges(g: Graph, m: dict, cell, rows: list[str]) -> None:
    colour = BLUE if m["kind"] == "request" else "#000000"
    src = cell(m["from"], rows[m["sent"]])
    for n in m["delivered"]:
        g.edge(src, cell(m["to"], rows[n]), constraint="false", xlabel=m["label"], color=colour,
               fontcolor=colour)
    if m["fate"] == "lost":
        g.edge(src, cell(m["to"], rows[m["lost"]]), constraint="false", xlabel=f"{m['label']} (lost)",
               color=RED, fontcolor=RED, style="dashed", arrowhead="tee")
    elif m["fate"] == "in flight":
        g.edge(src, cell(m["to"], rows[-1]), constraint="false", xlabel=f"{m['label']} (in flight)",
               color=GREY, fontcolor=GREY, style="dashed", arrowhead="odot")


def step_label(n: int, row: str, trace: Trace, prop: PropertyResult | None) -> str:
    last = len(trace.steps) - 1
    if row == "end":
        if prop is not None and prop.lasso is not None and prop.lasso.ending == "dead end":
            return "end:\ndead end,\nnothing enabled"
        return "end"
    out = [f"step {n}"]
    lasso = prop.lasso if prop is not None else None
    if lasso is not None and n == lasso.start:
        out.append("from here:\nno faults,\nno new ops")
    if lasso is not None and lasso.loop is not None and n == lasso.loop + 1:
        out.append("loop starts")
    if prop is not None and n == last:
        out.append("VIOLATION" if lasso is None else "")
    return "\n".join(x for x in out if x)


def caption(trace: Trace, prop: PropertyResult | None, title: str, watched=()) -> str:
    """The diagram's caption: a title, then `caption_lines`."""
    return "\n".join(([title] if title else []) + caption_lines(trace, prop, watched))


def caption_lines(trace: Trace, prop: PropertyResult | None, watched=()) -> list[str]:
    """What the trace shows, in plain words (for an invariant, the values of `watched`, the
    rows it reads, in the last state)."""
    lines: list[str] = []
    if prop is None:
        lines.append(f"a trace of {trace.length} step{'s' if trace.length != 1 else ''}")
        return lines
    last = trace.steps[-1]
    n = len(trace.steps) - 1
    if prop.kind == kinds.INVARIANT.name:
        lines.append(f"invariant {prop.name} is false after step {n} ({last.action['action']})")
        lines += [f"why: {w}" if k == 0 else w for k, w in enumerate(text_render.why_lines(trace, prop.name))]
        values = [f"{name} = {value}" for name, value in last.rows if name in watched]
        for k in range(0, len(values), 4):
            lines.append(("the values it reads: " if k == 0 else "") + ", ".join(values[k:k + 4]))
        if last.changes:
            lines.append("that step changed: " + "; ".join(last.changes))
    elif kinds.of(prop.kind).watcher is not None:
        lines.append(f"check {prop.kind} is violated at step {n}")
        lines += _verdict_words(trace, prop.kind)
    elif prop.lasso is not None:
        named = "" if prop.name == prop.kind else f" ({prop.name})"
        lines.append(f"check {prop.kind}{named} is violated: {prop.lasso.subject}")
        if prop.lasso.ending == "loop":
            lines.append(f"with no more faults, steps {prop.lasso.loop + 1}-{n} repeat forever "  # type: ignore[operator]
                         f"(a fair run) and it never happens")
        elif prop.lasso.ending == "dead end":
            lines.append(f"after step {n} nothing is enabled, ever again")
        else:
            lines.append("the request is answered with an error")
    else:
        lines.append(f"{prop.kind} {prop.name} is violated at step {n}")
    return lines


def _verdict_words(trace: Trace, kind: str) -> list[str]:
    """The sentences text.py prints under a history check's counterexample, without the
    history itself (the diagram shows it)."""
    history = len(text_render.history_lines(trace, "    ")) + 1
    return [w.strip() for w in text_render.verdict_lines(trace, kind)[history:]]
