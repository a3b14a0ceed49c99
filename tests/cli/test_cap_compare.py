"""`capcheck cap A.cap B.cap ...` (cli/cap.py, render/cap.py): one comparison table, each
spec's counterexamples with every run shown once; and the single-spec report printing a run
that several properties share only once."""

from __future__ import annotations

import json

from support import REPO_ROOT

SPECS = REPO_ROOT / "specs"


def test_a_run_several_properties_share_is_printed_once(run_cli) -> None:
    code, out, _ = run_cli(["cap", str(SPECS / "async_primary_backup.cap")])
    assert code == 0
    shown = out.split("counterexamples:", 1)[1]
    assert shown.count("  0  initial state") == 2                 # linearizable's run and monotonic_reads'
    assert shown.count("the same run as check linearizable above") == 2   # durable, read_your_writes
    durable = shown.split("check durable: violated after 6 steps\n", 1)[1].split("\n\n", 1)[0]
    assert "client[0]#2 read() -> 0" in durable and "replay:" not in durable


def test_two_specs_in_one_table(run_cli, tmp_path) -> None:
    report = tmp_path / "cmp.json"
    code, out, err = run_cli(["cap", str(SPECS / "sync_primary_backup.cap"), str(SPECS / "async_primary_backup.cap"),
                              "--json", str(report)])
    assert code == 0, err
    lines = out.splitlines()
    header = next(line for line in lines if line.strip().startswith("spec "))
    assert header.split() == ["spec", "class", "linearizable", "available", "converges", "durable", "write:",
                              "delays", "/", "messages"]
    rows = [line.split() for line in lines if "primary_backup.cap " in line]
    assert rows[0][1] == "CP" and rows[0][-3:] == ["2", "/", "2"]
    assert rows[1][1:4] == ["AP,", "eventually", "consistent"] and rows[1][-3:] == ["0", "/", "1"]
    assert out.count("counterexamples of ") == 2 and out.rstrip().endswith("result: complete")
    assert out.count("  0  initial state") == 3
    data = json.loads(report.read_text())
    assert data["command"] == "cap" and [d["protocol"] for d in data["comparison"]] == [
        "sync_primary_backup", "async_primary_backup"]


def test_markdown_and_per_spec_constants(run_cli) -> None:
    code, out, err = run_cli(["cap", str(SPECS / "sync_primary_backup.cap") + ":CLIENTS=1", "--markdown"])
    assert code == 0, err
    assert out.splitlines() == [
        "| spec | class | linearizable | available | converges | durable | write: delays / messages |",
        "|---|---|---|---|---|---|---|",
        f"| `{SPECS / 'sync_primary_backup.cap'}` | CP | holds | violated (3) | holds | holds | 2 / 2 |"]


def test_options_that_take_one_spec_are_refused_with_several(run_cli, tmp_path) -> None:
    two = [str(SPECS / "sync_primary_backup.cap"), str(SPECS / "async_primary_backup.cap")]
    code, _, err = run_cli(["cap", *two, "--render", str(tmp_path / "d"), "--report", str(tmp_path / "r.html")])
    assert code == 2 and "--render and --report take one spec" in err and "Traceback" not in err
    code, _, err = run_cli(["cap", str(SPECS / "sync_primary_backup.cap") + ":NOPE=1", str(SPECS / "x.cap")])
    assert code == 2 and "NOPE" in err and "Traceback" not in err
