"""Symmetry reduction (`node R[N] symmetric`, `clients N symmetric`; checker/model/symmetry.py).

- TwoPhase with symmetric resource managers explores exactly TLC's orbit counts;
- on small specs, handwritten and generated, the reduced search explores exactly the
  orbits of the plain state space, counted by brute force (every permutation applied to
  every reachable state), and the key is the same on a whole orbit and different across
  orbits;
- reduced and full searches give the same verdicts and counterexample lengths;
- every counterexample found under symmetry replays, in the plain semantics, to a state
  whose key is the one the search recorded;
- the command line: `--no-symmetry`, the report's line, the reasons symmetry is off.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import random
import subprocess
import sys
from collections import deque
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from checker.diagnostics import Source
from checker.dsl import parse
from checker.dsl.printer import format_protocol
from checker.errors import SpecError
from checker.explore import SearchOptions, search
from checker.explore.search import _Search, final_state
from checker.model import compile_model
from checker.model.values import SpecRuntimeError
from checker.pipeline import compile_spec
from checker.resources import Budget
from checker.semantics import check

from support import REPO_ROOT

ROOT = REPO_ROOT
TWO_PHASE_SYM = str(ROOT / "specs" / "two_phase_symmetric.cap")


def _model(text: str, overrides: dict | None = None):
    return compile_model(check(parse(text, "<test>"), Source("<test>", text), overrides or {}))


class TooLarge(Exception):
    pass


def _plain_states(model, limit: int = 30_000) -> list[tuple]:
    """Every reachable state, by a breadth-first search on plain fingerprints (TooLarge
    past `limit`)."""
    init = model.init_states()[0]
    seen = {model.fingerprint(init): init}
    queue = deque([init])
    while queue:
        for t in model.successors(queue.popleft()):
            fp = model.fingerprint(t)
            if fp not in seen:
                seen[fp] = t
                queue.append(t)
                if len(seen) > limit:
                    raise TooLarge("the test spec is too large for a brute-force count")
    return list(seen.values())


def _orbit(model, state: tuple) -> frozenset:
    """The plain fingerprints of every permutation of `state` (brute force)."""
    sym = model.symmetry
    return frozenset(model.fingerprint(sym.apply(state, *p)) for p in sym.permutations())


def assert_exact(model) -> int:
    """The reduced search explores one state per orbit, and the key is a complete
    invariant of orbits on the reachable states; returns the number of orbits."""
    states = _plain_states(model)
    reachable = {model.fingerprint(s) for s in states}
    keys: dict[frozenset, set[int]] = {}
    for s in states:
        orbit = _orbit(model, s)
        assert orbit <= reachable, "a permutation of a reachable state is not reachable: the spec is not symmetric"
        keys.setdefault(orbit, set()).add(model.key(s))
    assert all(len(k) == 1 for k in keys.values()), "an orbit got two keys"
    assert len({next(iter(k)) for k in keys.values()}) == len(keys), "two orbits got one key"
    reduced = search(model, SearchOptions(por=False))   # the orbits exactly (tests/test_por.py: both)
    full = search(model, SearchOptions(symmetry=False, por=False))
    assert _verdicts(reduced) == _verdicts(full)
    words = {p.name: p.verdict for p in full.properties}
    assert {p.name: p.verdict for p in search(model).properties} == words   # with POR: lengths may differ
    if full.exit_reason == "complete":      # a search stops early once every property is violated
        assert full.stats.distinct_states == len(states)
        assert reduced.stats.distinct_states == len(keys)
    return len(keys)


def _verdicts(result) -> dict:
    return {p.name: (p.verdict.word, p.trace.length if p.trace else None) for p in result.properties}


# ---------------------------------------------------------------- TLC's counts


@pytest.mark.parametrize(("rm", "orbits"), [(3, 80), (5, 314), (6, 553), (7, 920), (8, 1461)])
def test_two_phase_symmetric_explores_the_orbits_tlc_reports(rm: int, orbits: int) -> None:
    _, model = compile_spec(TWO_PHASE_SYM, {"RM": rm})
    result = search(model)
    assert result.stats.distinct_states == orbits
    assert result.result == "holds"
    assert model.symmetry.inexact == 0


@pytest.mark.parametrize(("rm", "states"), [(3, 288), (5, 8832)])
def test_no_symmetry_and_two_phase_keep_the_plain_counts(rm: int, states: int) -> None:
    _, model = compile_spec(TWO_PHASE_SYM, {"RM": rm})
    assert search(model, SearchOptions(symmetry=False)).stats.distinct_states == states
    _, plain = compile_spec(str(ROOT / "specs" / "two_phase.cap"), {"RM": rm})
    assert plain.symmetry is None and search(plain).stats.distinct_states == states


def test_two_phase_symmetric_is_exact_by_brute_force() -> None:
    _, model = compile_spec(TWO_PHASE_SYM, {"RM": 4})
    assert assert_exact(model) == 166


# ---------------------------------------------------------------- handwritten specs

VOTES = """
protocol votes:
    const N = 3
    network {network}
    faults {faults}
    message ask(t: 1..2)
    message yes(t: 1..2, who: p)

    node p[N] symmetric:
        var term: 0..2 = 0
        var voted: option p = none
        var got: set[p] = {{}}
        var seen: map[p, 0..2] = {{q: 0 for q in p}}

        timeout start when term < 2 and voted == none:
            term += 1
            voted = self
            got = {{self}}
            send ask(term) to others

        on ask(t) from c when t >= term and (voted == none or voted == c):
            term = t
            voted = c
            seen[c] = t
            send yes(t, self) to c

        on yes(t, who) from v when t == term and voted == self:
            got = got | {{who}}

    invariant voted_when_started: all(q in p: q.voted == none or q.term > 0)
    invariant voted_for_self_when_collecting: all(q in p: len(q.got) == 0 or q.voted == q)
