"""docs/api.md's examples are real: its `pycon` blocks run, in order and sharing their
names, as Python's doctest runs them, from the repository root; and every name the
documentation says `import checker` gives is there."""

from __future__ import annotations

import doctest

import pytest

import checker
from support import REPO_ROOT
from support import fenced_blocks

DOC = REPO_ROOT / "docs" / "api.md"
BLOCKS = [b for b in fenced_blocks(DOC) if b.info == "pycon"]


def test_the_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    names: dict = {}
    for block in BLOCKS:
        test = parser.get_doctest(block.text, names, block.id, str(DOC), block.line)
        runner.run(test, clear_globs=False)
        names.update(test.globs)   # a DocTest runs in a copy of the names it is given
    failed, tried = runner.summarize(verbose=False)
    assert tried > 20 and failed == 0


def test_every_public_name_loads() -> None:
    for name in checker.__all__:
        assert getattr(checker, name) is not None
    with pytest.raises(AttributeError):
        checker.no_such_name  # noqa: B018
