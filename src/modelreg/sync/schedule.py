"""Sync on a schedule, in the background of the service: ``modelreg serve --sync-every 24h``.

One runner at a time, at two levels:

* **one machine**: the service's worker processes share a lock file (``flock``). The first worker to take
  it runs the schedule; the others stay idle, try again on every tick, and take over when it exits.
* **several machines** sharing a PostgreSQL store: ``Syncer.run`` takes the store's advisory lock; an
  instance that finds it held skips that run (``modelreg_sync_skipped_locked_total`` in /metrics).

A sync is due ``every`` after each scheduled source's latest run *recorded in the store* (by any instance,
or by ``modelreg sync`` by hand), so a restart does not sync again and several instances do not each sync.
A source whose latest run failed is due again sooner (``retry_failed``, at most ``every``). A run that
raises is logged and counted, never the end of the schedule.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from modelreg.background import BackgroundLoop
from modelreg.errors import ConflictError

if TYPE_CHECKING:
    from modelreg.registry import Registry
    from modelreg.sync.run import SyncReport

log = logging.getLogger("modelreg.sync")

RETRY_FAILED = 15 * 60.0  # seconds: a source that failed is tried again this soon (or after `every`)
TICK = 60.0  # seconds: how often an idle scheduler looks again (due time, machine lock)


class Scheduler(BackgroundLoop):
    """Runs ``Syncer.run`` over ``sources`` (``NAME`` or ``NAME=FILE_OR_URL``, as ``modelreg sync --source``
    takes them) every ``every`` seconds in a daemon thread (``start``/``stop``)."""

    thread_name = "modelreg-sync"

    def __init__(
        self,
        registry: Registry,
        *,
        every: float,
        sources: Sequence[str] | None = None,
        lock_path: Path | None = None,
        env: Mapping[str, str] | None = None,
        cache_dir: Path | None = None,
        max_price_change: float | None = None,
        tick: float = TICK,
        retry_failed: float = RETRY_FAILED,
    ) -> None:
        from modelreg.sync.run import SourceSpec
        from modelreg.sync.sources import default_sources

        if every <= 0:
            raise ValueError("every must be a positive number of seconds")
        self.registry = registry
        self.every = every
        self.specs = [SourceSpec.parse(s) for s in sources] if sources else [SourceSpec(n) for n in default_sources()]
        self.sources = [spec.name for spec in self.specs]
        self.lock_path = lock_path if lock_path is not None else default_lock_path(registry)
        self.env = dict(os.environ if env is None else env)
        self.cache_dir = cache_dir
        self.max_price_change = max_price_change
        self.tick = min(tick, every)
        self.retry_failed = min(retry_failed, every)
        self.runner = False  # this process holds the machine's lock and runs the schedule
        self.running = False  # a sync is under way in this process
        self.runs = 0
        self.skipped_locked = 0
        self.errors = 0
        self.last_error: str | None = None
        self.last_report: SyncReport | None = None
        self.next_run_at: dt.datetime | None = None
        self._lock_file: IO[str] | None = None
        super().__init__()

    # -- lifecycle ----------------------------------------------------------------------------------------

    def _stopped(self) -> None:
        self._release()  # the machine's lock: another worker takes over

    def _loop(self) -> None:
        delay = 0.0
        while not self._stop.wait(delay):
            delay = self.tick
            try:
                if not self._take_machine_lock():
                    continue
                wait = self.seconds_until_due()
                if wait > 0:
                    self.next_run_at = _now() + dt.timedelta(seconds=wait)
                    delay = min(wait, self.tick)
                    continue
                self.run_once()
                self.next_run_at = _now() + dt.timedelta(seconds=self.seconds_until_due())
            except Exception as failed:  # the store went away, say: log it, try again on the next tick
                self.errors += 1
                self.last_error = f"{type(failed).__name__}: {failed}"
                log.warning("scheduled sync: %s", self.last_error)

    # -- one run ------------------------------------------------------------------------------------------

    def seconds_until_due(self) -> float:
        """Seconds until the next sync is due (0 or less: now), from the runs recorded in the store."""
        from modelreg.store.syncstate import SyncState

        store = self.registry.store
        if store is None:
            return 0.0
        last = SyncState(store).last_runs()
        now = _now()
        due = []
        for name in self.sources:
            run = last.get(name)
            if run is None:
                return 0.0
            wait = self.retry_failed if run.status == "failed" else self.every
            due.append((run.finished_at - now).total_seconds() + wait)
        return min(due, default=0.0)

    def run_once(self) -> SyncReport | None:
        """One sync of every scheduled source now; None when another instance holds the store's lock."""
        from modelreg.sync.run import DEFAULT_MAX_PRICE_CHANGE, Syncer

        syncer = Syncer(
            self.registry,
            env=self.env,
            cache_dir=self.cache_dir,
            max_price_change=DEFAULT_MAX_PRICE_CHANGE if self.max_price_change is None else self.max_price_change,
        )
        self.running = True
        try:
            report = syncer.run(self.specs)
        except ConflictError:
            self.skipped_locked += 1
            log.info("scheduled sync skipped: another instance is syncing this store")
            return None
        finally:
            self.running = False
        self.runs += 1
        self.last_report = report
        self.last_error = None
        for outcome in report.outcomes.values():
            line = f"scheduled sync: {outcome.source} {outcome.status}" + (
                f" ({outcome.message})" if outcome.message else ""
            )
            (log.warning if outcome.status == "failed" else log.info)(line)
        return report

    # -- the machine's lock -------------------------------------------------------------------------------

    def _take_machine_lock(self) -> bool:
        if self.runner:
            return True
        import fcntl

        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the process's life
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._lock_file, self.runner = handle, True
        return True

    def _release(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # closing the file releases the flock
            self._lock_file, self.runner = None, False

    # -- what /api/registry/sync/status shows -------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        return {
            "every_seconds": self.every,
            "sources": self.sources,
            "runner": self.runner,
            "running": self.running,
            "pid": os.getpid(),
            "next_run_at": self.next_run_at.isoformat(timespec="seconds") if self.runner and self.next_run_at else None,
            "runs": self.runs,
            "skipped_locked": self.skipped_locked,
            "errors": self.errors,
            "last_error": self.last_error,
        }


def default_lock_path(registry: Registry) -> Path:
    """A lock file per store in the user's cache folder: the workers of one service share it."""
    from modelreg.sync.http import default_cache_dir

    store = registry.store
    url = str(store.engine.url) if store is not None else "no-store"
    return default_cache_dir().parent / "locks" / f"sync-{hashlib.sha256(url.encode()).hexdigest()[:16]}.lock"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
