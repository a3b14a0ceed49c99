"""The HTML report (`capcheck check --report FILE.html`, `capcheck cap --report`): one
self-contained file, readable offline, with no request to any other file or host.

It holds the verdict table (each violated property linked to its counterexample), and for
every counterexample: what is wrong in words, the sequence diagram inline (the SVG
render/sequence_svg.py draws: no Graphviz needed), the replay command, and a step explorer. Selecting a step
in the list, or a box or lane point of that row in the diagram, shows the whole state after
it: every node's variables (with whether it is up, down or paused), the addresses, the
messages and requests in flight, the cut links, the fault budgets used, each client's
history so far, and what the step changed (highlighted). Without JavaScript every step's
state is shown one after another.

Pure: data in, text out. Every text that comes from a spec or a trace goes through
`html.escape`; the SVG is checked against an allowlist of elements and attributes before it
is inlined (`safe_svg`), so no spec can put markup or script into the page. The output is
deterministic: no timestamps, the same result gives the same bytes.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from checker.props import kinds
from checker.render.text import contradiction_lines, history_lines, path_text
from checker.result import Lasso, PropertyResult, Trace, Verdict


@dataclass(frozen=True)
class Counterexample:
    """One trace to show: `anchor` (its id in the page), `heading`, `words` (the caption
    sentences), the trace and its property (None for a run-time failure of the spec),
    `replay` (the command that replays it) and the diagram's `svg`."""

    anchor: str
    heading: str
    words: tuple[str, ...]
    trace: Trace
    prop: PropertyResult | None
    replay: str
    svg: str


@dataclass(frozen=True)
class Table:
    """A table: header cells and rows of cells; a cell is text, or (text, anchor) to link it
    to a counterexample of this page."""

    headers: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


def page(title: str, summary: tuple[str, ...], tables: tuple[tuple[str, Table], ...],
         notes: tuple[str, ...], counterexamples: tuple[Counterexample, ...]) -> str:
    """The whole report: `title`, `summary` lines under it, the captioned `tables`, `notes`
    (paragraphs), then every counterexample."""
    body = [f"<h1>{_e(title)}</h1>"]
    body += [f"<p class=\"summary\">{_e(line)}</p>" for line in summary]
    for caption, table in tables:
        body.append(_table(caption, table))
    body += [f"<p>{_e(note)}</p>" for note in notes]
    if counterexamples:
        body.append("<h2>Counterexamples</h2>")
        body += [_counterexample(cx) for cx in counterexamples]
    return document(title, _STYLE, "\n".join(body), _SCRIPT)


def document(title: str, style: str, body: str, script: str) -> str:
    """A self-contained HTML page: `title` (escaped here), the `style` sheet, the `body`
    markup and the `script`, all inline."""
    return (_HEAD.replace("@TITLE@", _e(title)) + style + "</style>\n</head>\n<body>\n" + body
            + "\n<script>\n" + script + "</script>\n</body>\n</html>\n")


def property_cells(p: PropertyResult, anchor: str | None) -> tuple[object, ...]:
    """A property's row of the verdict table: what, verdict, counterexample, note."""
    what = kinds.heading(p.kind, p.name)
    length = "-"
    if p.verdict is Verdict.VIOLATED and p.trace is not None:
        length = f"{p.trace.length} step{'s' if p.trace.length != 1 else ''}"
        if p.shrunk_from is not None:
            length += f" (shrunk from {p.shrunk_from})"
        if p.lasso is not None:
            length += f", ending in {'a loop' if p.lasso.ending == 'loop' else 'a ' + p.lasso.ending}"
    return (what, p.verdict.word, (length, anchor) if anchor and length != "-" else length, p.reason or "")


def safe_svg(svg: str) -> str:
    """The `<svg>` element of an SVG document (render/svg.py's), without its XML prolog, after
    checking that it holds only drawing elements and attributes (no script, no event
    handler, no link, no foreign content). Raises ValueError otherwise."""
    start = svg.find("<svg")
    if start < 0:
        raise ValueError("not an SVG document")
    element = svg[start:]
    root = ET.fromstring(element)
    for node in root.iter():
        tag = node.tag.rsplit("}", 1)[-1]
        if tag not in _SVG_TAGS:
            raise ValueError(f"unexpected SVG element <{tag}>")
        for name in node.attrib:
            local = name.rsplit("}", 1)[-1]
            if local not in _SVG_ATTRS:
                raise ValueError(f"unexpected SVG attribute '{local}' on <{tag}>")
    return re.sub(r"<!--.*?-->", "", element, flags=re.S).strip()


