"""Explicit-state search over a compiled model."""

from checker.explore.search import POLICIES, Progress, SearchOptions, replay, search

__all__ = ["POLICIES", "Progress", "SearchOptions", "replay", "search"]
