"""A trace's sequence diagram drawn as SVG by capcheck itself: no layout engine, no
Graphviz. Pure: the same data as render/sequence.py's DOT (a Trace, its traffic, the
PropertyResult it breaks) in, SVG text out (through render/svg.py).

The diagram is a grid. Columns: the step labels, then one lane per node and per client
(`sequence.lanes_of`); rows: a header naming the lanes, one row per step, a last row `end`.
Every size comes from the text it must hold, so nothing overlaps by construction:

- a lane's column is as wide as its widest box (a step's action and the values it changed,
  drawn centred on the lane), so a box never reaches a neighbouring lane;
- between two lanes is a gap, and every arrow label sits in a gap, never on a lane or a
  box: each label goes to the first gap along its arrow where it collides with no label
  placed before it, on the arrow, and each gap is widened to hold the labels put in it;
- a row is as tall as its tallest box.

Colours: requests blue, messages black, replies blue, a lost message red and dashed (a bar
where it was dropped), one still in flight grey and dashed (a circle on the `end` row). The
violating step's row is shaded red and its box outlined; the reply the violation is about is
red, and the earlier operation it contradicts is amber with a dashed amber line joining the
two replies, labelled `contradicts`. Lanes are dotted grey while a node is down, dashed
orange while paused, red while cut off. Boxes and step labels are `<g class="node">` groups
titled like the DOT node ids (`l2_5`, `s_5`), which the HTML report uses to select a step.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.render import sequence as seq
from checker.render.svg import Svg, text_width
from checker.result import PropertyResult, Trace

BOX_SIZE, LABEL_SIZE, HEAD_SIZE, CAPTION_SIZE = 11.0, 10.0, 12.0, 12.0
LINE = 14.0                # a text line's height in a box
PAD_X, PAD_Y = 8.0, 5.0    # inside a box
ROW_GAP = 30.0             # free space above and below a row's boxes
MIN_GAP = 36.0             # between two lanes
MARGIN = 16.0
HEAD_HEIGHT = 26.0
_DASH = {"dotted": "2,3", "dashed": "6,4"}


@dataclass
class _Arrow:
    lanes: tuple[int, int]         # from, to (lane indexes)
    rows: tuple[int, int]          # from, to (row indexes; the `end` row is len(steps))
    label: str
    colour: str
    dashed: bool = False
    head: str = "arrow"            # arrow, tee (a lost message), circle (in flight)
    width: float = 1.2


def sequence_svg(trace: Trace, flow: dict, prop: PropertyResult | None = None, title: str = "") -> str:
    """The SVG text of `trace`'s sequence diagram (see the module docstring); `flow` is
    `traffic(model, trace.path)`, with `watched` (optional) the state rows an invariant reads."""
    return _Drawing(trace, flow, prop, title).draw()


class _Drawing:
    """The grid's sizes, computed once from the texts, then the drawing."""

    def __init__(self, trace: Trace, flow: dict, prop: PropertyResult | None, title: str) -> None:
        self.trace, self.prop = trace, prop
        self.lanes = seq.lanes_of(trace, flow)
        self.index = {lane: k for k, lane in enumerate(self.lanes)}
        self.last = len(trace.steps) - 1
        self.bad = self.last if prop is not None else None
        self.caption = seq.caption(trace, prop, title, flow.get("watched", ())).split("\n") \
            + seq.legend_lines(trace, self.lanes)
        self.boxes = {n: (self.index[a], seq.box_label(s).split("\n")) for n, s in enumerate(trace.steps)
                      if (a := seq.actor_of(s)) in self.index}
        self.steps = [seq.step_label(n, str(n) if n <= self.last else "end", trace, prop).split("\n")
                      for n in range(self.last + 2)]
        self.arrows = _arrows(trace, flow, prop, self.index)
        self._columns()
        self._rows()
        self.placed: list[tuple[float, float, float, float]] = []
        for _ in range(4):          # placing labels widens gaps, which moves arrows: until stable
            self.placed = self._level_lines()
            self.labels = [self._place(a) for a in self.arrows]
            if not self._columns_again():
                break

    # ------------------------------------------------------------ sizes

    def _columns(self) -> None:
        widths = [text_width(lane, HEAD_SIZE) + 2 * PAD_X + 8 for lane in self.lanes]
        for k, lines in self.boxes.values():
            widths[k] = max(widths[k], max(text_width(t, BOX_SIZE) for t in lines) + 2 * PAD_X)
        self.widths = [max(w, 60.0) for w in widths]
        self.gaps = [MIN_GAP] * max(len(self.lanes) - 1, 0)
        for a in self.arrows:           # first guess: every label in the gap next to its tail
            g = _gaps_crossed(a)
            if g:
                self.gaps[g[0]] = max(self.gaps[g[0]], text_width(a.label, LABEL_SIZE) + 20)
        self.step_width = max(text_width(t, LABEL_SIZE + 1) for lines in self.steps for t in lines) + 2 * PAD_X
        self._xs()

    def _xs(self) -> None:
        x = MARGIN + self.step_width
        self.xs, self.spans = [], []
        for k, w in enumerate(self.widths):
            self.spans.append((x, x + w))
            self.xs.append(x + w / 2)
            x += w + (self.gaps[k] if k < len(self.gaps) else 0)
        self.grid_width = x + MARGIN

    def _rows(self) -> None:
        top = MARGIN + len(self.caption) * (CAPTION_SIZE + 4) + 10
        self.head_y = top
        y = top + HEAD_HEIGHT + ROW_GAP / 2
        self.ys = []
        for n in range(self.last + 2):
            lines = len(self.boxes[n][1]) if n in self.boxes else 1
            height = max(lines * LINE + 2 * PAD_Y, len(self.steps[n]) * (LABEL_SIZE + 3))
            self.ys.append(y + ROW_GAP / 2 + height / 2)
            y += height + ROW_GAP
        self.height = y + MARGIN

    def _columns_again(self) -> bool:
        """Widen every gap to hold the labels `_place` put in it; whether any gap changed."""
        need = list(self.gaps)
        for (gap, w) in ((p[0], p[2]) for p in self.labels if p is not None):
            need[gap] = max(need[gap], w + 20)
        if need == self.gaps:
            return False
        self.gaps = need
        self._xs()
        return True

    # ------------------------------------------------------------ geometry

    def _ends(self, a: _Arrow) -> tuple[tuple[float, float], tuple[float, float]]:
        """Where an arrow starts and ends: a box's side where there is a box, else the lane."""
        (fl, tl), (fr, tr) = a.lanes, a.rows
        right = tl > fl
        return (self._side(fl, fr, right), self._side(tl, tr, not right))

    def _side(self, lane: int, row: int, right: bool) -> tuple[float, float]:
        x = self.xs[lane]
        box = self.boxes.get(row)
        if box is not None and box[0] == lane:
            half = self.widths[lane] / 2 - 2
            x += half if right else -half
        return x, self.ys[row]

    def _level_lines(self) -> list[tuple[float, float, float, float]]:
        """The thin boxes of the level arrows (replies): no label may hide one."""
        out = []
        for a in self.arrows:
            if a.rows[0] == a.rows[1]:
                (x0, y0), (x1, _) = self._ends(a)
                out.append((min(x0, x1), y0 - 0.5, max(x0, x1), y0 + 1))
        return out

    def _place(self, a: _Arrow) -> tuple[int, float, float, float] | None:
        """(gap, fraction of the gap from its left, label width, y offset from the arrow)
        of an arrow's label: the first gap along the arrow where it collides with no label
        placed before it; where every gap collides, the first, moved down clear of them."""
        if not a.label:
            return None
        gaps = _gaps_crossed(a)
        if not gaps:
            return None
        width = text_width(a.label, LABEL_SIZE)
        for shift in range(0, 400, 6):
            for gap in gaps:
                box = self._label_box(a, gap, width, shift)
                if not any(_overlap(box, other) for other in self.placed):
                    self.placed.append(box)
                    return gap, 0.5, width, shift
        return gaps[0], 0.5, width, 0

    def _label_box(self, a: _Arrow, gap: int, width: float, shift: float) -> tuple[float, float, float, float]:
        x, y, anchor = self._label_at(a, gap, width, shift)
        left = x - width / 2 if anchor == "middle" else x if anchor == "start" else x - width
        return (left - 2, y - LABEL_SIZE - 1, left + width + 2, y + 3)

    def _label_at(self, a: _Arrow, gap: int, width: float, shift: float) -> tuple[float, float, str]:
        """Where a label goes in a gap: (x, baseline, text-anchor). Above a level arrow, centred
        in the gap; beside a sloping one, on the side the arrow leaves free above the point
        it is pinned to, so the line passes the text's corner instead of crossing it."""
        left, right = self.spans[gap][1], self.spans[gap + 1][0]
        (x0, y0), (x1, y1) = self._ends(a)
        if abs(y1 - y0) < 1 or right - left < width + 16:
            x, anchor = (left + right) / 2, "middle"
        elif (x1 > x0) == (y1 > y0):        # down and to the right: the line is left of the text
            x, anchor = left + 6, "start"
        else:
            x, anchor = right - 6, "end"
        y = y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        nudge = {"start": 2, "end": -2}.get(anchor, 0)
        return x + nudge, y - 4 + shift, anchor

    # ------------------------------------------------------------ drawing

    def draw(self) -> str:
        svg = Svg(max(self.grid_width, self._caption_width()), self.height)
        svg.element("rect", x=0, y=0, width=svg.width, height=svg.height, fill="#ffffff")
        self._draw_caption(svg)
        if self.bad is not None:
            self._band(svg, self.bad, "#fdedec")
        self._draw_lanes(svg)
        for a in self.arrows:
            self._draw_arrow(svg, a)
        self._draw_contradiction(svg)
        self._draw_boxes(svg)
        for a, place in zip(self.arrows, self.labels):
            if place is not None:
                self._draw_label(svg, a, place)
        self._draw_steps(svg)
        return svg.write()

    def _caption_width(self) -> float:
        return MARGIN * 2 + max(text_width(t, CAPTION_SIZE + 2) for t in self.caption)

    def _draw_caption(self, svg: Svg) -> None:
        svg.open("g", class_="caption")
        for k, line in enumerate(self.caption):
            bold = "bold" if k == 0 else None
            svg.text(MARGIN, MARGIN + (k + 1) * (CAPTION_SIZE + 4) - 4, line, CAPTION_SIZE + (1 if k == 0 else 0),
                     font_weight=bold, fill=seq.RED if self.prop is not None and k == 1 else "#222222")
        svg.close()

    def _band(self, svg: Svg, row: int, fill: str) -> None:
        half = (self.ys[row + 1] - self.ys[row]) / 2 if row + 1 < len(self.ys) else ROW_GAP
        svg.element("rect", class_="violation", x=MARGIN / 2, y=self.ys[row] - half, width=self.grid_width - MARGIN,
                    height=2 * half, fill=fill)

    def _draw_lanes(self, svg: Svg) -> None:
        for k, lane in enumerate(self.lanes):
            x = self.xs[k]
            svg.open("g", class_="lane", id=f"lane{k}")
            svg.element("line", x1=x, y1=self.head_y + HEAD_HEIGHT, x2=x, y2=self.ys[0], stroke=seq.GREY)
            for n in range(self.last + 1):
                look = seq.segment_look(lane, self.trace.steps[n].state)
                svg.element("line", x1=x, y1=self.ys[n], x2=x, y2=self.ys[n + 1], stroke=look["color"],
                            stroke_width=look.get("penwidth", 1), stroke_dasharray=_DASH.get(look.get("style", "")))
            fill = "#eeeeee" if lane in (seq.NET, seq.TIME) else "#d6eaf8" if lane.startswith("client[") else "#fdebd0"
            w = min(self.widths[k], text_width(lane, HEAD_SIZE) + 2 * PAD_X + 8)
            svg.element("rect", x=x - w / 2, y=self.head_y, width=w, height=HEAD_HEIGHT, rx=6, fill=fill,
                        stroke="#555555")
            svg.text(x, self.head_y + HEAD_HEIGHT / 2 + HEAD_SIZE / 3, lane, HEAD_SIZE, "middle")
            svg.close()

    def _draw_arrow(self, svg: Svg, a: _Arrow) -> None:
        (x0, y0), (x1, y1) = self._ends(a)
        kind = "reply" if a.rows[0] == a.rows[1] else "message"
        svg.open("g", class_=f"arrow {kind}")
        svg.element("line", x1=x0, y1=y0, x2=x1, y2=y1, stroke=a.colour, stroke_width=a.width,
                    stroke_dasharray="6,4" if a.dashed else None)
        _head(svg, a, (x0, y0), (x1, y1))
        svg.close()

    def _draw_label(self, svg: Svg, a: _Arrow, place: tuple[int, float, float, float]) -> None:
        gap, _, width, shift = place
        x, y, anchor = self._label_at(a, gap, width, shift)
        left = x - width / 2 if anchor == "middle" else x if anchor == "start" else x - width
        svg.element("rect", x=left - 2, y=y - LABEL_SIZE, width=width + 4, height=LABEL_SIZE + 3,
                    fill="#ffffff", fill_opacity=0.85)
        svg.text(x, y, a.label, LABEL_SIZE, anchor, fill=a.colour, class_="label")

    def _draw_boxes(self, svg: Svg) -> None:
        for n, (k, lines) in sorted(self.boxes.items()):
            step = self.trace.steps[n]
            w = self.widths[k] - 4
            h = len(lines) * LINE + 2 * PAD_Y
            x, y = self.xs[k] - w / 2, self.ys[n] - h / 2
            bad = n == self.bad
            svg.open("g", title=f"l{k}_{n}" if n <= self.last else None, class_="node" + (" violation" if bad else ""))
            svg.element("rect", x=x, y=y, width=w, height=h, rx=7,
                        fill="#f5b7b1" if bad else seq.fill_of(step.action["kind"]),
                        stroke=seq.RED if bad else "#333333", stroke_width=2 if bad else 1)
            for j, line in enumerate(lines):
                svg.text(self.xs[k], y + PAD_Y + (j + 1) * LINE - 3.5, line, BOX_SIZE, "middle")
            svg.close()

    def _draw_steps(self, svg: Svg) -> None:
        svg.open("g", class_="steps")
        for n, lines in enumerate(self.steps):
            row = str(n) if n <= self.last else "end"
            top = self.ys[n] - (len(lines) - 1) * (LABEL_SIZE + 3) / 2 + LABEL_SIZE / 3
            svg.open("g", title=f"s_{row}", class_="node step")
            for j, line in enumerate(lines):
                svg.text(MARGIN, top + j * (LABEL_SIZE + 3), line, LABEL_SIZE + 1,
                         fill=seq.RED if n == self.bad else "#333333",
                         font_weight="bold" if line == "VIOLATION" else None)
            svg.close()
        svg.close()
        lasso = self.prop.lasso if self.prop is not None else None
        if lasso is not None and lasso.loop is not None:
            self._draw_loop(svg, lasso.loop)

    def _draw_loop(self, svg: Svg, loop: int) -> None:
        """A purple arrow in the step column from the last row back up to the row whose
        state the loop returns to."""
        x = MARGIN + self.step_width - 6
        y0, y1 = self.ys[self.last], self.ys[loop]
        svg.open("g", title=f"back to the state after step {loop}", class_="loop")
        svg.element("path", d=f"M {x:.1f} {y0:.1f} C {x + 14:.1f} {y0:.1f} {x + 14:.1f} {y1:.1f} {x:.1f} {y1:.1f}",
                    fill="none", stroke=seq.PURPLE, stroke_width=2)
        svg.element("polygon", points=f"{x:.1f},{y1:.1f} {x + 7:.1f},{y1 - 4:.1f} {x + 7:.1f},{y1 + 4:.1f}",
                    fill=seq.PURPLE)
        svg.close()

    def _draw_contradiction(self, svg: Svg) -> None:
        """A dashed amber curve from each reply the violation is about to each reply it
        contradicts, bulging right of the client lanes, labelled `contradicts`."""
        ends: dict[str, list[tuple[float, float]]] = {}
        for a in self.arrows:
            if a.colour in (seq.RED, seq.AMBER) and a.rows[0] == a.rows[1]:
                ends.setdefault(a.colour, []).append(self._ends(a)[1])
        for (x0, y0) in ends.get(seq.RED, ()):
            for (x1, y1) in ends.get(seq.AMBER, ()):
                bulge = max(x0, x1) + 28
                svg.open("g", class_="contradicts", title="the violating reply contradicts this earlier one")
                svg.element("path", d=f"M {x0 + 3:.1f} {y0:.1f} C {bulge:.1f} {y0:.1f} {bulge:.1f} {y1:.1f} "
                                      f"{x1 + 3:.1f} {y1:.1f}",
                            fill="none", stroke=seq.AMBER, stroke_width=1.5, stroke_dasharray="4,3")
                y = self._between_rows(min(y0, y1), max(y0, y1))
                svg.element("rect", x=bulge - 2, y=y - LABEL_SIZE, width=text_width("contradicts", LABEL_SIZE) + 4,
                            height=LABEL_SIZE + 3, fill="#ffffff", fill_opacity=0.85)
                svg.text(bulge, y, "contradicts", LABEL_SIZE, fill=seq.AMBER, font_style="italic")
                svg.close()


    def _between_rows(self, top: float, bottom: float) -> float:
        """A baseline between two rows (where no box is), as near the middle of `top`..`bottom`
        as there is one; the middle itself when the two are one row apart or less."""
        middle = (top + bottom) / 2
        gaps = [(a + b) / 2 + LABEL_SIZE / 3 for a, b in zip(self.ys, self.ys[1:]) if top <= a and b <= bottom]
        return min(gaps, key=lambda y: (abs(y - middle), y)) if gaps else middle


