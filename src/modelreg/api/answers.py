"""The service's hot answers, given by the plain ASGI layer (``middleware.py``) without FastAPI's routing,
dependency solving and response validation: the cost of one call (POST /cost), one model (GET
/models/{id}), what a name means (GET /resolve) and a page of models (GET /models).

Each is the FastAPI route's own answer, byte for byte: both render through the functions here (tests ask
both ways and compare). Whatever the fast form does not read — a body that is not JSON or does not
validate, a name that is not found, a query parameter it does not know, a repeated one — is None here and
goes on to FastAPI, which answers it, and its errors, as it always has.

Models are rendered once per registry state (``pages.Rendered``): a page of 50 is a join of kept bytes.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from pydantic import ValidationError as BodyInvalid

from modelreg.api.pages import RENDERED, Headers, decode_cursor, dumps, json_headers, listed_ids
from modelreg.api.routes.discovery import Usage, cost_of, resolution
from modelreg.errors import ModelregError
from modelreg.registry import Registry
from modelreg.schema import Capability, Status

Answer = tuple[str, Headers, bytes]  # route template (the metrics label), headers, body
_CAPABILITIES = frozenset(c.value for c in Capability)
_STATUSES = frozenset(s.value for s in Status)
_FILTERS_FOR_FASTAPI = frozenset(("min_context", "max_input_price", "max_output_price"))
_PAGE_PARAMETERS = (
    frozenset(("provider", "family", "capability", "status", "q", "limit", "cursor")) | _FILTERS_FOR_FASTAPI
)


class FastAnswers:
    """The hot answers for a service mounted at ``prefix``; None for anything FastAPI should answer."""

    def __init__(self, prefix: str) -> None:
        self.cost_path = f"{prefix}/cost"
        self._list = f"{prefix}/models"
        self._model = f"{prefix}/models/"
        self._resolve = f"{prefix}/resolve"
        self._model_route = f"{prefix}/models/{{model_id:path}}"  # the metrics label FastAPI's route has

    def get(self, view: Registry, path: str, query: bytes) -> Answer | None:
        try:
            if path.startswith(self._model):
                return self._one(view, path[len(self._model) :])
            if path == self._resolve:
                return self._resolution(view, query)
            if path == self._list:
                return self._page(view, query)
        except ModelregError:  # not found, …: FastAPI answers with the problem document
            return None
        return None

    def cost(self, view: Registry, content_type: bytes, body: bytes) -> Answer | None:
        if content_type.split(b";")[0].strip().lower() != b"application/json":
            return None
        try:
            answer = dumps(cost_of(view, Usage.model_validate_json(body)))
        except (BodyInvalid, ModelregError):
            return None
        return self.cost_path, json_headers(answer), answer

    def _one(self, view: Registry, model_id: str) -> Answer | None:
        if model_id.endswith("/routes"):
            return None  # the routes of a model: a route of its own
        tag = view.etag("model", model_id)
        body = RENDERED.model(view, model_id)
        return self._model_route, json_headers(body, (b"etag", f'"{tag}"'.encode())), body

    def _resolution(self, view: Registry, query: bytes) -> Answer | None:
        names = [value for key, value in _query(query) if key == "name"]
        if len(names) != 1:
            return None
        body = dumps(resolution(view, names[0]))
        return self._resolve, json_headers(body), body

    def _page(self, view: Registry, query: bytes) -> Answer | None:
        pairs = [(key, value) for key, value in _query(query) if key in _PAGE_PARAMETERS]  # FastAPI ignores the rest
        keys = [key for key, _ in pairs]
        single = {key: value for key, value in pairs if key != "capability"}
        if _FILTERS_FOR_FASTAPI.intersection(keys) or len(single) != len(keys) - keys.count("capability"):
            return None  # a filter the fast form does not read, or a value given twice: FastAPI's rules
        required = [value for key, value in pairs if key == "capability"]
        limit = single.get("limit", "50")
        status = single.get("status")
        if not _CAPABILITIES.issuperset(required) or (status is not None and status not in _STATUSES):
            return None
        if not (limit.isascii() and limit.isdigit() and 1 <= int(limit) <= 500):
            return None
        cursor = None
        if "cursor" in single:
            cursor = decode_cursor(single["cursor"])
            if cursor is None:
                return None
        ids = listed_ids(
            view,
            q=single.get("q"),
            provider=single.get("provider"),
            family=single.get("family"),
            required=required,
            status=status,
        )
        body = RENDERED.page(view, ids, cursor, int(limit))
        return self._list, json_headers(body), body


def _query(query: bytes) -> list[tuple[str, str]]:
    """The query's pairs, read as Starlette reads them."""
    return parse_qsl(query.decode("latin-1"), keep_blank_values=True)


class NoFastAnswers(FastAnswers):
    """Every request through FastAPI (MODELREG_FAST_ANSWERS=0): to compare with, and to rule the fast forms out."""

    def __init__(self) -> None:
        super().__init__("")

    def get(self, view: Registry, path: str, query: bytes) -> Answer | None:
        return None

    def cost(self, view: Registry, content_type: bytes, body: bytes) -> Answer | None:
        return None
