"""`capcheck check --itf DIR` and the ITF side of `capcheck replay` (model/itf.py).

An ITF file written here carries in `#meta.capcheck` what a replay needs to be exact: the
path (initial state, then action indices), the constants and the fault budgets of the run,
the property and the spec's protocol name. A replay checks every recorded state, variable by
variable, against the replayed one.
"""

from __future__ import annotations

import json
import os
import re

from checker.errors import UsageError
from checker.model import Model
from checker.model import itf
from checker.result import CheckResult, Lasso, Verdict

ITF_SCHEMA = 1
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def itf_documents(model: Model, result: CheckResult, spec: str, protocol: str, constants: dict,
                  faults: dict) -> list[tuple[str, dict]]:
    """(file name, ITF document) for each violated property with a trace, in report order."""
    out = []
    for p in result.properties:
        if p.verdict is not Verdict.VIOLATED or p.trace is None:
            continue
        trace = p.trace
        meta = {"source": spec, "description": f"capcheck counterexample: {p.kind} {p.name}",
                "capcheck": {"schema": ITF_SCHEMA, "protocol": protocol, "property": p.name, "kind": p.kind,
                             "path": ".".join(map(str, trace.path)), "constants": constants,
                             "faults": faults, **_lasso_meta(p.lasso)}}
        loop = p.lasso.loop if p.lasso is not None else None
        actions = [s.action["action"] for s in trace.steps]
        name = f"{_UNSAFE.sub('_', protocol)}.{_UNSAFE.sub('_', p.name)}.itf.json"
        out.append((name, itf.document(model, trace.path, actions, meta, loop)))
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


def is_itf(data: object) -> bool:
    return isinstance(data, dict) and "states" in data and "vars" in data


def read_itf(data: dict, name: str) -> dict:
    """What an ITF file written by `check --itf` holds for a replay: path, actions,
    constants, faults, lasso data and the recorded states. Raises UsageError saying what is
    missing."""
    meta = data.get("#meta")
    ours = meta.get("capcheck") if isinstance(meta, dict) else None
    if not isinstance(ours, dict) or not isinstance(ours.get("path"), str):
        raise UsageError(f"'{name}': this ITF trace has no '#meta.capcheck.path' (only ITF files written by "
                         "'capcheck check --itf' can be replayed)")
    try:
        path = [int(x) for x in ours["path"].split(".")]
    except ValueError:
        raise UsageError(f"'{name}': '#meta.capcheck.path' is not a path such as 0.1.3") from None
    states = data["states"]
    if not isinstance(states, list):
        raise UsageError(f"'{name}': 'states' is not a list")
    actions = []
    for i, st in enumerate(states):
        action = st.get("#meta", {}).get("action") if isinstance(st, dict) else None
        if not isinstance(action, str):
            raise UsageError(f"'{name}': state {i} has no '#meta.action'")
        actions.append(action)
    constants, faults = (ours.get(k) if isinstance(ours.get(k), dict) else None for k in ("constants", "faults"))
    return {"path": path, "actions": actions, "constants": constants, "faults": faults, "states": states,
            "lasso": ours.get("lasso")}


def check_states(model: Model, path: list[int], states: list, spec: str) -> None:
    """Reject (UsageError) recorded ITF states that differ from the replay of `path`."""
    problem = itf.mismatch(model, path, states)
    if problem is not None:
        raise UsageError(f"the trace does not fit {spec}: {problem}")
