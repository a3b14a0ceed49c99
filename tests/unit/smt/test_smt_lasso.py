"""The SMT engine's lassos for `check available` and `check converges` (checker/smt/lasso.py,
judged again by explore/liveness.check_lasso in checker/analysis/verify.py).

- Toy specs with a known ending of each shape: a dead end, an error reply, a fair loop, a
  loop that fairness must rule out (a step enabled all along and never taken: an action,
  a delivery), a loop that must take two steps to be fair, and convergence's dead end and
  loop; a pass within the depth is UNKNOWN, never HOLDS.
- The library's availability violations, found with the explicit engine's verdict.
- Generated specs: a lasso the SMT engine reports is one the explicit search finds, and a
  violation the explicit search finds whose lasso fits the depth is found too.
- The concrete judge refuses lassos that do not hold, and `--engine both` compares.
"""

from __future__ import annotations

import dataclasses
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.errors import InternalError
from checker.explore import SearchOptions, search
from checker.explore.liveness import check_lasso
from checker.model import compile_model
from checker.result import CheckResult, Lasso, PropertyResult, Stats, Verdict
from checker.cli.engines import compare
from checker.analysis.verify import SmtOptions, smt_check

from support import (ERROR_SPINNER, LOSSY_PAIR, SPINNER, WAITING_PAIR, actions, compile_text, examples, library_model,
                     model_of, of_kind)


def _only(model, kinds=("available", "converges")):
    """The model with only the liveness properties (the invariants' own checks cost time)."""
    props = tuple(p for p in model.program.properties if p.kind in kinds)
    return compile_model(dataclasses.replace(model.program, properties=props))


def _smt(model, depth: int) -> CheckResult:
    return smt_check(model, SmtOptions(depth))




# ------------------------------------------------------------------ toy specs, each ending


def test_a_request_waiting_for_a_cut_off_peer_is_a_dead_end(tmp_path):
    model = compile_text(tmp_path, WAITING_PAIR)
    p = of_kind(_smt(model, 4), "available")
    assert p.verdict is Verdict.VIOLATED and p.trace.length == 3
    assert p.lasso.ending == "dead end" and p.lasso.loop is None
    assert p.lasso.subject == "client[0]#1 write(1) waits at site[0], which is up"
    assert sorted(s.action["kind"] for s in p.trace.steps[1:]) == ["invoke", "partition", "request"]
    # the continuation starts as early as the run allows, as the explicit search shows it
    explicit = of_kind(search(model, SearchOptions()), "available")
    assert (p.trace.length, p.lasso.ending) == (explicit.trace.length, explicit.lasso.ending)


def test_no_lasso_within_the_depth_is_unknown_never_holds(tmp_path):
    model = compile_text(tmp_path, WAITING_PAIR)
    result = _smt(model, 2)
    assert all(p.verdict is Verdict.UNKNOWN for p in result.properties)
    assert of_kind(result, "available").reason == "no run of up to 2 steps breaks it"
    # without partitions the pair is available (the explicit search proves it): still UNKNOWN
    fine = compile_text(tmp_path, WAITING_PAIR.replace("faults partition <= 1", ""))
    assert of_kind(search(fine, SearchOptions()), "available").verdict is Verdict.HOLDS
    assert of_kind(_smt(fine, 5), "available").verdict is Verdict.UNKNOWN


def test_a_fair_loop_that_never_answers(tmp_path):
    p = of_kind(_smt(compile_text(tmp_path, SPINNER), 6), "available")
    assert p.verdict is Verdict.VIOLATED and p.lasso.ending == "loop"
    assert p.trace.length == 5 and p.lasso.loop == 3
    assert p.trace.steps[-1].state == p.trace.steps[p.lasso.loop].state
    assert actions(p.trace)[-2:] == ["server: action spin", "server: action spin"]


def test_a_loop_with_a_step_enabled_all_along_and_never_taken_is_not_reported(tmp_path):
    # Without the partition `answer` stays enabled while `spin` loops: the loop is unfair.
    # The same loop with `answer` disabled by the cut is found (previous test), so only
    # fairness rules it out here.
    model = compile_text(tmp_path, SPINNER.replace("faults partition <= 1", ""))
    assert of_kind(_smt(model, 7), "available").verdict is Verdict.UNKNOWN


