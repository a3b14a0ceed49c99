"""Unit tests of name resolution, typing, finite domains and lowering to the IR."""

from __future__ import annotations

import textwrap

import pytest

from checker.dsl import parse_bytes
from checker.errors import SpecError, UsageError
from checker.semantics.dump import dump_program
from checker.semantics import check, ir
from checker.semantics.types import (
    BOOL, INT, AtomT, HandleT, IntT, MapT, NodeT, OptionT, RecordT, SeqT, SetT, describe,
)

HEADER = """\
protocol p:
    const N = 2
    object register(values = {1, 2}, initial = 0)
    message sync(v: Value)
"""
WITH_CLIENTS = HEADER + "    clients 2, ops 1\n"


def spec(body: str, header: str = HEADER) -> str:
    return header + textwrap.indent(textwrap.dedent(body), "    ")


def cspec(body: str) -> str:
    return spec(body, WITH_CLIENTS)


def program(text: str, overrides=None) -> ir.Program:
    protocol, source = parse_bytes(text.encode(), "t.cap")
    return check(protocol, source, overrides)


def messages(text: str) -> list[str]:
    with pytest.raises(SpecError) as info:
        program(text)
    return [d.message for d in info.value.diagnostics]


NODE = """
node replica[N]:
    var value: Value = 0
    var role: {primary, backup} = primary if self == replica[0] else backup
    request write(v) when role == primary:
        value = v
        send sync(v) to others
        reply ok
    request read():
        reply value
    on sync(v) from p:
        value = v
"""


# ---------------------------------------------------------------- a whole program


def test_roles_nodes_and_types():
    prog = program(cspec(NODE))
    (role,) = prog.roles
    assert [str(n) for n in role.ids] == ["replica[0]", "replica[1]"]
    assert [n.gid for n in prog.nodes] == [0, 1]
    assert role.var("value").type == IntT(0, 2, (0, 1, 2))
    assert role.var("role").type == AtomT(("primary", "backup"))
    assert prog.object.op("write").params == (("v", IntT(1, 2, (1, 2))),)
    assert prog.object.op("cas").result == BOOL
    assert prog.routing == ir.Routing("any", role.ids)


def test_handlers_are_lowered_with_typed_locals():
    prog = program(cspec(NODE))
    write, read, sync = prog.roles[0].handlers
    assert (write.kind, write.trigger, read.trigger, sync.kind) == ("request", "write", "read", "message")
    assert write.label == "replica.request write"
    send = write.body[1]
    assert isinstance(send, ir.Send) and send.broadcast and send.message == "sync"
    assert sync.sender.type == NodeT(("replica",))
    assert [l.name for l in sync.locals] == ["v", "p"]
    assert isinstance(write.guard, ir.Binary) and write.guard.op == "=="


def test_overrides_change_constants_and_node_counts():
    prog = program(cspec(NODE), {"N": 3})
    assert len(prog.nodes) == 3
    assert prog.constants[0] == ir.Constant("N", 3, True)


def test_unknown_override_is_a_usage_error_with_suggestion():
    with pytest.raises(UsageError, match="the constants are 'N'"):
        program(cspec(NODE), {"M": 3})
    with pytest.raises(UsageError, match="did you mean 'N'"):
        program(cspec(NODE), {"n": 3})


def test_override_of_wrong_kind_is_a_located_error():
    with pytest.raises(SpecError, match="'N' is an integer constant") as info:
        program(cspec(NODE), {"N": True})
    assert info.value.diagnostics[0].span is not None


def test_declaration_order_does_not_matter():
    text = "protocol p:\n    invariant i: all(r in replica: r.x <= N)\n    node replica[N]:\n" \
           "        var x: 0..N\n    const N = 2\n"
    assert program(text).properties[0].kind == "invariant"
    reordered = "protocol p:\n    const N = 2\n    invariant i: all(r in replica: r.x <= N)\n" \
                "    node replica[N]:\n        var x: 0..N\n"
    assert program(reordered).properties[0].kind == "invariant"


# ---------------------------------------------------------------- types


@pytest.mark.parametrize("written, expected", [
    ("bool", BOOL),
    ("0..3", IntT(0, 3)),
    ("0..N-1", IntT(0, 1)),
    ("{1, 5, 3}", IntT(1, 5, (1, 3, 5))),
    ("{red, green}", AtomT(("red", "green"))),
    ("set[replica]", SetT(NodeT(("replica",)))),
    ("map[replica, bool]", MapT(NodeT(("replica",)), BOOL)),
    ("seq[Value, 3]", SeqT(IntT(0, 2, (0, 1, 2)), 3)),
    ("option node", OptionT(NodeT(("replica",)))),
    ("(value: Value, term: 0..1)", RecordT((("term", IntT(0, 1)), ("value", IntT(0, 2, (0, 1, 2)))))),
    ("option handle", OptionT(HandleT())),
])
def test_type_resolution(written, expected):
    prog = program(spec(f"node replica[N]:\n    var x: {written} = {default_for(written)}\n"))
    assert prog.roles[0].var("x").type == expected


