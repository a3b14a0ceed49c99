"""Values written back the way the history wrote them: EDN (`nil`, `[1 2]`, `:timed-out`)
for EDN and Porcupine logs, JSON (`null`, `[1, 2]`) for our JSON format."""

from __future__ import annotations

import json

from checker.history import edn
from checker.props.operations import OK, UNKNOWN


def show(value: object, notation: str) -> str:
    """`value` in `notation` ('edn' or 'json'); an unknown result is '?', a write's 'ok' is ok."""
    if value is UNKNOWN:
        return "?"
    if value is OK:
        return "ok"
    if notation == "edn":
        return edn.show(value)
    return show_json(value)


def show_json(value: object) -> str:
    if value is None or isinstance(value, (bool, int, float, str)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(show_json(v) for v in value) + "]"
    if isinstance(value, frozenset):
        return "[" + ", ".join(sorted(show_json(v) for v in value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{show_json(str(k))}: {show_json(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value), ensure_ascii=False)
