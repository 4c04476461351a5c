"""The DuckDB file and the run lock: opening the file with clear errors,
and one lock per warehouse (or Spark run directory) so two nightly runs
never write the same place at once."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb

from python_checks.errors import UsageError


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".mpm.lock")


@contextlib.contextmanager
def exclusive_run(warehouse: Path) -> Iterator[None]:
    """Hold the warehouse's run lock; refuse at once when another run holds it."""
    path = lock_path(warehouse)
    try:
        handle = open(path, "a+")  # noqa: SIM115 - held for the whole run
    except OSError as exc:
        raise UsageError(f"cannot create the run lock {path}: {exc.strerror}") from exc
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        handle.close()
        raise UsageError(
            f"another run is already using {warehouse} (lock {path}); wait for it to finish"
        ) from exc
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def _has_write_permission(path: Path) -> bool:
    # os.access alone says yes to root; the mode bits are what the owner meant.
    return os.access(path, os.W_OK) and bool(path.stat().st_mode & 0o222)


def ensure_writable(warehouse: Path) -> None:
    """The run writes marts into the warehouse and DuckDB writes its
    write-ahead log beside it: refuse up front, in one line, when it cannot."""
    if not warehouse.exists():
        raise UsageError(f"warehouse not found: {warehouse} (set WAREHOUSE_PATH)")
    if not _has_write_permission(warehouse):
        raise UsageError(
            f"warehouse {warehouse} is read-only: the run writes its marts into it "
            "(make the file writable)"
        )
    folder = warehouse.parent
    if not _has_write_permission(folder):
        raise UsageError(
            f"cannot write in {folder}: DuckDB keeps the warehouse's write-ahead log "
            "there (make the folder writable)"
        )


def connect(warehouse: Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, turning DuckDB's errors into one-line usage errors."""
    if not warehouse.exists():
        raise UsageError(f"warehouse not found: {warehouse} (set WAREHOUSE_PATH)")
    try:
        return duckdb.connect(str(warehouse), read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc).splitlines()[0]
        if "lock" in text.lower():
            raise UsageError(f"warehouse {warehouse} is locked by another process: {text}") from exc
        raise UsageError(f"cannot open warehouse {warehouse}: {text}") from exc
    except duckdb.Error as exc:
        raise UsageError(f"cannot open warehouse {warehouse}: {str(exc).splitlines()[0]}") from exc
