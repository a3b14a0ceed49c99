"""Symbolic data: objects of `values = int`, whose values the SMT engine leaves to Z3.

The language accepts `values = int` for registers and key-value maps only; the explicit
engine refuses such a spec with a located message unless `--values` gives it finite ones.
The SMT engine gives each request's integer arguments Z3 integers of their own
(smt/state.py), holds the object to them symbolically (smt/lin.py `DataTable`, checked here
against the brute-force oracle), and replays every run it finds in the explicit model whose
values are the integers the run used; its report's replay command says them (`--values`).
"""

from __future__ import annotations

import json
import re

import pytest
import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.pipeline import compile_symbolic
from checker.diagnostics import Source
from checker.dsl import parse
from checker.model import Unsupported, compile_model
from checker.props.operations import OK, UNKNOWN
from checker.result import Verdict
from checker.semantics import check
from checker.smt import params
from checker.smt.lin import DataTable, non_linearizable
from checker.smt.state import SYMBOLIC, Shape
from checker.smt.symbolic import Tup
from checker.analysis.verify import SmtOptions, smt_check

from oracles.linearizability import histories, linearizable
from support import ONE_NODE_SPECS, SPECS, examples, library_model, model_of, violated_lengths


def _unbounded(name: str, tmp_path) -> str:
    """Library spec `name` with its register's values made `int`."""
    text = (SPECS / f"{name}.cap").read_text()
    out = text.replace("object register(values = {1, 2}, initial = 0)", "object register(values = int, initial = 0)")
    assert out != text
    path = tmp_path / f"{name}.cap"
    path.write_text(out)
    return str(path)


KV = """protocol kv_async:
    "A primary-backup map whose backup serves reads: a read there can miss an acknowledged put."

    object kv(keys = {x, y}, values = int, initial = 0)
    clients 2, ops 2
    network fifo

    message copy(k: Key, v: Value)

    node primary:
        var data: map[Key, Value] = {x: 0, y: 0}

        request put(k, v):
            data[k] = v
            send copy(k, v) to backup
            reply ok

    node backup:
        var data: map[Key, Value] = {x: 0, y: 0}

        request get(k):
            reply data[k]

        on copy(k, v) from p:
            data[k] = v

    check linearizable
"""


# ---------------------------------------------------------------- the language


def test_values_int_makes_the_object_values_unbounded():
    program = check(parse(KV), Source("<kv>", KV))
    assert program.object.unbounded
    put = program.object.op("put")
    assert put.params[1][1].bounded is False
    finite = check(parse(KV), Source("<kv>", KV), data=frozenset({3, 7}))
    assert not finite.object.unbounded
    assert finite.object.op("get").result.values == (0, 3, 7)     # the initial value too


def test_values_int_is_refused_for_sets_and_logs(tmp_path, run_cli):
    path = tmp_path / "s.cap"
    path.write_text("protocol s:\n    object set(values = int)\n    clients 1, ops 1\n    node n:\n"
                    "        request add(v):\n            reply ok\n")
    code, _, err = run_cli(["parse", str(path)])
    assert code == 2
    assert "s.cap:2:25: error: 'values = int' is for 'register' and 'kv' objects" in err
    assert "^^^" in err


def test_the_explicit_engine_refuses_values_int_with_a_located_message(tmp_path, run_cli):
    path = _unbounded("async_primary_backup", tmp_path)
    for args in (["check", path], ["check", path, "--engine", "both"], ["replay", path, "0"]):
        code, out, err = run_cli(args)
        assert code == 2, args
        assert "async_primary_backup.cap:23:5: error: the explicit engine needs the object's values to be finite" in err
        assert "--values" in err and "Traceback" not in err


def test_values_gives_the_explicit_engine_finite_values(tmp_path, run_cli):
    path = _unbounded("async_primary_backup", tmp_path)
    code, out, _ = run_cli(["check", path, "--values", "1,2", "-q"])
    plain = run_cli(["check", str(SPECS / "async_primary_backup.cap"), "-q"])
    assert (code, out.replace(path, "X")) == (plain[0], plain[1].replace(str(SPECS / "async_primary_backup.cap"), "X"))


