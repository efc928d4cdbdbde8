"""The status page's facts: each source's last sync and the review queue (``SyncState``), each probed
platform's health (``health.platform_states``), routes by status, and recorded calls per route."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, NamedTuple

from modelreg.errors import ModelregError
from modelreg.registry import Registry

ROUTE_STATUSES = ("active", "degraded", "down", "maintenance", "inactive", "deprecated")
LISTED = 200  # routes not active, listed one by one (the rest counted)


class RouteState(NamedTuple):
    id: str
    platform: str
    status: str


def status_page(reg: Registry, view: Registry, scheduler: Any) -> dict[str, Any]:
    """What the status page shows, read live from the store (runs and reviews are not the registry's state)."""
    runs: list[Any] = []
    reviews: list[Any] = []
    platforms: list[Any] = []
    stats: dict[str, Any] = {}
    if reg.store is not None:
        from modelreg import health
        from modelreg.store.syncstate import SyncState

        state = SyncState(reg.store)
        runs = list(state.last_runs().values())
        reviews = state.reviews("pending")
        platforms = list(health.platform_states(reg).values())
        try:
            stats = reg.route_stats(window="24h")
        except ModelregError:
            stats = {}
    by_platform: dict[str, Counter[str]] = defaultdict(Counter)
    unwell: list[RouteState] = []
    for facts in view.facts():
        for route_id in view.route_ids(facts.id):
            raw = view.record("route", route_id)
            status = raw.get("status", "active")
            by_platform[raw["platform"]][status] += 1
            if status != "active":
                unwell.append(RouteState(route_id, raw["platform"], status))
    return {
        "runs": runs,
        "reviews": reviews,
        "platforms": platforms,
        "route_counts": dict(sorted(by_platform.items())),
        "route_statuses": ROUTE_STATUSES,
        "unwell": sorted(unwell, key=lambda r: (r.status, r.id))[:LISTED],
        "unwell_total": len(unwell),
        "calls": sorted(stats.items()),
        "schedule": scheduler.status() if scheduler is not None else None,
        "has_store": reg.store is not None,
    }
