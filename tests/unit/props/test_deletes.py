"""`delete` on a register and a key-value map: the sequential objects, the linearizability
checker and the durability watcher over histories with deletes (issue 24, item 4)."""

from __future__ import annotations

from checker.props.linearizability import check_operations
from checker.props.objects import KeyValue, Register
from checker.props.operations import Operation
from checker.props.sessions import watcher_for
from checker.result import Verdict

REG = Register(0, "ok")
KV = KeyValue(0, "ok")


def test_a_deleted_register_reads_absent_until_the_next_write() -> None:
    s = REG.initial()
    _, s = REG.step(s, "write", (1,))
    assert REG.step(s, "delete", ()) == ("ok", None)
    assert REG.step(None, "read", ()) == (None, None)
    assert REG.step(None, "cas", (None, 2)) == (True, 2)
    assert REG.step(None, "write", (2,)) == ("ok", 2)
    assert Register(0, "ok", -1).step(1, "delete", ()) == ("ok", -1)  # the model's encoding of none


def test_a_deleted_key_reads_absent_and_the_others_keep_their_values() -> None:
    s = KV.initial()
    _, s = KV.step(s, "put", ("a", 1))
    _, s = KV.step(s, "put", ("b", 2))
    result, s = KV.step(s, "delete", ("a",))
    assert result == "ok"
    assert KV.step(s, "get", ("a",))[0] is None
    assert KV.step(s, "get", ("b",))[0] == 2
    assert KV.step(s, "get", ("c",))[0] == 0       # never written: the initial value
    assert KV.split("delete", ("a",)) == ("a", "delete", ())


def _ops(*rows) -> list[Operation]:
    """(process, op, args, result, call, ret) rows as operations."""
    return [Operation(p, op, args, result, call, ret) for p, op, args, result, call, ret in rows]


def test_a_read_after_an_acknowledged_delete_must_return_none() -> None:
    resurrected = _ops((0, "put", ("a", 1), "ok", 0, 1), (0, "delete", ("a",), "ok", 2, 3),
                       (1, "get", ("a",), 1, 4, 5))
    assert check_operations(KV, resurrected).verdict is Verdict.VIOLATED
    deleted = resurrected[:2] + _ops((1, "get", ("a",), None, 4, 5))
    assert check_operations(KV, deleted).verdict is Verdict.HOLDS
    concurrent = resurrected[:1] + _ops((0, "delete", ("a",), "ok", 2, 5), (1, "get", ("a",), 1, 3, 4))
    assert check_operations(KV, concurrent).verdict is Verdict.HOLDS


def test_durable_counts_a_delete_as_a_write_of_none() -> None:
    w = watcher_for("durable", REG, REG.ops, 2, 3)
    read, write, delete = (REG.ops.index(op) for op in ("read", "write", "delete"))
    s = w.initial()
    for event in [("invoke", 0, 0, write, (1,)), ("ok", 0, 0, "ok"), ("invoke", 0, 1, delete, ()),
                  ("ok", 0, 1, "ok"), ("invoke", 1, 0, read, ())]:
        s = _feed(w, s, event)
    assert w.ok(_feed(w, s, ("ok", 1, 0, None)))
    assert not w.ok(_feed(w, s, ("ok", 1, 0, 1)))    # the write the delete overwrote


def _feed(w, s, event: tuple):
    kind, client, seq, *rest = event
    if kind == "invoke":
        return w.invoke(s, client, seq, *rest)
    return w.respond(s, client, seq, *rest)
