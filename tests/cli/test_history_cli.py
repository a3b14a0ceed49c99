"""`capcheck history`: exit codes, the text and JSON reports, limits, determinism.
(The located errors are pinned by test_history_golden.py, the documented examples by
test_history_docs.py, the corpus by test_history_corpus.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import REPO_ROOT, hard_history

STALE = "docs/examples/stale_read.edn"
SYNC = "docs/examples/sync_read.edn"
KV = "docs/examples/kv.json"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)


def test_exit_codes(run_cli) -> None:
    assert run_cli(["history", SYNC])[0] == 0
    assert run_cli(["history", STALE])[0] == 1
    assert run_cli(["history", KV])[0] == 1
    assert run_cli(["history", "tests/golden/history/edn_two_outstanding.edn"])[0] == 2


def test_unreadable_files_and_bad_options(run_cli, tmp_path: Path) -> None:
    code, out, err = run_cli(["history", "no/such/file.edn"])
    assert (code, out) == (2, "") and err == "capcheck: error: cannot read 'no/such/file.edn': No such file or directory\n"
    code, _, err = run_cli(["history", str(tmp_path)])   # a directory stands for its histories: none here
    assert code == 2 and "holds no history file" in err
    code, _, err = run_cli(["history", SYNC, "--format", "csv"])
    assert code == 2 and "invalid choice: 'csv'" in err
    code, _, err = run_cli(["history", SYNC, "--model", "queue"])
    assert code == 2 and "invalid choice: 'queue'" in err
    code, _, err = run_cli(["history", SYNC, "--timeout", "0"])
    assert code == 2 and "expected a positive number of seconds" in err


def test_an_empty_file_is_linearizable(run_cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty.log"
    empty.write_text("")
    code, out, _ = run_cli(["history", str(empty)])
    assert code == 0 and out == f"{empty}: no operations\nlinearizable\n"


def test_format_and_model_options(run_cli) -> None:
    code, out, _ = run_cli(["history", SYNC, "--format", "edn", "--model", "cas-register"])
    assert code == 0 and "edn history, cas-register model" in out
    code, _, err = run_cli(["history", SYNC, "--format", "json"])
    assert code == 2 and f"{SYNC}:1:1: error:" in err
    code, _, err = run_cli(["history", SYNC, "--model", "register"])
    assert code == 2 and "unknown operation 'cas' for the register model" in err


def test_json_report_to_stdout_and_to_a_file(run_cli, tmp_path: Path) -> None:
    code, out, _ = run_cli(["history", STALE, "--json", "-"])
    data = json.loads(out)
    assert code == 1 and data["verdict"] == "not linearizable" and data["schema"] == 1
    [part] = data["parts"]
    assert [o["f"] for o in part["prefix"]] == ["write", "write"]
    assert part["stuck"] == {"index": 3, "process": 0, "f": "read", "args": [], "indeterminate": False,
                             "call_line": 10, "response_line": 11, "result": 1}
    target = tmp_path / "report.json"
    code, out, _ = run_cli(["history", STALE, "--json", str(target)])
    assert code == 1 and out.startswith(f"{STALE}: edn history")
    assert json.loads(target.read_text()) == data
    code, _, err = run_cli(["history", STALE, "--json", str(tmp_path)])  # a directory: missing ones are created
    assert code == 2 and "cannot write" in err


def test_json_values_are_json(run_cli, tmp_path: Path) -> None:
    history = tmp_path / "h.edn"
    history.write_text('{:type :invoke, :f :write, :value :a, :process :c1}\n'
                       '{:type :ok, :f :write, :value :a, :process :c1}\n'
                       '{:type :invoke, :f :read, :process :c2}\n'
                       '{:type :ok, :f :read, :value #{1 2}, :process :c2}\n')
    code, out, _ = run_cli(["history", str(history), "--json", "-"])
    data = json.loads(out)
    assert code == 1
    assert data["parts"][0]["prefix"][0] == {"index": 0, "process": ":c1", "f": "write", "args": [":a"],
                                             "indeterminate": False, "call_line": 1, "response_line": 2,
                                             "result": "ok", "state": ":a"}
    assert data["parts"][0]["stuck"]["result"] == [1, 2]


def test_a_timeout_gives_unknown_and_how_far_the_search_got(run_cli, tmp_path: Path) -> None:
    path = hard_history(tmp_path / "hard.edn")
    code, out, _ = run_cli(["history", str(path), "--timeout", "0.05"])
    assert code == 3
    lines = out.splitlines()
    assert lines[1] == "unknown: the time limit was reached"
    assert lines[2].startswith("  the longest linearizable prefix found has ")
    code, out, _ = run_cli(["history", str(path), "--timeout", "0.05", "--json", "-"])
    data = json.loads(out)
    assert (code, data["verdict"], data["reason"]) == (3, "unknown", "timeout")
    assert data["parts"][0]["reason"] == "timeout" and data["parts"][0]["stuck"] is None


def test_a_memory_limit_gives_unknown(run_cli, tmp_path: Path) -> None:
    path = hard_history(tmp_path / "hard.edn")
    code, out, err = run_cli(["history", str(path), "--max-memory", "1"])  # over it from the start
    assert (code, out) == (3, "")
    assert err == "capcheck: stopped at the memory limit of 1 MiB while reading the history, before anything " \
                  "was decided\n"


def test_the_output_is_the_same_every_time(run_cli) -> None:
    for args in ([STALE], [KV], [KV, "--json", "-"]):
        first = run_cli(["history", *args])
        assert all(run_cli(["history", *args]) == first for _ in range(3))


def test_report_says_when_the_stuck_operation_fits_but_leads_nowhere() -> None:
    """With subsumption the deepest prefix can end where the next operation fits, but
    placing it there reaches a configuration already ruled out; the report says so
    rather than claiming a different result (a result built by hand: this is rare)."""
    from checker.history import read_history
    from checker.render import history as report
    from checker.props.operations import LinearizabilityResult, PartResult
    from checker.result import Verdict

    history = read_history(SYNC, (REPO_ROOT / SYNC).read_bytes())
    part = PartResult(None, Verdict.VIOLATED, (0, 1, 2, 3), prefix=(0, 1), states=(1, 2), stuck=3)
    text = report.text(history, LinearizabilityResult(Verdict.VIOLATED, (part,)))
    last = text.splitlines()[-1].split()
    assert last[-11:] == "read() -> 2 it fits here, but nothing can follow it".split()


def test_a_read_that_brings_a_deleted_value_back_is_not_linearizable(run_cli, tmp_path: Path) -> None:
    lines = ["{:type :invoke, :f :write, :value 1, :process 0}", "{:type :ok, :f :write, :value 1, :process 0}",
             "{:type :invoke, :f :delete, :process 0}", "{:type :ok, :f :delete, :process 0}",
             "{:type :invoke, :f :read, :process 1}", "{:type :ok, :f :read, :value 1, :process 1}"]
    stale = tmp_path / "resurrected.edn"
    stale.write_text("\n".join(lines) + "\n")
    code, out, _ = run_cli(["history", str(stale)])
    assert code == 1 and "delete() -> ok  state nil" in out and "here it would return nil" in out
    fresh = tmp_path / "deleted.edn"
    fresh.write_text("\n".join(lines[:-1] + ["{:type :ok, :f :read, :value nil, :process 1}"]) + "\n")
    assert run_cli(["history", str(fresh)])[0] == 0


def _two_keys_one_hard() -> str:
    """Key "a" read with a value never written (refuted at once), and key "h": 14
    concurrent appends and a read that none of their orders gives (a long search)."""
    lines = ['{:process 50, :type :invoke, :f :get, :key "a"}', '{:process 50, :type :ok, :f :get, :key "a", '
             ':value "wrong"}']
    lines += [f'{{:process {p}, :type :invoke, :f :append, :key "h", :value "{p}"}}' for p in range(14)]
    lines += [f'{{:process {p}, :type :ok, :f :append, :key "h", :value "{p}"}}' for p in range(14)]
    lines += ['{:process 99, :type :invoke, :f :get, :key "h"}', '{:process 99, :type :ok, :f :get, :key "h", '
              ':value "no"}']
    return "\n".join(lines) + "\n"


def test_stop_at_first_leaves_the_other_keys_undecided(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "two_keys.edn"
    path.write_text(_two_keys_one_hard(), encoding="utf-8")

    def parts(*options: str) -> list[tuple[str, str, str | None]]:
        code, out, _ = run_cli(["history", str(path), "--json", "-", *options])
        assert code == 1
        return [(p["key"], p["verdict"], p["reason"]) for p in json.loads(out)["parts"]]

    assert parts() == [("a", "not linearizable", None), ("h", "not linearizable", None)]
    assert parts("--stop-at-first") == [("a", "not linearizable", None), ("h", "unknown", "stopped")]
