"""The examples in the documentation are specs, and they must stay correct.

Every fenced block in docs/*.md (and in README.md when it has `cap` blocks) is read by a
small fence parser (support.fenced_blocks, which scripts/update_doc_outputs.py uses too); its
info string says what it is:

- `cap`: a complete spec that parses and type-checks;
- `cap-error`: a complete spec that must be rejected with a SpecError (by the parser or the
  semantic checker). A comment `# error: TEXT` in it says why: some diagnostic's message
  must contain TEXT. When the very next block is a `text` block whose first line is an
  error report (`NAME.cap:LINE:COL: error: ...`), it must be exactly what capcheck prints
  for that spec under that name;
- `console`: a terminal session. Every `$ capcheck ...` command names only .cap files that
  exist in the repository or that the same document shows (unless its output shows that
  the file cannot be read; `render` may name a report file of the repository instead); a spec block names its file with a first line such as
  `# tutorial.cap`, and the command refers to the last such block above it. Once the
  command line can be imported, each command is run in a scratch directory holding the
  specs the document shows and links to the repository's `specs/` and `docs/` (so files
  a command writes land there), and the lines under it must be exactly what it prints;
- anything else (`text`, `sh`, no info string, ...) is not run.

Test ids are `FILE:LINE`, the line of the opening fence, so a failure points at the example.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from checker.dsl import parse_bytes
from checker.cli import main
from checker.errors import SpecError
from checker.semantics import check

from support import (DOCS, REPO_ROOT, Block, Command, console_commands, documents, fenced_blocks, prepare_workdir,
                     shown_spec, spec_args)

ERROR_HEAD = re.compile(r"^(?P<path>\S+\.cap):\d+:\d+: error: ")
ERROR_COMMENT = re.compile(r"^\s*#\s*error:\s*(?P<text>.+?)\s*$", re.MULTILINE)

ALL_BLOCKS = tuple(b for doc in documents() for b in fenced_blocks(doc))
CAP = tuple(b for b in ALL_BLOCKS if b.info == "cap")
CAP_ERROR = tuple(b for b in ALL_BLOCKS if b.info == "cap-error")


def _path_for(block: Block) -> str:
    return block.file_name or f"{block.doc.stem}_{block.line}.cap"


def load(block: Block, path: str | None = None) -> None:
    """Parse and check a block's spec; raises SpecError like capcheck would."""
    protocol, source = parse_bytes(block.text.encode("utf-8"), path or _path_for(block))
    check(protocol, source)


def _ids(blocks: tuple[Block, ...]) -> list[str]:
    return [b.id for b in blocks]


# ---------------------------------------------------------------- the fence parser itself


