"""`capcheck lsp`: the language server for editors (checker/lsp/server.py), over stdio."""

from __future__ import annotations

import argparse
import os
import sys

from checker.cli.output import EXIT_OK
from checker.errors import UsageError


def add_lsp_command(commands) -> None:
    cmd = commands.add_parser(
        "lsp", help="run the language server for editors (over stdin and stdout)",
        description="Run capcheck's language server (Language Server Protocol over stdio): diagnostics from "
                    "the real checker as you type, hover, go to definition and document symbols for .cap "
                    "files. Editors start it themselves (docs/editors.md). Needs pygls: "
                    "pip install 'capcheck[lsp]'.",
        epilog="exit codes: 0 the client asked the server to exit, 2 pygls is not installed")
    cmd.set_defaults(run=cmd_lsp)


def cmd_lsp(args: argparse.Namespace) -> int:
    try:
        from checker.lsp.server import make_server
    except ImportError as exc:
        raise UsageError(f"capcheck lsp needs the pygls package ({exc.name} is missing): "
                         "pip install 'capcheck[lsp]'") from None
    # pygls closes the streams it is given when the client says `exit`: give it its own
    # handles on fds 0 and 1, so the command's sys.stdout stays usable after it.
    with os.fdopen(os.dup(sys.stdin.fileno()), "rb") as stdin, os.fdopen(os.dup(sys.stdout.fileno()), "wb") as out:
        make_server().start_io(stdin, out)
    return EXIT_OK
