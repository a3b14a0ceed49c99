"""The explicit and SMT engines against each other, on whole runs within the same bounds.

The explicit search (breadth-first, `max_depth=D`) and bounded model checking (`depth=D`)
look at the same runs, so they must agree on everything both decide there: an invariant
one breaks within D steps the other breaks too, with a shortest counterexample of the same
length; an invariant the explicit search proves (it explored every state within D) the
SMT engine does not break; a run-time failure of the spec within D steps is found by both
at the same depth. The SMT engine decides invariants (and the spec's run-time failures);
other checks are UNKNOWN in it.

Where the two engines stop differs, and the comparison allows for exactly that: each stops
at its first run-time failure, the SMT engine before the invariants of that depth, the
explicit search part way through a breadth-first layer (so at the same depth, or one more
when the failing step is the expansion of a state and a state of the next layer fails an
invariant first); the explicit search ignores the expansion of states at depth D, which
the SMT engine still computes; and both stop once every invariant is broken.

On every spec of the library (the slower ones deeper, marked slow), on small specs that
Hypothesis writes with shortest counterexamples of various lengths, and on token mutants
of the corpus. The regression tests at the end are bugs found here.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.diagnostics import Source
from checker.dsl import parse
from checker.errors import SpecError
from checker.explore import SearchOptions, search
from checker.explore.search import final_state
from checker.model import Unsupported, compile_model
from checker.model.values import SpecRuntimeError
from checker.result import ALL_DECIDED, TIMEOUT, CheckResult, Verdict
from checker.semantics import check
from checker.smt.symbolic import NotEncodable
from checker.analysis.verify import SmtOptions, smt_check

from support import SPECS, library_model, mutate_tokens, spec_corpus, violated_lengths

CORPUS = spec_corpus()

# ---------------------------------------------------------------- the agreement


def _horizon(result: CheckResult, depth: int) -> int:
    """The longest runs whose invariants `result` has fully judged: up to the step before
    its run-time failure, the depth the solver finished before a timeout, else `depth`."""
    if result.failure is not None:
        return result.failure.trace.length - 1
    if result.exit_reason == TIMEOUT:
        return result.stats.max_depth if result.engine == "smt" else -1
    return depth


def _expansion_fails(model, path) -> bool:
    try:
        model.successors(final_state(model, list(path)))
    except SpecRuntimeError:
        return True
    return False


def assert_agree(model, depth: int, explicit: CheckResult, smt: CheckResult) -> None:
    """The explicit search's and the SMT engine's results on `model`, both bounded by
    `depth` steps, say the same about every run both of them judged (see the module's
    docstring). The SMT engine has already replayed what it found (verify.py)."""
    mine, theirs = violated_lengths(explicit, "invariant"), violated_lengths(smt, "invariant")
    for name in mine.keys() & theirs.keys():
        assert mine[name] == theirs[name], f"'{name}': shortest counterexamples of {mine[name]} and {theirs[name]}"
    for name, length in mine.items():
        assert name in theirs or length > _horizon(smt, depth), f"'{name}' broken in {length} steps by explicit only"
    for name, length in theirs.items():
        assert name in mine or length > _horizon(explicit, depth), f"'{name}' broken in {length} steps by SMT only"
        assert length <= depth
    decided = {p.name for p in explicit.properties if p.verdict is Verdict.HOLDS}
    assert not decided & {p.name for p in smt.properties if p.verdict is Verdict.VIOLATED}
    _assert_failures_agree(model, depth, explicit, smt)


def _assert_failures_agree(model, depth: int, explicit: CheckResult, smt: CheckResult) -> None:
    mine = explicit.failure.trace.length if explicit.failure else None
    theirs = smt.failure.trace.length if smt.failure else None
    if theirs is None:
        assert mine is None or smt.exit_reason == TIMEOUT and mine > smt.stats.max_depth, \
            f"a run-time failure at depth {mine} that the SMT engine misses"
        return
    if mine is not None:
        assert mine == theirs or mine == theirs + 1 and _expansion_fails(model, smt.failure.trace.path), \
            f"run-time failures at depths {mine} (explicit) and {theirs} (SMT)"
        return
    # The explicit search never expands the states at the depth bound, and stops once every
    # invariant is broken: at depth L, part way through expanding depth L - 1.
    expands = _expansion_fails(model, smt.failure.trace.path)
    last = max(violated_lengths(explicit, "invariant").values(), default=0)
    stopped = explicit.exit_reason == ALL_DECIDED and (theirs >= last or theirs == last - 1 and expands)
    assert stopped or theirs == depth and expands, f"a run-time failure at depth {theirs} that the explicit search misses"


def _assert_traces_replay(model, smt: CheckResult) -> None:
    """Every SMT counterexample is as long as its path and ends in a state that breaks
    its invariant."""
    invariants = {i.prop.name: i for i in model.invariants}
    for p in smt.properties:
        if p.verdict is Verdict.VIOLATED and p.kind == "invariant":
            assert len(p.trace.path) == p.trace.length + 1
            assert not invariants[p.name].holds(final_state(model, list(p.trace.path)))


def run_both(model, depth: int, timeout: float | None = None) -> tuple[CheckResult, CheckResult]:
    explicit = search(model, SearchOptions("bfs", max_depth=depth, timeout=timeout))
    smt = smt_check(model, SmtOptions(depth=depth, timeout=timeout))
    return explicit, smt


def differ(model, depth: int, timeout: float | None = None) -> tuple[CheckResult, CheckResult]:
    """Run both engines to `depth` and assert they agree; return the two results."""
    explicit, smt = run_both(model, depth, timeout)
    assert_agree(model, depth, explicit, smt)
    _assert_traces_replay(model, smt)
    return explicit, smt


def _compile(text: str):
    """The model of `text`, or None when it is not a spec the explicit engine compiles."""
    try:
        return compile_model(check(parse(text), Source("<differential>", text)))
    except (SpecError, Unsupported, SpecRuntimeError):
        return None


# ---------------------------------------------------------------- small specs, written by Hypothesis
#
# One or two roles (`a` with one or two nodes, maybe a single `b`), each with a bounded
# counter `x`, a flag `f` and maybe a phase `e`; a few actions, timeouts and message
# handlers over them; one or two invariants whose constant decides how many steps it takes
# to break them. Statements may overflow a variable or a message field on purpose: a
# run-time failure is a verdict both engines must agree on too.

PHASES = ("lo", "mid", "hi")


class _Role:
    """A role of a generated spec: its nodes' ids, the counter's bound and initial value,
    how the flag starts ('false', 'true' or 'first': only the first node's), a phase or not."""

    def __init__(self, name: str, count: int, counted: bool, top: int, x0: int, f0: str, phase: bool) -> None:
        self.name, self.count, self.counted, self.top, self.x0, self.f0, self.phase = \
            name, count, counted, top, x0, f0, phase
        self.ids = [f"{name}[{i}]" for i in range(count)] if counted else [name]

    def flag_at_start(self, node: str) -> bool:
        return self.f0 == "true" or self.f0 == "first" and node == self.ids[0]

    @property
    def declaration(self) -> list[str]:
        start = {"false": "false", "true": "true", "first": f"self == {self.ids[0]}"}[self.f0]
        return [f"node {self.name}{f'[{self.count}]' if self.counted else ''}:",
                f"    var x: 0..{self.top} = {self.x0}", f"    var f: bool = {start}",
                *(["    var e: Phase = lo"] if self.phase else [])]


@st.composite
def _role(draw, name: str, count: int) -> _Role:
    top = draw(st.integers(1, 3))
    return _Role(name, count, count > 1 or draw(st.booleans()), top, draw(st.sampled_from([0, 0, 0, min(1, top - 1)])),
                 draw(st.sampled_from(["false", "false", "true", "first"])), draw(st.booleans()))


def _lines(block: list[str], indent: int) -> list[str]:
    return [" " * indent + line if line else "" for line in block]


@st.composite
def _condition(draw, role: _Role, ints: tuple[str, ...], bools: tuple[str, ...], depth: int = 0) -> str:
    atoms = [f"x {draw(st.sampled_from(['<', '==', '!=', '>']))} {draw(st.integers(0, role.top))}", "f", "not f"]
    atoms += [f"{i} {draw(st.sampled_from(['>', '==', '!=']))} x" for i in ints] + list(bools)
    if role.phase:
        atoms.append(f"e {draw(st.sampled_from(['==', '!=']))} {draw(st.sampled_from(PHASES))}")
    atom = draw(st.sampled_from(atoms))
    if depth < 1 and draw(st.integers(0, 3)) == 0:
        other = draw(_condition(role, ints, bools, depth + 1))
        return f"({atom} {draw(st.sampled_from(['and', 'or']))} {other})"
    return atom


def _int(draw, role: _Role, ints: tuple[str, ...]) -> str:
    """An integer expression; rarely one that may not fit where it goes."""
    if draw(st.integers(0, 9)) == 9:
        return draw(st.sampled_from(["x + 1", "x - 1", "2", *ints]))
    return draw(st.sampled_from(["0", "1", "x", *(i for i in ints if role.top >= 3 or i == "c" and role.top >= 2)]))


@st.composite
def _statements(draw, role: _Role, dests: tuple[str, ...], ints: tuple[str, ...], bools: tuple[str, ...],
                depth: int = 0) -> list[str]:
    out: list[str] = []
    if depth == 0 and "c" not in ints and draw(st.integers(0, 4)) == 0:
        where = draw(st.sampled_from(["", " where c != x", " where c > x"]))
        out.append(f"choose c in 0..{draw(st.integers(1, 2))}{where}")
        ints = ints + ("c",)
    for _ in range(draw(st.integers(1, 2 - depth))):
        out += draw(_statement(role, dests, ints, bools, depth))
    return out


# how often each kind of statement is drawn: mostly the steps that move towards a violation
KINDS = ("inc", "inc", "flag", "send", "dec", "assign", "flag", "send", "require", "if", "phase")


@st.composite
def _statement(draw, role: _Role, dests, ints, bools, depth: int) -> list[str]:
    kind = draw(st.sampled_from([k for k in KINDS if (k != "if" or depth == 0) and (k != "phase" or role.phase)]))
    cond = draw(_condition(role, ints, bools))
    if kind in ("inc", "dec"):
        step, bound = ("x += 1", f"x < {role.top}") if kind == "inc" else ("x -= 1", "x > 0")
        guard = draw(st.sampled_from([*["require", "if", "when"] * 3, ""]))  # the simplest first
        return {"": [step], "if": [f"if {bound}:", "    " + step], "require": [f"require {bound}", step],
                "when": [f"if {bound} and {cond}:", "    " + step]}[guard]
    if kind == "assign":
        return [f"x = {_int(draw, role, ints)}"]
    if kind == "flag":
        return [f"f = {draw(st.sampled_from(['not f', 'true', 'false', cond]))}"]
    if kind == "phase":
        return [f"e = {draw(st.sampled_from(PHASES))}"]
    if kind == "require":
        return [f"require {cond}"]
    if kind == "send":
        dest = draw(st.sampled_from(dests))
        if draw(st.booleans()):
            return [f"send ping({_int(draw, role, ints)}) to {dest}"]
        return [f"send flag({draw(st.sampled_from(['f', 'not f', cond]))}) to {dest}"]
    then = _lines(draw(_statements(role, dests, ints, bools, depth + 1)), 4)
    rest = ["else:", *_lines(draw(_statements(role, dests, ints, bools, depth + 1)), 4)] if draw(st.booleans()) else []
    return [f"if {cond}:", *then, *rest]


@st.composite
def _handlers(draw, role: _Role, roles: list[_Role]) -> list[str]:
    dests = tuple(r.name for r in roles) + (("others",) if role.counted and role.count > 1 else ())
    out: list[str] = []
    kinds = [draw(st.sampled_from(["action", "timeout"]))]  # a node with no step of its own: see the regressions
    kinds += draw(st.lists(st.sampled_from(["ping", "flag", "timeout" if kinds[0] == "action" else "action"]),
                           max_size=2, unique=True))
    for k, kind in enumerate(kinds):
        ints, bools, here = (), (), dests
        if kind == "ping":
            ints, here, head = ("v",), dests + ("s",), "on ping(v) from s"
        elif kind == "flag":
            bools, here, head = ("g",), dests + ("s",), "on flag(g) from s"
        else:
            head = f"{kind} {kind[0]}{k}"
        if draw(st.booleans()):
            head += f" when {draw(_condition(role, ints, bools))}"
        if k == 0:  # a step that makes the counter grow, by one
            guard = draw(st.sampled_from([f"require x < {role.top}", f"if x < {role.top}:"]))
            body = [guard, ("    " if guard.startswith("if") else "") + "x += 1"]
            extra = ["f = not f", "send ping(x) to a", "send flag(f) to a", "send ping(x + 1) to a"]
            body += draw(st.lists(st.sampled_from(extra + ["e = mid", "e = hi"] * role.phase), max_size=1))
        else:
            body = draw(_statements(role, here, ints, bools))
        out += ["", head + ":", *_lines(body, 4)]
    return out


@st.composite
def _invariant(draw, roles: list[_Role]) -> str:
    """An invariant that holds in the initial state: its constant is drawn among the values
    the state does not start with, so that breaking it takes a few steps."""
    ids = [(r, i) for r in roles for i in r.ids]
    r1, n1 = draw(st.sampled_from(ids))
    r2, n2 = draw(st.sampled_from([x for x in ids if x[1] != n1] or ids))
    sums = [k for k in range(r1.top + r2.top, 0, -1) if k != r1.x0 + r2.x0]   # the farthest first
    values = [k for k in range(r1.top, 0, -1) if k != r1.x0]
    above = [k for k in range(r2.top, 0, -1) if k > r2.x0 or not r1.flag_at_start(n1)]
    flagged = sum(r1.flag_at_start(i) for i in r1.ids)
    forms = [f"{n1}.x + {n2}.x != {draw(st.sampled_from(sums))}"] * 3 if sums else []
    forms += [f"{n1}.x != {draw(st.sampled_from(values))}"] if values else []
    forms += [f"not ({n1}.f and {n2}.f)"] if not (r1.flag_at_start(n1) and r2.flag_at_start(n2)) else []
    forms += [f"{n1}.f => {n2}.x < {draw(st.sampled_from(above))}"] if above else []
    if r1.counted and values:
        forms.append(f"all(q in {r1.name}: q.x != {draw(st.sampled_from(values))})")
    if r1.counted and flagged < r1.count:
        forms.append(f"count(q in {r1.name}: q.f) < {draw(st.integers(flagged + 1, r1.count))}")
    if r1.phase:
        forms.append(f"{n1}.e != {draw(st.sampled_from(PHASES[1:]))} or {n2}.f")
    return draw(st.sampled_from(forms or ["true"]))


@st.composite
def small_specs(draw) -> str:
    """The text of a small spec the checker accepts (see above)."""
    roles = [draw(_role("a", draw(st.integers(1, 2)))), *([draw(_role("b", 1))] if draw(st.booleans()) else [])]
    network = draw(st.sampled_from(["", "network fifo", "network duplicating", "network unordered, lossy"]))
    faults = draw(st.sampled_from(["", "", "crash <= 1", "crash <= 1, restart <= 1"]))
    body = ["message ping(v: 0..3)", "message flag(g: bool)"]
    body += [f"type Phase = {{{', '.join(PHASES)}}}"] if any(r.phase for r in roles) else []
    for role in roles:
        body += ["", *role.declaration, *_lines(draw(_handlers(role, roles)), 4)]
        if "restart" in faults and draw(st.booleans()):
            body += _lines(["", "on restart:", f"    f = {draw(st.sampled_from(['true', 'false']))}"], 4)
    if network.endswith("lossy") and draw(st.booleans()):
        faults = ", ".join(x for x in (faults, "loss <= 1") if x)
    head = [network] if network else []
    head += [f"faults {faults}"] if faults else []
    props = [f"invariant i{k}: {draw(_invariant(roles))}" for k in range(draw(st.integers(1, 2)))]
    return "\n".join(["protocol generated:", *_lines([*head, *body, "", *props], 4)]) + "\n"


# ---------------------------------------------------------------- the tests

LIBRARY = [("two_phase_broken", 6), ("two_phase", 5), ("async_primary_backup", 5), ("active_passive_heartbeat", 5),
           ("best_effort_broadcast", 5), ("sync_primary_backup", 4), ("active_active_lww", 4),
           ("gossip_anti_entropy", 4), ("chain_replication_any_reads", 4)]
LIBRARY_SLOW = [("raft_election", 5), ("abd_register", 4), ("chain_replication", 5), ("abd_no_writeback", 4),
                ("active_passive_fencing", 5)]


@pytest.mark.parametrize("spec, depth", LIBRARY)
def test_library_specs_agree_within_the_depth(spec, depth):
    differ(library_model(spec), depth)


@pytest.mark.slow
@pytest.mark.parametrize("spec, depth", LIBRARY_SLOW)
def test_heavier_library_specs_agree_within_the_depth(spec, depth):
    differ(library_model(spec), depth)


@pytest.mark.parametrize("spec, depth, code", [("two_phase_broken", 6, 1), ("two_phase", 4, 3)])
def test_check_engine_both_agrees_on_the_command_line(run_cli, spec, depth, code):
    got, _, err = run_cli(["check", str(SPECS / f"{spec}.cap"), "--engine", "both",
                           "--depth", str(depth), "-q"])
    assert got == code, err


def test_the_generator_writes_specs_the_checker_accepts():
    @settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(small_specs())
    def accepted(text):
        assert _compile(text) is not None, text

    accepted()


def _agree_on(text: str, depth: int) -> bool:
    model = _compile(text)
    if model is None:
        return False
    try:
        differ(model, depth, timeout=20)
    except (Unsupported, NotEncodable):
        return False
    return True


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_specs())
def test_generated_specs_agree(text):
    _agree_on(text, 6)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_specs())
