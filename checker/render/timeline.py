"""The history timeline (`capcheck history FILE --report FILE.html`): one offline HTML file
that draws a recorded history the way users of Porcupine's visualisation know it.

Pure: a History, the offline checker's LinearizabilityResult and (optionally) the
`--explain` Explanation in, HTML text out. Deterministic: no timestamps, values shown in
the history's own notation, every text escaped.

For each part of the history (each key of a key-value history; the whole history
otherwise) a section holds an SVG picture:

- a time axis along the top: the history's event positions as recorded (line numbers,
  indices or timestamps), each distinct position one step to the right, so long pauses do
  not squeeze the operations;
- one row per process, in order of its first call; each operation a bar from its call to
  its response (an indeterminate one runs to the end of the axis, faded, ending in `?`),
  labelled with the call and its result, clipped to the bar;
- the longest linearizable prefix the checker found (for a linearizable part: the whole
  linearization): those bars are green and numbered in linearization order, with a dot at
  a linearization point inside each and a line joining the points in order; the operation
  that cannot be placed after the prefix is red, with why;
- with `--explain`, the operations of the explanation's core outlined in orange (the one
  answered last in red).

Each bar's `<title>` (the tooltip) and the panel under the picture (on hover or focus, with
JavaScript) give the operation, its lines in the file, its place in the linearization and
the object's state before and after it there.
"""

from __future__ import annotations

import html

from checker.history.notation import show
from checker.history.read import History
from checker.props.operations import LinearizabilityResult, Operation, PartResult
from checker.render.history import WORDS, describe, summary
from checker.render.html import document
from checker.render.svg import Svg, text_width
from checker.result import Verdict

ROW, BAR, LEFT, TOP, SIZE = 30.0, 20.0, 12.0, 44.0, 11.0
GREEN, RED, GREY, ORANGE, BLUE = "#27ae60", "#c0392b", "#95a5a6", "#e67e22", "#1f5fbf"


def page(history: History, result: LinearizabilityResult, explanation=None) -> str:
    """The whole HTML page (see the module docstring)."""
    core = set(explanation.core) if explanation is not None and explanation.status == "explained" else set()
    last = explanation.contradicted if core else None
    body = [f"<h1>{_e(history.path)}</h1>", f"<p>{_e(summary(history))}</p>",
            f"<p class=\"verdict {_cls(result.verdict)}\">{_e(WORDS[result.verdict])}</p>", _legend(bool(core))]
    for k, part in enumerate(result.parts):
        body.append(_section(history, part, k, core, last))
    if not result.parts:
        body.append("<p>No operations to draw.</p>")
    return document(f"capcheck history {history.path}", _STYLE, "\n".join(body), _SCRIPT)


def explanation_svg(history: History, result: LinearizabilityResult, explanation) -> str:
    """The SVG document of the timeline of the part `explanation` (an 'explained' one)
    explains, its core outlined: what `history --explain --render FILE.svg` writes."""
    part = next(p for p in result.parts if p.part == explanation.part and p.verdict is Verdict.VIOLATED)
    svg, _ = _picture(history, part, 0, set(explanation.core), explanation.contradicted)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _cls(verdict: Verdict) -> str:
    return {Verdict.VIOLATED: "bad", Verdict.HOLDS: "good"}.get(verdict, "unknown")


def _legend(explained: bool) -> str:
    items = [(GREEN, "in the longest linearizable prefix (numbered in linearization order; dots: "
                     "linearization points)"),
             (RED, "cannot be placed after that prefix"), (GREY, "not in the prefix")]
    if explained:
        items.append((ORANGE, "in the explanation (--explain): these cannot all have their results"))
    return "<ul class=\"legend\">" + "".join(
        f"<li><span class=\"swatch\" style=\"background:{c}\"></span>{_e(t)}</li>" for c, t in items) + "</ul>"


def _section(history: History, part: PartResult, k: int, core: set[int], last: int | None) -> str:
    where = "the history" if part.part is None else f"key {show(part.part, history.notation)}"
    head = f"<h2>{_e(where)}: {_e(WORDS[part.verdict])}</h2>"
    words = []
    if part.verdict is not Verdict.HOLDS:
        words.append(f"The longest linearizable prefix has {len(part.prefix)} of the {len(part.operations)} "
                     f"operations.")
    if part.stuck is not None:
        words.append(f"After it, {describe(history.operations[part.stuck], history)} cannot be placed.")
    svg, details = _picture(history, part, k, core, last)
    panels = "".join(f"<pre class=\"op\" data-op=\"{_e(i)}\">{_e(text)}</pre>" for i, text in details)
    return (f"<section class=\"part\" id=\"part-{k}\">{head}" + "".join(f"<p>{_e(w)}</p>" for w in words)
            + f"<div class=\"timeline\">{svg}</div><div class=\"details\">{panels}</div></section>")


