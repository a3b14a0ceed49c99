"""The HTML report (checker/render/html.py, `check --report`, `cap --report`): one offline
file with the verdict table, the diagrams inline and a step explorer; text from specs is
escaped and the inlined SVG is checked, so no spec can put markup or script in the page."""

from __future__ import annotations

import dataclasses
import functools
import textwrap
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.pipeline import compile_spec
from checker.render.sequence_svg import sequence_svg
from checker.traces.traffic import traffic
from checker.explore import SearchOptions, search
from checker.render import html as html_report
from checker.result import Step, Trace

from support import SPECS, examples


# What the page may contain: its own skeleton, tables, lists, the step buttons, and the
# drawing elements of the SVG render/svg.py writes.
ALLOWED = {"html", "head", "meta", "title", "style", "body", "script", "h1", "h2", "h3", "h4", "p", "table",
           "caption", "thead", "tbody", "tr", "th", "td", "a", "section", "div", "ol", "ul", "li", "button",
           "span", "code", "b", "br", "details", "summary", "pre", *html_report._SVG_TAGS}


class Page(HTMLParser):
    """Every element and attribute of a page, and its text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def count(self, tag: str, **attrs) -> int:
        return sum(t == tag and all(a.get(k) == v for k, v in attrs.items()) for t, a in self.tags)


def assert_safe(page: Page) -> None:
    assert {t for t, _ in page.tags} <= ALLOWED, {t for t, _ in page.tags} - ALLOWED
    assert page.count("script") == 1 and all(a == {} for t, a in page.tags if t == "script")
    for tag, attrs in page.tags:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        assert all(v is None or not v.strip().lower().startswith("javascript:") for v in attrs.values())
        if tag == "a":
            assert set(attrs) == {"href"} and attrs["href"].startswith("#cx-")


def _report(run_cli, tmp_path, command: str, spec: str, *extra: str) -> tuple[int, str, str]:
    out = tmp_path / "report.html"
    code, _, err = run_cli([command, str(SPECS / spec), "--report", str(out), *extra])
    return code, out.read_text(encoding="utf-8"), err


def test_check_report_has_the_verdicts_the_diagrams_and_every_step(run_cli, tmp_path):
    code, text, err = _report(run_cli, tmp_path, "check", "async_primary_backup.cap")
    assert code == 1 and "report: " in err
    page = Page(text)
    assert_safe(page)
    words = "".join(page.text)
    assert "check linearizable" in words and "violated" in words and "holds" in words
    assert page.count("a", href="#cx-1") == 1 and page.count("a", href="#cx-2") == 1
    assert page.count("section") == 2 and page.count("svg") == 2
    # linearizable and durable: 7 steps each (the initial state and 6), a button and a state panel each
    assert page.count("button") == 14 and page.count("div", **{"class": "state", "data-step": "6"}) == 2
    assert "it contradicts client[0]#1 write(1) -> ok, answered at step 2" in words
    assert "sync(1) from replica[0] to replica[1]" in words          # in flight at the end
    assert "client[0]: #1 write(1) -> ok; #2 read() -> 0" in words     # the history so far
    assert "http" not in text.replace("http://www.w3.org", "")         # nothing to fetch


def test_a_report_of_a_spec_that_holds_has_no_counterexamples(run_cli, tmp_path):
    code, text, _ = _report(run_cli, tmp_path, "check", "two_phase.cap")
    assert code == 0
    page = Page(text)
    assert page.count("section") == 0 and "result: holds" in "".join(page.text)


def test_cap_report(run_cli, tmp_path):
    code, text, _ = _report(run_cli, tmp_path, "cap", "sync_primary_backup.cap")
    assert code == 0
    page = Page(text)
    assert_safe(page)
    words = "".join(page.text)
    assert "classification: CP" in words and "latency (message delays)" in words
    assert page.count("section") == 1 and "check available" in words


def test_the_report_is_deterministic(run_cli, tmp_path):
    first = _report(run_cli, tmp_path, "check", "two_phase_broken.cap")[1]
    assert _report(run_cli, tmp_path, "check", "two_phase_broken.cap")[1] == first


def test_an_unwritable_report_is_a_usage_error(run_cli, tmp_path):
    (tmp_path / "afile").write_text("")      # a missing directory is created; a file in the way is the error
    code, _, err = run_cli(["check", str(SPECS / "two_phase.cap"), "--report",
                            str(tmp_path / "afile" / "r.html")])
    assert code == 2 and "--report: cannot create the directory" in err


HOSTILE = """\
protocol refusing:
    "Refuses every write with a message full of markup."
    object register(values = {1}, initial = 0)
    clients 1, ops 1

    node server:
        var refused: bool = false

        request write(v):
            refused = true
            reply error "MARKUP"

        request read():
            reply 0

    invariant never_refused: not server.refused
