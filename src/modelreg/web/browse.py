"""The browse table's state and rows: filters read from the query string, the matching ids (through
``Registry.find_ids`` and ``search_ids``, a name resolved by the registry's resolver), sorted and cut into
pages. Rows are built from ``Facts`` once per registry state (``PerView``), never as schema objects."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple
from urllib.parse import urlencode

from modelreg.queries import Facts
from modelreg.registry import Registry
from modelreg.schema import Capability, Modality, Status

PER_PAGE = (50, 100, 250, 1000)
STATUSES = ("current", *(s.value for s in Status))  # "current": not deprecated or retired; "": any status
STATUS_ORDER = {s.value: i for i, s in enumerate(Status)}
CAPABILITIES = tuple(c.value for c in Capability)
MODALITIES = tuple(m.value for m in Modality)


class Column(NamedTuple):
    key: str
    label: str
    numeric: bool = False


COLUMNS = (
    Column("provider", "Provider"),
    Column("model", "Model"),
    Column("family", "Family"),
    Column("context", "Context", True),
    Column("max_output", "Max output", True),
    Column("input", "Input $/1M", True),
    Column("output", "Output $/1M", True),
    Column("cached", "Cached $/1M", True),
    Column("capabilities", "Capabilities"),
    Column("release", "Released"),
    Column("status", "Status"),
)
SORTABLE = frozenset(c.key for c in COLUMNS)


class Row(NamedTuple):
    """One model as the table shows it: its facts, and the cached-input price of the same price it is
    compared by (the maker's, else its cheapest route's)."""

    facts: Facts
    name: str
    display_name: str
    cached: Decimal | None


_SORT_KEYS: dict[str, Callable[[Row], Any]] = {
    "provider": lambda r: r.facts.provider,
    "model": lambda r: r.facts.id,
    "family": lambda r: r.facts.family,
    "context": lambda r: r.facts.context or None,
    "max_output": lambda r: r.facts.max_output or None,
    "input": lambda r: r.facts.input_price,
    "output": lambda r: r.facts.output_price,
    "cached": lambda r: r.cached,
    "capabilities": lambda r: len(r.facts.capabilities),
    "release": lambda r: r.facts.release_date or None,
    "status": lambda r: STATUS_ORDER.get(r.facts.status, len(STATUS_ORDER)),
}


class Filters(NamedTuple):
    """What the browse table shows, as the query string holds it (every view can be shared by its URL)."""

    q: str = ""
    provider: str = ""
    family: str = ""
    required: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    status: str = ""
    min_context: int | None = None
    min_input: Decimal | None = None
    max_input: Decimal | None = None
    max_output: Decimal | None = None
    sort: str = ""  # a column key, "-key" descending; "": relevance when searching, else by id
    page: int = 1
    per: int = PER_PAGE[0]

    @classmethod
    def parse(cls, params: Iterable[tuple[str, str]]) -> tuple[Filters, list[str]]:
        """The filters a query string names, and what in it was not understood (left out, said on the page)."""
        values: dict[str, list[str]] = {}
        for name, value in params:
            if value.strip():
                values.setdefault(name, []).append(value.strip())
        problems: list[str] = []

        def one(name: str) -> str:
            return values.get(name, [""])[-1]

        def number(name: str, kind: Callable[[str], Any], *, low: Any = 0) -> Any:
            text = one(name)
            if not text:
                return None
            try:
                value = kind(text)
            except (ValueError, InvalidOperation):
                value = None
            if value is None or (isinstance(value, Decimal) and not value.is_finite()):
                problems.append(f"{name}: {text!r} is not a number")
                return None
            if value < low:
                problems.append(f"{name}: {text!r} is below {low}")
                return None
            return value

        def known(name: str, allowed: Sequence[str]) -> tuple[str, ...]:
            wanted = tuple(dict.fromkeys(values.get(name, ())))
            unknown = [v for v in wanted if v not in allowed]
            if unknown:
                problems.append(f"{name}: unknown {', '.join(unknown)}")
            return tuple(v for v in wanted if v in allowed)

        status = one("status")
        if status and status not in STATUSES:
            problems.append(f"status: unknown {status}")
            status = ""
        sort = one("sort")
        if sort and sort.removeprefix("-") not in SORTABLE:
            problems.append(f"sort: unknown column {sort}")
            sort = ""
        per = number("per", int, low=1) or PER_PAGE[0]
        return (
            cls(
                q=one("q"),
                provider=one("provider"),
                family=one("family"),
                required=known("cap", CAPABILITIES),
                excluded=known("nocap", CAPABILITIES),
                modalities=known("modality", MODALITIES),
                status=status,
                min_context=number("min_context", int),
                min_input=number("min_input", Decimal),
                max_input=number("max_input", Decimal),
                max_output=number("max_output", Decimal),
                sort=sort,
                page=number("page", int, low=1) or 1,
                per=min(per, PER_PAGE[-1]),
            ),
            problems,
        )

    def known(self, providers: Sequence[str], families: Sequence[str]) -> tuple[Filters, list[str]]:
        """These filters with the provider and family spelled as the catalog spells them (any letter case is
        taken, as the CLI takes it); a name it does not know is dropped and said."""
        problems = []
        named: dict[str, Any] = {}
        for field, choices in (("provider", providers), ("family", families)):
            wanted = getattr(self, field)
            if not wanted or wanted in choices:
                continue
            match = next((c for c in choices if c.lower() == wanted.lower()), None)
            if match is None:
                problems.append(f"{field}: unknown {wanted}")
            named[field] = match or ""
        return self._replace(**named), problems

    def conditions(self) -> dict[str, Any]:
        """These filters as ``Registry.find_ids`` conditions."""
        found: dict[str, Any] = {
            "required": self.required,
            "excluded": self.excluded,
            "modalities_in": self.modalities,
            "provider": self.provider or None,
            "family": self.family or None,
            "min_context": self.min_context,
            "max_input_price": self.max_input,
            "max_output_price": self.max_output,
        }
        if self.status == "current":
            found["include_deprecated"] = False
        elif self.status:
            found["status"] = self.status
        else:
            found["include_deprecated"] = True
        return found

    def params(self, **changes: Any) -> list[tuple[str, str]]:
        """The query string's pairs for these filters with ``changes``; defaults are left out."""
        f = self._replace(**changes)
        pairs: list[tuple[str, str]] = []
        for name, value in (("q", f.q), ("provider", f.provider), ("family", f.family)):
            if value:
                pairs.append((name, value))
        pairs += [("cap", c) for c in f.required] + [("nocap", c) for c in f.excluded]
        pairs += [("modality", m) for m in f.modalities]
        for name, number in (
            ("status", f.status),
            ("min_context", f.min_context),
            ("min_input", f.min_input),
            ("max_input", f.max_input),
            ("max_output", f.max_output),
            ("sort", f.sort),
        ):
            if number is not None and number != "":
                pairs.append((name, str(number)))
        if f.per != PER_PAGE[0]:
            pairs.append(("per", str(f.per)))
        if f.page != 1:
            pairs.append(("page", str(f.page)))
        return pairs

    def query(self, **changes: Any) -> str:
        """``?…`` for these filters with ``changes`` (a new filter starts at page 1: pass ``page=1``)."""
        pairs = self.params(**changes)
        return "?" + urlencode(pairs) if pairs else "?"

    def sorted_by(self, column: str) -> str:
        """The sort a click on ``column``'s heading asks for: ascending, then descending."""
        return f"-{column}" if self.sort == column else column

    def direction(self, column: str) -> str:
        """``aria-sort`` of a column heading."""
        if self.sort == column:
            return "ascending"
        return "descending" if self.sort == f"-{column}" else "none"

    @property
    def active(self) -> bool:
        """Whether anything narrows the table (for "clear filters")."""
        return any(p not in ("sort", "per", "page") for p, _ in self.params())


