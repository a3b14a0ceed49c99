"""The sequence diagram capcheck draws itself (render/sequence_svg.py, render/svg.py): its
structure read back with xml.etree (lanes, arrows, the violation and what it contradicts),
the grid's promise that no label sits on a lane or a box and no box reaches another lane,
escaping, determinism, and the HTML report on a machine with no Graphviz."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from functools import cache

import pytest

from checker.explore import SearchOptions, search
from checker.pipeline import compile_spec
from checker.render import sequence as seq
from checker.render.sequence_svg import sequence_svg
from checker.render.svg import Svg, text_width
from checker.traces.traffic import traffic

from support import REPO_ROOT

NS = "{http://www.w3.org/2000/svg}"


@cache
def _drawn(spec: str, name: str) -> tuple[ET.Element, dict, object]:
    _, model = compile_spec(str(REPO_ROOT / "specs" / f"{spec}.cap"), {}, "check")
    prop = next(p for p in search(model, SearchOptions(max_states=100_000)).properties if p.name == name)
    flow = traffic(model, prop.trace.path)
    return ET.fromstring(sequence_svg(prop.trace, flow, prop, f"{spec}: {name}").split("\n", 1)[1]), flow, prop


def _groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{NS}g") if cls in g.get("class", "").split()]


def _title(g: ET.Element) -> str | None:
    t = g.find(f"{NS}title")
    return None if t is None else t.text


def test_lanes_are_the_nodes_then_the_clients() -> None:
    root, flow, _ = _drawn("async_primary_backup", "linearizable")
    lanes = _groups(root, "lane")
    names = [lane.find(f"{NS}text").text for lane in lanes]
    assert names == ["replica[0]", "replica[1]", "client[0]", "client[1]"] == flow["nodes"] + flow["clients"]
    # replica[0] crashes at step 3: its line is dotted from there on
    dotted = [line.get("stroke-dasharray") for line in lanes[0].iter(f"{NS}line")]
    assert dotted[:4] == [None] * 4 and all(d == "2,3" for d in dotted[4:])


def test_one_arrow_per_delivery_loss_flight_and_reply() -> None:
    root, flow, prop = _drawn("async_primary_backup", "linearizable")
    messages = _groups(root, "message")
    replies = _groups(root, "reply")
    expected = sum(len(m["delivered"]) + (m["fate"] != "delivered") for m in flow["messages"])
    assert len(messages) == expected == 3
    assert len(replies) == sum(len(s.action.get("replies", ())) for s in prop.trace.steps) == 2
    in_flight = [g for g in messages if g.find(f"{NS}circle") is not None]
    assert len(in_flight) == 1 and in_flight[0].find(f"{NS}line").get("stroke") == seq.GREY


def test_the_violation_its_reply_and_the_operation_it_contradicts() -> None:
    root, _, prop = _drawn("async_primary_backup", "linearizable")
    last = len(prop.trace.steps) - 1
    bad = _groups(root, "violation")
    assert [_title(g) for g in bad] == [f"l1_{last}"]                  # replica[1]'s box at the last step
    assert bad[0].find(f"{NS}rect").get("stroke") == seq.RED
    assert root.find(f"{NS}rect[@class='violation']") is not None     # the row's band
    colours = {g.find(f"{NS}line").get("stroke") for g in _groups(root, "reply")}
    assert colours == {seq.RED, seq.AMBER}                            # read -> 0 red, write(1) -> ok amber
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "reply #1: ok (contradicted)" in texts and "reply #2: 0" in texts and "VIOLATION" in texts
    assert len(_groups(root, "contradicts")) == 1


def test_a_reply_nobody_contradicts_is_blue() -> None:
    root, _, _ = _drawn("chain_replication_any_reads", "monotonic_reads")
    colours = sorted(g.find(f"{NS}line").get("stroke") for g in _groups(root, "reply"))
    assert colours == sorted([seq.RED, seq.AMBER, seq.BLUE]), colours


def _lane_xs(root: ET.Element) -> list[float]:
    return [float(lane.find(f"{NS}line").get("x1")) for lane in _groups(root, "lane")]


def _text_box(t: ET.Element) -> tuple[float, float]:
    x, w = float(t.get("x")), text_width(t.text or "", float(t.get("font-size")))
    return {"start": (x, x + w), "end": (x - w, x), "middle": (x - w / 2, x + w / 2)}[t.get("text-anchor")]


@pytest.mark.parametrize("spec,name", [("async_primary_backup", "linearizable"), ("abd_register", "available"),
                                       ("two_phase_broken", "rm_follows_tm"),
                                       ("chain_replication_any_reads", "linearizable")])
def test_no_label_on_a_lane_and_no_box_across_one(spec: str, name: str) -> None:
    root, _, _ = _drawn(spec, name)
    xs = _lane_xs(root)
    for t in root.iter(f"{NS}text"):
        if t.get("class") == "label":
            left, right = _text_box(t)
            assert not any(left < x < right for x in xs), (t.text, left, right, xs)
    for g in _groups(root, "node"):
        rect = g.find(f"{NS}rect")
        if rect is None:
            continue
        left, right = float(rect.get("x")), float(rect.get("x")) + float(rect.get("width"))
        inside = [x for x in xs if left < x < right]
        assert len(inside) == 1, (_title(g), left, right, xs)          # its own lane, and no other
        for t in g.iter(f"{NS}text"):
            a, b = _text_box(t)
            assert left <= a and b <= right, (t.text, a, b, left, right)


def test_labels_do_not_overlap_each_other() -> None:
    for spec, name in [("abd_register", "available"), ("two_phase_broken", "rm_follows_tm")]:
        root, _, _ = _drawn(spec, name)
        boxes = []
        for t in root.iter(f"{NS}text"):
            if t.get("class") == "label":
                left, right = _text_box(t)
                y = float(t.get("y"))
                boxes.append((left, y - 10, right, y + 2))
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)


def test_any_text_gives_a_well_formed_document() -> None:
    svg = Svg(10, 10)
    weird = "a<b>&\"'\x00\x08\x1f\ufffe]]><!-- é 漢 \U0001f600"
    svg.text(1, 1, weird, class_=weird)
    svg.open("g", title=weird)
    svg.close()
    root = ET.fromstring(svg.write().split("\n", 1)[1])
    text = root.find(f"{NS}text")
    assert text.text == text.get("class") == "a<b>&\"'\\x00\\x08\\x1f\\ufffe]]><!-- é 漢 \U0001f600"


def test_the_svg_is_the_same_under_any_hash_seed(tmp_path) -> None:
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"{seed}.svg"
        subprocess.run([sys.executable, "-m", "checker", "check", "specs/two_phase_broken.cap", "--render",
                        str(tmp_path / seed)], cwd=REPO_ROOT, env={**os.environ, "PYTHONHASHSEED": seed},
                       capture_output=True, check=False)
        outs.append((tmp_path / seed / "consistent.svg").read_bytes())
        assert out.parent.exists()
    assert outs[0] == outs[1]


def test_the_report_has_pictures_with_no_graphviz(run_cli, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    out = tmp_path / "r.html"
    code, _, err = run_cli(["check", str(REPO_ROOT / "specs" / "async_primary_backup.cap"), "--report", str(out)])
    assert code == 1 and "graphviz" not in err.lower()
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg ") == 2 and "digraph" not in page
    assert 'class="node violation"' in page and "contradicts" in page
