"""Dependencies of the route handlers: the registry, and who is asking (API key -> actor and role)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from modelreg.api.problems import Problem
from modelreg.registry import Registry

RANK = {"reader": 0, "editor": 1, "admin": 2}


async def registry(request: Request) -> Registry:
    reg: Registry = request.app.state.registry
    return reg


RegistryDep = Annotated[Registry, Depends(registry)]


def _caller(request: Request, authorization: str | None) -> tuple[str, str] | None:
    if not authorization:
        return None
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer" or not key:
        raise Problem(
            401,
            "Unauthorized",
            "send the API key as: Authorization: Bearer <key>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    store = request.app.state.registry.store
    owner = store.key_owner(key.strip()) if store is not None else None
    if owner is None:
        raise Problem(401, "Unauthorized", "unknown or revoked API key")
    return owner


def _needs(role: str):  # type: ignore[no-untyped-def]
    async def check(request: Request, authorization: Annotated[str | None, Header()] = None) -> str:
        caller = _caller(request, authorization)
        if caller is None:
            if role == "reader" and not request.app.state.settings.require_read_key:
                return "anonymous"
            raise Problem(
                401, "Unauthorized", f"this needs an API key with the {role} role (`modelreg keys create --role …`)"
            )
        name, has = caller
        if RANK[has] < RANK[role]:
            raise Problem(403, "Forbidden", f"the key {name!r} has the {has} role; this needs {role}")
        return name

    return check


Reader = Annotated[str, Depends(_needs("reader"))]
Editor = Annotated[str, Depends(_needs("editor"))]
Admin = Annotated[str, Depends(_needs("admin"))]


def if_match(if_match: Annotated[str | None, Header()] = None) -> list[str] | None:
    """The entity tags an If-Match header names (quotes and ``W/`` removed), or None without one."""
    if if_match is None:
        return None
    return [tag.strip().removeprefix("W/").strip('"') for tag in if_match.split(",") if tag.strip()]


IfMatch = Annotated[list[str] | None, Depends(if_match)]