def test_values_is_refused_for_a_spec_with_finite_values_and_when_malformed(run_cli):
    code, _, err = run_cli(["check", str(SPECS / "async_primary_backup.cap"), "--values", "1,2"])
    assert code == 2 and "--values is for a spec whose object declares 'values = int'" in err
    code, _, err = run_cli(["check", str(SPECS / "async_primary_backup.cap"), "--values", "1,x"])
    assert code == 2 and "'1,x' is not a comma-separated list of integers" in err


# ---------------------------------------------------------------- the SMT engine


def test_the_lost_write_after_failover_is_found_with_unbounded_values_and_replays(tmp_path, run_cli):
    path = _unbounded("async_primary_backup", tmp_path)
    code, out, _ = run_cli(["check", path, "--engine", "smt", "--depth", "6"])
    assert code == 1
    assert "check linearizable: violated after 6 steps" in out
    assert "check durable: violated after 6 steps" in out
    hint = re.search(r"replay: capcheck replay (\S+) (--values=\S+) (\S+)", out)
    assert hint is not None, out
    code, replayed, _ = run_cli(["replay", path, hint.group(2), hint.group(3)])
    assert code == 0
    assert replayed.startswith(f"{path}: a trace of 6 steps")
    code, report, _ = run_cli(["check", path, "--engine", "smt", "--depth", "6", "--json", "-"])
    data = json.loads(report)
    lin = next(p for p in data["properties"] if p["name"] == "linearizable")
    assert lin["object_values"] == [int(v) for v in hint.group(2).split("=")[1].split(",")]
    assert 0 in lin["object_values"]


@pytest.mark.slow
def test_the_values_reported_do_not_depend_on_what_z3_did_before(tmp_path, run_cli):
    """Z3's models depend on the terms made before in the process (the full suite once
    found `--values=-1,0` here, and this order of runs did too): the renamed run pins its
    steps and every argument it uses, so the report says the same integers whatever model
    Z3 gives first."""
    path = _unbounded("async_primary_backup", tmp_path)
    reported = []
    for k, json_too in ((0, False), (1, True), (2, False)):
        for j in range(37 * k):
            z3.Int(f"unrelated_{k}_{j}") + 1   # noqa: B018 (terms made only to change Z3's state)
        out = run_cli(["check", path, "--engine", "smt", "--depth", "6"] + (["--json", "-"] if json_too else []))[1]
        if json_too:
            reported.append(tuple(",".join(map(str, p["object_values"])) for p in json.loads(out)["properties"]
                                  if p.get("object_values")))
        else:
            reported.append(tuple(re.findall(r"--values=(\S+)", out)))
    assert reported == [("0,1", "0,1")] * 3     # linearizable's and durable's


def test_a_json_report_replays_with_the_object_values_it_records(tmp_path, run_cli):
    path = _unbounded("async_primary_backup", tmp_path)
    report = tmp_path / "report.json"
    code, _, _ = run_cli(["check", path, "--engine", "smt", "--depth", "6", "--json", str(report)])
    assert code == 1
    code, replayed, _ = run_cli(["replay", path, str(report), "--property", "linearizable"])
    assert code == 0 and replayed.startswith(f"{path}: a trace of 6 steps")
    values = json.loads(report.read_text())["properties"]
    recorded = next(p for p in values if p["name"] == "linearizable")["object_values"]
    other = ",".join(str(v + 100) for v in recorded)
    code, _, err = run_cli(["replay", path, str(report), "--property", "linearizable", "--values", other])
    assert code == 2
    assert f"replay it with --values={','.join(map(str, sorted(recorded)))}" in err


def test_output_options_that_need_one_model_are_refused(tmp_path, run_cli):
    path = _unbounded("async_primary_backup", tmp_path)
    code, _, err = run_cli(["check", path, "--engine", "smt", "--render", str(tmp_path / "out")])
    assert code == 2 and "--render needs every constant's value" in err


def _smt(text: str, depth: int, name: str = "<spec>"):
    """The SMT engine's result on `text`, the way `capcheck check --engine smt` runs it."""
    program = check(parse(text), Source(name, text))
    model = compile_model(check(parse(text), Source(name, text), data=params.seed(program)))

    def at(values, data=None):
        return compile_model(check(parse(text), Source(name, text), values, data=data))

    return smt_check(model, SmtOptions(depth=depth), parameters=params.Parameters(program, at))


