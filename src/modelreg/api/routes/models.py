"""/models: list with filters and cursor pages, read, create, change, delete, and the seed's sub-resources
(routes, pricing, capabilities, status). A model id is ``provider/model``, so paths take a slash."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from modelreg.api import writes
from modelreg.api.auth import GuardedRoute
from modelreg.api.deps import Editor, IfMatch, Reader, RegistryDep
from modelreg.api.pages import RENDERED, PriceToCompare, decode_cursor, listed_ids
from modelreg.api.problems import Problem
from modelreg.schema import Capability, Model, Pricing, Status

router = APIRouter(prefix="/models", tags=["models"], route_class=GuardedRoute)


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
    after = None
    if cursor:
        after = decode_cursor(cursor)
        if after is None:
            raise Problem(400, "Bad request", "the cursor is not one this API gave out")
    view = reg.view()  # one state for the whole page
    ids = listed_ids(
        view,
        q=q,
        provider=provider,
        family=family,
        required=[c.value for c in capability],
        status=status.value if status else None,
        min_context=min_context,
        max_input_price=max_input_price,
        max_output_price=max_output_price,
    )
    # written from each model's JSON, kept per state (``pages``): validating 50 models we just read would
    # cost more than the rest of the request
    return Response(RENDERED.page(view, ids, after, limit), media_type="application/json")


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
    view = reg.view()  # the model and its ETag from one state
    body = RENDERED.model(view, model_id)  # pydantic's core, once per state: re-validating would double the work
    return Response(body, media_type="application/json", headers={"ETag": f'"{view.etag("model", model_id)}"'})


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
