"""`capcheck lsp` (checker/lsp/): the language server, tested over stdio with real JSON-RPC
messages (initialize, didOpen, didChange, documentSymbol, definition, hover, shutdown,
exit) in a subprocess; and its analysis functions directly."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading

import pytest

from checker.lsp.analysis import analyse, definitions, hover, word_at

from support import REPO_ROOT

pytest.importorskip("pygls")

SPEC = '''protocol tiny:
    "One node counts."
    const LIMIT = 2
    message bump(by: 1..2)
    node n:
        var x: 0..4 = 0
        action go when x < LIMIT:
            x = x + 1
            send bump(1) to n
        on bump(by) from p:
            x = x + by
    invariant bounded: n.x <= 4
'''


class Client:
    """A JSON-RPC client of a `capcheck lsp` subprocess: messages framed with
    Content-Length, read by a thread into a queue."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "checker", "lsp"], cwd=REPO_ROOT, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.inbox: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            self.inbox.put(json.loads(out.read(length)))

    def send(self, method: str, params: object, request: bool = True) -> int | None:
        message: dict = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            message["id"] = self.next_id
        body = json.dumps(message).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()
        return message.get("id")

    def wait(self, match) -> dict:
        """The next message `match` accepts (others are skipped); fails if none comes."""
        while True:
            message = self.inbox.get(timeout=120)   # a safety net against a hang, not a timing
            if match(message):
                return message

    def call(self, method: str, params: object) -> object:
        ident = self.send(method, params)
        reply = self.wait(lambda m: m.get("id") == ident)
        assert "error" not in reply, reply
        return reply["result"]

    def diagnostics(self) -> list[dict]:
        return self.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")["params"]["diagnostics"]


URI = "file:///tmp/tiny.cap"


def _at(text: str, needle: str, nth: int = 0) -> dict:
    """The protocol position (0-based) of the `nth` occurrence of `needle`."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    line = text.count("\n", 0, start)
    return {"line": line, "character": start - (text.rfind("\n", 0, start) + 1)}


def test_a_session_over_stdio() -> None:
    client = Client()
    try:
        init = client.call("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        caps = init["capabilities"]
        assert caps["hoverProvider"] and caps["definitionProvider"] and caps["documentSymbolProvider"]
        assert init["serverInfo"]["name"] == "capcheck"
        client.send("initialized", {}, request=False)

        typo = SPEC.replace("x = x + by", "x = x + bye")
        client.send("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "capcheck", "version": 1,
                                                              "text": typo}}, request=False)
        [d] = client.diagnostics()
        assert "bye" in d["message"] and "did you mean 'by'" in d["message"] and d["source"] == "capcheck"
        assert d["range"]["start"] == _at(typo, "bye") and d["severity"] == 1

        client.send("textDocument/didChange", {"textDocument": {"uri": URI, "version": 2},
                                               "contentChanges": [{"text": SPEC}]}, request=False)
        assert client.diagnostics() == []

        symbols = client.call("textDocument/documentSymbol", {"textDocument": {"uri": URI}})
        assert [s["name"] for s in symbols] == ["LIMIT", "bump", "n", "bounded"]
        node = symbols[2]
        assert [c["name"] for c in node["children"]] == ["x", "go", "bump"]

        where = client.call("textDocument/definition", {"textDocument": {"uri": URI},
                                                        "position": _at(SPEC, "LIMIT", 1)})
        assert [w["range"]["start"] for w in where] == [_at(SPEC, "LIMIT")]

        said = client.call("textDocument/hover", {"textDocument": {"uri": URI}, "position": _at(SPEC, "x + 1")})
        assert said["contents"]["kind"] == "markdown"
        assert "variable `x` of node `n`" in said["contents"]["value"] and "var x: 0..4 = 0" in said["contents"]["value"]

        assert client.call("shutdown", None) is None
        client.send("exit", None, request=False)
        assert client.proc.wait(timeout=120) == 0
    finally:
        if client.proc.poll() is None:
            client.proc.kill()
            client.proc.wait()


def test_analysis_of_a_spec_that_does_not_parse() -> None:
    found = analyse("protocol p:\n    node n\n", "x.cap")
    assert found.symbols == () and len(found.diagnostics) == 1 and found.diagnostics[0].span.line == 2


def test_definitions_prefer_the_enclosing_node() -> None:
    text = SPEC.replace("    invariant", "    node m:\n        var x: 0..1 = 1\n    invariant")
    found = analyse(text, "t.cap")
    assert found.diagnostics == ()
    use = _at(text, "x < LIMIT")
    [own] = definitions(found.symbols, text, use["line"] + 1, use["character"] + 1)
    assert own.line == "var x: 0..4 = 0"
    anywhere = _at(text, "n.x")
    assert len(definitions(found.symbols, text, anywhere["line"] + 1, anywhere["character"] + 3)) == 2
    assert word_at(text, 1, 1) == "protocol" and word_at(text, 99, 1) is None
    assert hover(found.symbols, text, 1, 1) is None
