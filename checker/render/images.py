"""Writing diagrams to files: the DOT text, and the SVG and PNG that Graphviz's `dot`
makes of it (through the `graphviz` package). The only module here that runs a program.

When `dot` is missing the DOT file is still written and `DotMissing` says how to install
Graphviz; callers report it and carry on with their exit code unchanged.
"""

from __future__ import annotations

import os

import graphviz

HOW_TO_INSTALL = "install it with 'apt-get install graphviz', or see https://graphviz.org/download/"
INSTALL_HINT = f"Graphviz's 'dot' program is not installed, so only the .dot files were written ({HOW_TO_INSTALL})"

FORMATS = ("dot", "svg", "png")


class DotMissing(Exception):
    """`dot` could not be run; the message says how to install it."""


def image(dot_text: str, fmt: str) -> bytes:
    """`dot_text` laid out by `dot` as `fmt` ('svg' or 'png'). Raises DotMissing."""
    try:
        return graphviz.pipe("dot", fmt, dot_text.encode("utf-8"), quiet=True)
    except graphviz.ExecutableNotFound:
        raise DotMissing(INSTALL_HINT) from None


def write_file(dot_text: str, target: str) -> None:
    """Write `dot_text` to `target` as the format its extension names (.dot, .svg or .png).
    Raises DotMissing (for .svg and .png without `dot`), ValueError for another extension
    and OSError when the file cannot be written."""
    fmt = os.path.splitext(target)[1].lstrip(".").lower()
    if fmt not in FORMATS:
        raise ValueError(f"'{target}': the output must end in .dot, .svg or .png")
    data = dot_text.encode("utf-8") if fmt == "dot" else image(dot_text, fmt)
    with open(target, "wb") as handle:
        handle.write(data)


def write_all(dot_text: str, base: str) -> list[str]:
    """Write `base`.dot, `base`.svg and `base`.png; return the files written. Raises
    DotMissing after writing the .dot file when `dot` is missing."""
    write_file(dot_text, base + ".dot")
    written = [base + ".dot"]
    for fmt in ("svg", "png"):
        write_file(dot_text, f"{base}.{fmt}")
        written.append(f"{base}.{fmt}")
    return written
