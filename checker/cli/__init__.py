"""The `capcheck` command line: `main(argv) -> exit code` (checker/cli/app.py).

One module per command (`parse`, `check`, `replay`, `history`, `cap`, `render`), the
options they share (`options`), what they write and their exit codes (`output`), the
engine choice of `check` (`engines`) and the HTML report (`report`). The command line is
a thin layer over checker/pipeline.py, the engines and the renderers; it is the only part
of capcheck that prints.
"""

from checker.cli.app import main

__all__ = ["main"]
