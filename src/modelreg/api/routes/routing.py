"""Choosing among routes: a model's best route and its fallback chain, the cheapest route for a request, and a
route's priority. Included before the models and routes routers: their ``{id:path}`` would swallow these paths."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from modelreg.api import writes
from modelreg.api.auth import GuardedRoute
from modelreg.api.deps import Editor, IfMatch, Reader, RegistryDep
from modelreg.api.routes.discovery import Count
from modelreg.schema import Capability, Route

router = APIRouter(tags=["routing"], route_class=GuardedRoute)

Strategy = Literal["priority", "cost", "latency", "success"]
Tokens = Annotated[Count, Field(le=100_000_000)]


class CheapestRequest(BaseModel):
    """One request to place: its prompt, the most output it may produce, what the model must be able to do."""

    model_config = ConfigDict(extra="forbid")
    prompt_tokens: Tokens
    max_output_tokens: Tokens
    required_capabilities: list[Capability] = Field(default_factory=list)
    provider: str | None = Field(None, description="only models of this maker")
    platform: str | None = Field(None, description="only routes on this platform")


class CheapestRoute(BaseModel):
    route: Route
    cost: dict[str, Any] = Field(description="the exact cost of the request on that route (USD, Decimal strings)")


class Fallbacks(BaseModel):
    model: str
    items: list[Route] = Field(description="the usable routes, the first to call first")
    skipped: dict[str, str] = Field(description="route id -> why it is left out (inactive, without tools, …)")
    reason: str = Field(description='the skipped routes counted: "3 routes: 2 inactive, 1 without tools"')


class PriorityChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    priority: int = Field(ge=1, strict=True, description="1 = first choice in a fallback chain")


Required = Query([], description="capabilities the model must have; repeat for several")


@router.get(
    "/models/{model_id:path}/routes/best",
    response_model=Route,
    summary="The route to call a model through: by priority, cost, latency or success rate",
)
async def best_route(
    model_id: str,
    reg: RegistryDep,
    _: Reader,
    strategy: Strategy = "priority",
    required: list[Capability] = Required,
    region: str | None = Query(None, description="a region the route (or one of its deployments) serves"),
) -> Any:
    return reg.best_route(model_id, required=[c.value for c in required], region=region, strategy=strategy)


@router.get(
    "/models/{model_id:path}/fallbacks",
    response_model=Fallbacks,
    summary="A model's usable routes in the order to try them, and why others are left out",
)
async def fallbacks(
    model_id: str,
    reg: RegistryDep,
    _: Reader,
    required: list[Capability] = Required,
    region: str | None = Query(None, description="a region the route (or one of its deployments) serves"),
) -> Any:
    chain = reg.fallback_chain(model_id, required=[c.value for c in required], region=region)
    return {"model": chain.model, "items": list(chain), "skipped": chain.skipped, "reason": chain.reason}


@router.post(
    "/routes/cheapest",
    response_model=CheapestRoute,
    summary="The cheapest usable route over the catalog for one request, and its cost",
)
async def cheapest_route(body: CheapestRequest, reg: RegistryDep, _: Reader) -> Any:
    route, cost = reg.cheapest_route(
        body.prompt_tokens,
        body.max_output_tokens,
        [c.value for c in body.required_capabilities],
        provider=body.provider,
        platform=body.platform,
    )
    return {"route": route, "cost": cost.as_dict()}


@router.patch(
    "/routes/{route_id:path}/priority",
    response_model=Route,
    summary="Change a route's priority (1 = first choice); If-Match names the route's ETag",
)
def change_priority(
    route_id: str, change: PriorityChange, reg: RegistryDep, actor: Editor, tags: IfMatch, response: Response
) -> Any:
    reg.route(route_id)  # 404 before anything is written
    writes.record_write(
        reg,
        "route",
        route_id,
        tags,
        lambda version: reg.update_route_priority(route_id, change.priority, actor=actor, version=version),
    )
    return writes.tagged(reg, "route", route_id, response)
