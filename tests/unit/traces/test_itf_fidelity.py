"""ITF that other tools read and write (traces/itf.py, issue 26 item 6): identifier
variables (a node role as a map from node name to record), messages as records with the
message a variant, the spec's constants as `params`, the description; and traces written by
the real Quint tool (tests/unit/traces/itf/quint/, with the .qnt spec that made them)
replayed on the capcheck spec they mirror."""

from __future__ import annotations

import json
import re

import pytest

from support import REPO_ROOT

SPECS = REPO_ROOT / "specs"
QUINT = REPO_ROOT / "tests" / "unit" / "traces" / "itf" / "quint"
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _written(run_cli, tmp_path, spec: str) -> dict[str, dict]:
    code, _, err = run_cli(["check", str(SPECS / f"{spec}.cap"), "--itf", str(tmp_path / "itf"), "-q"])
    assert code == 1, err
    return {p.name: json.loads(p.read_text()) for p in sorted((tmp_path / "itf").iterdir())}


def test_variables_are_identifiers_and_constants_are_params(run_cli, tmp_path) -> None:
    doc = _written(run_cli, tmp_path, "async_primary_backup")["async_primary_backup.linearizable.itf.json"]
    assert all(IDENTIFIER.fullmatch(v) for v in doc["vars"] + doc["params"]), doc["vars"]
    assert doc["params"] == ["N", "CLIENTS", "OPS"]
    for state in doc["states"]:
        assert {k: state[k] for k in doc["params"]} == {"N": {"#bigint": "2"}, "CLIENTS": {"#bigint": "2"},
                                                      "OPS": {"#bigint": "2"}}
    replicas = dict(doc["states"][0]["replica"]["#map"])
    assert replicas == {"replica[0]": {"role": "primary", "value": {"#bigint": "0"}},
                        "replica[1]": {"role": "backup", "value": {"#bigint": "0"}}}
    assert doc["states"][0]["faults_used"] == {"crash": {"#bigint": "0"}, "partition": {"#bigint": "0"}}


def test_messages_and_requests_are_records(run_cli, tmp_path) -> None:
    doc = _written(run_cli, tmp_path, "async_primary_backup")["async_primary_backup.linearizable.itf.json"]
    flights = [m for state in doc["states"] for m in state["network"]]
    assert {"from": "replica[0]", "to": "replica[1]", "msg": {"tag": "sync", "value": {"v": {"#bigint": "1"}}}} \
        in flights
    requests = [m for m in flights if m["msg"]["tag"] == "Request"]
    assert requests[0] == {"from": "client[0]", "to": "replica[0]",
                           "msg": {"tag": "Request", "value": {"request": {"#bigint": "1"}, "call": "write(1)"}}}


def test_the_description_names_the_property_once(run_cli, tmp_path) -> None:
    docs = _written(run_cli, tmp_path, "async_primary_backup")
    assert docs["async_primary_backup.durable.itf.json"]["#meta"]["description"] == \
        "capcheck counterexample: check durable"
    assert "durable durable" not in json.dumps(docs)


def test_params_give_the_constants_of_a_file_without_capcheck_meta(run_cli, tmp_path) -> None:
    doc = _written(run_cli, tmp_path, "two_phase_broken")["two_phase_broken.consistent.itf.json"]
    del doc["#meta"]["capcheck"]
    for state in doc["states"]:
        del state["#meta"]
    (tmp_path / "bare.itf.json").write_text(json.dumps(doc))
    code, out, err = run_cli(["replay", str(SPECS / "two_phase_broken.cap"), str(tmp_path / "bare.itf.json")])
    assert (code, err) == (0, "") and "found from the file's states" in out
    doc["states"][0]["RM"] = "three"
    (tmp_path / "bad.itf.json").write_text(json.dumps(doc))
    code, _, err = run_cli(["render", str(tmp_path / "bad.itf.json"), "--spec", str(SPECS / "two_phase_broken.cap"),
                            "-o", str(tmp_path / "x.svg")])
    assert code == 2 and "parameter 'RM' is not given as an integer or a boolean" in err


def test_a_network_given_as_a_set_in_any_order_is_read(run_cli, tmp_path) -> None:
    doc = _written(run_cli, tmp_path, "two_phase_broken")["two_phase_broken.consistent.itf.json"]
    del doc["#meta"]["capcheck"]
    for state in doc["states"]:
        state["network"] = {"#set": list(reversed(state["network"]))}
    (tmp_path / "set.itf.json").write_text(json.dumps(doc))
    code, out, err = run_cli(["replay", str(SPECS / "two_phase_broken.cap"), str(tmp_path / "set.itf.json")])
    assert (code, err) == (0, "")


QUINT_TRACES = sorted(QUINT.glob("*.itf.json"))


def test_the_quint_traces_are_there() -> None:
    assert len(QUINT_TRACES) >= 3 and (QUINT / "two_phase_broken.qnt").is_file()


@pytest.mark.parametrize("trace", QUINT_TRACES, ids=[p.name for p in QUINT_TRACES])
def test_a_trace_quint_wrote_replays_on_the_spec_it_mirrors(run_cli, trace) -> None:
    doc = json.loads(trace.read_text())
    assert doc["#meta"]["source"] == "tests/itf/quint/two_phase_broken.qnt"
    assert doc["#meta"]["description"].startswith("Created by Quint")
    code, out, err = run_cli(["replay", str(SPECS / "two_phase_broken.cap"), str(trace)])
    assert (code, err) == (0, ""), err
    assert f"a trace of {len(doc['states']) - 1} steps" in out and "found from the file's states" in out
    final = dict(doc["states"][-1]["rm"]["#map"])
    shown = out.split("final state:", 1)[1]
    for name, record in final.items():
        assert f"{name}.state = {record['state']}" in shown
    assert {"committed", "aborted"} <= {r["state"] for r in final.values()}      # `consistent` is broken


def test_a_quint_trace_renders_with_the_spec_given(run_cli, tmp_path) -> None:
    out = tmp_path / "q.svg"
    code, text, err = run_cli(["render", str(QUINT_TRACES[0]), "--spec", str(SPECS / "two_phase_broken.cap"),
                               "-o", str(out)])
    assert code == 0 and out.read_text().startswith("<?xml"), err
