"""/routes: a model served on a platform. Create, read, change priority or status (and other fields)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Response

from modelreg.api import writes
from modelreg.api.auth import GuardedRoute
from modelreg.api.deps import Editor, IfMatch, Reader, RegistryDep
from modelreg.schema import Route

router = APIRouter(prefix="/routes", tags=["routes"], route_class=GuardedRoute)


@router.post("", status_code=201, response_model=Route, summary="Create a route (a model on a platform)")
def create_route(route: Route, reg: RegistryDep, actor: Editor, response: Response) -> Any:
    created = reg.create("route", route, actor=actor)
    return writes.tagged(reg, "route", created.id, response)  # with its ETag: the next write can name it


@router.get("/{route_id:path}", response_model=Route, summary="One route, by id (platform/provider/model)")
async def read_route(route_id: str, reg: RegistryDep, _: Reader, response: Response) -> Any:
    return writes.tagged(reg, "route", route_id, response)


@router.patch(
    "/{route_id:path}",
    response_model=Route,
    summary="Change a route: priority (1 = first choice), status, or other fields",
)
def update_route(
    route_id: str, reg: RegistryDep, actor: Editor, tags: IfMatch, response: Response, patch: dict[str, Any] = Body(...)
) -> Any:
    reg.route(route_id)
    writes.record_write(
        reg, "route", route_id, tags, lambda version: reg.update("route", route_id, patch, version=version, actor=actor)
    )
    return writes.tagged(reg, "route", route_id, response)
