"""When a registry over a store should next ask it for others' commits: one thread per process says so.

A read of a registry that follows a store checks one attribute, ``_check``. After a poll, the registry asks
the ticker to set it again ``seconds`` later (``after``); the ticker's thread sleeps until the earliest such
moment, sets the flag, and sleeps again, so a busy registry is polled at most once per interval and an idle
one costs nothing (no reads: nothing is scheduled, the thread waits). Reading the clock on every call would
cost more than the rest of a ``resolve``.

If no thread can be started, or in the child of a fork (threads do not survive it), every registry that was
waiting for a tick is marked at once, so it polls on its next read and schedules again.
"""

from __future__ import annotations

import heapq
import itertools
import os
import threading
import time
import weakref
from typing import Any, Protocol


class Due(Protocol):
    _check: bool


class Ticker:
    """Sets ``target._check = True`` when each target's moment comes; one thread, started on first use."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, weakref.ref[Any]]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def after(self, seconds: float, target: Due) -> None:
        """Set ``target._check`` in ``seconds`` (at once when no thread can run the ticks)."""
        with self._cond:
            heapq.heappush(self._heap, (time.monotonic() + seconds, next(self._order), weakref.ref(target)))
            if self._thread is None:
                thread = threading.Thread(target=self._run, name="modelreg-ticker", daemon=True)
                try:
                    thread.start()
                except RuntimeError:  # no new threads (interpreter shutting down): poll on every read instead
                    self._heap.pop()
                    target._check = True
                    return
                self._thread = thread
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                when, _, ref = self._heap[0]
                wait = when - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
            target = ref()
            if target is not None:
                target._check = True

    def _forked(self) -> None:
        """In a forked child: the thread is gone; whoever waited for a tick polls on its next read."""
        waiting = [ref() for _, _, ref in self._heap]
        self._reset()
        for target in waiting:
            if target is not None:
                target._check = True


TICKER = Ticker()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=TICKER._forked)
