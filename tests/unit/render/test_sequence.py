"""Sequence diagrams: the DOT writer's escaping, the traffic of a run, golden DOT text for a
few counterexamples, the images `dot` makes, and `check --render` / `render` on the command
line (with and without Graphviz).

To regenerate the golden files after an intended change:
    CAPCHECK_UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/unit/render/test_sequence.py
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.traces.diagram import diagram
from checker.explore import SearchOptions, search
from checker.traces.traffic import traffic
from checker.render.dot import Graph, quote, write

from support import GOLDEN, REPO_ROOT, SPECS, UPDATE_GOLDEN, library_model

GOLDEN_DOT = GOLDEN / "dot"
HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's dot is not installed")

# (spec, property): an invariant, a linearizability check, a liveness lasso with a lost message
CASES = [("two_phase_broken", "consistent"), ("async_primary_backup", "linearizable"),
         ("best_effort_broadcast", "converges"), ("active_passive_fencing", "one_active")]


@functools.cache
def _searched(spec: str):
    model = library_model(spec)
    return model, search(model, SearchOptions())


def _counterexample(spec: str, name: str):
    model, result = _searched(spec)
    prop = next(p for p in result.properties if p.name == name)
    assert prop.trace is not None
    return model, prop


# ---------------------------------------------------------------- the DOT writer

_TOKEN = re.compile(r'\s+|->|[{}\[\];=,]|"(?:[^"\\\n]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*')


def tokens(text: str) -> list[str]:
    """A small DOT tokenizer: fails on anything but whitespace, `->`, punctuation, IDs and
    double-quoted strings whose backslashes each escape one character and that hold no raw
    newline; the strings must be ASCII (or characters past U+FFFF) without `<`, `>`, `{`, `}`
    or `&` other than entities."""
    out, k = [], 0
    while k < len(text):
        m = _TOKEN.match(text, k)
        assert m is not None, f"unexpected text at {k}: {text[k:k + 20]!r}"
        if not m.group().isspace():
            out.append(m.group())
        k = m.end()
    for t in out:
        if t.startswith('"'):
            assert all(ord(c) < 127 or ord(c) > 0xFFFF for c in t) and not set(t) & set("<>{}")
            assert re.fullmatch(r'"([^&]|&#[0-9]+;)*"', t), t
    return out


def unquote(token: str) -> str:
    """What Graphviz shows for a quoted label (the escapes `quote` writes, undone)."""
    body = token[1:-1]
    body = re.sub(r"&#([0-9]+);", lambda m: chr(int(m.group(1))), body)
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), body)


labels = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40) | st.sampled_from(
    ['"', "\\", "\\n", '\\"', "{}", "<b>x</b>", "a|b", "&amp;", "\u00e9t\u00e9 \u2192 \u6f22", "\n\r\t", "\\\\\""])


@given(labels)
def test_quote_round_trips_and_tokenizes(label: str) -> None:
    token = quote(label)
    assert tokens(token) == [token]
    assert unquote(token) == shown(label)


def shown(label: str) -> str:
    """What the picture shows of `label`: the control characters SVG cannot hold (the C0
    controls but tab, newline and carriage return; U+FFFE, U+FFFF) and DEL as visible
    escapes."""
    return "".join(f"\\x{ord(c):02x}" if (ord(c) < 32 and c not in "\t\n\r") or c == "\x7f" else
                   f"\\u{ord(c):04x}" if c in "\ufffe\uffff" else c for c in label)


def test_del_is_a_visible_escape_and_its_svg_is_utf8() -> None:
    """Graphviz 2.43 turns the entity &#127; into invalid UTF-8 in SVG, so DEL is escaped
    like the other controls (found by test_report's any-text test)."""
    assert quote("a\x7fb") == '"a\\\\x7fb"'
    if HAVE_DOT:
        g = Graph("t", {"label": "a\x7fb"})
        g.node("n", label="\x7f")
        run = subprocess.run(["dot", "-Tsvg"], input=write(g).encode("utf-8"), capture_output=True, timeout=60)
        assert run.returncode == 0 and "a\\x7fb" in run.stdout.decode("utf-8")


@given(st.lists(st.tuples(labels, labels), min_size=1, max_size=4))
@settings(max_examples=60 if HAVE_DOT else 100, deadline=None)
def test_any_labels_give_dot_that_parses(pairs: list[tuple[str, str]]) -> None:
    g = Graph("t", {"label": pairs[0][0]})
    for k, (a, b) in enumerate(pairs):
        g.node(f"n{k}", label=a, tooltip=b)
        g.edge(f"n{k}", f"n{(k + 1) % len(pairs)}", label=b)
    sub = g.subgraph(pairs[-1][1], rank="same")
    sub.node(pairs[-1][0], label=pairs[-1][1])
    text = write(g)
    tokens(text)
    if HAVE_DOT:
        run = subprocess.run(["dot", "-Tcanon"], input=text.encode("utf-8"), capture_output=True, timeout=60)
        assert run.returncode == 0, run.stderr.decode(errors="replace")


def test_attribute_names_are_checked() -> None:
    g = Graph()
    g.node("a", **{"bad name": "x"})
    with pytest.raises(ValueError):
        write(g)


# ---------------------------------------------------------------- traffic and diagrams


def test_traffic_connects_sends_and_deliveries() -> None:
    model, prop = _counterexample("best_effort_broadcast", "converges")
    flow = traffic(model, prop.trace.path)
    kinds = {(m["kind"], m["fate"]) for m in flow["messages"]}
    assert ("request", "delivered") in kinds and ("message", "lost") in kinds
    lost = next(m for m in flow["messages"] if m["fate"] == "lost")
    assert (lost["from"], lost["to"], lost["sent"], lost["lost"]) == ("replica[0]", "replica[1]", 2, 3)


@pytest.mark.parametrize("spec,name", CASES)
def test_golden_dot(spec: str, name: str) -> None:
    model, prop = _counterexample(spec, name)
    text = diagram(model, prop.trace, prop, f"specs/{spec}.cap: {name}")
    path = GOLDEN_DOT / f"{spec}.{name}.dot"
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="ascii")
    assert path.exists(), f"no {path.name}; run with CAPCHECK_UPDATE_GOLDEN=1 to create it"
    assert text == path.read_text(encoding="ascii")
    tokens(text)


