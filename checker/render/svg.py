"""The one SVG writer, as dot.py is the one DOT writer (STYLE.md rule 15): drawing elements
from data, every text and attribute value escaped.

An `Svg` collects elements in the order they are added; `write()` turns them into one
`<svg>` document. Text content and attribute values go through `xml.sax.saxutils`'s
escaping (quotes included), and the characters XML 1.0 cannot hold at all (most C0
controls, U+FFFE, U+FFFF) are written as visible escapes such as `\\x08`, so any label a
spec can produce gives a well-formed document. Numbers are rounded to one decimal, so the
output is deterministic and the same on every platform.

Text has no layout engine behind it: `text_width` estimates how wide a string is drawn in
Helvetica from per-character advance widths, on the generous side, which is all a grid
layout needs to size its columns so that no label overlaps another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

FONT = "Helvetica, Arial, sans-serif"

_UNSAFE = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r") | {"\ufffe", "\uffff"}

# Helvetica's advance widths in 1/1000 em for the ASCII letters that differ most from the
# average; every other character counts as 0.6 em (wide enough for digits and most letters).
_NARROW = {**dict.fromkeys("il.,:;|!'", 280), **dict.fromkeys("fjtI[]()-/ r", 360),
           **dict.fromkeys("J\"", 500)}
_WIDE = {**dict.fromkeys("mwMW", 900), **dict.fromkeys("@%", 900), **dict.fromkeys("ABCDGHKNOQRUVXY&", 740)}


def text_width(text: str, size: float) -> float:
    """How wide `text` is drawn at `size` px (an estimate that errs wide); CJK and other
    wide characters count a full em."""
    units = 0
    for ch in text:
        if ch in _NARROW:
            units += _NARROW[ch]
        elif ch in _WIDE:
            units += _WIDE[ch]
        else:
            units += 1000 if ord(ch) >= 0x1100 else 600
    return units * size / 1000


def clean(text: str) -> str:
    """`text` with the characters XML cannot hold replaced by visible escapes."""
    if not any(c in _UNSAFE for c in text):
        return text
    return "".join((f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}") if c in _UNSAFE else c
                   for c in text)


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _attrs(attrs: dict[str, object]) -> str:
    out = []
    for key, value in attrs.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        shown = _num(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
        out.append(f" {name}={quoteattr(clean(shown))}")
    return "".join(out)


@dataclass
class Svg:
    """A drawing `width` x `height` px. Methods add elements; attribute names are given as
    Python keywords (`stroke_width` for stroke-width, `class_` for class)."""

    width: float = 0
    height: float = 0
    parts: list[str] = field(default_factory=list)

    def element(self, tag: str, text: str | None = None, **attrs: object) -> None:
        body = "" if text is None else escape(clean(text))
        self.parts.append(f"<{tag}{_attrs(attrs)}/>" if text is None else f"<{tag}{_attrs(attrs)}>{body}</{tag}>")

    def open(self, tag: str, title: str | None = None, **attrs: object) -> None:
        """Start a group-like element (closed by `close`), with a `<title>` (a tooltip) first."""
        self.parts.append(f"<{tag}{_attrs(attrs)}>")
        if title is not None:
            self.element("title", title)

    def close(self, tag: str = "g") -> None:
        self.parts.append(f"</{tag}>")

    def text(self, x: float, y: float, text: str, size: float = 11, anchor: str = "start", **attrs: object) -> None:
        self.element("text", text, x=x, y=y, font_size=size, text_anchor=anchor, **attrs)

    def write(self) -> str:
        """The SVG document, with its XML prolog, ending with a newline."""
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_num(self.width)}" '
                f'height="{_num(self.height)}" viewBox="0 0 {_num(self.width)} {_num(self.height)}" '
                f'font-family={quoteattr(FONT)}>')
        return "\n".join(['<?xml version="1.0" encoding="UTF-8"?>', head, *self.parts, "</svg>"]) + "\n"
