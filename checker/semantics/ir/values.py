"""Values a program's constants and literals take."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

# ---------------------------------------------------------------- values


@dataclass(frozen=True, order=True)
class NodeId:
    """A node: its global index (declaration order of roles, then index), role and index."""

    gid: int
    role: str
    index: int

    def __str__(self) -> str:
        return self.role if self.index < 0 else f"{self.role}[{self.index}]"


@dataclass(frozen=True, order=True)
class ClientId:
    index: int

    def __str__(self) -> str:
        return f"client[{self.index}]"


@dataclass(frozen=True)
class MapValue:
    """A partial map as a sorted tuple of (key, value) pairs: hashable and canonical."""

    items: tuple[tuple[object, object], ...]


Value = Union[bool, int, str, None, NodeId, ClientId, frozenset, tuple, MapValue]
