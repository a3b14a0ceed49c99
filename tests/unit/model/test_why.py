"""Why an invariant is false (checker/model/why.py): the sentences under a violated
invariant, for each shape of expression, on a toy spec whose invariants are all false in the
initial state; the library's invariant counterexamples; and the text report and caption."""

from __future__ import annotations

import functools

import pytest

from checker.pipeline import compile_spec
from checker.explore import SearchOptions, replay, search
from checker.model.why import why_false
from checker.result import Verdict

from support import SPECS

TOY = """\
protocol why:
    node n[3]:
        var x: 0..3 = 0
        var flag: bool = false

        action bump when x < 3:
            x += 1
            flag = true

    invariant conj: n[0].x == 0 and n[1].x == 1
    invariant disj: n[1].x == 1 or n[2].flag
    invariant impl: n[0].x == 0 => n[1].flag
    invariant every: all(a in n: a.x == 0 => a.flag)
    invariant pair: all(a in n, b in n: a == b or a.x != b.x)
    invariant exists: some(a in n: a.flag)
    invariant counted: count(a in n: a.x == 0) <= 1
    invariant negated: not (n[0].x == 0 and n[2].x == 0)
    invariant differs: n[0].x != 0
    invariant branch: (n[1].flag if n[0].x == 0 else true)
"""


@functools.cache
def _toy(tmp: str):
    path = f"{tmp}/why.cap"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(TOY)
    return compile_spec(path, {}, "check")[1]


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    return _toy(str(tmp_path_factory.mktemp("why")))


def _why(model, name: str) -> list[str]:
    prop = next(p for p in model.program.properties if p.name == name)
    return why_false(model, prop, model.init_states()[0])


@pytest.mark.parametrize("name, sentences", [
    ("conj", ["n[1].x == 1 is false (n[1].x = 0)"]),
    ("disj", ["n[1].x == 1 or n[2].flag is false: every alternative is"]),
    ("impl", ["n[0].x == 0 => n[1].flag is false", "n[0].x == 0 holds", "n[1].flag is false"]),
    ("every", ["for a = n[0]: a.x == 0 => a.flag is false", "a.x == 0 holds", "a.flag is false"]),
    ("pair", ["for a = n[0], b = n[1]: a == b or a.x != b.x is false: every alternative is"]),
    ("exists", ["some(a in n: a.flag) is false: no a makes a.flag true"]),
    ("counted", ["count(a in n: a.x == 0) <= 1 is false "
                 "(count(a in n: a.x == 0) = 3, counting a = n[0]; a = n[1]; a = n[2])"]),
    ("negated", ["not (n[0].x == 0 and n[2].x == 0) is false",
                 "n[0].x == 0 and n[2].x == 0 holds"]),      # the sentence says the values
    ("differs", ["n[0].x != 0 is false"]),
    ("branch", ["n[1].flag if n[0].x == 0 else true is false", "n[1].flag is false"]),
])
def test_each_shape_says_why(toy, name, sentences):
    assert _why(toy, name) == sentences


@pytest.mark.parametrize("spec, name, first", [
    ("two_phase_broken", "consistent",
     "for a = rm[0], b = rm[1]: not (a.state == committed and b.state == aborted) is false"),
    ("two_phase_broken", "rm_follows_tm", "for r = rm[1]: tm.state == committed => r.state != aborted is false"),
    ("active_passive_heartbeat", "one_active",
     "count(s in server: up(s) and s.role == active) <= 1 is false (count(s in server: up(s) and "
     "s.role == active) = 2, counting s = server[0]; s = server[1])"),
])
def test_library_invariants_say_why(spec, name, first):
    _, model = compile_spec(str(SPECS / f"{spec}.cap"), {}, "check")
    result = search(model, SearchOptions(max_states=100_000))
    prop = next(p for p in result.properties if p.name == name)
    assert prop.verdict is Verdict.VIOLATED
    assert prop.trace.steps[-1].state["violated"]["invariants"][name][0] == first
    # the replayed trace carries the same sentences: they come from the state, not the search
    again = replay(model, prop.trace.path)
    assert again.steps[-1].state["violated"] == prop.trace.steps[-1].state["violated"]


def test_the_report_and_the_caption_say_why(run_cli):
    code, out, _ = run_cli(["check", str(SPECS / "two_phase_broken.cap")])
    assert code == 1
    assert ("  why it is false:\n"
            "    for a = rm[0], b = rm[1]: not (a.state == committed and b.state == aborted) is false\n"
            "    a.state == committed and b.state == aborted holds\n") in out
    from checker.render.sequence import caption_lines
    _, model = compile_spec(str(SPECS / "two_phase_broken.cap"), {}, "check")
    prop = next(p for p in search(model).properties if p.name == "consistent")
    assert caption_lines(prop.trace, prop)[1] == (
        "why: for a = rm[0], b = rm[1]: not (a.state == committed and b.state == aborted) is false")


def test_an_invariant_that_holds_has_no_sentences(toy):
    state = toy.init_states()[0]
    assert "violated" not in toy.view(state) or "invariants" not in toy.view(state)["violated"]
    assert set(toy.broken_invariants(state)) == {
        "conj", "disj", "impl", "every", "pair", "exists", "counted", "negated", "differs", "branch"}
