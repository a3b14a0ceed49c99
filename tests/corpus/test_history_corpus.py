"""Porcupine's corpus: every history in ../shared/histories/porcupine gets the verdict its
EXPECTED.md gives (Porcupine's own test assertions): 102 Jepsen etcd logs and 6 kv logs.

The corpus is not part of the repository (it lives next to it, in the project's shared
directory); without it these tests are skipped. The 50-client kv logs take about a second
each and are marked slow.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checker.history import read_history
from checker.props.linearizability import check_operations
from checker.result import Verdict
from support import PORCUPINE

CORPUS = PORCUPINE
EXPECTED = CORPUS / "EXPECTED.md"
ROW = re.compile(r"^\| `(?P<file>(?:jepsen|kv)/[\w.-]+)` \|.*\| (?P<verdict>\*\*linearizable\*\*|NOT linearizable) \|")
pytestmark = pytest.mark.skipif(not EXPECTED.exists(), reason=f"the Porcupine corpus is not at {CORPUS}")


def expected_verdicts() -> dict[str, Verdict]:
    """File (relative to the corpus) -> verdict, from the tables of EXPECTED.md."""
    if not EXPECTED.exists():
        return {}
    rows = (ROW.match(line) for line in EXPECTED.read_text(encoding="utf-8").splitlines())
    return {m["file"]: Verdict.HOLDS if m["verdict"].startswith("**") else Verdict.VIOLATED for m in rows if m}


VERDICTS = expected_verdicts()
SLOW = {"kv/c50-ok.txt", "kv/c50-bad.txt"}
CASES = [pytest.param(name, marks=pytest.mark.slow) if name in SLOW else name for name in sorted(VERDICTS)]


def check(path: Path):
    history = read_history(str(path), path.read_bytes())
    return history, check_operations(history.spec, history.operations)


def test_the_tables_list_the_whole_corpus() -> None:
    etcd = [n for n in VERDICTS if n.startswith("jepsen/")]
    kv = [n for n in VERDICTS if n.startswith("kv/")]
    assert len(etcd) == 102 and len(kv) == 6
    assert sum(VERDICTS[n] is Verdict.HOLDS for n in etcd) == 23
    assert sum(VERDICTS[n] is Verdict.HOLDS for n in kv) == 3


@pytest.mark.parametrize("name", CASES)
def test_verdict_is_porcupine_s(name: str) -> None:
    history, result = check(CORPUS / name)
    assert history.format == ("porcupine-etcd" if name.startswith("jepsen/") else "edn")
    assert history.model is not None and history.model.name == ("cas-register" if name.startswith("jepsen/") else "kv")
    assert result.verdict is VERDICTS[name]


def test_the_empty_log_is_an_empty_history(run_cli) -> None:
    code, out, _ = run_cli(["history", str(CORPUS / "jepsen" / "etcd_095.log")])
    assert code == 0 and out.splitlines()[1] == "linearizable"


def test_the_cli_gives_the_exit_codes(run_cli) -> None:
    assert run_cli(["history", str(CORPUS / "jepsen" / "etcd_002.log")])[0] == 0
    assert run_cli(["history", str(CORPUS / "jepsen" / "etcd_000.log")])[0] == 1
    assert run_cli(["history", "--format", "porcupine-kv", str(CORPUS / "kv" / "c10-bad.txt")])[0] == 1


def test_a_violation_names_a_prefix_that_replays_and_the_stuck_operation() -> None:
    history, result = check(CORPUS / "jepsen" / "etcd_000.log")
    part = result.parts[0]
    state = history.spec.initial()
    for index, after in zip(part.prefix, part.states):
        o = history.operations[index]
        got, state = history.spec.step(state, o.op, o.args)
        assert state == after
    assert part.stuck is not None and history.operations[part.stuck].ret is not None
