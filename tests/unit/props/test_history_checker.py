"""The offline linearizability checker (checker.props.linearizability): small exact cases,
and agreement with the brute-force oracle of tests/oracles/linearizability.py on random
histories."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from checker.props.linearizability import CheckOptions, check_operations

from checker.props.operations import OK, UNKNOWN, AppendKeyValue, CasRegister, Operation, ReadWriteRegister
from checker.props.objects import UnknownOperation
from checker.result import Verdict
from oracles.linearizability import histories, is_valid_prefix, linearizable, spec_of
from support import examples

REGISTER = CasRegister(init=0, ok=OK)


def op(process, name, args, result, call, ret):
    return Operation(process, name, tuple(args), result, call, ret)


# ---------------------------------------------------------------- small exact cases


def test_empty_history_is_linearizable() -> None:
    result = check_operations(REGISTER, [])
    assert result.verdict is Verdict.HOLDS
    assert [p.verdict for p in result.parts] == [Verdict.HOLDS]


def test_sequential_history() -> None:
    ops = [op(0, "write", [1], OK, 0, 1), op(0, "read", [], 1, 2, 3), op(0, "cas", [1, 2], True, 4, 5),
           op(0, "read", [], 2, 6, 7)]
    result = check_operations(REGISTER, ops)
    assert result.verdict is Verdict.HOLDS
    assert result.parts[0].prefix == (0, 1, 2, 3)
    assert result.parts[0].states == (1, 1, 2, 2)


def test_stale_read_is_a_violation_with_prefix_and_stuck_operation() -> None:
    # write(1) completes, then a read returns the old value 0
    ops = [op(0, "write", [1], OK, 0, 1), op(1, "read", [], 0, 2, 3)]
    result = check_operations(REGISTER, ops)
    assert result.verdict is Verdict.VIOLATED
    part = result.parts[0]
    assert part.prefix == (0,) and part.states == (1,) and part.stuck == 1


def test_concurrent_operations_may_go_either_way() -> None:
    ops = [op(0, "write", [1], OK, 0, 3), op(1, "read", [], 0, 1, 2), op(2, "read", [], 1, 4, 5)]
    assert check_operations(REGISTER, ops).verdict is Verdict.HOLDS


def test_closed_intervals_an_operation_returning_when_another_is_called_overlaps_it() -> None:
    ops = [op(0, "write", [1], OK, 0, 2), op(1, "read", [], 0, 2, 3)]
    assert check_operations(REGISTER, ops).verdict is Verdict.HOLDS


def test_indeterminate_write_may_take_effect_or_not() -> None:
    took = [op(0, "write", [1], UNKNOWN, 0, None), op(1, "read", [], 1, 1, 2), op(1, "read", [], 1, 3, 4)]
    never = [op(0, "write", [1], UNKNOWN, 0, None), op(1, "read", [], 0, 1, 2)]
    late = [op(0, "write", [1], UNKNOWN, 0, None), op(1, "read", [], 0, 1, 2), op(1, "read", [], 1, 3, 4)]
    flip = [op(0, "write", [1], UNKNOWN, 0, None), op(1, "read", [], 1, 1, 2), op(1, "read", [], 0, 3, 4)]
    for ops in (took, never, late):
        assert check_operations(REGISTER, ops).verdict is Verdict.HOLDS
    assert check_operations(REGISTER, flip).verdict is Verdict.VIOLATED


def test_indeterminate_operation_cannot_take_effect_before_its_call() -> None:
    ops = [op(1, "read", [], 1, 0, 1), op(0, "write", [1], UNKNOWN, 2, None)]
    assert check_operations(REGISTER, ops).verdict is Verdict.VIOLATED


def test_identical_indeterminate_operations_are_both_available() -> None:
    # two identical timed-out writes of 1: the value can be set to 1 twice, around a write of 2
    ops = [op(0, "write", [1], UNKNOWN, 0, None), op(1, "write", [1], UNKNOWN, 1, None),
           op(2, "read", [], 1, 2, 3), op(2, "write", [2], OK, 4, 5), op(2, "read", [], 1, 6, 7)]
    assert check_operations(REGISTER, ops).verdict is Verdict.HOLDS
    assert check_operations(REGISTER, ops[1:]).verdict is Verdict.VIOLATED


def test_results_compare_with_their_types() -> None:
    spec = CasRegister(init=None, ok=OK)
    assert check_operations(spec, [op(0, "write", [1], OK, 0, 1), op(0, "read", [], True, 2, 3)]).verdict \
        is Verdict.VIOLATED
    assert check_operations(spec, [op(0, "read", [], None, 0, 1)]).verdict is Verdict.HOLDS
    assert check_operations(spec, [op(0, "read", [], 0, 0, 1)]).verdict is Verdict.VIOLATED


def test_parts_are_checked_separately_and_every_violated_key_is_named() -> None:
    spec = AppendKeyValue()
    ops = [op(0, "append", ["a", "x"], OK, 0, 1), op(0, "get", ["a"], "x", 2, 3),
           op(1, "put", ["b", "y"], OK, 4, 5), op(1, "get", ["b"], "", 6, 7),
           op(2, "get", ["c"], "z", 8, 9)]
    result = check_operations(spec, ops)
    assert result.verdict is Verdict.VIOLATED
    assert [(p.part, p.verdict, p.operations) for p in result.parts] == [
        ("a", Verdict.HOLDS, (0, 1)), ("b", Verdict.VIOLATED, (2, 3)), ("c", Verdict.VIOLATED, (4,))]
    assert result.parts[1].prefix == (2,) and result.parts[1].stuck == 3 and result.parts[1].states == ("y",)
    assert result.parts[2].prefix == () and result.parts[2].stuck == 4


def test_unknown_operation_is_refused() -> None:
    with pytest.raises(UnknownOperation):
        check_operations(ReadWriteRegister(), [op(0, "cas", [0, 1], True, 0, 1)])


def _hard_history(n: int) -> list[Operation]:
    """n concurrent writes of distinct values, then n sequential reads of them in an
    impossible order: every ordering of the writes must be refuted."""
    ops = [op(p, "write", [p], OK, p, n + p) for p in range(n)]
    ops += [op(n, "read", [], v, 2 * n + 2 * k, 2 * n + 2 * k + 1) for k, v in enumerate([0, 1, 0])]
    return ops


def test_a_deadline_gives_unknown_with_how_far_it_got() -> None:
    ticks = iter(range(10**9))
    result = check_operations(CasRegister(init=-1, ok=OK), _hard_history(14), CheckOptions(timeout=3),
                              clock=lambda: next(ticks))
    assert result.verdict is Verdict.UNKNOWN and result.reason == "timeout"
    part = result.parts[0]
    assert part.verdict is Verdict.UNKNOWN and part.reason == "timeout"
    assert len(part.prefix) > 0 and part.stuck is None


def test_without_a_deadline_the_hard_history_is_decided() -> None:
    result = check_operations(CasRegister(init=-1, ok=OK), _hard_history(8))
    assert result.verdict is Verdict.VIOLATED


def test_parts_left_undecided_once_another_is_violated_say_so() -> None:
    spec = AppendKeyValue()
    hard = [Operation(p, "put", ("h", str(p)), OK, p, 20 + p) for p in range(14)]
    hard += [Operation(99, "get", ("h",), "no", 40, 41)]
    ops = [Operation(50, "get", ("a",), "wrong", 0, 1)] + hard
    result = check_operations(spec, sorted(ops, key=lambda o: o.call))
    assert result.verdict is Verdict.VIOLATED and result.reason is None
    by_key = {p.part: p for p in result.parts}
    assert by_key["a"].verdict is Verdict.VIOLATED
    assert by_key["h"].verdict is Verdict.UNKNOWN and by_key["h"].reason == "stopped"



def test_stop_at_first_gives_the_other_parts_no_more_turns() -> None:
    spec = AppendKeyValue()
    easy = [Operation(60, "get", ("b",), "wrong", 2, 3)]   # found violated, like 'a', in the first turn
    hard = [Operation(p, "put", ("h", str(p)), OK, p, 20 + p) for p in range(14)]
    hard += [Operation(99, "get", ("h",), "no", 40, 41)]
    ops = sorted([Operation(50, "get", ("a",), "wrong", 0, 1)] + easy + hard, key=lambda o: o.call)
    graced = check_operations(spec, ops)
    first = check_operations(spec, ops, CheckOptions(stop_at_first=True))
    assert first.verdict is Verdict.VIOLATED and first.reason is None
    by_key = {p.part: p for p in first.parts}
    assert by_key["a"].verdict is by_key["b"].verdict is Verdict.VIOLATED
    assert by_key["h"].verdict is Verdict.UNKNOWN and by_key["h"].reason == "stopped"
    stopped_later = {p.part: p for p in graced.parts}["h"]
    assert by_key["h"].configurations < stopped_later.configurations


# ---------------------------------------------------------------- against the oracle

ORACLE_SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _agree(spec, ops) -> None:
    expected = linearizable(spec, ops)
    result = check_operations(spec, ops)
    assert (result.verdict is Verdict.HOLDS) == expected, f"oracle says {expected} for {ops}"
    assert result.verdict is not Verdict.UNKNOWN
    for part in result.parts:
        sub = [ops[i] for i in part.operations]
        local = {g: n for n, g in enumerate(part.operations)}
        order = [local[i] for i in part.prefix]
        sub_spec = spec.part_spec if part.part is not None else spec
        sub_ops = [o if part.part is None else Operation(o.process, *_local(spec, o), o.call, o.ret) for o in sub]
        assert is_valid_prefix(sub_spec, sub_ops, order)
        if part.verdict is Verdict.HOLDS:
            assert {i for i, o in enumerate(sub) if o.ret is not None} <= set(order)
        else:
            assert part.stuck is not None and part.stuck not in part.prefix
            assert ops[part.stuck].ret is not None


def _local(spec, o):
    _, name, args = spec.split(o.op, o.args)
    return name, args, o.result


@examples(full=400, fast=100)
@pytest.mark.parametrize("kind", ["register", "cas-register"])
def test_registers_agree_with_the_oracle(kind, examples) -> None:
    @settings(ORACLE_SETTINGS, max_examples=examples)
    @given(histories(kind))
    def run_examples(history) -> None:
        _agree(*history)

    run_examples()


@examples(full=200, fast=50)
def test_kv_per_key_agrees_with_the_oracle_on_the_whole_map(examples) -> None:
    @settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(histories("kv"))
    def run_examples(history) -> None:
        _agree(*history)

    run_examples()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories("set") | histories("log") | histories("counter"))
def test_set_log_and_counter_agree_with_the_oracle(history) -> None:
    _agree(*history)


def test_the_oracle_itself_on_known_cases() -> None:
    spec = spec_of("register")
    assert linearizable(spec, [op(0, "write", [1], OK, 0, 1), op(1, "read", [], 1, 2, 3)])
    assert not linearizable(spec, [op(0, "write", [1], OK, 0, 1), op(1, "read", [], 0, 2, 3)])
    assert linearizable(spec, [op(0, "write", [1], UNKNOWN, 0, None), op(1, "read", [], 0, 2, 3)])
    assert not linearizable(spec, [op(0, "write", [1], OK, 0, 1), op(0, "read", [], True, 2, 3)])


@examples(full=300, fast=75)
def test_longer_cas_register_histories_agree_with_the_oracle(examples) -> None:
    @settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(histories("cas-register", max_ops=12))
    def run_examples(history) -> None:
        _agree(*history)

    run_examples()


def test_the_turns_after_a_violation_have_a_budget() -> None:
    """With many hard parts, the turns they still get after another part is violated are
    shared out of one budget, so the check ends soon after the verdict is settled."""
    spec = AppendKeyValue()
    ops = [Operation(99, "get", ("a",), "wrong", 0, 1)]
    for k in range(32):
        key = f"h{k}"
        ops += [Operation(100 * k + p, "append", (key, str(p)), OK, 2 + p, 40 + p) for p in range(14)]
        ops.append(Operation(100 * k + 50, "get", (key,), "no", 60, 61))
    result = check_operations(spec, sorted(ops, key=lambda o: o.call))
    stopped = [p for p in result.parts if p.reason == "stopped"]
    assert result.verdict is Verdict.VIOLATED and len(stopped) == 32
    assert max(p.configurations for p in stopped) <= (1 + 256 // 32) * 1024