_SVG_TAGS = frozenset({"svg", "g", "title", "polygon", "polyline", "path", "ellipse", "text", "defs", "rect", "line",
                       "circle"})
_SVG_ATTRS = frozenset({
    "width", "height", "viewBox", "id", "class", "transform", "fill", "stroke", "stroke-width",
    "stroke-dasharray", "points", "d", "cx", "cy", "rx", "ry", "x", "y", "text-anchor", "font-family",
    "font-size", "font-weight", "font-style", "version", "preserveAspectRatio", "x1", "y1", "x2", "y2", "r",
    "fill-opacity", "stroke-linecap",
})


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table(caption: str, table: Table) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in table.headers)
    rows = []
    for row in table.rows:
        cells = []
        for cell in row:
            if isinstance(cell, tuple):
                text, anchor = cell
                cells.append(f"<td><a href=\"#{_e(anchor)}\">{_e(text)}</a></td>")
            else:
                cells.append(f"<td class=\"{_e(_verdict_class(cell))}\">{_e(cell)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<table><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _verdict_class(cell: object) -> str:
    return {"violated": "bad", "holds": "good", "unknown": "unknown"}.get(str(cell), "")


def _counterexample(cx: Counterexample) -> str:
    out = [f"<section class=\"cx\" id=\"{_e(cx.anchor)}\">", f"<h3>{_e(cx.heading)}</h3>"]
    if cx.prop is not None and cx.prop.kind != kinds.INVARIANT.name:
        out.append(f"<p class=\"asks\">It asks that {_e(kinds.of(cx.prop.kind).meaning)}.</p>")
    out += [f"<p class=\"words\">{_e(w)}</p>" for w in cx.words]
    out.append(f"<p>replay: <code>{_e(cx.replay)}</code> (path <code>{_e(path_text(cx.trace))}</code>)</p>")
    out.append(f"<div class=\"diagram\">{safe_svg(cx.svg)}</div>")
    out.append(_explorer(cx))
    out.append("</section>")
    return "\n".join(out)


def _explorer(cx: Counterexample) -> str:
    """The step list and, for each step, the state after it."""
    trace, lasso = cx.trace, cx.prop.lasso if cx.prop is not None else None
    last = len(trace.steps) - 1
    items, panels = [], []
    for n, step in enumerate(trace.steps):
        marks = _marks(n, last, lasso, cx.prop is not None)
        mark = f" <span class=\"mark\">{_e(marks)}</span>" if marks else ""
        bad = " bad" if n == last and cx.prop is not None else ""
        items.append(f"<li><button type=\"button\" class=\"step{bad}\" data-step=\"{n}\">"
                     f"<span class=\"n\">{n}</span> {_e(step.action['action'])}{mark}</button></li>")
        panels.append(_panel(trace, n))
    return ("<div class=\"explorer\"><ol class=\"steps\">" + "".join(items) + "</ol>"
            "<div class=\"states\">" + "".join(panels) + "</div></div>")


def _marks(n: int, last: int, lasso: Lasso | None, violation: bool) -> str:
    words = []
    if lasso is not None and n == lasso.start:
        words.append("from here on: no faults, no new operations")
    if lasso is not None and lasso.loop is not None and n == lasso.loop + 1:
        words.append("loop starts")
    if n == last and violation:
        if lasso is None:
            words.append("violation")
        elif lasso.ending == "loop":
            words.append(f"returns to the state after step {lasso.loop}")
        else:
            words.append(lasso.ending)
    return "; ".join(words)


def _panel(trace: Trace, n: int) -> str:
    step = trace.steps[n]
    before = dict(trace.steps[n - 1].rows) if n > 0 else {}
    state = step.state
    nodes = list(state.get("nodes", {}))
    out = [f"<div class=\"state\" data-step=\"{n}\"><h4>after step {n}: {_e(step.action['action'])}</h4>"]
    said = [f"reply to {r['client']}#{r['request']}: {r['result']}" for r in step.action.get("replies", ())]
    said += list(step.changes)
    if said:
        out.append("<ul class=\"changes\">" + "".join(f"<li>{_e(c)}</li>" for c in said) + "</ul>")
    out.append(_nodes_table(step.rows, nodes, state, before))
    others = [(name, value) for name, value in step.rows if not any(name.startswith(f"{x}.") for x in nodes)]
    if others:
        out.append("<table class=\"rows\"><tbody>" + "".join(
            f"<tr{_changed(name, value, before)}><th>{_e(name)}</th><td>{_e(value)}</td></tr>"
            for name, value in others) + "</tbody></table>")
    flight = state.get("network", [])
    if flight:
        out.append("<p><b>in flight:</b></p><ul>" + "".join(f"<li>{_e(m)}</li>" for m in flight) + "</ul>")
    else:
        out.append("<p><b>in flight:</b> nothing</p>")
    history = history_lines(Trace(trace.steps[:n + 1]), "")
    if history:
        out.append("<p><b>history so far:</b></p><ul>" + "".join(f"<li>{_e(h)}</li>" for h in history) + "</ul>")
    found = state.get("violated", {}).get(kinds.LINEARIZABLE.name)
    if found:
        out.append("<p class=\"bad\">" + "<br>".join(_e(w.strip()) for w in contradiction_lines(
            Trace(trace.steps[:n + 1]), found)) + "</p>")
    out.append("</div>")
    return "".join(out)


def _nodes_table(rows, nodes: list[str], state: dict, before: dict) -> str:
    """One row per node: whether it is up, then its variables."""
    columns: list[str] = []
    cells: dict[tuple[str, str], tuple[str, str]] = {}
    for name, value in rows:
        node = next((x for x in nodes if name.startswith(f"{x}.")), None)
        if node is not None:
            var = name[len(node) + 1:]
            if var not in columns:
                columns.append(var)
            cells[(node, var)] = (name, value)
    head = "<th>node</th><th>status</th>" + "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = []
    for node in nodes:
        status = "down" if node in state.get("down", ()) else "paused" if node in state.get("paused", ()) else "up"
        tds = "".join(
            f"<td{_changed(*cells[(node, c)], before)}>{_e(cells[(node, c)][1])}</td>" if (node, c) in cells
            else "<td></td>" for c in columns)
        body.append(f"<tr><th>{_e(node)}</th><td class=\"{'good' if status == 'up' else 'bad'}\">{status}</td>{tds}</tr>")
    return f"<table class=\"nodes\"><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _changed(name: str, value: str, before: dict) -> str:
    return " class=\"changed\"" if before and before.get(name) != value else ""


_HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="capcheck">
<title>@TITLE@</title>
<style>
"""

_STYLE = """body { font-family: Helvetica, Arial, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { margin-top: 2em; } h3 { border-top: 1px solid #ccc; padding-top: 1em; }
table { border-collapse: collapse; margin: 0.8em 0; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.3em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
thead th { background: #f2f2f2; }
.bad { color: #c0392b; } .good { color: #1e8449; } .unknown { color: #b9770e; }
.words { margin: 0.2em 0; }
.diagram { overflow-x: auto; border: 1px solid #eee; margin: 1em 0; }
.diagram svg { max-width: 100%; height: auto; }
.diagram g.node { cursor: pointer; }
.explorer { display: flex; gap: 1.5em; align-items: flex-start; }
.steps { list-style: none; padding: 0; margin: 0; min-width: 22em; max-width: 34em; }
.steps button { display: block; width: 100%; text-align: left; font: inherit; font-size: 0.9em;
  background: none; border: 1px solid transparent; padding: 0.2em 0.4em; cursor: pointer; }
.steps button:hover { background: #f4f6f7; }
.steps button.active { background: #d6eaf8; border-color: #1f5fbf; }
.steps .n { display: inline-block; min-width: 2em; color: #888; }
.steps .mark { color: #7d3c98; font-style: italic; }
.state { flex: 1; border-left: 3px solid #d6eaf8; padding-left: 1em; margin-bottom: 1em; }
.js .state { display: none; } .js .state.active { display: block; }
.changed { background: #fcf3cf; }
.changes li { font-family: monospace; }
"""

# Shows one step's state per counterexample; marks the chosen step in the list and lets a
# click on a diagram row (node titles such as l2_5 or s_5) choose that step.
_SCRIPT = """document.documentElement.classList.add('js');
document.querySelectorAll('section.cx').forEach(function (cx) {
  var buttons = cx.querySelectorAll('.steps button');
  var states = cx.querySelectorAll('.state');
  function show(n) {
    buttons.forEach(function (b) { b.classList.toggle('active', b.dataset.step === String(n)); });
    states.forEach(function (s) { s.classList.toggle('active', s.dataset.step === String(n)); });
  }
  buttons.forEach(function (b) { b.addEventListener('click', function () { show(b.dataset.step); }); });
  cx.querySelectorAll('.diagram g.node').forEach(function (g) {
    var title = g.querySelector('title');
    var m = title && /_(\\d+)$/.exec(title.textContent);
    if (m && cx.querySelector('.state[data-step="' + m[1] + '"]')) {
      g.addEventListener('click', function () { show(m[1]); });
    }
  });
  show(buttons.length - 1);
});
"""
