"""Renaming the ids inside encoded values, by type: what symmetry reduction
(checker/model/symmetry.py) applies to a state's slots to rename the members of its
symmetric sets, or to abstract them to markers when it colours them. Pure."""

from __future__ import annotations

from typing import Callable, Sequence

from checker.model.values import NONE, _order_key
from checker.semantics.types import (
    ClientT, HandleT, MapT, NodeT, OptionT, RecordT, SeqT, SetT, TupleT, Type, some_part,
)

# v, the new id of each node, the new id of each client -> v renamed
Renamer = Callable[[object, Sequence[int], Sequence[int]], object]


def sorter(t: Type) -> Callable[[list], list]:
    """A total order for values of type t: plain `sorted` unless they may hold frozensets
    (whose `<` is inclusion, not a total order)."""
    if some_part(t, lambda x: isinstance(x, SetT)):
        return lambda xs: sorted(xs, key=_order_key)
    return sorted




class Renamers:
    """Renamers of encoded values by type: `renamer(t, abstract)(v, nodes, clients)` is v with
    every node id g replaced by nodes[g] and every client c by clients[c] (None when a value
    of type t can hold no id of a symmetric set). With `abstract`, the maps may send several
    ids to one marker, and sets and maps become sorted tuples (multisets), so that equal
    abstractions are equal values."""

    def __init__(self, sym_roles: set[str], clients: bool) -> None:
        self.sym_roles = sym_roles
        self.clients = clients

    def holds_ids(self, t: Type) -> bool:
        return some_part(t, self._is_id)

    def _is_id(self, t: Type) -> bool:
        if isinstance(t, NodeT):
            return bool(self.sym_roles & set(t.roles))
        return isinstance(t, (ClientT, HandleT)) and self.clients

    def renamer(self, t: Type, abstract: bool = False) -> Renamer | None:
        if not self.holds_ids(t):
            return None
        match t:
            case NodeT():
                return lambda v, n, c: n[v]  # type: ignore[index]
            case ClientT():
                return lambda v, n, c: c[v]  # type: ignore[index]
            case HandleT():
                return lambda v, n, c: (c[v[0]], v[1])  # type: ignore[index]
            case OptionT(inner=NodeT()):
                return lambda v, n, c: v if v == NONE else n[v]  # type: ignore[index]
            case OptionT(inner=inner):
                f = self.renamer(inner, abstract)
                return lambda v, n, c: v if v == NONE else f(v, n, c)  # type: ignore[misc]
            case SetT(elem=elem):
                return self._set(elem, abstract)
            case MapT(key=key, value=value):
                return self._map(t, key, value, abstract)
            case SeqT(elem=elem):
                f = self.renamer(elem, abstract)
                return lambda v, n, c: tuple([f(x, n, c) for x in v])  # type: ignore[misc, union-attr]
            case RecordT(fields=fields):
                return self.fields([ft for _, ft in fields], abstract)
            case TupleT(elems=elems):
                return self.fields(list(elems), abstract)
        return None

    def fields(self, types: list[Type], abstract: bool, first: int = 0) -> Renamer:
        """A renamer of tuples of `first + len(types)` items whose items from `first` on have
        `types` (earlier ones kept). Compiled to one expression (`v[0], n[v[1]], f2(v[2],
        n, c)`): messages and records are renamed in the hottest part of the key."""
        namespace: dict = {}
        return eval(f"lambda v, n, c: {self.fields_text(types, abstract, first, 'v', namespace)}",  # noqa: S307
                    namespace)  # our own text, no spec text

    def fields_text(self, types: list[Type], abstract: bool, first: int, var: str, namespace: dict) -> str:
        """The expression `fields` compiles, over the tuple named `var`; the renamers it
        calls are put into `namespace`."""
        items = [f"{var}[{i}]" for i in range(first)]
        for i, t in enumerate(types, start=first):
            f = self.renamer(t, abstract)
            if f is None:
                items.append(f"{var}[{i}]")
            elif isinstance(t, NodeT):
                items.append(f"n[{var}[{i}]]")
            elif isinstance(t, ClientT):
                items.append(f"c[{var}[{i}]]")
            else:
                name = f"f{len(namespace)}"
                namespace[name] = f
                items.append(f"{name}({var}[{i}], n, c)")
        return f"({', '.join(items)},)"

    def _set(self, elem: Type, abstract: bool) -> Renamer:
        if isinstance(elem, NodeT):   # the common case, without a call per element
            if abstract:
                return lambda v, n, c: tuple(sorted([n[x] for x in v]))  # type: ignore[union-attr]
            return lambda v, n, c: frozenset([n[x] for x in v])  # type: ignore[union-attr]
        f = self.renamer(elem, abstract)
        if abstract:
            order = sorter(elem)
            return lambda v, n, c: tuple(order([f(x, n, c) for x in v]))  # type: ignore[misc, union-attr]
        return lambda v, n, c: frozenset([f(x, n, c) for x in v])  # type: ignore[misc, union-attr]

    def _map(self, t: Type, key: Type, value: Type, abstract: bool) -> Renamer:
        fk = self.renamer(key, abstract) or (lambda v, n, c: v)
        fv = self.renamer(value, abstract) or (lambda v, n, c: v)
        order = sorter(t) if abstract else sorter(key)
        if abstract or order is sorted:   # distinct keys: sorting the pairs sorts the keys
            return lambda v, n, c: tuple(order([(fk(k, n, c), fv(x, n, c)) for k, x in v]))  # type: ignore[union-attr]
        return lambda v, n, c: tuple(sorted([(fk(k, n, c), fv(x, n, c)) for k, x in v],  # type: ignore[union-attr]
                                            key=lambda kv: _order_key(kv[0])))
