"""The three linearizability checkers of capcheck agree: the online monitor the explorer
carries in its states (checker.props.monitor), the offline checker for recorded histories
(checker.props.linearizability) and a brute-force oracle that tries every order
(tests/oracles/linearizability.py), on random histories of up to 8 operations with
indeterminate ones, for a register, a cas-register and a two-key map; and the offline
checker and the oracle agree on histories of up to 10 operations with some responses
relaxed, as `--explain` relaxes them (many indeterminate writes: where the search's
pruning of indeterminate operations does the most)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.props.explain import relaxed
from checker.props.linearizability import check_operations
from checker.props.monitor import history_ok
from checker.result import Verdict
from oracles.linearizability import histories, linearizable
from support import examples


def monitor_events(operations) -> list[tuple]:
    """The history as the explorer would feed it to the monitor: invocations and responses
    in time order; an indeterminate operation is never answered."""
    seq: dict[object, int] = {}
    timed = []
    for o in operations:
        n = seq[o.process] = seq.get(o.process, -1) + 1
        timed.append((o.call, 0, ("invoke", o.process, n, o.op, o.args)))
        if o.ret is not None:
            timed.append((o.ret, 1, ("ok", o.process, n, o.result)))
    return [event for _, _, event in sorted(timed, key=lambda t: (t[0], t[1]))]


@examples(full=150, fast=40)
@pytest.mark.parametrize("kind", ["register", "cas-register", "kv"])
def test_online_offline_and_brute_force_agree(kind, examples):
    @settings(max_examples=examples, deadline=None)
    @given(histories(kind))
    def agree(history):
        spec, operations = history
        oracle = linearizable(spec, operations)
        offline = check_operations(spec, operations).verdict is Verdict.HOLDS
        online = history_ok(spec, monitor_events(operations))
        assert online == offline == oracle

    agree()


@examples(full=200, fast=50)
@pytest.mark.parametrize("kind", ["register", "cas-register", "kv", "set", "log", "counter"])
def test_offline_checker_and_brute_force_agree_with_responses_relaxed(kind, examples):
    @settings(max_examples=examples, deadline=None)
    @given(histories(kind, max_ops=10), st.data())
    def agree(history, data):
        spec, operations = history
        forget = data.draw(st.lists(st.booleans(), min_size=len(operations), max_size=len(operations)))
        operations = [relaxed(o) if f and o.ret is not None else o for o, f in zip(operations, forget)]
        assert (check_operations(spec, operations).verdict is Verdict.HOLDS) == linearizable(spec, operations)

    agree()
