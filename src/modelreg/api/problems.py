"""Every error as RFC 9457 problem+json: ``type``, ``title``, ``status``, ``detail``, plus what helps."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from modelreg.errors import (
    ConflictError,
    InUseError,
    ModelNotFoundError,
    ModelregError,
    StoreError,
    ValidationError,
)

MEDIA_TYPE = "application/problem+json"
INVALID_JSON = "modelreg.invalid_json"
"""Scope key: why a body is not JSON, when saying so waits for the preconditions (``middleware._defer``)."""


class ProblemDocument(BaseModel):
    """RFC 9457 problem details; some problems add fields (``errors``, ``suggestions``, …)."""

    model_config = ConfigDict(extra="allow")
    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""


RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemDocument, "description": text, "content": {MEDIA_TYPE: {}}}
    for status, text in (
        (400, "Bad request"),
        (401, "No or unknown API key"),
        (403, "The key's role is not enough"),
        (404, "No such record; suggestions name close ones"),
        (409, "Conflict: re-read and retry; or still referred to (referenced_by names who)"),
        (412, "If-Match named a state that has moved on"),
        (413, "The request body is over the limit (MODELREG_MAX_BODY_BYTES)"),
        (422, "Invalid body or parameters, field by field"),
        (503, "The store did not answer"),
    )
}


class Problem(Exception):
    """Raise to answer with a problem document; ``headers`` go on the response, ``extra`` into the body."""

    def __init__(
        self, status: int, title: str, detail: str = "", *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra
        self.headers = headers


def problem(
    status: int, title: str, detail: str = "", headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def install(app: FastAPI) -> None:
    """Map every exception a request can meet to a problem response."""

    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        return problem(exc.status, exc.title, exc.detail, headers=exc.headers, **exc.extra)

    @app.exception_handler(ModelNotFoundError)
    async def _not_found(_: Request, exc: ModelNotFoundError) -> JSONResponse:
        return problem(404, "Not found", str(exc), name=exc.name, suggestions=exc.suggestions)

    @app.exception_handler(ValidationError)
    async def _invalid(_: Request, exc: ValidationError) -> JSONResponse:
        return problem(
            422, "Invalid request", str(exc).splitlines()[0], errors=[{"field": f, "message": m} for f, m in exc.errors]
        )

    @app.exception_handler(ConflictError)
    async def _conflict(_: Request, exc: ConflictError) -> JSONResponse:
        return problem(409, "Conflict", str(exc), expected=exc.expected, actual=exc.actual)

    @app.exception_handler(InUseError)
    async def _in_use(_: Request, exc: InUseError) -> JSONResponse:
        return problem(409, "Still referred to", str(exc), referenced_by=exc.referrers)

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: StoreError) -> JSONResponse:
        request.app.state.metrics.store_errors += 1
        return problem(503, "Store unavailable", str(exc))

    @app.exception_handler(ModelregError)
    async def _other(_: Request, exc: ModelregError) -> JSONResponse:
        return problem(400, "Bad request", str(exc))

    @app.exception_handler(RequestValidationError)
    async def _request(request: Request, exc: RequestValidationError) -> JSONResponse:
        not_json = request.scope.get(INVALID_JSON)
        if not_json:
            return problem(
                422, "Invalid request", "the body is not JSON", errors=[{"field": "body", "message": not_json}]
            )
        errors = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]} for e in exc.errors()
        ]
        return problem(422, "Invalid request", "the request does not match the API's schema", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(
            exc.status_code,
            _TITLES.get(exc.status_code, "Error"),
            str(exc.detail or ""),
            headers=dict(exc.headers or {}),
        )

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        if is_store_failure(exc):
            request.app.state.metrics.store_errors += 1
            return problem(503, "Store unavailable", store_failure(exc))
        return problem(500, "Internal error", f"{type(exc).__name__}: the server failed; this is a bug")


def is_store_failure(exc: BaseException) -> bool:
    """Whether ``exc`` means the store's database did not answer (a StoreError, or the driver's own error)."""
    return isinstance(exc, StoreError) or type(exc).__module__.startswith(("sqlalchemy", "psycopg", "sqlite3"))


def store_failure(exc: BaseException) -> str:
    """What a client is told when the store failed: the kind of failure, never the database's address."""
    return str(exc) if isinstance(exc, StoreError) else f"{type(exc).__name__}: the database did not answer"


_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid request",
}
