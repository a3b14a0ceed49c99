"""Routing per operation and per client in both engines: the same shortest violation, and
no violation once each client is pinned to the replica that takes the writes."""

from __future__ import annotations

from checker.analysis.verify import SmtOptions, smt_check
from support import compile_text, explore_text, violated_lengths

SPLIT = """\
protocol read_replicas:
    object register(values = {1, 2}, initial = 0)
    clients 2, ops 2
    route write to replica[0]
    route read to any replica
PINS
    network fifo

    message sync(v: Value)

    node replica[2]:
        var value: Value = 0

        request write(v):
            value = v
            send sync(v) to others
            reply ok

        request read():
            reply value

        on sync(v) from p:
            value = v

    check read_your_writes
"""
SPREAD = SPLIT.replace("PINS\n", "")
PINNED = SPLIT.replace("PINS\n", "    route client[0] to replica[0]\n    route client[1] to replica[0]\n")


def test_reads_at_a_replica_miss_the_clients_own_write_in_both_engines(tmp_path) -> None:
    # write(1) invoked at replica[0] and answered; read() invoked at replica[1], answered 0
    assert violated_lengths(explore_text(tmp_path, SPREAD)) == {"read_your_writes": 4}
    assert violated_lengths(smt_check(compile_text(tmp_path, SPREAD), SmtOptions(depth=4))) == {"read_your_writes": 4}


def test_pinned_clients_read_their_writes_in_both_engines(tmp_path) -> None:
    assert not violated_lengths(explore_text(tmp_path, PINNED))
    assert not violated_lengths(smt_check(compile_text(tmp_path, PINNED), SmtOptions(depth=6)))
