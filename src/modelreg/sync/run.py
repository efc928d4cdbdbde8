"""`modelreg sync`: fetch upstream sources, merge them by the catalog build's evidence rules, diff the
result against the registry, and apply what is safe in one transaction.

One sync, step by step:

1. **Fetch** each asked-for source (``sync.sources``). A source that fails or is skipped contributes
   its last applied snapshot (kept in the store), so it changes nothing it did not fetch. A source whose
   snapshot is the one last applied is *unchanged*: when every source is, the sync stops here.
2. **Merge** every source's records — fresh where fetched, the last applied snapshot elsewhere, the
   bundled snapshots where no sync has run yet — with ``catalog.build.merge``: the same rules, overrides
   and invariants as the catalog build (one merge, not two).
3. **Diff** the merged records against the registry's current view (``sync.diff``), keeping only the
   changes a fetched source supplied.
4. **Sort** each change: a record that breaks an invariant is *rejected* (reported, not applied); a
   field a person edited in the store is *kept* (local edits win); a price moving more than
   ``max_price_change`` percent, or a model or route disappearing, is *held* for review
   (``modelreg sync review``); the rest is *applied*.
5. **Apply** (unless a dry run): one transaction writes the records (actor ``sync:<source>``), opens new
   price periods from ``as_of``, queues the held changes, records the run and keeps the new snapshots.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelreg.errors import ConflictError, ModelregError, SourceError
from modelreg.sync.diff import Change, Diff, diff

if TYPE_CHECKING:
    from modelreg.registry import Registry
    from modelreg.store.syncstate import Baseline, SyncState
    from modelreg.sync.merge import Catalog
    from modelreg.sync.records import SourceRecord

DEFAULT_MAX_PRICE_CHANGE = 50.0  # percent: a larger move of one price waits for a person
SYNC_ACTOR = "sync:"
BUNDLED = ("litellm", "models.dev", "genai-prices")  # the sources the bundled catalog was built from
Progress = Callable[[str, str], None]  # (source, message)


@dataclass(slots=True)
class SourceSpec:
    """A source to fetch: its name and, optionally, a URL or file to read instead of its default."""

    name: str
    location: str | None = None

    @classmethod
    def parse(cls, text: str) -> SourceSpec:
        """``NAME`` or ``NAME=FILE_OR_URL``."""
        name, _, location = text.partition("=")
        return cls(name.strip(), location.strip() or None)


@dataclass(slots=True)
class Outcome:
    """What one source did in one sync."""

    source: str
    status: str = "pending"  # fetched | unchanged | failed | skipped, then applied | dry-run
    digest: str | None = None
    records: int = 0
    applied: int = 0
    held: int = 0
    message: str | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "status": self.status,
            "digest": self.digest,
            "records": self.records,
            "applied": self.applied,
            "held": self.held,
            "message": self.message,
            "notes": self.notes,
            "seconds": round(self.seconds, 3),
        }


@dataclass(slots=True)
class Fetched:
    """One fetched source's contribution to the merge."""

    records: list[SourceRecord]  # every record, as kept for the source's baseline
    named: list[SourceRecord]  # records that name models and deployments
    matched: list[SourceRecord]  # records placed by their own match rules (genai-prices, evidence)
    provider_meta: dict[str, dict[str, Any]]  # models.dev's provider facts
    digest: str
    location: str


