"""`capcheck check --watch` (cli/watch.py): the spec is checked again each time its
modification time changes, a spec error does not end the watch, and the loop ends on a stop
request. The loop is driven with a fake clock: no test waits."""

from __future__ import annotations

from checker.cli.watch import watch
from checker.resources import StopRequest

SPEC = """protocol counter:
    "One node counts to a bound."
    node n:
        var x: 0..3 = 0
        action step when x < 3:
            x = x + 1
    invariant small: n.x <= @BOUND@
"""


class _Editor:
    """Saves a new version of the spec at given looks of the watch loop, and reports a new
    modification time after each save (instead of the real clock's)."""

    def __init__(self, path, versions: dict[int, str]) -> None:
        self.path, self.versions, self.looks, self.saves = path, versions, 0, 0

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.looks += 1
        if self.looks in self.versions:
            self.path.write_text(self.versions[self.looks])
            self.saves += 1

    def mtime(self, path: str) -> int:
        assert path == str(self.path)
        return self.saves


def _check(run_cli, path):
    return lambda: run_cli(["check", str(path)])[0]


def test_each_save_is_checked_and_nothing_else(run_cli, tmp_path, capsys) -> None:
    spec = tmp_path / "counter.cap"
    spec.write_text(SPEC.replace("@BOUND@", "1"))
    editor = _Editor(spec, {2: SPEC.replace("@BOUND@", "3"), 5: SPEC.replace("@BOUND@", "2")})
    codes = []

    def check() -> int:
        codes.append(_check(run_cli, spec)())
        return codes[-1]

    last = watch(str(spec), check, None, sleep=editor.sleep, mtime=editor.mtime, runs=3)
    assert codes == [1, 0, 1] and last == 1 and editor.looks == 5


def test_a_spec_error_is_shown_and_the_watch_goes_on(tmp_path, capsys) -> None:
    from checker.cli.app import main
    spec = tmp_path / "counter.cap"
    spec.write_text(SPEC.replace("@BOUND@", "3").replace("x <= 3", "x <= 3 +"))
    editor = _Editor(spec, {1: SPEC.replace("@BOUND@", "3")})
    last = watch(str(spec), lambda: main(["check", str(spec)]), None, sleep=editor.sleep, mtime=editor.mtime,
                 runs=2)
    out, err = capsys.readouterr()
    assert last == 0 and "error:" in err and "changed; checking it again" in err
    assert "invariant small: holds" in out


def test_a_stop_request_ends_the_watch(tmp_path) -> None:
    stop = StopRequest()
    looks = []

    def sleep(seconds: float) -> None:
        looks.append(seconds)
        if len(looks) == 3:
            stop.set(2)

    assert watch(str(tmp_path / "gone.cap"), lambda: 0, stop, sleep=sleep, mtime=lambda p: None) == 0
    assert len(looks) == 3


def test_watch_is_an_option_of_check(run_cli) -> None:
    code, out, _ = run_cli(["check", "--help"])
    assert code == 0 and "--watch" in out
