"""Golden tests of spec errors: every tests/golden/errors/NAME.cap is a small spec with one
mistake, and NAME.expect is the exact stderr of `capcheck parse tests/golden/errors/NAME.cap`
run from the repository root (exit code 2, nothing on stdout).

To add a case, write NAME.cap and run

    CAPCHECK_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/golden/test_golden_errors.py

which (re)writes every .expect file from the current output instead of comparing; then read
the new .expect files (is the message clear? does the caret point at the mistake?) and
review `git diff tests/golden` before committing.
"""

from __future__ import annotations

import re

import pytest

from support import GOLDEN, REPO_ROOT, UPDATE_GOLDEN

GOLDEN_DIR = GOLDEN / "errors"
CASES = sorted(p.stem for p in GOLDEN_DIR.glob("*.cap"))
CARET_LINE = re.compile(r"^ +\| *\^+$", re.MULTILINE)


def _relative(name: str) -> str:
    return f"tests/golden/errors/{name}.cap"


def _read_expect(name: str) -> str:
    return (GOLDEN_DIR / f"{name}.expect").read_bytes().decode("utf-8")


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("name", CASES)
def test_golden_error(name: str, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    code, out, err = run_cli(["parse", _relative(name)])
    assert code == 2, f"expected a spec error (exit 2), got exit {code}; stdout: {out!r}"
    assert out == ""
    assert "Traceback" not in err and "internal error" not in err
    expect_path = GOLDEN_DIR / f"{name}.expect"
    if UPDATE_GOLDEN:
        expect_path.write_text(err, encoding="utf-8", newline="")
        return
    assert expect_path.exists(), f"no {expect_path.name}; run with CAPCHECK_UPDATE_GOLDEN=1 to create it"
    assert err == _read_expect(name)


@pytest.mark.parametrize("name", CASES)
def test_expect_is_located(name: str) -> None:
    if not (GOLDEN_DIR / f"{name}.expect").exists():
        pytest.skip("no .expect yet")
    text = _read_expect(name)
    assert re.match(re.escape(_relative(name)) + r":[0-9]+:[0-9]+: error: \S", text), text
    assert CARET_LINE.search(text), f"no caret line in {name}.expect"
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_every_expect_has_a_spec() -> None:
    orphans = sorted(p.name for p in GOLDEN_DIR.glob("*.expect") if p.stem not in CASES)
    assert orphans == []
