"""Stopping server processes started by tests and benchmarks."""

from __future__ import annotations

import subprocess


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