def _picture(history: History, part: PartResult, k: int, core: set[int], last: int | None
             ) -> tuple[str, list[tuple[int, str]]]:
    """The part's SVG (without the XML prolog) and the detail text of each operation."""
    ops = history.operations
    mine = list(part.operations)
    times = sorted({t for i in mine for t in (ops[i].call, ops[i].ret) if t is not None})
    rank = {t: n for n, t in enumerate(times)}
    unit = _unit(history, mine, rank)
    rows = _rows(history, mine)
    label_width = max([text_width(r[0], SIZE) for r in rows] + [40.0]) + 16
    x_of = {t: LEFT + label_width + (n + 0.5) * unit for n, t in enumerate(times)}
    end = LEFT + label_width + (len(times) + 1.5) * unit
    svg = Svg(end + 40, TOP + len(rows) * ROW + 20)
    svg.element("rect", x=0, y=0, width=svg.width, height=svg.height, fill="#ffffff")
    _axis(svg, times, x_of, end, len(rows))
    row_of = {i: n for n, (_, members) in enumerate(rows) for i in members}
    for n, (name, _) in enumerate(rows):
        svg.text(LEFT, TOP + n * ROW + ROW / 2 + 4, name, SIZE, fill="#333333")
    place = {i: j for j, i in enumerate(part.prefix)}
    points = _points([ops[i] for i in part.prefix], [row_of[i] for i in part.prefix], x_of, unit)
    if len(points) > 1:         # behind the bars
        svg.element("polyline", class_="linearization", points=" ".join(f"{x:.1f},{y:.1f}" for x, y in points),
                    fill="none", stroke=BLUE, stroke_width=1.2, stroke_opacity=0.7)
    details = []
    for i in mine:
        o = ops[i]
        x0, x1 = x_of[o.call] - unit / 3, (x_of[o.ret] + unit / 3) if o.ret is not None else end
        y = TOP + row_of[i] * ROW + (ROW - BAR) / 2
        text = _detail(history, part, i, place.get(i))
        details.append((i, text))
        _bar(svg, o, i, (x0, x1, y), text, _colours(i, place, part, core, last), place.get(i), history)
    if points:
        svg.open("g", class_="linearization", title="linearization points of the longest linearizable prefix")
        for x, y in points:
            svg.element("circle", cx=x, cy=y, r=3, fill=BLUE)
        svg.close()
    return svg.write().split("\n", 1)[1], details


def _unit(history: History, mine: list[int], rank: dict) -> float:
    """The width of one step of the time axis: enough for every determinate operation's
    label to fit in its bar, between 18 and 90 px, and less where that would make the
    axis wider than about 6,000 px (labels are then clipped; the tooltips say it all)."""
    need = 18.0
    for i in mine:
        o = history.operations[i]
        if o.ret is not None:
            span = rank[o.ret] - rank[o.call] + 2 / 3
            need = max(need, (text_width("99. " + describe(o, history), SIZE - 1) + 10) / span)
    return min(need, 90.0, max(18.0, 6000.0 / max(len(rank), 1)))


def _rows(history: History, mine: list[int]) -> list[tuple[str, list[int]]]:
    """One row per process in order of its first call; a process whose operations overlap
    (an indeterminate one, then another) gets a row for each overlapping one."""
    ops = history.operations
    rows: list[tuple[str, list[int]]] = []
    ends: list[float] = []
    for i in sorted(mine, key=lambda j: (ops[j].call, j)):
        name = f"process {show(ops[i].process, history.notation)}"
        free = next((n for n, (r, _) in enumerate(rows) if r == name and ends[n] < ops[i].call), None)
        if free is None:
            rows.append((name, []))
            ends.append(float("-inf"))
            free = len(rows) - 1
        rows[free][1].append(i)
        ret = ops[i].ret
        ends[free] = ret if ret is not None else float("inf")
    order = list(dict.fromkeys(name for name, _ in rows))
    return sorted(rows, key=lambda r: order.index(r[0]))


def _axis(svg: Svg, times: list, x_of: dict, end: float, rows: int) -> None:
    svg.open("g", class_="axis")
    svg.element("line", x1=x_of[times[0]] if times else 0, y1=TOP - 14, x2=end, y2=TOP - 14, stroke="#555555")
    svg.text(end + 4, TOP - 10, "time", SIZE - 1, fill="#555555")
    step = max(1, round(60 / max(x_of[times[1]] - x_of[times[0]], 1))) if len(times) > 1 else 1
    for n, t in enumerate(times):
        x = x_of[t]
        svg.element("line", x1=x, y1=TOP - 17, x2=x, y2=TOP - 11, stroke="#555555")
        svg.element("line", x1=x, y1=TOP - 8, x2=x, y2=TOP + rows * ROW, stroke="#f0f0f0")
        if n % step == 0:
            svg.text(x, TOP - 21, str(t), SIZE - 2, "middle", fill="#555555")
    svg.close()


