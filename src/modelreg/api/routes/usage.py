"""/usage and /spend: calls recorded through routes (success, latency, tokens, cost) and what they cost.

Recording usage is a write (an editor key); reading spend is a read. Calls are not part of the registry's
state, so /spend is read live from the store on every request (``live_paths``: never kept, never given
the registry's ETag).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StrictInt

from modelreg import calls
from modelreg.api.auth import GuardedRoute
from modelreg.api.deps import Editor, Reader, RegistryDep

router = APIRouter(tags=["usage"], route_class=GuardedRoute)

SPEND_PATH = "/spend"


class CallIn(BaseModel):
    """One call made through a route."""

    model_config = ConfigDict(extra="forbid")

    route: str = Field(description="the route called: platform/provider/model", examples=["openai/openai/gpt-4o"])
    ok: StrictBool = Field(description="whether the call succeeded")
    latency_ms: Annotated[float, Field(strict=True, ge=0, description="how long the call took, in milliseconds")]
    input_tokens: StrictInt = Field(default=0, ge=0, le=calls.MAX_TOKENS)
    output_tokens: StrictInt = Field(default=0, ge=0, le=calls.MAX_TOKENS)
    error: str | None = Field(default=None, description="what went wrong, for a failed call (kept up to 1,000 chars)")
    at: AwareDatetime | None = Field(default=None, description="when the call was made (default: when recorded)")


class UsageIn(BaseModel):
    """A batch of calls: recorded all together, or none when one is wrong."""

    model_config = ConfigDict(extra="forbid")

    calls: list[CallIn] = Field(max_length=calls.MAX_BATCH, description=f"at most {calls.MAX_BATCH} calls")


class UsageOut(BaseModel):
    recorded: int = Field(description="calls recorded")
    cost_usd: str | None = Field(description="what the priced calls cost, in USD (null: none was priced)")
    unpriced_calls: int = Field(description="calls through routes with no price: in no cost")


@router.post(
    "/usage",
    status_code=201,
    response_model=UsageOut,
    summary="Record calls made through routes (a batch, all or nothing): success, latency, tokens",
)
def record_usage(usage: UsageIn, reg: RegistryDep, _: Editor) -> Any:
    """Each call's cost is worked out now, at the prices in force on its day; a route with no price
    records none (counted in ``unpriced_calls``, never as $0). One bad call (an unknown route, …) refuses
    the whole batch with 422, naming each problem as ``calls.<i>.<field>``."""
    recorded = calls.record_calls(reg, [c.model_dump(exclude_none=True) for c in usage.calls])
    priced = [c.cost_usd for c in recorded if c.cost_usd is not None]
    return {
        "recorded": len(recorded),
        "cost_usd": format(sum(priced, Decimal(0)).normalize(), "f") if priced else None,
        "unpriced_calls": len(recorded) - len(priced),
    }


@router.get(SPEND_PATH, summary="What the recorded calls cost, by model, platform, route and day")
def read_spend(
    reg: RegistryDep,
    _: Reader,
    since: Annotated[
        str, Query(description="how long ago (7d, 24h) or an ISO date or time (UTC unless it says otherwise)")
    ] = "7d",
    until: Annotated[str | None, Query(description="an ISO date or time (default: now); not included")] = None,
    by: Annotated[
        str, Query(description="comma-separated: any of route, model, platform, day (empty: the total only)")
    ] = "model,platform,day",
) -> Any:
    """Read live from the store on every request. Rows are in key order; ``total`` sums every call.
    ``cost_usd`` sums the priced calls (a decimal string; null when none was priced); calls through routes
    with no price are counted in ``unpriced_calls``, never as $0."""
    found = calls.spend(reg, since=since, until=until, by=by)
    return JSONResponse(found.as_json(), headers={"cache-control": "no-store"})