@dataclass(slots=True)
class SyncReport:
    outcomes: dict[str, Outcome]
    found: Diff = field(default_factory=Diff)  # every change the fetched sources supplied
    applied: list[Change] = field(default_factory=list)
    held: list[tuple[Change, str]] = field(default_factory=list)
    kept: list[tuple[Change, str]] = field(default_factory=list)  # local edits that win
    rejected: list[tuple[Change, str]] = field(default_factory=list)  # records breaking an invariant
    dry_run: bool = False
    logged: int = 0
    seconds: float = 0.0
    merged: dict[str, Any] = field(default_factory=dict)  # the merged records the changes come from
    conflicts: list[dict[str, Any]] = field(default_factory=list)  # new disagreements of fetched sources
    catalog: Catalog | None = None  # what the merge made (for --write-catalog)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes.values() if o.status == "failed"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "seconds": round(self.seconds, 3),
            "sources": [o.as_dict() for o in self.outcomes.values()],
            "counts": self.found.counts(),
            "applied": [c.as_dict() for c in self.applied],
            "held": [{**c.as_dict(), "reason": why} for c, why in self.held],
            "kept_local": [{**c.as_dict(), "reason": why} for c, why in self.kept],
            "rejected": [{**c.as_dict(), "reason": why} for c, why in self.rejected],
            "conflicts": self.conflicts,
            "logged": self.logged,
        }


