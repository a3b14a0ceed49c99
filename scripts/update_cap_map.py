"""Regenerate the map of docs/cap.md (the table under "## The map") with what
`capcheck cap ... --markdown` prints for the library's specs. For maintainers, after a
change to capcheck or to the specs:

    .venv/bin/python scripts/update_cap_map.py

tests/corpus/test_cap_doc.py runs the same command and checks that the page holds its table.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "cap.md"
SPECS = ("sync_primary_backup.cap", "async_primary_backup.cap", "active_passive_heartbeat.cap",
         "active_passive_fencing.cap", "active_active_lww.cap", "gossip_anti_entropy.cap",
         "best_effort_broadcast.cap", "abd_register.cap:CLIENTS=1,OPS=1", "quorum_register.cap",
         "chain_replication.cap", "chain_replication_any_reads.cap", "kv_tombstones.cap",
         "kv_tombstones_broken.cap")
"""The specs of the map, in its order (abd_register at one client with one operation, where
it takes seconds), as given to `capcheck cap` from specs/."""
COMMAND = ("cap", *SPECS, "--markdown")


def table() -> str:
    """What `capcheck cap SPECS --markdown`, run in specs/, prints."""
    sys.path.insert(0, str(REPO))
    from checker.cli import main

    out = io.StringIO()
    here = os.getcwd()
    os.chdir(REPO / "specs")
    try:
        with contextlib.redirect_stdout(out):
            main(list(COMMAND))
    finally:
        os.chdir(here)
    return out.getvalue().rstrip("\n")


def doc_table(text: str) -> tuple[int, int]:
    """The line range [first, end) of the table under "## The map" in the page's lines."""
    lines = text.splitlines()
    first = next(i for i in range(lines.index("## The map"), len(lines)) if lines[i].startswith("|"))
    end = next(i for i in range(first, len(lines)) if not lines[i].startswith("|"))
    return first, end


def update() -> bool:
    """Rewrite the table in docs/cap.md; whether it changed."""
    text = DOC.read_text(encoding="utf-8")
    lines = text.splitlines()
    first, end = doc_table(text)
    new = "\n".join(lines[:first] + table().splitlines() + lines[end:]) + "\n"
    DOC.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    print("docs/cap.md: the map changed" if update() else "docs/cap.md: the map is up to date")
