"""Semantic analysis: name resolution, types, finite domains, lowering to the IR.

`check(protocol, source, overrides)` turns a parsed spec into an `ir.Program` or raises
`SpecError` listing every located problem.
"""

from checker.semantics.check import check

__all__ = ["check"]