"""


@pytest.mark.parametrize(("network", "faults"), [
    ("unordered", "none"), ("fifo", "none"), ("duplicating", "none"),
    ("unordered", "crash <= 1, restart <= 1"), ("unordered", "partition <= 1"),
    ("unordered", "link <= 1"), ("unordered", "oneway <= 1"), ("unordered", "pause <= 1"),
])
def test_ids_inside_values_messages_maps_and_faults(network: str, faults: str) -> None:
    model = _model(VOTES.format(network=network, faults=faults), {"N": 3})
    assert_exact(model)


TWO_ROLES = """
protocol two_roles:
    network unordered
    faults none
    message hello(dest: b)
    message back(by: a)

    node a[2] symmetric:
        var friend: option b = none
        var done: bool = false
        action greet when not done:
            choose x in b
            friend = x
            done = true
            send hello(x) to x

        on back(by) from y:
            friend = none

    node b[2] symmetric:
        var heard: set[a] = {}
        on hello(dest) from x when x not in heard:
            heard = heard | {x}
            send back(x) to x

    invariant fine: all(x in a: x.friend == none or x.friend in b)
"""


def test_two_symmetric_roles_that_refer_to_each_other() -> None:
    model = _model(TWO_ROLES)
    assert [s.name for s in model.symmetry.sets] == ["a", "b"]
    assert_exact(model)


CLIENTS = """
protocol register_clients:
    object register(values = {{1, 2}}, initial = 0)
    clients {clients} symmetric, ops 1
    network unordered
    faults {faults}
    message copy(v: Value)

    node r[2] symmetric:
        var value: Value = 0
        var held: option handle = none

        request write(v) as h when held == none:
            value = v
            held = h
            send copy(v) to others

        request read():
            reply value

        on copy(v) from q:
            value = v

        action ack when held != none:
            reply ok to held
            held = none

    check {check}
"""


@pytest.mark.parametrize("check_", ["linearizable", "sequential"])
def test_symmetric_clients_with_history_checks(check_: str) -> None:
    model = _model(CLIENTS.format(clients=2, faults="give_up <= 1", check=check_))
    assert [s.text() for s in model.symmetry.sets] == ["r (2 nodes)", "clients (2)"]
    assert_exact(model)


KV_CLIENTS = """
protocol kv_clients:
    object kv(keys = {a, b}, values = {1}, initial = 0)
    clients 2 symmetric, ops 1
    network unordered
    message copy(k: Key, v: Value)

    node r[2] symmetric:
        var store: map[Key, Value] = {a: 0, b: 0}

        request put(k, v):
            store[k] = v
            send copy(k, v) to others
            reply ok

        request get(k):
            reply store[k]

        on copy(k, v) from q:
            store[k] = v

    check linearizable
