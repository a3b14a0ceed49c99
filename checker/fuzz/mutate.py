"""What the fuzzer feeds capcheck: the corpus it starts from and the mutations it applies.
Every function here is pure: given the same `random.Random` state and corpus, the same
case comes out, so a seed names a case.

- Specs: the spec library (specs/*.cap) and the docs' examples (docs/examples/*.cap and
  the ```cap blocks of docs/*.md that start with `protocol`), mutated at the level of
  tokens (delete, duplicate, swap, replace with a keyword, an operator, a name of the same
  spec or an awkward number, insert) and of lines (delete, duplicate, swap, indent or
  dedent, tabs, a line of another spec).
- Histories: the examples of the docs and the golden histories of the tests, and
  Porcupine's logs when ../shared/histories/porcupine is there, mutated by line (delete,
  duplicate, swap, truncate) and by token (a value, a process, a type or an operation
  replaced; huge or non-finite numbers, deep nesting, control characters, invalid UTF-8).
- Traces: JSON reports and ITF traces, mutated as JSON values, for `replay` and `render`.
- Command lines: `capcheck` words drawn from the commands' options and values a careless
  user types (negative, huge, not a number, missing, repeated, paths that are
  directories, devices or missing).
"""

from __future__ import annotations

import functools
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

KEYWORDS = (
    "protocol", "node", "var", "durable", "replicated", "const", "type", "message", "on", "from", "when", "request",
    "reply", "send", "to", "action", "timeout", "restart", "invariant", "check", "object", "clients", "ops", "route",
    "network", "faults", "address", "take", "require", "choose", "in", "let", "if", "else", "for", "all", "some",
    "count", "len", "max", "min", "none", "true", "false", "and", "or", "not", "self", "others", "def", "error",
    "linearizable", "available", "converges", "durable", "crash", "partition", "link", "oneway", "loss", "unordered",
    "fifo", "duplicating", "lossy", "register", "kv", "counter", "set", "log", "values", "initial", "int",
)
OPERATORS = ("=", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "+=", "-=", ":", ",", ".", "..", "(",
             ")", "[", "]", "{", "}", "->", "|", "#", "'", '"', "\\", "@")
NUMBERS = ("0", "1", "-1", "2", "7", "255", "65536", "2147483648", "9223372036854775807", "9223372036854775808",
           "999999999999999999", "1" * 30, "0..0", "1..0", "0..1000000", "-5..5")
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*|[0-9]+|\.\.|[=!<>+\-*/%]=|->|\S|\n|[ \t]+')


@dataclass(frozen=True)
class Corpus:
    """The inputs mutations start from: spec texts, history files (name, bytes), JSON
    traces and reports (name, text)."""

    specs: tuple[str, ...]
    histories: tuple[tuple[str, bytes], ...]
    traces: tuple[tuple[str, str], ...]


