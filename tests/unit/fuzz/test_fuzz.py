"""The fuzz harness (checker/fuzz, docs/fuzzing.md): that it catches what it claims to
catch, that a case is a function of its seed, and a fixed-seed sample of a few hundred
cases, which must all pass (the test suite's share of `make fuzz`)."""

from __future__ import annotations

import ast
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from checker.fuzz.cases import KINDS, Limits, bounded, make_case, make_cases
from checker.fuzz.mutate import load_corpus, tokens
from checker.fuzz.runner import Case, run_cases, save_failure, summary
from support import REPO_ROOT

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the harness forks")


def _case(argv: tuple[str, ...] = ("x",), seconds: float = 30.0, memory: int = 4 << 30) -> Case:
    return Case("test", 0, "t", argv, (("input.txt", b"data"),), seconds, memory)


def _outcome(target, case: Case | None = None, tmp_path: Path | None = None):
    (outcome,) = run_cases([case or _case()], tmp_path, jobs=1, target=target)
    return outcome


def _ok(argv):
    print("fine:", Path("input.txt").read_text())
    return 0


def _internal(argv):
    print("capcheck: internal error: KeyError", file=sys.stderr)
    return 70


def _traceback(argv):
    print("Traceback (most recent call last):\n  ...\nValueError", file=sys.stderr)
    return 2


def _raises(argv):
    raise RuntimeError("escaped main")


def _hangs(argv):
    time.sleep(600)
    return 0


def _grows(argv):
    hog = bytearray(300 << 20)
    for i in range(0, len(hog), 4096):
        hog[i] = 1
    return 0


def _odd_status(argv):
    return 5


def _crashes(argv):
    os.kill(os.getpid(), signal.SIGSEGV)
    return 0


@pytest.mark.parametrize("target, failure", [
    (_ok, None),
    (_internal, "internal error (exit 70)"),
    (_traceback, "traceback on stderr"),
    (_raises, "harness: the case could not be run"),
    (_odd_status, "exit status 5"),
    (_crashes, f"crash: killed by signal {signal.SIGSEGV}"),
])
def test_the_runner_judges_each_way_a_run_can_go_wrong(tmp_path, target, failure):
    outcome = _outcome(target, tmp_path=tmp_path)
    assert outcome.failure == failure
    assert list(tmp_path.iterdir()) == []          # the case's directory is removed


def test_a_run_past_its_bound_is_killed_and_a_hang(tmp_path):
    outcome = _outcome(_hangs, _case(seconds=0.5), tmp_path)
    assert outcome.failure == "hang: still running after 0.5 s" and outcome.signal is None


def test_memory_past_the_bound_fails(tmp_path):
    outcome = _outcome(_grows, _case(memory=200 << 20), tmp_path)
    assert outcome.failure.startswith("memory: peak ") and outcome.peak > 300 << 20


def test_a_failing_case_is_saved_to_be_replayed(tmp_path):
    outcome = _outcome(_internal, tmp_path=tmp_path / "scratch")
    where = save_failure(outcome, tmp_path / "failures")
    assert (where / "input.txt").read_bytes() == b"data"
    assert "internal error" in (where / "stderr.txt").read_text()
    assert '"replay": "cd ' in (where / "case.json").read_text()
    assert "1 failed" in summary([outcome])


def test_a_case_is_a_function_of_seed_kind_and_index():
    corpus = load_corpus(REPO_ROOT)
    library = REPO_ROOT / "specs"
    for kind in KINDS:
        one = make_case(kind, 7, "s", corpus, library, Limits())
        assert one == make_case(kind, 7, "s", corpus, library, Limits())
        assert one != make_case(kind, 8, "s", corpus, library, Limits())


def test_bounded_commands_get_their_bounds_last():
    argv, seconds, memory = bounded(["check", "x.cap", "--timeout", "1e9"], Limits(timeout=3, memory_mib=400))
    assert argv[-4:] == ("--timeout", "3", "--max-memory", "400")
    assert (seconds, memory) == (5.0, 420 << 20)
    assert bounded(["parse", "x.cap"], Limits())[1:] == (30.0, 2048 << 20)


def test_tokens_give_the_text_back():
    text = (REPO_ROOT / "specs" / "two_phase.cap").read_text()
    assert "".join(tokens(text)) == text


def test_the_checker_never_imports_the_harness():
    for path in (REPO_ROOT / "checker").rglob("*.py"):
        if "fuzz" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                assert not any(n.startswith("checker.fuzz") for n in names), path


@pytest.mark.slow
def test_a_fixed_seed_sample_passes(tmp_path):
    """A few hundred cases of every kind (the first of `make fuzz`'s seed): no internal
    error, no traceback, no run past its bounds."""
    from checker.fuzz.__main__ import warm_up
    warm_up()
    corpus = load_corpus(REPO_ROOT)
    counts = {"spec": 160, "history": 60, "trace": 30, "cli": 50}
    cases = make_cases(counts, "1", corpus, REPO_ROOT / "specs", Limits(timeout=2.0))
    outcomes = list(run_cases(cases, tmp_path, jobs=2))
    assert len(outcomes) == sum(counts.values())
    failed = [(o.case.kind, o.case.index, o.failure, o.case.argv, o.stderr[-500:]) for o in outcomes if o.failure]
    assert failed == []
