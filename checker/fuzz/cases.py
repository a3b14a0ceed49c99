"""The fuzz cases of a run: for each kind and index, a `Case` drawn from the seed alone
(`random.Random(f"{seed}:{kind}:{index}")`), so a case is replayed by its seed, kind and
index, whatever else the run holds.

Kinds:
- `spec`: a mutated spec, checked (most often), parsed, checked by the SMT engine at depth
  3, or classified by `cap`;
- `history`: a mutated history, checked, sometimes explained, with a format or a model
  named, or its JSON report asked for;
- `trace`: a mutated JSON report or ITF trace, replayed or drawn on a spec of the library;
- `cli`: a command line of options and values a careless user could type, over files the
  fuzzer wrote (a spec, a history, a report, an ITF trace).

Every command that takes `--timeout` and `--max-memory` gets them last (so they win over
the same options drawn earlier, which are still parsed and checked): the case's bounds
follow from them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from checker.fuzz.mutate import Corpus, mutate_history, mutate_spec, mutate_trace, random_argv
from checker.fuzz.runner import Case

KINDS = ("spec", "history", "trace", "cli")
BOUNDED = ("check", "cap", "history")       # the commands that take --timeout and --max-memory
FORMATS = ("auto", "porcupine-etcd", "porcupine-kv", "edn", "json")
MODELS = ("register", "cas-register", "kv", "set", "log")


@dataclass(frozen=True)
class Limits:
    """What a case may take: `timeout` seconds and `memory_mib` MiB (given to the commands
    that take them), plus the grace capcheck promises (2 s or 2 %, and 5 % of memory);
    `other_seconds` and `other_mib` bound the commands without those options."""

    timeout: float = 3.0
    memory_mib: int = 400
    grace: float = 2.0
    other_seconds: float = 30.0
    other_mib: int = 2048


def bounded(argv: list[str], limits: Limits) -> tuple[tuple[str, ...], float, int]:
    """`argv` with the bounds appended when its command takes them, and the case's time
    and memory bounds."""
    if argv and argv[0] in BOUNDED:
        argv = argv + ["--timeout", f"{limits.timeout:g}", "--max-memory", str(limits.memory_mib)]
        seconds = limits.timeout + max(limits.grace, limits.timeout * 0.02)
        return tuple(argv), seconds, int(limits.memory_mib * 1.05) << 20
    return tuple(argv), limits.other_seconds, limits.other_mib << 20


def make_case(kind: str, index: int, seed: str, corpus: Corpus, library: Path, limits: Limits) -> Case:
    """The case `index` of `kind` in a run with `seed` (see the module doc)."""
    rng = random.Random(f"{seed}:{kind}:{index}")
    argv, files = _DRAW[kind](rng, corpus, library)
    full, seconds, memory = bounded(argv, limits)
    return Case(kind, index, f"{seed}:{kind}:{index}", full, tuple(files), seconds, memory)


def make_cases(counts: dict[str, int], seed: str, corpus: Corpus, library: Path, limits: Limits) -> Iterator[Case]:
    """`counts[kind]` cases of each kind, interleaved (so a run stopped early has some of
    each)."""
    most = max(counts.values(), default=0)
    for index in range(most):
        for kind in KINDS:
            if index < counts.get(kind, 0):
                yield make_case(kind, index, seed, corpus, library, limits)


def _spec(rng: random.Random, corpus: Corpus, library: Path) -> tuple[list[str], list]:
    text = mutate_spec(rng, corpus).encode("utf-8", "surrogatepass")
    command = rng.choices(
        [["check", "spec.cap", "-q"], ["parse", "spec.cap"], ["check", "spec.cap", "-q", "--engine", "smt", "--depth", "3"],
         ["cap", "spec.cap"], ["check", "spec.cap", "--json", "-", "--shrink"]],
        weights=(70, 10, 8, 7, 5))[0]
    return list(command), [("spec.cap", text)]


def _history(rng: random.Random, corpus: Corpus, library: Path) -> tuple[list[str], list]:
    name, data = mutate_history(rng, corpus)
    file = "history" + (Path(name).suffix or ".txt")
    argv = ["history", file]
    if rng.random() < 0.15:
        argv += ["--explain", "--explain-timeout", "2"]
    if rng.random() < 0.1:
        argv += ["--format", rng.choice(FORMATS)]
    if rng.random() < 0.1:
        argv += ["--model", rng.choice(MODELS)]
    if rng.random() < 0.15:
        argv += ["--json", "-"]
    return argv, [(file, data)]


def _trace(rng: random.Random, corpus: Corpus, library: Path) -> tuple[list[str], list]:
    name, text = mutate_trace(rng, corpus)
    spec = ("two_phase_broken.cap" if "two_phase" in name else "async_primary_backup.cap")
    files = [("trace.json", text.encode("utf-8")), (spec, (library / spec).read_bytes())]
    if rng.random() < 0.6:
        return ["replay", spec, "trace.json"], files
    return ["render", "trace.json", "-o", rng.choice(("out.dot", "out/x.dot")), "--spec", spec], files


def _cli(rng: random.Random, corpus: Corpus, library: Path) -> tuple[list[str], list]:
    files = {"spec.cap": (library / "two_phase_broken.cap").read_bytes(),
             "history.edn": dict(corpus.histories).get("stale_read.edn", b""),
             "report.json": dict(corpus.traces).get("two_phase_broken.report.json", "{}").encode("utf-8"),
             "trace.itf.json": next((t for n, t in corpus.traces if n.endswith(".itf.json")), "{}").encode("utf-8"),
             "outdir/.keep": b""}
    names = {k: k for k in files if k != "outdir/.keep"} | {"outdir": "outdir"}
    return random_argv(rng, names), list(files.items())


_DRAW = {"spec": _spec, "history": _history, "trace": _trace, "cli": _cli}