class Resolved(NamedTuple):
    """What the search text means as a name: the model, the route and region of a platform string, the rule."""

    model: str
    route: str
    region: str
    rule: str


class Listing(NamedTuple):
    ids: list[str]  # every matching model, in the table's order
    resolved: Resolved | None
    start: int  # index of the page's first row
    rows: list[Row]  # the page
    per: int

    @property
    def page(self) -> int:
        return self.start // self.per + 1

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.ids) // self.per))


class PerView:
    """Values worked out once per registry state: a new view (a write, a new catalog) starts anew."""

    def __init__(self) -> None:
        self._view: Registry | None = None
        self._values: dict[Any, Any] = {}

    def of(self, view: Registry) -> dict[Any, Any]:
        if self._view is not view:
            self._view, self._values = view, {}
        return self._values


KEPT = PerView()


def rows(view: Registry) -> dict[str, Row]:
    """Every model's row in this state, by id."""
    kept = KEPT.of(view)
    table: dict[str, Row] | None = kept.get("rows")
    if table is None:
        table = kept["rows"] = {}
        for facts in view.facts():
            raw = view.record("model", facts.id)
            priced = view.record("route", facts.price_route)["pricing"] if facts.price_route else raw.get("pricing")
            cached = (priced or {}).get("cache_read")
            table[facts.id] = Row(
                facts, raw["name"], raw.get("display_name") or "", None if cached is None else Decimal(str(cached))
            )
    return table


def resolve(view: Registry, text: str) -> Resolved | None:
    """The model ``text`` names (any name the registry resolves: a platform string, an alias), or None."""
    text = text.strip()
    if not text:
        return None
    match = view.resolver.resolve(text)
    if match is None:
        return None
    return Resolved(match.model_id, match.route_id, match.region, match.rule)


def listing(view: Registry, filters: Filters) -> Listing:
    """The models the filters match, sorted, and the page asked for."""
    table = rows(view)
    matching = view.find_ids(**filters.conditions())
    resolved = resolve(view, filters.q) if filters.q else None
    if filters.q:
        wanted = set(matching)
        found = view.search_ids(filters.q, limit=len(table))
        if resolved is not None:
            found = [resolved.model, *(i for i in found if i != resolved.model)]
        matching = [i for i in found if i in wanted]
    if filters.min_input is not None:  # Registry.find has upper price bounds only
        floor = filters.min_input
        matching = [i for i in matching if (p := table[i].facts.input_price) is not None and p >= floor]
    ids = sort([table[i] for i in matching], filters.sort) if filters.sort or not filters.q else matching
    start = (filters.page - 1) * filters.per
    if start >= len(ids):  # past the last page (the set shrank): the last page
        start = max(0, (len(ids) - 1) // filters.per * filters.per)
    return Listing(ids, resolved, start, [table[i] for i in ids[start : start + filters.per]], filters.per)


def sort(found: list[Row], by: str) -> list[str]:
    """Ids of ``found`` sorted by a column (``-column``: descending); unknown values last either way, ties
    by id."""
    column = by.removeprefix("-") or "model"
    key = _SORT_KEYS[column]
    known = [r for r in found if key(r) is not None]
    unknown = [r for r in found if key(r) is None]
    known.sort(key=lambda r: r.facts.id)
    known.sort(key=key, reverse=by.startswith("-"))
    unknown.sort(key=lambda r: r.facts.id)
    return [r.facts.id for r in (*known, *unknown)]
