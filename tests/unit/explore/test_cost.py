"""The cost of operations on fault-free runs (checker/explore/cost.py).

Every expected latency (message delays) and message count is derived by hand in a comment
next to it, on toy specs written here, then pinned for the library's specs.
"""

from __future__ import annotations


import pytest

from checker.pipeline import compile_spec
from checker.explore.cost import CostLimits, Quantity, Status, by_size, for_models, measure

from support import SPECS, compile_text


def costs(model, **limits) -> dict[str, tuple]:
    """operation -> (latency text, messages text)."""
    return {c.operation: (c.latency.text(), c.messages.text()) for c in measure(model, CostLimits(**limits))}


PRIMARY_BACKUP = """\
    protocol pb:
        object register(values = {1, 2}, initial = 0)
        clients 2, ops 2
        route clients to primary
        network NETWORK
        faults crash <= 1, partition <= 1, give_up <= 1

        message sync(v: Value)
        message ack()

        node primary:
            var value: Value = 0
            var pending: option handle = none

            request write(v) as h when pending == none:
                value = v
                send sync(v) to backup
                BODY

            request read():
                reply value

            on ack() from b when pending != none:
                reply ok to pending
                pending = none

        node backup:
            var value: Value = 0

            on sync(v) from p:
                value = v
                ACK
    """

SYNC = PRIMARY_BACKUP.replace("BODY", "pending = h").replace("ACK", "send ack() to p")
ASYNC = PRIMARY_BACKUP.replace("BODY", "reply ok").replace("ACK", "pass")


@pytest.mark.parametrize("network", ["fifo", "unordered"])
def test_synchronous_replication(tmp_path, network):
    # write: request (depth 0) -> sync (1) at the backup -> ack (2) -> reply at depth 2;
    # two messages. read: answered by the primary at once: 0 delays, no message.
    model = compile_text(tmp_path, SYNC.replace("NETWORK", network))
    assert costs(model) == {"read": ("0", "0"), "write": ("2", "2")}


@pytest.mark.parametrize("network", ["fifo", "unordered"])
def test_asynchronous_replication(tmp_path, network):
    # write: answered in the request step (depth 0); the sync still has to be delivered
    # before the system is quiet: one message.
    model = compile_text(tmp_path, ASYNC.replace("NETWORK", network))
    assert costs(model) == {"read": ("0", "0"), "write": ("0", "1")}


def test_every_call_is_measured_and_spanned(tmp_path):
    # write(1) replicates synchronously, write(2) asynchronously: 0..2 delays, 1..2 messages.
    text = PRIMARY_BACKUP.replace("NETWORK", "fifo").replace(
        "BODY", "if v == 1:\n                    pending = h\n                else:\n                    reply ok")
    text = text.replace("ACK", "if v == 1:\n                    send ack() to p")
    (_, write) = measure(compile_text(tmp_path, text))
    assert [(c.call, c.latency.value, c.messages.value) for c in write.calls] == [("write(1)", 2, 2), ("write(2)", 0, 1)]
    assert (write.latency.low, write.latency.high, write.messages.low, write.messages.high) == (0, 2, 1, 2)
    assert write.latency.text() == "0..2" and write.latency.value is None


CHAIN = """\
    protocol chain:
        object register(values = {1}, initial = 0)
        clients 1, ops 1
        route clients to head
        network unordered

        message forward(v: Value)
        message done()

        node head:
            var value: Value = 0
            var pending: option handle = none
            var fresh: bool = false

            request write(v) as h:
                value = v
                pending = h
                send forward(v) to middle

            on done() from t:
                fresh = true

            action answer when fresh and pending != none:
                reply ok to pending
                pending = none

            request read():
                reply value

        node middle:
            var value: Value = 0

            on forward(v) from p:
                value = v
                send forward(v) to tail

            timeout tick:
                pass

        node tail:
            var value: Value = 0

            on forward(v) from p:
                value = v
                send done() to head
    """


def test_chain_counts_each_hop_and_an_action_keeps_the_nodes_depth(tmp_path):
    # head -> middle (1) -> tail (2) -> head (3); the action that replies runs on the head
    # at its own depth, 3. Three messages. The middle's timeout changes nothing, so it does
    # not stop the system being quiet.
    model = compile_text(tmp_path, CHAIN)
    assert costs(model) == {"write": ("3", "3"), "read": ("0", "0")}


QUORUM = """\
    protocol quorum:
        const N = 3
        object register(values = {1}, initial = 0)
        clients 1, ops 1
        route clients to replica[0]
        network unordered

        message query()
        message answer()
        message store(v: Value)
        message ack()

        node replica[N]:
            var value: Value = 0
            var phase: {idle, querying, storing} = idle
            var got: 0..N = 0
            var wv: Value = 0
            var pending: option handle = none

            request write(v) as h when phase == idle:
                phase = querying
                pending = h
                wv = v
                got = 1
                send query() to others

            on query() from c:
                send answer() to c

            on answer() from r when phase == querying:
                got += 1
                if 2 * got > N:
                    phase = storing
                    got = 1
                    send store(wv) to others

            on store(v) from c:
                value = v
                send ack() to c

            on ack() from r when phase == storing:
                got += 1
                if 2 * got > N:
                    reply ok to pending
                    pending = none
                    phase = idle
                    got = 0
    """


def test_quorum_write_grows_with_the_number_of_nodes(tmp_path):
    # Two round trips to a majority: 4 delays whatever N. Every replica but the coordinator
    # gets a query and a store and answers both: 4 (N - 1) messages, 8 for N = 3 and 16 for
    # N = 5, although the coordinator waits only for a majority: the late answers and acks
    # stay in flight, never taken, and the system is quiet with them there.
    rows = by_size(lambda o: compile_text(tmp_path, QUORUM, o), [{"N": 3}, {"N": 5}])
    assert [(r.overrides, r.nodes, [(c.operation, c.latency.value, c.messages.value) for c in r.operations])
            for r in rows] == [((("N", 3),), 3, [("write", 4, 8)]), ((("N", 5),), 5, [("write", 4, 16)])]


