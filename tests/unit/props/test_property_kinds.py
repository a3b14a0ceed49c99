"""The registry of property kinds (checker/props/kinds.py): every kind is well-formed, the
semantic checker accepts each `check` kind exactly on the objects the registry says, the
compiled model watches exactly the kinds that have a watcher, and the reports name and
explain each kind from the registry."""

from __future__ import annotations

import string

import pytest

from checker.diagnostics import Source
from checker.dsl import parse
from checker.errors import SpecError
from checker.model import compile_model
from checker.props import kinds
from checker.props.kinds import Family
from checker.semantics import check, ir

SPEC = """\
protocol p:
    object {obj}
    clients 2, ops 1
    route clients to any server

    node server[2]:
        replicated var state: 0..3 = 0

{ops}
    check {kind}
"""

REGISTER_OPS = """\
        request write(v):
            reply ok

        request read():
            reply 0
"""

SET_OPS = """\
        request add(v):
            reply ok

        request read():
            reply {}
"""

USER_OBJECT = """\
    object lock:
        var held: bool = false

        op acquire() -> bool:
            held = true
            return true

"""


def _program(kind: str, obj: str = "register(values = {1})", ops: str = REGISTER_OPS) -> ir.Program:
    text = SPEC.format(obj=obj, ops=ops, kind=kind)
    return check(parse(text, "p.cap"), Source("p.cap", text), {})


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("kind", kinds.ALL, ids=lambda k: k.name)
def test_every_kind_is_well_formed(kind: kinds.Kind) -> None:
    assert kinds.of(kind.name) is kind and kind.meaning
    if kind.watcher is not None:
        assert kind.family is Family.HISTORY and kind.clients
    if kind.watcher == "session":
        assert kind.violation is not None and {"read", "other"} <= _fields(kind.violation)
        assert kind.objects is not None and set(kind.objects) <= set(kinds.BUILTIN_OBJECTS)
    if kind.family is Family.LIVENESS:
        assert kind.violation and not _fields(kind.violation)
    assert kind.heading("x") == ("invariant x" if kind is kinds.INVARIANT else f"check {kind.name}")


def test_the_lists_follow_the_registry() -> None:
    assert kinds.CHECKS == tuple(k.name for k in kinds.ALL if k is not kinds.INVARIANT)
    assert set(kinds.LIVENESS) == {"available", "converges"}
    assert set(kinds.SESSION) == {"durable", "read_your_writes", "monotonic_reads", "monotonic_writes",
                                  "writes_follow_reads"}


def test_an_unknown_kind_is_no_property() -> None:
    with pytest.raises(ValueError, match="unknown property kind"):
        ir.Property("p", "linearisable")
    with pytest.raises(KeyError):
        kinds.of("linearisable")


@pytest.mark.parametrize("kind", [k for k in kinds.ALL if k is not kinds.INVARIANT], ids=lambda k: k.name)
def test_each_check_is_accepted_exactly_where_the_registry_defines_it(kind: kinds.Kind) -> None:
    on_register = kind.defined_for("register")
    on_set = kind.defined_for("set")
    for obj, ops, defined in (("register(values = {1})", REGISTER_OPS, on_register),
                              ("set(values = {1})", SET_OPS, on_set)):
        if defined:
            prop, = _program(kind.name, obj, ops).properties
            assert prop.kind == kind.name
        else:
            with pytest.raises(SpecError, match=f"'check {kind.name}'"):
                _program(kind.name, obj, ops)


@pytest.mark.parametrize("kind", [k for k in kinds.ALL if k.objects is not None], ids=lambda k: k.name)
def test_checks_of_built_in_objects_are_refused_on_a_user_defined_one(kind: kinds.Kind) -> None:
    text = SPEC.format(obj="lock", ops="        request acquire():\n            reply true\n",
                       kind=kind.name).replace("    object lock\n", USER_OBJECT)
    with pytest.raises(SpecError) as err:
        check(parse(text, "p.cap"), Source("p.cap", text), {})
    assert f"'check {kind.name}'" in err.value.render()


@pytest.mark.parametrize("kind", [k for k in kinds.ALL if k.watcher is not None and k.defined_for("register")],
                         ids=lambda k: k.name)
def test_the_model_watches_each_history_kind_in_its_own_slot(kind: kinds.Kind) -> None:
    model = compile_model(_program(kind.name))
    watched = [inv for inv in model.invariants if inv.prop.kind == kind.name]
    assert len(watched) == 1
    slot = model.layout.slots[watched[0].slots[0]]
    assert slot.kind == kind.watcher and slot.name == (kind.name if kind.watcher == "session" else "")
