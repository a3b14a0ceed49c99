"""Writing diagrams to files: a `Pictures` holds a diagram's DOT text (the export) and the
SVG capcheck draws itself (render/sequence_svg.py); a PNG is what Graphviz's `dot` makes of
the DOT text. The only module here that runs a program.

So .dot and .svg files need nothing installed. When `dot` is missing a .png is not written
and `DotMissing` says how to install Graphviz; callers report it and carry on with their
exit code unchanged. (No Python package draws the PNG instead: the ones that rasterise SVG
need a system graphics library such as cairo, which is what a machine without Graphviz
tends to lack too.) A `Pictures` whose `svg` is None (the history explanation) takes its
SVG from `dot` as well. `dot` runs
within the command's `Budget` (checker/resources.py): when the time is up, or `dot` takes
longer than what is left, `DotTimedOut` (a DotMissing) is raised instead and only the DOT
text is written, so drawing a large diagram cannot make a command overrun its time limit.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

from checker.resources import UNBOUNDED, Budget

HOW_TO_INSTALL = "install it with 'apt-get install graphviz', or see https://graphviz.org/download/"
INSTALL_HINT = f"Graphviz's 'dot' program is not installed, so no .png files were written ({HOW_TO_INSTALL})"

FORMATS = ("dot", "svg", "png")


NO_TIME = "the time limit was reached before Graphviz's 'dot' drew the pictures, so no .png files were written"


@dataclass(frozen=True)
class Pictures:
    """One diagram: its DOT text, and its SVG (None: have `dot` draw the SVG too)."""

    dot: str
    svg: str | None = None


class DotMissing(Exception):
    """`dot` could not be run; the message says how to install it."""


class DotTimedOut(DotMissing):
    """The budget ran out before `dot` finished (NO_TIME)."""


def image(dot_text: str, fmt: str, budget: Budget = UNBOUNDED) -> bytes:
    """`dot_text` laid out by `dot` as `fmt` ('svg' or 'png'), within `budget`'s time.
    Raises DotMissing, DotTimedOut; subprocess.CalledProcessError when `dot` fails."""
    if budget.exceeded(memory=False) is not None:
        raise DotTimedOut(NO_TIME)
    try:
        done = subprocess.run(["dot", f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True,
                              timeout=budget.remaining(), check=True)
    except FileNotFoundError:
        raise DotMissing(INSTALL_HINT) from None
    except subprocess.TimeoutExpired:
        raise DotTimedOut(NO_TIME) from None
    return done.stdout


def write_file(pictures: Pictures, target: str, budget: Budget = UNBOUNDED) -> None:
    """Write `pictures` to `target` as the format its extension names (.dot, .svg or .png).
    Raises DotMissing (for .png, or .svg without an SVG of ours, without `dot` or without
    time left: DotTimedOut), ValueError for another extension and OSError when the file
    cannot be written."""
    fmt = os.path.splitext(target)[1].lstrip(".").lower()
    if fmt not in FORMATS:
        raise ValueError(f"'{target}': the output must end in .dot, .svg or .png")
    if fmt == "dot":
        data = pictures.dot.encode("utf-8")
    elif fmt == "svg" and pictures.svg is not None:
        data = pictures.svg.encode("utf-8")
    else:
        data = image(pictures.dot, fmt, budget)
    with open(target, "wb") as handle:
        handle.write(data)


def write_all(pictures: Pictures, base: str, budget: Budget = UNBOUNDED) -> list[str]:
    """Write `base`.dot, `base`.svg and `base`.png; return the files written. Raises
    DotMissing after writing the others when `dot` is missing (or out of time) for the .png."""
    written = []
    for fmt in FORMATS:
        write_file(pictures, f"{base}.{fmt}", budget)
        written.append(f"{base}.{fmt}")
    return written
