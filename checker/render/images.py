"""Writing diagrams to files: the DOT text, and the SVG and PNG that Graphviz's `dot`
makes of it. The only module here that runs a program.

When `dot` is missing the DOT file is still written and `DotMissing` says how to install
Graphviz; callers report it and carry on with their exit code unchanged. `dot` runs
within the command's `Budget` (checker/resources.py): when the time is up, or `dot` takes
longer than what is left, `DotTimedOut` (a DotMissing) is raised instead and only the DOT
text is written, so drawing a large diagram cannot make a command overrun its time limit.
"""

from __future__ import annotations

import os
import subprocess

from checker.resources import UNBOUNDED, Budget

HOW_TO_INSTALL = "install it with 'apt-get install graphviz', or see https://graphviz.org/download/"
INSTALL_HINT = f"Graphviz's 'dot' program is not installed, so only the .dot files were written ({HOW_TO_INSTALL})"

FORMATS = ("dot", "svg", "png")


NO_TIME = "the time limit was reached before Graphviz's 'dot' drew the pictures, so only the .dot files were written"


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


def write_file(dot_text: str, target: str, budget: Budget = UNBOUNDED) -> None:
    """Write `dot_text` to `target` as the format its extension names (.dot, .svg or .png).
    Raises DotMissing (for .svg and .png without `dot`, or without time left: DotTimedOut),
    ValueError for another extension and OSError when the file cannot be written."""
    fmt = os.path.splitext(target)[1].lstrip(".").lower()
    if fmt not in FORMATS:
        raise ValueError(f"'{target}': the output must end in .dot, .svg or .png")
    data = dot_text.encode("utf-8") if fmt == "dot" else image(dot_text, fmt, budget)
    with open(target, "wb") as handle:
        handle.write(data)


def write_all(dot_text: str, base: str, budget: Budget = UNBOUNDED) -> list[str]:
    """Write `base`.dot, `base`.svg and `base`.png; return the files written. Raises
    DotMissing after writing the .dot file when `dot` is missing (or out of time)."""
    write_file(dot_text, base + ".dot")
    written = [base + ".dot"]
    for fmt in ("svg", "png"):
        write_file(dot_text, f"{base}.{fmt}", budget)
        written.append(f"{base}.{fmt}")
    return written
