"""Trace files: the trace argument of `capcheck replay` and `capcheck render` (a path such as
0.1.3, a file holding one, a JSON report or an ITF trace), ITF documents for `capcheck check
--itf DIR` (traces/itf.py), and replaying what such an argument names.

An ITF file written here carries in `#meta.capcheck` what a replay needs to be exact: the
path (initial state, then action indices), the constants and the fault budgets of the run,
the property and the spec's protocol name. A replay checks every recorded state, variable by
variable, against the replayed one.

An ITF file without `#meta.capcheck.path` (written by Apalache or Quint, by hand, or by
capcheck and then edited) is replayed by finding its path: `itf.match` walks the spec's
steps depth-first, keeping those whose states agree with the file's on every variable the
file records. Every mistake in such a file is a UsageError naming the state and the variable.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import TypeGuard

from checker.diagnostics import did_you_mean
from checker.errors import UsageError
from checker.explore import replay
from checker.history.jsonfmt import JsonError, loads
from checker.history.located import Locator
from checker.model import Model
from checker.model.values import SpecRuntimeError
from checker.props import kinds
from checker.result import CheckResult, Lasso, Trace, Verdict
from checker.traces import itf

ITF_SCHEMA = 1
IGNORED_PREFIX = "mbt::"
"""Variables Quint adds in model-based testing (`mbt::actionTaken`, `mbt::nondetPicks`)."""
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def itf_documents(model: Model, result: CheckResult, spec: str, protocol: str, constants: dict,
                  faults: dict) -> list[tuple[str, dict]]:
    """(file name, ITF document) for each violated property with a trace, in report order."""
    out = []
    for p in result.properties:
        if p.verdict is not Verdict.VIOLATED or p.trace is None:
            continue
        trace = p.trace
        meta = {"source": spec, "description": f"capcheck counterexample: {kinds.heading(p.kind, p.name)}",
                "capcheck": {"schema": ITF_SCHEMA, "protocol": protocol, "property": p.name, "kind": p.kind,
                             "path": ".".join(map(str, trace.path)), "constants": constants,
                             "faults": faults, **_lasso_meta(p.lasso)}}
        loop = p.lasso.loop if p.lasso is not None else None
        actions = [s.action["action"] for s in trace.steps]
        name = f"{_UNSAFE.sub('_', protocol)}.{_UNSAFE.sub('_', p.name)}.itf.json"
        out.append((name, itf.document(model, trace.path, actions, meta, loop, constants)))
    return out


def _lasso_meta(lasso: Lasso | None) -> dict:
    if lasso is None:
        return {}
    return {"lasso": {"start": lasso.start, "loop": lasso.loop, "ending": lasso.ending, "subject": lasso.subject}}


def write_itf(directory: str, documents: list[tuple[str, dict]]) -> list[str]:
    """Write each document under `directory` (created if missing); the paths written."""
    try:
        os.makedirs(directory, exist_ok=True)
        written = []
        for name, doc in documents:
            path = os.path.join(directory, name)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
            written.append(path)
        return written
    except OSError as exc:
        raise UsageError(f"cannot write ITF traces to '{directory}': {exc.strerror or type(exc).__name__}") from None


# -------------------------------------------------- reading


def not_json(name: str, content: str, exc: ValueError) -> UsageError:
    """The error for a trace file that json cannot read: where json stopped, when the file
    looks like JSON (it starts with '{' or '['), else that it is neither a path nor JSON."""
    if not isinstance(exc, json.JSONDecodeError) or content.lstrip()[:1] not in ("{", "["):
        return UsageError(f"'{name}' is neither a path such as 0.1.3 nor a JSON report")
    ends = " (the file ends there: is it cut short?)" if exc.pos >= len(content.rstrip()) else ""
    return UsageError(f"'{name}' is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}{ends}")


def is_itf(data: object) -> TypeGuard[dict]:
    return isinstance(data, dict) and "states" in data and "vars" in data


@dataclass(frozen=True)
class ItfTrace:
    """The states an ITF file records. `states`: per state the variables it gives, as
    written (without `#meta` and Quint's `mbt::` variables); `rows`: the same with values in
    `itf.normal` form; `actions`: each state's `#meta.action` (None where absent); `declared`:
    the names in `vars`."""

    states: tuple[dict, ...]
    rows: tuple[dict, ...]
    actions: tuple[str | None, ...]
    declared: tuple[str, ...]


def read_itf(data: dict, name: str) -> dict:
    """What an ITF file holds for a replay: the recorded states (an ItfTrace, under `itf`)
    and, from `#meta.capcheck` when present (a file `check --itf` wrote), the path, the
    action texts, constants, faults and lasso data (else each None). Raises UsageError saying
    what is malformed, and where."""
    states = data["states"]
    if not isinstance(states, list) or not states:
        raise UsageError(f"'{name}': 'states' is not a non-empty list of states")
    declared = data["vars"]
    if not isinstance(declared, list) or not all(isinstance(v, str) for v in declared):
        raise UsageError(f"'{name}': 'vars' is not a list of variable names")
    params = data.get("params", [])
    if not isinstance(params, list) or not all(isinstance(v, str) for v in params):
        raise UsageError(f"'{name}': 'params' is not a list of parameter names")
    recorded, rows, actions = [], [], []
    for i, st in enumerate(states):
        if not isinstance(st, dict):
            raise UsageError(f"'{name}': state {i} is not a JSON object")
        meta = st.get("#meta")
        action = meta.get("action") if isinstance(meta, dict) else None
        actions.append(action if isinstance(action, str) else None)
        recorded.append({k: v for k, v in st.items()
                         if k != "#meta" and not k.startswith(IGNORED_PREFIX) and k not in params})
        rows.append({k: _normal(v, name, i, k) for k, v in recorded[-1].items()})
    got = {"path": None, "actions": None, "constants": _constants(states[0], params, name), "faults": None,
           "lasso": None,
           "itf": ItfTrace(tuple(recorded), tuple(rows), tuple(actions),
                           tuple(v for v in declared if not v.startswith(IGNORED_PREFIX)))}
    ours = itf_meta(data, "capcheck")
    if isinstance(ours, dict) and "path" in ours:
        got.update(_capcheck_meta(ours, actions, name))
    return got


def _constants(first: object, params: list[str], name: str) -> dict | None:
    """The spec's constants from the trace's `params` (their values in the first state; an
    integer or a boolean each), or None when it has none."""
    if not params or not isinstance(first, dict):
        return None
    out = {}
    for p in params:
        v = _normal(first.get(p), name, 0, p) if p in first else None
        if v is None or v[0] not in ("int", "bool"):
            raise UsageError(f"'{name}': state 0: parameter '{p}' is not given as an integer or a boolean")
        out[p] = v[1]
    return out


def _normal(v: object, name: str, i: int, var: str) -> tuple:
    try:
        return itf.normal(v)
    except itf.BadValue as exc:
        raise UsageError(f"'{name}': state {i}: variable '{var}' is not an ITF value: {exc}") from None


def _capcheck_meta(ours: dict, actions: list, name: str) -> dict:
    """Path, actions, constants, faults and lasso from a `#meta.capcheck` with a path."""
    try:
        path = [int(x) for x in str(ours["path"]).split(".")]
    except ValueError:
        raise UsageError(f"'{name}': '#meta.capcheck.path' is not a path such as 0.1.3") from None
    missing = next((i for i, a in enumerate(actions) if a is None), None)
    if missing is not None:
        raise UsageError(f"'{name}': state {missing} has no '#meta.action' (a file with "
                         "'#meta.capcheck.path' gives every state's action)")
    constants, faults = (ours.get(k) if isinstance(ours.get(k), dict) else None for k in ("constants", "faults"))
    return {"path": path, "actions": actions, "constants": constants, "faults": faults, "lasso": ours.get("lasso")}


def itf_meta(data: dict, key: str) -> object:
    """`#meta[key]` of an ITF document (None when absent): `source`, the spec `check --itf`
    ran on, and `capcheck`, its own block."""
    meta = data.get("#meta")
    return meta.get(key) if isinstance(meta, dict) else None


# -------------------------------------------------- trace arguments


_PATH = re.compile(r"[0-9]+(\.[0-9]+)*")


@dataclass(frozen=True)
class TraceArgument:
    """What a trace argument holds: the path, and from a JSON report the action texts it
    expects, its constants, its fault budgets and, for a liveness counterexample, its lasso
    (each None when not known); from an ITF file its recorded states (`itf`), and no path
    unless `#meta.capcheck` gives one (it is then found from the states:
    `replay_given`)."""

    path: list[int] | None
    actions: list[str] | None = None
    constants: dict | None = None
    faults: dict | None = None
    lasso: Lasso | None = None
    itf: ItfTrace | None = None
    data: frozenset | None = None          # the values of a `values = int` object the run used


def read_trace(text: str, prop: str | None) -> TraceArgument:
    """A trace argument: a path such as `0.1.3`, or the name of a file holding one or a JSON
    report.

    Raises UsageError explaining what is wrong.
    """
    if _PATH.fullmatch(text.strip()):
        return TraceArgument([int(x) for x in text.strip().split(".")])
    try:
        with open(text, encoding="utf-8") as handle:
            content = handle.read(16 << 20)
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise UsageError(f"cannot read trace '{text}': {reason} (a trace is a path such as 0.1.3, "
                         "or a file holding one or a JSON report)") from None
    if _PATH.fullmatch(content.strip()):
        return TraceArgument([int(x) for x in content.strip().split(".")])
    try:
        data = loads(content)
    except JsonError as exc:
        line, column = Locator(content).position(exc.offset)
        raise UsageError(f"'{text}' is not a trace capcheck reads: line {line}, column {column}: "
                         f"{exc.message}") from None
    except ValueError as exc:
        raise not_json(text, content, exc) from None
    if is_itf(data):
        got = read_itf(data, text)
        lasso = _lasso_of({"lasso": got["lasso"]}, len(got["path"]) - 1) if got["path"] else None
        return TraceArgument(got["path"], got["actions"], got["constants"], got["faults"], lasso, got["itf"])
    trace = _pick_trace(data, prop, text)
    try:
        path = [int(x) for x in str(trace["path"]).split(".")]
        actions = [str(step["action"]) for step in trace["trace"]]
    except (KeyError, TypeError, ValueError):
        raise UsageError(f"'{text}': the trace has no readable 'path' and 'trace'") from None
    constants, faults = (data.get(k) if isinstance(data, dict) else None for k in ("constants", "faults"))
    if isinstance(constants, dict) and isinstance(trace.get("constants"), dict):
        constants = {**constants, **trace["constants"]}   # the values the solver chose for this trace
    return TraceArgument(path, actions, constants if isinstance(constants, dict) else None,
                         faults if isinstance(faults, dict) else None, _lasso_of(trace, len(path) - 1),
                         data=_values_of(trace.get("object_values"), text))


def _values_of(recorded: object, name: str) -> frozenset | None:
    """The `object_values` a JSON report records for a trace (None when it records none)."""
    if recorded is None:
        return None
    if not isinstance(recorded, list) or not all(type(v) is int for v in recorded):
        raise UsageError(f"'{name}': the trace's 'object_values' is not a list of integers")
    return frozenset(recorded)


def _lasso_of(trace: dict, length: int) -> Lasso | None:
    """The lasso a JSON property records, if it is well-formed for a trace of `length` steps
    (anything else is ignored: the markers are only a reading aid)."""
    data = trace.get("lasso")
    if not isinstance(data, dict):
        return None
    start, loop, ending, subject = (data.get(k) for k in ("start", "loop", "ending", "subject"))
    if not (isinstance(start, int) and 0 <= start <= length):
        return None
    if loop is not None and not (isinstance(loop, int) and start <= loop < length):
        return None
    if not (isinstance(ending, str) and ending in ("loop", "dead end", "error reply")):
        return None
    return Lasso(start, loop, ending, str(subject))


def reported_traces(report: dict) -> list[dict]:
    """The entries of a JSON report's `properties` that hold a trace (none when the report,
    perhaps written by hand or damaged, has no list there)."""
    props = report.get("properties")
    return [p for p in props if isinstance(p, dict) and "trace" in p] if isinstance(props, list) else []


def _pick_trace(data: object, prop: str | None, name: str) -> dict:
    if not isinstance(data, dict):
        raise UsageError(f"'{name}' is not a capcheck JSON report")
    if "path" in data and "trace" in data:
        return data
    props = reported_traces(data)
    if prop is not None:
        props = [p for p in props if p.get("name") == prop]
        if not props:
            raise UsageError(f"'{name}' has no trace for property '{prop}'")
    if props:
        return props[0]
    if isinstance(data.get("error"), dict) and "trace" in data["error"]:
        return data["error"]
    raise UsageError(f"'{name}' holds no trace (no property was violated in that run)")


def compare_actions(trace, actions: list[str]) -> None:
    got = [step.action["action"] for step in trace.steps]
    if len(got) != len(actions):
        raise UsageError(f"the trace does not fit the spec: it has {len(actions) - 1} steps but its path "
                         f"replays {len(got) - 1}")
    for n, (want, have) in enumerate(zip(actions, got)):
        if want != have:
            raise UsageError(f"the trace does not fit the spec: step {n} is '{want}' in the trace "
                             f"but '{have}' when replayed (was the spec changed since?)")


# -------------------------------------------------- replaying


def replay_given(model: Model, given: TraceArgument, spec: str) -> Trace:
    """The run a trace argument (`TraceArgument`) names on `model`: its path or, for an
    ITF trace without one, the first path whose states agree with the file's; checked
    against the action texts and states the argument records. Raises UsageError saying
    where it does not fit."""
    if given.itf is not None:
        check_names(model, given.itf, spec)
    if given.path is not None:
        path = given.path
    else:
        assert given.itf is not None  # a trace argument has a path or the states to find one from
        path = find_path(model, given.itf, spec)
    try:
        trace = replay(model, path)
    except (ValueError, SpecRuntimeError) as exc:
        raise UsageError(f"the trace does not fit {spec}: {exc}") from None
    if given.actions is not None:
        compare_actions(trace, given.actions)
    if given.itf is not None and given.path is not None:
        check_states(model, path, list(given.itf.states), spec)
    return trace


def check_names(model: Model, trace: ItfTrace, spec: str) -> None:
    """Reject (UsageError) a variable the spec does not have, with the closest name, and a
    value of a shape no value of its variable has."""
    render = itf.Renderer(model)
    places = [("'vars'", n) for n in trace.declared] + [(f"state {i}", n) for i, row in enumerate(trace.rows)
                                                         for n in row]
    for where, n in places:
        if n not in render.types:
            raise UsageError(f"the trace does not fit {spec}: {where}: the spec has no variable "
                             f"'{n}'{did_you_mean(n, list(render.types))}")
    for i, row in enumerate(trace.rows):
        for n, v in row.items():
            wrong = itf.misfit(v, render.types[n])
            if wrong is not None:
                raise UsageError(f"the trace does not fit {spec}: state {i}: variable '{n}' is "
                                 f"{itf.short(trace.states[i][n])}, {wrong}")


def find_path(model: Model, trace: ItfTrace, spec: str, budget: int = itf.MATCH_BUDGET) -> list[int]:
    """The first path (in successor order) whose states agree with `trace`'s; UsageError
    with the first state no step fits and the closest step's differences when there is none."""
    try:
        found = itf.match(model, trace.rows, trace.actions, budget)
    except SpecRuntimeError as exc:
        raise UsageError(f"the trace does not fit {spec}: the spec failed while matching the file's states: "
                         f"{exc}") from None
    if found.path is not None:
        return list(found.path)
    assert found.miss is not None
    raise UsageError(f"the trace does not fit {spec}: {_miss_text(found.miss, trace, budget)}")