def _arrows(trace: Trace, flow: dict, prop: PropertyResult | None, index: dict[str, int]) -> list[_Arrow]:
    """Every arrow of the diagram: messages and requests, then replies."""
    end = len(trace.steps)
    out = []
    for m in flow["messages"]:
        if m["from"] not in index or m["to"] not in index:
            continue
        lanes = (index[m["from"]], index[m["to"]])
        colour = seq.BLUE if m["kind"] == "request" else "#000000"
        out += [_Arrow(lanes, (m["sent"], n), m["label"], colour) for n in m["delivered"]]
        if m["fate"] == "lost":
            out.append(_Arrow(lanes, (m["sent"], m["lost"]), f"{m['label']} (lost)", seq.RED, True, "tee"))
        elif m["fate"] == "in flight":
            out.append(_Arrow(lanes, (m["sent"], end), f"{m['label']} (in flight)", seq.GREY, True, "circle"))
    for n, step in enumerate(trace.steps):
        actor = seq.actor_of(step)
        for r in step.action.get("replies", ()):
            if actor in index and r["client"] in index:
                colour = seq.reply_colour(n, step, r, trace, prop)
                label = f"reply #{r['request']}: {r['result']}" + (" (contradicted)" if colour == seq.AMBER else "")
                out.append(_Arrow((index[actor], index[r["client"]]), (n, n), label, colour,
                                  width=1.2 if colour == seq.BLUE else 2.2))
    return out


