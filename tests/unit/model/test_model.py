"""The compiled model: generated source, linecache, value encoding, stable fingerprints."""

from __future__ import annotations

import linecache
import os
import subprocess
import sys
import textwrap
import traceback

import pytest

from checker.dsl import parse_bytes
from checker.model import compile_model, values
from checker.semantics import check, ir
from checker.semantics.types import AtomT, IntT, MapT, NodeT, OptionT, RecordT, SeqT, SetT

from support import REPO_ROOT

ODD_NAMES = textwrap.dedent('''\
    protocol zebra_protocol:
        """A docstring with "quotes", a backslash \\\\ and '; import os; os.system("x")'."""

        const QUOKKA_CONST = 2

        message narwhal_msg(okapi_field: 0..QUOKKA_CONST, tapir_field: option {aardvark_atom, pangolin_atom})

        node zebra_role[2]:
            "Handlers' docstrings are text too: __import__('os')."
            var quokka_var: 0..QUOKKA_CONST = 0
            var axolotl_var: map[zebra_role, {aardvark_atom, pangolin_atom}] = {}

            action wombat_action when quokka_var < QUOKKA_CONST:
                quokka_var += 1
                send narwhal_msg(quokka_var, aardvark_atom) to others

            on narwhal_msg(okapi_local, tapir_local) from platypus_sender when tapir_local != none:
                axolotl_var[platypus_sender] = get(tapir_local)

        invariant ibex_invariant: all(z in zebra_role: z.quokka_var <= QUOKKA_CONST)
    ''')

SPEC_WORDS = ("zebra", "quokka", "narwhal", "okapi", "tapir", "aardvark", "pangolin", "axolotl",
              "wombat", "platypus", "ibex", "import", "system", "QUOKKA")


def compiled(text: str, overrides=None):
    protocol, source = parse_bytes(text.encode(), "test.cap")
    return compile_model(check(protocol, source, overrides or {}))


def test_generated_source_holds_no_text_from_the_spec():
    model = compiled(ODD_NAMES)
    for word in SPEC_WORDS:
        assert word not in model.source, word
    # the model still runs and sees the values the names stand for
    assert len(model.successors(model.init_states()[0])) == 2


def test_generated_source_is_registered_in_linecache():
    model = compiled(ODD_NAMES)
    filename = "<capcheck:zebra_protocol>"
    lines = model.source.splitlines()
    assert linecache.getline(filename, 1).rstrip("\n") == lines[0]
    assert linecache.getline(filename, len(lines)).rstrip("\n") == lines[-1]


def test_a_traceback_through_generated_code_shows_the_generated_line():
    model = compiled(ODD_NAMES)
    broken = tuple(None for _ in model.init_states()[0])  # not a state: the code fails on it
    with pytest.raises(TypeError):
        try:
            model.successors(broken)
        except TypeError:
            text = traceback.format_exc()
            raise
    assert 'File "<capcheck:zebra_protocol>", line' in text
    frame_line = text.split('File "<capcheck:zebra_protocol>"', 1)[1].splitlines()[1].strip()
    assert frame_line and frame_line in model.source


def test_the_same_program_generates_the_same_source():
    assert compiled(ODD_NAMES).source == compiled(ODD_NAMES).source


# ---------------------------------------------------------------- values


def test_codec_round_trip_over_every_kind_of_value():
    protocol, source = parse_bytes(ODD_NAMES.encode(), "t.cap")
    program = check(protocol, source, {})
    codec = values.Codec(program)
    node = program.nodes[1]
    atom = AtomT(("aardvark_atom", "pangolin_atom"))
    samples = [
        ("pangolin_atom", atom),
        (None, OptionT(atom)),
        ("aardvark_atom", OptionT(atom)),
        (node, NodeT(("zebra_role",))),
        (frozenset({node}), SetT(NodeT(("zebra_role",)))),
        ((1, 2), SeqT(IntT(0, 3), 2)),
        (ir.MapValue(((node, "aardvark_atom"),)), MapT(NodeT(("zebra_role",)), atom)),
        ((1, "pangolin_atom"), RecordT((("a", IntT(0, 1)), ("b", atom)))),
    ]
    for value, typ in samples:
        encoded = codec.encode(value)
        assert codec.decode(encoded, typ) == value
        assert "str" not in repr(type(encoded))


