"""The rules a record keeps to enter the registry, beyond its schema: pure functions over JSON-shaped records
and the registry's current view (no I/O, no pydantic), so every way in applies the same ones — the library's
create/update/delete, the API, ``store import``, and later sync.

    check_record(kind, data)                       the record alone: ids a URL can carry, dates that exist,
                                                   a lifecycle in order, no self-replacement, bounded sizes
    check_references(kind, data, view, before=…)   what it names exists: provider, platform, model, replacement
    check_removal(kind, record_id, view)           nothing still refers to it (else InUseError, a 409)
    check_arguments(call, **arguments)             a library call's arguments have the right types

Each raises one ValidationError listing every problem as ``(field, message)``, the field a dotted path
(``lifecycle.retirement_date``, ``aliases.2``). ``arguments``, ``name`` and ``day`` build the errors of
library calls given the wrong types (``cost(input_tokens=None)``, ``resolve(None)``), on the error path only.
"""

from __future__ import annotations

import datetime as dt
import itertools
import unicodedata
from collections.abc import Mapping
from typing import Any

from modelreg.errors import InUseError, ValidationError
from modelreg.overlay import KIND_KEYS

KINDS = ("provider", "platform", "model", "route")
MAX_ID = 256
"""The longest id or name: longer ones are not names, and some databases refuse them as keys."""
MAX_TEXT = 10_000
"""The longest text in a record (description, migration_guide, …): every read of the record carries it."""
MAX_ITEMS = 1_000
"""The most items in one list or mapping of a record (aliases, parameters, …)."""
MAX_DEPTH = 16
SUB_RESOURCES = ("routes", "pricing", "capabilities", "status")
"""The API serves /models/{id}/<these>: a model id ending in one would be shadowed by the sub-resource."""
_NOT_IN_IDS = frozenset("?#%\\")  # each changes what a URL means, even encoded by careless clients
_INVISIBLE = frozenset(("Cc", "Cf", "Cs", "Zs", "Zl", "Zp"))  # controls, format marks, surrogates, spaces
_FIRST_YEAR, _LAST_YEAR = 1900, 2999

Problems = list[tuple[str, str]]


# -- one record ---------------------------------------------------------------------------------------------


def check_record(kind: str, data: Mapping[str, Any]) -> None:
    """Refuse ``data`` (a ``kind`` record already valid against its schema) when it breaks a rule of its own:
    an id or alias a URL or a database cannot carry, a date that does not exist (``2026-02-30``,
    ``0000-00-00``), a lifecycle out of order, a model that replaces itself, text or lists beyond the bounds."""
    problems = record_problems(kind, data)
    if problems:
        raise ValidationError(f"invalid {kind}", problems)


def record_problems(kind: str, data: Mapping[str, Any]) -> Problems:
    """Every problem ``check_record`` would name, as ``(field, message)`` pairs."""
    problems: Problems = []
    record_id = data.get("id")
    problems += id_problems(record_id, "id", slashes=kind in ("model", "route"), kind=kind)
    for n, alias in enumerate(data.get("aliases") or ()):
        problems += name_problems(alias, f"aliases.{n}")
    if kind == "model":
        problems += _lifecycle_problems(data.get("lifecycle") or {}, record_id)
        problems += date_problems(data.get("knowledge_cutoff"), "knowledge_cutoff")
    named = {field for field, _ in problems}
    problems += [problem for problem in size_problems(data) if problem[0] not in named]  # one message a field
    return problems


