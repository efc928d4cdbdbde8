"""The registry as a CSV table for spreadsheets: one row per model, or one per route.

Columns of a model row (``MODEL_COLUMNS``): id, provider, family, name, context (the context window), max
output, input / output / cache read / cache write prices in USD per 1M tokens, price from (empty: the maker's
own price; else the route whose price it is, for a model its maker prices nowhere: the cheapest active
route, as ``modelreg list`` compares them), capabilities (separated by ``;``), status (today's), release date.

A route row (``ROUTE_COLUMNS``): id, platform, model, model string, provider, family, context, max output
(the platform's own where it states them), the four prices the route bills (the maker's on its own API),
capabilities, status (the route's), release date (the model's).

Numbers are plain (``2.5``, ``128000``), an unknown value is an empty cell; the file is UTF-8 with ``\\r\\n``
line ends, as the ``csv`` module writes by default and spreadsheets expect.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelreg.registry import Registry
    from modelreg.schema import Limits, Model, Pricing, Route

PRICES = ("input", "output", "cache_read", "cache_write")
MODEL_COLUMNS = (
    "id",
    "provider",
    "family",
    "name",
    "context",
    "max_output",
    *(f"{kind}_per_1m" for kind in PRICES),
    "price_from",
    "capabilities",
    "status",
    "release_date",
)
ROUTE_COLUMNS = (
    "id",
    "platform",
    "model",
    "model_string",
    "provider",
    "family",
    "context",
    "max_output",
    *(f"{kind}_per_1m" for kind in PRICES),
    "capabilities",
    "status",
    "release_date",
)


def model_rows(reg: Registry, *, today: dt.date | None = None) -> list[dict[str, str]]:
    """One row per model, by id (see ``MODEL_COLUMNS``)."""
    day = today or dt.date.today()
    rows = []
    for model in sorted(reg.models(), key=lambda m: m.id):
        compared = reg.price_to_compare(model.id)
        pricing = reg.route(compared.route).pricing if compared.route else model.pricing
        rows.append(
            _row(
                MODEL_COLUMNS,
                id=model.id,
                provider=model.provider,
                family=model.family,
                name=model.display_name or model.name,
                **_limits(model.limits),
                **_prices(pricing),
                price_from=compared.route,
                capabilities=_capabilities(model),
                status=model.lifecycle.status_on(day).value,
                release_date=model.lifecycle.release_date,
            )
        )
    return rows


def route_rows(reg: Registry) -> list[dict[str, str]]:
    """One row per route, by id (see ``ROUTE_COLUMNS``)."""
    models = {model.id: model for model in reg.models()}
    rows = []
    for route in sorted(reg.routes(), key=lambda r: r.id):
        model = models[route.model]
        rows.append(
            _row(
                ROUTE_COLUMNS,
                id=route.id,
                platform=route.platform,
                model=model.id,
                model_string=route.model_string,
                provider=model.provider,
                family=model.family,
                **_limits(route.limits or model.limits),
                **_prices(_billed(model, route)),
                capabilities=_capabilities(model),
                status=route.status,
                release_date=model.lifecycle.release_date,
            )
        )
    return rows


def dumps(rows: Iterable[dict[str, str]], columns: tuple[str, ...]) -> str:
    """The CSV text of ``rows`` under a header line of ``columns``."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def text(reg: Registry, *, routes: bool = False) -> tuple[str, int]:
    """The CSV of ``reg``'s models (or routes), and how many rows."""
    rows = route_rows(reg) if routes else model_rows(reg)
    return dumps(rows, ROUTE_COLUMNS if routes else MODEL_COLUMNS), len(rows)


def write(reg: Registry, path: Path, *, routes: bool = False) -> int:
    """Write the CSV of ``reg``'s models (or routes) to ``path`` atomically; returns how many rows."""
    content, count = text(reg, routes=routes)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(content, encoding="utf-8", newline="")
    tmp.replace(path)
    return count


def _billed(model: Model, route: Route) -> Pricing:
    """What the route bills: the maker's price on its own API, or where the route states none."""
    return model.pricing if route.direct or route.pricing.is_empty() else route.pricing


def _limits(limits: Limits) -> dict[str, Any]:
    return {"context": limits.context_window or limits.max_input_tokens, "max_output": limits.max_output_tokens}


def _prices(pricing: Pricing) -> dict[str, Any]:
    return {f"{kind}_per_1m": getattr(pricing, kind) for kind in PRICES}


def _capabilities(model: Model) -> str:
    return ";".join(sorted(c.value for c in model.capabilities))


def _row(columns: tuple[str, ...], **values: Any) -> dict[str, str]:
    return {column: _cell(values.get(column)) for column in columns}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)
