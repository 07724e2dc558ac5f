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


def children(pid: int) -> list[int]:
    """The live (not zombie) child processes of `pid`, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found
