"""Start-up: each command imports only what it uses (checker/cli/commands.py). Checked by
what a fresh process has in sys.modules after running the command, never by timing
(bench/startup.py measures the times)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from checker.cli.commands import COMMANDS

from support import REPO_ROOT

REPO = REPO_ROOT
ENGINES = ("z3", "checker.explore", "checker.smt", "checker.analysis")
SPEC_SIDE = ("lark", "checker.dsl", "checker.semantics", "checker.model", "checker.pipeline")
HISTORY_SIDE = ("checker.history", "checker.props")
OUTPUTS = ("checker.render", "checker.traces")


def modules_after(*argv: str) -> tuple[int, set[str]]:
    """The exit code of `capcheck ARGV` run in a fresh interpreter, and the modules it imported."""
    program = ("import json, sys\nfrom checker.cli import main\ncode = main(sys.argv[1:])\n"
               "sys.stdout.flush()\nsys.stderr.write('\\nMODULES ' + json.dumps(sorted(sys.modules)))\n"
               "sys.exit(code)\n")
    done = subprocess.run([sys.executable, "-c", program, *argv], cwd=REPO, capture_output=True, text=True)
    modules = json.loads(done.stderr.rsplit("MODULES ", 1)[1])
    return done.returncode, set(modules)


def loaded(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in packages))


@pytest.mark.parametrize("argv", [["--version"], ["--help"]])
def test_version_and_help_import_no_command(argv):
    code, modules = modules_after(*argv)
    assert code == 0
    assert loaded(modules, ENGINES + SPEC_SIDE + HISTORY_SIDE + OUTPUTS) == []
    assert loaded(modules, ("checker.cli",)) == ["checker.cli", "checker.cli.app", "checker.cli.commands",
                                                 "checker.cli.output"]


def test_no_command_is_a_usage_error_that_imports_no_command():
    code, modules = modules_after()
    assert code == 2
    assert loaded(modules, ENGINES + SPEC_SIDE + HISTORY_SIDE + OUTPUTS) == []


def test_parse_imports_no_engine():
    code, modules = modules_after("parse", "specs/two_phase.cap")
    assert code == 0
    assert loaded(modules, ENGINES + HISTORY_SIDE[:1] + OUTPUTS) == []


def test_a_history_imports_neither_the_spec_side_nor_an_engine():
    code, modules = modules_after("history", "docs/examples/etcd.log")
    assert code == 0
    assert loaded(modules, ENGINES + SPEC_SIDE) == []
    assert "multiprocessing" not in modules   # only `--jobs` needs it


def test_import_checker_is_cheap():
    done = subprocess.run([sys.executable, "-c", "import checker, json, sys; print(json.dumps(sorted(sys.modules)))"],
                          cwd=REPO, capture_output=True, text=True, check=True)
    assert loaded(set(json.loads(done.stdout)), ENGINES + SPEC_SIDE + HISTORY_SIDE + OUTPUTS) == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_in_the_table_builds_its_options(name, run_cli):
    code, out, _ = run_cli([name, "--help"])
    assert code == 0
    assert out.startswith(f"usage: capcheck {name} ")


def test_help_lists_every_command(run_cli):
    code, out, _ = run_cli(["--help"])
    assert code == 0
    for name, command in COMMANDS.items():
        assert f"    {name}" in out and command.help.split()[0] in out


def test_a_mistyped_command_is_a_usage_error(run_cli):
    code, _, err = run_cli(["chekc", "specs/two_phase.cap"])
    assert code == 2
    assert "invalid choice: 'chekc'" in err


def _parse_with_cache(cache_home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    program = "import sys; from checker.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", program, "parse", "specs/two_phase.cap"], cwd=REPO, env=env,
                          capture_output=True, text=True)


def test_the_parser_tables_are_cached_and_a_bad_cache_is_rebuilt(tmp_path):
    first = _parse_with_cache(tmp_path)
    (cached,) = (tmp_path / "capcheck").glob("grammar-*.lark")
    assert _parse_with_cache(tmp_path).stdout == first.stdout
    cached.write_bytes(cached.read_bytes()[:200])      # a file cut short, as by a crash while writing
    again = _parse_with_cache(tmp_path)
    assert (again.returncode, again.stdout, again.stderr) == (0, first.stdout, "")
    assert cached.stat().st_size > 200                  # rewritten whole


def test_without_a_cache_directory_the_parser_is_built_each_time(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    done = _parse_with_cache(blocked)
    assert (done.returncode, done.stderr) == (0, "")
    assert "is well-formed" in done.stdout
