"""ITF traces (checker/traces/itf.py, checker/traces/files.py): value encodings, round trips
through `check --itf` and `replay`, the rejection of a tampered file, and ITF files without
`#meta.capcheck` (from Quint, by hand, edited), whose path is found by matching their states:
hand-written fixtures in tests/unit/traces/itf/, every library counterexample with its capcheck block
removed, random walks with random variables dropped (Hypothesis), and every way such a file
can be wrong, each with its exact message."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.traces.files import check_names, find_path, itf_documents, read_itf
from checker.errors import UsageError
from checker.explore import replay
from checker.traces import itf
from checker.semantics import ir
from checker.semantics.types import AtomT, BoolT, IntT, MapT, OptionT, RecordT, SeqT, SetT, TupleT

from support import SPECS, library_bfs, library_model

FIXTURES = Path(__file__).resolve().parent / "itf"     # hand-written ITF files
TWO_PHASE_BROKEN = str(SPECS / "two_phase_broken.cap")


@pytest.mark.parametrize("v, t, want", [
    (3, IntT(0, 5), {"#bigint": "3"}),
    (10 ** 30, IntT(), {"#bigint": str(10 ** 30)}),
    (-7, IntT(), {"#bigint": "-7"}),
    (True, BoolT(), True),
    ("prepared", AtomT(("prepared", "working")), "prepared"),
    (frozenset({2, 1}), SetT(IntT(0, 3)), {"#set": [{"#bigint": "1"}, {"#bigint": "2"}]}),
    (frozenset(), SetT(IntT(0, 3)), {"#set": []}),
    (ir.MapValue(((1, True), (0, False))), MapT(IntT(0, 1), BoolT()),
     {"#map": [[{"#bigint": "0"}, False], [{"#bigint": "1"}, True]]}),
    ((1, "a"), TupleT((IntT(0, 1), AtomT(("a",)))), {"#tup": [{"#bigint": "1"}, "a"]}),
    ((2, True), RecordT((("n", IntT(0, 3)), ("ok", BoolT()))), {"n": {"#bigint": "2"}, "ok": True}),
    ((1, 2), SeqT(IntT(0, 3)), [{"#bigint": "1"}, {"#bigint": "2"}]),
    (None, OptionT(IntT(0, 3)), {"tag": "None", "value": {"#tup": []}}),
    (4, OptionT(IntT(0, 5)), {"tag": "Some", "value": {"#bigint": "4"}}),
])
def test_values_encode_as_itf(v, t, want):
    assert itf.value(v, t) == want


def _write(run_cli, tmp_path, spec: str, *extra: str) -> dict[str, dict]:
    code, _, _ = run_cli(["check", str(SPECS / f"{spec}.cap"), "--itf", str(tmp_path), "--dfs", *extra])
    assert code == 1
    return {p.name: json.loads(p.read_text()) for p in sorted(tmp_path.glob("*.itf.json"))}


def _without_capcheck(doc: dict, actions: bool = True) -> dict:
    out = json.loads(json.dumps(doc))
    del out["#meta"]["capcheck"]
    if not actions:
        for state in out["states"]:
            del state["#meta"]
    return out


def test_an_itf_file_names_its_variables_as_identifiers(run_cli, tmp_path):
    docs = _write(run_cli, tmp_path, "async_primary_backup")
    doc = docs["async_primary_backup.linearizable.itf.json"]
    assert doc["#meta"]["format"] == "ITF"
    assert doc["vars"] == ["replica", "down", "cuts", "faults_used", "vip", "clients", "network"]
    first = doc["states"][0]
    assert first["#meta"] == {"index": 0, "action": "initial state"}
    assert first["down"] == {"#set": []}
    assert first["clients"]["#map"][0] == [
        "client[0]", {"invoked": {"#bigint": "0"}, "waiting": {"tag": "None", "value": {"#tup": []}}}]
    meta = doc["#meta"]["capcheck"]
    assert meta["path"].count(".") == len(doc["states"]) - 1
    assert meta["faults"] == {"crash": 1, "partition": 1}


@pytest.mark.parametrize("spec", ["two_phase_broken", "async_primary_backup", "best_effort_broadcast"])
def test_itf_round_trip(run_cli, tmp_path, spec):
    docs = _write(run_cli, tmp_path, spec, "--shrink")
    assert docs
    for name, doc in docs.items():
        code, out, err = run_cli(["replay", str(SPECS / f"{spec}.cap"), str(tmp_path / name)])
        assert (code, err) == (0, ""), name
        assert f"a trace of {len(doc['states']) - 1} step" in out
        # Without #meta.capcheck and the action texts: the same trace, found from the states,
        # without the lasso's markers (which come from #meta.capcheck only).
        bare = tmp_path / f"bare.{name}"
        bare.write_text(json.dumps(_without_capcheck(doc, actions=False)))
        code, found, err = run_cli(["replay", str(SPECS / f"{spec}.cap"), str(bare)])
        assert (code, err) == (0, ""), name
        head, _, rest = out.partition("\n")
        path = doc["#meta"]["capcheck"]["path"]
        assert found.partition("\n")[0] == f"{head} (path {path}, found from the file's states)"
        assert found.partition("\n")[2] == "".join(line for line in rest.splitlines(True)
                                                   if not line.startswith("  --"))


def test_a_liveness_trace_keeps_its_lasso(run_cli, tmp_path):
    docs = _write(run_cli, tmp_path, "best_effort_broadcast")
    meta = docs["best_effort_broadcast.converges.itf.json"]["#meta"]["capcheck"]
    assert meta["lasso"]["ending"] == "dead end"


def _tampered(run_cli, tmp_path, change) -> str:
    docs = _write(run_cli, tmp_path, "two_phase_broken")
    doc = docs["two_phase_broken.consistent.itf.json"]
    change(doc)
    bad = tmp_path / "bad.itf.json"
    bad.write_text(json.dumps(doc))
    code, _, err = run_cli(["replay", str(SPECS / "two_phase_broken.cap"), str(bad)])
    assert code == 2
    return err


def test_a_tampered_value_is_rejected_with_its_state_and_variable(run_cli, tmp_path):
    err = _tampered(run_cli, tmp_path, lambda d: d["states"][3].update({"tm.state": "aborted"}))
    assert "state 3: variable 'tm.state' is \"aborted\" in the file but \"init\" when replayed" in err


def test_a_truncated_itf_trace_is_rejected(run_cli, tmp_path):
    err = _tampered(run_cli, tmp_path, lambda d: d["states"].pop())
    assert "steps but its path replays" in err


def test_an_unknown_variable_is_rejected(run_cli, tmp_path):
    err = _tampered(run_cli, tmp_path, lambda d: d["states"][0].update({"ghost": True}))
    assert "state 0: the spec has no variable 'ghost'" in err



# ---------------------------------------------------------------- reading: values


@pytest.mark.parametrize("a, b", [
    ({"#bigint": "1"}, 1),
    ({"#bigint": "-12345678901234567890"}, -12345678901234567890),
    ({"#set": [{"#bigint": "2"}, 1]}, {"#set": [1, 2]}),
    ({"#map": [["b", 1], ["a", 2]]}, {"#map": [["a", {"#bigint": "2"}], ["b", 1]]}),
    ({"tag": "None", "value": {}}, {"tag": "None", "value": {"#tup": []}}),
    ({"x": 1, "y": [True]}, {"y": [True], "x": {"#bigint": "1"}}),
])
def test_encodings_of_one_value_are_equal(a, b):
    assert itf.normal(a) == itf.normal(b)


@pytest.mark.parametrize("a, b", [(True, 1), ("1", 1), ([1, 2], [2, 1]), ({"#tup": [1]}, [1]),
                                  ({"#set": [1]}, [1])])
def test_different_values_differ(a, b):
    assert itf.normal(a) != itf.normal(b)


@pytest.mark.parametrize("v, message", [
    ({"#bigint": "1.5"}, "'#bigint' holds a decimal integer in a string, such as \"-42\"; got \"1.5\""),
    ({"#bigint": 3}, "'#bigint' holds a decimal integer in a string, such as \"-42\"; got 3"),
    ({"#set": {"a": 1}}, "'#set' holds a JSON array; got {\"a\": 1}"),
    ({"#map": [[1, 2, 3]]}, "'#map' holds an array of [key, value] pairs"),
    ({"#tup": [], "x": 1}, "an object with '#tup' holds nothing else"),
    ({"#unserializable": "Int"},
     "an '#unserializable' value cannot be compared (leave the variable out of this state)"),
    ({"#rec": {}}, "'#rec' is not an ITF encoding (they are '#bigint', '#set', '#map', '#tup')"),
    (2.5, "2.5 is not an integer (write integers without a fraction or exponent)"),
    ([None], "null is not an ITF value"),
])
def test_what_is_no_itf_value(v, message):
    with pytest.raises(itf.BadValue) as caught:
        itf.normal(v)
    assert str(caught.value) == message


@pytest.mark.parametrize("v, t, message", [
    (3, SetT(IntT(0, 3)), "an integer where the spec has a set (#set)"),
    ({"#set": ["a"]}, SetT(IntT(0, 3)), "a string where the spec has an integer"),
    ({"#tup": [1]}, TupleT((IntT(0, 1), BoolT())), "a tuple of 1 where the spec has 2 elements"),
    ({"n": 1}, RecordT((("n", IntT(0, 3)), ("ok", BoolT()))), "a record of fields n where the spec has fields n, ok"),
    ({"tag": "Just", "value": 1}, OptionT(IntT(0, 3)),
     "the tag 'Just' where the spec has an option ('None' or 'Some')"),
    ({"tag": "None", "value": 1}, OptionT(IntT(0, 3)), "the variant None holds a value"),
    ({"#map": [[0, "x"]]}, MapT(IntT(0, 1), BoolT()), "a string where the spec has a boolean"),
])
def test_a_value_of_the_wrong_shape_is_named(v, t, message):
    assert itf.misfit(itf.normal(v), t) == message


def test_what_capcheck_writes_fits_its_own_types():
    model = library_model("async_primary_backup")
    render = itf.Renderer(model)
    for s in model.successors(model.init_states()[0]):
        for name, v in render.state(s).items():
            assert itf.misfit(itf.normal(v), render.types[name]) is None, name


# ---------------------------------------------------------------- reading: files without a capcheck path


def _library_round_trips(spec: str) -> int:
    """Match every BFS counterexample of `spec` (as test_gallery.py finds them) from its ITF
    file without `#meta.capcheck`, with and without the action texts: the same path."""
    model, result = library_model(spec), library_bfs(spec)
    docs = itf_documents(model, result, spec, model.program.name, {}, {})
    for name, doc in docs:
        want = [int(x) for x in doc["#meta"]["capcheck"]["path"].split(".")]
        for actions in (True, False):
            trace = read_itf(_without_capcheck(doc, actions), name)["itf"]
            check_names(model, trace, spec)
            assert find_path(model, trace, spec) == want, (name, actions)
    return len(docs)


@pytest.mark.parametrize("spec, count", [("two_phase_broken", 2), ("best_effort_broadcast", 2),
                                         ("gossip_anti_entropy", 1)])
def test_library_counterexamples_round_trip_without_the_capcheck_block(spec, count):
    assert _library_round_trips(spec) == count


@pytest.mark.slow
def test_every_library_counterexample_round_trips_without_the_capcheck_block():
    # 25: kv_tombstones_broken.cap has 3 counterexamples, commit_coordinator_crash_broken.cap 1,
    # lease_read_broken.cap and lww_clocks_broken.cap 1 each, the others 19
    assert sum(_library_round_trips(p.stem) for p in sorted(SPECS.glob("*.cap"))) == 25


def test_a_hand_written_file_without_meta_replays(run_cli):
    code, out, err = run_cli(["replay", TWO_PHASE_BROKEN, str(FIXTURES / "two_phase_broken.consistent.itf.json")])
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"{TWO_PHASE_BROKEN}: a trace of 5 steps (path 0.1.0.0.0.2, found from the file's states)"
    assert [line[5:] for line in lines[1:] if line[2:3].isdigit()] == [
        "initial state", "rm[0]: action prepare", "tm: on prepared(rm[0]) from rm[0]", "tm: action decide_commit",
        "rm[0]: on commit() from tm", "rm[1]: action choose_to_abort"]


def test_a_quint_style_file_replays(run_cli):
    # Plain integers, {} as None's unit value, mbt:: variables, a subset of the variables.
    spec = str(SPECS / "async_primary_backup.cap")
    code, out, err = run_cli(["replay", spec, str(FIXTURES / "async_primary_backup.linearizable.itf.json")])
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == f"{spec}: a trace of 6 steps (path 0.1.0.7.1.1.0, found from the file's states)"
    assert "  6  replica[1]: request #2 read() from client[0]\n         reply to client[0]#2: 0\n" in out


def test_replay_json_of_a_matched_file_gives_its_path(run_cli):
    code, out, _ = run_cli(["replay", TWO_PHASE_BROKEN, str(FIXTURES / "two_phase_broken.consistent.itf.json"),
                            "--json", "-"])
    assert code == 0 and json.loads(out)["path"] == "0.1.0.0.0.2"


def test_render_draws_a_file_without_meta_with_spec(run_cli, tmp_path):
    out_file = tmp_path / "d.dot"
    code, out, err = run_cli(["render", str(FIXTURES / "two_phase_broken.consistent.itf.json"),
                              "--spec", TWO_PHASE_BROKEN, "-o", str(out_file)])
    assert (code, err, out) == (0, "", f"{out_file}: a sequence diagram of 5 steps\n")
    assert out_file.read_text().startswith("digraph")


def test_render_finds_the_spec_and_property_of_a_capcheck_itf_file(run_cli, tmp_path):
    _write(run_cli, tmp_path, "two_phase_broken")
    out_file = tmp_path / "d.dot"
    code, out, err = run_cli(["render", str(tmp_path / "two_phase_broken.consistent.itf.json"), "-o", str(out_file)])
    assert (code, err, out) == (0, "", f"{out_file}: a sequence diagram of 6 steps (invariant consistent)\n")


def test_render_needs_the_spec_of_a_file_from_another_tool(run_cli, tmp_path):
    code, _, err = run_cli(["render", str(FIXTURES / "async_primary_backup.linearizable.itf.json"),
                            "-o", str(tmp_path / "d.dot")])
    assert (code, err) == (2, f"capcheck: error: '{FIXTURES / 'async_primary_backup.linearizable.itf.json'}' "
                              "does not name its spec; give --spec SPEC\n")


# ---------------------------------------------------------------- reading: random walks (Hypothesis)


def _walk(model, choices: list[int]) -> list[int]:
    """The walk that takes, at each step, the enabled step `choice` (modulo their number),
    stopping early at a state with none."""
    path, state = [0], model.init_states()[0]
    for choice in choices:
        options = model.successors(state)
        if options:
            path.append(choice % len(options))
            state = options[path[-1]]
    return path


def _plain(v: object, rng: random.Random) -> object:
    """v with each #bigint written as a plain number or not, and sets and maps shuffled."""
    if isinstance(v, list):
        return [_plain(x, rng) for x in v]
    if not isinstance(v, dict):
        return v
    if "#bigint" in v:
        return int(v["#bigint"]) if rng.random() < 0.5 else v
    out = {k: _plain(x, rng) for k, x in v.items()}
    for key in ("#set", "#map"):
        if key in out:
            rng.shuffle(out[key])
    return out


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=st.sampled_from(["two_phase_broken", "async_primary_backup", "best_effort_broadcast",
                             "active_passive_fencing", "chain_replication"]),
       choices=st.lists(st.integers(0, 1 << 16), max_size=14), seed=st.integers(0, 1 << 32),
       keep=st.floats(0, 1), actions=st.booleans())
