"""Fewer glibc malloc arenas: memory a worker thread frees can then serve the event loop.

glibc gives each thread that allocates its own arena (up to 8 per core), and memory freed in one
arena is never reused by another. The bot's threads (the database connections, `to_thread`
work) each take one, so freed memory piles up per thread: with two arenas the memory benchmark
peaks about 2 MB lower at no measurable CPU cost. The operator's own `MALLOC_ARENA_MAX` or
`GLIBC_TUNABLES` wins, and elsewhere than glibc nothing changes.
"""

from __future__ import annotations

import ctypes
import sys
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Mapping

ARENAS: Final = 2
_M_ARENA_MAX: Final = -8  # glibc's malloc.h
_OPERATOR_SETTINGS: Final = ("MALLOC_ARENA_MAX", "GLIBC_TUNABLES")


def limit_malloc_arenas(environ: Mapping[str, str]) -> bool:
    """Cap glibc's arenas at ARENAS before any thread starts; whether the cap was set."""
    if sys.platform != "linux" or any(name in environ for name in _OPERATOR_SETTINGS):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter already uses
    except (OSError, AttributeError):  # no dynamic loader, or a C library without mallopt
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, ARENAS))
