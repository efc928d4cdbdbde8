"""A loop in a daemon thread that the service starts and stops with its lifespan (``serve --sync-every``,
``--health-every``): ``start`` once, ``stop`` after the round under way, ``_stop.wait(delay)`` between
rounds so a stop is never kept waiting for a sleep."""

from __future__ import annotations

import threading


class BackgroundLoop:
    thread_name = "modelreg-background"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the round under way (if any)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._stopped()

    def _loop(self) -> None:
        raise NotImplementedError

    def _stopped(self) -> None:
        """What to release once the thread has ended."""
