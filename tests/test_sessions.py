"""Durability and the session guarantees (checker/props/sessions.py): the online watchers
against a brute-force oracle over whole histories (tests/sessions_oracle.py), hand-made
histories, and protocols end to end."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings

from checker.cli import compile_spec, main
from checker.explore import search
from checker.props.monitor import feed
from checker.props.sessions import SESSION_KINDS, watcher_for
from sessions_oracle import KINDS, SPECS, histories, violated


def _watcher(check: str, kind: str):
    spec = SPECS[kind]
    return watcher_for(check, spec, spec.ops, 3, 4)


def _first_violation(check: str, kind: str, events: list[tuple]) -> int | None:
    """The number of events after which the watcher first reports a violation."""
    w = _watcher(check, kind)
    s = w.initial()
    for n, e in enumerate(events, start=1):
        s = feed(w, s, e)
        if not w.ok(s):
            return n
    return None


def _oracle_first(check: str, kind: str, events: list[tuple]) -> int | None:
    init = getattr(SPECS[kind], "init", False)
    return next((n for n in range(1, len(events) + 1) if violated(check, kind, init, events[:n])), None)


@pytest.mark.parametrize("check", SESSION_KINDS)
@pytest.mark.parametrize("kind", KINDS)
def test_the_watchers_agree_with_the_oracle_at_every_event(check: str, kind: str) -> None:
    @settings(max_examples=200, deadline=None)
    @given(histories(kind))
    def agree(events: list[tuple]) -> None:
        assert _first_violation(check, kind, events) == _oracle_first(check, kind, events)

    agree()


# -------------------------------------------------------------------- hand-made histories

def _events_ok(check: str, kind: str, events: list[tuple]) -> bool:
    return _first_violation(check, kind, events) is None


def test_a_read_after_an_acknowledged_write_must_not_miss_it():
    lost = [("invoke", 0, 0, "write", (1,)), ("ok", 0, 0, "ok"), ("invoke", 1, 0, "read", ()), ("ok", 1, 0, 0)]
    assert not _events_ok("durable", "register", lost)
    assert _events_ok("read_your_writes", "register", lost)  # another client's write
    mine = [("invoke", 0, 0, "write", (1,)), ("ok", 0, 0, "ok"), ("invoke", 0, 1, "read", ()), ("ok", 0, 1, 0)]
    assert not _events_ok("read_your_writes", "register", mine)


def test_a_read_concurrent_with_the_write_may_miss_it():
    assert _events_ok("durable", "register", [("invoke", 1, 0, "read", ()), ("invoke", 0, 0, "write", (1,)),
                                              ("ok", 0, 0, "ok"), ("ok", 1, 0, 0)])


def test_a_repeated_value_is_a_violation_only_when_every_source_is_stale():
    # client 1 wrote 1 long ago, then client 0 wrote 2 and then 1 again: reading 1 is fine
    events = [("invoke", 1, 0, "write", (1,)), ("ok", 1, 0, "ok"), ("invoke", 0, 0, "write", (2,)),
              ("ok", 0, 0, "ok"), ("invoke", 0, 1, "write", (1,)), ("ok", 0, 1, "ok"),
              ("invoke", 2, 0, "read", ()), ("ok", 2, 0, 1)]
    assert _events_ok("durable", "register", events)
    assert not _events_ok("durable", "register", events[:4] + events[6:])


def test_a_pending_write_that_fails_later_can_make_an_earlier_read_a_violation():
    events = [("invoke", 0, 0, "write", (1,)), ("ok", 0, 0, "ok"), ("invoke", 1, 0, "write", (0,)),
              ("invoke", 2, 0, "read", ()), ("ok", 2, 0, 0)]
    assert _first_violation("durable", "register", events + [("fail", 1, 0)]) == 6
    assert _events_ok("durable", "register", events + [("ok", 1, 0, "ok")])
    assert _events_ok("durable", "register", events + [("abandon", 1, 0)])


def test_monotonic_reads_per_client():
    events = [("invoke", 0, 0, "write", (1,)), ("ok", 0, 0, "ok"),
              ("invoke", 1, 0, "read", ()), ("ok", 1, 0, 1), ("invoke", 1, 1, "read", ()), ("ok", 1, 1, 0)]
    assert _first_violation("monotonic_reads", "register", events) == 6
    w = _watcher("monotonic_reads", "register")
    s = w.initial()
    for e in events:
        s = feed(w, s, e)
    assert w.violation(s) == (1, 1, 1, 0)  # client 1's read #2 contradicts its read #1


def test_logs_and_counters_count():
    log = [("invoke", 0, 0, "append", (1,)), ("ok", 0, 0, "ok"), ("invoke", 0, 1, "append", (1,)),
           ("ok", 0, 1, "ok"), ("invoke", 1, 0, "read", ()), ("ok", 1, 0, (1,))]
    assert not _events_ok("durable", "log", log)
    assert _events_ok("durable", "log", log[:-1] + [("ok", 1, 0, (1, 1))])
    counter = [("invoke", 0, 0, "incr", ()), ("ok", 0, 0, "ok"), ("invoke", 0, 1, "read", ()), ("ok", 0, 1, 0)]
    assert not _events_ok("read_your_writes", "counter", counter)


def test_sets_are_registers_per_element():
    added = [("invoke", 0, 0, "add", (1,)), ("ok", 0, 0, "ok")]
    assert not _events_ok("durable", "set", added + [("invoke", 1, 0, "read", ()), ("ok", 1, 0, frozenset())])
    assert not _events_ok("durable", "set", added + [("invoke", 1, 0, "contains", (1,)), ("ok", 1, 0, False)])
    removed = added + [("invoke", 0, 1, "remove", (1,)), ("ok", 0, 1, "ok")]
    assert _events_ok("durable", "set", removed + [("invoke", 1, 0, "read", ()), ("ok", 1, 0, frozenset())])
    assert not _events_ok("durable", "set", removed + [("invoke", 1, 0, "read", ()), ("ok", 1, 0, frozenset({1}))])


# -------------------------------------------------------------------- protocols end to end

REPO = Path(__file__).resolve().parent.parent

# Two replicas: writes at replica[0], which ships them to replica[1] asynchronously; reads
# at READERS. A client that reads at replica[1] may miss what replica[0] acknowledged.
LAGGING = """\
    protocol lagging:
        object OBJECT
        clients 2, ops OPS
        route clients to any replica
        message sync(v: Value)

        node replica[2]:
            var value: VALUE_TYPE = INITIAL

            request WRITE(v) when self == replica[0]:
                value = UPDATE
                send sync(v) to replica[1]
                reply ok

            request read() when self in READERS:
                reply value

            on sync(v) from p:
                value = UPDATE

        check CHECK
    """

REGISTER = {"OBJECT": "register(values = {1, 2}, initial = 0)", "VALUE_TYPE": "Value", "INITIAL": "0",
            "WRITE": "write", "UPDATE": "v"}
LOG = {"OBJECT": "log(values = {1}, max = 6)", "VALUE_TYPE": "seq[Value, 6]", "INITIAL": "[]",
       "WRITE": "append", "UPDATE": "value + [v] if len(value) < 6 else value"}  # never full: 6 appends at most


SET = {"OBJECT": "set(values = {1, 2})", "VALUE_TYPE": "set[Value]", "INITIAL": "{}", "WRITE": "add",
       "UPDATE": "value | {v}"}


def _lagging_spec(tmp_path: Path, check: str, readers: str, obj: dict, ops: int = 2) -> Path:
    text = LAGGING
    for key, value in {**obj, "CHECK": check, "READERS": readers, "OPS": str(ops)}.items():
        text = text.replace(key, value)
    spec = tmp_path / "lagging.cap"
    spec.write_text(textwrap.dedent(text), encoding="utf-8")
    return spec


def _lagging(tmp_path: Path, check: str, readers: str, obj: dict, ops: int = 2):
    _, model = compile_spec(str(_lagging_spec(tmp_path, check, readers, obj, ops)), {}, "check")
    return next(p for p in search(model).properties if p.kind == check)


@pytest.mark.parametrize("obj", [REGISTER, LOG, SET], ids=["register", "log", "set"])
@pytest.mark.parametrize("check, steps", [("durable", 4), ("read_your_writes", 4), ("monotonic_reads", 6)])
def test_reads_at_a_lagging_replica_break_each_guarantee(tmp_path, check, steps, obj):
    result = _lagging(tmp_path, check, "{replica[0], replica[1]}", obj, ops=3)
    assert result.verdict.word == "violated"
    assert result.trace.length == steps


@pytest.mark.parametrize("obj", [REGISTER, LOG, SET], ids=["register", "log", "set"])
@pytest.mark.parametrize("check", SESSION_KINDS)
def test_reads_at_the_writer_keep_each_guarantee(tmp_path, check, obj):
    assert _lagging(tmp_path, check, "{replica[0]}", obj).verdict.word == "holds"


def _only(path: str, kind: str, tmp_path: Path) -> Path:
    """A copy of the spec at `path` checking only `kind` (the others cost time here)."""
    lines = [line for line in (REPO / path).read_text(encoding="utf-8").splitlines()
             if not line.strip().startswith("check ")]
    copy = tmp_path / Path(path).name
    copy.write_text("\n".join(lines + [f"    check {kind}"]) + "\n", encoding="utf-8")
    return copy


def _check(path: str, kind: str, tmp_path: Path):
    _, model = compile_spec(str(_only(path, kind, tmp_path)), {}, "check")
    return next(p for p in search(model).properties if p.kind == kind)


def test_async_primary_backup_loses_an_acknowledged_write(tmp_path):
    durable = _check("specs/async_primary_backup.cap", "durable", tmp_path)
    assert durable.verdict.word == "violated"
    assert [s.action["action"] for s in durable.trace.steps[1:]] == [
        "client[0]: invoke #1 write(1) at replica[0]", "replica[0]: request #1 write(1) from client[0]",
        "replica[0]: crash", "replica[1]: timeout failover", "client[0]: invoke #2 read() at replica[1]",
        "replica[1]: request #2 read() from client[0]"]
    assert durable.trace.steps[-1].state["violated"]["durable"] == {
        "read": {"client": "client[0]", "request": 2}, "contradicts": {"client": "client[0]", "request": 1}}


def test_the_report_names_the_read_and_the_write_it_misses(capsys, tmp_path):
    code = main(["check", str(_only("specs/async_primary_backup.cap", "durable", tmp_path)), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 1
    assert ("  client[0]#2 read() -> 0 returned a state without client[0]#1 write(1) -> ok, "
            "acknowledged before the read began\n") in out


def test_sync_primary_backup_is_durable(tmp_path):
    assert _check("specs/sync_primary_backup.cap", "durable", tmp_path).verdict.word == "holds"


def test_active_active_lww_does_not_read_your_writes(tmp_path):
    ryw = _check("specs/active_active_lww.cap", "read_your_writes", tmp_path)
    assert ryw.verdict.word == "violated" and ryw.trace.length == 4


@pytest.mark.parametrize("seed", ["0", "77"])
def test_the_output_is_the_same_under_any_hash_seed(seed, tmp_path):
    import os
    import subprocess
    import sys

    spec = str(_lagging_spec(tmp_path, "monotonic_reads", "{replica[0], replica[1]}", SET, ops=3))

    def run(hash_seed: str) -> str:
        return subprocess.run([sys.executable, "-m", "checker", "check", spec], capture_output=True, text=True,
                              env=dict(os.environ, PYTHONHASHSEED=hash_seed), cwd=REPO).stdout

    out = run(seed)
    assert out == run("1") and "check monotonic_reads: violated after 6 steps" in out


def test_the_json_report_names_the_read_and_the_write(tmp_path, capsys):
    import json

    spec = _lagging_spec(tmp_path, "durable", "{replica[0], replica[1]}", REGISTER)
    assert main(["check", str(spec), "--no-progress", "--json", "-"]) == 1
    report = json.loads(capsys.readouterr().out)
    durable = next(p for p in report["properties"] if p["kind"] == "durable")
    assert durable["trace"][-1]["state"]["violated"] == {"durable": {
        "read": {"client": "client[0]", "request": 2}, "contradicts": {"client": "client[0]", "request": 1}}}
