"""What the search reduces the state graph by, and what its report says about it: the key
its visited table uses (one per orbit of the spec's symmetric sets, model/symmetry.py)
and the ample sets of partial-order reduction (model/por.py), each with the conditions
under which it is sound."""

from __future__ import annotations

from typing import Callable

from checker.model import Model
from checker.props import kinds
from checker.result import Reduction


def visited_key(model: Model, symmetry: bool, graph: bool) -> tuple[Callable[[tuple], int], Reduction | None]:
    """The fingerprint the visited table uses, and what the report says about symmetry
    (None: the spec declares none); `symmetry` False: --no-symmetry; `graph`: the run
    keeps the state graph. The canonical key of model/symmetry.py merges each
    orbit of the symmetric sets into one state, which decides invariants, the history
    checks and deadlocks exactly (each is invariant under the symmetries); `available` and
    `converges` are decided on the state graph with fairness over each node's steps, which
    the quotient does not keep, so a run that checks them searches the full graph."""
    sym = model.symmetry
    if sym is None:
        return model.fingerprint, None
    over = tuple(s.text() for s in sym.sets)
    if not symmetry:
        return model.fingerprint, Reduction("symmetry", False, over, "--no-symmetry")
    if graph:
        names = sorted({p.kind for p in model.program.properties if p.kind in kinds.LIVENESS})
        return model.fingerprint, Reduction("symmetry", False, over,
                                            f"check {' and '.join(names)} needs the full state graph")
    return model.key, Reduction("symmetry", True, over, "; ".join(sym.notes) or None)


def ample_sets(model: Model, por: bool, bounded: bool, graph: bool) -> tuple[Callable | None, Reduction | None]:
    """The ample-set chooser of partial-order reduction (model/por.py), or None, and what
    the report says about it (None: no state of the spec could ever have an ample set);
    `por` False: --no-por; `bounded`: a depth bound is set; `graph` as for visited_key.
    The reduction keeps every invariant, history-check and deadlock verdict of a complete
    search; `available` and `converges` are decided on the whole state graph, and a depth
    bound promises every run up to it, so runs that need either do without it."""
    if not model.por.applicable:
        return None, None
    if not por:
        return None, Reduction("partial-order reduction", False, (), "--no-por")
    if bounded:
        # A reduced search reaches some states only through a longer reordering, and may
        # put off a node's steps until the bound: it does not judge every run up to it.
        return None, Reduction("partial-order reduction", False, (),
                               "a depth bound: the reduced search does not try every run up to it")
    if graph:
        names = sorted({p.kind for p in model.program.properties if p.kind in kinds.LIVENESS})
        return None, Reduction("partial-order reduction", False, (),
                               f"check {' and '.join(names)} needs the full state graph")
    return model.por.ample, Reduction("partial-order reduction", True)
