"""`--coverage` on `capcheck check` and `capcheck test`: the table, the JSON, the HTML
report, the warnings for steps that never fired, the engines it is refused with, and
output that does not depend on the hash seed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support import NEVER_FIRES as NEVER, REPO_ROOT, write

WARNING = ("never.cap:10: warning: n.action reset never fired in the 3 states explored: what holds may hold "
           "only because it never happens")


def test_check_prints_the_table_and_warns(workdir: Path, run_cli) -> None:
    write(workdir, "never.cap", NEVER)
    code, out, _ = run_cli(["check", "never.cap", "--coverage"])
    assert code == 0
    assert out.splitlines() == [
        "never.cap: 3 distinct states, 3 generated, depth 2",
        "invariant small: holds",
        "coverage over the 3 states expanded: enabled = in how many a step could be taken, fired = how many "
        "transitions it took",
        "  step            line  enabled  fired",
        "  n.action inc       7        2      2",
        "  n.action reset    10        0      0",
        WARNING,
        "result: holds (explored all 3 reachable states)",
    ]
    assert "coverage" not in run_cli(["check", "never.cap"])[1]


def test_the_json_report_has_the_counts(workdir: Path, run_cli) -> None:
    write(workdir, "never.cap", NEVER)
    data = json.loads(run_cli(["check", "never.cap", "--coverage", "--json", "-"])[1])
    assert data["schema"] == 6
    assert data["coverage"] == {
        "states": 3, "never_fired": ["n.action reset"],
        "steps": [{"name": "n.action inc", "line": 7, "enabled": 2, "fired": 2},
                  {"name": "n.action reset", "line": 10, "enabled": 0, "fired": 0}]}
    assert "coverage" not in json.loads(run_cli(["check", "never.cap", "--json", "-"])[1])


def test_the_html_report_has_the_table_and_the_warning(workdir: Path, run_cli) -> None:
    write(workdir, "never.cap", NEVER)
    assert run_cli(["check", "never.cap", "--coverage", "--report", "r.html"])[0] == 0
    page = (workdir / "r.html").read_text(encoding="utf-8")
    assert "<caption>coverage over the 3 states expanded" in page
    assert "<td class=\"\">n.action reset</td><td class=\"\">10</td><td class=\"\">0</td>" in page
    assert f"<p>{WARNING}</p>" in page


@pytest.mark.parametrize("flags, said", [(["--simulate"], "--simulate"), (["--engine", "smt"], "--engine smt")])
def test_refused_where_no_search_counts_steps(workdir: Path, run_cli, flags: list[str], said: str) -> None:
    write(workdir, "never.cap", NEVER)
    code, out, err = run_cli(["check", "never.cap", "--coverage", *flags])
    assert code == 2 and out == ""
    assert f"--coverage counts the steps of the explicit search, not of {said}" in err


def test_with_both_engines_the_explicit_search_counts(workdir: Path, run_cli) -> None:
    write(workdir, "never.cap", NEVER)
    data = json.loads(run_cli(["check", "never.cap", "--coverage", "--engine", "both", "--json", "-"])[1])
    explicit, smt = data["engines"]
    assert explicit["coverage"]["never_fired"] == ["n.action reset"] and "coverage" not in smt


def test_capcheck_test_warns_without_failing(workdir: Path, run_cli) -> None:
    write(workdir, "never.cap", NEVER)
    code, out, _ = run_cli(["test", "--coverage"])
    assert code == 0
    assert out.splitlines() == ["./never.cap .", "", "./" + WARNING, "", "1 passed, 0 failed, 1 warning"]
    assert run_cli(["test"])[1].splitlines() == ["./never.cap .", "1 passed, 0 failed"]


SCRIPT = """
import sys
from checker.cli import main
main(["check", "specs/two_phase_broken.cap", "--coverage", "--quiet"])
main(["test", "--coverage", "specs/two_phase.cap"])
"""


def test_the_counts_do_not_depend_on_the_hash_seed() -> None:
    def run(seed: str) -> str:
        env = dict(os.environ, PYTHONHASHSEED=seed)
        return subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO_ROOT, env=env, capture_output=True,
                              text=True, timeout=120).stdout
    first = run("1")
    assert "rm.on abort" in first and first == run("4242")
