"""`--error-format json` (cli/errors_out.py): every command prints spec errors and usage
errors as JSON, one object per diagnostic and line on stderr, with the same places the text
form shows; the text form is unchanged by default."""

from __future__ import annotations

import json

import pytest

from checker.cli.app import build_parser
from checker.cli.completion import commands_of

from support import REPO_ROOT

GOLDEN = REPO_ROOT / "tests" / "golden" / "errors"
DUPLICATE = GOLDEN / "sem_duplicate_declaration.cap"


def _objects(err: str) -> list[dict]:
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def test_every_command_has_the_option() -> None:
    for c in commands_of(build_parser("completion")):      # completion builds every command
        assert any("--error-format" in o.names for o in c.options), c.name


@pytest.mark.parametrize("command", [["parse"], ["check"], ["cap"], ["check", "--json", "-"]])
def test_a_spec_error_with_a_note_as_json(run_cli, command) -> None:
    code, out, err = run_cli([command[0], str(DUPLICATE), *command[1:], "--error-format", "json"])
    assert code == 2 and out == ""
    [d] = _objects(err)
    assert d == {"severity": "error", "message": "'N' is already declared as a constant", "file": str(DUPLICATE),
                 "line": 5, "column": 11, "end_line": 5, "end_column": 12,
                 "notes": [{"message": "first declared here", "line": 2, "column": 11, "end_line": 2,
                            "end_column": 12}]}


def test_the_text_form_is_the_default_and_unchanged(run_cli) -> None:
    code, _, err = run_cli(["parse", str(DUPLICATE)])
    expected = (GOLDEN / "sem_duplicate_declaration.expect").read_text()
    assert code == 2 and err.replace(str(DUPLICATE), "tests/golden/errors/sem_duplicate_declaration.cap") == expected


def test_a_usage_error_as_json(run_cli, tmp_path) -> None:
    code, _, err = run_cli(["check", str(tmp_path / "missing.cap"), "--error-format", "json"])
    [d] = _objects(err)
    assert code == 2 and d["file"] is None and d["line"] is None and "cannot read" in d["message"]


def test_an_error_in_a_history_file_is_located_in_it(run_cli, tmp_path) -> None:
    bad = tmp_path / "bad.edn"
    bad.write_text('{:type :invoke, :f :read, :process 0}\n{:type :ok, :f :read, :process 0, :value 1\n')
    code, _, err = run_cli(["history", str(bad), "--error-format", "json"])
    [d] = _objects(err)
    assert code == 2 and d["file"] == str(bad) and d["line"] == 2


def test_every_diagnostic_of_a_spec_is_one_line(run_cli, tmp_path) -> None:
    spec = tmp_path / "two.cap"
    spec.write_text('protocol p:\n    node n:\n        var x: 0..1 = 0\n        action a when y > 0:\n'
                    '            x = 1\n        action b when z > 0:\n            x = 0\n')
    code, _, err = run_cli(["parse", str(spec), "--error-format", "json"])
    found = _objects(err)
    assert code == 2 and len(found) == len(err.strip().splitlines()) >= 1
    assert [d["line"] for d in found] == sorted(d["line"] for d in found)
