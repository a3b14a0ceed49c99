"""The history readers: the EDN reader, the JSON parser, the three formats, pairing of
invocations and responses, model choice and format detection."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.errors import SpecError
from checker.history import detect, read_history
from checker.history.edn import Char, EdnError, Keyword, Symbol, read_all, show
from checker.history.jsonfmt import JsonError, parse
from checker.history.located import LocatedMap
from checker.props.operations import OK, UNKNOWN

# ---------------------------------------------------------------- EDN


def values(text: str) -> list[object]:
    return [v for v, _, _ in read_all(text)]


def test_edn_scalars() -> None:
    assert values("nil true false 42 -7 +3 7N 1.5 -2e3 2.5M 1/3 \"s\" :read :ns/name sym a.b/c") == [
        None, True, False, 42, -7, 3, 7, 1.5, -2000.0, Decimal("2.5"), Fraction(1, 3), "s",
        Keyword("read"), Keyword("ns/name"), Symbol("sym"), Symbol("a.b/c")]


def test_edn_strings_with_escaped_quotes_and_braces_inside() -> None:
    text = r'{:error "timeout: {:node \"n1\", :msg [1 2)}", :value "a\\b\tc\u00e9"}'
    [m] = values(text)
    assert m[Keyword("error")] == 'timeout: {:node "n1", :msg [1 2)}'
    assert m[Keyword("value")] == "a\\b\tc\u00e9"


def test_edn_nested_structures() -> None:
    [v] = values('{:a [1 (2 3) #{4 5}], :b {:c {:d [[]]}}, [1 2] "vector key"}')
    assert v[Keyword("a")] == (1, (2, 3), frozenset({4, 5}))
    assert v[Keyword("b")] == {Keyword("c"): {Keyword("d"): ((),)}}
    assert v[(1, 2)] == "vector key"


def test_edn_comments_discard_commas_and_tags() -> None:
    text = ';; a history\n[1, 2 ; two\n #_ 3 #_{:x 1} 4 #inst "2017-05-28T12:00:00Z" #uuid "abc" #my.Rec{:a 1}]'
    assert values(text) == [(1, 2, 4, "2017-05-28T12:00:00Z", "abc", {Keyword("a"): 1})]


def test_edn_characters() -> None:
    assert values(r"\a \newline \space \u00e9 \}") == [Char("a"), Char("\n"), Char(" "), Char("é"), Char("}")]
    assert Char("a") != "a"


def test_edn_offsets_and_value_spans() -> None:
    text = '  {:f :read, :value "x y"}\n{:f :write}'
    (m, start, end), (m2, start2, _) = read_all(text)
    assert (start, end) == (2, 26) and start2 == 27
    assert isinstance(m, LocatedMap) and (m.start, m.end) == (2, 26)
    assert text[slice(*m.value_at(Keyword("value")))] == '"x y"'
    assert text[slice(*m.value_at(Keyword("f")))] == ":read"


@pytest.mark.parametrize("text, message, offset", [
    ('{:a "b}', "string is never closed", 4),
    ("{:a 1", "'{' is never closed", 0),
    ("[1 2)", "unexpected ')' (expected ']')", 4),
    ("(1 2]", "unexpected ']'", 4),
    ("}", "unexpected '}'", 0),
    ("{:a 1 :b}", "needs a value for every key", 6),
    ("{:a 1 :a 2}", "appears twice", 6),
    ("#{1 1}", "appears twice", 4),
    (r'"\x"', "unknown escape", 1),
    (r'"\u12"', "four hexadecimal digits", 1),
    ("#_", "discards nothing", 0),
    ("[#_]", "discards nothing", 1),
    ("#inst", "has no value", 0),
    ("#", "'#' must be followed", 0),
    ("1/0", "zero denominator", 0),
    ("1.2.3", "not a valid number", 0),
    ("::a", "not a valid keyword", 0),
    (":", "not a valid keyword", 0),
    ("[" * 150, "nested more than", 100),
])
def test_edn_errors_are_located(text: str, message: str, offset: int) -> None:
    with pytest.raises(EdnError) as info:
        read_all(text)
    assert message in info.value.message
    assert info.value.offset == offset


edn_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=8)
    | st.sampled_from(["read", "write", "timed-out", "a/b"]).map(Keyword),
    lambda children: st.lists(children, max_size=3).map(tuple)
    | st.dictionaries(st.integers(0, 5) | st.text(max_size=3), children, max_size=3),
    max_leaves=10)


@settings(max_examples=200)
@given(edn_values)
def test_edn_show_then_read_gives_the_value_back(value) -> None:
    assert values(show(value)) == [value]


@settings(max_examples=300)
@given(st.text(alphabet='{}[]()#_:;"\\ ,\nab1/.-+e', max_size=30))
def test_edn_reader_raises_only_edn_errors(text: str) -> None:
    try:
        read_all(text)
    except EdnError as err:
        assert 0 <= err.offset <= len(text)


# ---------------------------------------------------------------- JSON


def test_json_parser_values_and_spans() -> None:
    text = '{"a": [1, -2.5e1, "x\\"y", true, null], "b": {}}'
    value, start, end = parse(text)
    assert value == {"a": (1, -25.0, 'x"y', True, None), "b": {}}
    assert (start, end) == (0, len(text))
    assert text[slice(*value.value_at("a"))].startswith("[1,")


@pytest.mark.parametrize("text, message", [
    ('{"a": 1,}', "expected a field name"),
    ('{"a" 1}', "expected ':'"),
    ('[1 2]', "expected ',' or ']'"),
    ("{'a': 1}", "double quotes"),
    ('{"a": 01}', "is not JSON"),
    ('{"a": tru}', "is not JSON"),
    ('{"a": 1, "a": 2}', "appears twice"),
    ('{"a": "\\q"}', "invalid escape"),
    ('{"a": 1} x', "is not JSON"),
    ('{"a": 1} 2', "unexpected text after"),
    ('[', "ends where a value is expected"),
])
def test_json_errors(text: str, message: str) -> None:
    with pytest.raises(JsonError) as info:
        parse(text)
    assert message in info.value.message


# ---------------------------------------------------------------- formats and semantics


def read(text: str, fmt: str = "auto", model: str | None = None, path: str = "h"):
    return read_history(path, text.encode("utf-8"), fmt, model)


ETCD = """\
INFO  jepsen.util - 0	:invoke	:write	1
INFO  jepsen.util - 1	:invoke	:cas	[1 2]
INFO  jepsen.util - 0	:ok	:write	1
INFO  jepsen.util - 2   :invoke   :read   nil
INFO  jepsen.util - 1	:fail	:cas	[1 2]
INFO  jepsen.util - 2	:fail	:read	:timed-out
INFO  jepsen.util - 3	:invoke	:write	4
INFO  jepsen.util - 3	:info	:write	:timed-out
INFO  jepsen.util - 4	:invoke	:read	nil
INFO  jepsen.util - 4	:ok	:read	nil
INFO  jepsen.util - 5	:invoke	:cas	[4 0]
"""


def test_porcupine_etcd_semantics() -> None:
    h = read(ETCD)
    assert h.format == "porcupine-etcd" and h.model.name == "cas-register" and h.spec.initial() is None
    got = [(o.process, o.op, o.args, o.result, o.call, o.ret) for o in h.operations]
    assert got == [
        (0, "write", (1,), OK, 0, 2),
        (1, "cas", (1, 2), False, 1, 4),          # a failed compare: it happened, returned false
        (3, "write", (4,), UNKNOWN, 6, None),     # :info: indeterminate
        (4, "read", (), None, 8, 9),              # nil: the key does not exist
        (5, "cas", (4, 0), UNKNOWN, 10, None),    # still open at the end: indeterminate
    ]                                             # the failed read did not happen: dropped
    assert [(o.call_at.line, o.ret_at.line if o.ret_at else None) for o in h.operations] == [
        (1, 3), (2, 5), (7, 8), (9, 10), (11, None)]


def test_jepsen_edn_semantics() -> None:
    text = """\
{:type :invoke, :f :write, :value 1, :process 0, :time 1}
{:type :invoke, :f :start, :value nil, :process :nemesis}
{:type :invoke, :f :cas, :value [1 2], :process 1}
{:type :ok, :f :write, :value 1, :process 0}
{:type :fail, :f :cas, :value [1 2], :process 1, :error "compare failed: {:expected 1}"}
{:type :info, :f :start, :value "partitioned", :process :nemesis}
{:type :invoke, :f :read, :value nil, :process 2}
{:type :info, :f :read, :value nil, :process 2}
{:type :invoke, :f "read", :process 3}
{:type :ok, :f :read, :value 1, :process 3}
"""
    h = read(text)
    assert h.format == "edn" and h.model.name == "cas-register"
    got = [(o.process, o.op, o.args, o.result, o.ret is None) for o in h.operations]
    assert got == [(0, "write", (1,), OK, False), (2, "read", (), UNKNOWN, True), (3, "read", (), 1, False)]


def test_edn_history_in_a_vector_and_keyword_processes() -> None:
    h = read('[{:type :invoke :f :write :value :a :process :c1} {:type :ok :f :write :value :a :process :c1}]')
    assert [(o.process, o.args) for o in h.operations] == [(Keyword("c1"), (Keyword("a"),))]
    assert h.model.name == "register"


def test_porcupine_kv_and_model_inference() -> None:
    text = '{:process 1, :type :invoke, :f :append, :key "3", :value "x 1 0 y"}\n' \
           '{:process 1, :type :ok, :f :append, :key "3", :value "x 1 0 y"}\n' \
           '{:process 2, :type :invoke, :f :get, :key "3", :value nil}\n' \
           '{:process 2, :type :ok, :f :get, :key "3", :value "x 1 0 y"}\n'
    for fmt in ("auto", "edn", "porcupine-kv"):
        h = read(text, fmt)
        assert h.model.name == "kv" and h.spec.initial() == ()
        assert [(o.op, o.args, o.result) for o in h.operations] == [
            ("append", ("3", "x 1 0 y"), OK), ("get", ("3",), "x 1 0 y")]


def test_json_format() -> None:
    text = """{
  "model": "cas-register",
  "initial": 0,
  "operations": [
    {"process": 0, "type": "invoke", "f": "cas", "value": [0, 1], "time": 5},
    {"process": "b", "type": "invoke", "f": "read"},
    {"process": 0, "type": "ok", "f": "cas", "value": [0, 1]},
    {"process": "b", "type": "ok", "f": "read", "value": 1}
  ]
}"""
    h = read(text)
    assert h.format == "json" and h.model.name == "cas-register" and h.spec.initial() == 0
    assert [(o.process, o.op, o.args, o.result, o.call_at.line) for o in h.operations] == [
        (0, "cas", (0, 1), True, 5), ("b", "read", (), 1, 6)]


def test_model_option_overrides_the_format() -> None:
    text = '{"model": "kv", "operations": [{"process": 0, "type": "invoke", "f": "write", "value": 1}]}'
    assert read(text, model="register").model.name == "register"


def test_empty_files() -> None:
    h = read("\n  \n")
    assert h.format == "empty" and h.operations == () and h.model is None
    assert read('{"operations": []}').operations == ()


@pytest.mark.parametrize("text, fmt", [
    ("INFO  jepsen.util - 0 :invoke :read nil\n", "porcupine-etcd"),
    ("  \n\tINFO jepsen.util - 0 :invoke :read nil\n", "porcupine-etcd"),
    ('{"operations": []}', "json"),
    ('  {\n "model": "kv"}', "json"),
    ('[{"process": 0}]', "json"),
    ("{:type :invoke}", "edn"),
    ("[{:type :invoke}]", "edn"),
    (";; comment\n{:a 1}", "edn"),
    ("#jepsen.history.Op{:type :invoke}", "edn"),
    ("", "empty"),
])
def test_detect(text: str, fmt: str) -> None:
    assert detect("h", text) == fmt


@pytest.mark.parametrize("text, fmt, message", [
    ("INFO  jepsen.util - x :invoke :read nil\n", "auto", "expected a process number"),
    ("INFO  jepsen.util - 0 :invoke read nil\n", "auto", "expected an operation such as :read"),
    ("INFO  jepsen.util - 0 :invoke\n", "auto", "ends before the operation"),
    ("INFO  jepsen.util - 0 :invoke :read nil nil\n", "auto", "unexpected text after the value"),
    ("INFO  jepsen.util - 0 :invoke :write 1\nINFO  jepsen.util - 0 :ok :write 2\n", "auto",
     "differs from the invocation's 1"),
    ('{:type :invoke, :f :read, :process 0, :key "k"}', "auto", "(read, with keys); choose one with --model"),
    ('{:type :invoke, :f :read, :process 0, :key "k"}', "edn", "(read, with keys); choose one with --model"),
    ('{:type :invoke, :f :put, :process 0, :key "k", :value 3}', "auto", "values are strings; got 3"),
    ('{:type :invoke, :f :get, :process 0, :key 1}', "auto", "keys are strings"),
    ('{:type :invoke, :f :read, :process 0} {:type :invoke, :f :get, :process 1}', "auto", "choose one with --model"),
    ('{:type :invoke, :f :read, :process 0.5}', "auto", "a process is a number or a keyword"),
    ('{:type :invoke, :f :read, :process true}', "auto", "a process is a number or a keyword"),
    ('{:type :call, :f :read, :process 0}', "auto", "expected :invoke, :ok, :fail or :info"),
    ('{:type :invoke, :f 3, :process 0}', "auto", "operation name"),
    ('[1 2]', "auto", "something else than maps"),
    ('{"model": "kv", "initial": 0, "operations": []}', "auto", "values are strings; got 0"),
    ('{"model": 3, "operations": []}', "auto", '"model" is a model name'),
    ('{"operation": []}', "auto", "did you mean 'operations'"),
    ('{"model": "register"}', "auto", 'has no "operations"'),
    ('{"operations": {}}', "auto", "is an array of events"),
    ('{"operations": [1]}', "auto", "is an object such as"),
    ('{"operations": [{"process": 0, "type": "invoke"}]}', "auto", 'has no "f"'),
    ('{"operations": [{"process": [0], "type": "invoke", "f": "read"}]}', "auto", "number or a string"),
    ("[1, 2]", "json", "a JSON history is an object"),
    ('{"type": "invoke", "f": "read", "process": 0, "key": "k"}', "json", 'unknown field "type"'),
    ('{"model": "register", "operations": [{"process": 0, "type": "invoke", "f": "read", "key": "k"}]}',
     "json", "the register model has no keys"),
    ("{:type :invoke}", "json", "expected a field name in double quotes"),
    ('{"operations": []}', "edn", "':' is not a valid keyword"),
    ('{"operations": []}', "porcupine-etcd", "expected a Jepsen log line"),
])
def test_bad_histories(text: str, fmt: str, message: str) -> None:
    with pytest.raises(SpecError) as info:
        read(text, fmt)
    assert message in info.value.diagnostics[0].message
    assert info.value.diagnostics[0].span is not None


@settings(max_examples=300)
@given(st.text(alphabet='{}[]"\\:, \n0123abfiklnoprstuvxyINFOjepsen.util-:invokeread', max_size=60),
       st.sampled_from(["auto", "edn", "json", "porcupine-etcd", "porcupine-kv"]))
def test_readers_raise_only_located_errors(text: str, fmt: str) -> None:
    try:
        read(text, fmt)
    except SpecError as err:
        assert err.render().startswith("h")


@pytest.mark.parametrize("text", ["[" + " ," * 40 + "#", ";" * 60 + "\n#", ";" * 40 + " \n" * 40 + "\\"])
def test_edn_errors_after_long_blank_runs_are_quick(text: str) -> None:
    """Whitespace and comments are skipped without backtracking (an exponential regex once)."""
    with pytest.raises(EdnError):
        read_all(text)


def test_set_and_log_models() -> None:
    h = read('{:type :invoke, :f :add, :value 1, :process 0}\n{:type :ok, :f :add, :value 1, :process 0}\n'
             '{:type :invoke, :f :read, :process 1}\n{:type :ok, :f :read, :value [1], :process 1}\n')
    assert h.model.name == "set" and [o.result for o in h.operations] == [OK, frozenset({1})]
    h = read('{"model": "log", "initial": ["a"], "operations": [{"process": 0, "type": "invoke", "f": "read"},'
             ' {"process": 0, "type": "ok", "f": "read", "value": ["a"]}]}')
    assert h.model.name == "log" and h.spec.initial() == ("a",) and h.operations[0].result == ("a",)


@pytest.mark.parametrize("text, message", [
    ('{:type :invoke, :f :add, :value 1, :process 0} {:type :invoke, :f :read, :process 1}'
     '{:type :ok, :f :read, :value [1 1], :process 1}', "has the element 1 twice"),
    ('{:type :invoke, :f :add, :value 1, :process 0} {:type :invoke, :f :read, :process 1}'
     '{:type :ok, :f :read, :value 1, :process 1}', "a read of a set returns its elements"),
    ('{:type :invoke, :f :append, :value 1, :process 0} {:type :invoke, :f :read, :process 1}'
     '{:type :ok, :f :read, :value #{1}, :process 1}', "in order"),
])
def test_bad_collection_reads(text: str, message: str) -> None:
    with pytest.raises(SpecError) as info:
        read(text)
    assert message in info.value.diagnostics[0].message


def test_deletes_in_edn_and_json_histories() -> None:
    edn = """\
{:type :invoke, :f :write, :value 1, :process 0}
{:type :ok, :f :write, :value 1, :process 0}
{:type :invoke, :f :delete, :value nil, :process 0}
{:type :ok, :f :delete, :value nil, :process 0}
{:type :invoke, :f :read, :value nil, :process 1}
{:type :ok, :f :read, :value nil, :process 1}
"""
    h = read(edn)
    assert h.model.name == "register"
    assert [(o.op, o.args, o.result) for o in h.operations] == [
        ("write", (1,), OK), ("delete", (), OK), ("read", (), None)]
    kv = """{"model": "kv", "operations": [
    {"process": 0, "type": "invoke", "f": "delete", "key": "k"},
    {"process": 0, "type": "ok", "f": "delete", "key": "k"},
    {"process": 1, "type": "invoke", "f": "get", "key": "k"},
    {"process": 1, "type": "ok", "f": "get", "key": "k", "value": null}
]}"""
    h = read(kv)
    assert [(o.op, o.args, o.result) for o in h.operations] == [("delete", ("k",), OK), ("get", ("k",), None)]
    assert h.spec.step(h.spec.initial(), "delete", ("k",))[1] == (("k", None),)
