"""What the fuzz harness found (docs/fuzzing.md, "What it found"): each case as a
regression test that failed before its fix."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT


def _docs_protocol(name: str) -> str:
    """The ```cap block of docs/language.md that declares `protocol NAME:`."""
    text = (REPO_ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    return next(block for block in re.findall(r"```cap\n(.*?)```", text, re.S)
                if block.startswith(f"protocol {name}:"))


def test_the_smt_engine_takes_a_reply_of_none_for_the_result_none(tmp_path, run_cli):
    """The docs' bounded queue answers pop() on an empty queue with the literal `none`,
    whose type no encoded value has: the SMT engine found no result equal to it and
    claimed a violation the explicit replay refuted (exit 70)."""
    spec = tmp_path / "queue.cap"
    spec.write_text(_docs_protocol("bounded_queue"))
    code, out, err = run_cli(["check", str(spec), "--engine", "both", "--depth", "3", "-q"])
    assert code == 3, err
    assert "check linearizable: unknown (no run of up to 3 steps breaks it)" in out