def id_problems(value: Any, field: str = "id", *, slashes: bool = True, kind: str = "model") -> Problems:
    """Problems of an id: 1 to 256 visible characters, none of ``? # % \\``; slashes only where the kind has
    them (``provider/model``), never an empty, ``.`` or ``..`` segment; a model's last segment not one of
    the API's sub-resources."""
    problems = name_problems(value, field)
    if problems or not isinstance(value, str):
        return problems
    odd = sorted(set(value) & _NOT_IN_IDS)
    if odd:
        problems.append((field, f"must not contain {' '.join(odd)} (they change what a URL means)"))
    segments = value.split("/")
    if not slashes and len(segments) > 1:
        problems.append((field, f"a {kind} id has no '/'"))
    elif any(s in ("", ".", "..") for s in segments):
        problems.append((field, "no empty, '.' or '..' part between slashes"))
    elif kind == "model" and len(segments) > 1 and segments[-1] in SUB_RESOURCES:
        problems.append(
            (field, f"must not end in /{segments[-1]}: /models/{{id}}/{segments[-1]} is a sub-resource of the API")
        )
    return problems


def name_problems(value: Any, field: str) -> Problems:
    """Problems of a name someone types (an id, an alias): 1 to 256 characters, no control characters,
    format marks, unpaired surrogates or whitespace."""
    if not isinstance(value, str):
        return [(field, f"must be a string, not {type(value).__name__}")]
    if not value:
        return [(field, "must not be empty")]
    if len(value) > MAX_ID:
        return [(field, f"at most {MAX_ID} characters (got {len(value):,})")]
    for position, char in enumerate(value):
        if unicodedata.category(char) in _INVISIBLE:
            return [(field, f"no control characters or whitespace (U+{ord(char):04X} at position {position})")]
    return []


def date_problems(value: Any, field: str) -> Problems:
    """Problems of an ISO date (``YYYY-MM-DD``, or ``YYYY-MM`` where the day is not known): it must exist on
    the calendar, in a year from 1900 to 2999. Not a string: the schema names that."""
    if not isinstance(value, str):
        return []
    try:
        day = dt.date.fromisoformat(value if len(value) != 7 else value + "-01")
    except ValueError:
        return [(field, f"{value!r} is not a date on the calendar (YYYY-MM-DD, or YYYY-MM)")]
    if not _FIRST_YEAR <= day.year <= _LAST_YEAR:
        return [(field, f"{value!r} is not a plausible date (a year from {_FIRST_YEAR} to {_LAST_YEAR})")]
    return []


def _lifecycle_problems(lifecycle: Mapping[str, Any], model_id: Any) -> Problems:
    problems: Problems = []
    dated = []
    for name in ("release_date", "deprecation_date", "retirement_date"):
        value = lifecycle.get(name)
        found = date_problems(value, f"lifecycle.{name}")
        problems += found
        if isinstance(value, str) and not found:
            dated.append((name, value))
    for (earlier, first), (later, second) in itertools.pairwise(dated):
        if not _on_or_before(first, second):
            problems.append((f"lifecycle.{later}", f"{second} is before {earlier} {first}"))
    if lifecycle.get("replacement") is not None and lifecycle.get("replacement") == model_id:
        problems.append(("lifecycle.replacement", "a model cannot be its own replacement"))
    return problems


def _on_or_before(first: str, second: str) -> bool:
    """Partial dates: a month (``2024-07``) is on or before any day of that month, and the other way round."""
    common = min(len(first), len(second))
    return first[:common] <= second[:common]


def size_problems(data: Any, field: str = "", depth: int = 0) -> Problems:
    """Problems of size anywhere in a JSON-shaped value: text over 10,000 characters (or holding NUL or an
    unpaired surrogate, which databases refuse), lists and mappings over 1,000 items, nesting over 16."""
    label = field or "record"
    if isinstance(data, str):
        if len(data) > MAX_TEXT:
            return [(label, f"at most {MAX_TEXT:,} characters (got {len(data):,})")]
        if "\x00" in data or any(0xD800 <= ord(c) <= 0xDFFF for c in data):
            return [(label, "no NUL characters or unpaired surrogates")]
        return []
    if not isinstance(data, (list, dict)):
        return []
    if depth >= MAX_DEPTH:
        return [(label, f"nested deeper than {MAX_DEPTH} levels")]
    if len(data) > MAX_ITEMS:
        return [(label, f"at most {MAX_ITEMS:,} items (got {len(data):,})")]
    problems: Problems = []
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        path = f"{field}.{key}" if field else str(key)
        if isinstance(key, str) and len(key) > MAX_ID:
            problems.append((label, f"a key of at most {MAX_ID} characters (got {len(key):,})"))
        problems += size_problems(value, path, depth + 1)
    return problems