def _miss_text(miss: itf.Miss, trace: ItfTrace, budget: int) -> str:
    if miss.exhausted:
        deepest = f"; so far no step fitted state {miss.index}" if miss.index >= 0 else ""
        return (f"no path found within {budget:,} compared states{deepest}: the file's states leave too many "
                "runs open (record more variables, or each state's '#meta.action')")
    k = miss.index
    reached = [f"reached by '{miss.via}'"] if miss.via is not None else []
    if k > 0 and miss.enabled == 0:
        return f"no step is enabled in state {k - 1}{_aside(reached)}, but the file goes on to state {k}"
    there = "in the spec" if k == 0 else "after that step"
    differ = [f"'{n}' ({itf.short(trace.states[k][n])} in the file, {itf.short(v)} {there})" for n, v in miss.differ]
    if k == 0:
        return f"state 0 is not the initial state: it differs in {_listed(differ)}"
    steps = f"{miss.enabled} step{'s' if miss.enabled != 1 else ''} enabled"
    return (f"state {k} follows from no step of state {k - 1}{_aside(reached + [steps])}; the closest, "
            f"'{miss.action}', differs in {_listed(differ)}")


def _aside(parts: list[str]) -> str:
    return f" ({'; '.join(parts)})" if parts else ""


def _listed(items: list[str], most: int = 3) -> str:
    """'a', 'a and b', 'a, b and c', 'a, b, c and 2 more variables'."""
    if len(items) > most:
        more = len(items) - most
        return ", ".join(items[:most]) + f" and {more} more variable{'s' if more != 1 else ''}"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def check_states(model: Model, path: list[int], states: list, spec: str) -> None:
    """Reject (UsageError) recorded ITF states that differ from the replay of `path`."""
    problem = itf.mismatch(model, path, states)
    if problem is not None:
        raise UsageError(f"the trace does not fit {spec}: {problem}")
