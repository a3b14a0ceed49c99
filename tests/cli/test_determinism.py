"""Output is byte-identical whatever the hash seed: the same spec gives the same bytes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from support import GOLDEN, REPO_ROOT, SPECS

LIBRARY = sorted(str(p.relative_to(REPO_ROOT)) for p in SPECS.glob("*.cap"))
ERRORS = sorted(str(p.relative_to(REPO_ROOT)) for p in (GOLDEN / "errors").glob("sem_*.cap"))

SCRIPT = """
import sys
from checker.cli import main
for path in sys.argv[1:]:
    for flag in ("--ir", "--print"):
        main(["parse", flag, path])
"""


def _run(seed: str, paths: list[str]) -> tuple[str, str]:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    done = subprocess.run([sys.executable, "-c", SCRIPT, *paths], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    return done.stdout, done.stderr


@pytest.mark.slow
def test_ir_print_and_errors_do_not_depend_on_the_hash_seed():
    first = _run("1", LIBRARY + ERRORS)
    second = _run("4242", LIBRARY + ERRORS)
    assert first == second
    assert "role replica" in first[0] and "error:" in first[1]


CAP_SPECS = ["specs/active_passive_heartbeat.cap", "specs/best_effort_broadcast.cap"]


@pytest.mark.slow
@pytest.mark.parametrize("spec", CAP_SPECS)
def test_the_cap_report_does_not_depend_on_the_hash_seed(spec):
    # liveness (components, fair loops, lassos), every history check and the costs
    def run(seed: str) -> str:
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-m", "checker.cli", "cap", spec, "--json", "-"], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        return done.stdout
    first = run("3")
    assert '"classification"' in first and first == run("777")
