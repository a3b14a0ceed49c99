"""Reading a history file: detecting its format, reading its events, choosing the model.

`read_history(path, data, fmt, model)` is the one entry point. Formats:

- `porcupine-etcd`: Porcupine's Jepsen etcd logs (`INFO  jepsen.util - 3 :invoke :read nil`),
  checked as a cas-register that starts as nil (the key does not exist); a failed cas is a
  compare that failed (it happened and returned false), as in Porcupine's own tests;
- `edn`: Jepsen's EDN histories, one map per event; the model is inferred from the
  operations (read/write: register; with cas: cas-register; with a :key: kv);
- `porcupine-kv`: Porcupine's kv logs, which are EDN histories of the kv model;
- `json`: capcheck's JSON format (docs/history_format.md), which may name its model;
- `auto`: told apart by the first thing in the file (see `detect`).

`--model` overrides the model a format implies.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass

from checker.diagnostics import Diagnostic, Source, did_you_mean
from checker.errors import SpecError, UsageError
from checker.history import events as ev
from checker.history import jepsen, jsonfmt, porcupine
from checker.history.models import MODELS, HistoryModel, infer_model
from checker.props.operations import Operation
from checker.props.objects import SequentialSpec
from checker.resources import UNBOUNDED, Budget, Stopped, memory_in_use
from checker.result import MEMORY

FORMATS = ("auto", "porcupine-etcd", "porcupine-kv", "edn", "json")
NOTATION = {"porcupine-etcd": "edn", "porcupine-kv": "edn", "edn": "edn", "json": "json"}
_ETCD_LINE = re.compile(r"[ \t]*INFO[ \t]+jepsen\.util[ \t]")
_JSON_START = re.compile(r"\s*(\{\s*(\"|\})|\[\s*\{\s*\")")
_EDN_START = re.compile(r"\s*[{\[(#;]")


@dataclass(frozen=True)
class History:
    """A history read from a file: its `format` (never 'auto'), `model` (None only for a
    file with no operations and no --model), the spec to check against, and the
    operations, ordered by invocation, each knowing its lines in the file."""

    path: str
    text: str
    format: str
    model: HistoryModel | None
    spec: SequentialSpec | None
    operations: tuple[Operation, ...]

    @property
    def notation(self) -> str:
        return NOTATION.get(self.format, "edn")


def read_history(path: str, data: bytes, fmt: str = "auto", model: str | None = None,
                 budget: Budget = UNBOUNDED) -> History:
    """The history in `data` (the bytes of the file named `path`, as the user wrote it).

    Raises SpecError, located in the file, for anything that is not a well-formed history
    of the model: nothing is skipped silently except what the format says to skip; and
    Stopped when `budget` (checker/resources.py) runs out while reading.
    """
    text = decode(path, data)
    chosen = MODELS[model] if model is not None else None
    if fmt == "auto":
        fmt = detect(path, text)
    if fmt == "empty":
        return History(path, text, "empty", chosen, chosen.spec() if chosen else None, ())
    reading = ev.Reading(path, text, NOTATION[fmt], budget)
    if fmt == "json":
        return _read_json(reading, chosen)
    if fmt == "porcupine-etcd":
        events = porcupine.read_events(reading)
        chosen = chosen or MODELS["cas-register"]
    else:
        events = jepsen.read_events(reading)
        chosen = chosen or (MODELS["kv"] if fmt == "porcupine-kv" else _infer(events, reading))
    ops = ev.operations(events, chosen, reading, failed_cas_is_false=fmt == "porcupine-etcd")
    return History(path, text, fmt, chosen, chosen.spec(), tuple(ops))


def decode(path: str, data: bytes) -> str:
    """The text of a history file: UTF-8 (a byte-order mark is dropped). Raises SpecError
    at the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        text = data.decode("utf-8", errors="replace")
        offset = len(data[:err.start].decode("utf-8", errors="replace"))
        source = Source(path, text)
        raise SpecError([Diagnostic("this file is not UTF-8 text (a history is a text file)",
                                    source.span_at(offset))], source) from None