def test_many_generated_specs_agree(text):
    _agree_on(text, 7)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_specs_agree_or_are_refused(data):
    _agree_on(mutate_tokens(data.draw(st.sampled_from(CORPUS)), data), 3)


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_many_mutated_specs_agree_or_are_refused(data):
    _agree_on(mutate_tokens(data.draw(st.sampled_from(CORPUS)), data), 4)


# ---------------------------------------------------------------- regressions found here


QUIET_LOSSY = """\
protocol quiet:
    network unordered, lossy
    faults FAULT <= 1

    node a:
        var x: 0..3 = 0

        action inc when x < 3:
            x += 1

    invariant small: a.x != 2
"""


@pytest.mark.parametrize("fault", ["loss", "duplicate"])
def test_a_loss_or_duplication_budget_without_messages(fault):
    """The explicit engine generated an empty `if` block (an IndentationError, exit 70)
    for a loss or duplication budget on a spec that sends no message."""
    model = _compile(QUIET_LOSSY.replace("FAULT", fault))
    explicit, smt = differ(model, 4)
    assert violated_lengths(explicit, "invariant") == violated_lengths(smt, "invariant") == {"small": 2}


ABSENT_NODE = """\
protocol absent:
    node monitor:
        var b: bool = false

        action observe:
            b = EXPR

    node server[3]:
        var ready: bool = false

    invariant quiet: not monitor.b
"""


@pytest.mark.parametrize("expr", ["up(server[3])", "reachable(monitor, server[3])"])
def test_up_and_reachable_of_a_node_that_does_not_exist_fail_in_both_engines(expr):
    """Without crashes (or cuts) the explicit engine compiled up(n) (reachable(a, b)) to
    True without evaluating n, so server[3] of three servers did not fail there while the
    SMT engine reported the run-time error (found by the mutated-spec test above)."""
    model = _compile(ABSENT_NODE.replace("EXPR", expr))
    explicit, smt = differ(model, 2)
    assert explicit.result == smt.result == "error"
    assert "server[3] does not exist" in explicit.failure.message

