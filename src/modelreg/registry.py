"""`Registry`: every question about models, answered from an in-memory view of the catalog.

The view is built from the compiled catalog: the small index (names, prices, lifecycles) at load, the
full records the first time a whole record is asked for. Lookups are dict reads; pricing a call needs
no pydantic at all; a ``Model`` is validated the first time it is asked for and kept, so repeated
``get``/``resolve`` calls allocate nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Concatenate, NamedTuple, ParamSpec, TypeVar

from modelreg.catalog import CATALOG_PATH, index
from modelreg.collector import paused
from modelreg.errors import DeprecatedModelWarning, ModelNotFoundError, ModelregError, ValidationError
from modelreg.lazy import LazyModule
from modelreg.lifecycle import GOING, status_on
from modelreg.names import Match, Resolver, fold
from modelreg.pricing import COST_OPTION_NAMES, Cost, PriceTable
from modelreg.settings import DEFAULT_POLL_INTERVAL_MS
from modelreg.usage import normalize as normalize_usage

if TYPE_CHECKING:  # the schema (pydantic) and the store (SQLAlchemy) are imported on first use
    from typing import Unpack

    from modelreg import autoregister, calls, queries, routing, transfer, validation, verify, writing
    from modelreg import params as params_module
    from modelreg.calls import Call, RouteStats, Spend
    from modelreg.catalog.rules import Rules
    from modelreg.params import Issue
    from modelreg.pricing import CostOptions
    from modelreg.queries import Facts, Migration, PriceToCompare, Quote
    from modelreg.routing import Chain
    from modelreg.schema import Capability, Model, Performance, Platform, Pricing, Provider, Route
    from modelreg.store import Change, Snapshot, Store
    from modelreg.verify import VerificationReport

else:  # modules only some questions need load on first use: `import modelreg` and cost stay fast
    writing = LazyModule("modelreg.writing")  # writes only
    transfer = LazyModule("modelreg.transfer")
    queries = LazyModule("modelreg.queries")
    routing = LazyModule("modelreg.routing")  # routes: best, cheapest, fallbacks
    calls = LazyModule("modelreg.calls")  # recorded calls: performance, spend
    autoregister = LazyModule("modelreg.autoregister")
    verify = LazyModule("modelreg.verify")
    params_module = LazyModule("modelreg.params")
    validation = LazyModule("modelreg.validation")  # writes and wrong arguments only

Records = dict[str, Any]
BUNDLED_RULES = os.path.join(CATALOG_PATH, "rules.yaml")
_MEMORY = 4096  # names remembered by the rule-based resolver and the suggester
_blank = object.__new__
_KEPT = 16384  # names remembered with their model or price table (exact names of the catalog and others)


class Resolution(NamedTuple):
    """What a name means: the model, the route and region when the name is a platform's string for it,
    and the rule that matched (``explain`` shows it)."""

    model: Model
    route: Route | None
    name: str
    rule: str = "exact name"
    region: str | None = None
    fine_tuned: bool = False


class RecordTag(NamedTuple):
    """The entity tag of one record: the catalog it comes from, its stored version, and the versions of the
    price timelines it shows (a route that follows its model's prices shows the model's too). Its text,
    ``catalog.kind.version[.prices…]``, is the record's HTTP ETag; ``parse`` reads it back."""

    catalog: str
    kind: str
    version: int
    prices: tuple[int, ...] = ()

    def __str__(self) -> str:
        return ".".join([self.catalog, self.kind, str(self.version), *map(str, self.prices)])

    @classmethod
    def parse(cls, text: str) -> RecordTag | None:
        """The tag ``text`` (an ETag's value, quotes and ``W/`` removed) names, or None if it names none."""
        parts = text.split(".")
        if len(parts) < 3 or not all(p.isdigit() for p in parts[2:]):
            return None
        return cls(parts[0], parts[1], int(parts[2]), tuple(int(p) for p in parts[3:]))


P = ParamSpec("P")
T = TypeVar("T")


def _on_view(method: Callable[Concatenate[Registry, P], T]) -> Callable[Concatenate[Registry, P], T]:
    """Run a read on one whole view: a registry following a store answers from the newest view it has built,
    and every question the read asks inside is answered from that same view (its store is None)."""

    @functools.wraps(method)
    def reading(self: Registry, *args: P.args, **kwargs: P.kwargs) -> T:
        return method(self if self._store is None else self._now(), *args, **kwargs)

    return reading


@functools.cache
def _rules(path: str) -> Rules:
    """The naming rules at ``path``, read once per process (every view's resolver shares them)."""
    from pathlib import Path

    from modelreg.catalog.rules import Rules

    return Rules.load(Path(path))


@functools.cache
def _parameter_rules() -> params_module.ParameterRules:
    return params_module.ParameterRules.load(os.path.join(CATALOG_PATH, "parameters.yaml"))