def detect(path: str, text: str) -> str:
    """The format of a history from its first non-blank characters: a Jepsen log line is
    porcupine-etcd, `{"` or `[{"` starts JSON, `{`, `[`, `(`, `#` or `;` starts EDN;
    'empty' for a file with nothing but whitespace. Raises SpecError otherwise."""
    if not text.strip():
        return "empty"
    first = next(line for line in text.split("\n") if line.strip())
    if _ETCD_LINE.match(first):
        return "porcupine-etcd"
    if _JSON_START.match(text):
        return "json"
    if _EDN_START.match(text):
        return "edn"
    start = len(text) - len(text.lstrip())
    source = Source(path, text)
    raise SpecError([Diagnostic(
        "cannot tell the format of this history: expected a Jepsen log line (INFO  jepsen.util - ...), "
        "EDN maps ({:type :invoke, ...}) or a JSON object ({\"operations\": [...]}); name it with --format",
        source.span_at(start))], source)


def _read_json(reading: ev.Reading, chosen: HistoryModel | None) -> History:
    document = jsonfmt.read_document(reading)
    if chosen is None and document.model is not None:
        if document.model not in MODELS:
            reading.fail(f"unknown model '{document.model}' (capcheck has {', '.join(MODELS)})"
                         f"{did_you_mean(document.model, MODELS)}", document.model_at)
        chosen = MODELS[document.model]
    chosen = chosen or _infer(document.events, reading)
    if document.has_initial and chosen.strings and not isinstance(document.initial, str):
        reading.fail(f"the {chosen.name} model's values are strings; got {reading.show(document.initial)}",
                     document.initial_at)
    initial = document.initial if document.has_initial else None
    if initial is not None and chosen.collection is not None:
        initial = ev.collection(initial, chosen, document.initial_at, reading)
    ops = ev.operations(document.events, chosen, reading)
    return History(reading.path, reading.text, "json", chosen, chosen.spec(initial), tuple(ops))


def _infer(events: list[ev.Event], reading: ev.Reading) -> HistoryModel:
    """The model the operations of a history imply. Raises SpecError when none fits."""
    keyed = any(e.key is not ev.NO_KEY for e in events)
    model = infer_model({e.f for e in events}, keyed)
    if model is not None:
        return model
    known = list(dict.fromkeys(name for m in MODELS.values() for name in m.ops))
    for event in events:
        if event.f not in known:
            reading.fail(f"unknown operation '{event.f}': no model has it (they have {', '.join(known)})"
                         + did_you_mean(event.f, known), event.field_at("f"))
    names = ", ".join(sorted({e.f for e in events}))
    first = events[0]
    reading.fail(f"no model has all of this history's operations ({names}"
                 f"{', with keys' if keyed else ', without keys'}); choose one with --model", first.at)


MAX_FILE_BYTES = 256 << 20


def read_file(path: str, budget: Budget = UNBOUNDED) -> bytes:
    """The bytes of the history file at `path`. Raises UsageError when it cannot be read
    and SpecError when it is larger than MAX_FILE_BYTES (reading at most one byte more);
    Stopped (MEMORY) before reading a file whose bytes and text alone would take the
    process past `budget`'s memory bound."""
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise IsADirectoryError(21, "Is a directory")
            if budget.memory is not None and memory_in_use() + 2 * min(info.st_size, MAX_FILE_BYTES) > budget.memory:
                raise Stopped(MEMORY)
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read '{path}': {exc.strerror or type(exc).__name__}") from None
    if len(data) > MAX_FILE_BYTES:
        first = Source(path, data[:80].split(b"\n", 1)[0].decode("utf-8", errors="replace"))
        raise SpecError([Diagnostic(f"history file is too large (the limit is {MAX_FILE_BYTES >> 20} MiB)",
                                    first.span_at(0))], first)
    return data
