"""Helpers shared by the test modules: paths, the two tiers' example counts (`examples`),
a fake clock for time limits, writing and running specs, reading results, the corpus of
spec texts the fuzz tests mutate, the toy specs several modules use, one SMT step against
the explicit semantics, and the docs' fenced blocks (tests/README.md).

Importable from every test module as `support` (pyproject.toml puts tests/ on the path);
no test module imports another. Fixtures (`run_cli`, `workdir`, `repo_root`) are in
conftest.py; the brute-force oracles and the Hypothesis strategies are in oracles/. All
of it is deterministic and keeps no state between tests but the caches of pure functions
(`library_model`, `library_bfs`, `spec_corpus`).
"""

from __future__ import annotations

import functools
import os
import random
import re
import shlex
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import z3
from hypothesis import strategies as st

from checker.diagnostics import Source
from checker.dsl import parse
from checker.errors import SpecError
from checker.explore import SearchOptions, search
from checker.model import compile_model
from checker.model.values import SpecRuntimeError
from checker.pipeline import compile_spec
from checker.result import CheckResult, PropertyResult, Trace, Verdict
from checker.semantics import check
from checker.smt.bmc import Bmc
from checker.smt.solver import Outcome
from checker.smt.state import Shape, decode

# ---------------------------------------------------------------- paths

REPO_ROOT = Path(__file__).resolve().parent.parent
SPECS = REPO_ROOT / "specs"
DOCS = REPO_ROOT / "docs"
EXAMPLES = DOCS / "examples"
GOLDEN = REPO_ROOT / "tests" / "golden"
# Porcupine's corpus of recorded histories lives beside the repository, in the project's
# shared directory; the tests that read it are skipped without it.
PORCUPINE = REPO_ROOT.parent / "shared" / "histories" / "porcupine"
# CAPCHECK_UPDATE_GOLDEN=1 makes the golden tests rewrite their expected files.
UPDATE_GOLDEN = os.environ.get("CAPCHECK_UPDATE_GOLDEN") == "1"

# `FILE:LINE:COL: error: MESSAGE`, the first line of a located diagnostic.
LOCATED = re.compile(r"^(?P<path>[^\n:]+):(?P<line>[0-9]+):(?P<col>[0-9]+): error: (?P<message>\S.*)$",
                     re.MULTILINE)


# ---------------------------------------------------------------- tiers


def examples(full: int, fast: int):
    """Parametrize a property test by the number of examples it draws (its argument
    `examples`, for `settings(max_examples=examples)`): `fast` in the fast tier, and `full`
    in a second item marked slow, which `make test-slow` and CI run. For properties whose
    full count costs seconds: the fast tier still checks every property on every object,
    the slow tier at the depth the property was written for."""
    return pytest.mark.parametrize("examples", [
        pytest.param(fast, id=f"{fast}-examples"),
        pytest.param(full, id=f"{full}-examples", marks=pytest.mark.slow)])


# ---------------------------------------------------------------- time limits without time


class FakeClock:
    """A clock for testing time limits without reading the time: each reading is `step`
    seconds after the one before (the first is 0), so a limit of T seconds runs out after
    T / step readings, a bound on work that is the same on any machine under any load.
    `reads` counts the readings; a test may also move the time by hand (`now`, the time
    the next reading gives)."""

    def __init__(self, step: float = 1.0) -> None:
        self.step = step
        self.reads = 0
        self.now = 0.0

    def __call__(self) -> float:
        self.reads += 1
        now = self.now
        self.now += self.step
        return now


# ---------------------------------------------------------------- writing and running specs


def write(directory: Path, name: str, content: str | bytes) -> str:
    """Write `content` (text as UTF-8) to `directory / name`; returns `name`, the path as
    seen from `directory` (the `workdir` fixture makes that the current directory)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    (directory / name).write_bytes(data)
    return name


def spec_file(directory: Path, text: str, name: str = "spec.cap") -> str:
    """Write the spec `text`, dedented, to `directory / name`; returns the full path."""
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(path)


def compile_text(directory: Path, text: str, overrides: dict | None = None):
    """The model of the spec `text` (dedented), compiled as `capcheck check` does."""
    return compile_spec(spec_file(directory, text), dict(overrides or {}), "check")[1]


def explore(path: str, overrides: dict | None = None, **options) -> CheckResult:
    """Compile the spec at `path` and search it in-process with SearchOptions(**options),
    without partial-order reduction unless asked: the counts and shortest runs the explorer
    tests expect are the full state graph's (unit/explore/test_por.py tests the reduction)."""
    _, model = compile_spec(path, dict(overrides or {}), "check")
    return search(model, SearchOptions(**{"por": False, **options}))


