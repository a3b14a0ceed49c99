"""The pytest plugin (entry point `pytest11`, name `capcheck`): `pytest` collects every
`*.cap` file that states expectations (`check linearizable expect violated`) and makes
each expectation a test item, `spec.cap::check linearizable`. The spec is checked once,
when its first item runs (checker/expectations.py); a failure reports what was expected,
what the check found and, for a violation, the counterexample. A spec that cannot be
parsed is a collection error with the located message capcheck prints.

Importing this module costs nothing of capcheck's: pytest loads it in every run of every
project where capcheck is installed.
"""

from __future__ import annotations

import pytest


def pytest_collect_file(file_path, parent):
    if file_path.suffix != ".cap":
        return None
    from checker.expectations import may_have_expectations

    try:
        data = file_path.read_bytes()
    except OSError:
        return None
    return SpecFile.from_parent(parent, path=file_path) if may_have_expectations(data) else None


class ExpectationFailed(Exception):
    """An expectation the check did not meet (its Outcome)."""


class SpecFile(pytest.File):
    """A spec with expectations: an item per expectation."""

    def collect(self):
        from checker.expectations import load_expectations

        for expected in load_expectations(str(self.path)):
            yield SpecItem.from_parent(self, name=expected.title, expected=expected)

    def outcome(self, expected):
        """The Outcome of one expectation; the spec is checked on the first call."""
        if not hasattr(self, "_outcomes"):
            from checker.expectations import check_spec

            self._outcomes = {o.expected: o for o in check_spec(str(self.path))}
        return self._outcomes[expected]

    def repr_failure(self, excinfo, style=None):
        return _located(excinfo) or super().repr_failure(excinfo, style)


class SpecItem(pytest.Item):
    """One expectation of a spec."""

    def __init__(self, *, expected, **kwargs) -> None:
        super().__init__(**kwargs)
        self.expected = expected

    def runtest(self) -> None:
        parent = self.parent
        assert isinstance(parent, SpecFile)  # made by SpecFile.collect
        outcome = parent.outcome(self.expected)
        if not outcome.passed:
            raise ExpectationFailed(outcome)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ExpectationFailed):
            outcome = excinfo.value.args[0]
            return outcome.message() + (f"\ncounterexample:\n{outcome.trace}" if outcome.trace else "")
        return _located(excinfo) or super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"{self.path.name}::{self.name}"


def _located(excinfo) -> str | None:
    """The message capcheck prints for a spec or usage error, else None."""
    from checker.errors import SpecError, UsageError

    if isinstance(excinfo.value, SpecError):
        return excinfo.value.render()
    if isinstance(excinfo.value, UsageError):
        return f"error: {excinfo.value}"
    return None
