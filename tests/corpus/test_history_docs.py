"""The examples of `capcheck history` in the documentation are real.

tests/corpus/test_docs.py runs the `console` blocks of docs/*.md, but requires every command of
such a block to name a spec (a .cap file). The history examples name history files, so
they are `shell-session` blocks (rendered like `console`) and this module runs them the
same way: every `$ capcheck ...` line is run as from the repository root (in a scratch
directory linking to its docs/ and specs/, so that a file a command writes lands there) and what it prints
(stdout then stderr) must be exactly the lines under it. It also reads the examples of
docs/history_format.md: each `json` and `clojure` block, and each `text` block of
Jepsen log lines, must be a history capcheck reads.
"""

from __future__ import annotations

import pytest

from checker.cli import main
from checker.history import read_history
from support import DOCS, EXAMPLES, REPO_ROOT, Command, console_commands, fenced_blocks

PAGES = [DOCS / "cli.md", DOCS / "history_format.md"]
COMMANDS = console_commands("shell-session", PAGES)
FORMAT_EXAMPLES = tuple(b for b in fenced_blocks(PAGES[1]) if b.info in ("json", "clojure")
                        or (b.info == "text" and b.text.startswith("INFO")))


def test_the_history_section_has_examples() -> None:
    assert any(c.argv[0] == "history" for c in COMMANDS)
    assert len(FORMAT_EXAMPLES) >= 4


@pytest.mark.parametrize("command", COMMANDS, ids=[c.id for c in COMMANDS])
def test_session_output_is_what_capcheck_prints(command: Command, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    files = [a for a in command.argv[1:] if not a.startswith("-") and "/" in a]
    for name in files:
        assert (REPO_ROOT / name).is_file(), f"{command.block.id}: '{name}' is not a file of the repository"
    for name in ("docs", "specs"):          # run as from the root, but files written land in tmp_path
        (tmp_path / name).symlink_to(REPO_ROOT / name)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    main(list(command.argv))
    out, err = capsys.readouterr()
    assert (out + err).rstrip("\n") == command.output, (
        f"{command.block.id}: the output shown under 'capcheck {' '.join(command.argv)}' differs")


@pytest.mark.parametrize("block", FORMAT_EXAMPLES, ids=[b.id for b in FORMAT_EXAMPLES])
def test_format_example_is_a_readable_history(block) -> None:
    history = read_history(f"{block.id}", block.text.encode("utf-8"))
    assert history.operations
    expected = {"json": "json", "clojure": "edn", "text": "porcupine-etcd"}[block.info]
    assert history.format == expected


def test_docs_examples_exist() -> None:
    for path in sorted(EXAMPLES.glob("*")):
        if path.suffix in (".edn", ".json", ".log"):
            assert any(path.name in " ".join(c.argv) for c in COMMANDS + console_commands()), \
                f"{path.name} is shown nowhere"