def default_for(written: str) -> str:
    return {"option node": "none", "option handle": "none"}.get(written, "x_default").replace(
        "x_default", "none") if written.startswith("option") else _first(written)


def _first(written: str) -> str:
    table = {"bool": "false", "0..3": "0", "0..N-1": "0", "{1, 5, 3}": "1", "{red, green}": "red",
             "set[replica]": "{}", "map[replica, bool]": "{}", "seq[Value, 3]": "[]",
             "(value: Value, term: 0..1)": "(value: 0, term: 0)"}
    return table[written]


def test_defaults_when_no_initial_value():
    prog = program(spec("node replica[N]:\n    var a: bool\n    var b: 2..4\n    var c: {x, y}\n"
                        "    var d: set[replica]\n    var e: option 0..1\n    var f: (k: 0..1, m: bool)\n"))
    inits = {v.name: v.init.value for v in prog.roles[0].vars}
    assert inits == {"a": False, "b": 2, "c": "x", "d": frozenset(), "e": None, "f": (0, False)}


def test_type_alias_cycle_is_reported():
    assert any("in terms of itself" in m for m in messages(spec("type A = set[B]\ntype B = set[A]\n"
                                                                "node n:\n    var x: A\n")))


def test_empty_range_and_huge_range():
    assert any("empty range 3..1" in m for m in messages(spec("node n:\n    var x: 3..1\n")))
    assert any("at most" in m for m in messages(spec("node n:\n    var x: 0..100000\n")))


def test_describe_is_readable():
    assert describe(SetT(NodeT(("replica",)))) == "set[replica]"
    assert describe(IntT(3, 3)) == "int"
    assert describe(INT) == "int"
    assert describe(MapT(AtomT(("a", "b")), SeqT(BOOL, 2))) == "map[{a, b}, seq[bool, 2]]"


# ---------------------------------------------------------------- names and scopes


def test_misspelt_variable_suggests_the_right_one():
    msgs = messages(cspec(NODE.replace("        value = v\n        send", "        valeu = v\n        send")))
    assert msgs == ["unknown variable 'valeu' (did you mean 'value'?)"]


def test_enumeration_typo_is_caught_in_comparison():
    msgs = messages(cspec(NODE.replace("when role == primary", "when role == primry")))
    assert msgs == ["unknown name 'primry' (did you mean 'primary'?)"]


def test_comparing_with_a_value_of_another_enumeration():
    text = spec("type Color = {red, blue}\nnode n:\n    var c: Color\n    var r: {primary, backup}\n"
                "    action a when c == primary:\n        pass\n")
    assert messages(text) == ["'primary' is not a value of {red, blue}, so this comparison is always false"]


def test_nodes_cannot_read_each_other_but_invariants_can():
    bad = spec("node n[2]:\n    var x: bool\n    action a:\n        x = n[1].x\n")
    assert "cannot read another node's variables" in messages(bad)[0]
    good = spec("node n[2]:\n    var x: bool\ninvariant i: all(a in n: a.x or not a.x)\n")
    assert program(good).properties[0].expr.type == BOOL


def test_locals_may_not_hide_variables():
    text = spec("node n:\n    var x: bool\n    action a:\n        let x = true\n")
    assert messages(text) == ["'x' would hide a variable of 'n'; choose another name"]


def test_assignment_to_parameters_is_rejected():
    text = cspec(NODE.replace("    on sync(v) from p:\n        value = v", "    on sync(v) from p:\n        v = 1"))
    assert "it is a local name" in messages(text)[0]


def test_def_is_expanded_with_arguments():
    text = spec("def quorum(s) = 2 * len(s) > N\nnode n[3]:\n    var acks: set[n]\n"
                "    action a when quorum(acks):\n        pass\n")
    guard = program(text).roles[0].handlers[0].guard
    assert isinstance(guard, ir.Binary) and guard.op == ">"
    assert isinstance(guard.left.right, ir.Call) and guard.left.right.args[0] == ir.StateVar(
        SetT(NodeT(("n",))), "n", "acks")


def test_constant_used_before_its_declaration():
    text = "protocol p:\n    const A = B + 1\n    const B = 2\n"
    assert messages(text) == ["constant 'B' is used before its declaration"]


