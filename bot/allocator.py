"""The C library's allocator, tuned for a long-running server process (glibc only; elsewhere nothing changes).

glibc gives each thread that allocates an arena of its own, up to 8 per core, and each arena keeps what was freed
in it for reuse instead of returning it. `serve` has a dozen threads (HTTP request threads, listener threads, the
outbox worker that draws charts, the log writer) that take turns under the GIL anyway, so separate arenas buy them
no parallelism, only memory kept: with two arenas the server was ~2 MB smaller after 1,000 conversations with
charts on, for no CPU per card that could be told from noise (BENCHMARKS.md, "Memory").
"""

from __future__ import annotations

import ctypes
import os

M_ARENA_MAX = -8  # mallopt's parameter number (glibc's malloc.h)
SERVER_ARENAS = 2


def limit_arenas(arenas: int = SERVER_ARENAS) -> bool:
    """Cap glibc's malloc arenas at `arenas` for the threads that start allocating from now on (so: before starting
    threads). An operator's MALLOC_ARENA_MAX wins. False when nothing was changed (that variable set, not glibc)."""
    if "MALLOC_ARENA_MAX" in os.environ or not _glibc():
        return False
    mallopt = ctypes.CDLL(None).mallopt
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, arenas))


def _glibc() -> bool:
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") is not None  # "glibc 2.36"; musl and macOS have no such name
    except (ValueError, OSError, AttributeError):
        return False