def test_fence_parser(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text(
        "intro\n"
        "```cap\nprotocol a:\n    const N = 1\n```\n"
        "  ~~~~ console extra words\n  $ capcheck parse a.cap\n  ```\n  not closed by backticks\n  ~~~~\n"
        "````text\n```\ninner fence\n````\n"
        "```\nno info\n",
        encoding="utf-8",
    )
    blocks = fenced_blocks(doc)
    assert [(b.line, b.info) for b in blocks] == [(2, "cap"), (6, "console"), (11, "text"), (15, "")]
    assert blocks[0].text == "protocol a:\n    const N = 1\n"
    assert blocks[1].text == "$ capcheck parse a.cap\n```\nnot closed by backticks\n"
    assert blocks[2].text == "```\ninner fence\n"
    assert blocks[3].text == "no info\n"


def test_the_reference_and_the_tutorial_have_examples() -> None:
    for name in ("language.md", "tutorial.md"):
        assert any(b.doc.name == name for b in CAP), f"docs/{name} has no `cap` example"
    assert any(b.doc.name == "language.md" for b in CAP_ERROR)


# ---------------------------------------------------------------- spec examples


@pytest.mark.parametrize("block", CAP, ids=_ids(CAP))
def test_cap_example_is_a_valid_spec(block: Block) -> None:
    error: SpecError | None = None
    try:
        load(block)
    except SpecError as err:
        error = err
    if error is not None:
        pytest.fail(f"the example at {block.doc.relative_to(REPO_ROOT)}:{block.line} is rejected:\n"
                    f"{error.render()}", pytrace=False)


@pytest.mark.parametrize("block", CAP_ERROR, ids=_ids(CAP_ERROR))
def test_cap_error_example_is_rejected(block: Block) -> None:
    with pytest.raises(SpecError) as info:
        load(block)
    messages = [d.message for d in info.value.diagnostics]
    for match in ERROR_COMMENT.finditer(block.text):
        assert any(match.group("text") in m for m in messages), (
            f"{block.id}: no error says '{match.group('text')}'; the errors are {messages}")


def _shown_error(block: Block) -> Block | None:
    """The `text` block right after a cap-error block, when it shows an error report."""
    same_doc = [b for b in ALL_BLOCKS if b.doc == block.doc]
    after = same_doc[same_doc.index(block) + 1:]
    if after and after[0].info == "text" and ERROR_HEAD.match(after[0].text):
        return after[0]
    return None


SHOWN = tuple(b for b in CAP_ERROR if _shown_error(b) is not None)


@pytest.mark.parametrize("block", SHOWN, ids=_ids(SHOWN))
def test_shown_error_is_what_capcheck_prints(block: Block) -> None:
    shown = _shown_error(block)
    assert shown is not None
    path = ERROR_HEAD.match(shown.text).group("path")  # type: ignore[union-attr]
    with pytest.raises(SpecError) as info:
        load(block, path)
    assert info.value.render() == shown.text.rstrip("\n"), (
        f"{shown.id}: the error shown differs from what capcheck prints")


# ---------------------------------------------------------------- terminal sessions


COMMANDS = console_commands()
SLOW_DOCS = ("cap.md",)  # its `capcheck cap` runs search whole library specs: seconds each
# Z3 choosing the quorum register's R and W over 9 pairs at depth 8: about 16 s
SLOW_COMMANDS = {"check specs/quorum_register.cap --engine smt -D R=1..3 -D W=1..3 --depth 8 -q"}


def _param(command: Command):
    slow = (command.block.doc.name in SLOW_DOCS and command.argv[:1] == ("cap",)
            or " ".join(command.argv) in SLOW_COMMANDS)
    return pytest.param(command, id=command.id, marks=(pytest.mark.slow,) if slow else ())


@pytest.mark.parametrize("command", COMMANDS, ids=[c.id for c in COMMANDS])
def test_console_command_names_a_real_spec(command: Command) -> None:
    if command.argv[:1] == ("render",) and not spec_args(command):
        trace = command.argv[1]          # a report that names its spec
        assert (REPO_ROOT / trace).is_file(), f"{command.block.id}: '{trace}' is not a file of the repository"
        return
    specs = spec_args(command)
    assert specs, f"{command.block.id}: 'capcheck {' '.join(command.argv)}' names no .cap file"
    for name in specs:
        if f"cannot read '{name}'" in command.output:
            assert not (REPO_ROOT / name).exists(), f"{command.block.id}: '{name}' exists"
            continue
        assert (REPO_ROOT / name).is_file() or shown_spec(command, name) is not None, (
            f"{command.block.id}: '{name}' is neither a file of the repository nor a spec shown "
            f"above in {command.block.doc.name} (a spec block names its file with a first line "
            f"'# {name}')")


def _draws(argv: tuple[str, ...]) -> bool:
    """Whether a command runs Graphviz (its output then depends on `dot` being installed)."""
    return "--render" in argv or "--report" in argv or (
        argv[:1] == ("render",) and any(a.endswith((".svg", ".png")) for a in argv))


@pytest.mark.parametrize("command", [_param(c) for c in COMMANDS])
def test_console_output_is_what_capcheck_prints(command: Command, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    if shutil.which("dot") is None and _draws(command.argv):
        pytest.skip("Graphviz's dot is not installed: the output would say so")
    monkeypatch.chdir(prepare_workdir(command, tmp_path))
    capsys.readouterr()
    main(list(command.argv))
    out, err = capsys.readouterr()
    assert (out + err).rstrip("\n") == command.output, (
        f"{command.block.id}: the output shown under 'capcheck {' '.join(command.argv)}' "
        "differs from what capcheck prints")


# ---------------------------------------------------------------- facts the reference states


def test_reserved_words_listed_in_the_reference_are_the_grammar_s() -> None:
    from checker.dsl.lexing import reserved_words

    doc = DOCS / "language.md"
    lines = doc.read_text(encoding="utf-8").splitlines()
    heading = next(i for i, line in enumerate(lines) if re.match(r"^#+ [\d.]* *Reserved words$", line))
    block = next(b for b in fenced_blocks(doc) if b.line > heading and b.info == "text")
    assert set(block.text.split()) == set(reserved_words())


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(doc: Path) -> set[str]:
    inside = {i for b in fenced_blocks(doc) for i in range(b.line, b.line + b.text.count("\n") + 2)}
    lines = doc.read_text(encoding="utf-8").splitlines()
    return {_slug(m.group(1)) for n, line in enumerate(lines, 1)
            if n not in inside and (m := re.match(r"^#{1,6} (.+)$", line))}


LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")


@pytest.mark.parametrize("doc", [d for d in documents() if d.parent == DOCS], ids=lambda d: d.name)
def test_relative_links_resolve(doc: Path) -> None:
    """Links to other files of the repository exist, and `#anchors` name real headings."""
    for match in LINK.finditer(doc.read_text(encoding="utf-8")):
        target = match.group("target")
        if re.match(r"^[a-z]+:", target):
            continue  # http:, https:, mailto:
        path, _, anchor = target.partition("#")
        file = (doc.parent / path).resolve() if path else doc
        assert file.exists(), f"{doc.name}: link to missing '{target}'"
        if anchor and file.suffix == ".md":
            assert anchor in _anchors(file), f"{doc.name}: no heading for '#{anchor}' in {file.name}"