def test_random_walks_without_meta_match_back(spec, choices, seed, keep, actions):
    """Random prefixes of random walks, written as ITF without the capcheck block, each state
    keeping a random subset of its variables (and its action text or not), integers plain or
    not, sets and maps shuffled: a path is found, and its states agree with the file's."""
    model, rng = library_model(spec), random.Random(seed)
    path = _walk(model, choices)
    doc = itf.document(model, path, [s.action["action"] for s in replay(model, path).steps], {})
    for state in doc["states"]:
        for name in [n for n in state if n != "#meta" and rng.random() > keep]:
            del state[name]
        if not actions:
            del state["#meta"]
    trace = read_itf(json.loads(json.dumps(_plain(doc, rng))), "walk.itf.json")["itf"]
    check_names(model, trace, spec)
    found = find_path(model, trace, spec)
    assert len(found) == len(path)
    assert itf.mismatch(model, found, list(trace.states)) is None


# ---------------------------------------------------------------- reading: what is wrong, and where


def _fixture(**changes) -> dict:
    doc = json.loads((FIXTURES / "two_phase_broken.consistent.itf.json").read_text())
    for change in changes.values():
        change(doc)
    return doc


def _refused(run_cli, tmp_path, content: str, spec: str = TWO_PHASE_BROKEN) -> str:
    bad = tmp_path / "bad.itf.json"
    bad.write_text(content)
    code, out, err = run_cli(["replay", spec, str(bad)])
    assert (code, out) == (2, "")
    prefix = "capcheck: error: "
    assert err.startswith(prefix) and err.endswith("\n") and err.count("\n") == 1, err
    return err[len(prefix):-1].replace(str(bad), "FILE")


