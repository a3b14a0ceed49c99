"""The `capcheck` command line: exit codes, options, messages, and robustness on hostile input.

Every case runs the CLI in-process through the `run_cli` fixture, except the last tests,
which run the installed console script and `python -m checker` in a subprocess.
"""

from __future__ import annotations

import io
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import checker
from checker.cli.options import Define, overrides_of, parse_define
from checker.cli.output import emit
from checker.dsl import parse
from checker.dsl import parser as parser_module
from checker.errors import UsageError

from support import LOCATED, REPO_ROOT, write

# The example of the project brief: a well-formed spec (it must also pass the semantic checker).
EXAMPLE = '''\
protocol async_primary_backup:
    "Master-slave replication: the primary acknowledges before the backup has the write."

    const N = 2
    object register(values = {1, 2}, initial = 0)   # what clients see
    clients 2, ops 2
    address vip = replica[0]
    route clients to vip
    network unordered
    faults crash <= 1, partition <= 1
    message sync(v: Value)

    node replica[N]:
        durable replicated var value: Value = 0
        var role: {primary, backup} = primary if self == replica[0] else backup

        request write(v) as h when role == primary:
            value = v
            send sync(v) to others
            reply ok

        request read() when role == primary:
            reply value

        on sync(v) from p:
            value = v

        timeout failover when role == backup and not up(replica[0]):
            role = primary
            take vip

    check linearizable
    invariant one_primary: count(r in replica: up(r) and r.role == primary) <= 1
'''
SUMMARY = "(1 role, 2 nodes, 1 message, 4 handlers, 2 properties)"


def _assert_clean_failure(code: int, out: str, err: str, path: str) -> None:
    """Exit 2 with one located diagnostic (or a size error), never a traceback."""
    assert code == 2, (code, err)
    assert out == ""
    assert "Traceback" not in err and "internal error" not in err
    if "spec file is too large" in err:
        assert err.startswith(f"{path}:1:1: error: spec file is too large")
        return
    match = LOCATED.match(err)
    assert match and match["path"] == path, err[:500]
    assert int(match["line"]) >= 1 and int(match["col"]) >= 1


# ---------------------------------------------------------------- version, help, usage


def test_version(run_cli) -> None:
    code, out, err = run_cli(["--version"])
    assert (code, out, err) == (0, f"capcheck {checker.__version__}\n", "")


def test_help_exits_zero(run_cli) -> None:
    code, out, _ = run_cli(["--help"])
    assert code == 0 and "parse" in out and "exit codes" in out


def test_parse_help_mentions_options(run_cli) -> None:
    code, out, _ = run_cli(["parse", "--help"])
    assert code == 0 and "-D NAME=VALUE" in out and "--print" in out and "--ir" in out


@pytest.mark.parametrize("argv", [
    [], ["frobnicate"], ["--no-such-option"], ["parse"], ["parse", "a.cap", "b.cap"],
    ["parse", "x.cap", "--print", "--ir"],
])
def test_usage_errors_exit_2(run_cli, workdir: Path, argv: list[str]) -> None:
    code, out, err = run_cli(argv)
    assert code == 2 and out == ""
    assert "usage:" in err and "Traceback" not in err


# ---------------------------------------------------------------- parse: success


def test_parse_prints_one_summary_line(run_cli, workdir: Path) -> None:
    path = write(workdir, "example.cap", EXAMPLE)
    code, out, err = run_cli(["parse", path])
    assert (code, err) == (0, "")
    assert out.count("\n") == 1
    assert out.startswith("example.cap: protocol async_primary_backup ")
    assert SUMMARY in out


def test_parse_output_is_deterministic(run_cli, workdir: Path) -> None:
    path = write(workdir, "example.cap", EXAMPLE)
    assert run_cli(["parse", path]) == run_cli(["parse", path])


def test_main_reads_sys_argv_by_default(run_cli, workdir: Path, monkeypatch) -> None:
    path = write(workdir, "example.cap", EXAMPLE)
    monkeypatch.setattr(sys, "argv", ["capcheck", "parse", path])
    code, out, _ = run_cli(None)
    assert code == 0 and out.startswith("example.cap: protocol ")


