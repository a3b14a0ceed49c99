"""The data behind a sequence diagram: a trace's traffic (traces/traffic.py), the
variables its property watches, and its title; render/sequence.py draws it."""

from __future__ import annotations

from checker.model import Model
from checker.render.images import Pictures
from checker.render.sequence import sequence_dot
from checker.render.sequence_svg import sequence_svg
from checker.result import CheckResult, PropertyResult, Trace, Verdict
from checker.traces.traffic import traffic, watched


def diagram(model: Model, trace: Trace, prop: PropertyResult | None, title: str) -> str:
    """The DOT text of a trace's sequence diagram."""
    return sequence_dot(trace, _flow(model, trace, prop), prop, title)


def pictures(model: Model, trace: Trace, prop: PropertyResult | None, title: str) -> Pictures:
    """A trace's sequence diagram as DOT text and as the SVG capcheck draws itself."""
    flow = _flow(model, trace, prop)
    return Pictures(sequence_dot(trace, flow, prop, title), sequence_svg(trace, flow, prop, title))


def _flow(model: Model, trace: Trace, prop: PropertyResult | None) -> dict:
    flow = traffic(model, trace.path)
    if prop is not None:
        flow["watched"] = watched(model, prop.name)
    return flow


def counterexample_jobs(result: CheckResult) -> list[tuple[str, Trace, PropertyResult | None]]:
    """(name, trace, property) of every counterexample of a run, in report order: each
    violated property with a trace, then a run-time failure of the spec (name `error`,
    property None)."""
    jobs: list[tuple[str, Trace, PropertyResult | None]] = [
        (p.name, p.trace, p) for p in result.properties if p.verdict is Verdict.VIOLATED and p.trace]
    if result.failure is not None:
        jobs.append(("error", result.failure.trace, None))
    return jobs


def diagram_title(spec: str, name: str, result: CheckResult) -> str:
    """A counterexample diagram's title: the spec and the property, or the run-time failure."""
    if name == "error" and result.failure is not None:
        return f"{spec}: the spec failed while running: {result.failure.message}"
    return f"{spec}: {name}"


def model_of_run(models: list[Model], run: CheckResult) -> Model | None:
    """Of the models `capcheck cap` compiled, the one `run` searched (the one whose
    properties it decided)."""
    names = {p.name for p in run.properties}
    return next((m for m in models if names <= {p.name for p in m.program.properties}), None)