def _colours(i: int, place: dict, part: PartResult, core: set[int], last: int | None) -> tuple[str, str, float]:
    """(fill, outline, outline width) of operation `i`'s bar."""
    fill = GREEN if i in place else RED if i == part.stuck else GREY
    if i in core:
        return fill, RED if i == last else ORANGE, 3.0
    return fill, "#333333" if i in place or i == part.stuck else "#7f8c8d", 1.0


def _bar(svg: Svg, o: Operation, i: int, box: tuple[float, float, float], text: str,
         colours: tuple[str, str, float], order: int | None, history: History) -> None:
    x0, x1, y = box
    fill, stroke, width = colours
    svg.open("g", title=text, class_="op" + (" core" if width > 1 else ""), id=f"op{i}", tabindex=0)
    svg.element("rect", x=x0, y=y, width=max(x1 - x0, 4), height=BAR, rx=4, fill=fill,
                fill_opacity=0.35 if o.ret is None else 0.8, stroke=stroke, stroke_width=width,
                stroke_dasharray="4,3" if o.ret is None else None)
    label = (f"{order + 1}. " if order is not None else "") + describe(o, history)
    svg.text(x0 + 4, y + BAR / 2 + 4, _clip(label, x1 - x0 - 8), SIZE - 1, fill="#111111")
    svg.close()


def _clip(text: str, width: float) -> str:
    """`text`, cut with an ellipsis to fit in `width` px (empty when nothing fits)."""
    if text_width(text, SIZE - 1) <= width:
        return text
    while text and text_width(text + "…", SIZE - 1) > width:
        text = text[:-1]
    return text + "…" if text else ""


def _points(prefix: list[Operation], rows: list[int], x_of: dict, unit: float) -> list[tuple[float, float]]:
    """A linearization point in each operation of the prefix (in linearization order, on
    the top edge of its bar): the first moment after its call and the previous point,
    within its interval."""
    ops_points = []
    previous = float("-inf")
    for o, row in zip(prefix, rows):
        x = max(x_of[o.call], previous + unit / 4)
        if o.ret is not None:
            x = min(x, x_of[o.ret])
        previous = x
        ops_points.append((x, TOP + row * ROW + (ROW - BAR) / 2))
    return ops_points


def _detail(history: History, part: PartResult, i: int, order: int | None) -> str:
    """What the tooltip and the panel say of operation `i`."""
    o = history.operations[i]
    lines = [f"process {show(o.process, history.notation)}: {describe(o, history)}", _lines_of(o)]
    if order is None:
        lines.append("cannot be placed after the longest linearizable prefix" if i == part.stuck
                     else "not in the longest linearizable prefix")
        if i == part.stuck:
            lines.append(f"state there: {show(_before(history, part, len(part.prefix)), history.notation)}")
        return "\n".join(lines)
    lines.append(f"linearized {order + 1} of {len(part.prefix)}")
    lines.append(f"state before: {show(_before(history, part, order), history.notation)}")
    lines.append(f"state after: {show(part.states[order], history.notation)}")
    return "\n".join(lines)


def _before(history: History, part: PartResult, order: int) -> object:
    if order > 0:
        return part.states[order - 1]
    assert history.spec is not None  # a history with a verdict was checked against a spec
    spec = history.spec.part_spec if part.part is not None else history.spec
    return spec.initial()


def _lines_of(o: Operation) -> str:
    call = o.call_at.line if o.call_at else "?"
    if o.ret_at is None:
        return f"called at line {call}, no response"
    return f"called at line {call}, returned at line {o.ret_at.line}"


_STYLE = """body { font-family: Helvetica, Arial, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
.bad { color: #c0392b; } .good { color: #1e8449; } .unknown { color: #b9770e; }
.verdict { font-weight: bold; }
.legend { list-style: none; padding: 0; } .legend li { margin: 0.15em 0; }
.swatch { display: inline-block; width: 1.4em; height: 0.8em; margin-right: 0.5em; opacity: 0.8; }
.timeline { overflow-x: auto; border: 1px solid #eee; }
.timeline g.op { cursor: pointer; } .timeline g.op:hover rect, .timeline g.op:focus rect { stroke-width: 3; }
.details pre { background: #f8f9f9; border-left: 3px solid #1f5fbf; padding: 0.4em 0.8em; margin: 0.5em 0; }
.js .details pre { display: none; } .js .details pre.active { display: block; }
"""

# Hovering or focusing a bar shows its panel (state before and after) under the picture.
_SCRIPT = """document.documentElement.classList.add('js');
document.querySelectorAll('section.part').forEach(function (part) {
  var panels = part.querySelectorAll('.details pre');
  function show(id) {
    panels.forEach(function (p) { p.classList.toggle('active', 'op' + p.dataset.op === id); });
  }
  part.querySelectorAll('g.op').forEach(function (g) {
    g.addEventListener('mouseenter', function () { show(g.id); });
    g.addEventListener('focus', function () { show(g.id); });
  });
});
"""