# -- references to other records ----------------------------------------------------------------------------


def check_references(
    kind: str, data: Mapping[str, Any], view: Mapping[str, Any], *, before: Mapping[str, Any] | None = None
) -> None:
    """Refuse ``data`` when a record it names is not in ``view`` (the registry's records by table): a model's
    provider and replacement, a route's platform and model, a platform's supported providers. With
    ``before`` (the record as it was), only references this write introduces are refused: a dangling one
    it already had does not block fixing something else."""
    problems = reference_problems(kind, data, view)
    if before is not None and problems:
        already = set(reference_problems(kind, before, view))
        problems = [p for p in problems if p not in already]
    if problems:
        raise ValidationError(f"the {kind} names records that do not exist", problems)


def reference_problems(kind: str, data: Mapping[str, Any], view: Mapping[str, Any]) -> Problems:
    problems: Problems = []

    def need(table: str, value: Any, field: str, what: str) -> None:
        if isinstance(value, str) and value not in view[table]:
            problems.append((field, f"no {what} {value!r}: create it first"))

    if kind == "model":
        need("providers", data.get("provider"), "provider", "provider")
        lifecycle = data.get("lifecycle")
        if isinstance(lifecycle, Mapping) and lifecycle.get("replacement") != data.get("id"):
            need("models", lifecycle.get("replacement"), "lifecycle.replacement", "model")
    elif kind == "route":
        need("platforms", data.get("platform"), "platform", "platform")
        need("models", data.get("model"), "model", "model")
    elif kind == "platform":
        for n, provider in enumerate(data.get("supported_providers") or ()):
            need("providers", provider, f"supported_providers.{n}", "provider")
    return problems


def check_removal(kind: str, record_id: str, view: Mapping[str, Any]) -> None:
    """Refuse to remove a record others still refer to (InUseError, naming them): a provider that models or
    platforms name, a platform that routes run on, a model that routes serve or other models name as their
    replacement. Remove or repoint those first."""
    referrers = referrers_of(kind, record_id, view)
    if referrers:
        shown = ", ".join(f"{r['kind']} {r['id']}" for r in referrers[:5])
        more = f" and {len(referrers) - 5} more" if len(referrers) > 5 else ""
        raise InUseError(
            f"{kind} {record_id} is still referred to by {len(referrers)} record(s): {shown}{more}; "
            "delete or change them first",
            referrers,
        )


def referrers_of(kind: str, record_id: str, view: Mapping[str, Any]) -> list[dict[str, str]]:
    """The records in ``view`` that name ``kind`` ``record_id``: ``{"kind", "id", "field"}`` each."""
    found: list[dict[str, str]] = []
    if kind == "provider":
        found += _naming(view, "model", lambda m: m.get("provider") == record_id, "provider")
        found += _naming(
            view, "platform", lambda p: record_id in (p.get("supported_providers") or ()), "supported_providers"
        )
    elif kind == "platform":
        found += _naming(view, "route", lambda r: r.get("platform") == record_id, "platform")
    elif kind == "model":
        found += _naming(view, "route", lambda r: r.get("model") == record_id, "model")
        found += _naming(
            view,
            "model",
            lambda m: (m.get("lifecycle") or {}).get("replacement") == record_id and m.get("id") != record_id,
            "lifecycle.replacement",
        )
    return found


def _naming(view: Mapping[str, Any], kind: str, names_it: Any, field: str) -> list[dict[str, str]]:
    return [
        {"kind": kind, "id": other_id, "field": field}
        for other_id, record in sorted(view[KIND_KEYS[kind]].items())
        if names_it(record)
    ]


