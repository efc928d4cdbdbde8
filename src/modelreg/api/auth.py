"""Who is asking, and whether they may: an API key (``Authorization: Bearer <key>``) names a caller with a
role, and each route needs a role — reader < editor (models, routes, prices) < admin (providers, platforms).

Who is asking is settled by the ASGI layer (``middleware.py``) before routing and before any kept answer:
a bad or revoked key is 401, and so is no key where reads need one — never a 200 or 304 from the answer
cache. Whether they may is settled by ``GuardedRoute`` once the route is known, before FastAPI reads the
body or runs the dependencies: 401/403 come before a 412 for an If-Match and a 422 for the body. Route
handlers take the caller's name (``deps.py``) as the actor of their writes.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, NamedTuple

from fastapi import Request, Response
from fastapi.routing import APIRoute

from modelreg.api.problems import Problem

RANK = {"reader": 0, "editor": 1, "admin": 2}
OPEN_PATHS = frozenset(("/healthz", "/readyz"))
"""Open even when reads need a key: load balancers probe them, and they tell nothing about the data."""
CALLER = "modelreg.caller"
"""The scope key holding the request's ``Caller`` (None: no key was sent)."""
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="modelreg"'}
_INVALID = {"WWW-Authenticate": 'Bearer realm="modelreg", error="invalid_token"'}


class Caller(NamedTuple):
    name: str  # the key's name: the actor in the change log
    role: str


def authenticate(store: Any, authorization: str | None) -> Caller | None:
    """The caller an Authorization header names; None when there is none. A header that is not a Bearer
    key, or a key that is unknown or revoked, is a 401."""
    if not authorization:
        return None
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Problem(401, "Unauthorized", "send the API key as: Authorization: Bearer <key>", headers=CHALLENGE)
    owner = store.key_owner(key.strip()) if store is not None else None
    if owner is None:
        raise Problem(401, "Unauthorized", "unknown or revoked API key", headers=_INVALID)
    return Caller(*owner)


def authorize(caller: Caller | None, role: str, *, open_reads: bool) -> str:
    """The actor name when ``caller`` may do what needs ``role``; else 401 (no key) or 403 (a weaker key)."""
    if caller is None:
        if role == "reader" and open_reads:
            return "anonymous"
        raise Problem(
            401,
            "Unauthorized",
            f"this needs an API key with the {role} role (`modelreg keys create --role {role} <name>`)",
            headers=CHALLENGE,
        )
    if RANK[caller.role] < RANK[role]:
        raise Problem(403, "Forbidden", f"the key {caller.name!r} has the {caller.role} role; this needs {role}")
    return caller.name


def needs(role: str) -> Any:
    """A marker on a dependency: the route it guards needs ``role`` (read by ``GuardedRoute``)."""

    def mark(function: Any) -> Any:
        function.modelreg_role = role
        return function

    return mark


class GuardedRoute(APIRoute):
    """An API route that refuses a caller without the role it needs (401/403) before FastAPI reads the body
    or runs any dependency — so before an If-Match check (412) or body validation (422). The role is read
    from the ``needs`` markers of the route's dependencies (``deps.Editor`` …)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        role = _role_of(self)
        if role is None:
            return handler

        async def guarded(request: Request) -> Response:
            scope = request.scope
            state = request.app.state
            caller = (
                scope[CALLER]
                if CALLER in scope
                else authenticate(state.registry.store, request.headers.get("authorization"))
            )
            authorize(caller, role, open_reads=not state.settings.require_read_key)
            return await handler(request)

        return guarded


def _role_of(route: Any) -> str | None:
    """The strongest role among a route's dependencies (searched depth first), or None."""
    roles = []
    pending = list(getattr(getattr(route, "dependant", None), "dependencies", ()))
    while pending:
        dependant = pending.pop()
        role = getattr(dependant.call, "modelreg_role", None)
        if role is not None:
            roles.append(role)
        pending.extend(dependant.dependencies)
    return max(roles, key=RANK.__getitem__, default=None)
