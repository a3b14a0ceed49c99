"""editors/vscode/: the VS Code extension's files are valid (JSON, JavaScript when node is
installed), its TextMate grammar's patterns compile and cover every keyword of the spec
grammar (checker/dsl/grammar.lark), and docs/editors.md names what the extension has."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from support import REPO_ROOT

VSCODE = REPO_ROOT / "editors" / "vscode"


def _json(name: str) -> dict:
    return json.loads((VSCODE / name).read_text(encoding="utf-8"))


def _patterns(node) -> list[str]:
    """Every `match`, `begin` and `end` regular expression of a TextMate grammar."""
    if isinstance(node, dict):
        own = [node[k] for k in ("match", "begin", "end") if isinstance(node.get(k), str)]
        return own + [p for v in node.values() for p in _patterns(v)]
    if isinstance(node, list):
        return [p for v in node for p in _patterns(v)]
    return []


def test_the_manifest_points_at_files_that_exist() -> None:
    manifest = _json("package.json")
    contributes = manifest["contributes"]
    assert contributes["languages"][0]["extensions"] == [".cap"]
    for path in [contributes["languages"][0]["configuration"], contributes["grammars"][0]["path"],
                 contributes["snippets"][0]["path"], manifest["main"]]:
        assert (VSCODE / path).is_file(), path
    assert [c["command"] for c in contributes["commands"]] == ["capcheck.checkFile"]
    assert "capcheck.checkFile" in (VSCODE / "extension.js").read_text()
    _json("language-configuration.json")
    for name, snippet in _json("snippets/capcheck.json").items():
        assert snippet["prefix"] and snippet["body"], name


def test_the_grammar_compiles_and_covers_every_keyword() -> None:
    grammar = _json("syntaxes/capcheck.tmLanguage.json")
    compiled = [re.compile(p) for p in _patterns(grammar)]
    lark = (REPO_ROOT / "checker" / "dsl" / "grammar.lark").read_text()
    keywords = sorted(set(re.findall(r'"([a-z_]+)"', lark)))
    assert len(keywords) > 40
    missing = [k for k in keywords if not any(p.search(f" {k} x") and p.search(f" {k} x").group(0).strip().startswith(k)
                                              for p in compiled)]
    assert missing == []
    spec = (REPO_ROOT / "specs" / "async_primary_backup.cap").read_text()
    comment = next(p for p in compiled if p.pattern == "#.*$")
    assert all(comment.search(line) for line in spec.splitlines() if line.strip().startswith("#"))


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_extension_script_is_valid_javascript() -> None:
    done = subprocess.run(["node", "--check", str(VSCODE / "extension.js")], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_editor_guide_covers_the_extension_and_the_server() -> None:
    guide = (REPO_ROOT / "docs" / "editors.md").read_text()
    for needle in ("editors/vscode", "capcheck lsp", "--error-format json", "capcheck[lsp]", "capcheck.checkFile",
                   "hover", "definition", "symbols"):
        assert needle in guide, needle