MESSENGER = """\
    protocol messenger:
        "The answer comes in a message; meanwhile the server keeps busy."
        object register(values = {1}, initial = 0)
        clients 1, ops 1
        route clients to server
        network unordered
        faults partition <= 1

        message go()

        node server:
            var waiting: option handle = none
            var busy: bool = false

            request read() as h:
                waiting = h
                send go() to peer

            action spin when waiting != none:
                busy = not busy

            on done() from p when waiting != none:
                reply 0 to waiting
                waiting = none

        node peer:
            on go() from s:
                send done() to s

        message done()

        check available
    """


def test_a_message_deliverable_all_along_must_be_delivered(tmp_path):
    # `spin` could loop forever while `go` (and then `done`) waits, but each delivery is
    # enabled throughout such a loop: unfair. With the partition they are not deliverable.
    fine = compile_text(tmp_path, MESSENGER.replace("faults partition <= 1", ""))
    assert of_kind(search(fine, SearchOptions()), "available").verdict is Verdict.HOLDS
    assert of_kind(_smt(fine, 7), "available").verdict is Verdict.UNKNOWN
    p = of_kind(_smt(compile_text(tmp_path, MESSENGER), 6), "available")
    assert p.verdict is Verdict.VIOLATED and p.lasso.ending in ("loop", "dead end")


TWO_SPINNERS = """\
    protocol two_spinners:
        "Two busy steps: a fair loop has to take both."
        object register(values = {1}, initial = 0)
        clients 1, ops 1
        route clients to server

        node server:
            var waiting: option handle = none
            var a: bool = false
            var b: bool = false

            request read() as h:
                waiting = h

            action left when waiting != none:
                a = not a

            action right when waiting != none:
                b = not b

        check available
    """


def test_a_fair_loop_takes_every_step_enabled_all_along(tmp_path):
    p = of_kind(_smt(compile_text(tmp_path, TWO_SPINNERS), 8), "available")
    assert p.verdict is Verdict.VIOLATED and p.lasso.ending == "loop"
    loop = actions(p.trace)[p.lasso.loop:]
    assert {"server: action left", "server: action right"} <= set(loop)
    # the shortest fair loop flips each bit twice: 4 steps after invoke and request
    assert p.trace.length == 6


def test_an_error_reply_is_not_an_answer(tmp_path):
    p = of_kind(_smt(compile_text(tmp_path, ERROR_SPINNER), 4), "available")
    assert p.verdict is Verdict.VIOLATED and p.lasso.ending == "error reply"
    assert p.trace.length == 3 and p.trace.steps[-1].action["replies"][0]["result"].startswith("error")


def test_a_request_at_a_crashed_node_is_not_owed_an_answer(tmp_path):
    spec = SPINNER.replace("faults partition <= 1", "faults crash <= 1").replace(" and reachable(self, peer)", "")
    assert of_kind(_smt(compile_text(tmp_path, spec), 6), "available").verdict is Verdict.UNKNOWN


def test_a_lost_update_never_converges(tmp_path):
    p = of_kind(_smt(compile_text(tmp_path, LOSSY_PAIR), 4), "converges")
    assert p.verdict is Verdict.VIOLATED and p.lasso.ending == "dead end" and p.trace.length == 3
    assert sorted(s.action["kind"] for s in p.trace.steps[1:]) == ["invoke", "lose", "request"]
    assert p.lasso.subject.startswith("up replicas differ: value: ")


def test_replicas_that_differ_while_a_node_keeps_busy_never_converge(tmp_path):
    spec = LOSSY_PAIR.replace("""            on copy(v) from p:
                value = v
""", """            on copy(v) from p:
                value = v

            action spin when value != 0:
                busy = not busy
""").replace("replicated var value: Value = 0", "replicated var value: Value = 0\n            var busy: bool = false")
    model = compile_text(tmp_path, spec)
    p = of_kind(_smt(model, 6), "converges")
    assert p.verdict is Verdict.VIOLATED and p.lasso.ending == "loop"
    assert p.lasso.start == p.lasso.loop and p.trace.steps[-1].state == p.trace.steps[p.lasso.loop].state
    assert of_kind(search(model, SearchOptions()), "converges").verdict is Verdict.VIOLATED


# ------------------------------------------------------------------ the library