def test_paths_are_shown_as_given(run_cli, workdir: Path) -> None:
    (workdir / "sub").mkdir()
    write(workdir / "sub", "example.cap", EXAMPLE)
    code, out, _ = run_cli(["parse", "./sub/../sub/example.cap"])
    assert code == 0 and out.startswith("./sub/../sub/example.cap: protocol ")


def test_define_changes_the_node_count(run_cli, workdir: Path) -> None:
    path = write(workdir, "example.cap", EXAMPLE)
    code, out, err = run_cli(["parse", path, "-D", "N=3"])
    assert (code, err) == (0, "")
    assert "3 nodes" in out


def test_define_attached_form(run_cli, workdir: Path) -> None:
    path = write(workdir, "example.cap", EXAMPLE)
    code, out, _ = run_cli(["parse", "-DN=1", path])
    assert code == 0 and "1 node," in out


# ---------------------------------------------------------------- -D values


@pytest.mark.parametrize("text, expected", [
    ("N=3", Define("N", 3)),
    ("N=-1", Define("N", -1)),
    ("N=007", Define("N", 7)),
    ("FAST=true", Define("FAST", True)),
    ("FAST=false", Define("FAST", False)),
    ("max_len = 4", Define("max_len", 4)),
])
def test_parse_define_accepts(text: str, expected: Define) -> None:
    value = parse_define(text)
    assert value == expected and type(value.value) is type(expected.value)


@pytest.mark.parametrize("text", ["N", "=3", "N=", "3N=1", "N-1=2", "N=x", "N=3.5", "N=0x10",
                                  "N=True", "N=1e3", "N=3 4", "N=" + "9" * 19, ""])
def test_parse_define_rejects(text: str) -> None:
    with pytest.raises(UsageError, match="-D"):
        parse_define(text)


@pytest.mark.parametrize("text", ["N", "=3", "N=", "3N=1", "N=x", "N=3.5", "N=True"])
def test_malformed_define_is_a_usage_error(run_cli, workdir: Path, text: str) -> None:
    path = write(workdir, "example.cap", EXAMPLE)
    code, out, err = run_cli(["parse", path, "-D", text])
    assert code == 2 and out == ""
    assert err.startswith("capcheck: error: -D ") and err.count("\n") == 1


def test_define_without_equals_shows_the_form(run_cli, workdir: Path) -> None:
    path = write(workdir, "example.cap", EXAMPLE)
    _, _, err = run_cli(["parse", path, "-D", "N"])
    assert err == "capcheck: error: -D expects NAME=VALUE, e.g. -D N=3 (got 'N')\n"


def test_conflicting_defines() -> None:
    assert overrides_of(["N=3", "N=3", "F=true"]) == {"N": 3, "F": True}
    with pytest.raises(UsageError, match="twice"):
        overrides_of(["N=3", "N=4"])


# ---------------------------------------------------------------- files that cannot be read


def test_missing_file(run_cli, workdir: Path) -> None:
    code, out, err = run_cli(["parse", "nope/missing.cap"])
    assert (code, out) == (2, "")
    assert err == "capcheck: error: cannot read 'nope/missing.cap': No such file or directory\n"


def test_directory_as_spec(run_cli, workdir: Path) -> None:
    (workdir / "specs").mkdir()
    code, out, err = run_cli(["parse", "specs"])
    assert (code, out) == (2, "")
    assert err == "capcheck: error: cannot read 'specs': Is a directory\n"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(run_cli, workdir: Path) -> None:
    path = write(workdir, "secret.cap", EXAMPLE)
    (workdir / path).chmod(0)
    code, _, err = run_cli(["parse", path])
    assert code == 2 and err == "capcheck: error: cannot read 'secret.cap': Permission denied\n"


def test_endless_device_is_refused_without_reading_it_all(run_cli) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    code, out, err = run_cli(["parse", "/dev/zero"])
    assert (code, out) == (2, "")
    assert err.startswith("/dev/zero:1:1: error: spec file is too large (more than ")


# ---------------------------------------------------------------- spec errors


