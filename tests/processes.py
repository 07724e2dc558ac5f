"""Stopping server processes started by tests and benchmarks, and finding their children."""

from __future__ import annotations

import subprocess
from pathlib import Path


def stop(proc: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM (a graceful shutdown), then SIGKILL if it hasn't exited after `timeout` seconds."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _state(stat: Path) -> tuple[str, int] | None:
    """A process's state letter and parent pid from its /proc/PID/stat, or None when it is gone."""
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    except (FileNotFoundError, ProcessLookupError):
        return None
    return fields[0], int(fields[1])


def alive(pid: int) -> bool:
    """Whether `pid` is a live process: neither gone nor a zombie left for its parent (or init) to reap."""
    state = _state(Path(f"/proc/{pid}/stat"))
    return state is not None and state[0] != "Z"


def children(pid: int) -> list[int]:
    """The live (not zombie) child processes of `pid`, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        state = _state(stat)
        if state is not None and state[1] == pid and state[0] != "Z":
            found.append(int(stat.parent.name))
    return found
