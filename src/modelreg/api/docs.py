"""``/docs`` and ``/redoc``: the API's reference and a form to try each operation, with no internet.

FastAPI's own pages load swagger-ui and redoc from a CDN, so they are blank offline and behind strict
firewalls. This page (``docs.html``, one file: its style and script inline) renders the service's
OpenAPI document itself. Its Content-Security-Policy allows exactly that inline style and script (by
hash) and requests to this server, so a browser refuses any outside asset even if one crept in.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

PAGE = Path(__file__).with_name("docs.html")


def install(app: FastAPI) -> None:
    """Serve the page at ``/docs`` and ``/redoc`` (create the app with ``docs_url=None, redoc_url=None``)."""
    page = PAGE.read_text(encoding="utf-8")
    page = page.replace("__TITLE__", app.title).replace("__OPENAPI_URL__", app.openapi_url or "/openapi.json")
    headers = {"Content-Security-Policy": _policy(page), "Cache-Control": "no-cache"}

    async def docs() -> HTMLResponse:
        return HTMLResponse(page, headers=headers)

    for path in ("/docs", "/redoc"):
        app.add_api_route(path, docs, methods=["GET"], include_in_schema=False)


def _policy(page: str) -> str:
    """Only this page's own inline style and script, and requests back to this server."""

    def hashes(tag: str) -> str:
        bodies = re.findall(rf"<{tag}>(.*?)</{tag}>", page, flags=re.DOTALL)
        return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'" for b in bodies)

    return (
        f"default-src 'none'; script-src {hashes('script')}; style-src {hashes('style')}; "
        "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
