"""`capcheck history` on several files and directories: a line per file in the order given,
the summary, JSON Lines, exit statuses, and the same output with --jobs. The corpus test
reads ../shared/histories/porcupine and is skipped without it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from checker.cli.corpus import FileOutcome, exit_status, history_files, summary
from support import REPO_ROOT, hard_history

SYNC = "docs/examples/sync_read.edn"
STALE = "docs/examples/stale_read.edn"
KV = "docs/examples/kv.json"
BAD = "tests/golden/history/edn_two_outstanding.edn"
CORPUS = REPO_ROOT.parent / "shared" / "histories" / "porcupine"
ROW = re.compile(r"^\| `(?P<file>(?:jepsen|kv)/[\w.-]+)` \|.*\| (?P<verdict>\*\*linearizable\*\*|NOT linearizable) \|")


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)


def test_one_line_per_file_in_order_then_the_summary(run_cli) -> None:
    code, out, err = run_cli(["history", STALE, SYNC, KV])
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        f"{STALE}: not linearizable",
        f"{SYNC}: linearizable",
        f"{KV}: not linearizable: 1 of 2 keys",
        "3 histories: 1 linearizable, 2 not linearizable",
    ]


def test_an_unreadable_file_is_reported_and_the_others_checked(run_cli) -> None:
    code, out, _ = run_cli(["history", SYNC, BAD, "no/such.edn", STALE])
    assert code == 2
    lines = out.splitlines()
    assert lines[0] == f"{SYNC}: linearizable"
    assert lines[1].startswith(f"{BAD}:2:50: error: process 0 invokes 'cas' while its 'write'")
    assert lines[2] == "no/such.edn: error: cannot read 'no/such.edn': No such file or directory"
    assert lines[3] == f"{STALE}: not linearizable"
    assert lines[4] == "4 histories: 1 linearizable, 1 not linearizable, 2 unreadable"


@pytest.mark.parametrize("files, code", [([SYNC, SYNC], 0), ([SYNC, STALE], 1), ([STALE, BAD], 2)])
def test_exit_status_is_that_of_the_worst_file(run_cli, files, code) -> None:
    assert run_cli(["history", *files])[0] == code


def test_exit_status_order() -> None:
    def outcome(name: str, reason: str | None = None) -> FileOutcome:
        return FileOutcome("f", name, "", {}, reason)
    assert exit_status([outcome("linearizable")], 1) == 0
    assert exit_status([outcome("linearizable"), outcome("unknown", "timeout")], 2) == 3
    assert exit_status([outcome("unknown", "interrupted")], 3) == 130
    assert exit_status([outcome("unknown", "timeout"), outcome("not linearizable")], 2) == 1
    assert exit_status([outcome("not linearizable"), outcome("unreadable")], 2) == 2
    assert summary([outcome("linearizable")], 3) == "3 histories: 1 linearizable, 2 not checked"


def test_a_directory_stands_for_its_history_files(tmp_path: Path, run_cli) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ("b/2.edn", "1.log", "notes.md", ".hidden/3.edn", "b/.4.json"):
        (tmp_path / name).write_text("")
    assert history_files([str(tmp_path)]) == [str(tmp_path / "1.log"), str(tmp_path / "b" / "2.edn")]
    code, out, _ = run_cli(["history", str(tmp_path)])
    assert code == 0 and out.splitlines()[-1] == "2 histories: 2 linearizable"


def test_a_directory_without_histories_is_a_usage_error(tmp_path: Path, run_cli) -> None:
    (tmp_path / "README.md").write_text("")
    code, out, err = run_cli(["history", str(tmp_path)])
    assert (code, out) == (2, "")
    assert err == f"capcheck: error: '{tmp_path}' holds no history file (*.edn, *.json, *.log, *.txt)\n"


@pytest.mark.parametrize("option", ["--explain", "--render=x.svg"])
def test_explain_is_for_one_history(run_cli, option) -> None:
    code, _, err = run_cli(["history", SYNC, STALE, option])
    assert code == 2 and "is for one history; give one FILE" in err


def test_json_lines_hold_each_files_report(run_cli, tmp_path: Path) -> None:
    code, out, _ = run_cli(["history", STALE, BAD, "--json", "-"])
    assert code == 2
    first, second = [json.loads(line) for line in out.splitlines()]
    single = json.loads(run_cli(["history", STALE, "--json", "-"])[1])
    assert first == single
    assert second["verdict"] == "error" and second["history"] == BAD
    assert second["error"].startswith(f"{BAD}:2:50: error:")
    target = tmp_path / "out" / "all.jsonl"
    code, out, _ = run_cli(["history", STALE, SYNC, "--json", str(target)])
    assert code == 1 and out.splitlines()[-1] == "2 histories: 1 linearizable, 1 not linearizable"
    assert [json.loads(x)["verdict"] for x in target.read_text().splitlines()] == ["not linearizable", "linearizable"]


def test_a_time_limit_makes_the_files_it_cuts_short_unknown(run_cli, tmp_path: Path) -> None:
    hard = hard_history(tmp_path / "hard.edn", writers=18)
    code, out, _ = run_cli(["history", SYNC, str(hard), SYNC, "--timeout", "0.5"])
    lines = out.splitlines()
    assert code == 3
    assert lines[1] == f"{hard}: unknown: the time limit was reached"
    assert lines[2].startswith(f"{SYNC}: unknown: the time limit was reached")


def test_jobs_give_the_same_output(run_cli) -> None:
    files = [STALE, SYNC, KV, BAD, "docs/examples/etcd.log"]
    assert run_cli(["history", *files, "--jobs", "3"]) == run_cli(["history", *files])


def expected_verdicts() -> dict[str, str]:
    rows = (ROW.match(line) for line in (CORPUS / "EXPECTED.md").read_text(encoding="utf-8").splitlines())
    return {m["file"]: "linearizable" if m["verdict"].startswith("**") else "not linearizable" for m in rows if m}


@pytest.mark.skipif(not (CORPUS / "EXPECTED.md").exists(), reason=f"the Porcupine corpus is not at {CORPUS}")
def test_the_porcupine_corpus_in_one_process_with_two_jobs(run_cli) -> None:
    code, out, _ = run_cli(["history", str(CORPUS / "jepsen"), str(CORPUS / "kv"), "--jobs", "2"])
    assert code == 1
    *lines, last = out.splitlines()
    verdicts = {}
    for line in lines:
        path, _, verdict = line.partition(": ")
        verdicts[str(Path(path).relative_to(CORPUS))] = verdict.split(":")[0]
    assert verdicts.pop("jepsen/etcd_095.log") == "linearizable"   # empty: upstream asserts nothing
    assert verdicts == expected_verdicts()
    assert last == "109 histories: 27 linearizable, 82 not linearizable"