def test_rows_from_models_in_the_order_given(tmp_path):
    models = [({"N": n}, compile_text(tmp_path, QUORUM, {"N": n})) for n in (4, 3)]
    rows = for_models(models)
    # N = 4: a majority is 3, still two round trips, 4 * 3 = 12 messages.
    assert [(r.nodes, r.operations[0].messages.value) for r in rows] == [(4, 12), (3, 8)]


HEARTBEAT = """\
    protocol heartbeat:
        object register(values = {1}, initial = 0)
        clients 1, ops 1
        network fifo

        message ping()
        message pong()

        node server:
            var value: Value = 0
            var waiting: bool = false

            request write(v):
                value = v
                reply ok

            timeout beat when not waiting:
                waiting = true
                send ping() to monitor

            on pong() from m:
                waiting = false

        node monitor:
            on ping() from s:
                send pong() to s
    """


def test_a_protocol_that_never_goes_quiet(tmp_path):
    # The heartbeat runs forever: the write is answered at once (0 delays), but there is
    # no count of messages "until quiet". The heartbeat is not caused by the write until
    # the server has handled it; either way the system never settles.
    (write,) = measure(compile_text(tmp_path, HEARTBEAT))
    assert write.latency == Quantity(Status.MEASURED, 0, 0)
    assert write.messages.status is Status.NEVER and write.messages.value is None
    assert write.messages.reason.startswith("never quiet")
    assert write.messages.text().startswith("never (never quiet")


def test_an_operation_never_answered_or_only_with_an_error(tmp_path):
    text = """\
        protocol refuse:
            "A read is never answered; a write only with an error."
            object register(values = {1}, initial = 0)
            clients 1, ops 1
            node server:
                var held: option handle = none
                request read() as h:
                    held = h

                request write(v):
                    reply error "read only"
    """
    (read, write) = measure(compile_text(tmp_path, text))
    for cost in (write, read):
        assert cost.latency.status is Status.NEVER and cost.messages.status is Status.NEVER
        assert "no fault-free run answers" in cost.latency.reason


def test_a_bound_gives_unknown_with_the_reason(tmp_path):
    (write,) = measure(compile_text(tmp_path, QUORUM), CostLimits(max_states=5))
    assert write.latency.status is Status.UNKNOWN and write.latency.low is None
    assert write.latency.reason == "the latency search stopped at more than 5 states"
    assert write.messages.reason == "the message search stopped at more than 5 states"
    assert all(c.latency.status is Status.UNKNOWN for c in write.calls)


def test_a_duplicating_network_is_not_measured(tmp_path):
    (_, write) = measure(compile_text(tmp_path, SYNC.replace("NETWORK", "duplicating")))
    assert write.latency.status is Status.UNKNOWN and "duplicating" in write.latency.reason


def test_a_spec_without_clients_has_no_operations(tmp_path):
    assert measure(compile_spec(str(SPECS / "two_phase.cap"), {}, "check")[1]) == []


def test_a_quantity_is_either_measured_or_explained():
    with pytest.raises(ValueError):
        Quantity(Status.MEASURED)
    with pytest.raises(ValueError):
        Quantity(Status.UNKNOWN, 1, 1, "why")
    with pytest.raises(ValueError):
        Quantity(Status.NEVER)


def test_deterministic(tmp_path):
    model = compile_text(tmp_path, QUORUM)
    assert measure(model) == measure(model)


# ---------------------------------------------------------------- the library, pinned


def library(name: str, **overrides):
    return compile_spec(str(SPECS / f"{name}.cap"), overrides, "check")[1]


def test_library_sync_primary_backup():
    # As the toy above: a write waits for the backup's ack (2 delays, 2 messages).
    assert costs(library("sync_primary_backup")) == {"read": ("0", "0"), "write": ("2", "2")}


def test_library_async_primary_backup():
    assert costs(library("async_primary_backup")) == {"read": ("0", "0"), "write": ("0", "1")}


def test_library_abd_register():
    # Both operations run a query phase and a store phase at a majority: 4 delays; the two
    # other replicas answer both phases: 2 * 4 = 8 messages (one answer and one ack late).
    assert costs(library("abd_register")) == {"read": ("4", "8"), "write": ("4", "8")}


def test_steps_before_the_invocation_cost_nothing(tmp_path):
    # The server must be elected before it serves; the election (a timeout and a hello to
    # the peer) may run before the invocation, caused by nothing: 0 delays, 0 messages.
    text = """\
        protocol elected:
            object register(values = {1}, initial = 0)
            clients 1, ops 1
            route clients to server

            message hello()

            node server:
                var leader: bool = false

                timeout elect when not leader:
                    leader = true
                    send hello() to peer

                request write(v) when leader:
                    reply ok

            node peer:
                on hello() from s:
                    pass
    """
    assert costs(compile_text(tmp_path, text)) == {"write": ("0", "0")}


def test_a_time_limit_gives_unknown_with_the_reason(tmp_path):
    # Far more than 256 states (the clock is read every 256), and no time to explore them.
    (write,) = measure(compile_text(tmp_path, QUORUM, {"N": 5}), CostLimits(max_states=None, timeout=1e-9))
    assert write.latency == Quantity(Status.UNKNOWN, reason="the latency search stopped at the time limit of 1e-09 s")
    assert write.messages.status is Status.UNKNOWN
