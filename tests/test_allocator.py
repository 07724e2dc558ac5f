"""The C library's malloc arenas capped for a serving process (bot/allocator.py), checked in fresh interpreters."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = [
    pytest.mark.slow,  # fresh interpreters: the arenas a process has cannot be undone
    pytest.mark.skipif(not hasattr(os, "confstr") or os.confstr("CS_GNU_LIBC_VERSION") is None, reason="glibc only"),
]

# Four threads each allocate from malloc (buffers over pymalloc's 512 bytes) while the others hold theirs, then
# glibc's malloc_stats() lists one "Arena N:" block per arena on stderr.
SCRIPT = """
import ctypes, sys, threading
from bot.allocator import limit_arenas
print(limit_arenas(int(sys.argv[1])) if sys.argv[1] != "-" else "untouched")
barrier = threading.Barrier(4)
def work():
    held = [bytearray(4096) for _ in range(200)]
    barrier.wait()
threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
ctypes.CDLL(None).malloc_stats()
"""


def arenas(limit: str, **env: str) -> tuple[str, int]:
    """What limit_arenas returned and how many arenas the threads ended up with."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, limit],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"} | env,
    )
    return done.stdout.strip(), sum(line.startswith("Arena ") for line in done.stderr.splitlines())


def test_threads_share_the_capped_arenas() -> None:
    assert arenas("-")[1] > 2  # each thread allocating gets an arena of its own by default
    assert arenas("2") == ("True", 2)


def test_an_operators_malloc_arena_max_is_left_alone() -> None:
    said, count = arenas("1", MALLOC_ARENA_MAX="3")
    assert said == "False"
    assert count == 3
