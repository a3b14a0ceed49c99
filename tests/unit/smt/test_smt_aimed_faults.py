"""Aimed fault budgets (`crash <= 1 on backup`, `link <= 1 on (primary, backup)`): the IR
says what each budget may hit, and both engines let faults hit only that (issue 24, item 3)."""

from __future__ import annotations

import pytest

from checker.analysis.verify import SmtOptions, smt_check
from checker.result import Verdict
from support import compile_text, explore_text, named, violated_lengths

PAIR = """\
protocol aimed:
    faults FAULTS

    message ping(n: 0..1)

    node primary:
        var sent: 0..1 = 0

        action send_ping when sent == 0:
            sent = 1
            send ping(1) to backup

    node backup:
        var got: 0..1 = 0

        on ping(n) from p:
            got = n

    invariant primary_up: up(primary)
    invariant backup_up: up(backup)
"""


def spec(faults: str) -> str:
    return PAIR.replace("FAULTS", faults)


def test_the_ir_lists_what_an_aimed_budget_may_hit(tmp_path) -> None:
    model = compile_text(tmp_path, spec("crash <= 1 on backup, link <= 1 on (backup, primary)"))
    f = model.program.faults
    assert f.targets("crash", [0, 1]) == [1] and f.targets("link", [(0, 1)]) == [(0, 1)]
    assert f.targets("pause", [0, 1]) == [0, 1]          # not aimed: any node


@pytest.mark.parametrize("target, broken", [("primary", "primary_up"), ("backup", "backup_up"),
                                            ("{primary, backup}", None)])
def test_only_the_aimed_nodes_crash_in_both_engines(tmp_path, target: str, broken: str | None) -> None:
    text = spec(f"crash <= 1 on {target}")
    explicit = explore_text(tmp_path, text, por=False)  # the shortest runs, unreduced
    smt = smt_check(compile_text(tmp_path, text), SmtOptions(depth=2))
    if broken is None:                                   # either may crash: both invariants break
        assert violated_lengths(explicit) == violated_lengths(smt) == {"primary_up": 1, "backup_up": 1}
        return
    assert violated_lengths(explicit) == violated_lengths(smt) == {broken: 1}
    other = "backup_up" if broken == "primary_up" else "primary_up"
    assert named(explicit, other).verdict is Verdict.HOLDS


def test_a_cut_aimed_at_one_link_cuts_it_in_both_engines(tmp_path) -> None:
    text = spec("link <= 1 on (backup, primary)").replace(
        "invariant backup_up: up(backup)", "invariant linked: reachable(primary, backup)")
    explicit = explore_text(tmp_path, text, por=False)  # the shortest runs, unreduced
    smt = smt_check(compile_text(tmp_path, text), SmtOptions(depth=2))
    assert violated_lengths(explicit) == violated_lengths(smt) == {"linked": 1}
