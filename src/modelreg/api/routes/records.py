"""/providers and /platforms: list, read, create, change (a partial patch), delete. Both are admin's to write."""

from typing import Any

from fastapi import APIRouter, Body, Query, Response

from modelreg.api import writes
from modelreg.api.auth import GuardedRoute
from modelreg.api.deps import Admin, IfMatch, Reader, RegistryDep
from modelreg.schema import Platform, Provider


def _router(kind: str, plural: str, schema: type[Provider] | type[Platform]) -> APIRouter:
    router = APIRouter(prefix=f"/{plural}", tags=[plural], route_class=GuardedRoute)

    @router.get("", summary=f"List {plural}")
    async def list_all(
        reg: RegistryDep, _: Reader, status: str | None = Query(None, description="active, beta or deprecated")
    ) -> dict[str, Any]:
        found = reg.providers() if kind == "provider" else reg.platforms()
        items = [r.model_dump(mode="json") for r in found if status is None or r.status == status]
        return {"items": items, "count": len(items)}

    @router.get("/{record_id}", summary=f"One {kind}", response_model=schema)
    async def read(record_id: str, reg: RegistryDep, _: Reader, response: Response) -> Any:
        return writes.tagged(reg, kind, record_id, response)

    @router.post("", status_code=201, summary=f"Create a {kind}", response_model=schema)
    def create(record: schema, reg: RegistryDep, actor: Admin, response: Response) -> Any:  # type: ignore[valid-type]  # a runtime type: no postponed annotations in this module
        created = reg.create(kind, record, actor=actor)
        return writes.tagged(reg, kind, created.id, response)  # with its ETag: the next write can name it

    @router.patch("/{record_id}", summary=f"Change fields of a {kind}", response_model=schema)
    def update(
        record_id: str,
        reg: RegistryDep,
        actor: Admin,
        tags: IfMatch,
        response: Response,
        patch: dict[str, Any] = Body(...),
    ) -> Any:
        writes.record_write(
            reg, kind, record_id, tags, lambda version: reg.update(kind, record_id, patch, version=version, actor=actor)
        )
        return writes.tagged(reg, kind, record_id, response)

    @router.delete("/{record_id}", status_code=204, summary=f"Delete a {kind}")
    def delete(record_id: str, reg: RegistryDep, actor: Admin, tags: IfMatch) -> Response:
        writes.record_write(
            reg, kind, record_id, tags, lambda version: reg.delete(kind, record_id, version=version, actor=actor)
        )
        return Response(status_code=204)

    return router


providers = _router("provider", "providers", Provider)
platforms = _router("platform", "platforms", Platform)
