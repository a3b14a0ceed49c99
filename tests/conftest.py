"""Shared fixtures: the repository root and an in-process runner for the `capcheck` CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import pytest

from checker.cli import main

REPO_ROOT = Path(__file__).resolve().parent.parent

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
