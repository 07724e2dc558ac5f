"""One serving process per SQLite database: an OS file lock (`flock`) on a file beside the database.

The kernel releases the lock when its holder exits for any reason (SIGKILL and OOM kills included), so a crashed
process never blocks the next start. The lock file records who holds it (pid, host, command, start time) for the
message a second process prints. PostgreSQL needs no such guard: there, replicas claim work with row locks.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bot.errors import AdvisorError

# Reading the holder's details can race with it writing them just after taking the lock: retry briefly.
_HOLDER_READ_TRIES = 20
_HOLDER_READ_PAUSE = 0.05


class DatabaseInUseError(AdvisorError):
    """Another serving process holds the database."""


@dataclass(frozen=True)
class Holder:
    """Who holds the lock, as its lock file says."""

    pid: int | None
    host: str
    command: str
    started: str

    def describe(self) -> str:
        """`ai-advisor serve (pid 123 on host-a, started 2026-11-29T13:20:00Z)`; the unknown parts left out."""
        pid = f"pid {self.pid}" if self.pid is not None else "pid unknown"
        host = f" on {self.host}" if self.host else ""
        started = f", started {self.started}" if self.started else ""
        return f"ai-advisor {self.command or 'serve'} ({pid}{host}{started})"


def lock_path(db_path: Path) -> Path:
    """The lock file beside a database file: `advisor.db` → `advisor.db.lock`."""
    return db_path.with_name(db_path.name + ".lock")


def read_holder(path: Path) -> Holder:
    """The holder recorded in a lock file (fields left empty when it cannot be read)."""
    for _ in range(_HOLDER_READ_TRIES):
        try:
            data = json.loads(path.read_text(encoding="utf-8") or "null")
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict):
            pid = data.get("pid")
            return Holder(
                pid if isinstance(pid, int) else None,
                str(data.get("host") or ""),
                str(data.get("command") or ""),
                str(data.get("started") or ""),
            )
        time.sleep(_HOLDER_READ_PAUSE)
    return Holder(None, "", "", "")


class SingleNodeLock:
    """Held for the life of a serving process; `release` (or the process's exit) lets the next one in."""

    def __init__(self, db_path: Path, command: str) -> None:
        self.db_path = db_path.resolve()
        self.path = lock_path(self.db_path)
        self.command = command
        self._file: IO[str] | None = None

    def acquire(self, *, wait: bool = False, on_wait: Callable[[Holder], None] | None = None) -> SingleNodeLock:
        """Take the lock, or raise DatabaseInUseError naming the holder; with `wait`, block until it exits."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")  # "a+": never truncates what the holder wrote
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = read_holder(self.path)
            if not wait:
                handle.close()
                raise DatabaseInUseError(
                    f"{self.db_path} is in use by {holder.describe()}; stop it first, or start this one with "
                    "--wait-for-lock to take over when it exits (two processes on one SQLite database would "
                    "answer the same turns)"
                ) from None
            if on_wait is not None:
                on_wait(holder)
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        handle.truncate()
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        record = {"pid": os.getpid(), "host": socket.gethostname(), "command": self.command, "started": started}
        handle.write(json.dumps(record) + "\n")
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        """Let the next process in (the file stays: removing it would race with one opening it)."""
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> SingleNodeLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
