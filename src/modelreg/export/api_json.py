"""The whole registry as one JSON document for web clients (``api.json``), with its JSON Schema.

The document (``ApiDocument``)::

    {"$schema": "<the schema file, when written beside>", "schema_version": 1,
     "generated_at": "2025-01-31T12:00:00Z", "registry_state": "<changes with every catalog build or store write>",
     "providers": {id: Provider}, "platforms": {id: Platform}, "models": {id: Model}, "routes": {id: Route},
     "aliases": {alias: model id}}

Each record is the one the REST API serves (``modelreg.schema``, store edits included), without the fields
that are null; records are keyed by id and sorted, so a client finds one by key and a diff of two exports
reads well. Prices are exact decimals written as strings, in USD per 1M tokens; dates are ISO.
``aliases`` maps each name a model lists in ``aliases`` to its id (where two models list the same name, the
first by id keeps it). The schema is JSON Schema draft 2020-12, generated from the same pydantic types.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from modelreg.schema import Model, Platform, Provider, Route

if TYPE_CHECKING:
    from modelreg.registry import Registry

SCHEMA_VERSION = 1
DRAFT = "https://json-schema.org/draft/2020-12/schema"


class ApiDocument(BaseModel):
    """One export of the whole registry (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_ref: str | None = Field(default=None, alias="$schema", description="the JSON Schema of this document")
    schema_version: Literal[1] = 1
    generated_at: dt.datetime
    registry_state: str = Field(description="changes whenever what the registry serves changes (an ETag)")
    providers: dict[str, Provider]
    platforms: dict[str, Platform]
    models: dict[str, Model]
    routes: dict[str, Route]
    aliases: dict[str, str] = Field(default_factory=dict, description="a model's other name -> its id")


def document(reg: Registry, *, now: dt.datetime | None = None, schema_ref: str | None = None) -> dict[str, Any]:
    """The api.json document for ``reg`` as JSON data; ``schema_ref`` (a path or URL of the schema) is
    written as ``$schema``."""
    models = sorted(reg.models(), key=lambda m: m.id)
    aliases: dict[str, str] = {}
    for model in models:
        for alias in model.aliases:
            aliases.setdefault(alias, model.id)
    built = ApiDocument(
        schema_ref=schema_ref,
        generated_at=(now or dt.datetime.now(dt.UTC)).replace(microsecond=0),
        registry_state=reg.state(),
        providers={p.id: p for p in sorted(reg.providers(), key=lambda p: p.id)},
        platforms={p.id: p for p in sorted(reg.platforms(), key=lambda p: p.id)},
        models={m.id: m for m in models},
        routes={r.id: r for r in sorted(reg.routes(), key=lambda r: r.id)},
        aliases=dict(sorted(aliases.items())),
    )
    data: dict[str, Any] = built.model_dump(mode="json", by_alias=True, exclude_none=True)
    return data


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the api.json document."""
    generated = ApiDocument.model_json_schema(mode="serialization", by_alias=True)
    return {"$schema": DRAFT, **generated, "title": "modelreg api.json"}


def dumps(data: Any) -> str:
    """JSON text: indented, keys in the document's order, non-ASCII kept."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write(reg: Registry, path: Path, *, schema_path: Path | None = None) -> dict[str, int]:
    """Write ``reg``'s api.json to ``path`` (and its schema to ``schema_path``, named in ``$schema``),
    atomically; returns how many records of each kind."""
    ref = None
    if schema_path is not None:
        _write(schema_path, dumps(schema()))
        ref = relative(schema_path, path.parent)
    data = document(reg, schema_ref=ref)
    _write(path, dumps(data))
    return {kind: len(data[kind]) for kind in ("providers", "platforms", "models", "routes", "aliases")}


def relative(target: Path, start: Path) -> str:
    """``target`` as a path relative to the folder ``start`` (a file URI when there is none): for ``$schema``."""
    import os

    try:
        return Path(os.path.relpath(target.resolve(), start.resolve())).as_posix()
    except ValueError:  # another drive
        return target.resolve().as_uri()


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
