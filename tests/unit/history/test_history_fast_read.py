"""The fast readers of etcd logs and of EDN histories of flat maps (one pattern over the
whole text) against the readers they stand in front of (line by line; the EDN reader):
on any text, the same events with the same field offsets, or the same located error.
Lines are drawn from pieces that are right and pieces that are subtly wrong."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from checker.errors import SpecError
from checker.history import jepsen, porcupine
from checker.history.events import Reading

FIELDS = ("process", "type", "f", "value", "key")

sep = st.sampled_from([" ", "  ", "\t", " \t"])
etcd_line = st.builds(
    lambda lead, s1, s2, s3, process, s4, kind, s5, f, s6, value, tail: (
        f"{lead}INFO{s1}jepsen.util{s2}-{s3}{process}{s4}{kind}{s5}{f}{s6}{value}{tail}"),
    st.sampled_from(["", " ", "\t"]), sep, sep, sep,
    st.sampled_from(["0", "3", "12", "007", "\u0663", "9" * 19, "-1"]), sep,
    st.sampled_from([":invoke", ":ok", ":fail", ":info", ":bad", "ok"]), sep,
    st.sampled_from([":read", ":write", ":cas", ":frob", "read"]), sep,
    st.sampled_from(["nil", "3", "-0", "007", "[1 4]", "[1  4]", "[-1 0]", ":timed-out", '"x"', "[1", "1 2",
                     "0N", "+5", "9" * 19, "[1 2 3]"]),
    st.sampled_from(["", " ", "\r", "\t ", " ; c"]),
)
etcd_text = st.lists(st.one_of(etcd_line, etcd_line, etcd_line, st.sampled_from(["", "  ", "\x0c", "hello"])),
                     max_size=12).map("\n".join)

atom = st.sampled_from(["nil", "true", "1", "-3", "007", "1.5", '"a"', '"a:b"', '"x\\"y"', ":read", ":ok",
                        "[1 2]", "nil:x", ":nemesis", '""', "9" * 19])
pair = st.builds(lambda k, s, v: f"{k}{s}{v}",
                 st.sampled_from([":process", ":type", ":f", ":value", ":key", ":time", ":process"]),
                 st.sampled_from([" ", ", ", ","]), atom)
good_map = st.builds(lambda p, t, f, rest: "{" + ", ".join([p, t, f, *rest]) + "}",
                     st.sampled_from([":process 0", ":process 1", ":process :nemesis", ':process "c"']),
                     st.sampled_from([":type :invoke", ":type :ok", ":type :info", ":type :fail", ':type "ok"']),
                     st.sampled_from([":f :read", ":f :write", ':f "put"', ":f 3"]),
                     st.lists(pair, max_size=3))
any_map = st.one_of(good_map, good_map, st.lists(pair, max_size=5).map(lambda ps: "{" + " ".join(ps) + "}"))
edn_text = st.lists(st.one_of(any_map, any_map.map(lambda m: " " + m + " ,"),
                              st.sampled_from(["", "; note", "[{:process 0, :type :invoke, :f :read}]", "{"])),
                    max_size=10).map("\n".join)


def outcome(read, text: str):
    """The events and the offsets of their fields, or the error text."""
    try:
        events = read(Reading("h", text, "edn"))
    except SpecError as err:
        return err.render()
    return [(e, [e.field_at(name) for name in FIELDS]) for e in events]


@given(etcd_text)
def test_the_fast_etcd_reader_reads_what_the_line_reader_reads(text: str) -> None:
    assert outcome(porcupine.read_events, text) == outcome(porcupine._read_line_by_line, text)


@given(edn_text)
def test_the_fast_edn_reader_reads_what_the_edn_reader_reads(text: str) -> None:
    assert outcome(jepsen.read_events, text) == outcome(jepsen._read_forms, text)


@st.composite
def uniform_edn_text(draw) -> str:
    """Lines that mostly write the same keys in the same order (as real histories do), with
    values drawn per line, and now and then a line that differs."""
    keys = draw(st.permutations([":process", ":type", ":f", ":value", ":key"]).map(
        lambda ks: ks[:draw(st.integers(3, 5))]))
    def mostly(good, bad, odds: int = 8):
        """`good` (a strategy, or a list of texts) `odds` times out of odds + 1, else `bad`."""
        good, bad = (st.sampled_from(x) if isinstance(x, list) else x for x in (good, bad))
        return st.integers(0, odds).flatmap(lambda i: bad if i == 0 else good)

    values = {":process": mostly(["0", "1", ":nemesis", '"c"'], ["true", "nil", "1.5"]),
              ":type": mostly([":invoke", ":ok", ":info", ":fail"], [":bad", '"ok"']),
              ":f": mostly([":read", ":write", '"put"'], ["3", "nil"]),
              ":value": mostly(["nil", "1", "-3", '"a"', '"a:b"', ":ok", '""'], ["007", "1.5", "[1 2]", '"x\\"y"']),
              ":key": mostly(['"a"', '"b"', "1"], ["nil", "nil:x", "9" * 19])}
    line = st.builds(lambda vs, s: "{" + s.join(f"{k} {v}" for k, v in zip(keys, vs)) + "}",
                     st.tuples(*(values[k] for k in keys)), st.sampled_from([", ", " ", ","]))
    other = st.one_of(any_map, st.just(""), st.just(" ; note"))
    return "\n".join(draw(st.lists(mostly(line, other, 12), max_size=10)))


@given(uniform_edn_text())
def test_the_edn_reader_for_lines_alike_reads_what_the_edn_reader_reads(text: str) -> None:
    assert outcome(jepsen.read_events, text) == outcome(jepsen._read_forms, text)
    if jepsen._templated_events(Reading("h", text, "edn")) is not None:
        assert outcome(jepsen._templated_events, text) == outcome(jepsen._read_forms, text)


def test_the_fast_readers_take_real_lines() -> None:
    etcd = "INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4]\nINFO  jepsen.util - 3\t:fail\t:cas\t[1 4]\n"
    kv = '{:process 2, :type :invoke, :f :get, :key "0", :value nil}\n'
    assert all(isinstance(e.where, porcupine._LineFields) for e in porcupine.read_events(Reading("h", etcd, "edn")))
    assert all(isinstance(e.where, jepsen._MapFields) for e in jepsen.read_events(Reading("h", kv, "edn")))
    assert jepsen._templated_events(Reading("h", kv * 3, "edn")) is not None
