"""Health checks: probe each active platform's model list with its key, and let failures move its routes.

    from modelreg.health import HealthChecker

    for found in HealthChecker(reg).check_once():      # `modelreg health`
        print(found.platform, found.outcome, found.state, found.failures)

A check probes the model list of each platform whose API sync knows (``probe.list_endpoint``: cheap, no
tokens spent) with the key in its environment variable; a platform without its key is skipped with a
note, as sync skips it. Each probe's outcome moves the platform along a small state machine
(``next_state``), whose consecutive-failure count lives in the store (``modelreg_health``), so several
instances agree and a restart remembers:

    active ──fail──► degraded (failures_to_degrade, default 1) ──fail…──► down (failures_to_down, default 3)
       ▲                                                                          │
       └──────────────────────── one successful probe ◄──────────────────────────┘

The platform's routes follow its state: every route whose status is ``active``, ``degraded`` or ``down``
is set to the state, through ``Registry.update`` with actor ``health:<platform>``, so the audit log says
who changed it and why. Routes a person set ``inactive``, ``maintenance`` or ``deprecated`` are never
touched. Routes are brought in line on every check (not only when the state changes), so a route added
while its platform is down, or a write that failed, is put right by the next check.

``serve --health-every 5m`` runs ``HealthRunner`` in a background thread of each worker. A probe of a
platform is *claimed* in the store first (its ``claimed_at`` moved only when the last claim is ``every``
old, in one conditional UPDATE), so however many workers and machines share the store, each platform is
probed once per interval: no lock file is needed. ``modelreg health`` probes every platform at once,
claimed or not.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from modelreg.background import BackgroundLoop
from modelreg.errors import ConflictError, ModelregError, StoreError, ValidationError
from modelreg.probe import DEFAULT_TIMEOUT, ListEndpoint, ProbeResult, list_endpoint, probe_endpoint

if TYPE_CHECKING:
    from modelreg.registry import Registry
    from modelreg.schema import Platform
    from modelreg.store import Store

log = logging.getLogger("modelreg.health")

STATES = ("active", "degraded", "down")  # the route statuses health sets; every other status is a person's
FAILURES_TO_DEGRADE = 1
FAILURES_TO_DOWN = 3
TICK = 60.0  # seconds: how often an idle runner looks again
_PARALLEL = 8  # probes at once


def next_state(failures: int, *, ok: bool, to_degrade: int, to_down: int) -> tuple[str, int]:
    """The state after one probe, and the consecutive failures then: a success resets to ``active``;
    each failure counts, and ``to_degrade`` (``to_down``) failures in a row make it ``degraded``
    (``down``)."""
    failures = 0 if ok else failures + 1
    if failures >= to_down:
        return "down", failures
    if failures >= to_degrade:
        return "degraded", failures
    return "active", failures


class PlatformState(NamedTuple):
    """What the store holds about one probed platform."""

    platform: str
    state: str
    failures: int
    claimed_at: dt.datetime | None
    checked_at: dt.datetime | None
    ok_at: dt.datetime | None
    changed_at: dt.datetime | None
    status_code: int | None
    latency_ms: float | None
    error: str | None


@dataclass(frozen=True, slots=True)
class PlatformHealth:
    """One platform in one check. ``outcome``: ``ok``, ``failed`` or ``skipped`` (``note`` says why);
    ``state`` and ``failures``: where the state machine stands after it (None when skipped);
    ``probe``: what the probe found; ``routes_changed``: the routes whose status this check set."""

    platform: str
    outcome: str
    state: str | None = None
    failures: int | None = None
    probe: ProbeResult | None = None
    routes_changed: tuple[str, ...] = ()
    note: str | None = None

    def as_json(self) -> dict[str, Any]:
        probe = self.probe
        return {
            "platform": self.platform,
            "outcome": self.outcome,
            "state": self.state,
            "failures": self.failures,
            "url": probe.url if probe else None,
            "status_code": probe.status_code if probe else None,
            "latency_ms": probe.latency_ms if probe else None,
            "models": len(probe.model_ids) if probe and probe.ok else None,
            "error": probe.error if probe else None,
            "routes_changed": list(self.routes_changed),
            "note": self.note,
        }


class HealthChecker:
    """Probes platforms and moves their routes (see the module docstring).

    ``failures_to_degrade`` / ``failures_to_down``: consecutive failed probes before a platform's routes
    are degraded / down. ``platforms``: the ids to check (default: every platform that is not deprecated
    and has a known model list). ``env``: where the keys and ``$MODELREG_SOURCE_<NAME>_URL`` overrides are
    read (default ``os.environ``). ``timeout``: seconds per probe."""

    def __init__(
        self,
        reg: Registry,
        *,
        failures_to_degrade: int = FAILURES_TO_DEGRADE,
        failures_to_down: int = FAILURES_TO_DOWN,
        platforms: Iterable[str] | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        for name, value in (("failures_to_degrade", failures_to_degrade), ("failures_to_down", failures_to_down)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValidationError(f"{name} must be a whole number of at least 1", [(name, repr(value))])
        if failures_to_down < failures_to_degrade:
            raise ValidationError(
                "a platform is down only after it was degraded",
                [("failures_to_down", f"at least failures_to_degrade ({failures_to_degrade})")],
            )
        self.reg = reg
        self.failures_to_degrade = failures_to_degrade
        self.failures_to_down = failures_to_down
        self.platforms = list(platforms) if platforms is not None else None
        self.env: Mapping[str, str] = dict(os.environ if env is None else env)
        self.timeout = timeout

    def check_once(self, *, every: float | None = None) -> list[PlatformHealth]:
        """Probe the platforms once and record what was found; one ``PlatformHealth`` per platform.

        ``every`` (seconds; the service's schedule): probe only platforms not probed by anyone in that
        long, claiming each in the store first, so instances sharing the store never probe one platform
        twice in an interval; platforms claimed by another are left out of the answer."""
        store = self.reg.store
        targets, skipped = self.targets()
        if every is not None:
            if store is None:
                raise StoreError("a scheduled health check needs a store (MODELREG_DATABASE_URL)")
            targets = [t for t in targets if _claim(store, t[0].platform, every)]
        with ThreadPoolExecutor(max_workers=max(1, min(_PARALLEL, len(targets)))) as pool:
            probes = list(pool.map(lambda t: probe_endpoint(t[0], api_key=t[1], timeout=self.timeout), targets))
        found = [self.record(endpoint.platform, probe) for (endpoint, _), probe in zip(targets, probes, strict=True)]
        return sorted(found + skipped, key=lambda h: h.platform)

    def targets(self) -> tuple[list[tuple[ListEndpoint, str]], list[PlatformHealth]]:
        """(endpoint, key) of each platform to probe, and the platforms skipped (with why)."""
        view = self.reg.view()
        if self.platforms is None:
            chosen: list[Platform] = [p for p in view.platforms() if p.status != "deprecated"]
        else:
            chosen = [view.platform(p) for p in dict.fromkeys(self.platforms)]
        targets: list[tuple[ListEndpoint, str]] = []
        skipped: list[PlatformHealth] = []
        for platform in chosen:
            try:
                endpoint = list_endpoint(platform, env=self.env)
            except ValidationError as wrong:
                skipped.append(PlatformHealth(platform.id, "skipped", note=f"skipped: {wrong}"))
                continue
            if endpoint is None or not endpoint.url.startswith(("http://", "https://")):
                if self.platforms is not None:  # asked for by name: say why nothing happened
                    why = "no model-list endpoint is known" if endpoint is None else f"{endpoint.url} is not a URL"
                    skipped.append(PlatformHealth(platform.id, "skipped", note=f"skipped: {why}"))
                continue
            key, _ = endpoint.key(self.env)
            if key is None:
                variable = endpoint.key_env[0] if endpoint.key_env else "its key"
                note = f"skipped: set ${variable} to probe {endpoint.label}"
                skipped.append(PlatformHealth(platform.id, "skipped", note=note))
                continue
            targets.append((endpoint, key))
        return targets, skipped

    def record(self, platform: str, probe: ProbeResult) -> PlatformHealth:
        """Move ``platform`` along the state machine by one probe's outcome (what ``check_once`` does
        after each probe): the count in the store, then its routes."""
        outcome = "ok" if probe.ok else "failed"
        store = self.reg.store
        if store is None:  # nothing to count in, nothing to move: the probe alone
            return PlatformHealth(platform, outcome, probe=probe, note="no store: routes are not moved")
        state, failures = _advance(store, platform, probe, self.failures_to_degrade, self.failures_to_down)
        changed = self._move_routes(platform, state, failures, probe)
        if changed:
            (log.info if state == "active" else log.warning)(
                "health: %s is %s: %d route(s) set so", platform, state, len(changed)
            )
        return PlatformHealth(platform, outcome, state, failures, probe, tuple(changed))

    def _move_routes(self, platform: str, state: str, failures: int, probe: ProbeResult) -> list[str]:
        """Set every route of ``platform`` that health may move to ``state``; the ids changed."""
        if probe.ok:
            why = f"health: the model list answered again ({probe.url}, HTTP {probe.status_code})"
        else:
            why = f"health: {failures} failed probe(s) in a row: {probe.error}"
        changed = []
        for route in self.reg.view().routes():
            if route.platform != platform or route.status not in STATES or route.status == state:
                continue
            for _ in range(3):  # a person's write slipping in between: read again, then decide again
                try:
                    current = self.reg.view().route(route.id)
                    if current.status not in STATES or current.status == state:
                        break
                    self.reg.update(
                        "route",
                        route.id,
                        {"status": state},
                        version=self.reg.version("route", route.id),
                        actor=f"health:{platform}",
                        message=why[:1000],
                    )
                    changed.append(route.id)
                    break
                except ConflictError:
                    continue
                except ModelregError as failed:  # the route went away, the store refused: the next check
                    log.warning("health: could not set %s %s: %s", route.id, state, failed)
                    break
        return changed


def platform_states(reg: Registry) -> dict[str, PlatformState]:
    """What the store holds about every probed platform, by id."""
    import sqlalchemy as sa

    from modelreg.store.engine import failures_translated
    from modelreg.store.tables import health as table

    store = reg.store
    if store is None:
        return {}
    with failures_translated(store.url), store.engine.connect() as conn:
        return {r.platform: _state(r) for r in conn.execute(sa.select(table).order_by(table.c.platform))}


class HealthRunner(BackgroundLoop):
    """``serve --health-every``: ``HealthChecker.check_once(every=…)`` in a daemon thread, whenever a
    platform's last probe (by any instance) is ``every`` seconds old. Every worker may run one: the
    claims in the store keep each platform to one probe per interval. A check that raises is logged,
    never the end of the schedule."""

    thread_name = "modelreg-health"

    def __init__(self, reg: Registry, *, every: float, checker: HealthChecker | None = None, tick: float = TICK):
        if every <= 0:
            raise ValueError("every must be a positive number of seconds")
        if reg.store is None:
            raise StoreError("scheduled health checks need a store to count failures in (MODELREG_DATABASE_URL)")
        self.reg = reg
        self.every = every
        self.checker = checker or HealthChecker(reg)
        self.tick = min(tick, every)
        self.checks = 0
        self.errors = 0
        self.last_error: str | None = None
        self.last: list[PlatformHealth] = []
        super().__init__()

    def seconds_until_due(self) -> float:
        """Seconds until some platform's probe is due (0 or less: now), from the claims in the store."""
        targets, _ = self.checker.targets()
        if not targets:
            return self.tick
        states = platform_states(self.reg)
        now = _now()
        due = []
        for endpoint, _key in targets:
            found = states.get(endpoint.platform)
            if found is None or found.claimed_at is None:
                return 0.0
            due.append((found.claimed_at - now).total_seconds() + self.every)
        return min(due)

    def run_once(self) -> list[PlatformHealth]:
        """One scheduled check now: the platforms due and not claimed by another instance."""
        found = self.checker.check_once(every=self.every)
        self.checks += 1
        self.last = found
        self.last_error = None
        return found

    def _loop(self) -> None:
        delay = 0.0
        while not self._stop.wait(delay):
            delay = self.tick
            try:
                wait = self.seconds_until_due()
                if wait > 0:
                    delay = min(wait, self.tick)
                    continue
                self.run_once()
            except Exception as failed:  # the store went away, say: log it, look again on the next tick
                self.errors += 1
                self.last_error = f"{type(failed).__name__}: {failed}"
                log.warning("scheduled health check: %s", self.last_error)