def test_a_truncated_file_is_located(run_cli, tmp_path):
    text = (FIXTURES / "two_phase_broken.consistent.itf.json").read_text()
    assert _refused(run_cli, tmp_path, text[:text.index('"tm.state": "committed"')]) == (
        "'FILE' is not valid JSON: line 7, column 59: Expecting property name enclosed in double quotes "
        "(the file ends there: is it cut short?)")


def test_malformed_json_is_located(run_cli, tmp_path):
    text = (FIXTURES / "two_phase_broken.consistent.itf.json").read_text()
    assert _refused(run_cli, tmp_path, text.replace('"tm.state": "init",', '"tm.state": "init";', 1)) == (
        "'FILE' is not valid JSON: line 4, column 76: Expecting ',' delimiter")


def test_a_state_no_step_gives_names_the_closest_step(run_cli, tmp_path):
    doc = _fixture(a=lambda d: d["states"][2].update({"tm.tm_prepared": {"#set": ["rm[1]"]}}))
    assert _refused(run_cli, tmp_path, json.dumps(doc)) == (
        f"the trace does not fit {TWO_PHASE_BROKEN}: state 2 follows from no step of state 1 (reached by "
        "'rm[0]: action prepare'; 6 steps enabled); the closest, 'tm: on prepared(rm[0]) from rm[0]', differs in "
        "'tm.tm_prepared' ({\"#set\": [\"rm[1]\"]} in the file, {\"#set\": [\"rm[0]\"]} after that step)")


