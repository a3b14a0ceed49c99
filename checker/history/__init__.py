"""Reading recorded histories: Porcupine's etcd and kv logs, Jepsen's EDN, our JSON.

`read_history(path, data, fmt, model)` turns the bytes of a file into a `History`: the
operations (each with its process, name, arguments, result, and the lines of its
invocation and response), the model and the SequentialSpec to check them against. Every
mistake in a file is a located SpecError. checker/render/history.py renders what the
checker found.
"""

from checker.history.models import MODELS, HistoryModel
from checker.history.read import FORMATS, History, decode, detect, read_history

__all__ = ["FORMATS", "MODELS", "History", "HistoryModel", "decode", "detect", "read_history"]