"""


def test_symmetric_clients_with_a_monitor_per_key() -> None:
    model = _model(KV_CLIENTS)
    assert [s.text() for s in model.symmetry.sets] == ["r (2 nodes)", "clients (2)"]
    assert_exact(model)


def test_a_session_check_keeps_the_clients_apart_and_says_so() -> None:
    model = _model(CLIENTS.format(clients=2, faults="none", check="durable"))
    assert [s.name for s in model.symmetry.sets] == ["r"]
    result = search(model)
    assert result.symmetry.used and "clients not reduced: check durable" in result.symmetry.reason
    assert_exact(model)


# ---------------------------------------------------------------- generated specs

_VAR_TYPES = {
    "option p": ("none", ["v = self", "v = none", "v = q", "require v == none\n            v = q"]),
    "set[p]": ("{}", ["v = v | {self}", "v = v | {q}", "v = v - {q}", "v = {}", "require q not in v\n            v = v | {q}"]),
    "map[p, 0..1]": ("{x: 0 for x in p}", ["v[q] = 1", "v[self] = 1 - v[self]", "v[q] = 0"]),
    "0..2": ("0", ["v = (v + 1) % 3", "v = count(x in others: x == q)"]),
}
_SENDS = ["send m(self) to q", "send m(q) to others", "send m(self) to others", "pass"]
_GUARDS = ["true", "k < 2", "k == 0", "v == v"]


@st.composite
def symmetric_specs(draw) -> str:
    vtype = draw(st.sampled_from(sorted(_VAR_TYPES)))
    init, updates = _VAR_TYPES[vtype]
    network = draw(st.sampled_from(["unordered", "fifo", "duplicating"]))
    faults = draw(st.sampled_from(["none", "crash <= 1", "partition <= 1", "link <= 1"]))
    n = draw(st.integers(2, 3))
    action = draw(st.sampled_from(updates))
    handler = draw(st.sampled_from(updates))
    send_a, send_h = draw(st.sampled_from(_SENDS)), draw(st.sampled_from(_SENDS[-1:] + _SENDS[:1]))
    guard = draw(st.sampled_from(_GUARDS))
    prop = draw(st.sampled_from(["all(x in p: x.k <= 2)", "count(x in p: x.k == 2) <= 1",
                                 "some(x in p: x.k == 0)"]))
    return f"""
protocol generated:
    network {network}
    faults {faults}
    message m(q: p)

    node p[{n}] symmetric:
        var k: 0..2 = 0
        var v: {vtype} = {init}

        action act when k < 2 and {guard}:
            choose q in p
            k += 1
            {action}
            {send_a}

        on m(q) from s when {guard}:
            {handler}
            {send_h}

    invariant prop: {prop}
"""


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(symmetric_specs())
def test_generated_symmetric_specs_explore_exactly_the_orbits(text: str) -> None:
    try:
        model = _model(text)
        _plain_states(model, limit=5_000)
    except (SpecError, TooLarge):
        assume(False)
        return
    assert_exact(model)


_LOOP_STATEMENTS = [
    "acks = acks | {q}", "acks = acks - {q}", "acks = acks | {self}", "seen[q] = 1 - seen[q]",
    "seen[q] = 1", "last = q", "if q in acks:\n                    seen[q] = 1",
    "if seen[q] == 0:\n                    acks = acks | {q}", "require q not in acks",
    "require len(acks) < 2", "send m(q) to q", "send m(q) to others", "send m(self) to q",
    "if acks == {}:\n                    acks = {q}", "seen[q] = seen[q] * len(acks)",
]


@st.composite
def loop_specs(draw) -> str:
    body = draw(st.lists(st.sampled_from(_LOOP_STATEMENTS), min_size=1, max_size=3))
    network = draw(st.sampled_from(["unordered", "fifo"]))
    lines = "\n                ".join(body)
    return f"""