class Registry:
    """The catalog in memory. Build one with ``modelreg.load()``."""

    def __init__(
        self,
        index: dict[str, Any],
        records: Records | Callable[[], Records] | None = None,
        *,
        rules_path: str | os.PathLike[str] = BUNDLED_RULES,
        store: Store | None = None,
        poll_interval_ms: float = DEFAULT_POLL_INTERVAL_MS,
    ) -> None:
        """A registry over a compiled ``index`` and its ``records`` (a document, or a function that reads
        it when first needed); one document holding both is accepted too (``records`` left out). With a
        ``store``, the view is the catalog with the store's records and prices laid over it, and it follows
        the store: a read asks the store whether any process committed at most every ``poll_interval_ms``
        milliseconds (0: on every read), and this registry's own writes are seen by its next read."""
        self._base_index = index
        self._base_records = index if records is None else records
        self._rules_path = rules_path
        self._store = store
        self._poll_every = max(0.0, poll_interval_ms) / 1000
        self._check = store is not None  # whether the next read asks the store (ticker.py sets it again)
        self._seen = -1  # the store's change counter this view was built at
        self._versions: dict[tuple[str, str], int] = {}  # (kind, id) -> stored version
        self._timelines: dict[str, int] = {}  # subject -> version of its stored price timeline
        self._snapshot: Snapshot | None = None  # the store's contents this view was built from
        self._install(index, self._base_records)
        self._view: Registry = self  # what reads answer from: itself, or its store's latest view
        if store is not None:
            import threading

            from modelreg.ticker import TICKER

            self._ticker = TICKER
            self._refresh_lock = threading.Lock()
            self._stale = True
            self._retry_at = 0.0
            self._refresh(wait=True)

    def _install(self, document: dict[str, Any], records: Records | Callable[[], Records]) -> None:
        """Serve this (index, records) pair: every cache starts empty."""
        self._names: dict[str, list[str]] = document["names"]
        self._meta: dict[str, Any] = document.get("meta", {})
        snapshots = self._meta.get("snapshots", {})
        self._tag = "-".join(str(v).rpartition(":")[2][:8] for _, v in sorted(snapshots.items())) or "catalog"
        self._records_source = records
        self._records: Records | None = None
        self._prices: dict[str, dict[str, Any]] | None = document.get("prices")
        self._models: dict[str, Model] = {}
        self._resolved: dict[str, Model] = {}  # names resolved to a model that is not going away
        self._routes: dict[str, Route] = {}
        self._providers: dict[str, Provider] | None = None
        self._platforms: dict[str, Platform] | None = None
        self._routes_by_model: dict[str, list[str]] | None = None
        self._folded: dict[str, str] | None = None
        self._resolver: Resolver | None = None
        self._tables: dict[str, PriceTable] = {}
        self._facts: list[Facts] | None = None
        self._facts_by_id: dict[str, Facts] = {}
        self._price_tables: dict[str, list[tuple[str | None, str | None, PriceTable]]] | None = None
        self._matrices: dict[bool, dict[str, list[str]]] = {}
        self._matched: dict[str, Match | None] = {}
        self._suggested: dict[tuple[str, int], list[str]] = {}
        self._user_aliases: dict[str, str] = getattr(self, "_user_aliases", {})
        lifecycles = document.get("lifecycle")
        if lifecycles is None:
            lifecycles = self._lifecycles()
        self._going = _going_away(lifecycles, dt.date.today())

    # -- following the store: one view, swapped whole ------------------------------------------------------------

    def _now(self) -> Registry:
        """The view reads answer from: the newest complete view of the catalog with the store laid over it.
        When ``_check`` is set (at most every ``poll_interval_ms``: the ticker sets it) a poll of a few
        microseconds (no query) says whether the store moved; then one thread builds the new view off to the
        side while the others keep answering from the view they have. No lock on reads. (get, resolve and
        cost test ``_check`` themselves.)"""
        store = self._store
        if self._check and store is not None:
            if self._poll_every:  # else: stays set, every read asks
                self._check = False
                self._ticker.after(self._poll_every, self)
            if store.changed() or self._stale:
                self._stale = True
                self._refresh(wait=False)
        return self._view

    def view(self) -> Registry:
        """The registry as it stands now, held still: every read on it answers from one state, without
        checking the store again (a service takes one per request). Writes go through the registry itself."""
        return self if self._store is None else self._now()

    def _refresh(self, *, wait: bool) -> None:
        """Read the store and publish a view built from it with one assignment. Refreshes run one at a time,
        each reading the latest commit, so a published view is never older than the one before (ETags never
        go backwards). ``wait``: wait for a refresh under way (a writer wants its own write visible) and raise
        StoreError when the store fails; else give up at once, keep serving the current view, and try the
        store again a second later."""
        import time

        assert self._store is not None
        if not wait and time.monotonic() < self._retry_at:
            return
        if not self._refresh_lock.acquire(blocking=wait):
            return  # another thread is refreshing
        try:
            self._stale = False  # a change noticed from now on needs another refresh
            current = self._view
            try:
                if current is not self and self._store.counter() == current._seen:
                    return
                snapshot = self._store.snapshot()
            except ModelregError:
                self._stale, self._retry_at = True, time.monotonic() + 1.0
                if wait:
                    raise
                return
            self._view = self._view_of(snapshot, current)
        finally:
            self._refresh_lock.release()

    def _view_of(self, snapshot: Snapshot, previous: Registry) -> Registry:
        """A registry over the catalog with ``snapshot`` laid over it, built whole before anyone reads it;
        the ``Model`` objects of records the snapshot did not change are carried over from ``previous``."""
        if not snapshot.records and not snapshot.prices:  # nothing stored: the catalog as it is
            view = Registry(self._base_index, self._catalog_records, rules_path=self._rules_path)
        else:
            from modelreg import overlay

            today = dt.date.today()
            index = overlay.hot_index(self._base_index, snapshot, today)
            if index is None:  # a row only the catalog's records can place: read them now
                index, records = overlay.apply(self._base_index, self._catalog_records(), snapshot, today)
                view = Registry(index, records, rules_path=self._rules_path)
            else:  # the records are laid over when a whole record is first asked for
                catalog = self._catalog_records
                view = Registry(index, lambda: overlay.records(catalog(), snapshot, today), rules_path=self._rules_path)
        view._seen = snapshot.counter
        view._snapshot = snapshot
        view._versions = {key: row.version for key, row in snapshot.records.items()}
        view._timelines = snapshot.timelines
        view._user_aliases = self._user_aliases
        if previous._records is not None and previous._models:
            old, new = previous._records["models"], view._all()["models"]
            view._models = {i: m for i, m in previous._models.items() if i in new and new[i] is old.get(i)}
        return view

    @classmethod
    def from_catalog(
        cls,
        catalog_dir: str | os.PathLike[str],
        *,
        store: Store | None = None,
        poll_interval_ms: float = DEFAULT_POLL_INTERVAL_MS,
    ) -> Registry:
        """A registry over the compiled catalog in ``catalog_dir`` (records are read when first needed),
        with ``store`` laid over it when given (followed as ``Registry()`` says)."""
        rules = os.path.join(catalog_dir, "rules.yaml")
        return cls(
            index.load_index(os.path.join(catalog_dir, index.INDEX_FILE)),
            lambda: index.load_index(os.path.join(catalog_dir, index.RECORDS_FILE)),
            rules_path=rules if os.path.isfile(rules) else BUNDLED_RULES,
            store=store,
            poll_interval_ms=poll_interval_ms,
        )

    # -- the full records, read on first use ------------------------------------------------------------------

    def _all(self) -> Records:
        if self._records is None:
            source = self._records_source
            self._records = source() if callable(source) else source
        return self._records

    @property
    def _raw_models(self) -> dict[str, dict[str, Any]]:
        models: dict[str, dict[str, Any]] = self._all()["models"]
        return models

    @property
    def _raw_routes(self) -> dict[str, dict[str, Any]]:
        routes: dict[str, dict[str, Any]] = self._all()["routes"]
        return routes

    def _provider_table(self) -> dict[str, Provider]:
        if self._providers is None:
            from modelreg.schema import Provider

            self._providers = {pid: Provider.model_validate(p) for pid, p in self._all()["providers"].items()}
        return self._providers

    def _platform_table(self) -> dict[str, Platform]:
        if self._platforms is None:
            from modelreg.schema import Platform

            self._platforms = {pid: Platform.model_validate(p) for pid, p in self._all()["platforms"].items()}
        return self._platforms

    # -- single records ---------------------------------------------------------------------------------

    def get(self, model_id: str) -> Model:
        """The model whose canonical id is ``model_id`` (``provider/model``), exactly."""
        view = self._view
        if self._check:
            view = self._now()
        try:
            return view._models[model_id]
        except (KeyError, TypeError):
            return view._get(model_id)

    def _get(self, model_id: str) -> Model:
        try:
            model = self._models.get(model_id)
        except TypeError:  # unhashable: not a name
            raise validation.name(model_id, "model_id") from None
        if model is not None:
            return model
        raw = self._raw_models.get(model_id)
        if raw is None:
            if not isinstance(model_id, str):
                raise validation.name(model_id, "model_id")
            raise ModelNotFoundError(model_id, self.suggest(model_id))
        from modelreg.schema import Model

        model = self._models[model_id] = Model.model_validate(raw)
        return model

    def resolve(self, name: str) -> Model:
        """The model ``name`` means: a canonical id, a model's name or alias, or any upstream key
        (LiteLLM's ``azure/gpt-4o``, models.dev's ``amazon-bedrock/anthropic.claude-…``)."""
        view = self._view
        if self._check:
            view = self._now()
        try:
            return view._resolved[name]
        except (KeyError, TypeError):
            return view._resolve(name)

    def _resolve(self, name: str) -> Model:
        """``resolve`` the first time a name is asked (and every time for a model going away: it warns)."""
        try:
            target = self._names.get(name)
        except TypeError:  # unhashable: not a name
            raise validation.name(name) from None
        model = self._models.get(target[0]) if target is not None else None
        if model is None:
            model = self._lookup(name).model
        if model.id in self._going:
            _warn(self._going[model.id], 4)  # the caller of resolve
        else:
            if len(self._resolved) >= _KEPT:
                self._resolved.clear()
            self._resolved[name] = model
        return model

    @_on_view
    def lookup(self, name: str) -> Resolution:
        """Like ``resolve``, but also returns the route when ``name`` is a platform's string, and the rule."""
        found = self._lookup(name)
        if found.model.id in self._going:
            _warn(self._going[found.model.id], 4)  # the caller, above _on_view's frame
        return found

    def _lookup(self, name: str) -> Resolution:
        target = self._names.get(name) if isinstance(name, str) else None
        if target is not None:
            model_id, route_id, region = target
            return Resolution(
                self.get(model_id), self.route(route_id) if route_id else None, name, region=region or None
            )
        if not isinstance(name, str):
            raise validation.name(name)
        match = self._match(name)
        if match is None:
            raise ModelNotFoundError(name, self.suggest(name))
        return Resolution(
            self.get(match.model_id),
            self.route(match.route_id) if match.route_id else None,
            name,
            rule=match.rule,
            region=match.region or None,
            fine_tuned=match.fine_tuned,
        )

    @_on_view
    def explain(self, name: str) -> Resolution:
        """How ``name`` resolves: the model, the route, and ``rule``, the rule that matched."""
        found = self._lookup(name)
        if found.model.id in self._going:
            _warn(self._going[found.model.id], 4)  # the caller, above _on_view's frame
        return found

    @_on_view
    def explain_ids(self, name: str) -> Match:
        """Like ``explain``, as ids only (no schema objects are made): the fast form, for faces that print
        ids. ``route_id`` and ``region`` are "" when the name is not a platform's string."""
        target = self._names.get(name)
        found = Match(target[0], target[1], target[2], "exact name") if target is not None else self._match(name)
        if found is None:
            raise ModelNotFoundError(name, self.suggest(name))
        if found.model_id in self._going:
            _warn(self._going[found.model_id], 4)  # the caller, above _on_view's frame
        return found

    @_on_view
    def record(self, kind: str, record_id: str) -> dict[str, Any]:
        """One record as plain JSON data, fields at their defaults left out (the catalog's stored form):
        ``kind`` is model, route, provider or platform. For faces that render it without schema objects;
        do not change the dict."""
        from modelreg.overlay import KIND_KEYS

        records: dict[str, dict[str, Any]] = self._all()[KIND_KEYS[kind]]
        if record_id not in records:
            raise ModelNotFoundError(record_id, self.suggest(record_id) if kind == "model" else [])
        return records[record_id]

    @_on_view
    def add_alias(self, alias: str, name: str) -> None:
        """Make ``alias`` (e.g. an Azure deployment name) mean whatever ``name`` means, for this registry."""
        validation.check_arguments("add_alias", alias=alias)
        self._lookup(name)  # refuse an alias to nothing
        self._user_aliases[alias] = name
        self._user_aliases[alias.lower()] = name
        self.resolver.user_aliases = self._user_aliases
        self._matched.clear()  # a remembered miss (or price) may mean something now
        self._tables.clear()
        self._resolved.clear()

    @_on_view
    def add_aliases_from(self, path: str | os.PathLike[str]) -> None:
        """Add every ``alias: name`` pair of a YAML file; refuses the whole file if one name is unknown."""
        import yaml

        try:
            with open(path, encoding="utf-8") as handle:
                pairs = yaml.safe_load(handle) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ValidationError(
                f"cannot read aliases from {os.fspath(path)}: {exc}", [("aliases", str(exc))]
            ) from exc
        if not isinstance(pairs, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in pairs.items()):
            raise ValidationError(
                f"{os.fspath(path)} must map alias names to model names", [("aliases", "not a mapping")]
            )
        unknown = [
            (alias, f"{name!r} is not a known model name") for alias, name in pairs.items() if not self._knows(name)
        ]
        if unknown:
            raise ValidationError(f"{os.fspath(path)} names models modelreg does not know", unknown)
        for alias, name in pairs.items():
            self.add_alias(alias, name)

    def _knows(self, name: str) -> bool:
        try:
            self._lookup(name)
        except ModelNotFoundError:
            return False
        return True

    @property
    @_on_view
    def resolver(self) -> Resolver:
        """The rule-based resolver, built on the first name that is not an exact hit."""
        resolver = self._resolver
        if resolver is None:
            route_ids = {target[1] for target in self._names.values() if target[1]}
            resolver = Resolver(self._names, _rules(os.fspath(self._rules_path)), route_ids)
            resolver.user_aliases = self._user_aliases
            self._resolver = resolver
        return resolver

    # -- prices -----------------------------------------------------------------------------------------

    def cost(self, model: str, *, input_tokens: int, output_tokens: int = 0, **usage: Unpack[CostOptions]) -> Cost:
        """What one call costs, in exact USD by kind (``.total`` sums them).

        ``model`` is any name ``resolve`` accepts; a platform's string (``bedrock/…``, ``azure/eu/…``) is
        priced at that platform's (and region's) prices. ``input_tokens`` counts every prompt token, cache
        reads and writes included. ``usage`` (all keyword, all optional) adds ``cache_read_tokens``,
        ``cache_write_tokens`` and ``cache_write_1h_tokens`` (the writes kept for an hour), ``reasoning_tokens``,
        ``audio_output_tokens`` and ``image_output_tokens`` (parts of ``output_tokens``), ``audio_input_tokens``
        (part of ``input_tokens``), ``images``, ``requests`` (default 1) and ``web_searches`` (counts), ``batch``
        (the batch discount) and ``at`` (a ``datetime.date``: the prices in force that day).
        ``Cost.unpriced`` names usage the model has no price of its own for.
        """
        view = self._view
        if self._check:
            view = self._now()
        if (
            not usage
            and input_tokens.__class__ is int
            and output_tokens.__class__ is int
            and input_tokens >= 0
            and output_tokens >= 0
        ):  # the common call, on a short path: a name priced before, counts that need no other check
            try:
                table = view._tables[model]
            except (KeyError, TypeError):
                pass
            else:  # PriceTable.quote, inlined: a call less is a sixth of this path
                cost = _blank(Cost)
                cost._table, cost._in, cost._out = table, input_tokens, output_tokens
                return cost
        if not COST_OPTION_NAMES.issuperset(usage):
            unknown = min(set(usage) - COST_OPTION_NAMES)
            raise TypeError(f"cost() got an unexpected keyword argument {unknown!r}")
        return view._cost(model, input_tokens, output_tokens, **usage)

    def _cost(
        self,
        model: str,
        input_tokens: int,
        output_tokens: int = 0,
        cache_read_tokens: int = 0,
        cache_write_tokens: int = 0,
        reasoning_tokens: int = 0,
        audio_input_tokens: int = 0,
        audio_output_tokens: int = 0,
        images: int = 0,
        requests: int = 1,
        batch: bool = False,
        at: dt.date | None = None,
        cache_write_1h_tokens: int = 0,
        image_output_tokens: int = 0,
        web_searches: int = 0,
    ) -> Cost:
        """``cost`` with every count checked (``PriceTable.cost``), and the first time a name is priced.
        (Parameters that are not keyword-only take their defaults from a tuple: cheaper to call.)"""
        try:
            table = self._tables.get(model) if at is None else None
        except TypeError:  # unhashable: not a name
            raise validation.name(model, "model") from None
        if table is None:
            table = self._price_table(model, at)
        return table.cost(
            input_tokens,
            output_tokens,
            cache_read_tokens,
            cache_write_tokens,
            reasoning_tokens,
            audio_input_tokens,
            audio_output_tokens,
            images,
            requests,
            batch,
            cache_write_1h_tokens,
            image_output_tokens,
            web_searches,
        )

    def cost_from_usage(
        self, model: str, usage: Mapping[str, Any], *, batch: bool = False, at: dt.date | None = None
    ) -> Cost:
        """The cost of a call from the usage object its response carried, as a dict: OpenAI chat or
        responses, Anthropic, Gemini, Bedrock Converse, Mistral, DeepSeek. Each provider's counting
        convention is normalized first (``modelreg.usage``); fields it does not know come back in
        ``Cost.unread``."""
        read = normalize_usage(usage)
        view = self._now()
        cost = view._cost(model, **read.counts, batch=batch, at=at)
        return cost._replace(unread=read.unread) if read.unread else cost

    @_on_view
    def pricing(self, model: str, *, at: dt.date | None = None) -> Pricing:
        """The prices ``model`` (any name) is billed at: its route's and region's when the name is a
        platform's string, the maker's otherwise; ``at`` picks the prices in force that day."""
        if at is not None and not isinstance(at, dt.date):
            raise validation.day(at, "at")
        found = self._lookup(model)
        pricing = found.model.pricing
        history = found.model.price_history
        own = None
        if found.route is None and found.region:  # a platform's regional string for a route it has no record of
            raise ValidationError(
                f"{model} is unpriced: the catalog knows no route of {found.model.id} that serves {found.region!r}, "
                "and a regional or variant string is never billed at the maker's price",
                [("model", "unpriced deployment")],
            )
        if found.route is not None and found.region:  # a region or a priced variant (:free) of the route
            own = next(
                (d.pricing for d in found.route.deployments if found.region in (d.region, d.variant) and d.pricing),
                None,
            )
            served = any(found.region in (d.region, d.variant) for d in found.route.deployments)
            if not served or (own is not None and own.is_empty()):
                known = "no source states a price for" if served else "the catalog knows no deployment"
                raise ValidationError(
                    f"{model} is unpriced: {known} {found.route.id} ({found.region}), "
                    "and it is never billed at another deployment's price",
                    [("model", "unpriced deployment")],
                )
        if own is not None:
            pricing, history = own, []
        elif found.route is not None and not found.route.pricing.is_empty() and found.route.priority != 1:
            pricing, history = found.route.pricing, []  # the maker's own API (priority 1) bills the model's
        if at is not None:
            pricing = _in_force(found.model.id, [*history, pricing], at)
        if pricing.is_empty():
            routes = [r.id for r in self.routes(found.model.id) if not r.pricing.is_empty()]
            hint = f"; price one of its routes instead: {', '.join(routes[:5])}" if routes else ""
            raise ValidationError(f"{found.model.id} has no price of its own{hint}", [("model", "no price known")])
        return pricing

    def _price_table(self, model: str, at: dt.date | None) -> PriceTable:
        if not isinstance(model, str):
            raise validation.name(model, "model")
        if at is not None:
            return PriceTable.of(self._lookup(model).model.id, self.pricing(model, at=at).model_dump())
        target = self._names.get(model)
        if target is None:
            match = self._match(model)
            target = [match.model_id, match.route_id, match.region] if match else None
        raw = self._raw_price(target[0], target[1], target[2]) if target is not None else None
        if len(self._tables) >= _KEPT:
            self._tables.clear()
        if target is None or raw is None:  # unknown, unpriced, or a deployment billed at its route's price:
            table = PriceTable.of(self._lookup(model).model.id, self.pricing(model).model_dump())  # pricing() decides
            self._tables[model] = table
            return table
        if target[0] in self._going:
            _warn(self._going[target[0]], 5)  # the caller of cost (cost, _cost, _price_table, _warn)
        table = self._tables[model] = PriceTable.of(target[0], raw)
        return table

    def _raw_price(self, model_id: str, route_id: str, region: str) -> dict[str, Any] | None:
        """The price a name's target is billed at, from the index: region, then route, then maker."""
        if self._prices is None:
            self._prices = index.prices_of(self._all())
        if region:  # a deployment with no price of its own, or none at all: pricing() tells which
            return self._prices.get(f"{route_id}@{region}") or None if route_id else None
        if route_id and route_id in self._prices:
            return self._prices[route_id]
        return self._prices.get(model_id)

    @_on_view
    def route(self, route_id: str) -> Route:
        """The route whose id is ``route_id`` (``platform/provider/model``)."""
        try:
            route = self._routes.get(route_id)
        except TypeError:  # unhashable: not an id
            raise validation.name(route_id, "route_id") from None
        if route is None:
            raw = self._raw_routes.get(route_id)
            if raw is None:
                if not isinstance(route_id, str):
                    raise validation.name(route_id, "route_id")
                import difflib

                raise ModelNotFoundError(route_id, difflib.get_close_matches(route_id, self._raw_routes, n=5))
            from modelreg.schema import Route

            route = self._routes[route_id] = Route.model_validate(raw)
        return route

    @_on_view
    def provider(self, provider_id: str) -> Provider:
        table = self._provider_table()
        if not isinstance(provider_id, str):
            raise validation.name(provider_id, "provider_id")
        if provider_id not in table:
            raise ModelNotFoundError(provider_id, [p for p in table if provider_id.lower() in p][:5])
        return table[provider_id]

    @_on_view
    def platform(self, platform_id: str) -> Platform:
        table = self._platform_table()
        if not isinstance(platform_id, str):
            raise validation.name(platform_id, "platform_id")
        if platform_id not in table:
            raise ModelNotFoundError(platform_id, [p for p in table if platform_id.lower() in p][:5])
        return table[platform_id]

    # -- collections ------------------------------------------------------------------------------------

    @_on_view
    def models(
        self,
        *,
        provider: str | None = None,
        family: str | None = None,
        capability: Capability | str | None = None,
    ) -> list[Model]:
        """Every model, optionally only those of ``provider``, of ``family`` or having ``capability``."""
        from modelreg.schema import Capability

        wanted = Capability(capability) if capability is not None else None
        out = []
        with paused():  # the first call builds every Model: nothing among them to collect
            for model_id, raw in self._raw_models.items():
                if provider is not None and raw.get("provider") != provider:
                    continue
                if family is not None and raw.get("family") != family:
                    continue
                if wanted is not None and wanted.value not in raw.get("capabilities", ()):
                    continue
                out.append(self.get(model_id))
        return out

    @_on_view
    def providers(self) -> list[Provider]:
        return list(self._provider_table().values())

    @_on_view
    def platforms(self) -> list[Platform]:
        return list(self._platform_table().values())

    @_on_view
    def families(self) -> list[str]:
        """Every family name, sorted."""
        return sorted({raw["family"] for raw in self._raw_models.values()})

    @_on_view
    def routes(self, model_id: str | None = None) -> list[Route]:
        """The routes serving ``model_id`` (best priority first), or every route when None."""
        if model_id is None:
            with paused():  # the first call builds every Route
                return [self.route(rid) for rid in self._raw_routes]
        return [self.route(rid) for rid in self.route_ids(model_id)]

    @_on_view
    def route_ids(self, model_id: str) -> list[str]:
        """The ids of the routes serving ``model_id``, best priority first (``routes``, as ids only)."""
        if self._routes_by_model is None:
            by_model: dict[str, list[str]] = defaultdict(list)
            for rid, raw in self._raw_routes.items():
                by_model[raw["model"]].append(rid)
            self._routes_by_model = dict(by_model)
        if model_id not in self._raw_models:
            raise ModelNotFoundError(model_id, self.suggest(model_id))
        routes = self._raw_routes
        ids = self._routes_by_model.get(model_id, ())
        return sorted(ids, key=lambda rid: (routes[rid].get("priority", 10), routes[rid]["platform"]))

    # -- requests -----------------------------------------------------------------------------------------

    @_on_view
    def validate(
        self, model: str, params: Mapping[str, Any], *, prompt_tokens: int | None = None, platform: str | None = None
    ) -> list[Issue]:
        """Every problem with sending ``params`` (OpenAI-style names) to ``model``: unknown or unsupported
        parameters, values out of range, ``max_tokens`` above the output limit, prompt plus output above the
        context window, a capability the request needs and the model lacks, a deprecated or retired model.
        A platform's string (or ``platform``) checks against that platform's API."""
        validation.check_arguments("validate", params=params)
        found = self._lookup(model)
        status = found.model.lifecycle.status_on(dt.date.today()).value
        return params_module.validate(
            self._parameter_rules(),
            found.model,
            dict(params),
            prompt_tokens=prompt_tokens,
            platform=platform or (found.route.platform if found.route else None),
            status=status,
        )

    @_on_view
    def convert(
        self, model: str, params: Mapping[str, Any], *, platform: str | None = None, strict: bool = False
    ) -> dict[str, Any]:
        """``params`` as the API serving ``model`` takes them: renamed (Gemini ``max_output_tokens``, OpenAI
        reasoning models' ``max_completion_tokens``, ``stop_sequences``…), required defaults applied, rejected
        parameters dropped, or refused with a ValidationError when ``strict``. A platform's string (or
        ``platform``) converts for that platform and sets ``model`` to its model string."""
        validation.check_arguments("convert", params=params)
        found = self._lookup(model)
        route, region = found.route, found.region
        if platform is not None and (route is None or route.platform != platform):
            route, region = next((r for r in self.routes(found.model.id) if r.platform == platform), None), None
        model_string = None
        if route is not None:
            regional = [d.model_string for d in route.deployments if region and region in (d.region, d.variant)]
            model_string = regional[0] if regional else route.model_string
        return params_module.convert(
            self._parameter_rules(),
            found.model,
            dict(params),
            strict=strict,
            platform=platform or (route.platform if route else None),
            model_string=model_string,
        )

    def _parameter_rules(self) -> params_module.ParameterRules:
        return _parameter_rules()

    # -- writing (needs a store) --------------------------------------------------------------------------

    @property
    def store(self) -> Store | None:
        """The store laid over the catalog, or None for a read-only registry over the catalog alone."""
        return self._store

    def version(self, kind: str, record_id: str) -> int:
        """The version of a record's stored state in the view you read: name it in ``update``/``delete``
        (0 = never written). Read it before the record itself; after a ConflictError read both again."""
        validation.check_arguments("version", kind=kind, record_id=record_id)
        self._writable()
        return self._now()._versions.get((kind, record_id), 0)

    def price_version(self, subject: str) -> int:
        """The version of a model's (or route's) stored price timeline in the view you read: name it in
        ``set_price(..., version=)`` to change prices only if nobody did since (0 = never priced in the store)."""
        return self._now()._timelines.get(subject, 0)

    @_on_view
    def etag(self, kind: str, record_id: str) -> RecordTag:
        """The entity tag of one record as served now: it changes whenever a read of it can answer differently
        (a catalog rebuild, a write of the record, a price change it shows). ``str()`` of it is the HTTP ETag."""
        prices: tuple[int, ...] = ()
        if kind in ("model", "route"):
            prices = (self._timelines.get(record_id, 0),)
            raw = self._raw_routes.get(record_id) if kind == "route" else None
            from modelreg.overlay import follows_model

            if raw is not None and follows_model(raw):
                prices += (self._timelines.get(raw["model"], 0),)
        return RecordTag(self._catalog_tag(), kind, self._versions.get((kind, record_id), 0), prices)

    @_on_view
    def tagged(self, kind: str, record_id: str) -> tuple[Any, RecordTag]:
        """A record (as its schema type) and its ``etag``, both from one view."""
        return self._record(kind, record_id), self.etag(kind, record_id)

    def create(self, kind: str, record: Mapping[str, Any] | Any, *, actor: str, message: str | None = None) -> Any:
        """Add a provider, platform, model or route the catalog does not know (e.g. a fine-tune, a private
        deployment). Returns the record as its schema type."""
        return writing.create(self, kind, record, actor=actor, message=message)

    def update(
        self,
        kind: str,
        record_id: str,
        patch: Mapping[str, Any],
        *,
        version: int,
        actor: str,
        message: str | None = None,
    ) -> Any:
        """Change fields of a record (a partial patch; nested objects merge). ``version`` is the one you read
        (``version()``): the write happens only if the record is still at it, else ``ConflictError`` (the
        database checks it in the write's transaction). On a catalog record this stores an override, visible in
        ``sources``; ``reset`` removes it. Prices change through ``set_price``: a patch that changes
        ``pricing``, ``price_history`` or ``sources`` is refused."""
        return writing.update(self, kind, record_id, patch, version=version, actor=actor, message=message)

    def delete(self, kind: str, record_id: str, *, version: int, actor: str, message: str | None = None) -> None:
        """Remove a record: a stored one is deleted, a catalog one is hidden (``reset`` brings it back).
        Refused (``InUseError``) while other records refer to it: the routes serving a model, …"""
        writing.delete(self, kind, record_id, version=version, actor=actor, message=message)

    def reset(self, kind: str, record_id: str, *, version: int, actor: str, message: str | None = None) -> None:
        """Drop the store's override (or hiding) of a catalog record: the catalog's values come back. On a
        record only the store has, this deletes it (refused while others refer to it)."""
        writing.reset(self, kind, record_id, version=version, actor=actor, message=message)

    def set_price(
        self,
        subject: str,
        pricing: Mapping[str, Any] | Any,
        *,
        effective_from: dt.date,
        actor: str,
        message: str | None = None,
        version: int | None = None,
    ) -> Pricing:
        """Change the price of a model or route from ``effective_from`` on. The old price is closed that day,
        never overwritten: ``cost(..., at=day)`` and ``price_history`` answer for any day.

        ``pricing`` names only what changes (``{"input": "2"}``; ``None`` clears a field): every other field
        (cache reads, batch discount, tiers, …) carries over from the price in force before. ``version``: the
        ``price_version()`` you read; with it, a price changed since is a ConflictError."""
        writing.set_price(
            self, subject, pricing, effective_from=effective_from, actor=actor, message=message, version=version
        )
        return self.pricing_of(subject)

    @_on_view
    def pricing_of(self, subject: str) -> Pricing:
        """The current prices of a model or route id."""
        if subject in self._raw_routes:
            return self.route(subject).pricing
        return self.get(subject).pricing

    @_on_view
    def price_history(self, name: str) -> list[Pricing]:
        """Every price ``name``'s model (or route) has had, oldest first, the current one last."""
        found = self._lookup(name)
        if (
            found.route is not None
            and found.route.pricing
            and not found.route.pricing.is_empty()
            and found.route.priority != 1
        ):
            return [found.route.pricing]
        timeline = [*found.model.price_history, found.model.pricing]
        return sorted(timeline, key=lambda p: p.effective_from or dt.date.min)

    def history(self, kind: str, record_id: str) -> list[Change]:
        """Every stored change of one record, oldest first: who, when, before, after, why."""
        validation.check_arguments("history", kind=kind, record_id=record_id)
        return self._writable().changes(kind, record_id)

    def revert(self, change_id: int, *, actor: str, message: str | None = None) -> Change:
        """Undo one change by writing a new one that restores what was there before it. Undoing the creation
        of a record deletes it: refused while others refer to it."""
        return writing.revert(self, change_id, actor=actor, message=message)

    def export_store(self) -> dict[str, Any]:
        """The store's contents in the catalog's YAML shape (``modelreg store export``)."""
        return transfer.export_document(self._writable(), self._now()._all())

    def import_store(self, document: Any, *, actor: str, message: str | None = None) -> dict[str, int]:
        """Apply a store export in one transaction: everything, or nothing when one item is wrong (the
        ValidationError names each bad item by its place, id and field). Idempotent: what already holds is
        left alone. Returns what it did, by count (``modelreg store import``)."""
        return writing.import_store(self, document, actor=actor, message=message)

    def _writable(self) -> Store:
        if self._store is None:
            from modelreg.errors import StoreError

            raise StoreError(
                "this registry has no store to write to: load it with a database (database_url=…, "
                "or MODELREG_DATABASE_URL)"
            )
        return self._store

    def _catalog_records(self) -> Records:
        """The catalog's own records, read once: the catalog does not change under a running registry."""
        if callable(self._base_records):
            self._base_records = self._base_records()
        return self._base_records

    def _record(self, kind: str, record_id: str) -> Any:
        if kind == "model":
            return self.get(record_id)
        if kind == "route":
            return self.route(record_id)
        if kind in ("provider", "platform"):
            return self.provider(record_id) if kind == "provider" else self.platform(record_id)
        raise ValidationError("unknown record kind", [("kind", "one of provider, platform, model, route")])

    def _catalog_tag(self) -> str:
        return self._tag  # the upstream snapshots the catalog was built from

    # -- questions over the whole catalog ----------------------------------------------------------------

    @_on_view
    def facts(self) -> list[Facts]:
        """Every model as one flat row (capabilities, limits, prices, today's status): what queries scan."""
        facts = self._facts
        if facts is None:  # built whole, then published: another thread never sees half of it
            with paused():
                facts = queries.build_facts(self._raw_models, self._raw_routes, dt.date.today())
            self._facts_by_id = {row.id: row for row in facts}
            self._facts = facts
        return facts

    @_on_view
    def facts_of(self, model_id: str) -> Facts:
        self.facts()
        return self._facts_by_id[model_id]

    @_on_view
    def price_to_compare(self, name: str) -> PriceToCompare:
        """The price ``name``'s model is compared, filtered and sorted by (USD per 1M tokens): its maker's,
        else "from" its cheapest active route (``route`` names it, ``is_from`` is true); both None when
        nothing prices it."""
        model_id = name if name in self._raw_models else self._lookup(name).model.id
        if self._facts is not None:
            row = self._facts_by_id[model_id]
            return queries.PriceToCompare(row.input_price, row.output_price, row.price_route)
        # one model: its own routes, not facts for the whole catalog (`show` asks for one)
        routes = {rid: self._raw_routes[rid] for rid in self.route_ids(model_id)}
        return queries.price_to_compare(model_id, self._raw_models[model_id], queries.cheapest_routes(routes))

    @_on_view
    def find(self, *, sort: str = "id", **conditions: Any) -> list[Model]:
        """Models matching every condition, best first: ``required``/``optional``/``excluded`` capabilities,
        ``provider``, ``family``, ``platform``, ``status``, ``min_context``, ``min_output``,
        ``max_input_price``/``max_output_price`` (USD per 1M), ``modalities_in``, ``include_deprecated``;
        ``sort`` by id, input_price, output_price, context or release_date. See ``queries.find``."""
        found = queries.find(self.facts(), sort=sort, **conditions)
        with paused():  # may build many Models
            return [self.get(mid) for mid in found]

    @_on_view
    def find_ids(self, *, sort: str = "id", **conditions: Any) -> list[str]:
        """Like ``find``, returning ids only (no model objects are made): the fast form."""
        return queries.find(self.facts(), sort=sort, **conditions)

    @_on_view
    def cheapest(
        self,
        prompt_tokens: int,
        output_tokens: int,
        *,
        required: Iterable[str] = (),
        limit: int = 10,
        include_free: bool = False,
        **conditions: Any,
    ) -> list[Quote]:
        """The cheapest ways to run one request (makers' prices and every route's), with the exact cost;
        zero prices are left out unless ``include_free``. ``conditions`` are ``find``'s."""
        return queries.cheapest(
            self, prompt_tokens, output_tokens, required=required, limit=limit, include_free=include_free, **conditions
        )

    @_on_view
    def price_points(self) -> Iterable[tuple[str | None, str, str | None, dict[str, Any]]]:
        """Every price the catalog knows: (route id or None, model id, platform or None, raw pricing)."""
        for model_id, raw in self._raw_models.items():
            if raw.get("pricing"):
                yield None, model_id, None, raw["pricing"]
        for route_id, raw in self._raw_routes.items():
            if raw.get("pricing") and not raw.get("direct"):  # a maker's own route repeats the maker's price
                yield route_id, raw["model"], raw["platform"], raw["pricing"]

    @_on_view
    def price_tables(self) -> dict[str, list[tuple[str | None, str | None, PriceTable]]]:
        """Model id -> (route id or None, platform or None, price table) for each of its ``price_points``,
        made once per view: what ``cheapest`` ranks."""
        tables = self._price_tables
        if tables is None:  # made whole, then published
            tables = {}
            with paused():
                for route_id, model_id, platform, raw in self.price_points():
                    tables.setdefault(model_id, []).append((route_id, platform, PriceTable.of(model_id, raw)))
            self._price_tables = tables
        return tables

    @_on_view
    def capability_matrix(self, *, include_deprecated: bool = False) -> dict[str, list[str]]:
        """Capability -> ids of the models that have it (sorted), over current models unless asked otherwise;
        worked out once per view (a copy is returned)."""
        matrix = self._matrices.get(include_deprecated)
        if matrix is None:
            matrix = self._matrices[include_deprecated] = queries.capability_matrix(
                self.facts(), include_deprecated=include_deprecated
            )
        return {capability: list(ids) for capability, ids in matrix.items()}

    @_on_view
    def compare(self, names: Iterable[str]) -> list[Model]:
        """The models ``names`` mean, in the order given (for side-by-side tables)."""
        return [self.resolve(name) for name in names]

    @_on_view
    def alternatives(self, name: str, *, limit: int = 10) -> list[Model]:
        """Current models with at least the capabilities and context of ``name``'s model, cheaper or newer."""
        model = self._lookup(name).model
        return [self.get(mid) for mid in queries.alternatives(self.facts(), self.facts_of(model.id), limit=limit)]

    @_on_view
    def availability(self, name: str) -> dict[str, list[Route]]:
        """Platform -> the routes serving ``name``'s model there (each with its prices)."""
        model = self._lookup(name).model
        served: dict[str, list[Route]] = defaultdict(list)
        for route in self.routes(model.id):
            served[route.platform].append(route)
        return dict(served)

    def best_route(
        self,
        model: str,
        *,
        required: Iterable[str] = (),
        region: str | None = None,
        strategy: str = "priority",
        prompt_tokens: int = 1000,
        output_tokens: int = 500,
        performance: Mapping[str, Performance] | None = None,
    ) -> Route:
        """The route to call ``model`` through, by ``strategy``: priority, cost, latency, success (``routing``)."""
        return routing.best_route(
            self,
            model,
            required=required,
            region=region,
            strategy=strategy,
            prompt_tokens=prompt_tokens,
            output_tokens=output_tokens,
            performance=performance,
        )

    def cheapest_route(
        self,
        prompt_tokens: int,
        max_output_tokens: int,
        required_capabilities: Iterable[str] = (),
        *,
        provider: str | None = None,
        platform: str | None = None,
    ) -> tuple[Route, Cost]:
        """The cheapest usable route for one request over the catalog, and its cost (``routing``)."""
        return routing.cheapest_route(
            self, prompt_tokens, max_output_tokens, required_capabilities, provider=provider, platform=platform
        )

    def fallback_chain(self, model: str, *, required: Iterable[str] = (), region: str | None = None) -> Chain:
        """``model``'s usable routes in the order to try them, and why others were skipped (``routing``)."""
        return routing.fallback_chain(self, model, required=required, region=region)

    def update_route_priority(
        self, route_id: str, priority: int, *, actor: str, version: int | None = None, message: str | None = None
    ) -> Route:
        """Set a route's priority (1 = first choice) in the store, logged as a change (``routing``)."""
        return routing.update_route_priority(self, route_id, priority, actor=actor, version=version, message=message)

    def record_call(self, route: str, *, ok: bool, latency_ms: float, **details: Any) -> Call:
        """Store one call's outcome (``input_tokens``, ``output_tokens``, ``error``, ``at``: ``calls``)."""
        return calls.record_call(self, route, ok=ok, latency_ms=latency_ms, **details)

    def record_calls(self, batch: Iterable[Mapping[str, Any]]) -> list[Call]:
        """Store a batch of call outcomes in one transaction, all or none (``calls``)."""
        return calls.record_calls(self, batch)

    def route_stats(self, **window: Any) -> dict[str, RouteStats]:
        """Calls, success rate, p50/p95 latency per route over a sliding ``window`` (``calls``)."""
        return calls.route_stats(self, **window)

    def spend(self, *, since: Any, **options: Any) -> Spend:
        """What the recorded calls cost since ``since`` (``"7d"``, a date), by model/platform/day (``calls``)."""
        return calls.spend(self, since=since, **options)

    def register_unknown(self, name: str, platform: str, *, probe: bool = True, **options: Any) -> Model:
        """Store a model the registry does not know, from its name and one probe, flagged for review."""
        return autoregister.register_unknown(self, name, platform, probe=probe, **options)

    def verify(self, model: str, *, platform: str, **options: Any) -> VerificationReport:
        """Check the capabilities claimed for ``model`` against ``platform``'s live API; record the result."""
        return verify.verify(self, model, platform=platform, **options)

    @_on_view
    def migrate(self, name: str) -> Migration:
        """Where a deprecated or retired model leads: the replacement (following chains) and the dates."""
        model = self._lookup(name).model
        return queries.migration(self._lifecycles(), model.id, dt.date.today())

    @_on_view
    def deprecations(self, *, within_days: int = 90) -> list[Migration]:
        """Models deprecated or retired between today and ``within_days`` from now, soonest first."""
        return queries.going_away(self._lifecycles(), dt.date.today(), within_days)

    def _lifecycles(self) -> dict[str, dict[str, Any]]:
        return index.lifecycles_of(self._all())

    @_on_view
    def search(self, text: str, *, limit: int = 20) -> list[Model]:
        """Models whose id, display name or an alias contains ``text`` (any letter case), exact names first."""
        return [self.get(model_id) for model_id in self.search_ids(text, limit=limit)]

    @_on_view
    def search_ids(self, text: str, *, limit: int = 20) -> list[str]:
        """Like ``search``, returning ids only (no model objects are made)."""
        needle = text.strip().lower()
        if not needle:
            return []
        hits = []
        for model_id, raw in self._raw_models.items():
            haystack = [model_id, raw.get("display_name") or "", *raw.get("aliases", ())]
            if any(needle in h.lower() for h in haystack):
                exact = needle in (model_id.lower(), raw["name"].lower())
                hits.append((not exact, len(model_id), model_id))
        return [model_id for _, _, model_id in sorted(hits)[:limit]]

    @_on_view
    def state(self) -> str:
        """A tag that changes whenever what this registry serves changes (catalog build or store write):
        what HTTP ETags are made from."""
        return f"{self._catalog_tag()}.{max(self._seen, 0)}"

    @_on_view
    def names(self) -> Iterable[str]:
        """Every name that resolves exactly."""
        return self._names.keys()

    @_on_view
    def stats(self) -> dict[str, Any]:
        """Counts of what the registry holds, for people and dashboards."""
        per_platform: dict[str, int] = defaultdict(int)
        for raw in self._raw_routes.values():
            per_platform[raw["platform"]] += 1
        per_provider: dict[str, int] = defaultdict(int)
        for raw in self._raw_models.values():
            per_provider[raw["provider"]] += 1
        return {
            "models": len(self._raw_models),
            "routes": len(self._raw_routes),
            "providers": len(self._all()["providers"]),
            "platforms": len(self._all()["platforms"]),
            "families": len(self.families()),
            "names": len(self._names),
            "conflicts": self._meta.get("conflicts", 0),
            "snapshots": self._meta.get("snapshots", {}),
            "routes_per_platform": dict(sorted(per_platform.items(), key=lambda kv: -kv[1])),
            "models_per_provider": dict(sorted(per_provider.items(), key=lambda kv: -kv[1])),
        }

    @_on_view
    def __len__(self) -> int:
        return len(self._raw_models)

    @_on_view
    def __contains__(self, model_id: object) -> bool:
        return model_id in self._raw_models

    # -- help for people --------------------------------------------------------------------------------

    def _match(self, name: str) -> Match | None:
        """The resolver's answer for a name that is not an exact key, remembered (misses too): the same
        messy name tends to arrive again and again. The memory is bounded."""
        if name in self._matched:
            return self._matched[name]
        if len(self._matched) >= _MEMORY:
            self._matched.clear()
        match = self._matched[name] = self.resolver.resolve(name)
        return match

    @_on_view
    def suggest(self, name: str, *, limit: int = 5) -> list[str]:
        """Canonical ids close to ``name``, best first: for "did you mean" messages (remembered per name)."""
        key = (name, limit)
        if key not in self._suggested:
            if len(self._suggested) >= _MEMORY:
                self._suggested.clear()
            self._suggested[key] = self._suggest(name, limit)
        return list(self._suggested[key])

    def _suggest(self, name: str, limit: int) -> list[str]:
        if self._folded is None:
            folded: dict[str, str] = {}
            for known, (model_id, *_) in self._names.items():
                folded.setdefault(fold(known), model_id)
                folded.setdefault(fold(known.rpartition("/")[2]), model_id)
            self._folded = folded
        import difflib

        key = fold(name)
        hits: list[str] = []
        exact = self._folded.get(key) or self._folded.get(fold(name.rpartition("/")[2]))
        if exact:
            hits.append(exact)
        for close in difflib.get_close_matches(key, self._folded.keys(), n=limit * 3, cutoff=0.75):
            hits.append(self._folded[close])
        seen: dict[str, None] = dict.fromkeys(hits)
        return list(seen)[:limit]


