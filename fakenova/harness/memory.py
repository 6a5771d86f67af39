"""Giving the system back memory that building a cloud used and freed.

Loading a large fixture frees much on its way: the fixture file's text, the parsed document,
the fixture check's work. What larger objects took from glibc's malloc stays with the
process, free but resident, until malloc is asked to hand it back: this module asks.
(CPython's own allocator keeps what it frees for the objects made next, and gives back a
1 MiB arena only once all of it is free: that is why a cloud drops each fixture document
before it copies its baseline, which then fills the room the document held.)
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS,
    Windows). ctypes is imported here, when first needed, not with fakenova."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        trim: Callable[[int], int] | None = getattr(ctypes.CDLL(None), "malloc_trim", None)
    except OSError:
        return None
    return trim


def give_back_freed_memory() -> None:
    """Return to the system the free pages glibc's malloc holds, wherever they are in its
    heap (0.2 ms after loading 10,000 servers and volumes); nothing where there is no
    ``malloc_trim``."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
