"""Dependencies of the route handlers: the registry, and who is asking (API key -> actor and role)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPBearer

from modelreg.api import auth
from modelreg.api.problems import Problem
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


async def if_match_version(request: Request, if_match: Annotated[str | None, Header()] = None) -> None:
    """A write that names the state it read (If-Match: the ETag of a GET) fails with 412 if it moved."""
    if if_match is None or if_match.strip() == "*":
        return
    current = f'"{request.app.state.registry.state()}"'
    if current not in [tag.strip().removeprefix("W/") for tag in if_match.split(",")]:
        raise Problem(
            412,
            "Precondition failed",
            "the registry changed since you read it: read again, then retry",
            current_etag=current,
        )


IfMatch = Depends(if_match_version)
