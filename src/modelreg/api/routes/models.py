"""/models: list with filters and cursor pages, read, create, change, delete, and the seed's sub-resources
(routes, pricing, capabilities, status). A model id is ``provider/model``, so paths take a slash."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from modelreg.api import writes
from modelreg.api.auth import GuardedRoute
from modelreg.api.deps import Editor, IfMatch, Reader, RegistryDep
from modelreg.api.problems import Problem
from modelreg.schema import Capability, Model, Pricing, Status

router = APIRouter(prefix="/models", tags=["models"], route_class=GuardedRoute)


class PriceToCompare(BaseModel):
    """The price a model is compared and filtered by (USD per 1M tokens)."""

    input: Decimal | None = None
    output: Decimal | None = None
    from_route: str | None = Field(
        None, description='the route whose price this is ("from" its cheapest active route); null: the maker\'s own'
    )


class ListedModel(Model):
    price_to_compare: PriceToCompare = Field(
        description="the maker's price, else the cheapest active route's: what max_input_price filters on"
    )


class ModelPage(BaseModel):
    items: list[ListedModel]
    next_cursor: str | None = Field(None, description="pass as ?cursor= for the next page; null on the last")


class CapabilityChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operation: Literal["add", "remove"]
    capability: Capability


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Status
    deprecation_date: str | None = None
    retirement_date: str | None = None
    replacement: str | None = None
    migration_guide: str | None = None


class PriceChange(Pricing):
    """The prices that change (USD per 1M tokens; null clears one) and the day they start (default: today).
    Prices not named carry over from the price in force before."""


@router.get("", response_model=ModelPage, summary="List models, filtered, a page at a time")
async def list_models(
    reg: RegistryDep,
    _: Reader,
    provider: str | None = None,
    family: str | None = None,
    capability: list[Capability] = Query([], description="repeat for several: all are required"),
    status: Status | None = None,
    min_context: int | None = Query(None, ge=0),
    max_input_price: float | None = Query(
        None, ge=0, description="USD per 1M input tokens: the maker's price, else the cheapest active route's"
    ),
    max_output_price: float | None = Query(None, ge=0, description="USD per 1M output tokens, likewise"),
    q: str | None = Query(None, description="text in the id, display name or aliases"),
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = None,
) -> Any:
    ids = reg.find_ids(
        provider=provider,
        family=family,
        required=[c.value for c in capability],
        status=status.value if status else None,
        min_context=min_context,
        max_input_price=max_input_price,
        max_output_price=max_output_price,
        include_deprecated=True,
    )
    if q:
        wanted = set(reg.search_ids(q, limit=len(reg)))  # every match: the filters above narrow them
        ids = [i for i in ids if i in wanted]
    start = 0
    if cursor:
        after = _decode(cursor)
        start = next((n for n, i in enumerate(ids) if i > after), len(ids))
    page = ids[start : start + limit]
    more = start + limit < len(ids)
    items = [_listed(reg.get(i), reg.price_to_compare(i)) for i in page]
    return {"items": items, "next_cursor": _encode(page[-1]) if more and page else None}


def _listed(model: Model, price: Any) -> ListedModel:
    compared = PriceToCompare(input=price.input, output=price.output, from_route=price.route)
    return ListedModel.model_construct(**dict(model), price_to_compare=compared)  # both are validated already


@router.post("", status_code=201, response_model=Model, summary="Create a model")
def create_model(model: Model, reg: RegistryDep, actor: Editor, response: Response) -> Any:
    created = reg.create("model", model, actor=actor)
    return writes.tagged(reg, "model", created.id, response)  # with its ETag: the next write can name it


@router.get("/{model_id:path}/routes", summary="The routes that serve a model")
async def model_routes(model_id: str, reg: RegistryDep, _: Reader) -> dict[str, Any]:
    items = [r.model_dump(mode="json") for r in reg.routes(model_id)]
    return {"items": items, "count": len(items)}


@router.patch(
    "/{model_id:path}/pricing",
    response_model=Model,
    summary="Change a model's prices from a day on (the old price is closed, not overwritten)",
)
def change_pricing(
    model_id: str, change: PriceChange, reg: RegistryDep, actor: Editor, tags: IfMatch, response: Response
) -> Any:
    reg.get(model_id)  # a model's, not a route's (routes are priced through the library)
    named = change.model_dump(mode="json", exclude_unset=True, exclude={"effective_from", "effective_until"})
    starts = change.effective_from or dt.date.today()
    writes.price_write(
        reg,
        "model",
        model_id,
        tags,
        lambda version: reg.set_price(model_id, named, effective_from=starts, actor=actor, version=version),
    )
    return writes.tagged(reg, "model", model_id, response)


@router.patch("/{model_id:path}/capabilities", response_model=Model, summary="Add or remove one capability")
def change_capabilities(
    model_id: str, change: CapabilityChange, reg: RegistryDep, actor: Editor, tags: IfMatch, response: Response
) -> Any:
    wanted = change.capability.value

    def write(version: int) -> Any:
        current = [c.value for c in reg.get(model_id).capabilities]
        updated = sorted({*current, wanted}) if change.operation == "add" else [c for c in current if c != wanted]
        patch = {"capabilities": updated}
        return reg.update(
            "model", model_id, patch, version=version, actor=actor, message=f"{change.operation} {wanted}"
        )

    writes.record_write(reg, "model", model_id, tags, write)
    return writes.tagged(reg, "model", model_id, response)


@router.patch(
    "/{model_id:path}/status",
    response_model=Model,
    summary="Change a model's lifecycle status (deprecate, retire, name a replacement)",
)
def change_status(
    model_id: str, change: StatusChange, reg: RegistryDep, actor: Editor, tags: IfMatch, response: Response
) -> Any:
    # fields left out keep their values (a new status keeps the replacement); the registry refuses dates that
    # do not exist or are out of order, and a replacement that is unknown or the model itself
    lifecycle = change.model_dump(mode="json", exclude_none=True)
    writes.record_write(
        reg,
        "model",
        model_id,
        tags,
        lambda version: reg.update(
            "model",
            model_id,
            {"lifecycle": lifecycle},
            version=version,
            actor=actor,
            message=f"status {change.status.value}",
        ),
    )
    return writes.tagged(reg, "model", model_id, response)


@router.get("/{model_id:path}", response_model=Model, summary="One model, by its canonical id")
async def read_model(model_id: str, reg: RegistryDep, _: Reader) -> Any:
    model, tag = reg.tagged("model", model_id)
    # serialized by pydantic's core directly: re-validating a Model we just read would double the work
    return Response(model.model_dump_json(), media_type="application/json", headers={"ETag": f'"{tag}"'})


@router.patch(
    "/{model_id:path}",
    response_model=Model,
    summary="Change fields of a model (a partial patch; nested objects merge; prices change through …/pricing)",
)
def update_model(
    model_id: str,
    reg: RegistryDep,
    actor: Editor,
    tags: IfMatch,
    response: Response,
    patch: dict[str, Any] = Body(...),
) -> Any:
    writes.record_write(
        reg, "model", model_id, tags, lambda version: reg.update("model", model_id, patch, version=version, actor=actor)
    )
    return writes.tagged(reg, "model", model_id, response)


@router.delete("/{model_id:path}", status_code=204, summary="Delete (hide) a model")
def delete_model(model_id: str, reg: RegistryDep, actor: Editor, tags: IfMatch) -> Response:
    writes.record_write(
        reg, "model", model_id, tags, lambda version: reg.delete("model", model_id, version=version, actor=actor)
    )
    return Response(status_code=204)


def _encode(model_id: str) -> str:
    return base64.urlsafe_b64encode(model_id.encode()).decode().rstrip("=")


def _decode(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise Problem(400, "Bad request", "the cursor is not one this API gave out") from None
