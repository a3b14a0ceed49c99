"""The engine-facing model: state layout, encoded values, and the compiled transition system."""

from checker.model.system import Invariant, Model, Unsupported, compile_model

__all__ = ["Invariant", "Model", "Unsupported", "compile_model"]