def test_violating_step_and_caption() -> None:
    model, prop = _counterexample("async_primary_backup", "linearizable")
    text = diagram(model, prop.trace, prop, "")
    assert "no linearization explains client[" in text
    assert "VIOLATION" in text and "#f5b7b1" in text
    model, prop = _counterexample("active_passive_fencing", "available")
    text = diagram(model, prop.trace, prop, "")
    assert "waits at server[0]" in text and "dead end" in text


@needs_dot
def test_svg_from_dot() -> None:
    from checker.render.images import image
    model, prop = _counterexample("two_phase_broken", "consistent")
    svg = image(diagram(model, prop.trace, prop, "x"), "svg").decode()
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg and "VIOLATION" in svg


# ---------------------------------------------------------------- the command line


def test_check_render_writes_every_counterexample(run_cli, tmp_path) -> None:
    spec = str(SPECS / "two_phase_broken.cap")
    code, out, err = run_cli(["check", spec, "--render", str(tmp_path / "d")])
    assert code == 1
    names = sorted(os.listdir(tmp_path / "d"))
    want = ["consistent.dot", "consistent.svg", "rm_follows_tm.dot", "rm_follows_tm.svg"]
    if HAVE_DOT:
        want = sorted(want + ["consistent.png", "rm_follows_tm.png"])
    assert names == want
    assert "diagram of consistent" in err


