"""`modelreg sync diff OLD NEW`: what changed between two snapshots of one upstream source, no store needed.

Each snapshot is merged as the catalog build merges (with the other sources' bundled snapshots, where this
checkout has them), and the two merged catalogs are diffed, keeping the changes that source supplied.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from modelreg.errors import SourceError
from modelreg.sync.diff import Diff
from modelreg.sync.diff import diff as diff_records


def detect(body: bytes, where: str) -> str:
    """Which source a snapshot is of, from its shape: LiteLLM's cost map, models.dev's api.json,
    genai-prices' data.json or OpenRouter's model list."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise SourceError("snapshot", f"{where} is not valid JSON: {exc}") from None
    if isinstance(data, list):
        return "genai-prices"
    if isinstance(data, dict):
        if isinstance(data.get("data"), list):
            return "openrouter"
        entries = [v for v in data.values() if isinstance(v, dict)]
        if "sample_spec" in data or any("litellm_provider" in v for v in entries[:50]):
            return "litellm"
        if entries and all(isinstance(v.get("models"), dict) for v in entries[:50]):
            return "models.dev"
    raise SourceError("snapshot", f"cannot tell which source {where} is a snapshot of: pass --source")


def diff(old: str, new: str, *, source: str | None = None) -> Diff:
    from modelreg import settings
    from modelreg.registry import Registry
    from modelreg.sync import collect
    from modelreg.sync.run import Syncer

    http = collect.LazyHttp(None, timeout=60, retries=2)
    try:
        name = source or detect(_body(old, http), old)
        syncer = Syncer(Registry.from_catalog(settings.catalog_path()))
        merged = []
        for location in (old, new):
            got = collect.fetch(name, location, http=http, env=dict(os.environ), catalog_dir=syncer.catalog_dir)
            assert got.fetched is not None  # nothing is known to be applied here
            catalog, _ = syncer.merged({name: got.fetched})
            from modelreg.catalog import index

            merged.append(index.compile_records(catalog))
    finally:
        http.close()
    return diff_records(merged[0], merged[1], sources={name})


def _body(location: str, http: object) -> bytes:
    path = Path(location[7:] if location.startswith("file://") else location)
    if path.is_file():
        return path.read_bytes()
    if not location.startswith(("http://", "https://")):
        raise SourceError("snapshot", f"{location}: no such file")
    return http.get(location, source="snapshot").body  # type: ignore[attr-defined]