def load_corpus(repo: Path) -> Corpus:
    """The corpus of a capcheck checkout at `repo` (see the module doc); Porcupine's logs
    from ../shared/histories/porcupine next to it, when present."""
    specs = [p.read_text(encoding="utf-8") for p in sorted((repo / "specs").glob("*.cap"))]
    specs += [p.read_text(encoding="utf-8") for p in sorted((repo / "docs" / "examples").glob("*.cap"))]
    for doc in sorted((repo / "docs").glob("*.md")):
        specs += [block for block in re.findall(r"```cap\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
                  if block.lstrip().startswith("protocol")]
    history_files = [p for p in sorted((repo / "docs" / "examples").iterdir())
                     if p.suffix in (".edn", ".log", ".json") and "report" not in p.name]
    history_files += sorted((repo / "tests" / "golden" / "history").glob("*.*"))
    porcupine = repo.parent / "shared" / "histories" / "porcupine"
    if porcupine.is_dir():
        history_files += sorted(porcupine.glob("*/*.log"))[:40] + sorted(porcupine.glob("kv/*-*.txt"))[:4]
    traces = [(p.name, p.read_text(encoding="utf-8")) for p in sorted((repo / "tests" / "itf").glob("*.json"))]
    traces += [(p.name, p.read_text(encoding="utf-8")) for p in sorted((repo / "docs" / "examples").glob("*.json"))
               if "report" in p.name]
    return Corpus(tuple(dict.fromkeys(specs)), tuple((p.name, p.read_bytes()) for p in history_files),
                  tuple(traces))


# ------------------------------------------------------------------ specs


def tokens(text: str) -> list[str]:
    """`text` cut into tokens, whitespace and newlines kept (joined, they give it back)."""
    return _TOKEN.findall(text)


def mutate_spec(rng: random.Random, corpus: Corpus) -> str:
    """One to three token- or line-level mutations of a spec of the corpus."""
    text = rng.choice(corpus.specs)
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        text = (_token_mutation if rng.random() < 0.6 else _line_mutation)(rng, text, corpus)
    return text


def _token_mutation(rng: random.Random, text: str, corpus: Corpus) -> str:
    toks = tokens(text)
    solid = [i for i, t in enumerate(toks) if not t.isspace()]
    if not solid:
        return text
    i = rng.choice(solid)
    names = [t for t in toks if re.fullmatch(r"[A-Za-z_]\w*", t)]
    what = rng.randrange(6)
    if what == 0:
        del toks[i]
    elif what == 1:
        toks.insert(i, toks[i])
    elif what == 2:
        j = rng.choice(solid)
        toks[i], toks[j] = toks[j], toks[i]
    elif what == 3:
        toks[i] = rng.choice(KEYWORDS + OPERATORS + tuple(names))
    elif what == 4:
        toks[i] = rng.choice(NUMBERS) if rng.random() < 0.7 else rng.choice(names or ["x"])
    else:
        toks.insert(i, rng.choice(KEYWORDS + OPERATORS + NUMBERS) + rng.choice(("", " ")))
    return "".join(toks)


def _line_mutation(rng: random.Random, text: str, corpus: Corpus) -> str:
    other = rng.choice(corpus.specs).split("\n")
    extra = (lambda lines, i: lines[:i] + ["    " + lines[i]] + lines[i + 1:],
             lambda lines, i: lines[:i] + [lines[i][4:] if lines[i].startswith("    ") else "\t" + lines[i]]
             + lines[i + 1:],
             lambda lines, i: lines[:i] + [rng.choice(other)] + lines[i:])
    return "\n".join(edit_list(rng, text.split("\n"), extra))


def edit_list(rng: random.Random, items: list, extra: Sequence[Callable[[list, int], list]] = ()) -> list:
    """`items` (lines, tokens) after one edit at a random place: delete it, duplicate it,
    swap it with another, cut the list there, repeat it 10 to 1,000 times, or one of
    `extra` (each given the list and the place)."""
    if not items:
        return items
    i, j = rng.randrange(len(items)), rng.randrange(len(items))
    edits: list[Callable[[], list]] = [lambda: items[:i] + items[i + 1:] if len(items) > 1 else items,
             lambda: items[:i] + [items[i]] + items[i:],
             lambda: [items[j] if k == i else items[i] if k == j else x for k, x in enumerate(items)],
             lambda: items[:i],
             lambda: items[:i] + [items[i]] * rng.choice((10, 100, 1000)) + items[i:]]
    edits += [functools.partial(e, items, i) for e in extra]
    return rng.choice(edits)()


# ------------------------------------------------------------------ histories


_AWKWARD_VALUES = (b"nil", b"-1", b"1e999999", b"-1e999999", b"1" * 5000, b"9" * 19, b"1.5", b"1/0", b"1/3", b'""',
                   b'"\\u0000"', b"[" * 300, b"{" * 300, b"[[[1]]]", b"#{1 2}", b"(1 2)", b"true", b"null", b"NaN",
                   b":kw", b"\x00", b"\xff\xfe", b"\xc3", b"[1 2 3]", b'{"a": 1}', b"0", b"2", b"-0", b"1e-400")
_AWKWARD_WORDS = (b":invoke", b":ok", b":fail", b":info", b":read", b":write", b":cas", b":append", b":get", b":put",
                  b'"invoke"', b'"ok"', b'"read"', b'"write"', b"process", b":process", b":type", b":f", b":value",
                  b":key", b'"key"', b'"process"', b'"type"', b'"f"', b'"value"', b"INFO", b"jepsen.util", b"-",
                  b",", b":", b"}", b"]", b")", b"{", b"[", b"(", b"#", b";", b"\\", b"\t", b"\r", b"\n")


def mutate_history(rng: random.Random, corpus: Corpus) -> tuple[str, bytes]:
    """A history file of the corpus with one to three line- or token-level mutations:
    (its name, its bytes)."""
    name, data = rng.choice(corpus.histories)
    for _ in range(rng.choice((1, 1, 2, 3))):
        data = (_history_token if rng.random() < 0.6 else _history_line)(rng, data)
    return name, data


def _history_line(rng: random.Random, data: bytes) -> bytes:
    return b"\n".join(edit_list(rng, data.split(b"\n")))


def _history_token(rng: random.Random, data: bytes) -> bytes:
    toks = re.findall(rb'"(?:[^"\\\n]|\\.)*"|[^\s,{}\[\]()#"]+|\S|\s+', data)
    solid = [i for i, t in enumerate(toks) if not t.isspace()]
    if not solid:
        return data + rng.choice(_AWKWARD_VALUES)
    i = rng.choice(solid)
    what = rng.randrange(6)
    numbers = [k for k in solid if toks[k].isdigit()]
    if what >= 4 and numbers:      # gentle: another small number, the file stays well-formed
        toks[rng.choice(numbers)] = str(rng.randrange(6)).encode()
    elif what == 0:
        toks[i] = rng.choice(_AWKWARD_VALUES)
    elif what == 1:
        toks[i] = rng.choice(_AWKWARD_WORDS)
    elif what == 2:
        del toks[i]
    else:
        toks.insert(i, rng.choice(_AWKWARD_VALUES + _AWKWARD_WORDS) + b" ")
    return b"".join(toks)


# ------------------------------------------------------------------ traces


def mutate_trace(rng: random.Random, corpus: Corpus) -> tuple[str, str]:
    """A JSON report or ITF trace of the corpus with one to three of its values replaced,
    removed or deepened: (its name, its text)."""
    name, text = rng.choice(corpus.traces)
    data = json.loads(text)
    for _ in range(rng.choice((1, 2, 3))):
        data = _json_mutation(rng, data)
    return name, json.dumps(data)


_AWKWARD_JSON: tuple[object, ...] = (None, -1, 0, 1, 2**64, 10**30, 1.5, "", "0.1.2", "0" * 100, "x", [], {}, [[[[]]]], {"#bigint": "1"},
                 {"#bigint": "x"}, {"#set": [1, 1]}, {"#map": [[1]]}, {"#tup": []}, True, "9" * 500, -10**20)


def _json_mutation(rng: random.Random, data: object, depth: int = 0) -> object:
    """A copy of `data` with one value somewhere (a random walk down) changed."""
    if isinstance(data, dict) and data and (depth < 12 and rng.random() < 0.8):
        key = rng.choice(sorted(data, key=str))
        out = dict(data)
        if rng.random() < 0.15:
            del out[key]
        else:
            out[key] = _json_mutation(rng, data[key], depth + 1)
        return out
    if isinstance(data, list) and data and (depth < 12 and rng.random() < 0.8):
        i = rng.randrange(len(data))
        copy = list(data)
        what = rng.random()
        if what < 0.1:
            del copy[i]
        elif what < 0.2:
            copy.insert(i, copy[i])
        else:
            copy[i] = _json_mutation(rng, data[i], depth + 1)
        return copy
    return rng.choice(_AWKWARD_JSON)


# ------------------------------------------------------------------ command lines


COMMANDS = ("parse", "check", "replay", "history", "cap", "render")
OPTIONS = ("-D", "--faults", "--values", "--max-states", "--max-depth", "--timeout", "--max-memory", "--dfs", "--deadlock",
           "--no-deadlock", "-q", "--shrink", "--itf", "--render", "--report", "--engine", "--depth", "--json",
           "--progress", "--no-progress", "--print", "--ir", "--property", "--format", "--model", "--explain",
           "--explain-timeout", "--scale", "--spec", "-o", "--help", "--version", "-", "--", "--bogus", "-x")
VALUES = ("0", "-1", "1", "3", "1e9", "nan", "inf", "-inf", "1e-300", "99999999999999999999999", "", " ", "x", "N=3",
          "N=-1", "N=?", "N=1..3", "N=3..1", "RM=99", "RM=true", "X=1", "=3", "N", "none", "crash=1",
          "crash=-1", "none,crash=2", "partition=1,partition=2", "bogus=1", "1,2", "1,,2", "smt", "both",
          "explicit", "z3", "edn", "json", "porcupine-etcd", "kv", "register", "cas-register", "0.1.2", "0", "0.999",
          "N=3,5", "3,5", "a.dot", "a.png", "a.txt", "/dev/null", "/dev/zero", ".", "..", "missing/x",
          "specs", "x" * 300, "--", "-", "\u00e9", "a b", "$HOME", "'", "\\")


def random_argv(rng: random.Random, files: dict[str, str]) -> list[str]:
    """A command line of a command (or none) and one to six options and values; `files`
    names paths the fuzzer wrote (a spec, a history, a report, an ITF trace, an output
    directory) to use as arguments."""
    pool = VALUES + tuple(files.values())
    argv: list[str] = []
    if rng.random() < 0.9:
        argv.append(rng.choice(COMMANDS))
        if rng.random() < 0.8:
            argv.append(rng.choice(tuple(files.values()) + VALUES[:10]))
        if argv[0] in ("replay",) and rng.random() < 0.8:
            argv.append(rng.choice(tuple(files.values()) + ("0", "0.1", "0.99.1", "x")))
    for _ in range(rng.randrange(1, 7)):
        if rng.random() < 0.6:
            argv.append(rng.choice(OPTIONS))
        argv.append(rng.choice(pool))
    return argv
