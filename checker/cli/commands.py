"""The table of `capcheck` commands: for each, the module that implements it and its
one-line help. Importing this module imports nothing else, so `capcheck --help` and
`capcheck --version` list the commands without importing any of them, and a command
imports only its own module (checker/cli/app.py); each module adds its subparser with
the help given here."""

from __future__ import annotations

from typing import NamedTuple


class Command(NamedTuple):
    module: str
    help: str


COMMANDS = {
    "parse": Command("checker.cli.parse", "check that a spec is well-formed"),
    "check": Command("checker.cli.check", "explore every interleaving of a spec and check its properties"),
    "replay": Command("checker.cli.replay", "replay a saved trace step by step"),
    "history": Command("checker.cli.history",
                       "check recorded histories (Porcupine, Jepsen EDN, JSON) for linearizability"),
    "cap": Command("checker.cli.cap", "classify a protocol: consistency, availability, convergence and cost"),
    "render": Command("checker.cli.render", "draw a saved trace as a sequence diagram (.svg, .dot or .png)"),
    "test": Command("checker.cli.expect", "check the expected verdicts that specs state, like pytest"),
    "completion": Command("checker.cli.completion", "print a shell completion script (bash or zsh)"),
    "lsp": Command("checker.cli.lsp", "run the language server for editors (over stdio)"),
}
"""In the order `capcheck --help` lists them."""


def chosen(argv: list[str]) -> str | None:
    """The command `argv` names: its first word that is not an option (the top-level
    options, --help and --version, take no value), if it is a command; else None."""
    first = next((word for word in argv if not word.startswith("-")), None)
    return first if first in COMMANDS else None
