"""A source's records as bytes and back: what the store keeps of each source's last applied snapshot.

A later sync that does not fetch a source (not asked for, or failing) merges with these, so the merge
weighs the same evidence every time and a failing source changes nothing. Facts are JSON with their
Python types tagged (Decimal, set) so that records read back merge exactly as the fetched ones did.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from modelreg.sync.matching import Match
from modelreg.sync.records import SourceRecord

FORMAT = 1


def dump(records: list[SourceRecord], provider_meta: dict[str, Any] | None = None) -> bytes:
    rows = [
        {
            "source": r.source,
            "key": r.key,
            "upstream_provider": r.upstream_provider,
            "model_string": r.model_string,
            "as_of": r.as_of,
            "facts": r.facts,
            "url": r.url,
            "match": [r.match.rule, r.match.entry_id] if isinstance(r.match, Match) else None,
        }
        for r in records
    ]
    document = {"format": FORMAT, "records": rows, "provider_meta": provider_meta or {}}
    return json.dumps(document, default=_tagged, separators=(",", ":")).encode()


def load(body: bytes) -> tuple[list[SourceRecord], dict[str, Any]]:
    """The records and the provider facts (models.dev's) that ``dump`` kept."""
    document = json.loads(body, object_hook=_untagged)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError("not a baseline of this format")
    records = [
        SourceRecord(
            source=row["source"],
            key=row["key"],
            upstream_provider=row["upstream_provider"],
            model_string=row["model_string"],
            as_of=row["as_of"],
            facts=row["facts"],
            url=row["url"],
            match=Match(*row["match"]) if row["match"] else None,
        )
        for row in document["records"]
    ]
    return records, document.get("provider_meta") or {}


def _tagged(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$d": str(value)}
    if isinstance(value, set | frozenset):
        return {"$s": sorted(value, key=str)}
    if isinstance(value, tuple):
        return {"$t": list(value)}
    raise TypeError(f"cannot keep a {type(value).__name__} in a baseline")


def _untagged(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if "$d" in obj:
            return Decimal(obj["$d"])
        if "$s" in obj:
            return set(obj["$s"])
        if "$t" in obj:
            return tuple(obj["$t"])
    return obj