# -- arguments of library calls (built on the error path only) ----------------------------------------------


MAX_ACTOR = 200
"""The longest actor name the change log keeps."""


def check_arguments(call: str, **arguments: Any) -> None:
    """Refuse arguments of a library call that have the wrong type or shape, naming each one: ``kind`` (a
    record kind), ``record_id``/``subject``/``alias`` (names), ``record``/``patch``/``pricing`` (mappings),
    ``version``/``change_id`` (whole numbers), ``actor``, ``message``, ``effective_from`` (a date)."""
    problems = [problem for argument, value in arguments.items() for problem in _RULES[argument](value, argument)]
    if problems:
        raise ValidationError(f"{call}: invalid {', '.join(dict.fromkeys(a for a, _ in problems))}", problems)


def _kind(value: Any, argument: str) -> Problems:
    if isinstance(value, str) and value in KINDS:
        return []
    return [(argument, f"one of {', '.join(KINDS)}, not {_shown(value)}")]


def _mapping(value: Any, argument: str) -> Problems:
    if isinstance(value, Mapping) or hasattr(value, "model_dump"):
        return []
    return [(argument, f"expected a mapping (or a schema object), got {_shown(value)}")]


def _whole(value: Any, argument: str) -> Problems:
    if type(value) is not int:
        return [(argument, f"expected a whole number, got {_shown(value)}")]
    if value < 0:
        return [(argument, f"cannot be negative (got {value})")]
    return []


def actor_problems(value: Any, argument: str = "actor") -> Problems:
    """Problems of a name the change log keeps (an actor, an API key's name): 1 to 200 characters, no controls."""
    if not isinstance(value, str) or not value.strip():
        return [(argument, "every write names who made it (a non-empty string)")]
    if len(value) > MAX_ACTOR or any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in value):
        return [(argument, f"at most {MAX_ACTOR} characters, no control characters")]
    return []


def _message(value: Any, argument: str) -> Problems:
    if value is None:
        return []
    if not isinstance(value, str):
        return [(argument, f"expected a string or None, got {_shown(value)}")]
    return size_problems(value, argument)


def _date(value: Any, argument: str) -> Problems:
    if isinstance(value, dt.date):
        return []
    return [(argument, f"expected a date (datetime.date), got {_shown(value)}")]


_RULES = {
    "kind": _kind,
    "record_id": name_problems,
    "subject": name_problems,
    "alias": name_problems,
    "record": _mapping,
    "patch": _mapping,
    "pricing": _mapping,
    "params": _mapping,
    "version": _whole,
    "change_id": _whole,
    "actor": actor_problems,
    "message": _message,
    "effective_from": _date,
}


def day(value: Any, argument: str) -> ValidationError:
    """The error for a day that is not a ``datetime.date`` (``cost(..., at="2025-01-01")``)."""
    return ValidationError(f"{argument} must be a datetime.date", _date(value, argument))


def name(value: Any, argument: str = "name") -> ValidationError:
    """The error for a name or id that is not a string (``resolve(None)``, ``cost(["gpt-4o"], …)``)."""
    return ValidationError(
        f"{argument} must be a name (a string), not {type(value).__name__}",
        [(argument, f"expected a string, got {_shown(value)}")],
    )


def arguments(counts: Mapping[str, Any]) -> ValidationError:
    """The error for token or item counts that are not whole, non-negative numbers, naming each bad one.
    ``True``/``False`` are refused too: a flag passed where a count belongs is a bug, not one token."""
    problems: Problems = []
    for argument, value in counts.items():
        if type(value) is bool or not isinstance(value, int):
            problems.append((argument, f"expected a whole number, got {_shown(value)}"))
        elif value < 0:
            problems.append((argument, f"cannot be negative (got {value})"))
    return ValidationError(
        "token and item counts are whole numbers, zero or more: " + ", ".join(a for a, _ in problems), problems
    )


def _shown(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"
