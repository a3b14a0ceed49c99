"""Ticks of real time in sequence diagrams: a `time` lane, each tick's box with real time
and the clocks that moved, in the DOT diagram and the SVG one alike."""

from __future__ import annotations

from checker.explore import search
from checker.traces.diagram import pictures

from support import library_model


def test_ticks_have_a_lane_of_their_own():
    model = library_model("lww_clocks_broken")
    (prop,) = search(model).properties
    drawn = pictures(model, prop.trace, prop, "lww_clocks_broken")
    for text in (drawn.dot, drawn.svg):
        assert ">time<" in text or 'label="time"' in text
        assert "tick 1" in text
        assert any(f"clock(replica[0]): 0 {arrow} 1" in text for arrow in ("-&gt;", "-&#62;"))
    untimed = library_model("two_phase_broken")
    plain = search(untimed).properties[0]
    assert 'label="time"' not in pictures(untimed, plain.trace, plain, "two_phase_broken").dot