# -- the store's health table ---------------------------------------------------------------------------------


def _ensure(store: Store, platforms: Sequence[str]) -> None:
    """A row for each platform (active, no failures) unless it has one: one statement per engine that
    never fails on a row another instance made at the same moment."""
    from modelreg.store.tables import health as table

    insert: Any
    if store.dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    rows = [{"platform": p, "state": "active", "failures": 0} for p in platforms]
    if rows:
        with store._write() as conn:
            conn.execute(insert(table).on_conflict_do_nothing(index_elements=[table.c.platform]), rows)


def _claim(store: Store, platform: str, every: float) -> bool:
    """Take the probe of ``platform`` for this interval: True when nobody claimed it ``every`` seconds
    ago or later (then it is ours), False when another instance did."""
    import sqlalchemy as sa

    from modelreg.store.engine import failures_translated
    from modelreg.store.tables import health as table

    now = _now()
    cutoff = now - dt.timedelta(seconds=every)
    with failures_translated(store.url):
        _ensure(store, [platform])
        with store._write() as conn:
            taken = conn.execute(
                sa.update(table)
                .where(
                    table.c.platform == platform,
                    sa.or_(table.c.claimed_at.is_(None), table.c.claimed_at <= cutoff),
                )
                .values(claimed_at=now)
            )
            return bool(taken.rowcount)


