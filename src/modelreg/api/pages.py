"""Models as the service writes them: each model's JSON rendered once per registry state, and pages of the
model list joined from those bytes (the FastAPI route and the ASGI layer's fast answers both use them)."""

from __future__ import annotations

import base64
import bisect
import json
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from modelreg.registry import Registry

Headers = list[tuple[bytes, bytes]]
_Kept = tuple[Registry | None, dict[str, bytes], dict[str, bytes], dict[tuple[Any, ...], list[str]]]


class PriceToCompare(BaseModel):
    """The price a model is compared and filtered by (USD per 1M tokens)."""

    input: Decimal | None = None
    output: Decimal | None = None
    from_route: str | None = Field(
        None, description='the route whose price this is ("from" its cheapest active route); null: the maker\'s own'
    )


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))


def dumps(content: Any) -> bytes:
    """JSON as FastAPI's JSONResponse writes it: compact, UTF-8, no NaN (one encoder, made once)."""
    return _ENCODER.encode(content).encode()


def json_headers(body: bytes, *first: tuple[bytes, bytes]) -> Headers:
    """The headers Starlette puts on a JSON response: those given, then length and type."""
    return [*first, (b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]


class Rendered:
    """Each model's JSON in one registry state (a view), made on first use: a new view starts anew."""

    def __init__(self) -> None:
        self._kept: _Kept = (None, {}, {}, {})

    def _of(self, view: Registry) -> _Kept:
        kept = self._kept
        if kept[0] is not view:
            kept = self._kept = (view, {}, {}, {})  # swapped whole: a reader holds one state's or the other's
        return kept

    def lists(self, view: Registry) -> dict[tuple[Any, ...], list[str]]:
        """The ids of lists asked for in this state, by their filters."""
        return self._of(view)[3]

    def model(self, view: Registry, model_id: str) -> bytes:
        models = self._of(view)[1]
        body = models.get(model_id)
        if body is None:
            body = models[model_id] = view.get(model_id).model_dump_json().encode()
        return body

    def listed(self, view: Registry, model_id: str) -> bytes:
        """A model as the list shows it: its JSON with ``price_to_compare`` added at the end."""
        listed = self._of(view)[2]
        body = listed.get(model_id)
        if body is None:
            price = view.price_to_compare(model_id)
            compared = PriceToCompare(input=price.input, output=price.output, from_route=price.route)
            own = self.model(view, model_id)
            body = listed[model_id] = b'%s,"price_to_compare":%s}' % (own[:-1], compared.model_dump_json().encode())
        return body

    def page(self, view: Registry, ids: list[str], cursor: str | None, limit: int) -> bytes:
        """A page of ``ids`` (sorted) after ``cursor`` (a model id), with the cursor of the next page."""
        start = 0 if cursor is None else bisect.bisect_right(ids, cursor)  # the first id after the cursor
        page = ids[start : start + limit]
        following = encode_cursor(page[-1]) if start + limit < len(ids) and page else None
        items = b",".join(self.listed(view, model_id) for model_id in page)
        return b'{"items":[%s],"next_cursor":%s}' % (items, dumps(following))


RENDERED = Rendered()
"""The service's rendered models (the FastAPI routes and the ASGI layer share them)."""


def listed_ids(view: Registry, *, q: str | None = None, **conditions: Any) -> list[str]:
    """The ids a model list holds: every model matching ``conditions`` (deprecated ones too), narrowed to
    those whose id, name or aliases hold ``q``; kept per state for the pages that follow."""
    key = (q, *((name, tuple(v) if isinstance(v, list) else v) for name, v in sorted(conditions.items())))
    kept = RENDERED.lists(view)
    ids = kept.get(key)
    if ids is None:
        ids = _listed_ids(view, q, conditions)
        if len(kept) < 256:  # the common lists; filters are the client's to vary
            kept[key] = ids
    return ids


def _listed_ids(reg: Registry, q: str | None, conditions: dict[str, Any]) -> list[str]:
    ids = reg.find_ids(include_deprecated=True, **conditions)
    if q:
        wanted = set(reg.search_ids(q, limit=len(reg)))  # every match: the conditions above narrow them
        ids = [i for i in ids if i in wanted]
    return ids


def encode_cursor(model_id: str) -> str:
    return base64.urlsafe_b64encode(model_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str | None:
    """The model id a cursor names; None when it is not one this API gave out."""
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