protocol loop:
    network {network}
    message m(x: p)

    node p[3] symmetric:
        var acks: set[p] = {{}}
        var seen: map[p, 0..1] = {{x: 0 for x in p}}
        var last: option p = none
        var done: bool = false

        action go when not done:
            done = true
            for q in others:
                {lines}

        on m(x) from s when x == self:
            acks = acks - {{s}}

    invariant fine: all(x in p: x.last == none or x.done)
"""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(loop_specs())
def test_every_loop_the_checker_accepts_keeps_the_spec_symmetric(text: str) -> None:
    """Soundness of the checker's loop rule: when it accepts a loop over members, the
    reachable states are closed under permutations and the reduction is exact."""
    try:
        model = _model(text)
    except SpecError as err:
        assert "this loop runs over p ids in id order" in str(err)
        return
    assert_exact(model)


# ---------------------------------------------------------------- counterexamples replay


def _counterexamples_replay(model) -> list[int]:
    """Run the search, and for every violated property replay its path from the initial
    state: the state reached must have the key the search recorded for it."""
    run = _Search(model, SearchOptions(), None, Budget.start(clock=lambda: 0.0))
    run.run()
    lengths = []
    for name, num in sorted(run.violations.items()):
        path = run.path_to(num)
        state = final_state(model, path)
        assert run.visited[model.key(state)] == num
        prop = next(i for i in model.invariants if i.prop.name == name)
        assert not prop.holds(state)
        lengths.append(len(path) - 1)
    return lengths


def test_counterexamples_found_under_symmetry_replay_unpermuted() -> None:
    _, model = compile_spec(str(ROOT / "specs" / "two_phase_broken.cap"))
    assert _counterexamples_replay(model) == [5, 4]
    _, model = compile_spec(str(ROOT / "specs" / "quorum_register.cap"), {"R": 1, "W": 1})
    assert _counterexamples_replay(model) == [8]


def test_reduced_and_full_searches_find_counterexamples_of_one_length() -> None:
    for spec, constants in [("two_phase_broken", {}), ("quorum_register", {"R": 1, "W": 1})]:
        _, model = compile_spec(str(ROOT / "specs" / f"{spec}.cap"), constants)
        reduced, full = search(model), search(model, SearchOptions(symmetry=False))
        assert _verdicts(reduced) == _verdicts(full)
        assert reduced.stats.distinct_states < full.stats.distinct_states


SYMMETRIC_LIBRARY = ["two_phase_symmetric", "two_phase_broken", "quorum_register", "raft_election",
                     "abd_no_writeback"]


@pytest.mark.slow
@pytest.mark.parametrize("spec", SYMMETRIC_LIBRARY)
def test_the_library_gets_the_same_verdicts_with_and_without_symmetry(spec: str) -> None:
    _, model = compile_spec(str(ROOT / "specs" / f"{spec}.cap"))
    reduced, full = search(model), search(model, SearchOptions(symmetry=False))
    assert reduced.symmetry.used and not full.symmetry.used
    assert _verdicts(reduced) == _verdicts(full)
    assert reduced.stats.distinct_states < full.stats.distinct_states


# ---------------------------------------------------------------- the key


def test_the_key_is_the_same_under_random_permutations_of_large_sets() -> None:
    """At RM = 8 every permutation cannot be tried in the test; random ones must agree."""
    _, model = compile_spec(TWO_PHASE_SYM, {"RM": 8})
    rng = random.Random(7)
    states = [model.init_states()[0]]
    for _ in range(300):
        succ = model.successors(states[-1])
        states.append(rng.choice(succ) if succ else states[0])
    members = list(model.symmetry.sets[0].members)
    for s in states:
        nodes, clients = model.symmetry.identity()
        shuffled = rng.sample(members, len(members))
        for m, new in zip(members, shuffled):
            nodes[m] = new
        assert model.key(model.symmetry.apply(s, nodes, clients)) == model.key(s)


def test_the_canonical_state_has_the_key_and_is_in_the_orbit() -> None:
    _, model = compile_spec(str(ROOT / "specs" / "raft_election.cap"), {"MAX_TERM": 1})
    for s in _plain_states(model)[::7]:
        c = model.symmetry.canonical(s)
        assert model.fingerprint(c) == model.key(s)
        assert model.fingerprint(c) in _orbit(model, s)


def test_an_asymmetric_initial_state_is_refused_even_past_the_checker() -> None:
    """The model's own check of the initial state, behind the checker's: a program whose
    role is marked symmetric after checking (which the checker would have refused)."""
    text = "protocol x:\n    node p[2]:\n        var a: 0..1 = 0 if self == p[0] else 1\n        action go:\n            a = 0\n"
    program = check(parse(text, "<t>"), Source("<t>", text))
    role = dataclasses.replace(program.roles[0], symmetric=True)
    with pytest.raises(SpecRuntimeError) as err:
        compile_model(dataclasses.replace(program, roles=(role,)))
    assert "tells p[0] and p[1] apart" in err.value.message and err.value.where is not None


# ---------------------------------------------------------------- syntax


def test_symmetric_declarations_print_and_parse_back() -> None:
    text = "protocol x:\n    clients 2 symmetric, ops 3\n    node p[2] symmetric:\n        var a: bool = false\n"
    protocol = parse(text, "<t>")
    again = parse(format_protocol(protocol), "<t>")
    assert again == protocol
    assert "clients 2 symmetric, ops 3" in format_protocol(protocol)
    assert "node p[2] symmetric:" in format_protocol(protocol)
    assert protocol != parse(text.replace(" symmetric", ""), "<t>")


def test_symmetric_is_not_reserved() -> None:
    text = "protocol x:\n    node symmetric[2] symmetric:\n        var flag: bool = false\n" \
           "    invariant symmetric: true\n"
    check(parse(text, "<t>"), Source("<t>", text))


# ---------------------------------------------------------------- the command line


def test_the_report_says_what_symmetry_did(run_cli) -> None:
    code, out, _ = run_cli(["check", TWO_PHASE_SYM, "-q"])
    assert code == 0
    assert out.splitlines()[1] == "symmetry: rm (3 nodes)"
    assert "explored all 80 reachable states up to symmetry" in out
    code, out, _ = run_cli(["check", TWO_PHASE_SYM, "-q", "--no-symmetry"])
    assert out.splitlines()[:2] == [f"{TWO_PHASE_SYM}: 288 distinct states, 1,098 generated, depth 10",
                                    "symmetry: off (--no-symmetry)"]
    code, out, _ = run_cli(["check", str(ROOT / "specs" / "two_phase.cap"), "-q"])
    assert "symmetry" not in out


def test_the_json_report_says_what_symmetry_did(run_cli) -> None:
    import json
    _, out, _ = run_cli(["check", TWO_PHASE_SYM, "--json", "-"])
    assert json.loads(out)["symmetry"] == {"used": True, "sets": ["rm (3 nodes)"], "reason": None}
    _, out, _ = run_cli(["check", TWO_PHASE_SYM, "--json", "-", "--no-symmetry"])
    assert json.loads(out)["symmetry"] == {"used": False, "sets": ["rm (3 nodes)"], "reason": "--no-symmetry"}
    _, out, _ = run_cli(["check", str(ROOT / "specs" / "two_phase.cap"), "--json", "-"])
    assert "symmetry" not in json.loads(out)


def test_liveness_checks_search_the_full_graph_and_say_so(tmp_path: Path) -> None:
    text = CLIENTS.format(clients=2, faults="none", check="available")
    model = _model(text)
    result = search(model)
    assert not result.symmetry.used
    assert result.symmetry.reason == "check available needs the full state graph"
    assert result.stats.distinct_states == len(_plain_states(model))


def test_output_does_not_depend_on_the_hash_seed() -> None:
    script = ("import sys\nfrom checker.cli import main\n"
              "for args in (['check', 'specs/two_phase_symmetric.cap', '-D', 'RM=5'], "
              "['check', 'specs/quorum_register.cap', '-D', 'R=1', '-D', 'W=1'], "
              "['check', 'specs/two_phase_broken.cap', '--dfs']):\n    main(args)\n")

    def run(seed: str) -> str:
        env = dict(os.environ, PYTHONHASHSEED=seed)
        return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300).stdout

    first = run("1")
    assert "symmetry: rm (5 nodes)" in first and "violated" in first
    assert first == run("987654")


def test_every_permutation_is_listed_once() -> None:
    _, model = compile_spec(TWO_PHASE_SYM, {"RM": 4})
    perms = model.symmetry.permutations()
    assert len(perms) == 24 == len({tuple(n) for n, _ in perms})
    assert perms[0] == model.symmetry.identity()
    assert all(sorted(n) == list(range(5)) for n, _ in perms)
    assert list(itertools.islice((n[0] for n, _ in perms), 3)) == [0, 0, 0]  # the TM is never moved


# ---------------------------------------------------------------- what the checker accepts and refuses

LOOPS = """
protocol loops:
    network {network}
    message ping()

    node p[3] symmetric:
        var acks: set[p] = {{}}
        var seen: map[p, 0..1] = {{q: 0 for q in p}}
        var last: option p = none
        var done: bool = false

        action go when not done:
            done = true
            for q in others:
                {body}