def test_a_stale_read_of_a_map_is_found_with_unbounded_values():
    result = _smt(KV, 5)
    finite = KV.replace("values = int", "values = {1}")
    from checker.explore import SearchOptions, search
    explicit = search(model_of(finite, "<kv>"), SearchOptions(max_depth=5))
    assert violated_lengths(result) == violated_lengths(explicit) == {"linearizable": 4}
    lin = next(p for p in result.properties if p.name == "linearizable")
    assert lin.data is not None and 0 in lin.data


def test_durability_and_read_your_writes_of_a_map_break_with_unbounded_values_as_with_one():
    """The session checks over the requests' integers (sessions.DataEffects) find the
    stale read of an acknowledged put at the explicit engine's length with values {1}."""
    text = KV + "    check durable\n    check read_your_writes\n"
    finite = text.replace("values = int", "values = {1}")
    from checker.explore import SearchOptions, search
    explicit = violated_lengths(search(model_of(finite, "<kv>"), SearchOptions(max_depth=5)))
    assert set(explicit) == {"linearizable", "durable", "read_your_writes"}
    assert violated_lengths(_smt(text, 5)) == explicit


@pytest.mark.slow
@pytest.mark.parametrize("spec, depth", [("active_active_lww", 4), ("best_effort_broadcast", 4),
                                         ("chain_replication_any_reads", 6)])
def test_library_registers_with_unbounded_values_break_as_with_two(spec, depth, tmp_path):
    """These library registers' linearizability breaks within `depth` with every integer
    in as many steps as with the values {1, 2} (each protocol only copies and compares
    values, so two distinct ones are as good as any), and so do their invariants."""
    from checker.explore import SearchOptions, search
    text = open(_unbounded(spec, tmp_path)).read()
    explicit = violated_lengths(search(library_model(spec), SearchOptions(max_depth=depth)))
    smt = violated_lengths(_smt(text, depth, spec))
    assert "linearizable" in explicit
    assert {k: v for k, v in smt.items()} == {k: v for k, v in explicit.items() if k in smt}
    assert smt["linearizable"] == explicit["linearizable"]


def test_a_value_the_protocol_computes_is_in_the_replayed_model(tmp_path):
    """The replay model's values are every integer the run holds, not only the requests'
    arguments: here the node stores v + 1, which the explicit model must be able to hold."""
    text = """protocol plus_one:
    object register(values = int, initial = 0)
    clients 2, ops 1

    node server:
        var value: Value = 0

        request write(v):
            value = v + 1
            reply ok

        request read():
            reply value

    check linearizable
"""
    result = _smt(text, 4)
    lin = next(p for p in result.properties if p.name == "linearizable")
    assert lin.verdict is Verdict.VIOLATED and lin.trace.length == 4
    written = int(re.search(r"write\((-?\d+)\)", repr(lin.trace)).group(1))
    assert written + 1 in lin.data      # stored by the node, written by no request


# ---------------------------------------------------------------- the symbolic object


REGISTER = """protocol r:
    object register(values = int, initial = 0)
    clients {n}, ops 1
    node server:
        var value: Value = 0
        request read():
            reply value
        request write(v):
            value = v
            reply ok
        request cas(expected, new):
            reply true
    check linearizable
"""


def _shape(clients: int) -> Shape:
    text = REGISTER.replace("{n}", str(clients))
    program = check(parse(text), Source("<r>", text))
    model = compile_model(check(parse(text), Source("<r>", text), data=params.seed(program)))
    return Shape(model, 1, program)


