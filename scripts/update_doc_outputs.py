"""Rewrite the output shown under every `$ capcheck ...` line of the docs with what capcheck
prints now. For maintainers, after a deliberate change to capcheck's output:

    .venv/bin/python scripts/update_doc_outputs.py [DOC.md ...]

It runs each command exactly as tests/corpus/test_docs.py does, with the same helpers
(tests/support.py: specs shown above the command are written to a scratch directory), and
replaces only the output lines; review the diff before committing it. Prints the commands
whose output changed.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

import support  # noqa: E402 - the tests' own fence parser, so both read the blocks alike
from checker.cli import main  # noqa: E402


def run(command: support.Command) -> str:
    """What `capcheck ARGV` prints (stdout then stderr), run where the test would run it."""
    with tempfile.TemporaryDirectory() as scratch:
        workdir = support.prepare_workdir(command, Path(scratch))
        out, err = io.StringIO(), io.StringIO()
        here = os.getcwd()
        os.chdir(workdir)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                main(list(command.argv))
        finally:
            os.chdir(here)
    return (out.getvalue() + err.getvalue()).rstrip("\n")


def update(doc: Path) -> list[str]:
    """Rewrite `doc` in place; the ids of the commands whose output changed."""
    text = doc.read_text(encoding="utf-8")
    changed = []
    for command in (c for c in support.console_commands() if c.block.doc == doc):
        now = run(command)
        if now == command.output:
            continue
        old_chunk = _chunk(command)
        new_chunk = old_chunk.split("\n", 1)[0] + ("\n" + now if now else "")
        if old_chunk not in text:
            raise SystemExit(f"{command.block.id}: cannot find the shown output to replace")
        text = text.replace(old_chunk, new_chunk, 1)
        changed.append(command.id)
    doc.write_text(text, encoding="utf-8")
    return changed


def _chunk(command: support.Command) -> str:
    """The command's `$ ` line and the output lines under it, as they stand in the block."""
    for chunk in command.block.text.split("\n$ "):
        chunk = chunk if chunk.startswith("$ ") else "$ " + chunk
        first, _, rest = chunk.partition("\n")
        if first.startswith("$ ") and tuple(shlex.split(first[2:]))[1:] == command.argv \
                and rest.rstrip("\n") == command.output:
            return (first + "\n" + command.output) if command.output else first
    raise SystemExit(f"{command.block.id}: cannot find the command in its block")


if __name__ == "__main__":
    docs = [Path(a).resolve() for a in sys.argv[1:]] or sorted({c.block.doc for c in support.console_commands()})
    for d in docs:
        for name in update(d):
            print(name)