def test_several_differences_are_listed(run_cli, tmp_path):
    doc = _fixture(a=lambda d: d["states"][1].update({"rm[0].state": "committed", "rm[1].state": "committed",
                                                      "tm.state": "committed", "tm.tm_prepared": {"#set": ["rm[2]"]}}))
    assert _refused(run_cli, tmp_path, json.dumps(doc)) == (
        f"the trace does not fit {TWO_PHASE_BROKEN}: state 1 follows from no step of state 0 (7 steps enabled); "
        "the closest, 'tm: action decide_abort', differs in 'rm[0].state' (\"committed\" in the file, \"working\" "
        "after that step), 'rm[1].state' (\"committed\" in the file, \"working\" after that step), 'tm.state' "
        "(\"committed\" in the file, \"aborted\" after that step) and 1 more variable")


def test_a_wrong_initial_state_is_named(run_cli, tmp_path):
    doc = _fixture(a=lambda d: d["states"][0].update({"tm.state": "committed"}))
    assert _refused(run_cli, tmp_path, json.dumps(doc)) == (
        f"the trace does not fit {TWO_PHASE_BROKEN}: state 0 is not the initial state: it differs in 'tm.state' "
        "(\"committed\" in the file, \"init\" in the spec)")


def test_a_file_that_goes_on_after_a_dead_end_is_refused(run_cli, tmp_path):
    spec = tmp_path / "once.cap"
    spec.write_text("protocol once:\n    node a:\n        var done: bool = false\n\n"
                    "        action finish when not done:\n            done = true\n")
    states = [{"a.done": False}, {"a.done": True}, {"a.done": True}]
    assert _refused(run_cli, tmp_path, json.dumps({"vars": ["a.done"], "states": states}), str(spec)) == (
        f"the trace does not fit {spec}: no step is enabled in state 1 (reached by 'a: action finish'), but the "
        "file goes on to state 2")


