"""The one DOT writer (STYLE.md rule 15): Graphviz text from data, every value escaped.

A `Graph` holds attributes, nodes, edges and subgraphs as plain data; `write(graph)` turns
it into DOT text. Nothing else in the project builds DOT strings. Every identifier and every
attribute value is written as a double-quoted string through `quote`, which escapes:

- `"` and `\\` with a backslash, so no value ends its string early or starts an escape;
- a newline as `\\n` (Graphviz's centred line break), a tab or carriage return as a numeric
  entity, and the control characters SVG cannot hold (the other C0 controls, U+FFFE and
  U+FFFF) and DEL (whose entity Graphviz turns into invalid UTF-8) as visible escapes such as `\\x08`, so the text stays readable and the SVG valid;
- `&`, `<`, `>`, `{`, `}` and every other non-ASCII character up to U+FFFD as numeric HTML
  entities (`&#60;`), which Graphviz decodes in labels: the text is the same in the picture,
  and no record-shape or HTML-like label syntax can reinterpret it. Characters past U+FFFF
  (emoji, historic scripts) are written as themselves, since Graphviz 2.43 turns their
  entities into invalid UTF-8; the DOT text is UTF-8 (Graphviz's default charset).

The output is deterministic: attributes in the order given, then nodes, edges, subgraphs in
the order added.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_ENTITY = frozenset('&<>{}')
# control characters that XML 1.0 cannot hold even as entities (dot's SVG would not parse)
# and DEL, whose entity Graphviz 2.43 turns into invalid UTF-8
_INVISIBLE = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r") | {"\x7f"}


def quote(value: object) -> str:
    """`value` as a DOT double-quoted string (booleans as true/false)."""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch in _INVISIBLE or 0xFFFE <= ord(ch) <= 0xFFFF:
            out.append(f"\\\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\\\u{ord(ch):04x}")
        elif ord(ch) > 0xFFFF:
            out.append(ch)              # as UTF-8: Graphviz 2.43 mangles entities past U+FFFF
        elif ch in _ENTITY or ord(ch) < 32 or ord(ch) > 126:
            out.append(f"&#{ord(ch)};")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


@dataclass
class Graph:
    """A graph or subgraph. `defaults` holds the `graph`/`node`/`edge` default attributes."""

    name: str = "G"
    attrs: dict[str, object] = field(default_factory=dict)
    defaults: dict[str, dict[str, object]] = field(default_factory=dict)
    nodes: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    edges: list[tuple[str, str, dict[str, object]]] = field(default_factory=list)
    subgraphs: list[Graph] = field(default_factory=list)

    def node(self, ident: str, **attrs: object) -> str:
        self.nodes.append((ident, attrs))
        return ident

    def edge(self, tail: str, head: str, **attrs: object) -> None:
        self.edges.append((tail, head, attrs))

    def subgraph(self, name: str, **attrs: object) -> Graph:
        sub = Graph(name, dict(attrs))
        self.subgraphs.append(sub)
        return sub


def _attr_list(attrs: dict[str, object]) -> str:
    """` [a="1", b="x"]`, or nothing for no attributes (None values are left out)."""
    items = [f"{_key(k)}={quote(v)}" for k, v in attrs.items() if v is not None]
    return f" [{', '.join(items)}]" if items else ""


def _key(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise ValueError(f"not a Graphviz attribute name: {name!r}")
    return name


def _lines(graph: Graph, depth: int) -> list[str]:
    pad = "  " * depth
    out = [f"{pad}{_key(k)}={quote(v)};" for k, v in graph.attrs.items() if v is not None]
    for kind in ("graph", "node", "edge"):
        if graph.defaults.get(kind):
            out.append(f"{pad}{kind}{_attr_list(graph.defaults[kind])};")
    out += [f"{pad}{quote(n)}{_attr_list(a)};" for n, a in graph.nodes]
    out += [f"{pad}{quote(t)} -> {quote(h)}{_attr_list(a)};" for t, h, a in graph.edges]
    for sub in graph.subgraphs:
        out.append(f"{pad}subgraph {quote(sub.name)} {{")
        out += _lines(sub, depth + 1)
        out.append(f"{pad}}}")
    return out


def write(graph: Graph) -> str:
    """The DOT text of a directed graph, ending with a newline."""
    return "\n".join([f"digraph {quote(graph.name)} {{", *_lines(graph, 1), "}"]) + "\n"