def _gaps_crossed(a: _Arrow) -> list[int]:
    """The gaps an arrow crosses, from its tail to its head (gap k lies between lanes k and k+1)."""
    f, t = a.lanes
    return list(range(f, t)) if t > f else list(range(f - 1, t - 1, -1))


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _head(svg: Svg, a: _Arrow, start: tuple[float, float], end: tuple[float, float]) -> None:
    """The arrow's end: a filled head, a bar across (lost) or an open circle (in flight)."""
    (x0, y0), (x1, y1) = start, end
    length = max(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5, 1e-6)
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    if a.head == "circle":
        svg.element("circle", cx=x1, cy=y1, r=4, fill="#ffffff", stroke=a.colour, stroke_width=1.2)
    elif a.head == "tee":
        svg.element("line", x1=x1 - uy * 7, y1=y1 + ux * 7, x2=x1 + uy * 7, y2=y1 - ux * 7, stroke=a.colour,
                    stroke_width=2.5)
    else:
        bx, by = x1 - ux * 9, y1 - uy * 9
        points = f"{x1:.1f},{y1:.1f} {bx - uy * 4:.1f},{by + ux * 4:.1f} {bx + uy * 4:.1f},{by - ux * 4:.1f}"
        svg.element("polygon", points=points, fill=a.colour)
