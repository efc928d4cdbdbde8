"""Dependencies of the route handlers: the registry, and who is asking (API key -> actor and role)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPBearer

from modelreg.api import auth, writes
from modelreg.registry import Registry

_bearer = HTTPBearer(auto_error=False, description="An API key: `modelreg keys create --role … <name>`")


async def registry(request: Request) -> Registry:
    reg: Registry = request.app.state.registry
    return reg


RegistryDep = Annotated[Registry, Depends(registry)]


def _needs(role: str):  # type: ignore[no-untyped-def]
    @auth.needs(role)
    async def check(request: Request, _: Annotated[object, Depends(_bearer)] = None) -> str:
        """The actor's name. The ASGI layer has authenticated the caller (and refused a weaker one) before
        routing; without that layer (an app mounted elsewhere) the header is read here."""
        scope = request.scope
        caller = (
            scope[auth.CALLER]
            if auth.CALLER in scope
            else auth.authenticate(request.app.state.registry.store, request.headers.get("authorization"))
        )
        return auth.authorize(caller, role, open_reads=not request.app.state.settings.require_read_key)

    return check


Reader = Annotated[str, Depends(_needs("reader"))]
Editor = Annotated[str, Depends(_needs("editor"))]
Admin = Annotated[str, Depends(_needs("admin"))]


def if_match(request: Request, if_match: Annotated[str | None, Header()] = None) -> list[str] | None:
    """The entity tags an If-Match header names (quotes and ``W/`` removed), or None without one. A tag
    that is not the record's current one is 412 here, before the body is validated."""
    if if_match is None:
        return None
    tags = [tag.strip().removeprefix("W/").strip('"') for tag in if_match.split(",") if tag.strip()]
    writes.precheck(request.app.state.registry, request.url.path, request.path_params, tags)
    return tags


IfMatch = Annotated[list[str] | None, Depends(if_match)]
