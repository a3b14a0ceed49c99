"""`capcheck history FILE --report FILE.html` (render/timeline.py): the timeline's HTML and
SVG structure read back with a parser (a section per part, a row per process, a bar per
operation, the longest linearizable prefix in order with the states around each operation,
the explanation's core), offline and deterministic; and `--explain --render FILE.svg`."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

from support import REPO_ROOT

EXAMPLES = REPO_ROOT / "docs" / "examples"
NS = "{http://www.w3.org/2000/svg}"


class _Page(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _report(run_cli, tmp_path, name: str, *extra: str) -> tuple[int, str, list[ET.Element]]:
    out = tmp_path / "h.html"
    code, _, err = run_cli(["history", str(EXAMPLES / name), "--report", str(out), *extra])
    assert f"report: {out}" in err
    text = out.read_text(encoding="utf-8")
    return code, text, [ET.fromstring(svg) for svg in re.findall(r"<svg .*?</svg>", text, re.S)]


def _ops(svg: ET.Element) -> list[ET.Element]:
    return [g for g in svg.iter(f"{NS}g") if "op" in g.get("class", "").split()]


def _title(g: ET.Element) -> str:
    return g.find(f"{NS}title").text


def test_a_stale_read_timeline(run_cli, tmp_path) -> None:
    code, text, svgs = _report(run_cli, tmp_path, "stale_read.edn")
    assert code == 1 and len(svgs) == 1
    svg = svgs[0]
    rows = [t.text for t in svg.findall(f"{NS}text") if (t.text or "").startswith("process ")]
    assert rows == ["process 0", "process 1", "process 2"]
    bars = _ops(svg)
    assert len(bars) == 4
    by_title = {_title(g).split("\n")[0]: g for g in bars}
    first = _title(by_title["process 0: write(1) -> ok"])
    assert "linearized 1 of 2" in first and "state before: nil" in first and "state after: 1" in first
    second = _title(by_title["process 1: write(2) -> ok"])
    assert "linearized 2 of 2" in second and "state before: 1" in second and "state after: 2" in second
    stuck = _title(by_title["process 0: read() -> 1"])
    assert "cannot be placed after the longest linearizable prefix" in stuck and "state there: 2" in stuck
    assert by_title["process 0: read() -> 1"].find(f"{NS}rect").get("fill") == "#c0392b"
    assert by_title["process 2: cas(1, 3) -> ? (info)"].find(f"{NS}rect").get("stroke-dasharray") == "4,3"
    assert len(svg.findall(f".//{NS}g[@class='linearization']/{NS}circle")) == 2
    axis = [t.text for t in svg.findall(f".//{NS}g[@class='axis']/{NS}text")]
    assert axis[0] == "time" and axis[1:] == ["0", "1", "2", "3", "4", "5", "6"]
    # the panels under the picture say the same, one per operation
    assert text.count('<pre class="op"') == 4 and "state after: 2" in text
    assert not [g for g in bars if "core" in g.get("class")]         # no --explain, no core


def test_explain_outlines_the_core(run_cli, tmp_path) -> None:
    code, _, svgs = _report(run_cli, tmp_path, "stale_read.edn", "--explain")
    core = [g for g in _ops(svgs[0]) if "core" in g.get("class").split()]
    assert code == 1 and len(core) == 3
    outlines = sorted(g.find(f"{NS}rect").get("stroke") for g in core)
    assert outlines == ["#c0392b", "#e67e22", "#e67e22"]              # the read answered last in red


def test_a_key_value_history_has_a_section_per_key(run_cli, tmp_path) -> None:
    code, text, svgs = _report(run_cli, tmp_path, "kv.json")
    sections = [a for t, a in _Page(text).tags if t == "section"]
    assert code == 1 and len(sections) == len(svgs) >= 2
    assert re.search(r"<h2>key &quot;x&quot;: not linearizable</h2>", text)


def test_a_linearizable_history_draws_its_whole_linearization(run_cli, tmp_path) -> None:
    code, _, svgs = _report(run_cli, tmp_path, "etcd.log")
    bars = _ops(svgs[0])
    assert code == 0 and len(bars) == 6
    assert all("linearized" in _title(g) for g in bars)
    assert len(svgs[0].findall(f".//{NS}circle")) == 6


def test_the_page_is_offline_and_deterministic(run_cli, tmp_path) -> None:
    _, text, _ = _report(run_cli, tmp_path, "stale_read.edn", "--explain")
    _, again, _ = _report(run_cli, tmp_path, "stale_read.edn", "--explain")
    assert text == again
    tags = _Page(text).tags
    assert not [a for _, a in tags if "src" in a or "href" in a]
    assert "http" not in text.replace("http://www.w3.org/2000/svg", "")


def test_an_unwritable_report_is_a_usage_error(run_cli, tmp_path) -> None:
    (tmp_path / "file").write_text("")
    code, _, err = run_cli(["history", str(EXAMPLES / "stale_read.edn"), "--report",
                            str(tmp_path / "file" / "h.html")])
    assert code == 2 and "--report" in err and "Traceback" not in err


def test_explain_render_svg_is_the_timeline_of_the_explained_part(run_cli, tmp_path) -> None:
    out = tmp_path / "core.svg"
    code, _, _ = run_cli(["history", str(EXAMPLES / "stale_read.edn"), "--explain", "--render", str(out)])
    svg = ET.fromstring(out.read_text(encoding="utf-8").split("\n", 1)[1])
    assert code == 1 and len([g for g in _ops(svg) if "core" in g.get("class").split()]) == 3
