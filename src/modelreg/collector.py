"""Python's cyclic garbage collector paused while a bulk of long-lived objects is made.

Decoding the compiled catalog or building every ``Model`` makes tens of thousands of containers that live as
long as the registry. While they are made, every generation-0 collection scans the newest ones and the older
generations are rescanned as they fill, so the time grows faster than the catalog (records of a 10x catalog
took 24x as long, building every model 44x). None of it is garbage: with the collector paused, a build is
linear in what it makes. Reference counting still frees everything that is dropped meanwhile.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The cyclic collector off for the block, then as it was (a caller who turned it off keeps it off)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
