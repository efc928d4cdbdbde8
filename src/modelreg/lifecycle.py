"""The one rule for a model's status on a day, over a lifecycle as plain data (no pydantic: the load path
and the catalog scans use it, and so does ``schema.Lifecycle``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

GOING = ("deprecated", "retired")


def status_on(lifecycle: Mapping[str, Any], day: str) -> str:
    """The status on ``day`` (ISO): a passed retirement date makes a model retired, a passed deprecation
    date deprecated; otherwise the stated status (active when none)."""
    status: str = lifecycle.get("status") or "active"
    if status == "retired" or (lifecycle.get("retirement_date") or "9999") <= day:
        return "retired"
    if status == "deprecated" or (lifecycle.get("deprecation_date") or "9999") <= day:
        return "deprecated"
    return status