def test_spec_error_is_rendered_exactly(run_cli, workdir: Path) -> None:
    path = write(workdir, "bad.cap", "protocol p:\n    const N = 3 +\n")
    code, out, err = run_cli(["parse", path])
    assert (code, out) == (2, "")
    assert err == (
        "bad.cap:2:18: error: unexpected end of line; expected an expression\n"
        " 2 |     const N = 3 +\n"
        "   |                  ^\n"
    )


def test_spec_error_in_a_crlf_file_has_no_carriage_return(run_cli, workdir: Path) -> None:
    path = write(workdir, "bad.cap", b"protocol p:\r\n    const N = 3 +\r\n    const M = 1\r\n")
    code, _, err = run_cli(["parse", path])
    assert code == 2 and "\r" not in err
    assert err.startswith("bad.cap:2:18: error: ")


# ---------------------------------------------------------------- --print and --ir


def test_print_gives_text_that_parses_to_the_same_protocol(run_cli, workdir: Path) -> None:
    path = write(workdir, "example.cap", EXAMPLE)
    code, out, err = run_cli(["parse", "--print", path])
    assert (code, err) == (0, "")
    assert parse(out, "printed.cap") == parse(EXAMPLE, "example.cap")


def test_ir_is_printed(run_cli, workdir: Path) -> None:
    path = write(workdir, "example.cap", EXAMPLE)
    code, out, err = run_cli(["parse", "--ir", path])
    assert (code, err) == (0, "") and out.strip()
    assert run_cli(["parse", "--ir", path])[1] == out


# ---------------------------------------------------------------- output encoding


def test_emit_escapes_what_the_stream_cannot_encode() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    emit("caf\u00e9.cap: ok", stream)
    stream.flush()
    assert raw.getvalue() == b"caf\\xe9.cap: ok\n"


# ---------------------------------------------------------------- bugs and interrupts


def test_internal_error_is_reported_not_raised(run_cli, workdir: Path, monkeypatch) -> None:
    def broken(*_args):
        raise RuntimeError("boom")

    monkeypatch.setattr("checker.cli.parse.load_spec", broken)
    monkeypatch.delenv("CAPCHECK_TRACEBACK", raising=False)
    code, out, err = run_cli(["parse", write(workdir, "example.cap", EXAMPLE)])
    assert (code, out) == (70, "")
    assert err.startswith("capcheck: internal error: RuntimeError: boom\n")
    assert "report" in err and "Traceback" not in err


def test_internal_error_traceback_on_request(run_cli, workdir: Path, monkeypatch) -> None:
    def broken(*_args):
        raise RuntimeError("boom")

    monkeypatch.setattr("checker.cli.parse.load_spec", broken)
    monkeypatch.setenv("CAPCHECK_TRACEBACK", "1")
    code, _, err = run_cli(["parse", write(workdir, "example.cap", EXAMPLE)])
    assert code == 70 and "Traceback" in err


def test_ctrl_c(run_cli, workdir: Path, monkeypatch) -> None:
    def interrupted(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr("checker.cli.parse.load_spec", interrupted)
    code, out, err = run_cli(["parse", write(workdir, "example.cap", EXAMPLE)])
    assert (code, out) == (130, "")
    assert err.strip() == "capcheck: interrupted"


# ---------------------------------------------------------------- robustness


def _garbage(seed: int) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4096)))


_SOUP = ["protocol", "p", ":", "\n", "    ", "        ", "node", "r", "[", "]", "(", ")", "{", "}",
         "var", "x", "=", "==", "1", "..", "2", "on", "from", "when", "send", "to", "reply",
         "if", "else", "elif", "for", "in", "not", "and", "count", "all", ",", ".", "+", "-",
         "//", "\"s\"", "#c", "\t", "\r\n", "true", "none", "self", "=>", "<=", "|", "&"]


def _token_soup(seed: int) -> str:
    rng = random.Random(seed)
    words = [rng.choice(_SOUP) for _ in range(rng.randrange(1, 80))]
    return "protocol p:\n    " + " ".join(words) + "\n"


def _mutant(seed: int) -> str:
    """The example with one random character deleted, duplicated or replaced."""
    rng = random.Random(seed)
    text = EXAMPLE
    i = rng.randrange(len(text))
    kind = rng.randrange(3)
    if kind == 0:
        return text[:i] + text[i + 1:]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    return text[:i] + rng.choice(" :()[]{}=\n\t\"'#.,<>!/x9") + text[i + 1:]


