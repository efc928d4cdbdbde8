"""Every error modelreg raises, in one tree.

    ModelregError
    ├── ModelNotFoundError   a name that no model, alias or route answers to (.name, .suggestions)
    ├── ValidationError      input that breaks the schema or a rule (.errors: [(field, message)])
    ├── ConflictError        a write based on a version that is no longer current (.expected, .actual)
    │   └── InUseError       a removal refused while other records refer to it (.referrers)
    ├── SourceError          an upstream source that could not be read or parsed (.source)
    ├── CatalogError         the bundled catalog is missing, stale or inconsistent
    └── StoreError           the store's database cannot be used (unreachable, or newer than this code)

    DeprecatedModelWarning   (a warning, not an error) a name resolved to a deprecated or retired model
    RefreshWarning           (a warning) ``load(refresh=…)`` could not refresh: an older catalog is loaded

Catch ``ModelregError`` to handle them all. Messages say what was wrong and what to do next.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class ModelregError(Exception):
    """Base class of every error raised by modelreg."""


class ModelNotFoundError(ModelregError, LookupError):
    """No model answers to ``name``; ``suggestions`` holds the closest known names, best first."""

    def __init__(self, name: str, suggestions: Sequence[str] = ()) -> None:
        self.name = name
        self.suggestions = list(suggestions)
        hint = f" Did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"No model named {name!r}.{hint}")


class ValidationError(ModelregError, ValueError):
    """Input that breaks the schema; ``errors`` lists ``(field, message)`` pairs."""

    def __init__(self, message: str, errors: Sequence[tuple[str, str]] = ()) -> None:
        self.errors = list(errors)
        details = "".join(f"\n  {field}: {msg}" for field, msg in self.errors)
        super().__init__(message + details)


class ConflictError(ModelregError):
    """A write named version ``expected`` but the record is now at ``actual``: re-read and retry."""

    def __init__(self, message: str, *, expected: object = None, actual: object = None) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(message)


class InUseError(ConflictError):
    """A record cannot be removed while others refer to it; ``referrers`` lists them as ``{kind, id, field}``
    (the routes serving a model, the models of a provider, …): remove or repoint those first."""

    def __init__(self, message: str, referrers: Sequence[Mapping[str, str]] = ()) -> None:
        self.referrers = [dict(r) for r in referrers]
        super().__init__(message)


class SourceError(ModelregError):
    """An upstream ``source`` could not be read or parsed."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        super().__init__(f"{source}: {message}")


class CatalogError(ModelregError):
    """The bundled catalog is missing, stale or inconsistent; rebuild it with `modelreg catalog build`."""


class StoreError(ModelregError):
    """The store's database cannot be used: say which database and what to do."""


class DeprecatedModelWarning(UserWarning):
    """A name resolved to a model that is deprecated or retired; the message names the replacement."""


class RefreshWarning(UserWarning):
    """A refresh of the catalog failed; the message says which source and what went wrong, and which
    catalog is used instead (the last refreshed one, else the bundled one)."""