@pytest.mark.parametrize("change, message", [
    (lambda d: d["states"][2].update({"tm.stat": "init"}), "state 2: the spec has no variable 'tm.stat' "
                                                           "(did you mean 'tm.state'?)"),
    (lambda d: d["vars"].append("rm[3].state"), "'vars': the spec has no variable 'rm[3].state' "
                                                "(did you mean 'rm[2].state'?)"),
    (lambda d: d["states"][0].update({"ghost": True}), "state 0: the spec has no variable 'ghost'"),
    (lambda d: d["states"][1].update({"tm.tm_prepared": 3}), "state 1: variable 'tm.tm_prepared' is 3, an integer "
                                                             "where the spec has a set (#set)"),
    (lambda d: d["states"][1].update({"tm.tm_prepared": {"#set": [1]}}),
     "state 1: variable 'tm.tm_prepared' is {\"#set\": [1]}, an integer where the spec has a string"),
])
def test_unknown_variables_and_wrong_shapes_are_named(run_cli, tmp_path, change, message):
    assert _refused(run_cli, tmp_path, json.dumps(_fixture(a=change))) == (
        f"the trace does not fit {TWO_PHASE_BROKEN}: {message}")


@pytest.mark.parametrize("change, message", [
    (lambda d: d["states"][3].update({"tm.state": {"#bigint": "one"}}),
     "'FILE': state 3: variable 'tm.state' is not an ITF value: '#bigint' holds a decimal integer in a string, "
     "such as \"-42\"; got \"one\""),
    (lambda d: d["states"].__setitem__(1, []), "'FILE': state 1 is not a JSON object"),
    (lambda d: d.update({"states": []}), "'FILE': 'states' is not a non-empty list of states"),
    (lambda d: d.update({"vars": "tm.state"}), "'FILE': 'vars' is not a list of variable names"),
])
def test_a_malformed_itf_file_is_refused_with_what_is_wrong(run_cli, tmp_path, change, message):
    assert _refused(run_cli, tmp_path, json.dumps(_fixture(a=change))) == message


def test_matching_gives_up_when_the_budget_runs_out():
    model = library_model("two_phase_broken")
    trace = read_itf(_fixture(a=lambda d: [s.clear() for s in d["states"]]) | {"vars": []}, "x")["itf"]
    trace.rows[-1]["tm.state"] = ("str", "nowhere")
    trace.states[-1]["tm.state"] = "nowhere"
    with pytest.raises(UsageError) as caught:
        find_path(model, trace, "two_phase_broken.cap", budget=50)
    assert str(caught.value) == (
        "the trace does not fit two_phase_broken.cap: no path found within 50 compared states; so far no step "
        "fitted state 5: the file's states leave too many runs open (record more variables, or each state's "
        "'#meta.action')")
