"""What every live source shares: the ``Source`` interface, ``SourceSkipped``, and ``Upstream``, the base
that reads JSON through ``sync.http.Http`` and keeps what was read (digest, 304, notes).

A source's required fields (the list of models, each entry's id) missing from an answer raise
``SourceError`` naming the field: the API has changed and nothing it says can be trusted. An optional
field (a context length, a price) missing from every entry is a note (``Source.notes``), and the records
simply lack that fact: one renamed field should not stop a sync.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, ClassVar, Protocol

from modelreg.errors import SourceError
from modelreg.names import size_from_name
from modelreg.sync.http import Fetched, Http, digest_of, is_file_location, parse_json
from modelreg.sync.records import SourceRecord

_KINDS: dict[type, str] = {list: "a list", dict: "an object", str: "a string"}


class Source(Protocol):
    """One upstream source. ``fetch()`` reads it and returns its records; afterwards ``digest`` identifies
    what was read (``sha256:…``, every page together), ``not_modified`` is True when the upstream
    answered 304 to every request (nothing changed since the last sync), and ``notes`` says what the
    source could not map (fields missing from the answer, entries left out)."""

    name: str
    digest: str | None
    not_modified: bool
    notes: list[str]

    def fetch(self) -> list[SourceRecord]: ...


class SourceSkipped(SourceError):
    """A source that cannot run for a reason that is not a failure (no API key, no local server):
    the message says what to set or start."""


class Upstream:
    """A source read over HTTP (or from a file location): subclasses set ``name`` and ``default_url`` and
    implement ``read()``; ``fetch()`` resets the state, calls it and settles digest and ``as_of``."""

    name: str
    default_url: ClassVar[str]

    def __init__(
        self,
        location: str,
        *,
        http: Http,
        env: Mapping[str, str] | None = None,
        config: Mapping[str, Any] | None = None,
    ) -> None:
        self.location = location.rstrip("/") if not is_file_location(location) else location
        self.http = http
        self.env: Mapping[str, str] = env or {}
        self.config: Mapping[str, Any] = config or {}
        self.digest: str | None = None
        self.not_modified = False
        self.notes: list[str] = []
        self._fetched: list[Fetched] = []
        self._posted: list[Fetched] = []

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {self.location}>"

    @property
    def from_file(self) -> bool:
        """True when the location is a saved answer (a file), not a live API."""
        return is_file_location(self.location)

    def fetch(self) -> list[SourceRecord]:
        """Read the source; see ``Source``."""
        self.digest, self.not_modified, self.notes = None, False, []
        self._fetched, self._posted = [], []
        records = self.read()
        pages = self._fetched + self._posted
        if len(pages) == 1:
            self.digest = pages[0].digest
        elif pages:
            self.digest = digest_of("\n".join(p.digest for p in pages).encode())
        self.not_modified = bool(self._fetched) and all(p.not_modified for p in self._fetched)
        for record in records:
            record.as_of = self.digest or ""
        return records

    def read(self) -> list[SourceRecord]:
        raise NotImplementedError

    # -- helpers for subclasses -------------------------------------------------------------------------

    def endpoint(self, path: str) -> str:
        """The URL of ``path`` under the location; a file location is the whole answer, whatever the path."""
        return self.location if self.from_file else self.location + path

    def get_json(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str | int] | None = None,
        key_env: str | None = None,
        retry_unreachable: bool = True,
    ) -> Any:
        """GET ``url`` as JSON, remembering the body for the digest."""
        fetched = self.http.get(
            url,
            headers=headers,
            params=params,
            source=self.name,
            key_env=key_env,
            retry_unreachable=retry_unreachable,
        )
        self._fetched.append(fetched)
        return parse_json(fetched, source=self.name)

    def post_json(self, url: str, payload: Any) -> Any:
        """POST ``payload`` to ``url`` and read the JSON answer (part of the digest, never a 304)."""
        fetched = self.http.post_json(url, payload, source=self.name)
        self._posted.append(fetched)
        return parse_json(fetched, source=self.name)

    def api_key(self, variable: str, what: str) -> str:
        """The key in ``$variable``; without one the source is skipped (a file location needs none)."""
        key = self.env.get(variable, "").strip()
        if not key and not self.from_file:
            raise SourceSkipped(self.name, f"skipped: set ${variable} to read {what}")
        return key

    def expect(self, data: Any, field: str, kind: type, url: str) -> Any:
        """``data[field]`` when ``data`` is an object holding one of ``kind``; else the API has changed."""
        value = data.get(field) if isinstance(data, dict) else None
        if not isinstance(value, kind):
            found = f"fields {', '.join(map(repr, list(data)[:8]))}" if isinstance(data, dict) else _shape(data)
            raise SourceError(
                self.name,
                f"expected field {field!r} ({_KINDS.get(kind, kind.__name__)}) in the answer from {url}, found "
                f"{found}: the API may have changed; report it or pass a saved answer as the location",
            )
        return value

    def entries(self, items: Iterable[Any], url: str, *, id_field: str = "id") -> list[dict[str, Any]]:
        """The entries of a model list, each an object with a string ``id_field``; else the API has changed."""
        out = []
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get(id_field), str) or not item[id_field]:
                raise SourceError(
                    self.name,
                    f"expected field {id_field!r} (a string) in entry {i} of the answer from {url}: "
                    "the API may have changed",
                )
            out.append(item)
        return out

    def note_missing(self, entries: list[dict[str, Any]], fields: Iterable[str]) -> None:
        """A note for each optional field that no entry states (renamed upstream, most likely)."""
        if not entries:
            return
        for field in fields:
            head, _, rest = field.partition(".")
            if not any(_has(entry, head, rest) for entry in entries):
                self.notes.append(f"no entry states {field!r}: the API may have renamed it; the records lack that fact")


def release_date(created: Any) -> dict[str, str] | None:
    """A lifecycle fact from a Unix ``created`` time or an ISO timestamp; None when it states nothing."""
    import datetime as dt

    if isinstance(created, int | float) and not isinstance(created, bool) and created > 0:
        day = dt.datetime.fromtimestamp(created, tz=dt.UTC).date()
    elif isinstance(created, str) and len(created) >= 10:
        try:
            day = dt.date.fromisoformat(created[:10])
        except ValueError:
            return None
    else:
        return None
    return {"release_date": day.isoformat()}


def positive_int(value: Any) -> int | None:
    """A token count as an int, or None when it is missing, not a number or not positive."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return int(value)


def add_size(facts: dict[str, Any], name: str, stated: Decimal | None = None) -> None:
    """``size_b`` (billions of parameters): the stated size, else one read from the name (then
    ``size_estimated``), else nothing. The keys are the Model schema's fields of the same names."""
    if stated is not None:
        facts["size_b"] = stated
        return
    guessed = size_from_name(name)
    if guessed is not None:
        facts["size_b"], facts["size_estimated"] = guessed, True


def obj(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one (a field that is missing or of another kind)."""
    return value if isinstance(value, dict) else {}


def _has(entry: dict[str, Any], head: str, rest: str) -> bool:
    value = entry.get(head)
    if not rest:
        return value is not None
    return isinstance(value, dict) and _has(value, *rest.partition(".")[::2])


def _shape(data: Any) -> str:
    return _KINDS.get(type(data), type(data).__name__)
