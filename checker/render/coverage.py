"""Coverage (`--coverage`) as text, JSON data and warnings: how often each kind of step
was enabled and fired (result.Coverage), and the ones that never fired. Pure functions;
the same counts give the same bytes."""

from __future__ import annotations

from checker.result import Coverage

HEADERS = ("step", "line", "enabled", "fired")


def rows(cov: Coverage) -> list[tuple[str, str, str, str]]:
    """One row of text cells per step kind: its name, its line in the spec ('' for a fault
    or a client step), the states it was enabled in and the steps it took."""
    return [(name, "" if line is None else str(line), f"{e:,}", f"{f:,}")
            for name, line, e, f in zip(cov.names, cov.lines, cov.enabled, cov.fired)]


def table_lines(cov: Coverage) -> list[str]:
    """The coverage table of the text report, under a sentence saying what it counts."""
    cells = [HEADERS] + rows(cov)
    widths = [max(len(r[k]) for r in cells) for k in range(len(HEADERS))]
    out = [f"coverage over the {cov.states:,} state{'s' if cov.states != 1 else ''} expanded: enabled = in how "
           f"many a step could be taken, fired = how many transitions it took"]
    for r in cells:
        out.append("  " + "  ".join(c.ljust(w) if k == 0 else c.rjust(w) for k, (c, w) in enumerate(zip(r, widths))))
    return out


def warnings(cov: Coverage, spec: str) -> list[str]:
    """A warning per step kind that never fired, located at its line when it has one:
    `spec:12: warning: rm.action abort never fired ...`."""
    states = f"{cov.states:,} state{'s' if cov.states != 1 else ''}"
    out = []
    for i in cov.never_fired():
        where = spec if cov.lines[i] is None else f"{spec}:{cov.lines[i]}"
        out.append(f"{where}: warning: {cov.names[i]} never fired in the {states} explored: what holds may "
                   f"hold only because it never happens")
    return out


def data(cov: Coverage) -> dict:
    """The JSON report's `coverage`: the states expanded, every step kind's counts, and the
    names of those that never fired."""
    return {"states": cov.states,
            "steps": [{"name": n, "line": line, "enabled": e, "fired": f}
                      for n, line, e, f in zip(cov.names, cov.lines, cov.enabled, cov.fired)],
            "never_fired": [cov.names[i] for i in cov.never_fired()]}