def test_recursive_def_is_rejected_not_looped():
    assert "calls itself" in messages(spec("def f(x) = f(x)\ninvariant i: f(1)\n"))[0]


def test_others_excludes_self_and_single_role_is_a_node():
    prog = program("protocol p:\n    message m()\n    node tm:\n        action go:\n"
                   "            send m() to rm\n    node rm[2]:\n        action go:\n"
                   "            send m() to others\n        on m() from s:\n            pass\n")
    tm, rm = prog.roles
    assert tm.single and str(tm.ids[0]) == "tm"
    assert tm.handlers[0].body[0].dest.type == SetT(NodeT(("rm",)))
    others = rm.handlers[0].body[0].dest
    assert others.op == "diff"


# ---------------------------------------------------------------- statements and replies


def test_reply_later_through_a_stored_handle():
    text = spec("""
        node primary:
            var waiting: option handle = none
            request write(v) as h:
                waiting = h
            request read():
                reply 0
            action ack when waiting != none:
                reply ok to waiting
                waiting = none
    """)
    ack = program(text).roles[0].handlers[2]
    assert isinstance(ack.body[0], ir.Reply) and ack.body[0].handle is not None


def test_reply_outside_a_request_needs_a_handle():
    text = spec("node n:\n    action a:\n        reply ok\n")
    assert "there is no request to answer here" in messages(text)[0]


def test_reply_of_wrong_type():
    text = spec("node n:\n    request read():\n        reply true\n")
    assert messages(text) == ["the reply to 'read' must be {0, 1, 2}, but this is bool"]


def test_error_reply_is_allowed_anywhere_a_reply_is():
    text = spec("node n:\n    request write(v):\n        reply error \"not primary\"\n")
    (h,) = program(text).roles[0].handlers
    assert h.body[0].error == "not primary"


def test_choose_binds_for_the_rest_of_the_block():
    text = spec("node n[2]:\n    var peer: option n = none\n    action pick:\n"
                "        choose q in n where q != self\n        peer = q\n")
    body = program(text).roles[0].handlers[0].body
    assert isinstance(body[0], ir.Choose) and isinstance(body[1].value, ir.Local)


def test_aug_assign_needs_integers():
    text = spec("node n:\n    var b: bool\n    action a:\n        b += 1\n")
    assert "needs an integer variable" in messages(text)[0]


def test_map_and_record_assignment_paths():
    text = spec("node n[2]:\n    var votes: map[n, (term: 0..2, ok: bool)]\n    on sync(v) from p:\n"
                "        votes[p].ok = true\n")
    assign = program(text).roles[0].handlers[0].body[0]
    assert [s.kind for s in assign.path] == ["index", "field"]


def test_message_arity_is_checked_at_handler_and_send():
    text = spec("node n:\n    on sync(a, b) from p:\n        pass\n    action x:\n        send sync() to n\n")
    msgs = messages(text)
    assert "message 'sync' has 1 field, but the handler names 2" in msgs
    assert "message 'sync' has 1 field, but 0 were given" in msgs


def test_take_needs_an_address_of_the_role():
    text = spec("address vip = a\nnode a:\n    action x:\n        take vip\nnode b:\n"
                "    action y:\n        take vip\n")
    assert messages(text) == ["address 'vip' points to a nodes; a 'b' node cannot take it"]


# ---------------------------------------------------------------- declarations


def test_routing_modes():
    base = cspec(NODE)
    assert program(base.replace("clients 2, ops 1", "clients 2, ops 1\n    route clients to replica[1]")
                   ).routing.mode == "fixed"
    assert program(base.replace("clients 2, ops 1", "clients 2, ops 1\n    route clients to any replica")
                   ).routing.mode == "any"
    bad = base.replace("clients 2, ops 1", "clients 2, ops 1\n    route clients to replica")
    assert "(for a set of nodes write 'route clients to any ...')" in messages(bad)[0]


def test_network_and_faults():
    text = cspec(NODE).replace("clients 2, ops 1", "clients 2, ops 1\n    network fifo, lossy\n"
                                                  "    faults crash <= 1, restart <= 1, loss <= 2")
    prog = program(text)
    assert prog.network == ir.Network("fifo", True)
    assert prog.faults == ir.Faults(crash=1, restart=1, loss=2)


def test_restart_budget_needs_crash_and_loss_needs_lossy():
    text = cspec(NODE).replace("clients 2, ops 1", "clients 2, ops 1\n    faults restart <= 1, loss <= 1")
    msgs = messages(text)
    assert any("only restart after it crashed" in m for m in msgs)
    assert any("needs a lossy network" in m for m in msgs)