# abd_register at the size tests/corpus/test_specs.py decides its availability at (the explicit
# search needs the whole graph); the SMT engine finds the same 3 steps at the defaults
LIBRARY = [("sync_primary_backup", {}, 4), ("abd_register", {"CLIENTS": 1, "OPS": 1}, 4),
           ("chain_replication", {"N": 2}, 4), ("chain_replication_any_reads", {"N": 2}, 4)]


@pytest.mark.parametrize("spec, defines, depth", LIBRARY)
def test_the_library_availability_violations_are_found(spec, defines, depth):
    model = _only(library_model(spec, **defines))
    p = of_kind(_smt(model, depth), "available")
    assert p.verdict is Verdict.VIOLATED, p.reason
    assert p.lasso.ending == "dead end" and p.trace.length == 3   # a request, a cut, and the wait
    explicit = of_kind(search(model, SearchOptions()), "available")
    assert explicit.verdict is Verdict.VIOLATED and explicit.trace.length == p.trace.length


def test_the_fencing_pair_is_unavailable_too():
    model = _only(library_model("active_passive_fencing"))
    p = of_kind(_smt(model, 4), "available")
    assert p.verdict is Verdict.VIOLATED and p.trace.length == 4


def test_a_lost_broadcast_never_converges_in_the_library():
    model = _only(library_model("best_effort_broadcast"),
                  ("converges",))
    p = of_kind(_smt(model, 3), "converges")
    assert p.verdict is Verdict.VIOLATED and p.trace.length == 3 and p.lasso.ending == "dead end"


# ------------------------------------------------------------------ generated specs

ACKED = """\
            request write(v) as h:
                value = v
                waiting = h
                send copy(v) to others"""
ANSWERED = """\
            request write(v) as h:
                value = v
                send copy(v) to others
                reply ok"""
ON_ACK = {"ok": "reply ok to waiting", "error": 'reply error "no" to waiting'}


@st.composite
def pairs(draw) -> str:
    """A pair of sites with a client's write at site[0]: answered at once or after the
    peer's acknowledgement (or an error), a busy action, a timeout that gives up, faults
    and a network drawn from a few of each."""
    faults = draw(st.sampled_from(["", "partition <= 1", "crash <= 1", "pause <= 1", "link <= 1",
                                   "crash <= 1, restart <= 1", "loss <= 1"]))
    network = draw(st.sampled_from(["unordered", "fifo"])) + (", lossy" if "loss" in faults else "")
    lines = [
        "protocol pair:", "    object register(values = {1}, initial = 0)", "    clients 1, ops 1",
        "    route clients to site[0]", f"    network {network}", *([f"    faults {faults}"] if faults else []),
        "", "    message copy(v: Value)", "    message ack()", "", "    node site[2]:",
        "        replicated var value: Value = 0", "        var waiting: option handle = none",
        "        var busy: 0..2 = 0", "",
        textwrap.indent(textwrap.dedent(draw(st.sampled_from([ACKED, ANSWERED]))), "        "), "",
        "        request read():", "            reply value", "",
        "        on copy(v) from p:", "            value = v",
        *(["            send ack() to p"] if draw(st.booleans()) else []), "",
        "        on ack() from p when waiting != none:", f"            {ON_ACK[draw(st.sampled_from(sorted(ON_ACK)))]}",
        "            waiting = none", ""]
    if draw(st.booleans()):
        guard = draw(st.sampled_from(["waiting != none", "busy < 2", "waiting != none and busy < 2"]))
        step = draw(st.sampled_from(["busy = (busy + 1) % 3", "busy = 1 - busy if busy < 2 else 0"]))
        lines += [f"        action spin when {guard}:", f"            {step}", ""]
    if draw(st.booleans()):
        guard = draw(st.sampled_from(["busy == 2", "not reachable(self, site[1])", "not up(site[1])"]))
        lines += [f"        timeout give_up when waiting != none and {guard}:",
                  "            reply ok to waiting", "            waiting = none", ""]
    lines += ["    check available", "    check converges", ""]
    return "\n".join(lines)


