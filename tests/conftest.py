"""Shared fixtures: the repository root, an in-process runner for the `capcheck` CLI and an
empty current directory (helpers are in support.py, see tests/README.md); and the
Hypothesis profile, from CAPCHECK_HYPOTHESIS: `ci` (what .ci/run sets) seeds each test from
its own code, so every run, on any xdist worker, draws the same examples and a CI verdict
can be reproduced; without it every run draws new ones, which is how the property tests
keep finding bugs, and a failure found is replayed from .hypothesis/ until it is fixed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Sequence

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("CAPCHECK_HYPOTHESIS", "default"))

from checker.cli import main  # noqa: E402 - after the profile is loaded
from support import REPO_ROOT  # noqa: E402

CliResult = tuple[int, str, str]


@pytest.fixture
def repo_root() -> Path:
    """The repository root (the directory holding pyproject.toml)."""
    return REPO_ROOT


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[[Sequence[str] | None], CliResult]:
    """`run_cli(["parse", "x.cap"]) -> (exit code, stdout, stderr)`, run in-process
    (`run_cli(None)` lets main read sys.argv).

    Paths are resolved against the current directory; use `monkeypatch.chdir` to fix it.
    """

    def run(args: Sequence[str] | None) -> CliResult:
        capsys.readouterr()  # drop anything printed before the call
        code = main(None if args is None else list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current directory (the test's own tmp_path), so that paths in messages and
    reports are short and relative; the previous one is restored after the test."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