def _advance(store: Store, platform: str, probe: ProbeResult, to_degrade: int, to_down: int) -> tuple[str, int]:
    """Count one probe's outcome in the store (read and written in one write transaction, so two
    instances never lose a count) and return the state and consecutive failures after it."""
    import sqlalchemy as sa

    from modelreg.store.engine import failures_translated
    from modelreg.store.tables import health as table

    now = _now()
    with failures_translated(store.url):
        _ensure(store, [platform])
        with store._write() as conn:
            row = conn.execute(sa.select(table).where(table.c.platform == platform).with_for_update()).one()
            state, failures = next_state(row.failures, ok=probe.ok, to_degrade=to_degrade, to_down=to_down)
            values: dict[str, Any] = {
                "state": state,
                "failures": failures,
                "checked_at": now,
                "status_code": probe.status_code,
                "latency_ms": probe.latency_ms,
                "error": probe.error[:1000] if probe.error else None,
            }
            if probe.ok:
                values["ok_at"] = now
            if state != row.state:
                values["changed_at"] = now
            conn.execute(sa.update(table).where(table.c.platform == platform).values(**values))
    return state, failures


def _state(r: Any) -> PlatformState:
    from modelreg.store.rows import aware

    def when(value: dt.datetime | None) -> dt.datetime | None:
        return aware(value) if value is not None else None

    return PlatformState(
        r.platform,
        r.state,
        r.failures,
        when(r.claimed_at),
        when(r.checked_at),
        when(r.ok_at),
        when(r.changed_at),
        r.status_code,
        r.latency_ms,
        r.error,
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
