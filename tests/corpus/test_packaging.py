"""Packaging: the declared dependencies are the ones the code imports, and (slow) the wheel
and the sdist that `python -m build` makes install into a fresh virtualenv, with no
deprecation warning, and run `capcheck check` there.

The slow test needs PyPI (or a pip cache) for setuptools and the dependencies; it is
skipped when the `build` package is missing (it is in the `test` extra)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

from support import REPO_ROOT

REPO = REPO_ROOT
# The import name of each distribution capcheck depends on.
IMPORT_NAME = {"lark": "lark", "z3-solver": "z3"}


def _project() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _distribution(requirement: str) -> str:
    return re.match(r"[A-Za-z0-9._-]+", requirement).group(0).lower()


def _imported_anywhere(module: str) -> bool:
    pattern = re.compile(rf"^\s*(import|from)\s+{re.escape(module)}\b", re.MULTILINE)
    return any(pattern.search(path.read_text(encoding="utf-8")) for path in (REPO / "checker").rglob("*.py"))


def test_every_dependency_is_imported_and_bounded():
    for requirement in _project()["dependencies"]:
        name = _distribution(requirement)
        assert name in IMPORT_NAME, f"{name}: add its import name to IMPORT_NAME"
        assert _imported_anywhere(IMPORT_NAME[name]), f"{name} is declared but checker/ never imports it"
        assert "<" in requirement, f"{requirement}: bound it below the next major version"


def test_license_is_an_spdx_expression_with_its_file():
    project = _project()
    assert project["license"] == "MIT"
    assert (REPO / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert project["license-files"] == ["LICENSE"]


def _run(command: list[str], cwd: Path) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{output}"
    return output


@pytest.mark.slow
def test_wheel_and_sdist_install_and_run_in_a_fresh_venv(tmp_path: Path):
    pytest.importorskip("build")
    dist = tmp_path / "dist"
    log = _run([sys.executable, "-m", "build", "--outdir", str(dist), str(REPO)], tmp_path)
    assert "deprecated" not in log.lower(), log
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info/METADATA")
    assert b"License-Expression: MIT" in metadata
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python, capcheck = env / "bin" / "python", env / "bin" / "capcheck"
    for install in ([str(wheel)], ["--force-reinstall", "--no-deps", str(sdist)]):
        log = _run([str(python), "-m", "pip", "install", *install], tmp_path)
        assert "deprecated" not in log.lower(), log
        out = _run([str(capcheck), "check", str(REPO / "specs" / "two_phase.cap")], tmp_path)
        assert "result: holds (explored all 288 reachable states)" in out
    assert _run([str(capcheck), "--version"], tmp_path).strip() == "capcheck 0.1.0"