def explore_text(directory: Path, text: str, **options) -> CheckResult:
    """Search the spec `text` (dedented) with SearchOptions(**options)."""
    return search(compile_text(directory, text), SearchOptions(**options))


def model_of(text: str, name: str = "<spec>"):
    """The model of the spec `text` (not dedented), compiled without a file; raises as the
    pipeline does (SpecError, Unsupported, SpecRuntimeError)."""
    return compile_model(check(parse(text), Source(name, text)))


@functools.cache
def library_model(name: str, **defines):
    """The model of specs/NAME.cap with constants `defines` overridden (cached: compiled
    once per process)."""
    return compile_spec(str(SPECS / f"{name}.cap"), dict(defines), "check")[1]


def library_bfs(name: str, max_states: int = 100_000) -> CheckResult:
    """specs/NAME.cap searched breadth-first to `max_states` states, as the gallery draws its
    counterexamples and the ITF round trips replay them (cached for the process)."""
    return _library_bfs(name, max_states)


@functools.cache
def _library_bfs(name: str, max_states: int) -> CheckResult:
    return search(library_model(name), SearchOptions(max_states=max_states))


def hard_history(path: Path, writers: int = 16) -> Path:
    """An EDN history written to `path` (returned): many concurrent writes, then reads in
    an order no interleaving of them gives: every order of the writes must be ruled out,
    which takes long."""
    lines = [f'{{:type :invoke, :f :write, :value {p}, :process {p}}}' for p in range(writers)]
    lines += [f'{{:type :ok, :f :write, :value {p}, :process {p}}}' for p in range(writers)]
    for value in (0, 1, 0):
        lines += [f'{{:type :invoke, :f :read, :process {writers}}}',
                  f'{{:type :ok, :f :read, :value {value}, :process {writers}}}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- reading results


def named(result: CheckResult, name: str) -> PropertyResult:
    """The one property called `name` (asserted to be one)."""
    found = [p for p in result.properties if p.name == name]
    assert len(found) == 1, [p.name for p in result.properties]
    return found[0]


def of_kind(result: CheckResult, kind: str) -> PropertyResult:
    """The first property of `kind` ('available', 'linearizable', ...)."""
    return next(p for p in result.properties if p.kind == kind)


def actions(trace: Trace) -> list[str]:
    """The action texts of a trace, without the initial state."""
    return [step.action["action"] for step in trace.steps[1:]]


def counts(result: CheckResult) -> tuple[int, int, int]:
    """(distinct states, generated states, depth) of a search."""
    s = result.stats
    return s.distinct_states, s.generated_states, s.max_depth


def violated_lengths(result: CheckResult, kind: str | None = None) -> dict[str, int]:
    """The length of each violated property's counterexample (only those of `kind`, when
    given), by property name."""
    return {p.name: p.trace.length for p in result.properties  # type: ignore[union-attr]
            if p.verdict is Verdict.VIOLATED and kind in (None, p.kind)}


# ---------------------------------------------------------------- spec texts to mutate

TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+|==|!=|<=|>=|//|\.\.|=>|->|\+=|-=|\S")
_CAP_BLOCK = re.compile(r"```cap\n(.*?)```", re.S)


def _checks(text: str) -> bool:
    try:
        check(parse(text), Source("<corpus>", text))
        return True
    except SpecError:
        return False


@functools.cache
def spec_corpus() -> tuple[str, ...]:
    """Every spec of the repository that checks: the library, docs/examples/*.cap and the
    docs' `cap` blocks, in a fixed order."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(SPECS.glob("*.cap"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.cap"))]
    for doc in sorted(DOCS.glob("*.md")):
        texts += _CAP_BLOCK.findall(doc.read_text(encoding="utf-8"))
    return tuple(t for t in texts if _checks(t))


def mutate_tokens(text: str, data: st.DataObject) -> str:
    """`text` with one to three tokens replaced by another token of it, dropped, or
    doubled, as Hypothesis draws them: mostly still parsable, and wrong deep inside."""
    spans = [m.span() for m in TOKEN.finditer(text)]
    words = sorted({text[a:b] for a, b in spans})
    for _ in range(data.draw(st.integers(1, 3))):
        a, b = spans[data.draw(st.integers(0, len(spans) - 1))]
        kind = data.draw(st.sampled_from(["replace", "drop", "duplicate"]))
        if kind == "replace":
            new = data.draw(st.sampled_from(words))
        elif kind == "drop":
            new = ""
        else:
            new = text[a:b] + " " + text[a:b]
        text = text[:a] + new + text[b:]
        spans = [m.span() for m in TOKEN.finditer(text)]
    return text


# ---------------------------------------------------------------- toy specs of several modules
# Written to be dedented (explore_text, compile_text). The liveness ones are explained next
# to their tests in unit/explore/test_liveness.py.

WAITING_PAIR = """\
    protocol waiting_pair:
        "A node that answers a write only once its peer acknowledged it."
        object register(values = {1}, initial = 0)
        clients 1, ops 1
        route clients to site[0]
        network unordered
        faults partition <= 1

        message copy(v: Value)
        message ack()

        node site[2]:
            replicated var value: Value = 0
            var waiting: option handle = none

            request write(v) as h:
                value = v
                waiting = h
                send copy(v) to site[1]

            request read():
                reply value

            on copy(v) from p:
                value = v
                send ack() to p

            on ack() from p when waiting != none:
                reply ok to waiting
                waiting = none

        check available
        check converges
    """

SPINNER = """\
    protocol spinner:
        "A server that keeps busy while it cannot reach its peer, and answers once it can."
        object register(values = {1}, initial = 0)
        clients 1, ops 1
        route clients to server
        faults partition <= 1

        node server:
            var waiting: option handle = none
            var busy: bool = false

            request read() as h:
                waiting = h

            action spin when waiting != none:
                busy = not busy

            timeout answer when waiting != none and reachable(self, peer):
                reply 0 to waiting
                waiting = none

        node peer:
            var x: bool = false

        check available
    """

# the spinner answering with an error while it cannot reach its peer
ERROR_SPINNER = SPINNER.replace("""            request read() as h:
                waiting = h
""", """            request read() as h:
                if reachable(self, peer):
                    waiting = h
                else:
                    reply error "cannot reach the peer"
""")

# One node whose x goes 0 -> 1 -> 2 (three states) and whose `reset` waits for x > 2, which
# never comes: the step --coverage warns about (explore/coverage.py).
NEVER_FIRES = """\
protocol never:
    faults none

    node n:
        var x: 0..2 = 0

        action inc when x < 2:
            x = x + 1

        action reset when x > 2:
            x = 0

    invariant small: n.x <= 2 expect holds
"""

LOSSY_PAIR = """\
    protocol lossy_pair:
        "Writes are copied once to the other replica, over a network that may lose them."
        object register(values = {1}, initial = 0)
        clients 1, ops 1
        network unordered, lossy
        faults loss <= 1

        message copy(v: Value)

        node replica[2]:
            replicated var value: Value = 0

            request write(v):
                value = v
                send copy(v) to others
                reply ok

            request read():
                reply value

            on copy(v) from p:
                value = v

        check converges
    """

# Two replicas that copy each write to the other, clients routed by ROUTE (to fill in).
REPLICAS = """\
    protocol eventual_pair:
        object register(values = {1, 2}, initial = 0)
        clients 2, ops 2
        ROUTE

        message update(v: Value)

        node replica[2]:
            var value: Value = 0

            request write(v):
                value = v
                send update(v) to others
                reply ok

            request read():
                reply value

            on update(v) from p:
                value = v

        check sequential
    """


# The body of a one-node spec serving each built-in object, to follow `protocol NAME:`, with
# the checks appended (not dedented: its lines are indented as a protocol's body).
ONE_NODE_SPECS = {
    "register": """
    object register(values = {1, 2}, initial = 0)
    clients 3, ops 2

    node server:
        var value: Value = 0

        request read():
            reply value

        request write(v):
            value = v
            reply ok

        request cas(expected, new):
            if value == expected:
                value = new
                reply true
            else:
                reply false
""",
    "kv": """
    object kv(keys = {x, y}, values = {1}, initial = 0)
    clients 3, ops 2

    node store:
        var data: map[Key, Value] = {x: 0, y: 0}

        request get(k):
            reply data[k]

        request put(k, v):
            data[k] = v
            reply ok
""",
    "set": """
    object set(values = {red, blue})
    clients 3, ops 2

    node server:
        var tags: set[Value] = {}

        request add(v):
            tags = tags | {v}
            reply ok

        request remove(v):
            tags = tags - {v}
            reply ok

        request contains(v):
            reply v in tags

        request read():
            reply tags
""",
    "log": """
    object log(values = {1, 2}, max = 2)
    clients 3, ops 2

    node server:
        var entries: seq[Value, 2] = []

        request append(v) when len(entries) < 2:
            entries = entries + [v]
            reply ok

        request read():
            reply entries
""",
    "counter": """
    object counter(max = 3)
    clients 3, ops 2

    node server:
        var views: Value = 0

        request incr() when views < 3:
            views += 1
            reply ok

        request read():
            reply views
""",
}


# ---------------------------------------------------------------- one SMT step against the explicit one


def walk_states(model, rng: random.Random, walks: int, steps: int) -> list[tuple]:
    """The last states of `walks` random walks of at most `steps` steps from the initial
    state (a walk stops early at a state with no successor)."""
    out = []
    for _ in range(walks):
        state = model.init_states()[0]
        for _ in range(rng.randrange(steps + 1)):
            succ = model.successors(state)
            if not succ:
                break
            state = succ[rng.randrange(len(succ))]
        out.append(state)
    return out


def smt_successors(model, state: tuple) -> tuple[set, bool]:
    """The explicit states (on the encoded slots) the encoding steps to from `state`, and
    whether it says computing them fails."""
    most = max((len(state[k]) for k in model.layout.network_slots()), default=0)
    shape = Shape(model, most + 4)
    bmc = Bmc(model, 1, shape=shape, start=state)
    failing = bmc._check(bmc.failing(0)) is Outcome.SAT
    bmc._extend()
    out: set = set()
    for a, action in enumerate(bmc.actions[0]):
        out |= _solutions(bmc, shape, bmc.acts[0] == a, every=action.what == "time: tick")
    return out, failing


def _solutions(bmc, shape, cond, every: bool) -> set:
    """The next states (decoded) of the one-step `bmc` under `cond`: one, or with `every`
    (a tick: one action with a successor for every way the clocks can move) all of them,
    each found and then blocked on the clocks, the only part the solver is free to choose
    (blocking whole states would also enumerate the orders of a bag's message slots)."""
    out: set = set()
    clocks = [k for k, slot in enumerate(shape.layout.slots) if slot.kind == "clock"]
    blocked: list = []
    while bmc._check(z3.And(cond, *blocked)) is Outcome.SAT:
        decoded = decode(shape, bmc._model, bmc.states[1])
        out.add(tuple(sorted(decoded.items())))
        if not every:
            break
        blocked.append(z3.Not(z3.And(*[bmc.states[1].slots[k] == decoded[k] for k in clocks])))
    return out


def explicit_successors(model, state: tuple, keys) -> tuple[set, bool]:
    """The explicit engine's successors of `state` on the slots `keys`, and whether
    computing them fails."""
    try:
        succ = model.successors(state)
    except SpecRuntimeError:
        return set(), True
    return {tuple((k, t[k]) for k in keys) for t in succ}, False


# ---------------------------------------------------------------- the docs' fenced blocks

FENCE_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
FILE_NAME_LINE = re.compile(r"^#\s*(?P<name>[A-Za-z0-9_./-]+\.cap)\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced block: the document, the line of its opening fence (1-based), the first
    word of its info string ('' when none) and its text (ending in a newline unless empty)."""

    doc: Path
    line: int
    info: str
    text: str

    @property
    def id(self) -> str:
        return f"{self.doc.name}:{self.line}"

    @property
    def file_name(self) -> str | None:
        """The file a spec block names on its first line (`# register.cap`), if any."""
        first = self.text.split("\n", 1)[0]
        match = FILE_NAME_LINE.match(first)
        return match.group("name") if match else None


def fenced_blocks(doc: Path) -> list[Block]:
    """The fenced code blocks of a markdown file, in order.

    Follows CommonMark closely enough for documentation: a fence is three or more backticks
    or tildes indented by at most three spaces; it is closed by a line of the same character
    at least as long and with nothing after it; the opening indentation is removed from the
    content lines; an unclosed fence runs to the end of the file.
    """
    lines = doc.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        match = FENCE_OPEN.match(lines[i])
        if not match:
            i += 1
            continue
        fence, indent = match.group("fence"), len(match.group("indent"))
        words = match.group("info").split()
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not closing.match(lines[j]):
            line = lines[j]
            strip = len(line) - len(line.lstrip(" "))
            body.append(line[min(indent, strip):])
            j += 1
        text = "\n".join(body) + ("\n" if body else "")
        blocks.append(Block(doc, i + 1, words[0] if words else "", text))
        i = j + 1
    return blocks


def documents() -> list[Path]:
    """Every markdown file of docs/, and README.md when it contains `cap` blocks."""
    docs = sorted(DOCS.glob("*.md"))
    readme = REPO_ROOT / "README.md"
    if readme.exists() and any(b.info in ("cap", "cap-error") for b in fenced_blocks(readme)):
        docs.append(readme)
    return docs


@dataclass(frozen=True)
class Command:
    """One `$ capcheck ...` line of a console block and the output lines shown under it."""

    block: Block
    argv: tuple[str, ...]
    output: str

    @property
    def id(self) -> str:
        """`FILE:LINE:ARGV`, the test id: the block's opening fence and the command."""
        return f"{self.block.id}:{' '.join(self.argv)}"


def commands(block: Block) -> list[Command]:
    """The `$ capcheck ...` commands of a console block, each with the lines shown under it
    (up to the next `$ ` line); other commands (`$ make demo`) are ignored."""
    out: list[Command] = []
    for chunk in re.split(r"^(?=\$ )", block.text, flags=re.MULTILINE):
        if not chunk.startswith("$ "):
            continue
        first, _, rest = chunk.partition("\n")
        argv = tuple(shlex.split(first[2:]))
        if argv and argv[0] in ("capcheck", ".venv/bin/capcheck"):
            out.append(Command(block, argv[1:], rest.rstrip("\n")))
    return out


def console_commands(info: str = "console", docs: list[Path] | None = None) -> tuple[Command, ...]:
    """The `$ capcheck ...` commands of every block whose info string is `info`, in the
    documents `docs` (default: `documents()`), in order."""
    return tuple(c for doc in (documents() if docs is None else docs) for b in fenced_blocks(doc)
                 if b.info == info for c in commands(b))


def shown_spec(command: Command, name: str) -> Block | None:
    """The last spec block above the command, in its document, that names file `name`."""
    above = [b for b in fenced_blocks(command.block.doc) if b.line < command.block.line
             and b.info in ("cap", "cap-error") and b.file_name == name]
    return above[-1] if above else None


def spec_args(command: Command) -> list[str]:
    """The .cap files a command names."""
    return [a for a in command.argv if a.endswith(".cap")]


def prepare_workdir(command: Command, scratch: Path) -> Path:
    """Fill the empty directory `scratch` for running `command`: the specs the document
    shows, and links to the repository's `specs/` and `docs/`, so that what a command writes
    (`--render DIR`, `--report FILE`, `--json FILE`) lands in the scratch directory."""
    shown = {name: shown_spec(command, name) for name in spec_args(command)}
    for name, spec in shown.items():
        if spec is not None:
            target = scratch / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(spec.text, encoding="utf-8")
    for shared in ("specs", "docs"):
        if not (scratch / shared).exists():
            (scratch / shared).symlink_to(REPO_ROOT / shared, target_is_directory=True)
    return scratch
