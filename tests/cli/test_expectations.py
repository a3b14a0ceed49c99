"""Expected verdicts in specs: the syntax (`check linearizable expect violated in 6 steps`,
located errors, printed back), `capcheck test` (its lines, summary and exit statuses) and
the pytest plugin (run in a subprocess, with plugin autoloading off and the plugin named,
so that the result does not depend on how capcheck is installed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from checker.dsl import ast, parse_bytes
from checker.dsl.printer import format_protocol
from checker.errors import SpecError
from checker.expectations import Expected, check_spec, expectations
from support import REPO_ROOT

COUNTER = """protocol counter:
    node a:
        var x: 0..3 = 0

        action inc when x < 3:
            x = x + 1

    invariant small: a.x < 2 expect violated in {steps} steps
    invariant bounded: a.x <= 3 expect holds
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_expectations_parse_and_print_back() -> None:
    protocol, _ = parse_bytes(COUNTER.format(steps=2).encode(), "c.cap")
    assert expectations(protocol) == [Expected("small", "invariant small", "violated", 2),
                                      Expected("bounded", "invariant bounded", "holds", None)]
    printed = format_protocol(protocol)
    assert "invariant small: a.x < 2 expect violated in 2 steps" in printed
    assert parse_bytes(printed.encode(), "c.cap")[0] == protocol


@pytest.mark.parametrize("line, message", [
    ("check deadlock_free expect hold", "expected 'holds' or 'violated' after 'expect', got 'hold'"),
    ("check deadlock_free expect holds in 3 steps", "only a violation has a number of steps"),
    ("check deadlock_free expect violated in 3 moves", "expected 'steps' after the number, got 'moves'"),
])
def test_a_malformed_expectation_is_a_located_error(line: str, message: str) -> None:
    text = COUNTER.format(steps=2) + f"    {line}\n"
    with pytest.raises(SpecError) as caught:
        parse_bytes(text.encode(), "c.cap")
    assert message in caught.value.render()
    assert caught.value.render().startswith("c.cap:10:")


def test_an_expectation_is_data() -> None:
    with pytest.raises(ValueError):
        ast.Expectation("holds", 3)


def test_check_spec_compares_verdicts_and_lengths(tmp_path: Path) -> None:
    good = check_spec(str(write(tmp_path, "good.cap", COUNTER.format(steps=2))))
    assert [(o.expected.name, o.passed, o.got) for o in good] == [("small", True, "violated after 2 steps"),
                                                                  ("bounded", True, "holds")]
    bad = check_spec(str(write(tmp_path, "bad.cap", COUNTER.format(steps=3))))
    assert bad[0].message() == "invariant small: expect violated in 3 steps, got violated after 2 steps"
    assert bad[0].trace.splitlines()[-1].strip() == "a.x: 1 -> 2"
    plain = write(tmp_path, "plain.cap", COUNTER.format(steps=2).replace(" expect violated in 2 steps", "")
                  .replace(" expect holds", ""))
    assert check_spec(str(plain)) == []   # states no expectation


def test_capcheck_test_prints_a_line_per_spec_then_failures_and_the_summary(tmp_path: Path, run_cli,
                                                                             monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "a_good.cap", COUNTER.format(steps=2))
    write(tmp_path, "b_bad.cap", COUNTER.format(steps=3))
    write(tmp_path, "c_plain.cap", COUNTER.format(steps=2).replace(" expect violated in 2 steps", "")
          .replace(" expect holds", ""))
    code, out, err = run_cli(["test"])
    assert (code, err) == (1, "")
    assert out.splitlines()[:3] == ["./a_good.cap ..", "./b_bad.cap F.", ""]
    assert "FAILED ./b_bad.cap: invariant small: expect violated in 3 steps, got violated after 2 steps" in out
    assert out.splitlines()[-1] == "3 passed, 1 failed"
    assert run_cli(["test", "a_good.cap"])[0] == 0


