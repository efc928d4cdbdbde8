"""Questions: resolve, search, capability matrix, price comparison, cost, validate, convert, recommend,
history, deprecations."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from modelreg.api.auth import GuardedRoute
from modelreg.api.deps import Reader, RegistryDep
from modelreg.registry import Registry
from modelreg.schema import Capability

router = APIRouter(tags=["discovery"], route_class=GuardedRoute)

Count = Annotated[int, Field(ge=0, strict=True)]
"""A token count: a JSON integer, zero or more (not "1000", not true, not 2.0)."""


class Usage(BaseModel):
    """Token counts of one call (input includes cache reads and writes; output includes reasoning), or a
    provider's own usage object in ``usage`` (OpenAI, Anthropic or Gemini)."""

    model_config = ConfigDict(extra="forbid")
    model: str
    input_tokens: Count = 0
    output_tokens: Count = 0
    cache_read_tokens: Count = 0
    cache_write_tokens: Count = 0
    reasoning_tokens: Count = 0
    batch: bool = Field(False, strict=True)
    usage: dict[str, Any] | None = None


class RequestCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str
    params: dict[str, Any] = Field(default_factory=dict)
    prompt_tokens: Count | None = None
    platform: str | None = None
    strict: bool = Field(False, strict=True)


class Requirements(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prompt_tokens: Annotated[Count, Field(le=100_000_000)] = 1000
    output_tokens: Annotated[Count, Field(le=100_000_000)] = 500
    required: list[Capability] = Field(default_factory=list)
    provider: str | None = None
    platform: str | None = None
    limit: int = Field(10, ge=1, le=100)


@router.get("/resolve", summary="What a model name means, and the rule that matched")
async def resolve(name: str, reg: RegistryDep, _: Reader) -> dict[str, Any]:
    return resolution(reg, name)


def resolution(reg: Registry, name: str) -> dict[str, Any]:
    """What /resolve answers for ``name`` (the ASGI layer's fast answer too)."""
    found = reg.explain(name)
    return {
        "name": name,
        "model": found.model.id,
        "route": found.route.id if found.route else None,
        "region": found.region,
        "rule": found.rule,
        "fine_tuned": found.fine_tuned,
    }


@router.get("/search", summary="Models whose id, name or aliases contain the text")
async def search(
    reg: RegistryDep, _: Reader, q: str = Query(..., min_length=1), limit: int = Query(20, ge=1, le=200)
) -> dict[str, Any]:
    items = [
        {"id": m.id, "display_name": m.display_name, "provider": m.provider, "family": m.family}
        for m in reg.search(q, limit=limit)
    ]
    return {"items": items, "count": len(items)}


@router.get("/capabilities", summary="The capability matrix: capability -> model ids")
async def capabilities(reg: RegistryDep, _: Reader, include_deprecated: bool = False) -> dict[str, list[str]]:
    return reg.capability_matrix(include_deprecated=include_deprecated)


@router.get("/pricing", summary="Prices of several models side by side (USD per 1M tokens)")
async def pricing(
    reg: RegistryDep, _: Reader, ids: list[str] = Query(..., description="repeat, or comma-separated")
) -> dict[str, Any]:
    names = [n for value in ids for n in value.split(",") if n]
    return {
        "items": [
            {"model": (m := reg.resolve(n)).id, "name": n, "pricing": m.pricing.model_dump(mode="json")} for n in names
        ]
    }


@router.post("/cost", summary="The exact cost of one call (USD, Decimal strings)")
async def cost(body: Usage, reg: RegistryDep, _: Reader) -> dict[str, Any]:
    return cost_of(reg, body)


def cost_of(reg: Registry, body: Usage) -> dict[str, Any]:
    """What /cost answers for ``body`` (the ASGI layer's fast answer too)."""
    if body.usage is not None:
        result = reg.cost_from_usage(body.model, body.usage, batch=body.batch)
    else:
        result = reg.cost(
            body.model,
            input_tokens=body.input_tokens,
            output_tokens=body.output_tokens,
            cache_read_tokens=body.cache_read_tokens,
            cache_write_tokens=body.cache_write_tokens,
            reasoning_tokens=body.reasoning_tokens,
            batch=body.batch,
        )
    return result.as_dict()


@router.post("/validate", summary="Every problem with a request for a model")
async def validate(body: RequestCheck, reg: RegistryDep, _: Reader) -> dict[str, Any]:
    issues = reg.validate(body.model, body.params, prompt_tokens=body.prompt_tokens, platform=body.platform)
    return {"valid": not any(i.severity == "error" for i in issues), "issues": [i._asdict() for i in issues]}


@router.post("/convert", summary="A request's parameters as the serving API names them")
async def convert(body: RequestCheck, reg: RegistryDep, _: Reader) -> dict[str, Any]:
    return {"params": reg.convert(body.model, body.params, platform=body.platform, strict=body.strict)}


@router.post("/recommend", summary="Models that meet the requirements, cheapest first, with the cost")
async def recommend(body: Requirements, reg: RegistryDep, _: Reader) -> dict[str, Any]:
    conditions: dict[str, Any] = {k: v for k, v in (("provider", body.provider), ("platform", body.platform)) if v}
    quotes = reg.cheapest(
        body.prompt_tokens,
        body.output_tokens,
        required=[c.value for c in body.required],
        limit=body.limit,
        **conditions,
    )
    return {
        "items": [
            {"model": q.model, "route": q.route, "platform": q.platform, "cost": q.cost.as_dict()} for q in quotes
        ]
    }


@router.get("/history/{kind}/{record_id:path}", summary="Every stored change of one record")
def history(kind: str, record_id: str, reg: RegistryDep, _: Reader) -> dict[str, Any]:
    if reg.store is None:
        return {"items": []}
    items = [{**c._asdict(), "at": c.at.isoformat()} for c in reg.history(kind, record_id)]
    return {"items": items}


@router.get("/deprecations", summary="Models deprecated or retired soon, with their replacements")
async def deprecations(reg: RegistryDep, _: Reader, within_days: int = Query(90, ge=0, le=3650)) -> dict[str, Any]:
    return {"items": [m._asdict() for m in reg.deprecations(within_days=within_days)]}
