"""Errors that end a run with exit code 2: the input or the configuration is
wrong, so no check result would mean anything. Each carries one line that
names what is wrong and where."""

from __future__ import annotations


class UsageError(Exception):
    """Bad input, configuration or environment: exit 2 with a one-line reason."""

    exit_code = 2


class InputError(UsageError):
    """A source table cannot be read as the contract says."""

    def __init__(self, table: str, reason: str, column: str | None = None):
        self.table, self.column, self.reason = table, column, reason
        where = f"{table}.{column}" if column else table
        super().__init__(f"input error: {where}: {reason}")


class ConfigError(UsageError):
    """A declaration (thresholds, vars, paths) is invalid."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"configuration error: {source}: {reason}")