def test_capcheck_test_on_the_spec_library(run_cli, monkeypatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    code, out, _ = run_cli(["test", "specs/two_phase.cap", "specs/two_phase_broken.cap"])
    assert (code, out) == (0, "specs/two_phase.cap ..\nspecs/two_phase_broken.cap ..\n4 passed, 0 failed\n")


def test_capcheck_test_errors(tmp_path: Path, run_cli) -> None:
    bad = write(tmp_path, "bad.cap", COUNTER.format(steps=2).replace("expect holds", "expect hold"))
    code, out, _ = run_cli(["test", str(bad)])
    assert code == 2 and f"{bad}:9:40: error: expected 'holds' or 'violated'" in out
    assert out.splitlines()[-1] == "0 passed, 0 failed, 1 error"
    plain = write(tmp_path, "plain.cap", COUNTER.format(steps=2).replace(" expect violated in 2 steps", "")
                  .replace(" expect holds", ""))
    code, out, err = run_cli(["test", str(plain)])
    assert (code, out) == (2, "") and "states an expectation" in err


def test_the_pytest_plugin_collects_specs_with_expectations(tmp_path: Path) -> None:
    write(tmp_path, "good.cap", COUNTER.format(steps=2))
    write(tmp_path, "bad.cap", COUNTER.format(steps=3))
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "checker.pytest_plugin", "-p", "no:cacheprovider",
                           "-rA", "-q"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "PASSED good.cap::invariant small" in done.stdout
    assert "FAILED bad.cap::invariant small - invariant small: expect violated in 3 steps" in done.stdout
    assert "counterexample:" in done.stdout and "a.x: 1 -> 2" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("1 failed, 3 passed")


def test_the_pytest_plugin_names_an_expectation_with_its_constants(tmp_path: Path) -> None:
    write(tmp_path, "sized.cap", SIZED)
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "checker.pytest_plugin", "-p", "no:cacheprovider",
                           "-rA", "-q"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASSED sized.cap::invariant small with SLOW = true, MAX = 2" in done.stdout
    assert "PASSED sized.cap::check deadlock_free with MAX = 1" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("4 passed")


# ---------------------------------------------------------------- expectations under other constants

SIZED = """protocol sized:
    const MAX = 3
    const SLOW = false
    node a:
        var x: 0..MAX = 0

        action inc when x < MAX and not SLOW:
            x = x + 1

    invariant small: a.x < 2 \\
        expect violated in 2 steps \\
        expect holds with MAX = 1 \\
        expect holds with SLOW = true, MAX = 2
    check deadlock_free expect holds with MAX = 1
"""


def test_expectations_with_constants_parse_and_print_back() -> None:
    protocol, _ = parse_bytes(SIZED.encode(), "s.cap")
    assert expectations(protocol) == [
        Expected("small", "invariant small", "violated", 2),
        Expected("small", "invariant small", "holds", None, (("MAX", 1),)),
        Expected("small", "invariant small", "holds", None, (("SLOW", True), ("MAX", 2))),
        Expected("deadlock_free", "check deadlock_free", "holds", None, (("MAX", 1),))]
    assert expectations(protocol)[2].title == "invariant small with SLOW = true, MAX = 2"
    printed = format_protocol(protocol)
    assert ("invariant small: a.x < 2 expect violated in 2 steps expect holds with MAX = 1 "
            "expect holds with SLOW = true, MAX = 2") in printed
    assert parse_bytes(printed.encode(), "s.cap")[0] == protocol


def test_with_is_still_a_name() -> None:
    text = SIZED.replace("const SLOW = false", "const with = 1").replace("and not SLOW", "and with == 1") \
        .replace("SLOW = true, ", "")
    protocol, _ = parse_bytes(text.encode(), "s.cap")
    assert [e.constants for e in expectations(protocol)][2] == (("MAX", 2),)


def test_check_spec_searches_once_per_set_of_constants(tmp_path: Path) -> None:
    outcomes = check_spec(str(write(tmp_path, "s.cap", SIZED)))
    assert [(o.expected.title, o.passed, o.got) for o in outcomes] == [
        ("invariant small", True, "violated after 2 steps"),
        ("invariant small with MAX = 1", True, "holds"),
        ("invariant small with SLOW = true, MAX = 2", True, "holds"),
        ("check deadlock_free with MAX = 1", True, "holds")]
    wrong = check_spec(str(write(tmp_path, "w.cap", SIZED.replace("expect holds with MAX = 1 ",
                                                                  "expect holds with MAX = 2 "))))
    assert wrong[1].message() == "invariant small: expect holds with MAX = 2, got violated after 2 steps"


@pytest.mark.parametrize("clause, message, at", [
    ("expect holds with M = 1", "there is no constant 'M'; the constants are 'MAX' and 'SLOW'", "M = 1"),
    ("expect holds with SLOWW = 1", "there is no constant 'SLOWW' (did you mean 'SLOW'?)", "SLOWW = 1"),
    ("expect holds with MAX = 1, MAX = 2", "'MAX' is given twice after 'with'", "MAX = 2"),
    ("expect holds expect violated", "a second expectation for this property at the spec's own constants",
     "expect violated"),
    ("expect holds with MAX = 1 expect holds with MAX = 1",
     "a second expectation for this property under the same constants", "expect holds with MAX = 1"),
])
def test_a_wrong_with_is_a_located_error(tmp_path: Path, clause: str, message: str, at: str) -> None:
    line = f"    invariant other: a.x < 3 {clause}"
    path = write(tmp_path, "s.cap", SIZED + line + "\n")
    with pytest.raises(SpecError) as caught:
        check_spec(str(path))
    assert caught.value.render().startswith(f"{path}:15:{line.rindex(at) + 1}: error: {message}")