"""


def test_markup_in_a_spec_and_its_file_name_is_text_in_the_report(run_cli, tmp_path):
    markup = "</script><script>alert(1)</script><img src=x onerror=alert(2)> &amp; {x}"
    spec = tmp_path / "<b onmouseover=alert(3)>.cap"
    spec.write_text(HOSTILE.replace("MARKUP", markup), encoding="utf-8")
    out = tmp_path / "r.html"
    code, _, err = run_cli(["check", str(spec), "--report", str(out)])
    assert code == 1, err
    page = Page(out.read_text(encoding="utf-8"))
    assert_safe(page)
    words = "".join(page.text)
    assert markup in words and "<b onmouseover=alert(3)>.cap" in words


@functools.cache
def _trace() -> tuple:
    _, model = compile_spec(str(SPECS / "async_primary_backup.cap"), {}, "check")
    result = search(model, SearchOptions())
    prop = next(p for p in result.properties if p.name == "linearizable")
    return model, prop


def _poisoned(trace: Trace, label: str) -> Trace:
    """`trace` with `label` in every text a renderer shows: actions, changes, rows, replies
    and messages in flight."""
    steps = []
    for step in trace.steps:
        action = dict(step.action, action=step.action["action"] + label)
        if "replies" in action:
            action["replies"] = [dict(r, result=r["result"] + label) for r in action["replies"]]
        state = dict(step.state, network=[m + label for m in step.state.get("network", [])])
        steps.append(Step(step.index, action, tuple(c + label for c in step.changes), state,
                          tuple((n, v + label) for n, v in step.rows)))
    return Trace(tuple(steps))


labels = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30) | st.sampled_from(
    ["</script>", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "&amp;&lt;", '"\'>',
     "]]>", "<!--", "<svg onload=alert(1)>", "\u00e9t\u00e9 \u2192 \u6f22", "javascript:alert(1)"])


@examples(full=25, fast=6)
def test_any_text_renders_safely(examples):
    @settings(max_examples=examples, deadline=None)
    @given(label=labels)
    def run_examples(label):
        model, prop = _trace()
        trace = _poisoned(prop.trace, label)
        poisoned = dataclasses.replace(prop, trace=trace)
        svg = sequence_svg(trace, traffic(model, prop.trace.path), poisoned, "title " + label)
        cx = html_report.Counterexample("cx-1", "heading " + label, ("words " + label,), trace,
                                        poisoned, "replay " + label, svg)
        table = html_report.Table(("property " + label, "verdict"), ((label, "violated"), ((label, "cx-1"), "x")))
        text = html_report.page("title " + label, ("summary " + label,), (("caption " + label, table),),
                                ("note " + label,), (cx,))
        page = Page(text)
        assert_safe(page)
        words = "".join(page.text)
        assert ("heading " + label) in words

    run_examples()


def test_unexpected_svg_content_is_refused():
    with pytest.raises(ValueError):
        html_report.safe_svg('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    with pytest.raises(ValueError):
        html_report.safe_svg('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>')
    with pytest.raises(ValueError):
        html_report.safe_svg('<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>')
    assert html_report.safe_svg(textwrap.dedent('''\
        <?xml version="1.0"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="1"><!-- c --><g id="a"><title>x</title></g></svg>
        ''')).startswith("<svg")
