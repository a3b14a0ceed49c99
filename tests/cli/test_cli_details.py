"""The smaller command-line fixes of issue 21: each test failed on the code before its fix."""

from __future__ import annotations

import json
import shlex
import shutil

import pytest

from checker.render.text import _session_verdict_lines
from checker.result import Step, Trace
from support import REPO_ROOT

EXIT_VIOLATED, EXIT_USAGE = 1, 2
BROKEN = REPO_ROOT / "specs" / "two_phase_broken.cap"


def test_the_replay_command_quotes_the_spec_path_and_it_pastes_back(tmp_path, run_cli):
    """A path with a space, a '$' and braces: the printed command is shell-quoted (and the
    braces no longer break the template it is built from)."""
    spec = tmp_path / "my spec ${x}.cap"
    shutil.copy(BROKEN, spec)
    code, out, err = run_cli(["check", str(spec), "-D", "RM=2"])
    assert code == EXIT_VIOLATED, err
    line = next(x for x in out.splitlines() if x.strip().startswith("replay:"))
    words = shlex.split(line.split("replay:", 1)[1])
    assert words[:5] == ["capcheck", "replay", str(spec), "-D", "RM=2"]
    code, out, err = run_cli(words[1:])
    assert code == 0, err
    assert out.startswith(f"{spec}: a trace of ")


@pytest.mark.parametrize("option, name", [("--json", "r.json"), ("--report", "r.html")])
def test_file_outputs_create_missing_directories_as_render_does(tmp_path, run_cli, option, name):
    target = tmp_path / "new" / "deeper" / name
    code, _, err = run_cli(["check", str(BROKEN), "-q", option, str(target), "--render", str(tmp_path / "d")])
    assert code == EXIT_VIOLATED, err
    assert target.is_file() and (tmp_path / "d").is_dir()


def test_a_file_in_the_way_of_an_output_directory_is_a_usage_error(tmp_path, run_cli):
    (tmp_path / "afile").write_text("")
    code, _, err = run_cli(["check", str(BROKEN), "-q", "--json", str(tmp_path / "afile" / "r.json")])
    assert code == EXIT_USAGE
    assert err == (f"capcheck: error: --json: cannot create the directory '{tmp_path / 'afile'}': "
                   "a file of that name is in the way\n")


def test_depth_without_the_smt_engine_is_refused(run_cli):
    code, out, err = run_cli(["check", str(BROKEN), "--depth", "3"])
    assert (code, out) == (EXIT_USAGE, "")
    assert "--depth bounds the SMT engine: add --engine smt (or both)" in err


def test_a_string_where_it_does_not_belong_reads_as_english(tmp_path, run_cli):
    spec = tmp_path / "s.cap"
    spec.write_text('protocol p "x":\n')
    code, _, err = run_cli(["parse", str(spec)])
    assert code == EXIT_USAGE
    assert f"{spec}:1:12: error: unexpected string; expected ':'" in err


def test_a_spec_file_too_large_is_located_like_other_spec_errors(tmp_path, run_cli):
    spec = tmp_path / "big.cap"
    spec.write_text("protocol p:\n" + "#" * 300_000 + "\n")
    code, _, err = run_cli(["parse", str(spec)])
    assert code == EXIT_USAGE
    assert err.startswith(f"{spec}:1:1: error: spec file is too large (300013 bytes; the limit is 262144 bytes)\n"
                          " 1 | protocol p:\n")


def test_parse_refuses_an_initial_value_that_check_refuses(tmp_path, run_cli):
    spec = tmp_path / "s.cap"
    spec.write_text("protocol x:\n    node a[2]:\n        var v: 0..2 = 7\n")
    errors = []
    for command in ("parse", "check"):
        code, out, err = run_cli([command, str(spec)])
        assert (code, out) == (EXIT_USAGE, "")
        errors.append(err)
    assert errors[0] == errors[1]
    assert f"{spec}:3:9: error: the initial value of 'v' does not fit its type 0..2" in errors[0]


def test_parse_accepts_what_only_the_smt_engine_runs(tmp_path, run_cli):
    """An object of `values = int` and symbolic constants compile with the SMT engine's
    values: parse does not refuse them."""
    spec = tmp_path / "s.cap"
    spec.write_text("protocol p:\n    const W = 1\n    object register(values = int, initial = 0)\n    clients 1, ops 1\n"
                    "    node r:\n        var x: 0..3 = 0\n        request write(v) when W > 0:\n            reply ok\n"
                    "        request read():\n            reply 0\n    check linearizable\n")
    assert run_cli(["parse", str(spec)])[0] == 0
    assert run_cli(["parse", str(spec), "-D", "W=0..2"])[0] == 0


# -------------------------------------------------- the session explanation's last sentence


def _step(action: dict, violated: dict | None = None) -> Step:
    return Step(0, action, (), {"violated": violated} if violated else {})


def _monotonic_trace(last_reply: str, last_call: str) -> Trace:
    found = {"read": {"client": "client[0]", "request": 2}, "contradicts": {"client": "client[0]", "request": 1}}
    return Trace((
        _step({"kind": "init"}),
        _step({"kind": "invoke", "actor": "client[1]", "request": 1, "call": last_call, "replies": []}),
        _step({"kind": "invoke", "actor": "client[0]", "request": 1, "call": "read()", "replies": []}),
        _step({"kind": "request", "replies": [{"client": "client[0]", "request": 1, "result": "1"}]}),
        _step({"kind": "invoke", "actor": "client[0]", "request": 2, "call": "read()", "replies": []}),
        _step({"kind": "request", "replies": [{"client": "client[0]", "request": 2, "result": "0"}]}),
        _step({"kind": "message", "replies": [{"client": "client[1]", "request": 1, "result": last_reply}]},
              {"monotonic_reads": found}),
    ))


@pytest.mark.parametrize("reply, call, effect", [
    ("ok", "write(1)", True),
    ('error "busy"', "write(1)", False),
    ("false", "cas(0, 1)", False),
    ("true", "cas(0, 1)", True),
])
def test_the_monotonic_reads_explanation_says_whether_the_last_reply_took_effect(reply, call, effect):
    """It said "had no effect" after a write's `ok`, which says the write took effect."""
    lines = _session_verdict_lines(_monotonic_trace(reply, call), "monotonic_reads")
    took = "the violation became definite at the last step, whose reply settled that an operation the " \
           "explanation depended on took effect"
    none = "the last reply says that an operation that could have explained it had no effect"
    assert lines[-1] == f"  ({took if effect else none})"


def test_the_library_example_of_monotonic_reads_says_the_write_took_effect(run_cli):
    code, out, _ = run_cli(["check", str(REPO_ROOT / "specs" / "chain_replication_any_reads.cap"), "--json", "-"])
    data = json.loads(out)
    (prop,) = [p for p in data["properties"] if p["name"] == "monotonic_reads"]
    assert prop["trace"][-1]["replies"][0]["result"] == "ok"
    _, text, _ = run_cli(["check", str(REPO_ROOT / "specs" / "chain_replication_any_reads.cap")])
    assert "whose reply settled that an operation the explanation depended on took effect" in text
    assert "had no effect" not in text
