"""The page routes: each reads its state from the query string, asks the registry (one view per request),
and renders a Jinja2 template. Handlers are thin: the gathering lives in ``browse``, ``detail``,
``compare``, ``calculator`` and ``status``.

Every page but ``/status`` is a function of the registry's state, the day and the URL, so it carries a weak
ETag of those and answers ``If-None-Match`` with 304; ``/status`` reads the store live (``no-store``)."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from starlette.staticfiles import StaticFiles

from modelreg.registry import Registry
from modelreg.web import browse, calculator, charts, compare, detail, present, status

HERE = Path(__file__).parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": POLICY,  # nothing from elsewhere, no inline script or style
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:10]


ASSETS = _fingerprint(STATIC)
PAGES = f"{ASSETS}{_fingerprint(TEMPLATES)}"  # a new release's pages never answer to an old ETag

ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)
ENV.filters.update(present.FILTERS)
ENV.globals.update(
    static={name: f"/static/{name}?v={ASSETS}" for name in ("site.css", "site.js")},
    columns=browse.COLUMNS,
    capability_icons=present.CAPABILITY_ICONS,
    dash=present.NONE,
)

router = APIRouter(include_in_schema=False)


class _Static(StaticFiles):
    """The package's stylesheet and script. A URL with the content's fingerprint (``?v=``, as the pages write
    it) never changes, so browsers keep it; any other is revalidated."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        scope = args[2] if len(args) > 2 else kwargs["scope"]
        versioned = f"v={ASSETS}".encode() in scope.get("query_string", b"")
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if versioned else "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", _Static(directory=STATIC), name="static")


def _registry(request: Request) -> Registry:
    reg: Registry = request.app.state.registry
    return reg


def _render(
    request: Request,
    view: Registry,
    template: str,
    *,
    live: bool = False,
    status_code: int = 200,
    started: float | None = None,
    **context: Any,
) -> Response:
    """The page, with its ETag (unless ``live``: read from the store, never kept); with ``started`` (when the
    handler began), a ``Server-Timing`` header saying how long the page took to make."""
    headers = dict(HEADERS)
    if live:
        headers["Cache-Control"] = "no-store"
    else:
        tag = f'W/"{view.state()}.{dt.date.today().isoformat()}.{PAGES}"'
        headers.update({"ETag": tag, "Cache-Control": "no-cache"})
        wanted = request.headers.get("if-none-match")
        if wanted and status_code == 200 and tag in (t.strip() for t in wanted.split(",")):
            return Response(status_code=304, headers=headers)
    html = ENV.get_template(template).render(path=request.url.path, state=view.state(), count=len(view), **context)
    body = html.encode()
    headers["Vary"] = "Accept-Encoding"
    if len(body) > 8192 and "gzip" in request.headers.get("accept-encoding", ""):
        body = gzip.compress(body, compresslevel=3, mtime=0)  # a table of 1,000 rows: 1 MB -> ~60 KB, in ~5 ms
        headers["Content-Encoding"] = "gzip"
    if started is not None:
        headers["Server-Timing"] = f"page;dur={(time.perf_counter() - started) * 1000:.1f}"
    return HTMLResponse(body, status_code=status_code, headers=headers)


@router.get("/")
async def browse_page(request: Request) -> Response:
    started = time.perf_counter()
    view = _registry(request).view()
    options = _options(view)
    filters, problems = browse.Filters.parse(request.query_params.multi_items())
    filters, unknown = filters.known(options["providers"], options["families"])
    listing = browse.listing(view, filters)
    return _render(
        request,
        view,
        "browse.html",
        filters=filters,
        problems=problems + unknown,
        listing=listing,
        table=_rows(listing.rows),
        options=options,
        started=started,
    )


def _options(view: Registry) -> dict[str, Any]:
    """The choices the filters offer, in this state."""
    kept = browse.KEPT.of(view)
    options: dict[str, Any] | None = kept.get("options")
    if options is None:
        facts = view.facts()
        options = kept["options"] = {
            "providers": sorted({f.provider for f in facts}),
            "families": sorted({f.family for f in facts}),
            "capabilities": browse.CAPABILITIES,
            "modalities": browse.MODALITIES,
            "statuses": browse.STATUSES,
            "per_page": browse.PER_PAGE,
        }
    return options


def _rows(rows: list[browse.Row]) -> Markup:
    """The table's rows, each written once (``present.row``) and kept while its facts stay the same."""
    kept = _ROW_HTML
    if len(kept) > 20_000:  # facts change with writes and days: start over now and then
        kept.clear()
    parts = []
    for row in rows:
        html = kept.get(row)
        if html is None:
            html = kept[row] = present.row(row)
        parts.append(html)
    return Markup("".join(parts))


_ROW_HTML: dict[browse.Row, str] = {}


@router.get("/models/{model_id:path}")
def model_page(model_id: str, request: Request) -> Response:
    reg = _registry(request)
    view = reg.view()
    if model_id not in view:  # another name of a model: its page; else "not found", with close names
        found = view.resolver.resolve(model_id)
        if found is None:
            suggestions = view.suggest(model_id)
            return _render(request, view, "missing.html", status_code=404, name=model_id, suggestions=suggestions)
        return RedirectResponse(present.model_url(found.model_id), status_code=307, headers=HEADERS)
    return _render(request, view, "model.html", **detail.model_page(reg, view, model_id))


@router.get("/compare")
async def compare_page(request: Request) -> Response:
    view = _registry(request).view()
    params = request.query_params
    names = [n for value in params.getlist("ids") for n in value.split(",")]
    compared = compare.comparison(view, names)
    filters, problems = browse.Filters.parse((k, v) for k, v in params.multi_items() if k != "ids")
    dots = compare.points(view, filters, [m.id for m in compared.models])
    plot = charts.scatter(
        dots, label=f"Input price against context window of {len(dots)} models (both axes logarithmic)"
    )
    return _render(
        request,
        view,
        "compare.html",
        compared=compared,
        problems=compared.problems + problems,
        filters=filters,
        plot=plot,
        plotted=len(dots),
        ids_query=urlencode([("ids", m.id) for m in compared.models]),
        without={  # each model's "remove" link: the others, and the filters of the plot
            m.id: "?" + urlencode([("ids", o.id) for o in compared.models if o is not m] + filters.params(page=1))
            for m in compared.models
        },
    )


@router.get("/cost")
async def cost_page(request: Request) -> Response:
    view = _registry(request).view()
    params = request.query_params
    names = [n for value in params.getlist("ids") for n in value.split(",")]
    usage, problems = calculator.Usage.parse(params.multi_items())
    lines = calculator.costs(view, names, usage)
    return _render(
        request,
        view,
        "cost.html",
        usage=usage,
        lines=lines,
        problems=problems,
        names=list(dict.fromkeys(n.strip() for n in names if n.strip())),
        days=calculator.DAYS_PER_MONTH,
    )


@router.get("/status")
def status_page(request: Request) -> Response:
    reg = _registry(request)
    view = reg.view()
    scheduler = getattr(request.app.state, "scheduler", None)
    return _render(request, view, "status.html", live=True, **status.status_page(reg, view, scheduler))
