"""From a source to what the merge takes: its records split into named and matched ones (and models.dev's
provider facts), whether fetched now, kept from the last sync, or read from the bundled snapshots."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from modelreg.errors import SourceError
from modelreg.sync.upstream import SourceSkipped

__all__ = ["FILES", "Got", "LazyHttp", "SourceSkipped", "arranged", "bundled", "fetch", "snapshot"]

if TYPE_CHECKING:
    from modelreg.sync.http import Http
    from modelreg.sync.records import SourceRecord
    from modelreg.sync.run import Fetched


FILES = {  # the bundled sources and where their snapshots sit in the upstream folder
    "litellm": Path("litellm/model_prices_and_context_window.json"),
    "models.dev": Path("models.dev/api.json"),
    "genai-prices": Path("genai-prices/data.json"),
}


@dataclass(slots=True)
class Got:
    """A fetched source: its contribution, or None when its snapshot is the one already applied."""

    fetched: Fetched | None
    records: list[SourceRecord]
    notes: list[str] = field(default_factory=list)
    digest: str | None = None


def http(cache_dir: Path | None, *, timeout: float, retries: int) -> Http:
    from modelreg.sync.http import Http

    return Http(cache_dir, timeout=timeout, retries=retries)


class LazyHttp:
    """An HTTP client made on first use: a sync of snapshot files needs none."""

    def __init__(self, cache_dir: Path | None, *, timeout: float, retries: int) -> None:
        self._args = (cache_dir, timeout, retries)
        self._client: Http | None = None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            cache_dir, timeout, retries = self._args
            self._client = http(cache_dir, timeout=timeout, retries=retries)
        return getattr(self._client, name)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def fetch(
    name: str,
    location: str | None,
    *,
    http: Http | LazyHttp,
    env: dict[str, str],
    catalog_dir: Path,
    known: str | None = None,
) -> Got:
    """Fetch one source now (SourceError, SourceSkipped). A snapshot file whose digest is ``known`` (the one
    last applied) is not read any further: Got.fetched is None."""
    if name in FILES and location is not None and _local(location).is_file():
        from modelreg.sync.records import snapshot_id

        path = _local(location)
        digest = snapshot_id(path)
        if digest == known:
            return Got(None, [], digest=digest)
        fetched = snapshot(name, path, catalog_dir)
        return Got(fetched, fetched.records, digest=digest)
    from modelreg.sync.sources import make_source

    client = cast("Http", http)  # a LazyHttp makes its Http on first use
    source = make_source(name, location, http=client, env=env, config=_config(name, catalog_dir))
    records = list(source.fetch())
    meta = dict(getattr(source, "provider_facts", None) or {})
    evidence = getattr(source, "evidence", None)
    if evidence:  # LiteLLM's evidence-only entries get the match rule the build gives them
        from modelreg.catalog import build
        from modelreg.catalog.rules import Rules

        rules = Rules.load(catalog_dir / "rules.yaml")
        named = [r for r in records if r.key not in evidence]
        records = named + build.matched_by_name([r for r in records if r.key in evidence], rules)
    digest = source.digest or "unknown"
    where = location or str(getattr(source, "url", None) or name)
    if digest == known:
        return Got(None, [], list(source.notes), digest=digest)
    return Got(arranged(name, records, meta, digest, where, catalog_dir), records, list(source.notes), digest=digest)


def arranged(
    name: str, records: list[SourceRecord], meta: dict[str, Any], digest: str, location: str, catalog_dir: Path
) -> Fetched:
    """One source's records as the merge takes them: records with their own match rule apart."""
    from modelreg.sync.run import Fetched

    named = [r for r in records if r.match is None]
    matched = [r for r in records if r.match is not None]
    return Fetched(records, named, matched, meta, digest, location)


def bundled(name: str, upstream_dir: Path, catalog_dir: Path) -> Fetched:
    """A bundled source's records from the snapshot files the catalog build reads (SourceError when this
    installation has none)."""
    path = upstream_dir / FILES[name]
    if not path.is_file():
        raise SourceError(name, f"no bundled snapshot at {path}")
    return snapshot(name, path, catalog_dir)


def snapshot(name: str, path: Path, catalog_dir: Path) -> Fetched:
    """A snapshot file of a bundled source (LiteLLM, models.dev, genai-prices) read as the build reads it."""
    from modelreg.catalog import build
    from modelreg.catalog.rules import Rules
    from modelreg.sync import genai_prices, litellm, modelsdev
    from modelreg.sync.evidence import MergeRules
    from modelreg.sync.records import snapshot_id

    rules = Rules.load(catalog_dir / "rules.yaml")
    merge_rules = MergeRules.load(catalog_dir / "merge.yaml", variants=rules.variants())
    meta: dict[str, Any] = {}
    if name == "litellm":
        records = litellm.read(path, modes=rules.litellm_modes)
        records += build.matched_by_name(litellm.read(path, modes=merge_rules.evidence_only.get(name, ())), rules)
    elif name == "models.dev":
        records = modelsdev.read(path, providers=rules.upstream_platforms["models.dev"].keys())
        meta = modelsdev.provider_facts(path)
    else:
        records = genai_prices.read(path, providers=rules.upstream_platforms.get(name, {}).keys())
    return arranged(name, records, meta, snapshot_id(path), str(path), catalog_dir)


def _local(location: str) -> Path:
    return Path(location[7:] if location.startswith("file://") else location)


def _config(name: str, catalog_dir: Path) -> dict[str, Any]:
    """The build's scope for the catalog-file sources (which LiteLLM modes, which providers)."""
    if name not in FILES:
        return {}
    from modelreg.catalog.rules import Rules
    from modelreg.sync.evidence import MergeRules
    from modelreg.sync.files import build_scope

    rules = Rules.load(catalog_dir / "rules.yaml")
    merge_rules = MergeRules.load(catalog_dir / "merge.yaml", variants=rules.variants())
    return build_scope(rules, merge_rules).get(name, {})