"""


@pytest.mark.parametrize(("network", "body"), [
    ("unordered", "send ping() to others"),
    ("fifo", "send ping() to q"),
    ("unordered", "acks = acks | {q}"),
    ("unordered", "seen[q] = 1 - seen[q]"),
    ("unordered", "if q not in acks:\n                    acks = acks | {q}"),
    ("unordered", "let k = seen[q]\n                seen[q] = k"),
])
def test_loops_over_members_whose_order_cannot_matter_are_accepted(network: str, body: str) -> None:
    model = _model(LOOPS.format(network=network, body=body))
    assert model.symmetry is not None
    assert_exact(model)


@pytest.mark.parametrize(("network", "body"), [
    ("fifo", "send ping() to others"),
    ("unordered", "last = q"),
    ("unordered", "if acks == {}:\n                    acks = {q}"),
    ("unordered", "seen[q] = seen[q] + len(acks)\n                acks = acks | {q}"),
    ("unordered", "require len(acks) < 1\n                acks = acks | {q}"),
])
def test_loops_over_members_whose_order_may_matter_are_refused(network: str, body: str) -> None:
    with pytest.raises(SpecError, match="this loop runs over p ids in id order"):
        _model(LOOPS.format(network=network, body=body))


@pytest.mark.parametrize(("expr", "ok"), [
    ("{q: 1 for q in others}", True),
    ("{q: 1 for q in others if q != self}", True),
    ("{self: 1 for q in others}", False),
])
def test_map_comprehensions_over_members_must_be_keyed_by_the_member(expr: str, ok: bool) -> None:
    text = f"""
