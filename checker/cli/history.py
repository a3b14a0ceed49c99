"""`capcheck history FILE_OR_DIR...`: is a recorded history (Porcupine, Jepsen EDN, JSON)
linearizable? With `--explain`, the smallest set of operations that contradict each other.
One file gets the full report; several files, or a directory, get one line each and a
summary (checker/cli/corpus.py), checked in this process or by `--jobs N` processes."""

from __future__ import annotations

import argparse
import os
import sys

from checker.cli.commands import COMMANDS
from checker.cli.options import add_json_option, positive_float, positive_int
from checker.cli.output import (
    EXIT_INCONCLUSIVE, EXIT_INTERRUPTED, EXIT_OK, EXIT_VIOLATED, REPORT_GRACE, emit, make_parent, write_json,
)
from checker.errors import UsageError
from checker.result import INTERRUPTED, Verdict


def add_history_command(commands) -> None:
    from checker.cli.corpus import SUFFIXES
    from checker.history import FORMATS, MODELS

    cmd = commands.add_parser(
        "history", help=COMMANDS["history"].help,
        description="Check that a recorded history of operations is linearizable: Wing and Gong's search "
                    "with Lowe's memoisation, key by key for a key-value store. Reads Porcupine's etcd and "
                    "kv logs, Jepsen's EDN histories and capcheck's JSON format (docs/history_format.md).",
        epilog="exit codes: 0 linearizable, 1 not linearizable, 2 unreadable history or bad usage, "
               "3 unknown (a limit was reached), 130/143 stopped by SIGINT/SIGTERM; for several files, "
               "the first that applies of 2, 1, 130/143, 3, 0")
    cmd.add_argument("files", metavar="FILE_OR_DIR", nargs="+",
                     help="history files; a directory stands for the files below it named *"
                          + ", *".join(SUFFIXES) + ". One file gets the full report, several one line each")
    cmd.add_argument("--jobs", type=positive_int, metavar="N", default=1,
                     help="check several files in N processes at once (default 1)")
    cmd.add_argument("--format", choices=FORMATS, default="auto",
                     help="the file's format (default: auto, told from its first line)")
    cmd.add_argument("--model", choices=tuple(MODELS),
                     help="the object the history is of (default: the one the format or the file names, "
                          "or the simplest one with all the history's operations)")
    cmd.add_argument("--timeout", type=positive_float, metavar="S",
                     help="stop after S seconds (the verdict is then unknown)")
    cmd.add_argument("--max-memory", type=positive_int, metavar="MIB",
                     help="stop when the process uses MIB mebibytes (default: 3/4 of the memory "
                          "available at the start)")
    cmd.add_argument("--stop-at-first", action="store_true",
                     help="stop once a key is found not linearizable, as Porcupine does: the keys not decided "
                          "by then are left unknown (default: they get as many turns again, so that the report "
                          "names the violated keys that are easy to find)")
    cmd.add_argument("--explain", action="store_true",
                     help="for a history that is not linearizable, find with Z3 the smallest set of operations "
                          "whose results contradict each other, checked by the offline checker")
    cmd.add_argument("--explain-timeout", type=positive_float, metavar="S", default=120.0,
                     help="seconds --explain may take in all (default 120); the explanation is then unknown")
    cmd.add_argument("--render", metavar="FILE",
                     help="with --explain: draw the explained part's timeline as FILE.svg (its core outlined), or the "
                          "explained operations as FILE.dot or FILE.png (Graphviz)")
    cmd.add_argument("--report", metavar="FILE.html",
                     help="also write a timeline of the history as one offline HTML file: a row per process, "
                          "each operation a bar from call to return, the longest linearizable prefix, the state "
                          "before and after each operation, and with --explain the explanation's operations")
    add_json_option(cmd)
    cmd.set_defaults(run=cmd_history)


def cmd_history(args: argparse.Namespace) -> int:
    """One file: its full report. Several files or a directory: one line each and a summary."""
    if len(args.files) == 1 and not os.path.isdir(args.files[0]):
        args.file = args.files[0]
        return _one_history(args)
    for name in ("explain", "render", "report"):
        if getattr(args, name):
            raise UsageError(f"--{name} is for one history; give one FILE")
    from checker.cli.corpus import check_corpus
    return check_corpus(args)


def _one_history(args: argparse.Namespace) -> int:
    """Read a history, check it, print the verdict (and, for a violation, where it fails)."""
    from checker.history.checking import check_history
    from checker.render import history as report

    history, result = check_history(args.file, args.format, args.model, args.budget, args.stop_at_first)
    if args.render and not args.explain:
        raise UsageError("--render draws the operations --explain finds; add --explain")
    explanation = _explanation(history, result, args) if args.explain else None
    data = report.data(history, result)
    if explanation is not None:
        data["explanation"] = report.explanation_data(history, explanation)
    write_json(args.json, report.dumps(data))
    if args.json != "-":
        lines = [report.text(history, result)]
        if explanation is not None:
            lines += report.explanation_text(history, explanation)
        emit("\n".join(lines))
    if explanation is not None and args.render and explanation.status == "explained":
        from checker.render.images import DotMissing, Pictures, write_file
        from checker.render.timeline import explanation_svg
        dot = Pictures(report.explanation_dot(history, explanation), explanation_svg(history, result, explanation))
        make_parent(args.render, "--render")
        try:
            write_file(dot, args.render, args.budget.extended(REPORT_GRACE))
        except DotMissing as exc:
            base = os.path.splitext(args.render)[0] + ".svg"
            write_file(dot, base)
            emit(f"{exc}; wrote {base}", sys.stderr)
        except (OSError, ValueError) as exc:
            raise UsageError(f"--render: cannot write '{args.render}': {getattr(exc, 'strerror', None) or exc}") \
                from None
    if args.report:
        _write_timeline(args.report, history, result, explanation)
    if result.verdict is Verdict.UNKNOWN and result.reason == INTERRUPTED:
        return EXIT_INTERRUPTED
    return {Verdict.HOLDS: EXIT_OK, Verdict.VIOLATED: EXIT_VIOLATED}.get(result.verdict, EXIT_INCONCLUSIVE)


def _write_timeline(target: str, history, result, explanation) -> None:
    """`--report FILE.html`: the history's timeline (render/timeline.py)."""
    from checker.render.timeline import page
    make_parent(target, "--report")
    try:
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(page(history, result, explanation))
    except OSError as exc:
        raise UsageError(f"--report: cannot write '{target}': {exc.strerror or type(exc).__name__}") from None
    emit(f"report: {target}", sys.stderr)


def _explanation(history, result, args: argparse.Namespace):
    """`--explain`: smt/explain.py's explanation of the offline checker's verdict."""
    from checker.smt.explain import ExplainOptions, Explanation, explain
    if history.spec is None or not history.operations:
        return Explanation("linearizable")
    return explain(history.spec, history.operations, result, ExplainOptions(timeout=args.explain_timeout,
                                                                             budget=args.budget))
