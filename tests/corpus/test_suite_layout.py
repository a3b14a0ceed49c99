"""The test suite keeps the layout tests/README.md describes: every test module in one of
its groups, none importing another (shared helpers live in support.py and oracles/)."""

from __future__ import annotations

import ast
from pathlib import Path

from support import REPO_ROOT

TESTS = REPO_ROOT / "tests"
GROUPS = ("unit", "cli", "golden", "oracles", "corpus")
UNIT_PACKAGES = {p.name for p in (REPO_ROOT / "checker").iterdir() if (p / "__init__.py").exists()}


def _test_modules() -> list[Path]:
    return sorted(TESTS.rglob("test_*.py"))


def test_every_test_module_is_in_a_group() -> None:
    for path in _test_modules():
        parts = path.relative_to(TESTS).parts
        assert len(parts) > 1 and parts[0] in GROUPS, (
            f"{path.relative_to(REPO_ROOT)}: move it into one of tests/{{{','.join(GROUPS)}}}/ (tests/README.md)")
        if parts[0] == "unit":
            assert len(parts) == 3 and parts[1] in UNIT_PACKAGES, (
                f"{path.relative_to(REPO_ROOT)}: unit tests live in tests/unit/<package of checker>/")


def test_no_test_module_imports_another() -> None:
    names = {p.stem for p in _test_modules()} | {"conftest"}
    for path in _test_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                imported = [node.module or ""]
            elif isinstance(node, ast.Import):
                imported = [a.name for a in node.names]
            else:
                continue
            for name in imported:
                assert name.split(".")[-1] not in names, (
                    f"{path.relative_to(REPO_ROOT)} imports {name}: put what it needs in tests/support.py")
