"""Routing rules: `route clients to ...`, `route OP, ... to ...`, `route client[I] to ...`
and `client[I]` ids, lowered to the IR (issue 24, item 2)."""

from __future__ import annotations

import pytest

from checker.dsl import parse_bytes
from checker.errors import SpecError
from checker.semantics import check, ir
from checker.semantics.types import ClientT

SPEC = """\
protocol routed:
    object register(values = {1, 2}, initial = 0)
    clients 3, ops 1
ROUTES
    node replica[2]:
        var value: Value = 0
        var last: option client = none

        request write(v) as h:
            value = v
            last = h.client
            reply ok

        request read():
            reply value

    invariant first_is_not_last: replica[0].last != client[2]
"""


def program(routes: str) -> ir.Program:
    text = SPEC.replace("ROUTES\n", "".join(f"    {r}\n" for r in routes.splitlines()))
    protocol, source = parse_bytes(text.encode(), "t.cap")
    return check(protocol, source)


def test_a_client_rule_beats_an_operation_rule_which_beats_the_default() -> None:
    p = program("route clients to any replica\nroute write to replica[0]\nroute client[1] to replica[1]")
    r0, r1 = p.role("replica").ids  # type: ignore[union-attr]
    assert p.routing_for(0, "write") == ir.Routing("fixed", (r0,))
    assert p.routing_for(0, "read") == ir.Routing("any", (r0, r1))
    assert p.routing_for(1, "write") == p.routing_for(1, "read") == ir.Routing("fixed", (r1,))
    assert len(p.routings()) == 3


def test_without_a_default_the_other_operations_go_to_any_serving_node() -> None:
    p = program("route write to replica[0]")
    assert p.routing_for(2, "read") == ir.Routing("any", p.role("replica").ids)  # type: ignore[union-attr]


def test_client_ids_are_constants_of_type_client() -> None:
    inv = program("").properties[0].expr
    assert inv.right == ir.Lit(ClientT(), ir.ClientId(2))


@pytest.mark.parametrize("routes, message", [
    ("route clients to replica[0]\nroute clients to replica[1]", "only one 'route clients' declaration"),
    ("route reed to replica[0]", "'reed' is no operation of the object (did you mean 'read'?)"),
    ("route client[3] to replica[0]", "client[3] does not exist: the clients are client[0] to client[2]"),
    ("route replica[0] to replica[0]", "'route replica[...]' routes one client: write 'route client[I] to ...'"),
    ("route client[0] to replica[0]\nroute client[0] to replica[1]", "client 'client[0]' is routed twice"),
])
def test_bad_routes_are_located_errors(routes: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        program(routes)
    assert message in caught.value.diagnostics[0].message
