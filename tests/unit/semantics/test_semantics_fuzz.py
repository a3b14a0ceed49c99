"""The semantic checker never crashes: on specs that parse, it returns a Program or raises
SpecError, whatever the spec says.

Inputs are valid specs whose tokens are swapped, dropped, duplicated or replaced by other
tokens of the same specs: most results still parse, and they reach deep into the checker
with wrong names, types and arities.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.diagnostics import Source
from checker.dsl import parse
from checker.dsl.printer import format_protocol
from checker.errors import SpecError
from checker.semantics.dump import dump_program
from checker.semantics import check, ir
from oracles.strategies import protocols
from support import SPECS, examples, mutate_tokens


SAMPLE = """\
protocol sample:
    const N = 2
    type Tag = (term: 0..2, owner: replica)
    def majority(s) = 2 * len(s) > N
    object register(values = {1, 2}, initial = 0)
    clients 2, ops 1
    address vip = replica[0]
    route clients to vip
    network fifo, lossy
    faults crash <= 1, restart <= 1, partition <= 1, loss <= 1
    message sync(v: Value, tag: Tag)
    message ack(tag: Tag)

    node replica[N]:
        durable replicated var value: Value = 0
        var tag: Tag = (term: 0, owner: self)
        var acks: set[replica] = {}
        var waiting: option handle = none
        var log: seq[Value, 2] = []
        var seen: map[replica, 0..2] = {}

        request write(v) as h when waiting == none:
            value = v
            log = log + [v]
            waiting = h
            send sync(v, tag) to others

        request read():
            reply value

        on sync(v, t) from p when t.term >= tag.term:
            value = v
            seen[p] = t.term
            send ack(t) to p

        on ack(t) from p:
            acks = acks | {p}
            if majority(acks) and waiting != none:
                reply ok to waiting
                waiting = none

        timeout failover when not up(vip):
            choose q in others where q != self
            tag = (term: min(tag.term + 1, 2), owner: self)
            take vip

        on restart:
            acks = {}

    invariant one: count(r in replica: r.waiting != none) <= N
    invariant agree: all(a in replica, b in replica: a.tag == b.tag => a.value == b.value)
    check linearizable
    check converges
"""


CORPUS = [SAMPLE] + [p.read_text() for p in sorted(SPECS.glob("*.cap"))]


def test_the_sample_itself_checks():
    program = check(parse(SAMPLE), Source("<sample>", SAMPLE))
    assert isinstance(program, ir.Program)


@examples(full=400, fast=100)
def test_checker_returns_a_program_or_a_located_spec_error(examples):
    @settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def run_examples(data):
        text = mutate_tokens(data.draw(st.sampled_from(CORPUS)), data)
        try:
            protocol = parse(text)
        except SpecError:
            return
        try:
            program = check(protocol, Source("<fuzz>", text))
        except SpecError as err:
            rendered = err.render()
            assert "error:" in rendered
            for d in err.diagnostics:
                assert d.span is None or 1 <= d.span.line <= len(text.split("\n")) + 1
            return
        assert isinstance(program, ir.Program)
        dump_program(program)

    run_examples()


@examples(full=200, fast=50)
def test_checker_survives_generated_specs(examples):
    """Grammatical but wildly ill-typed specs (tests/oracles/strategies.py) reach every construct."""
    @settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(protocols)
    def run_examples(protocol):
        text = format_protocol(protocol)
        try:
            program = check(parse(text), Source("<generated>", text))
        except SpecError as err:
            assert "error:" in err.render()
            return
        dump_program(program)

    run_examples()
