"""Durability and the session guarantees (checker/props/sessions.py): the online watchers
against a brute-force oracle over whole histories (tests/oracles/sessions.py), hand-made
histories, and protocols end to end."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings

from checker.cli import main
from checker.pipeline import compile_spec
from checker.explore import search
from checker.props.monitor import feed
from checker.props.kinds import SESSION as SESSION_KINDS
from checker.props.sessions import watcher_for
from oracles.sessions import KINDS, ORDER_CHECKS, SPECS, histories, order_violated, violated
from support import REPO_ROOT, examples


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
    if check in ORDER_CHECKS:
        return next((n for n in range(1, len(events) + 1) if order_violated(check, kind, events[:n])), None)
    return next((n for n in range(1, len(events) + 1) if violated(check, kind, init, events[:n])), None)


@examples(full=200, fast=50)
@pytest.mark.parametrize("check, kind", [(c, k) for c in SESSION_KINDS for k in KINDS
                                         if c not in ORDER_CHECKS or k in ("set", "log")])
def test_the_watchers_agree_with_the_oracle_at_every_event(check: str, kind: str, examples) -> None:
    @settings(max_examples=examples, deadline=None)
    @given(histories(kind))
    def agree(events: list[tuple]) -> None:
        assert _first_violation(check, kind, events) == _oracle_first(check, kind, events)

    agree()


@examples(full=300, fast=75)
@pytest.mark.parametrize("check", ORDER_CHECKS)
@pytest.mark.parametrize("kind", ["set", "log"])
def test_the_write_order_watchers_agree_on_replica_like_histories(check: str, kind: str, examples) -> None:
    """Reads that show a random selection of the writes, in a random order: these break the
    write-order guarantees far more often than results drawn at random."""
    @settings(max_examples=examples, deadline=None)
    @given(histories(kind, replicas=True))
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


def test_monotonic_writes_on_a_set_and_a_log():
    both = [("invoke", 0, 0, "add", (1,)), ("ok", 0, 0, "ok"), ("invoke", 0, 1, "add", (2,)), ("ok", 0, 1, "ok")]
    read = [("invoke", 1, 0, "read", ())]
    assert _first_violation("monotonic_writes", "set", both + read + [("ok", 1, 0, frozenset({2}))]) == 6
    assert _events_ok("monotonic_writes", "set", both + read + [("ok", 1, 0, frozenset({1}))])
    w = _watcher("monotonic_writes", "set")
    s = w.initial()
    for e in both + read + [("ok", 1, 0, frozenset({2}))]:
        s = feed(w, s, e)
    assert w.violation(s) == (1, 0, 0, 0, 0, 1)  # the read shows client 0's #2 without its #1
    appends = [("invoke", 0, 0, "append", (1,)), ("ok", 0, 0, "ok"), ("invoke", 0, 1, "append", (2,)),
               ("ok", 0, 1, "ok")] + read
    assert not _events_ok("monotonic_writes", "log", appends + [("ok", 1, 0, (2,))])
    assert not _events_ok("monotonic_writes", "log", appends + [("ok", 1, 0, (2, 1))])  # out of order
    assert _events_ok("monotonic_writes", "log", appends + [("ok", 1, 0, (1,))])


def test_a_write_that_failed_or_was_given_up_on_obliges_nothing():
    later = [("invoke", 0, 1, "append", (2,)), ("ok", 0, 1, "ok"), ("invoke", 1, 0, "read", ()), ("ok", 1, 0, (2,))]
    for settled in [("fail", 0, 0), ("abandon", 0, 0)]:
        assert _events_ok("monotonic_writes", "log", [("invoke", 0, 0, "append", (1,)), settled] + later)


def test_a_repeated_value_is_a_violation_only_when_every_attribution_breaks_it():
    mine = [("invoke", 0, 0, "append", (1,)), ("ok", 0, 0, "ok"), ("invoke", 0, 1, "append", (2,)), ("ok", 0, 1, "ok")]
    other = [("invoke", 1, 0, "append", (2,))]  # still pending: it may be the read's 2
    read = [("invoke", 2, 0, "read", ()), ("ok", 2, 0, (2,))]
    assert _events_ok("monotonic_writes", "log", mine + other + read)
    assert _events_ok("monotonic_writes", "log", mine + other + read + [("ok", 1, 0, "ok")])
    assert _first_violation("monotonic_writes", "log", mine + other + read + [("fail", 1, 0)]) == 8


def test_writes_follow_what_their_client_read():
    seen = [("invoke", 0, 0, "add", (1,)), ("ok", 0, 0, "ok"), ("invoke", 1, 0, "contains", (1,)),
            ("ok", 1, 0, True), ("invoke", 1, 1, "add", (2,)), ("ok", 1, 1, "ok"), ("invoke", 0, 1, "read", ())]
    assert _first_violation("writes_follow_reads", "set", seen + [("ok", 0, 1, frozenset({2}))]) == 8
    assert _events_ok("monotonic_writes", "set", seen + [("ok", 0, 1, frozenset({2}))])  # two clients' writes
    assert _events_ok("writes_follow_reads", "set", seen + [("ok", 0, 1, frozenset({1, 2}))])
    unseen = seen[:3] + [("ok", 1, 0, False)] + seen[4:]
    assert _events_ok("writes_follow_reads", "set", unseen + [("ok", 0, 1, frozenset({2}))])
    w = _watcher("writes_follow_reads", "set")
    s = w.initial()
    for e in seen + [("ok", 0, 1, frozenset({2}))]:
        s = feed(w, s, e)
    assert w.violation(s) == (0, 1, 0, 0, 1, 1, 1, 0)  # read, the write it misses, the one it shows, the read


def test_a_single_value_object_has_no_write_order_watcher():
    with pytest.raises(ValueError, match="register"):
        _watcher("monotonic_writes", "register")


# -------------------------------------------------------------------- protocols end to end


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


LOG2 = dict(LOG, OBJECT="log(values = {1, 2}, max = 6)")  # two values: an entry tells its append
SET = {"OBJECT": "set(values = {1, 2})", "VALUE_TYPE": "set[Value]", "INITIAL": "{}", "WRITE": "add",
       "UPDATE": "value | {v}"}


def _lagging_spec(tmp_path: Path, check: str, readers: str, obj: dict, ops: int = 2, network: str = "") -> Path:
    text = LAGGING if not network else LAGGING.replace("route clients to any replica\n",
                                                       f"route clients to any replica\n        network {network}\n")
    for key, value in {**obj, "CHECK": check, "READERS": readers, "OPS": str(ops)}.items():
        text = text.replace(key, value)
    spec = tmp_path / "lagging.cap"
    spec.write_text(textwrap.dedent(text), encoding="utf-8")
    return spec


def _lagging(tmp_path: Path, check: str, readers: str, obj: dict, ops: int = 2, network: str = ""):
    _, model = compile_spec(str(_lagging_spec(tmp_path, check, readers, obj, ops, network)), {}, "check")
    return next(p for p in search(model).properties if p.kind == check)


@pytest.mark.parametrize("obj", [REGISTER, LOG, SET], ids=["register", "log", "set"])
@pytest.mark.parametrize("check, steps", [("durable", 4), ("read_your_writes", 4), ("monotonic_reads", 6)])
def test_reads_at_a_lagging_replica_break_each_guarantee(tmp_path, check, steps, obj):
    result = _lagging(tmp_path, check, "{replica[0], replica[1]}", obj, ops=3)
    assert result.verdict.word == "violated"
    assert result.trace.length == steps


@pytest.mark.parametrize("obj", [REGISTER, LOG, SET], ids=["register", "log", "set"])
@pytest.mark.parametrize("check", [k for k in SESSION_KINDS if k not in ORDER_CHECKS])
def test_reads_at_the_writer_keep_each_guarantee(tmp_path, check, obj):
    assert _lagging(tmp_path, check, "{replica[0]}", obj).verdict.word == "holds"


# monotonic_writes: client[0] writes 1 then 2 at replica[0] (2 steps each), sync(2) overtakes
# sync(1), a read at replica[1] (2 steps) shows 2 alone. writes_follow_reads: client[0]
# writes 1, client[1] reads it at replica[0] and writes 2, then the same overtaking.
@pytest.mark.parametrize("obj", [LOG2, SET], ids=["log", "set"])
@pytest.mark.parametrize("check, steps", [("monotonic_writes", 7), ("writes_follow_reads", 9)])
def test_copies_that_overtake_each_other_break_the_write_order(tmp_path, check, steps, obj):
    result = _lagging(tmp_path, check, "{replica[0], replica[1]}", obj, network="unordered")
    assert result.verdict.word == "violated"
    assert result.trace.length == steps


@pytest.mark.parametrize("obj", [LOG2, SET], ids=["log", "set"])
@pytest.mark.parametrize("check", ORDER_CHECKS)
def test_copies_in_order_keep_the_write_order(tmp_path, check, obj):
    assert _lagging(tmp_path, check, "{replica[0], replica[1]}", obj, network="fifo").verdict.word == "holds"
    assert _lagging(tmp_path, check, "{replica[0]}", obj).verdict.word == "holds"


def test_the_report_names_the_write_the_read_shows_and_the_one_it_misses(tmp_path, capsys):
    spec = _lagging_spec(tmp_path, "writes_follow_reads", "{replica[0], replica[1]}", SET, network="unordered")
    assert main(["check", str(spec), "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert ("  client[0]#2 read() -> {2} returned a state with client[1]#2 add(2) -> ok but not client[0]#1 "
            "add(1) -> ok before it, a write that client[1]#1 read() -> {1} had shown the writing client before "
            "it wrote\n") in out


def _only(path: str, kind: str, tmp_path: Path) -> Path:
    """A copy of the spec at `path` checking only `kind` (the others cost time here)."""
    lines = [line for line in (REPO_ROOT / path).read_text(encoding="utf-8").splitlines()
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
@pytest.mark.parametrize("check, steps", [("monotonic_reads", 6), ("monotonic_writes", 7), ("writes_follow_reads", 9)])
def test_the_output_is_the_same_under_any_hash_seed(seed, check, steps, tmp_path):
    import os
    import subprocess
    import sys

    spec = str(_lagging_spec(tmp_path, check, "{replica[0], replica[1]}", SET, ops=3 if check == "monotonic_reads" else 2,
                             network="unordered" if check != "monotonic_reads" else ""))

    def run(hash_seed: str) -> str:
        return subprocess.run([sys.executable, "-m", "checker", "check", spec], capture_output=True, text=True,
                              env=dict(os.environ, PYTHONHASHSEED=hash_seed), cwd=REPO_ROOT).stdout

    out = run(seed)
    assert out == run("1") and f"check {check}: violated after {steps} steps" in out


def test_the_json_report_names_the_read_and_the_write(tmp_path, capsys):
    import json

    spec = _lagging_spec(tmp_path, "durable", "{replica[0], replica[1]}", REGISTER)
    assert main(["check", str(spec), "--no-progress", "--json", "-"]) == 1
    report = json.loads(capsys.readouterr().out)
    durable = next(p for p in report["properties"] if p["kind"] == "durable")
    assert durable["trace"][-1]["state"]["violated"] == {"durable": {
        "read": {"client": "client[0]", "request": 2}, "contradicts": {"client": "client[0]", "request": 1}}}


@pytest.mark.xfail(strict=True, reason="known: MonotonicReads keeps each (client, part) chain on its own, so "
                   "it misses two chains that need one pending write both to fail and not to fail")
def test_monotonic_reads_of_two_clients_that_disagree_on_one_pending_write():
    """Client 0's reads are explained only if the pending write(1) fails, client 1's only if
    it does not: the oracle has the violation already; the watcher only once it settles."""
    events = [("invoke", 2, 0, "write", (2,)), ("ok", 2, 0, "ok"), ("invoke", 2, 1, "write", (1,)),
              ("invoke", 0, 0, "read", ()), ("ok", 0, 0, 1), ("invoke", 0, 1, "read", ()), ("ok", 0, 1, 2),
              ("invoke", 0, 2, "write", (2,)), ("ok", 0, 2, "ok"), ("invoke", 0, 3, "write", (1,)),
              ("ok", 0, 3, "ok"), ("invoke", 1, 0, "read", ()), ("ok", 1, 0, 1), ("invoke", 1, 1, "read", ()),
              ("ok", 1, 1, 2)]
    assert violated("monotonic_reads", "register", 0, events)
    assert _first_violation("monotonic_reads", "register", events) == len(events)
