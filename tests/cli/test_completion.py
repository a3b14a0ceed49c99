"""`capcheck completion bash|zsh` (cli/completion.py): scripts generated from the parser,
which the shells accept and which complete commands, options, choices and spec files
(bash is driven for real with COMP_WORDS; zsh is only parsed, when it is installed)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from checker.cli.app import build_parser
from checker.cli.completion import commands_of

from support import DOCS


def _script(run_cli, shell: str) -> str:
    code, out, err = run_cli(["completion", shell])
    assert code == 0 and err == ""
    return out


def test_every_command_and_option_of_the_parser_is_in_both_scripts(run_cli) -> None:
    bash, zsh = _script(run_cli, "bash"), _script(run_cli, "zsh")
    found = commands_of(build_parser("completion"))
    assert [c.name for c in found] == ["parse", "check", "replay", "history", "cap", "render", "test", "completion", "lsp"]
    for c in found:
        assert f"    {c.name})" in bash and f"    {c.name})" in zsh
        for o in c.options:
            for name in o.names:
                assert name in bash and f"'{name}[" in zsh, (c.name, name)
    check = next(c for c in found if c.name == "check")
    assert next(o for o in check.options if "--engine" in o.names).choices == ("explicit", "smt", "both")
    assert next(o for o in check.options if "--render" in o.names).value == "dir"


def _complete(script: str, words: list[str], cwd) -> list[str]:
    """What bash's completion function offers for the command line `words` (the last one
    being completed)."""
    program = (script + "\nCOMP_WORDS=(" + " ".join(f"'{w}'" for w in words) + ")\n"
               f"COMP_CWORD={len(words) - 1}\n_capcheck\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n")
    done = subprocess.run(["bash", "--norc", "-c", program], capture_output=True, text=True, cwd=cwd, timeout=60)
    assert done.returncode == 0, done.stderr
    return sorted(line for line in done.stdout.splitlines() if line)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_commands_options_choices_and_specs(run_cli, tmp_path) -> None:
    script = _script(run_cli, "bash")
    (tmp_path / "pair.cap").write_text("")
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / "out").mkdir()
    assert _complete(script, ["capcheck", "ch"], tmp_path) == ["check"]
    assert _complete(script, ["capcheck", "check", "--eng"], tmp_path) == ["--engine"]
    assert _complete(script, ["capcheck", "check", "--engine", ""], tmp_path) == ["both", "explicit", "smt"]
    assert _complete(script, ["capcheck", "check", ""], tmp_path) == ["out", "pair.cap"]
    assert _complete(script, ["capcheck", "check", "pair.cap", "--render", ""], tmp_path) == ["out"]
    assert _complete(script, ["capcheck", "history", ""], tmp_path) == ["notes.txt", "out", "pair.cap"]
    assert _complete(script, ["capcheck", "completion", ""], tmp_path) == ["bash", "zsh"]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_parses_the_script(run_cli, tmp_path) -> None:
    path = tmp_path / "_capcheck"
    path.write_text(_script(run_cli, "zsh"))
    done = subprocess.run(["zsh", "-n", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_an_unknown_shell_is_a_usage_error(run_cli) -> None:
    code, _, err = run_cli(["completion", "fish"])
    assert code == 2 and "invalid choice: 'fish'" in err


def test_the_documented_install_lines_run(run_cli) -> None:
    """docs/cli.md's install lines name `capcheck completion SHELL`; each runs."""
    section = (DOCS / "cli.md").read_text().split("## `capcheck completion`", 1)[1].split("\n## ", 1)[0]
    shown = [line for line in section.splitlines() if "capcheck completion " in line and "|" not in line]
    assert len(shown) == 2
    for line in shown:
        shell = line.split("capcheck completion ", 1)[1].split(")")[0].split()[0]
        assert _script(run_cli, shell)