protocol maps:
    node p[2] symmetric:
        var seen: map[p, 0..1] = {{}}
        action go:
            seen = {expr}
"""
    if ok:
        assert _model(text).symmetry is not None
    else:
        with pytest.raises(SpecError, match="key it by the member"):
            _model(text)


# ---------------------------------------------------------------- too many ties

RING = """
protocol ring:
    node p[8] symmetric:
        var next: option p = none

        action point when next == none:
            choose q in others
            next = q
"""


def test_too_many_ties_give_one_fixed_order_still_in_the_orbit() -> None:
    """Eight members pointing around one ring look alike (same colour, same references) but
    no swap is an automorphism: 8! orders would be needed, so one is used. The key is
    then still the fingerprint of a permutation of the state: it can split an orbit, never
    merge two."""
    model = _model(RING)
    sym = model.symmetry
    gids = list(sym.sets[0].members)
    state = tuple(gids[(i + 1) % 8] for i in range(8))
    before = sym.inexact
    key = sym.key(state)
    assert sym.inexact == before + 1
    assert key in {model.fingerprint(sym.apply(state, *p)) for p in sym.permutations()}


def test_the_report_says_when_some_orbits_may_count_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    import checker.model.symmetry as symmetry_module
    _, model = compile_spec(str(ROOT / "specs" / "raft_election.cap"), {"MAX_TERM": 1})
    exact = search(model, SearchOptions(por=False))
    monkeypatch.setattr(symmetry_module, "MAX_CANDIDATES", 1)
    _, model = compile_spec(str(ROOT / "specs" / "raft_election.cap"), {"MAX_TERM": 1})
    rough = search(model, SearchOptions(por=False))
    assert "some orbits may count twice" in rough.symmetry.reason
    assert exact.symmetry.reason is None
    assert _verdicts(rough) == _verdicts(exact)
    assert rough.stats.distinct_states >= exact.stats.distinct_states
