"""Golden tests of bad history files: every tests/golden/history/NAME.EXT (other than
.expect) is a small history with one mistake, and NAME.expect is the exact stderr of
`capcheck history tests/golden/history/NAME.EXT` run from the repository root: exit code
2, nothing on stdout, a located `FILE:LINE:COL: error:` with the line and a caret.

To add a case, write the file and run

    CAPCHECK_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/golden/test_history_golden.py

then read the new .expect files and review `git diff tests/golden/history`.
"""

from __future__ import annotations

import re

import pytest

from support import GOLDEN, REPO_ROOT, UPDATE_GOLDEN

GOLDEN_DIR = GOLDEN / "history"
CASES = sorted(p.name for p in GOLDEN_DIR.iterdir() if p.suffix != ".expect")
HEAD = re.compile(r"^tests/golden/history/[\w.]+:\d+:\d+: error: .+$")


def _expect(name: str):
    return GOLDEN_DIR / (name.rsplit(".", 1)[0] + ".expect")


def test_every_kind_of_bad_input_has_a_case() -> None:
    stems = {name.rsplit(".", 1)[0] for name in CASES}
    for kind in ("missing_value", "unknown_operation", "response_without_invocation", "two_outstanding"):
        assert any(stem.endswith(kind) for stem in stems), kind
    assert {name.rsplit(".", 1)[1] for name in CASES} >= {"log", "edn", "json"}


@pytest.mark.parametrize("name", CASES)
def test_golden_history_error(name: str, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    code, out, err = run_cli(["history", f"tests/golden/history/{name}"])
    assert code == 2, f"expected exit 2, got {code}; stdout: {out!r}"
    assert out == ""
    assert "Traceback" not in err and "internal error" not in err
    if UPDATE_GOLDEN:
        _expect(name).write_text(err, encoding="utf-8", newline="")
        return
    assert _expect(name).exists(), f"no {_expect(name).name}; run with CAPCHECK_UPDATE_GOLDEN=1 to create it"
    assert err == _expect(name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", CASES)
def test_golden_history_error_is_located(name: str) -> None:
    if not _expect(name).exists():
        pytest.skip("no .expect yet")
    lines = _expect(name).read_text(encoding="utf-8").splitlines()
    assert HEAD.match(lines[0]), lines[0]
    assert re.match(r"^ \d+ \| ", lines[1]) and re.match(r"^ +\| *\^+$", lines[2])