HEADER = "protocol stress:\n    const A = "

ROBUSTNESS_CASES = {
    "empty": b"",
    "only_spaces": b"   \n\n  \n",
    "only_comments": b"# nothing\n# here\n",
    "open_parens_100k": (HEADER + "(" * 100_000 + "\n").encode(),
    "balanced_parens_100k": (HEADER + "(" * 100_000 + "1" + ")" * 100_000 + "\n").encode(),
    "not_100k": (HEADER + "not " * 100_000 + "true\n").encode(),
    "minus_100k": (HEADER + "-" * 100_000 + "1\n").encode(),
    "brackets_100k": (HEADER + "[" * 100_000 + "\n").encode(),
    "sum_10k_one_line": (HEADER + "+".join(["1"] * 10_000) + "\n").encode(),
    "sum_10k_lines": (HEADER + "(" + " +\n".join(["1"] * 10_000) + ")\n").encode(),
    "tabs_and_spaces": b"protocol p:\n    node r:\n    \tvar x: bool\n",
    "tab_after_code": b"protocol p:\n    const N =\t3\n",
    "lone_cr": b"protocol p:\r    const N = 3\r",
    "too_large_3mb": b"protocol p:\n" + b"    const N = 3\n" * (3 * 1024 * 1024 // 16),
    "crlf": EXAMPLE.replace("\n", "\r\n").encode(),
    "utf8_bom": b"\xef\xbb\xbf" + EXAMPLE.encode(),
    "no_final_newline": EXAMPLE.rstrip("\n").encode(),
    "non_ascii_identifier": b"protocol p:\n    const \xc3\xa9t\xc3\xa9 = 3\n",
    "non_ascii_in_string": "protocol p:\n    \"d\u00e9j\u00e0 vu \u2014 \u65e5\u672c\"\n    const N = 3\n".encode(),
    "emoji_name": "protocol p:\n    const \U0001F600 = 3\n".encode(),
    "utf16": EXAMPLE.encode("utf-16"),
    "latin1": "protocol p:\n    \"caf\u00e9\"\n    const N = 3\n".encode("latin-1"),
    "nul": b"protocol p:\n    const N = 3\x00\n",
    "escape_sequences": b"protocol p:\n    const N = \x1b[31m3\n",
    "line_separator": "protocol p:\n    const N = 3\u2028\n".encode(),
    "very_long_line": (HEADER + "1" + " " * 200_000 + "+ x\n").encode(),
    "long_name": (HEADER + "x" * 100_000 + "\n").encode(),
    "huge_integer": (HEADER + "9" * 100_000 + "\n").encode(),
    "many_dedents": ("protocol p:\n" + "".join("    " * (i + 1) + "node n:\n" for i in range(300))).encode(),
    "unclosed_triple_quote_1mb": ('protocol p:\n    """' + "text \\\" more\n" * 70_000).encode(),
    "many_quotes": ("protocol p:\n    " + '"' * 1_000_000 + "\n").encode(),
    "deep_if": ("protocol p:\n    node n:\n        action a:\n"
                + "".join("    " * (i + 3) + "if true:\n" for i in range(500))
                + "    " * 503 + "pass\n").encode(),
}
MUST_PARSE = {"crlf", "utf8_bom", "no_final_newline", "non_ascii_in_string"}
IS_EXAMPLE = {"crlf", "utf8_bom", "no_final_newline"}
MUST_FAIL = {"empty", "only_spaces", "only_comments", "open_parens_100k", "brackets_100k",
             "tabs_and_spaces", "too_large_3mb", "non_ascii_identifier", "emoji_name", "utf16",
             "latin1", "nul", "escape_sequences", "huge_integer", "unclosed_triple_quote_1mb",
             "many_quotes"}


@pytest.mark.parametrize("case", sorted(ROBUSTNESS_CASES))
def test_hostile_input(run_cli, workdir: Path, case: str) -> None:
    path = write(workdir, f"{case}.cap", ROBUSTNESS_CASES[case])
    code, out, err = run_cli(["parse", path])
    assert code in (0, 2), err[:500]
    assert "Traceback" not in err and "internal error" not in err
    if code == 0:
        assert err == "" and out.startswith(f"{path}: protocol ")
    else:
        _assert_clean_failure(code, out, err, path)
    if case in MUST_PARSE:
        assert code == 0
    if case in IS_EXAMPLE:
        assert SUMMARY in out
    if case in MUST_FAIL:
        assert code == 2


@pytest.mark.parametrize("seed", range(20))
def test_random_binary_garbage(run_cli, workdir: Path, seed: int) -> None:
    path = write(workdir, f"garbage{seed}.cap", _garbage(seed))
    code, out, err = run_cli(["parse", path])
    _assert_clean_failure(code, out, err, path)


def _assert_parses_or_fails_cleanly(run_cli, path: str) -> None:
    """Exit 0, or exit 2 with a located error: never a traceback or an internal error."""
    code, out, err = run_cli(["parse", path])
    assert code in (0, 2) and "Traceback" not in err and "internal error" not in err
    if code == 2:
        _assert_clean_failure(code, out, err, path)


@pytest.mark.parametrize("seed", range(300))
def test_token_soup(run_cli, workdir: Path, seed: int) -> None:
    _assert_parses_or_fails_cleanly(run_cli, write(workdir, "soup.cap", _token_soup(seed)))


@pytest.mark.parametrize("seed", range(300))
def test_one_character_mutants_of_a_good_spec(run_cli, workdir: Path, seed: int) -> None:
    _assert_parses_or_fails_cleanly(run_cli, write(workdir, "mutant.cap", _mutant(seed)))


def _many_constants(size: int) -> bytes:
    lines, total, i = ["protocol big:\n"], 14, 0
    while total < size:
        line = f"    const C{i} = {i % 97} + {i % 13} * 2\n"
        lines.append(line)
        total += len(line)
        i += 1
    return "".join(lines).encode()


def test_a_large_valid_file_is_refused_before_it_is_parsed(run_cli, workdir: Path, monkeypatch) -> None:
    """1.5 MB of constants, well-formed: refused with a located error, with no parsing work
    at all (a Lark parser that fails when asked stands in for the real one). How fast the
    largest accepted file parses is bench/frontend.py's business (docs/performance.md)."""
    def no_parser():
        raise AssertionError("a file over the size limit reached the parser")

    monkeypatch.setattr(parser_module, "lark_parser", no_parser)
    path = write(workdir, "big.cap", _many_constants(1_500_000))
    code, out, err = run_cli(["parse", path])
    _assert_clean_failure(code, out, err, path)
    assert "spec file is too large" in err


# ---------------------------------------------------------------- the real entry points


def _console_script() -> list[str]:
    script = Path(sys.executable).with_name("capcheck")
    if script.exists():
        return [str(script)]
    found = shutil.which("capcheck")
    return [found] if found else [sys.executable, "-m", "checker"]


@pytest.mark.parametrize("command", [_console_script(), [sys.executable, "-m", "checker"]],
                         ids=["console_script", "python_m_checker"])
def test_entry_points(command: list[str], tmp_path: Path) -> None:
    (tmp_path / "good.cap").write_text(EXAMPLE, encoding="utf-8")
    (tmp_path / "bad.cap").write_text("protocol p:\n    const N = 3 +\n", encoding="utf-8")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*command, *args], cwd=tmp_path, capture_output=True, text=True,
                              timeout=120, check=False)

    version = run("--version")
    assert (version.returncode, version.stdout) == (0, f"capcheck {checker.__version__}\n")
    good = run("parse", "good.cap")
    assert good.returncode == 0 and SUMMARY in good.stdout, good.stderr
    bad = run("parse", "bad.cap")
    assert bad.returncode == 2 and bad.stderr.startswith("bad.cap:2:18: error: ")
    assert "Traceback" not in bad.stderr
    missing = run("parse", "missing.cap")
    assert missing.returncode == 2 and "cannot read 'missing.cap'" in missing.stderr


def test_repo_root_fixture(repo_root: Path) -> None:
    assert repo_root == REPO_ROOT and (repo_root / "pyproject.toml").exists()