def _agree(text: str, depth: int) -> None:
    model = model_of(text, "<pair>")
    explicit = search(model, SearchOptions())
    smt = _smt(model, depth)
    compare(explicit, smt)
    for kind in ("available", "converges"):
        p, q = of_kind(explicit, kind), of_kind(smt, kind)
        assert q.verdict is not Verdict.HOLDS
        if q.verdict is Verdict.VIOLATED:
            assert p.verdict is Verdict.VIOLATED, (kind, text)
        elif p.verdict is Verdict.VIOLATED and p.trace.length <= depth and _literally_fair(model, kind, p):
            raise AssertionError(f"the SMT engine misses the {p.lasso.ending} of {p.trace.length} steps "
                                 f"'{kind}' has:\n{text}")
        if q.verdict is p.verdict is Verdict.VIOLATED and p.trace.length <= depth and p.lasso.ending != "loop":
            assert q.trace.length <= p.trace.length, (kind, text)


def _literally_fair(model, kind: str, p: PropertyResult) -> bool:
    """Whether the explicit search's lasso, step by step as its trace shows it, is one the
    SMT engine looks for: its loop may witness a class by an edge between the states it
    passes without taking that edge, which a lasso of the same length cannot."""
    client = int(p.lasso.subject.split("]")[0].split("[")[1]) if kind == "available" else None
    try:
        check_lasso(model, kind, p.trace.path, p.lasso.ending, p.lasso.start, p.lasso.loop, client)
    except ValueError:
        return False
    return True


@examples(full=15, fast=5)
def test_generated_pairs_agree_with_the_explicit_search(examples):
    @settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(pairs())
    def run_examples(text):
        _agree(text, 5)

    run_examples()


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pairs())
def test_many_generated_pairs_agree_with_the_explicit_search(text):
    _agree(text, 6)


# ------------------------------------------------------------------ the judge and --engine both


def test_the_judge_refuses_lassos_that_do_not_hold(tmp_path):
    model = compile_text(tmp_path, SPINNER)
    p = of_kind(_smt(model, 6), "available")
    path, start, loop = p.trace.path, p.lasso.start, p.lasso.loop
    assert check_lasso(model, "available", path, "loop", start, loop, 0) == p.lasso
    with pytest.raises(ValueError, match="does not return"):
        check_lasso(model, "available", path, "loop", start, loop + 1, 0)
    with pytest.raises(ValueError, match="no dead end"):
        check_lasso(model, "available", path, "dead end", len(path) - 1, None, 0)
    with pytest.raises(ValueError, match="no step of the continuation"):
        check_lasso(model, "available", path, "loop", 1, loop, 0)   # the invocation is no continuation step
    # without the partition `answer` is enabled all along the spinning loop
    fine = compile_text(tmp_path, SPINNER.replace("faults partition <= 1", ""))
    with pytest.raises(ValueError, match="unfair"):
        check_lasso(fine, "available", _spin_path(fine), "loop", 2, 2, 0)


def _spin_path(model) -> tuple[int, ...]:
    """invoke, take the request, then spin twice: back to the state after the request."""
    state, path = model.init_states()[0], [0]
    for want in ("invoke", "request", "spin", "spin"):
        pairs = model.labeled(state)
        a = next(i for i, (label, _) in enumerate(pairs) if want in model.describe(label)["action"])
        path.append(a)
        state = pairs[a][1]
    return tuple(path)


def test_engine_both_flags_a_lasso_against_a_pass():
    lasso = PropertyResult("available", "available", Verdict.VIOLATED, lasso=Lasso(0, None, "dead end", "x"))
    holds = PropertyResult("available", "available", Verdict.HOLDS)
    unknown = PropertyResult("available", "available", Verdict.UNKNOWN)
    stats = Stats(0, 0, 4, 0.0)
    with pytest.raises(InternalError, match="disagree on 'available'"):
        compare(CheckResult("complete", stats, (holds,)), CheckResult("max_depth", stats, (lasso,), engine="smt"))
    compare(CheckResult("complete", stats, (unknown,)), CheckResult("max_depth", stats, (lasso,), engine="smt"))
    compare(CheckResult("complete", stats, (lasso,)), CheckResult("max_depth", stats, (unknown,), engine="smt"))


def test_check_engine_both_on_the_command_line(run_cli, tmp_path):
    spec = tmp_path / "spinner.cap"
    spec.write_text(textwrap.dedent(SPINNER), encoding="utf-8")
    code, out, err = run_cli(["check", str(spec), "--engine", "both", "--depth", "6"])
    assert code == 1, err
    assert "check available: violated after 5 steps, ending in a loop" in out