def test_render_a_json_report(run_cli, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    report = tmp_path / "r.json"
    assert run_cli(["check", "specs/two_phase_broken.cap", "--json", str(report)])[0] == 1
    out = tmp_path / "x.dot"
    code, text, _ = run_cli(["render", str(report), "-o", str(out), "--property", "rm_follows_tm"])
    assert code == 0 and "invariant rm_follows_tm" in text
    assert "invariant rm_follows_tm is false" in out.read_text()
    code, _, err = run_cli(["render", "0.1", "-o", str(out)])
    assert code == 2 and "--spec" in err
    code, _, err = run_cli(["render", str(report), "-o", str(tmp_path / "x.txt")])
    assert code == 2 and ".dot, .svg or .png" in err
    data = json.loads(report.read_text())
    data["properties"][0]["path"] = "0.9.9"
    report.write_text(json.dumps(data))
    code, _, err = run_cli(["render", str(report), "-o", str(out)])
    assert code == 2 and "does not fit" in err


@needs_dot
@pytest.mark.parametrize("ext", ["svg", "png"])
def test_render_images(run_cli, tmp_path, monkeypatch, ext: str) -> None:
    monkeypatch.chdir(REPO_ROOT)
    report = tmp_path / "r.json"
    run_cli(["check", "specs/async_primary_backup.cap", "--json", str(report)])
    code, _, _ = run_cli(["render", str(report), "-o", str(tmp_path / f"x.{ext}")])
    assert code == 0
    head = (tmp_path / f"x.{ext}").read_bytes()[:8]
    assert head.startswith(b"\x89PNG") if ext == "png" else b"<?xml" in head


def test_without_dot_the_dot_and_svg_files_are_still_written(run_cli, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    report = tmp_path / "r.json"
    code, _, err = run_cli(["check", "specs/two_phase_broken.cap", "--render", str(tmp_path / "d"),
                            "--json", str(report)])
    assert code == 1 and "apt-get install graphviz" in err
    assert sorted(os.listdir(tmp_path / "d")) == ["consistent.dot", "consistent.svg", "rm_follows_tm.dot",
                                                  "rm_follows_tm.svg"]
    code, _, err = run_cli(["render", str(report), "-o", str(tmp_path / "y.svg")])
    assert code == 0 and err == "" and (tmp_path / "y.svg").read_text().startswith("<?xml")
    code, _, err = run_cli(["render", str(report), "-o", str(tmp_path / "z.png")])
    assert code == 0 and "apt-get install graphviz" in err
    assert (tmp_path / "z.svg").exists() and not (tmp_path / "z.png").exists()


def test_a_loop_is_drawn_back_to_the_state_it_returns_to() -> None:
    """No library spec ends in a loop; the renderer is a pure function, so give it one."""
    from dataclasses import replace

    from checker.render.sequence import sequence_dot
    from checker.result import Lasso
    model, prop = _counterexample("best_effort_broadcast", "converges")
    looped = replace(prop, lasso=Lasso(1, 2, "loop", "up replicas differ"))
    text = sequence_dot(prop.trace, traffic(model, prop.trace.path), looped, "")
    assert "back to the state after step 2" in text and "loop starts" in text
    assert "steps 3-3 repeat forever" in text
    tokens(text)


def test_session_counterexample_marks_both_replies() -> None:
    """The read the violation is about in red, the write it contradicts in amber."""
    model, prop = _counterexample("async_primary_backup", "durable")
    text = diagram(model, prop.trace, prop, "")
    red = [line for line in text.splitlines() if "reply #" in line and "#c0392b" in line]
    amber = [line for line in text.splitlines() if "reply #" in line and "(contradicted)" in line]
    assert len(red) == 1 and len(amber) == 1 and "#b9770e" in amber[0], (red, amber)


def test_cap_render_draws_each_search_with_its_model(run_cli, tmp_path) -> None:
    spec = str(SPECS / "async_primary_backup.cap")
    code, _, err = run_cli(["cap", spec, "--render", str(tmp_path / "d")])
    assert code == 0
    dots = sorted(p for p in os.listdir(tmp_path / "d") if p.endswith(".dot"))
    assert "durable.dot" in dots and "linearizable.dot" in dots
    assert "diagram of durable" in err