class Syncer:
    """Runs syncs against one registry (and its store, where it has one)."""

    def __init__(
        self,
        reg: Registry | None,
        *,
        env: Mapping[str, str] | None = None,
        cache_dir: Path | None = None,
        catalog_dir: Path | None = None,
        upstream_dir: Path | None = None,
        max_price_change: float = DEFAULT_MAX_PRICE_CHANGE,
        as_of: dt.date | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        progress: Progress | None = None,
    ) -> None:
        import os

        from modelreg.settings import Settings

        settings = Settings.from_env(env)
        self.reg = reg
        self.env = dict(os.environ if env is None else env)
        self.cache_dir = cache_dir
        self.catalog_dir = catalog_dir or settings.catalog_dir
        self.upstream_dir = upstream_dir or settings.upstream_dir
        self.max_price_change = max_price_change
        self.as_of = as_of
        self.timeout, self.retries = timeout, retries
        self.progress = progress or (lambda _source, _message: None)

    @property
    def state(self) -> SyncState | None:
        from modelreg.store.syncstate import SyncState

        store = self.reg.store if self.reg is not None else None
        return SyncState(store) if store is not None else None

    # -- the steps ----------------------------------------------------------------------------------------

    def run(self, specs: Sequence[SourceSpec], *, dry_run: bool = False, force: bool = False) -> SyncReport:
        """Fetch, merge, diff and (unless ``dry_run``) apply; ``force`` merges even when nothing changed."""
        started = time.perf_counter()
        state = self.state
        report = SyncReport({spec.name: Outcome(spec.name) for spec in specs}, dry_run=dry_run)
        if state is None or dry_run:
            self._run(specs, report, {} if force or state is None else state.digests(), dry_run)
        else:
            with state.lock() as held:
                if not held:
                    raise ConflictError("another sync is running on this store: try again when it is done")
                self._run(specs, report, {} if force else state.digests(), dry_run)
        report.seconds = time.perf_counter() - started
        return report

    def _run(self, specs: Sequence[SourceSpec], report: SyncReport, known: dict[str, str], dry_run: bool) -> None:
        state = self.state
        fetched = self.fetch(specs, report, known)
        if fetched:
            self.plan(fetched, report)
            if not dry_run:
                self.apply(fetched, report)
        for outcome in report.outcomes.values():
            if outcome.status == "fetched":
                outcome.status = "dry-run" if dry_run else "applied"
        if state is not None and not dry_run and not fetched:  # a dry run writes nothing at all
            state.record_runs([_run_row(o) for o in report.outcomes.values()])

    def fetch(
        self, specs: Sequence[SourceSpec], report: SyncReport, known: Mapping[str, str] | None = None
    ) -> dict[str, Fetched]:
        """Each changed source's records; a source whose snapshot's digest is ``known`` (already applied) is
        "unchanged"; a failure or skip is written into its outcome, and the others go on."""
        from modelreg.sync import collect

        out: dict[str, Fetched] = {}
        http = collect.LazyHttp(self.cache_dir, timeout=self.timeout, retries=self.retries)
        try:
            for spec in specs:
                outcome = report.outcomes[spec.name]
                began = time.perf_counter()
                self.progress(spec.name, "fetching")
                try:
                    got = collect.fetch(
                        spec.name,
                        spec.location,
                        http=http,
                        env=self.env,
                        catalog_dir=self.catalog_dir,
                        known=(known or {}).get(spec.name),
                    )
                except collect.SourceSkipped as skipped:
                    outcome.status, outcome.message = "skipped", str(skipped)
                except SourceError as failed:
                    outcome.status, outcome.message = "failed", str(failed)
                except ModelregError as failed:  # a bad catalog dir, a bad location: this source only
                    outcome.status, outcome.message = "failed", f"{spec.name}: {failed}"
                else:
                    outcome.digest, outcome.notes = got.digest, list(got.notes)
                    if got.fetched is None:
                        outcome.status = "unchanged"
                    else:
                        out[spec.name] = got.fetched
                        outcome.status, outcome.records = "fetched", len(got.records)
                        outcome.notes += self._unplaced(spec.name, got.fetched)
                outcome.seconds = time.perf_counter() - began
                self.progress(spec.name, outcome.status)
        finally:
            http.close()
        return out

    def _unplaced(self, name: str, fetched: Fetched) -> list[str]:
        """A note for the entries no platform of the rules serves: fetched, but not merged."""
        from modelreg.catalog.rules import Rules

        rules = Rules.load(self.catalog_dir / "rules.yaml")
        if fetched.matched and not fetched.named:
            return []  # placed by their own match rules
        outside = sorted(
            {r.upstream_provider for r in fetched.named if rules.platform_of(name, r.upstream_provider) is None}
        )
        if not outside:
            return []
        count = sum(1 for r in fetched.named if r.upstream_provider in outside)
        shown = ", ".join(outside[:8]) + (" …" if len(outside) > 8 else "")
        return [f"{count} entries of platforms modelreg does not serve ({shown}) were read but not merged"]

    def merged(self, fetched: Mapping[str, Fetched]) -> tuple[Catalog, list[Any]]:
        """Every source's records (fresh where fetched, else its baseline) merged into a Catalog, and the
        invariants it breaks."""
        from modelreg.catalog import build
        from modelreg.catalog.rules import Rules

        rules = Rules.load(self.catalog_dir / "rules.yaml")
        sources = dict(self.baselines(exclude=fetched.keys()))
        sources.update(fetched)
        named = build.in_merge_order([r for f in sources.values() for r in f.named], rules)
        matched = [f.matched for _, f in sorted(sources.items()) if f.matched]
        meta: dict[str, dict[str, Any]] = {}
        for f in sources.values():
            meta.update(f.provider_meta)
        return build.merge(named, matched, meta, self.catalog_dir)

    def baselines(self, exclude: Any = ()) -> dict[str, Fetched]:
        """Every source's last applied snapshot: the store's, else (for the bundled sources) the snapshot
        files the bundled catalog was built from, when this checkout has them."""
        from modelreg.sync import baseline, collect

        state = self.state
        kept: dict[str, Baseline] = state.baselines() if state is not None else {}
        out: dict[str, Fetched] = {}
        for name, base in kept.items():
            if name not in exclude:
                records, meta = baseline.load(base.body)
                out[name] = collect.arranged(name, records, meta, base.digest, base.location, self.catalog_dir)
        for name in BUNDLED:
            if name not in out and name not in exclude:
                try:
                    out[name] = collect.bundled(name, self.upstream_dir, self.catalog_dir)
                except SourceError:
                    continue  # an installed package has no snapshots: the source weighs nothing until fetched
        return out

    def plan(self, fetched: Mapping[str, Fetched], report: SyncReport) -> None:
        """Merge, diff against the registry, and sort each change into applied, held, kept or rejected."""
        for name in fetched:
            self.progress(name, "merging")
        from modelreg.catalog import index

        catalog, violations = self.merged(fetched)
        new = index.compile_records(catalog)
        report.catalog = catalog
        report.conflicts = self._new_conflicts(catalog.conflicts, set(fetched))
        if self.reg is None:
            raise TypeError("a Syncer without a registry fetches and merges; it has nothing to diff against")
        view = self.reg.view()
        old = view._all()
        found = diff(old, new, sources=set(fetched))
        report.found = found
        broken: dict[str, list[str]] = defaultdict(list)
        for v in violations:
            broken[v.subject].append(f"{v.invariant}: {v.detail}")
        for conflict in report.conflicts:  # a fetched value the merge refused for breaking an invariant
            if conflict["rule"] == "invariant" and conflict.get("reason"):
                broken[conflict["subject"]].append(f"{conflict['field']}: {conflict['reason']}")
        human = self._local_edits({(c.kind, c.subject) for c in found})
        for change in found:
            if change.subject in broken:
                report.rejected.append((change, "breaks " + "; ".join(broken[change.subject])))
            elif (change.field or "*") in human.get((change.kind, change.subject), ()) or (
                change.what in ("added", "removed") and "*" in human.get((change.kind, change.subject), ())
            ):
                report.kept.append((change, "edited in the store by a person: local edits win"))
            elif change.what == "removed":
                report.held.append((change, f"the {change.kind} disappeared upstream"))
            elif change.what == "price" and self._too_large(change):
                moved = change.largest_percent
                how = f"moved {moved:.0f}%" if moved is not None else "is no longer stated"
                report.held.append((change, f"a price {how} (the limit is {self.max_price_change:g}%)"))
            else:
                report.applied.append(change)
        for change, _ in report.held:
            if change.source in report.outcomes:
                report.outcomes[change.source].held += 1
        for change in report.applied:
            if change.source in report.outcomes:
                report.outcomes[change.source].applied += 1
        report.merged = new

    def _new_conflicts(self, conflicts: list[Any], fetched: set[str]) -> list[dict[str, Any]]:
        """The disagreements a fetched source takes part in that the bundled catalog does not have: a
        fetched value the merge did not keep is shown, never silently dropped."""
        from modelreg.catalog.yamlio import load
        from modelreg.sync.evidence import source_of

        def key(c: Mapping[str, Any]) -> tuple[Any, ...]:
            values = frozenset((source_of(label), str(v)) for label, v in (c.get("values") or {}).items())
            return (c.get("subject"), c.get("field"), values)

        path = self.catalog_dir / "conflicts.yaml"
        known = {key(c) for c in ((load(path) or {}).get("conflicts") or [])} if path.is_file() else set()
        out = []
        for conflict in conflicts:
            raw = conflict.model_dump(mode="json")
            if key(raw) not in known and any(source_of(label) in fetched for label in raw["values"]):
                out.append(raw)
        return out

    def _too_large(self, change: Change) -> bool:
        if any(old is not None and new is None for _, old, new in change.items):
            return True  # a price that disappears is as large a move as there is
        moved = change.largest_percent
        return moved is not None and moved > self.max_price_change

    def _local_edits(self, subjects: set[tuple[str, str]]) -> dict[tuple[str, str], set[str]]:
        """Per record: the fields a person (not a sync) last wrote in the store; "*" for a record a person
        added or hid; "pricing" when a person set its price in force."""
        store = self.reg.store if self.reg is not None else None
        if store is None:
            return {}
        snapshot = store.snapshot()
        out: dict[tuple[str, str], set[str]] = defaultdict(set)
        for kind, subject in subjects:
            row = snapshot.records.get((kind, subject))
            if row is not None:
                for change in store.changes(kind, subject):
                    if change.actor.startswith(SYNC_ACTOR) or change.action == "price":
                        for name in _fields_moved(change):
                            out[(kind, subject)].discard(name)
                        continue
                    out[(kind, subject)] |= _fields_moved(change)
            prices = snapshot.prices.get(subject)
            if prices and not prices[-1].created_by.startswith(SYNC_ACTOR):
                out[(kind, subject)].add("pricing")
        return out

    def apply(self, fetched: Mapping[str, Fetched], report: SyncReport) -> None:
        """Write the applied changes, queue the held ones, record the runs and the new baselines: one
        transaction."""
        from modelreg.store.syncstate import Baseline, NewReview
        from modelreg.sync import baseline

        state = self.state
        if state is None:
            raise ModelregError("applying a sync needs a store: pass --database-url, or use --dry-run")
        writes, new_prices = self.writes(report.applied, report.merged)
        reviews = [
            NewReview(c.source or "", c.kind, c.subject, {**c.as_dict(), "apply": self._apply_spec(c)}, why)
            for c, why in report.held
        ]
        now = dt.datetime.now(dt.UTC)
        baselines = [
            Baseline(name, f.digest, f.location, baseline.dump(f.records, f.provider_meta), now)
            for name, f in fetched.items()
            if report.outcomes[name].status == "fetched"
        ]
        for outcome in report.outcomes.values():
            if outcome.status == "fetched":
                outcome.status = "applied"
        runs = [_run_row(o) for o in report.outcomes.values()]
        sources = ", ".join(sorted(fetched)) or "none"
        report.logged = state.commit(
            writes=writes,
            new_prices=new_prices,
            runs=runs,
            reviews=reviews,
            baselines=baselines,
            actor=f"{SYNC_ACTOR}{sources}",
            message=f"modelreg sync ({sources})",
        )

    # -- changes as store writes ------------------------------------------------------------------------

    def writes(self, changes: Sequence[Change], merged: Mapping[str, Any]) -> tuple[list[Any], list[Any]]:
        """The record writes and new prices that make ``changes`` true in the store."""
        from modelreg.overlay import KIND_KEYS
        from modelreg.store import NewPrice, Write

        store = self.reg.store if self.reg is not None else None
        snapshot = store.snapshot() if store is not None else None
        patches: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
        actors: dict[tuple[str, str], str] = {}
        modes: dict[tuple[str, str], str | None] = {}
        new_prices = []
        day = self.as_of or dt.date.today()
        for c in changes:
            key = (c.kind, c.subject)
            actors.setdefault(key, f"{SYNC_ACTOR}{c.source or 'upstream'}")
            if c.what == "added":
                modes[key] = "add"
                patches[key] = dict(merged[KIND_KEYS[c.kind]][c.subject])
            elif c.what == "removed":
                modes[key] = "hide"
            elif c.what == "price":
                if c.new:
                    new_prices.append(NewPrice(c.subject, c.kind, day, dict(c.new), actors[key]))
            else:
                modes.setdefault(key, "override")
                patches[key][c.field or ""] = c.new
        writes = []
        for key, mode in modes.items():
            row = snapshot.records.get(key) if snapshot is not None else None
            version = row.version if row is not None else 0
            data = patches.get(key, {})
            if mode == "hide":
                writes.append(
                    Write(
                        *key,
                        None if row is not None and row.mode == "add" else "hide",
                        {},
                        version,
                        "delete",
                        actors[key],
                    )
                )
                continue
            if row is not None and mode == "override":
                mode, data = row.mode, {**row.data, **data}
            data.pop("sources", None)
            data.pop("price_history", None)
            action = "create" if row is None and mode == "add" else "update"
            writes.append(Write(*key, mode, data, version, action, actors[key]))
        return writes, new_prices

    def _apply_spec(self, change: Change) -> dict[str, Any]:
        return {"what": change.what, "field": change.field, "new": change.new, "as_of": str(self.as_of or "")}


def _fields_moved(change: Any) -> set[str]:
    before = ((change.before or {}).get("data") or {}) if isinstance(change.before, dict) else {}
    after = ((change.after or {}).get("data") or {}) if isinstance(change.after, dict) else {}
    mode = (
        (change.after or change.before or {}).get("mode") if isinstance(change.after or change.before, dict) else None
    )
    if mode in ("add", "hide") and not change.actor.startswith(SYNC_ACTOR):
        return {"*", *after}
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def _run_row(o: Outcome) -> Any:
    from modelreg.store.syncstate import Run

    finished = o.started_at + dt.timedelta(seconds=o.seconds)
    return Run(o.source, o.started_at, finished, o.status, o.digest, o.records, o.applied, o.held, o.message)