def _encoded(shape: Shape, operations) -> tuple:
    """A recorded history (one client per operation) as the encoding's history, request
    table and the equalities that give each request's integers their values."""
    table: DataTable = shape.lin
    codes = {bool: lambda r: 5 if r else 1, int: lambda r: 4 * r}
    history, requests, values = [], [], []
    names = [op.name for op in shape.program.object.ops]
    for c, o in enumerate(operations):
        op = names.index(o.op)
        k = next(k for k, (i, _) in enumerate(shape.invocations) if i == op)
        args = shape.invocations[k][1]
        assert all(a is SYMBOLIC for a in args)
        values += [shape.argument(c, 0, op, args, i, None) == v for i, v in enumerate(o.args)]
        answered = o.ret is not None and o.result is not UNKNOWN
        res = (table.ok if o.result is OK else codes[type(o.result)](o.result)) if answered else -1
        history.append((Tup((z3.IntVal(o.call), z3.IntVal(o.ret if answered else -1), z3.IntVal(res),
                             z3.BoolVal(False))),))
        requests.append((Tup((z3.IntVal(-1), z3.IntVal(k))),))
    return tuple(history), tuple(requests), values


@examples(full=40, fast=10)
@pytest.mark.parametrize("kind", ["register", "cas-register"])
def test_the_symbolic_register_agrees_with_brute_force(kind, examples):
    shapes = {n: _shape(n) for n in range(1, 5)}

    @settings(max_examples=examples, deadline=None)
    @given(histories(kind, max_ops=4))
    def agree(history):
        spec, operations = history
        if not operations:
            return
        shape = shapes[len(operations)]
        hist, requests, values = _encoded(shape, operations)
        solver = z3.Solver()
        solver.add(*values, non_linearizable(shape.lin, hist, requests))
        assert (solver.check() == z3.sat) == (not linearizable(spec, operations))

    agree()


def test_explicit_start_states_with_requests_are_not_encodable():
    from checker.smt.symbolic import NotEncodable
    shape = _shape(1)
    with pytest.raises(NotEncodable, match="values = int"):
        shape.invocation(1, (5,))


def test_compile_symbolic_seeds_the_shared_model_with_the_initial_values(tmp_path):
    path = tmp_path / "seed.cap"
    path.write_text(REGISTER.replace("{n}", "1").replace("initial = 0", "initial = 4")
                    .replace("var value: Value = 0", "var value: Value = 9"))
    program, model, parameters = compile_symbolic(str(path), {}, "check")
    assert params.seed(program) == {0, 4, 9}
    assert model.init_states()
    with pytest.raises(Unsupported, match="values = int"):
        compile_model(program)


# ---------------------------------------------------------------- the session checks against the watchers

DATA_VALUES = (0, 1, 2)


def _sessions_object(kind: str):
    """The unbounded shape of test_smt_sessions' one-node `kind` spec with `values = int`,
    and the finite spec and operations of its explicit watcher (values 0, 1, 2)."""
    from checker.smt import sessions
    body = ONE_NODE_SPECS[kind].replace("values = {1, 2}", "values = int").replace("values = {1}", "values = int")
    text = f"protocol {kind}_data:{body}\n    check durable\n    check read_your_writes\n    check monotonic_reads\n"
    program = check(parse(text), Source("<data>", text))
    model = compile_model(check(parse(text), Source("<data>", text), data=frozenset(DATA_VALUES)))
    return Shape(model, 1, program), sessions.object_of(model)


@st.composite
def data_histories(draw, shape, give_up: bool = True):
    """Events of a random history: ('invoke', c, q, invocation, concrete arguments),
    ('reply', c, q, result), ('error', c, q), ('give_up', c, q) unless `give_up` is false;
    values from DATA_VALUES."""
    obj = shape.program.object
    next_seq, pending, events = [0] * shape.clients, [None] * shape.clients, []
    for _ in range(draw(st.integers(0, 3 * shape.clients * shape.ops))):
        c = draw(st.integers(0, shape.clients - 1))
        if pending[c] is None:
            if next_seq[c] < shape.ops:
                k = draw(st.integers(0, len(shape.invocations) - 1))
                args = tuple(draw(st.sampled_from(DATA_VALUES)) if a is SYMBOLIC else a
                             for a in shape.invocations[k][1])
                events.append(("invoke", c, next_seq[c], k, args))
                pending[c], next_seq[c] = (next_seq[c], k), next_seq[c] + 1
            continue
        q, k = pending[c]
        how = draw(st.sampled_from(["reply"] * 4 + ["error"] + ["give_up"] * give_up))
        name = obj.ops[shape.invocations[k][0]].name
        result = draw(st.booleans()) if name == "cas" else OK if name in ("write", "put") else \
            draw(st.sampled_from(DATA_VALUES))
        events.append(("reply", c, q, result) if how == "reply" else (how, c, q))
        pending[c] = None
    return events


