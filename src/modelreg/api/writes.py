"""Writes through the API, guarded by If-Match.

A client that read a record names it in ``If-Match`` (the ETag of its GET: the record's version, the
versions of the prices it shows, the catalog it came from). The write happens only if the record is still
at that version — the store checks it inside the write's transaction (``UPDATE … WHERE version = :read``)
— else 412 with the current ETag. So two writes based on one read never both succeed.

Without If-Match a write applies to the latest state: a partial patch is merged onto whatever is current,
and re-merged when another write slips in between (409 only if that keeps happening).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Response

from modelreg.api.problems import Problem
from modelreg.errors import ConflictError, InUseError
from modelreg.registry import RecordTag, Registry

T = TypeVar("T")
ATTEMPTS = 5  # merges of a patch without If-Match before 409


def record_write(reg: Registry, kind: str, record_id: str, tags: list[str] | None, write: Callable[[int], T]) -> T:
    """Run ``write(version)`` against the record's version: the one If-Match names, else the latest."""
    tag = _expected(reg, kind, record_id, tags)
    if tag is not None:
        if tag.prices != reg.etag(kind, record_id).prices:  # the prices it shows changed since it was read
            raise precondition_failed(reg, kind, record_id)
        try:
            return write(tag.version)
        except InUseError:
            raise  # not a precondition: others refer to the record (409)
        except ConflictError:
            raise precondition_failed(reg, kind, record_id) from None
    for attempt in range(ATTEMPTS):
        version = reg.version(kind, record_id)  # before the record is read (see Registry.version)
        try:
            return write(version)
        except ConflictError:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def price_write(reg: Registry, kind: str, subject: str, tags: list[str] | None, write: Callable[[int | None], T]) -> T:
    """Run ``write(price_version)`` against the subject's price timeline: the version If-Match names (a
    price changed since is 412), else None (the new price follows whatever is latest)."""
    tag = _expected(reg, kind, subject, tags)
    if tag is None:
        return write(None)
    current = reg.etag(kind, subject)
    if tag.version != current.version or not tag.prices:  # the record changed since it was read
        raise precondition_failed(reg, kind, subject)
    try:
        return write(tag.prices[0])
    except ConflictError:
        raise precondition_failed(reg, kind, subject) from None


_PARAM_KINDS = {"model_id": "model", "route_id": "route"}
_PLURALS = {"providers": "provider", "platforms": "platform"}


def precheck(reg: Registry, path: str, path_params: dict[str, Any], tags: list[str]) -> None:
    """412 at once when If-Match names no current ETag of the record the path names: answered before the
    body is validated (422), as RFC 9110 orders preconditions. Only a quick look at the view: the store still
    checks the version inside the write's transaction."""
    if "*" in tags:
        return
    for param, record_id in path_params.items():
        plural = path.rstrip("/").split("/")[-2]
        kind = _PARAM_KINDS.get(param) or (_PLURALS.get(plural) if param == "record_id" else None)
        if kind is None:
            continue
        tag = _expected(reg, kind, record_id, tags)
        if tag is not None and str(tag) != str(reg.etag(kind, record_id)):
            raise precondition_failed(reg, kind, record_id)
        return


def _expected(reg: Registry, kind: str, record_id: str, tags: list[str] | None) -> RecordTag | None:
    """The tag If-Match names for this record, None without a precondition; 412 when it names none."""
    if tags is None or "*" in tags:
        return None
    _, current = reg.tagged(kind, record_id)  # 404 first, for a record that does not exist
    for text in tags:
        tag = RecordTag.parse(text)
        if tag is not None and tag.kind == kind and tag.catalog == current.catalog:
            return tag
    raise precondition_failed(reg, kind, record_id)


def precondition_failed(reg: Registry, kind: str, record_id: str) -> Problem:
    current = f'"{reg.etag(kind, record_id)}"'
    return Problem(
        412,
        "Precondition failed",
        f"the {kind} changed since you read it (If-Match): read it again, then retry",
        headers={"ETag": current},
        current_etag=current,
    )


def tagged(reg: Registry, kind: str, record_id: str, response: Response) -> Any:
    """The record as served now, with its ETag on ``response``: both from one view."""
    record, tag = reg.tagged(kind, record_id)
    response.headers["ETag"] = f'"{tag}"'
    return record
