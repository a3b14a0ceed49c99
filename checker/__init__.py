"""capcheck: a model checker for replication and failover protocols.

The import package is `checker`; the command is `capcheck` (see checker.cli).
"""

__version__ = "0.1.0"