def _data_formula(shape, kind: str, events) -> bool:
    """sessions.violated over the history of `events` (event i at step i + 1), each
    request's integers set to its drawn arguments, results coded as DataTable codes."""
    from checker.smt import sessions
    from checker.smt.lin import code
    from checker.semantics.types import BOOL, IntT
    entries = {(c, q): [-1, -1, -1, False] for c in range(shape.clients) for q in range(shape.ops)}
    inv, given_args = {}, {}
    for step, (what, c, q, *rest) in enumerate(events, start=1):
        if what == "invoke":
            inv[(c, q)], given_args[(c, q)] = rest
            entries[(c, q)][0] = step
        elif what in ("reply", "error"):
            entries[(c, q)][1], entries[(c, q)][3] = step, what == "error"
            if what == "reply":
                r = rest[0]
                entries[(c, q)][2] = (4 * shape.dom.codec.atom_code["ok"] + 2 if r is OK else
                                      z3.simplify(code(z3.BoolVal(r), BOOL)).as_long() if isinstance(r, bool)
                                      else z3.simplify(code(z3.IntVal(r), IntT())).as_long())
    history = tuple(tuple(Tup((z3.IntVal(i), z3.IntVal(r), z3.IntVal(x), z3.BoolVal(e)))
                          for i, r, x, e in (entries[(c, q)] for q in range(shape.ops)))
                    for c in range(shape.clients))
    requests = tuple(tuple(Tup((z3.IntVal(-1), z3.IntVal(inv.get((c, q), 0)))) for q in range(shape.ops))
                     for c in range(shape.clients))
    formula = sessions.violated(kind, shape.effects, history, requests)
    pairs = []
    for (c, q), k in inv.items():
        op, args = shape.invocations[k]
        pairs += [(shape.argument(c, q, op, args, i, None), z3.IntVal(v))
                  for i, (a, v) in enumerate(zip(args, given_args[(c, q)])) if a is SYMBOLIC]
    for term in shape.arguments():               # requests never invoked: any value
        pairs.append((term, z3.IntVal(0))) if all(str(term) != str(t) for t, _ in pairs) else None
    value = z3.simplify(z3.substitute(formula, *pairs) if pairs else formula)
    assert z3.is_true(value) or z3.is_false(value), value
    return z3.is_true(value)


@examples(full=150, fast=40)
@pytest.mark.parametrize("kind", ["durable", "read_your_writes", "monotonic_reads"])
@pytest.mark.parametrize("obj", ["register", "kv"])
def test_the_session_formula_over_integers_agrees_with_the_explicit_watcher(obj, kind, examples):
    """sessions.DataEffects: on random histories of a register or map of `values = int`
    (values repeated on purpose, error replies, cas answered false, given-up requests but
    for monotonic_reads, which is decided only when no client can give up), the formula,
    with each request's integers set, holds exactly when the explicit watcher over those
    values has a violation."""
    from checker.props.sessions import watcher_for
    shape, (spec, ops) = _sessions_object(obj)
    assert shape.effects is not None and shape.effects.symbolic and kind in shape.histories

    @settings(max_examples=examples, deadline=None)
    @given(data_histories(shape, give_up=kind != "monotonic_reads"))
    def agree(events):
        watcher = watcher_for(kind, spec, ops, shape.clients, shape.ops)
        state = watcher.initial()
        for what, c, q, *rest in events:
            if what == "invoke":
                state = watcher.invoke(state, c, q, shape.invocations[rest[0]][0], rest[1])
            elif what == "reply":
                state = watcher.respond(state, c, q, rest[0])
            else:
                state = watcher.fail(state, c, q) if what == "error" else watcher.abandon(state, c, q)
        assert _data_formula(shape, kind, events) == (not watcher.ok(state)), watcher.violation(state)

    agree()
