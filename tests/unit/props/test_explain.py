"""What a linearizability counterexample contradicts (checker/props/explain.py, and its use
in traces: the final state's `violated.linearizable`).

`core` is checked against the brute-force oracle on random histories: the operations it
keeps cannot be linearized with all others relaxed, it is the smallest such set containing
the target, and it exists exactly when the history is not linearizable. The library's
counterexamples name the acknowledged write each stale read contradicts.
"""

from __future__ import annotations

import functools
from itertools import combinations

import pytest
from hypothesis import given, settings

from checker.pipeline import compile_spec
from checker.explore import SearchOptions, search
from checker.props.explain import core, relaxed
from checker.props.linearizability import split_parts
from checker.props.operations import Operation, ReadWriteRegister
from checker.render.text import contradiction_lines
from checker.result import Verdict

from support import SPECS
from oracles.linearizability import histories, linearizable


def _relax_outside(operations, keep) -> list:
    return [o if i in keep or o.ret is None else relaxed(o) for i, o in enumerate(operations)]


@pytest.mark.parametrize("kind", ["register", "cas-register", "kv"])
def test_core_is_the_smallest_contradiction_by_brute_force(kind):
    @settings(max_examples=120, deadline=None)
    @given(histories(kind, max_ops=6))
    def smallest(history):
        spec, operations = history
        whole = linearizable(spec, operations)
        for target, o in enumerate(operations):
            if o.ret is None:
                continue
            found = core(spec, operations, target)
            if whole:
                assert found is None
                continue
            if found is None:
                continue   # the violation is in another part (another key) than target's
            assert target in found
            assert not linearizable(spec, _relax_outside(operations, set(found)))
            # smaller sets are sought among target's part (key): another key may be violated on its own
            members = next(p.members for p in split_parts(spec, operations) if target in p.members)
            answered = [i for i in members if operations[i].ret is not None and i != target]
            for size in range(len(found) - 1):
                for chosen in combinations(answered, size):
                    assert linearizable(spec, _relax_outside(operations, {target, *chosen})), (found, chosen)

    smallest()


def test_every_violated_history_has_a_core():
    """Some answered operation's core exists whenever the history is not linearizable."""
    @settings(max_examples=150, deadline=None)
    @given(histories("register", max_ops=6))
    def some(history):
        spec, operations = history
        cores = [core(spec, operations, t) for t, o in enumerate(operations) if o.ret is not None]
        assert any(c is not None for c in cores) == (not linearizable(spec, operations))

    some()


def test_a_stale_read_contradicts_the_acknowledged_write():
    spec = ReadWriteRegister(0)
    ops = [Operation(0, "write", (1,), spec.ok, 1, 2), Operation(1, "write", (2,), spec.ok, 3, 4),
           Operation(0, "read", (), 1, 5, 6)]
    # both writes are needed: with write(1) relaxed it could take effect after write(2)
    assert core(spec, ops, 2) == (0, 1, 2)


def test_a_read_of_a_value_never_written_stands_alone():
    spec = ReadWriteRegister(0)
    ops = [Operation(0, "write", (1,), spec.ok, 1, 2), Operation(1, "read", (), 2, 3, 4)]
    assert core(spec, ops, 1) == (1,)


def test_a_read_is_not_blamed_for_the_write_it_saw():
    """Deleting write(1) would leave `read() -> 1` unexplained, so a search by deletion
    could blame the two reads; relaxing keeps write(1) able to explain the first, and the
    core is the acknowledged write the second read contradicts."""
    spec = ReadWriteRegister(0)
    ops = [Operation(0, "write", (1,), spec.ok, 1, 2), Operation(1, "read", (), 1, 3, 4),
           Operation(1, "read", (), 0, 5, 6)]
    assert core(spec, ops, 2) == (0, 2)


@functools.cache
def _linearizable_cx(name: str):
    program, model = compile_spec(str(SPECS / f"{name}.cap"), {}, "check")
    result = search(model, SearchOptions("bfs", max_states=100_000))
    return next(p for p in result.properties if p.kind == "linearizable" and p.verdict is Verdict.VIOLATED)


@pytest.mark.parametrize("spec, response, contradicts", [
    ("async_primary_backup", ("client[0]", 2), [("client[0]", 1)]),
    ("active_active_lww", ("client[0]", 2), [("client[0]", 1)]),
    ("best_effort_broadcast", ("client[1]", 1), [("client[0]", 1)]),
    ("chain_replication_any_reads", ("client[0]", 2), [("client[0]", 1)]),
    ("gossip_anti_entropy", ("client[1]", 1), [("client[0]", 1)]),
])
def test_library_counterexamples_name_what_they_contradict(spec, response, contradicts):
    prop = _linearizable_cx(spec)
    found = prop.trace.steps[-1].state["violated"]["linearizable"]
    assert (found["response"]["client"], found["response"]["request"]) == response
    assert [(c["client"], c["request"]) for c in found["contradicts"]] == contradicts


def test_the_sentence_says_the_write_was_acknowledged_before_the_read_began():
    prop = _linearizable_cx("async_primary_backup")
    lines = contradiction_lines(prop.trace, prop.trace.steps[-1].state["violated"]["linearizable"])
    assert lines == [
        "no linearization explains client[0]#2 read() -> 0 (answered at step 6)",
        "  it contradicts client[0]#1 write(1) -> ok, answered at step 2, before client[0]#2 was "
        "invoked at step 5",
    ]
