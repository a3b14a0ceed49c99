"""ITF traces (checker/model/itf.py, checker/cli_trace.py): value encodings, round trips
through `check --itf` and `replay`, and the rejection of a tampered file."""

from __future__ import annotations

import json

import pytest

from checker.model import itf
from checker.semantics import ir
from checker.semantics.types import AtomT, BoolT, IntT, MapT, OptionT, RecordT, SeqT, SetT, TupleT

from conftest import REPO_ROOT

SPECS = REPO_ROOT / "specs"


@pytest.mark.parametrize("v, t, want", [
    (3, IntT(0, 5), {"#bigint": "3"}),
    (10 ** 30, IntT(), {"#bigint": str(10 ** 30)}),
    (-7, IntT(), {"#bigint": "-7"}),
    (True, BoolT(), True),
    ("prepared", AtomT(("prepared", "working")), "prepared"),
    (frozenset({2, 1}), SetT(IntT(0, 3)), {"#set": [{"#bigint": "1"}, {"#bigint": "2"}]}),
    (frozenset(), SetT(IntT(0, 3)), {"#set": []}),
    (ir.MapValue(((1, True), (0, False))), MapT(IntT(0, 1), BoolT()),
     {"#map": [[{"#bigint": "0"}, False], [{"#bigint": "1"}, True]]}),
    ((1, "a"), TupleT((IntT(0, 1), AtomT(("a",)))), {"#tup": [{"#bigint": "1"}, "a"]}),
    ((2, True), RecordT((("n", IntT(0, 3)), ("ok", BoolT()))), {"n": {"#bigint": "2"}, "ok": True}),
    ((1, 2), SeqT(IntT(0, 3)), [{"#bigint": "1"}, {"#bigint": "2"}]),
    (None, OptionT(IntT(0, 3)), {"tag": "None", "value": {"#tup": []}}),
    (4, OptionT(IntT(0, 5)), {"tag": "Some", "value": {"#bigint": "4"}}),
])
def test_values_encode_as_itf(v, t, want):
    assert itf.value(v, t) == want


def _write(run_cli, tmp_path, spec: str, *extra: str) -> dict[str, dict]:
    code, _, _ = run_cli(["check", str(SPECS / f"{spec}.cap"), "--itf", str(tmp_path), "--dfs", *extra])
    assert code == 1
    return {p.name: json.loads(p.read_text()) for p in sorted(tmp_path.glob("*.itf.json"))}


def test_an_itf_file_names_the_variables_as_the_text_report_does(run_cli, tmp_path):
    docs = _write(run_cli, tmp_path, "async_primary_backup")
    doc = docs["async_primary_backup.linearizable.itf.json"]
    assert doc["#meta"]["format"] == "ITF"
    assert doc["vars"] == ["replica[0].value", "replica[0].role", "replica[1].value", "replica[1].role", "down",
                           "cuts", "crash faults used", "partition faults used", "vip", "client[0]", "client[1]",
                           "network"]
    first = doc["states"][0]
    assert first["#meta"] == {"index": 0, "action": "initial state"}
    assert first["down"] == {"#set": []}
    assert first["client[0]"] == {"invoked": {"#bigint": "0"}, "waiting": {"tag": "None", "value": {"#tup": []}}}
    meta = doc["#meta"]["capcheck"]
    assert meta["path"].count(".") == len(doc["states"]) - 1
    assert meta["faults"] == {"crash": 1, "partition": 1}


@pytest.mark.parametrize("spec", ["two_phase_broken", "async_primary_backup", "best_effort_broadcast"])
def test_itf_round_trip(run_cli, tmp_path, spec):
    docs = _write(run_cli, tmp_path, spec, "--shrink")
    assert docs
    for name, doc in docs.items():
        code, out, err = run_cli(["replay", str(SPECS / f"{spec}.cap"), str(tmp_path / name)])
        assert (code, err) == (0, ""), name
        assert f"a trace of {len(doc['states']) - 1} step" in out


def test_a_liveness_trace_keeps_its_lasso(run_cli, tmp_path):
    docs = _write(run_cli, tmp_path, "best_effort_broadcast")
    meta = docs["best_effort_broadcast.converges.itf.json"]["#meta"]["capcheck"]
    assert meta["lasso"]["ending"] == "dead end"


def _tampered(run_cli, tmp_path, change) -> str:
    docs = _write(run_cli, tmp_path, "two_phase_broken")
    doc = docs["two_phase_broken.consistent.itf.json"]
    change(doc)
    bad = tmp_path / "bad.itf.json"
    bad.write_text(json.dumps(doc))
    code, _, err = run_cli(["replay", str(SPECS / "two_phase_broken.cap"), str(bad)])
    assert code == 2
    return err


def test_a_tampered_value_is_rejected_with_its_state_and_variable(run_cli, tmp_path):
    err = _tampered(run_cli, tmp_path, lambda d: d["states"][3].update({"tm.state": "aborted"}))
    assert "state 3: variable 'tm.state' is \"aborted\" in the file but \"init\" when replayed" in err


def test_a_truncated_itf_trace_is_rejected(run_cli, tmp_path):
    err = _tampered(run_cli, tmp_path, lambda d: d["states"].pop())
    assert "steps but its path replays" in err


def test_an_unknown_variable_is_rejected(run_cli, tmp_path):
    err = _tampered(run_cli, tmp_path, lambda d: d["states"][0].update({"ghost": True}))
    assert "state 0: the spec has no variable 'ghost'" in err


def test_an_itf_trace_from_another_tool_is_refused(run_cli, tmp_path):
    other = tmp_path / "quint.itf.json"
    other.write_text(json.dumps({"#meta": {"format": "ITF"}, "vars": ["x"], "states": [{"x": {"#bigint": "1"}}]}))
    code, _, err = run_cli(["replay", str(SPECS / "two_phase_broken.cap"), str(other)])
    assert code == 2 and "#meta.capcheck.path" in err
