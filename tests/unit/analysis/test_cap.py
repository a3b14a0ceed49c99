"""`capcheck cap`: the classification from verdicts, and whole reports on toy protocols of
each class with their exact counterexamples and costs."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from checker.analysis.cap import (AP_EVENTUAL, AP_WEAK, CA, CP, NEITHER, UNDETERMINED, NotApplicable, analyse,
                         applicable_checks, classify)
from checker.pipeline import load_spec
from checker.model import compile_model
from checker.result import Verdict

H, V, U = Verdict.HOLDS, Verdict.VIOLATED, Verdict.UNKNOWN


@pytest.mark.parametrize("lin, avail, conv, partitions, label", [
    (H, V, H, True, CP),
    (H, V, None, True, CP),
    (V, H, H, True, AP_EVENTUAL),
    (V, H, V, True, AP_WEAK),
    (V, H, None, True, UNDETERMINED),
    (V, H, U, True, UNDETERMINED),
    (H, H, H, False, CA),
    (H, H, None, True, CA),
    (V, V, H, True, NEITHER),
    (U, V, H, True, UNDETERMINED),
    (H, U, H, True, UNDETERMINED),
])
def test_classification(lin, avail, conv, partitions, label):
    verdicts = {"linearizable": lin, "available": avail}
    if conv is not None:
        verdicts["converges"] = conv
    got = classify(verdicts, partitions)
    assert got.label == label and got.reasons


def analyse_text(tmp_path: Path, text: str):
    spec = tmp_path / "spec.cap"
    spec.write_text(textwrap.dedent(text), encoding="utf-8")
    _, program = load_spec(str(spec), {})
    return analyse(program, compile_model)


def verdicts(report) -> dict[str, tuple[str, int | None]]:
    return {r.result.kind if r.result.kind != "invariant" else r.result.name:
            (r.result.verdict.word, r.result.trace.length if r.result.trace else None) for r in report.rows}


PAIR = """\
    protocol pair:
        "Two replicas of a register."
        object register(values = {1}, initial = 0)
        clients 2, ops 1
        route clients to ROUTE
        network unordered
        faults partition <= 1

        message copy(v: Value)
        message ack()

        node replica[2]:
            replicated var value: Value = 0
            var waiting: option handle = none

            request write(v) as h when waiting == none:
                value = v
                WRITE

            request read():
                reply value

            on copy(v) from p:
                value = v
                send ack() to p

            on ack() from p when waiting != none:
                reply ok to waiting
                waiting = none
    """

SYNC = PAIR.replace("ROUTE", "replica[0]").replace("WRITE", "waiting = h\n                send copy(v) to others")
ASYNC = PAIR.replace("ROUTE", "any replica").replace("WRITE", "send copy(v) to others\n                reply ok")


def test_a_primary_that_waits_for_its_backup_is_cp(tmp_path):
    report = analyse_text(tmp_path, SYNC)
    assert report.classification.label == CP
    got = verdicts(report)
    assert got["linearizable"] == ("holds", None)
    # write invoked, the partition, the primary takes the write and waits: a dead end
    assert got["available"] == ("violated", 3)
    assert got["converges"] == ("holds", None)
    assert all(r.added for r in report.rows)
    write = next(c for c in report.costs if c.operation == "write")
    assert (write.latency.value, write.messages.value) == (2, 2)


def test_replicas_that_answer_alone_are_ap_and_converge(tmp_path):
    report = analyse_text(tmp_path, ASYNC)
    assert report.classification.label == AP_EVENTUAL
    got = verdicts(report)
    # client[0] writes 1 at replica[0] (invoke, handled), client[1] reads 0 at replica[1]
    assert got["linearizable"] == ("violated", 4)
    assert got["available"] == ("holds", None) and got["converges"] == ("holds", None)


def test_a_lossy_network_without_retries_is_ap_weak(tmp_path):
    spec = ASYNC.replace("network unordered", "network unordered, lossy").replace(
        "faults partition <= 1", "faults partition <= 1, loss <= 1")
    report = analyse_text(tmp_path, spec)
    assert report.classification.label == AP_WEAK
    # write invoked, handled (the copy is sent), the copy is lost
    assert verdicts(report)["converges"] == ("violated", 3)


def test_without_partitions_a_single_primary_is_ca(tmp_path):
    report = analyse_text(tmp_path, SYNC.replace("faults partition <= 1", ""))
    assert report.classification.label == CA and not report.partitions


@pytest.mark.parametrize("obj, write_order", [
    ("register(values = {1}, initial = 0)", False), ("counter(max = 2)", False),
    ("set(values = {1})", True), ("log(values = {1}, max = 2)", True)])
def test_the_write_order_guarantees_apply_to_sets_and_logs_only(tmp_path, obj, write_order):
    spec = tmp_path / "spec.cap"
    spec.write_text(textwrap.dedent(f"""\
        protocol one:
            object {obj}
            clients 1, ops 1
            route clients to n
            node n:
                var x: bool = false
        """), encoding="utf-8")
    _, program = load_spec(str(spec), {})
    kinds = applicable_checks(program)
    assert kinds[:4] == ["linearizable", "durable", "read_your_writes", "monotonic_reads"]
    assert ("monotonic_writes" in kinds, "writes_follow_reads" in kinds) == (write_order, write_order)


def test_a_spec_without_clients_is_refused(tmp_path):
    with pytest.raises(NotApplicable, match="no clients"):
        analyse_text(tmp_path, """\
            protocol lonely:
                node n:
                    var x: bool = false
            """)


# ------------------------------------------------------------------ the command


def write_spec(tmp_path: Path, text: str, name: str = "pair.cap") -> str:
    spec = tmp_path / name
    spec.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(spec)


def test_the_command_prints_the_table_and_the_counterexamples(run_cli, tmp_path):
    spec = write_spec(tmp_path, SYNC)
    code, out, err = run_cli(["cap", spec])
    assert (code, err) == (0, "")
    assert "classification: CP" in out and out.rstrip().endswith("result: CP")
    assert "  check available (added)         violated  3 steps         123" in out
    assert "check available: violated after 3 steps, ending in a dead end" in out
    assert f"replay: capcheck replay {spec} 0." in out


def test_the_json_report(run_cli, tmp_path):
    import json
    code, out, _ = run_cli(["cap", write_spec(tmp_path, ASYNC), "--json", "-"])
    data = json.loads(out)
    assert code == 0 and data["command"] == "cap" and data["classification"]["label"] == AP_EVENTUAL
    lin = next(p for p in data["properties"] if p["kind"] == "linearizable")
    assert lin["verdict"] == "violated" and lin["length"] == 4 and lin["added"] is True
    write = next(c for c in data["costs"] if c["operation"] == "write")
    assert write["latency"] == {"status": "measured", "low": 0, "high": 0}


def test_a_bound_makes_the_report_incomplete(run_cli, tmp_path):
    code, out, _ = run_cli(["cap", write_spec(tmp_path, SYNC), "--max-states", "5"])
    assert code == 3 and "result: undetermined (some verdicts are unknown)" in out


def test_scale_measures_costs_at_each_size(run_cli, tmp_path):
    spec = SYNC.replace("node replica[2]:", "node replica[N]:").replace(
        "object register", "const N = 2\n        object register")
    code, out, _ = run_cli(["cap", write_spec(tmp_path, spec), "--scale", "2,3"])
    assert code == 0
    assert "  N=2 (2 nodes)  write      2        2" in out
    assert "  N=3 (3 nodes)  write      2        4" in out


def test_usage_errors(run_cli, tmp_path):
    spec = write_spec(tmp_path, SYNC)
    code, _, err = run_cli(["cap", spec, "--scale", "M=2,3"])
    assert code == 2 and "no integer constant 'M'" in err
    lonely = write_spec(tmp_path, "protocol lonely:\n    node n:\n        var x: bool = false\n", "lonely.cap")
    code, _, err = run_cli(["cap", lonely])
    assert code == 2 and "has no clients" in err


def test_a_saved_lasso_replays_with_its_markers(run_cli, tmp_path):
    spec = write_spec(tmp_path, SYNC)
    report = tmp_path / "cap.json"
    assert run_cli(["cap", spec, "--json", str(report)])[0] == 0
    code, out, _ = run_cli(["replay", spec, str(report), "--property", "available"])
    assert code == 0 and out.startswith(f"{spec}: a trace of 3 steps")
    assert "-- from here on: no more faults, no new or abandoned operations" in out
    assert "-- dead end: no step of the continuation is enabled here, ever again" in out
