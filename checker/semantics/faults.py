"""Fault budgets: what each kind needs from the rest of a spec, and the `--faults` override.

The semantic checker (check.py) reads the spec's `faults` declaration into a dict of
budgets, reports a budget whose kind lacks what it needs as a located error, then applies
the command line's override here, so every command that checks a spec sees the same
program. A mistake in the override is a `UsageError`: it has no place in the spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from checker.errors import InternalError, UsageError
from checker.semantics import ir


@dataclass(frozen=True)
class FaultOverride:
    """Budgets given on the command line (`--faults none,crash=2`): with `clear`, every
    budget of the spec is first set to 0; then each (kind, n) of `budgets` replaces the
    budget of its kind, or adds one the spec does not declare."""

    clear: bool = False
    budgets: tuple[tuple[str, int], ...] = ()
    aims: tuple[tuple[str, str, object], ...] = ()   # (kind, target as written, its ast.Expr)

    def __post_init__(self) -> None:
        for kind, n in self.budgets:
            if kind not in ir.FAULT_KINDS or n < 0:
                raise InternalError(f"a fault override of {kind}={n}")

    def text(self) -> str:
        """The override as `--faults` takes it: `none,crash=2 on tm`."""
        on = {kind: f" on {text}" for kind, text, _ in self.aims}
        return ",".join((["none"] if self.clear else []) + [f"{k}={n}{on.get(k, '')}" for k, n in self.budgets])


def requirement(kind: str, budgets: Mapping[str, int | None], network: ir.Network, clients: bool) -> str | None:
    """Why a non-zero budget of `kind` cannot be given in a spec with these budgets, this
    network and (or without) clients, as a sentence; None when it can."""
    if kind == "loss" and not network.lossy:
        return "a 'loss' budget needs a lossy network: 'network unordered, lossy'"
    if kind == "give_up" and not clients:
        return "only clients give up on requests: declare 'clients N'"
    if kind == "restart" and not budgets.get("crash"):
        return "a node can only restart after it crashed: add a 'crash' budget"
    if kind == "duplicate" and network.mode == "fifo":
        return ("a fifo network does not duplicate messages: each of its links models a TCP "
                "connection, which delivers every message once, in order; use 'network unordered' "
                "for a network that may duplicate them")
    if kind == "duplicate" and network.mode == "duplicating":
        return ("a 'duplicate' budget adds nothing to a duplicating network, where every message can "
                "already be delivered any number of times; use 'network unordered' to bound how many "
                "copies there are")
    return None


def override(budgets: dict[str, int], change: FaultOverride, network: ir.Network,
             clients: bool) -> dict[str, int]:
    """The spec's `budgets` (kind -> bound, as declared) after the override `change`.

    Raises UsageError when a budget the override gives, or one of the spec's that it leaves
    without what it needs (a `restart` once `crash=0`), cannot be given in this spec.
    """
    out = {k: 0 for k in ir.FAULT_KINDS} if change.clear else dict(budgets)
    given = dict(change.budgets)
    out.update(given)
    for kind in ir.FAULT_KINDS:
        problem = requirement(kind, out, network, clients) if out.get(kind) else None
        if problem is None:
            continue
        if kind in given:
            raise UsageError(f"--faults {kind}={given[kind]}: {problem}")
        raise UsageError(f"--faults {change.text()}: the spec's budget '{kind} <= {out[kind]}' is then "
                         f"left without what it needs ({problem}); add {kind}=0 to drop it")
    return out


def faults_of(budgets: Mapping[str, int], network: ir.Network,
              aimed: Mapping[str, tuple] | None = None) -> ir.Faults:
    """The IR of a set of budgets, some `aimed` at nodes or links: on a lossy network
    without a `loss` budget, any number of messages may be lost."""
    aims = tuple(sorted((aimed or {}).items()))
    if "loss" not in budgets and network.lossy:
        return ir.Faults(**budgets, loss=None, aimed=aims)  # type: ignore[misc]
    return ir.Faults(**budgets, aimed=aims)


NODE_FAULTS = ("crash", "restart", "pause")
LINK_FAULTS = ("link", "oneway")


def aim(kind: str, value: object) -> tuple[str | None, tuple]:
    """What a budget of `kind` written `KIND <= N on VALUE` may hit (`value` folded): the
    gids of a node or set of nodes, or the (a, b) gid pairs of a pair or set of pairs of
    nodes (a `link` cut is both ways, so its pairs are ordered a < b); or why it cannot be
    aimed so, as a sentence."""
    if kind in NODE_FAULTS:
        nodes = value if isinstance(value, frozenset) else frozenset([value])
        if nodes and all(isinstance(n, ir.NodeId) for n in nodes):
            return None, tuple(sorted(n.gid for n in nodes))  # type: ignore[union-attr]
        return f"a '{kind}' budget is aimed at a node or a set of nodes, e.g. '{kind} <= 1 on coordinator'", ()
    if kind in LINK_FAULTS:
        pairs = value if isinstance(value, frozenset) else frozenset([value])
        if pairs and all(_pair(p) for p in pairs):
            gids = [(p[0].gid, p[1].gid) for p in pairs]  # type: ignore[index]
            return None, tuple(sorted({tuple(sorted(g)) if kind == "link" else g for g in gids}))
        return (f"a '{kind}' budget is aimed at links: a pair of different nodes '(a, b)' or a set of "
                f"pairs, e.g. '{kind} <= 1 on (tm, rm[0])'"), ()
    hint = "; cut single links with 'link <= N on (a, b)'" if kind == "partition" else ""
    return f"a '{kind}' budget cannot be aimed: only {', '.join(NODE_FAULTS + LINK_FAULTS)} can{hint}", ()


def _pair(value: object) -> bool:
    return (isinstance(value, tuple) and len(value) == 2 and all(isinstance(n, ir.NodeId) for n in value)
            and value[0] != value[1])
