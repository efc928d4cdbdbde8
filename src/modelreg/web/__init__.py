"""The page: modelreg's service serves a web page at ``/`` from the registry it answers the API from.

Views (``pages.py``, server-rendered with Jinja2, every one a GET whose query string holds its state):

* ``/`` — browse: filters, free-text search with name resolution, sort and pages (``browse.py``);
* ``/models/{id}`` — one model: every field, sources, conflicts, routes, price history, snippets, edits;
* ``/compare`` — two to five models side by side, and price against context window for a filtered set;
* ``/cost`` — the cost of one call, a day and a month of calls for the chosen models;
* ``/status`` — each source's last sync, the review queue, route and platform health.

Pages live outside ``/api/registry``, so the service's answer cache never holds them: each is rendered per
request from one view of the registry (``Registry.view()``). Writes are the browser's: ``static/site.js``
sends them to the REST API with the editor key the user typed (kept in sessionStorage). The one endpoint
the API lacked for them, deciding a held sync change, is ``reviews.py``. The stylesheet and script are
files of this package served at ``/static/`` (no CDN, nothing fetched from elsewhere); the charts are
inline SVG drawn by ``charts.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["install"]


def install(app: FastAPI, *, api_prefix: str) -> None:
    """Serve the pages and their static files on ``app``, and the review endpoints under ``api_prefix``."""
    from modelreg.api import problems
    from modelreg.web import pages, reviews

    app.include_router(reviews.router, prefix=api_prefix, responses=problems.RESPONSES)
    pages.install(app)