def test_client_checks_need_an_object_and_clients():
    text = "protocol p:\n    node n:\n        var x: bool\n    check linearizable\n"
    assert "is about what clients observe" in messages(text)[0]


def test_converges_needs_replicated_variables():
    text = cspec(NODE + "check converges\n")
    assert "there are none" in messages(text)[0]
    assert program(cspec(NODE.replace("var value", "replicated var value") + "check converges\n"))


def test_user_defined_object():
    text = """\
protocol q:
    object queue:
        var items: seq[1..2, 2] = []
        op push(v: 1..2) -> {ok, full}:
            if len(items) == 2:
                return full
            items = items + [v]
            return ok
        op pop() -> option 1..2:
            if len(items) == 0:
                return none
            let first = items[0]
            items = items[1:]
            return first
    clients 1, ops 2
    node server:
        request push(v):
            reply ok
        request pop():
            reply none
    check linearizable
"""
    prog = program(text)
    assert prog.object.kind == "user"
    assert [op.name for op in prog.object.ops] == ["push", "pop"]
    assert prog.object.op("pop").result == OptionT(IntT(1, 2))


def test_user_object_op_must_return():
    text = "protocol q:\n    object o:\n        var x: bool\n        op mark() -> bool:\n            x = true\n"
    assert "must end with 'return'" in messages(text)[0]


def test_several_errors_are_all_reported_in_order():
    text = spec("node n:\n    var a: Valeu\n    action x:\n        b = 1\n")
    msgs = messages(text)
    assert msgs[0].startswith("unknown type 'Valeu'") and msgs[1].startswith("unknown variable 'b'")


def test_program_is_deterministic():
    a = dump_program(program(cspec(NODE)))
    b = dump_program(program(cspec(NODE)))
    assert a == b and "role replica" in a


def test_get_unwraps_an_option():
    text = spec("node n[2]:\n    var leader: option n = none\n    var x: n = n[0]\n"
                "    action a when leader != none:\n        x = get(leader)\n")
    assign = program(text).roles[0].handlers[0].body[0]
    assert assign.value.type == NodeT(("n",))
    assert messages(spec("invariant i: get(true)\n")) == ["'get' takes an option value, not bool"]


def test_sender_type_is_the_roles_that_send_the_message():
    text = ("protocol p:\n    message ping()\n    node a:\n        action go:\n            send ping() to b\n"
            "    node b:\n        var last: option a = none\n        on ping() from s:\n            last = s\n")
    handler = program(text).roles[1].handlers[0]
    assert handler.sender.type == NodeT(("a",))


def test_lossy_network_without_budget_loses_without_bound():
    base = cspec(NODE)
    assert program(base.replace("clients 2, ops 1", "clients 2, ops 1\n    network fifo, lossy")).faults.loss is None
    assert program(base).faults.loss == 0


def test_ill_typed_constant_is_reported_not_folded():
    # found by the fuzzer: the membership was reported, then folding 'a in none' crashed
    text = "protocol p:\n    node n:\n        var s: {1, 2 in none}\n"
    assert messages(text) == ["'in' needs a set, sequence or map on its right, not none"]


def test_locals_are_numbered_uniquely_in_initial_values():
    text = spec("node n[2]:\n    var b: bool = all(x in n: all(y in n: x == y or x != y))\n")
    init = program(text).roles[0].var("b").init
    outer, inner = init.binders[0].local, init.body.binders[0].local
    assert (outer.uid, inner.uid) == (0, 1)


def test_folding_an_ill_typed_membership_reports_instead_of_crashing():
    # found by fuzzing the engine with generated specs: 'b in b' on an unknown name folded
    # to 'None in None' and raised TypeError inside the checker
    text = "protocol a:\n    node a:\n        action go:\n            send m() to (none,)[b in b]\n"
    with pytest.raises(SpecError) as info:
        program(text)
    assert "unknown name 'b'" in info.value.render()


def test_a_handled_delete_makes_reads_return_an_option():
    plain = program(cspec("""
        node server:
            var value: Value = 0

            request read():
                reply value
        """))
    assert [op.name for op in plain.object.ops] == ["read", "write", "cas"]
    with_delete = program(cspec("""
        node server:
            var value: option Value = 0

            request read():
                reply value

            request delete():
                value = none
                reply ok
        """))
    ops = {op.name: op for op in with_delete.object.ops}
    assert list(ops) == ["read", "write", "cas", "delete"]
    assert ops["read"].result == OptionT(IntT(0, 2, (0, 1, 2))) and ops["delete"].params == ()
