"""The three linearizability checkers of capcheck agree: the online monitor the explorer
carries in its states (checker.props.monitor), the offline checker for recorded histories
(checker.props.linearizability) and a brute-force oracle that tries every order
(tests/linearizability_oracle.py), on random histories of up to 8 operations with
indeterminate ones, for a register, a cas-register and a two-key map."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from checker.props.linearizability import check_operations
from checker.props.monitor import history_ok
from checker.result import Verdict
from linearizability_oracle import histories, linearizable


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


@pytest.mark.parametrize("kind", ["register", "cas-register", "kv"])
def test_online_offline_and_brute_force_agree(kind):
    @settings(max_examples=150, deadline=None)
    @given(histories(kind))
    def agree(history):
        spec, operations = history
        oracle = linearizable(spec, operations)
        offline = check_operations(spec, operations).verdict is Verdict.HOLDS
        online = history_ok(spec, monitor_events(operations))
        assert online == offline == oracle

    agree()