def test_none_is_encoded_by_a_value_with_an_unsalted_hash():
    assert values.NONE == values.NONE and values.NONE != 0 and values.NONE != ()
    assert hash(values.NONE) == hash(float("-inf"))


def test_maps_are_canonical_whatever_the_order_of_updates():
    a = values.map_set(values.map_set((), 2, 20), 1, 10)
    b = values.map_set(values.map_set((), 1, 10), 2, 20)
    assert a == b == ((1, 10), (2, 20))
    assert values.map_get(a, 2, 0) == 20 and values.map_has(a, 1) and not values.map_has(a, 3)
    with pytest.raises(values.SpecRuntimeError):
        values.map_get(a, 3, 0)


def test_ordered_copes_with_none_beside_tuples():
    assert values.ordered([(1, 2), values.NONE, (0, 5)]) == [values.NONE, (0, 5), (1, 2)]


def test_fits_checks_ranges_lengths_and_options():
    assert values.fits(3, IntT(0, 3)) and not values.fits(4, IntT(0, 3))
    assert not values.fits(True, IntT(0, 3))
    assert values.fits((1, 2), SeqT(IntT(0, 3), 2)) and not values.fits((1, 2, 3), SeqT(IntT(0, 3), 2))
    assert values.fits(values.NONE, OptionT(IntT(0, 1))) and not values.fits(2, OptionT(IntT(0, 1)))


def test_reachable_follows_partitions_and_cut_links():
    side = (1 << 0) | (1 << 1)
    assert values.reachable(frozenset(), 0, 2)
    assert not values.reachable(frozenset({(0, side)}), 0, 2)
    assert values.reachable(frozenset({(0, side)}), 0, 1)
    assert not values.reachable(frozenset({(1, 0, 2)}), 2, 0)
    assert values.reachable(frozenset({(1, 0, 2)}), 0, 1)


# ---------------------------------------------------------------- fingerprints

_FINGERPRINTS = textwrap.dedent('''\
    import sys
    from checker.dsl import parse_bytes
    from checker.model import compile_model
    from checker.semantics import check
    protocol, source = parse_bytes(open(sys.argv[1], "rb").read(), "t.cap")
    model = compile_model(check(protocol, source, {}))
    state = model.init_states()[0]
    out = [hash(state)]
    for _ in range(6):
        nxt = model.successors(state)
        out += [hash(t) for t in nxt]
        state = nxt[-1] if nxt else state
    print(out)
    ''')


def test_fingerprints_are_the_same_in_every_process_and_hash_seed(tmp_path):
    spec = tmp_path / "t.cap"
    spec.write_text(ODD_NAMES)
    script = tmp_path / "fp.py"
    script.write_text(_FINGERPRINTS)
    outputs = set()
    for seed in ("0", "1", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        run = subprocess.run([sys.executable, str(script), str(spec)], capture_output=True, text=True,
                             env=env, cwd=REPO_ROOT,
                             check=True)
        outputs.add(run.stdout)
    assert len(outputs) == 1
    assert len(eval(outputs.pop())) > 3  # noqa: S307 - a list of ints we printed


NEGATIVE = textwrap.dedent('''\
    protocol neg:
        node a:
            var x: -3..0 = 0
            var seen: set[-3..0] = {}
            var y: bool = false
            action down when x > -3:
                x -= 1
                seen = seen | {x}
            action flag when x == -2:
                y = true
        invariant never_flag: not a.y
    ''')


def test_states_that_differ_only_by_minus_one_and_minus_two_stay_distinct():
    # CPython: hash(-1) == hash(-2), and so for tuples and frozensets holding them
    model = compiled(NEGATIVE)
    assert model.fingerprint is not hash
    one = values.separated_hash((-1, frozenset({-1}), (-1,)))
    two = values.separated_hash((-2, frozenset({-2}), (-2,)))
    assert one != two
    from checker.explore import search
    result = search(model)
    assert result.result == "violated"
    assert result.properties[0].trace.length == 3


def test_states_without_negative_integers_use_the_plain_hash():
    assert compiled(ODD_NAMES).fingerprint is hash


def test_separated_keeps_none_apart_from_the_int_it_hashes_like():
    assert hash(values.NONE) == hash(-314159)
    assert values.separated_hash((values.NONE,)) != values.separated_hash((-314159,))