def _in_force(model_id: str, prices: list[Pricing], day: dt.date) -> Pricing:
    """The prices in force on ``day``; prices with no ``effective_from`` have been in force since ever."""
    for pricing in reversed(prices):
        started = pricing.effective_from is None or pricing.effective_from <= day
        ended = pricing.effective_until is not None and pricing.effective_until <= day
        if started and not ended:
            return pricing
    raise ValidationError(f"no price of {model_id} is known for {day.isoformat()}", [("at", "before the first price")])


def _going_away(lifecycles: dict[str, dict[str, Any]], today: dt.date) -> dict[str, str]:
    """Model id -> warning text, for every model deprecated or retired on ``today``."""
    going = {}
    iso = today.isoformat()
    for model_id, lifecycle in lifecycles.items():
        status = status_on(lifecycle, iso)
        if status not in GOING:
            continue
        retired = status == "retired"
        when = lifecycle.get("retirement_date" if retired else "deprecation_date")
        since = f" since {when}" if when else ""
        instead = f"; use {lifecycle['replacement']} instead" if lifecycle.get("replacement") else ""
        going[model_id] = f"{model_id} is {'retired' if retired else 'deprecated'}{since}{instead}"
    return going


def _warn(message: str, stacklevel: int) -> None:
    warnings.warn(message, DeprecatedModelWarning, stacklevel=stacklevel)
