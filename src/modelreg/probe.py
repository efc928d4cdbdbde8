"""Probing a platform's API: does it answer, with this key, and how fast? One module for every use.

    from modelreg.probe import probe_chat, probe_models

    probe_models("openai", api_key=key)                       # GET https://api.openai.com/v1/models
    probe_models(None, base_url="http://gpu-box:8000/v1", api_key="")   # any OpenAI-compatible server
    probe_chat("http://gpu-box:8000/v1", "", "qwen2.5-7b")    # one chat completion of at most 1 token
    chat_endpoint(platform).chat("qwen2.5-7b", stream=True)    # the platform's own base URL and key

``probe_models`` reads a platform's model list: cheap, and no tokens are spent. Health checks
(``health.py``) call it for each active platform; auto-registration and verification call it (and
``probe_chat``) on a server a person names
(``autoregister.py``, ``verify.py``: ``Endpoint`` and ``chat_endpoint`` say where a platform's OpenAI-compatible
chat API is and with which key). Where each provider's list lives and how its key is sent is
what ``sync/providers.py`` already knows for sync (one class per API dialect: the path, the auth header,
the key's variable, ``$MODELREG_SOURCE_<NAME>_URL`` to point it elsewhere); this module reads it from
there rather than stating it again.

A probe never raises for what the server does: a refusal, a timeout, an answer that is not a model list
all come back as a ``ProbeResult`` with ``ok`` False and ``error`` saying what happened. Keys are sent only
in headers, never put in a URL, and never appear in an ``error`` (a server that echoes one is masked).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from modelreg.errors import ValidationError

if TYPE_CHECKING:
    from modelreg.schema import Platform
    from modelreg.sync.providers import ModelList

DEFAULT_TIMEOUT = 10.0  # seconds: a model list that takes longer is not healthy
_ERROR_CHARS = 300  # how much of an error body an error quotes


class ProbeResult(NamedTuple):
    """What one probe found. ``ok``: the server answered as the API should (a 2xx with the expected JSON);
    ``status_code``: the HTTP status (None when no answer came: a timeout, a refused connection);
    ``latency_ms``: from sending the request to reading the whole answer; ``error``: what went wrong, one
    line; ``model_ids``: the models a list names (for a chat probe: the model that answered);
    ``usage``: a chat probe's usage object as the server sent it; ``url``: what was asked (no key in it);
    ``message``: a chat probe's answer (``content``, ``tool_calls``); ``chunks``: a streamed one's events."""

    ok: bool
    status_code: int | None
    latency_ms: float
    error: str | None
    model_ids: tuple[str, ...] = ()
    usage: Mapping[str, Any] | None = None
    url: str = ""
    message: Mapping[str, Any] | None = None  # a chat probe's first choice's message (a stream's, put together)
    chunks: int = 0  # a streamed chat probe: its chunks (events with a `choices` list, the usage chunk too)


class ListEndpoint(NamedTuple):
    """Where a platform's model list is read and how its key is sent. ``key_env``: the environment
    variables that may hold the key, in order; ``label``: what to call it in messages."""

    platform: str
    url: str
    key_env: tuple[str, ...]
    label: str
    dialect: ModelList | None  # the sync source that knows this API (None: OpenAI-compatible, Bearer)

    def headers(self, api_key: str) -> dict[str, str]:
        """The headers that carry ``api_key`` (none when it is empty: a local server)."""
        if self.dialect is not None:
            return self.dialect.headers(api_key)
        return {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def key(self, env: Mapping[str, str]) -> tuple[str | None, str | None]:
        """(the key, the variable it came from): the first of ``key_env`` set in ``env``; (None, None)."""
        for variable in self.key_env:
            value = env.get(variable, "").strip()
            if value:
                return value, variable
        return None, None


def list_endpoint(
    platform: Platform | str | None,
    *,
    base_url: str | None = None,
    env: Mapping[str, str] | None = None,
) -> ListEndpoint | None:
    """Where ``platform``'s model list is, or None when none is known.

    ``platform`` is a platform id or record. A platform whose API sync reads (``sync/providers.py``:
    openai, anthropic, gemini, xai, mistral, groq, together_ai, fireworks_ai, deepseek, cerebras) is
    probed the way sync reads it: ``base_url`` is then the root its path hangs from (default
    ``$MODELREG_SOURCE_<NAME>_URL`` in ``env``, else the real one). Any other platform record that sets
    ``features.openai_compatible`` and a ``base_url`` is read as an OpenAI-compatible server
    (``{base_url}/models``, Bearer key from its ``auth_env``). With ``platform`` None, ``base_url`` is an
    OpenAI-compatible base URL (``http://host:8000/v1``)."""
    import os

    from modelreg.sync.sources import location_of

    env = os.environ if env is None else env
    record = None if platform is None or isinstance(platform, str) else platform
    platform_id = platform if isinstance(platform, str) else (record.id if record is not None else "")
    auth_env = tuple(record.auth_env) if record is not None else ()
    dialect_class = _dialects().get(platform_id)
    if dialect_class is not None:
        source = dialect_class(location_of(dialect_class.name, base_url, env), http=_unused_http(), env={})
        keys = tuple(dict.fromkeys((dialect_class.key_env, *auth_env)))
        return ListEndpoint(platform_id, source.endpoint(dialect_class.path), keys, dialect_class.label, source)
    if record is not None and record.features.get("openai_compatible") and (base_url or record.base_url):
        base_url = base_url or record.base_url
    elif record is not None or platform_id:
        return None
    if not base_url:
        raise ValidationError("an OpenAI-compatible probe needs the server's base URL", [("base_url", "required")])
    _check_http(base_url)
    label = f"{platform_id or base_url}'s model list"
    return ListEndpoint(platform_id, base_url.rstrip("/") + "/models", auth_env, label, None)


def probe_models(
    platform: Platform | str | None,
    *,
    base_url: str | None = None,
    api_key: str = "",
    timeout: float = DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> ProbeResult:
    """GET ``platform``'s model list with ``api_key`` (see ``list_endpoint`` for ``platform`` and
    ``base_url``) and say whether it answered, how fast, and which model ids it lists (the first page).
    ``timeout``: seconds for connecting and for reading. A platform with no known list is a
    ValidationError; everything the server does is in the result."""
    endpoint = list_endpoint(platform, base_url=base_url, env=env)
    if endpoint is None:
        name = platform if isinstance(platform, str) else getattr(platform, "id", platform)
        raise ValidationError(
            f"no model-list endpoint is known for platform {name!r}",
            [("platform", f"one of {', '.join(sorted(_dialects()))}, or an OpenAI-compatible base_url")],
        )
    return probe_endpoint(endpoint, api_key=api_key, timeout=timeout)


def probe_endpoint(endpoint: ListEndpoint, *, api_key: str = "", timeout: float = DEFAULT_TIMEOUT) -> ProbeResult:
    """``probe_models`` for an endpoint already found."""
    _check_http(endpoint.url)
    answer, data = _send("GET", endpoint.url, headers=endpoint.headers(api_key), timeout=timeout, api_key=api_key)
    if not answer.ok:
        return answer
    try:
        ids = _model_ids(data)
    except ValueError as problem:
        return answer._replace(ok=False, error=f"{endpoint.url} did not answer with a model list: {problem}")
    return answer._replace(model_ids=ids)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An OpenAI-compatible chat API: ``base_url`` as an OpenAI client takes it (``http://host:8000/v1``)
    and the key sent as ``Authorization: Bearer`` (empty: none; None: not stated, so a caller that knows
    the platform reads its key variables, and ``chat`` sends none). The key is never shown in its repr."""

    base_url: str
    api_key: str | None = field(default=None, repr=False)

    def chat(self, model: str, *, timeout: float = 30.0, **request: Any) -> ProbeResult:
        """``probe_chat`` on this endpoint. A 400 that names ``max_tokens`` is asked once more with
        ``max_completion_tokens`` instead: OpenAI's reasoning models refuse ``max_tokens``
        (https://platform.openai.com/docs/guides/reasoning)."""
        key = self.api_key or ""
        found = probe_chat(self.base_url, key, model, timeout=timeout, **request)
        if found.status_code == 400 and "max_tokens" in (found.error or "") and "max_completion_tokens" not in request:
            limit = request.get("max_tokens", 1)
            found = probe_chat(
                self.base_url,
                key,
                model,
                timeout=timeout,
                **{**request, "max_tokens": None, "max_completion_tokens": limit},
            )
        return found


def chat_endpoint(
    platform: Platform | None,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Endpoint:
    """Where to send chat probes for ``platform``: ``base_url`` when given, else the platform's own
    ``base_url``; ``api_key`` when given, else the first of the platform's ``auth_env`` variables set in
    ``env`` (default ``os.environ``), else none. A platform whose requests are signed (AWS, Google Cloud,
    Azure AD) or that states no base URL needs ``base_url`` (and a key that the server takes as Bearer):
    a ValidationError says so."""
    import os

    env = os.environ if env is None else env
    name = platform.id if platform is not None else "the endpoint"
    if base_url is None:
        if platform is not None and platform.auth_type not in ("api_key", "none"):
            raise ValidationError(
                f"{name} signs its requests ({platform.auth_type}): a probe needs an OpenAI-compatible base URL",
                [("base_url", "an OpenAI-compatible gateway in front of it, e.g. http://host:4000/v1")],
            )
        if platform is None or not platform.base_url:
            raise ValidationError(
                f"{name} states no base URL for its OpenAI-compatible chat API: pass one",
                [("base_url", "e.g. http://host:8000/v1")],
            )
        base_url = platform.base_url
    _check_http(base_url)
    if api_key is None:
        variables = platform.auth_env if platform is not None else ()
        api_key = next((env.get(v, "").strip() for v in variables if env.get(v, "").strip()), "")
    return Endpoint(base_url.rstrip("/"), api_key)


def probe_chat(
    base_url: str,
    api_key: str,
    model: str,
    *,
    timeout: float = 30.0,
    **request: Any,
) -> ProbeResult:
    """POST one tiny OpenAI chat completion to ``{base_url}/chat/completions`` (``base_url`` as an OpenAI
    client takes it: ``https://api.openai.com/v1``): ``model``, one short user message, ``max_tokens`` 1.
    ``request`` adds or replaces fields of the body (``max_completion_tokens=1, max_tokens=None`` for a
    model that refuses ``max_tokens``; a None value leaves the field out). ``ok`` when a 2xx answer carries
    ``choices``; ``usage`` is its usage object, ``model_ids`` the model it names, ``message`` its first
    choice's message.

    With ``stream=True`` the answer must be a stream of server-sent events (``text/event-stream``, ``data:``
    lines up to ``[DONE]``) whose chunks carry ``choices``: ``chunks`` counts them, ``message`` is their
    deltas put together, ``usage`` the last one a chunk carried. A server that ignores ``stream`` and
    answers one JSON body is not ``ok``."""
    _check_http(base_url)
    body: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": "Say OK."}], "max_tokens": 1}
    body.update(request)
    body = {k: v for k, v in body.items() if v is not None}
    url = base_url.rstrip("/") + "/chat/completions"
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    streamed = body.get("stream") is True
    answer, data = _send("POST", url, headers=headers, timeout=timeout, api_key=api_key, body=body, raw=streamed)
    if not answer.ok:
        return answer
    if streamed:
        return _streamed(answer, data)
    if not isinstance(data, dict) or not isinstance(data.get("choices"), list) or not data["choices"]:
        return answer._replace(ok=False, error=f"{url} did not answer with a chat completion (no choices)")
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else None
    named = data.get("model")
    first = data["choices"][0]
    message = first.get("message") if isinstance(first, dict) and isinstance(first.get("message"), dict) else None
    return answer._replace(usage=usage, model_ids=(named,) if isinstance(named, str) and named else (), message=message)


# -- helpers ----------------------------------------------------------------------------------------------


def _dialects() -> dict[str, type[ModelList]]:
    """Our platform id -> the sync source class that reads that platform's model list."""
    from modelreg.sync.providers import PROVIDERS

    return {cls.platform: cls for cls in PROVIDERS}


def _unused_http() -> Any:
    """The sync source classes are made with an HTTP client; a probe only asks them for a URL and headers
    and sends its one request itself (no cache, no retries: a probe measures one attempt)."""
    from modelreg.sync.http import Http

    return Http(cache_dir=None)


def _streamed(answer: ProbeResult, data: tuple[str, bytes]) -> ProbeResult:
    """A streamed chat answer read: its events, their deltas put together."""
    url = answer.url
    content_type, content = data
    if not content_type.startswith("text/event-stream"):
        shown = content_type or "no content type"
        return answer._replace(ok=False, error=f"{url} answered one body ({shown}), not a stream of events")
    try:
        events = _events(content.decode("utf-8", "replace"))
    except ValueError as problem:
        return answer._replace(ok=False, error=f"{url} sent an event that is not JSON: {problem}")
    chunks = [e for e in events if isinstance(e, dict) and isinstance(e.get("choices"), list)]
    if not chunks:
        return answer._replace(ok=False, error=f"{url} sent a stream with no chunks of a chat completion")
    text: list[str] = []
    tool_calls: list[Any] = []
    usage = None
    for chunk in chunks:
        if isinstance(chunk.get("usage"), dict):
            usage = chunk["usage"]
        for choice in chunk["choices"]:
            delta = choice.get("delta") if isinstance(choice, dict) else None
            if isinstance(delta, dict):
                if isinstance(delta.get("content"), str):
                    text.append(delta["content"])
                if isinstance(delta.get("tool_calls"), list):
                    tool_calls += delta["tool_calls"]
    message: dict[str, Any] = {"role": "assistant", "content": "".join(text)}
    if tool_calls:
        message["tool_calls"] = tool_calls
    named = chunks[0].get("model")
    return answer._replace(
        usage=usage,
        model_ids=(named,) if isinstance(named, str) and named else (),
        message=message,
        chunks=len(chunks),
    )


def _events(text: str) -> list[Any]:
    """The JSON payloads of a server-sent event stream, up to ``[DONE]`` (``data:`` lines of one event are
    joined, other fields and comments skipped)."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line[5:].removeprefix(" ") for line in block.split("\n") if line.startswith("data:")]
        if not lines:
            continue
        payload = "\n".join(lines)
        if payload.strip() == "[DONE]":
            break
        events.append(json.loads(payload))
    return events


def _check_http(url: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise ValidationError(f"a probe needs an http(s) URL, not {url!r}", [("base_url", "http:// or https://")])


def _send(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    timeout: float,
    api_key: str,
    body: Any = None,
    raw: bool = False,
) -> tuple[ProbeResult, Any]:
    """One request: what it found, and the decoded JSON answer (None unless ``ok``); with ``raw``, the
    answer's (content type, bytes) instead."""
    import httpx

    started = time.perf_counter()
    try:
        with httpx.Client(timeout=httpx.Timeout(timeout), headers={"User-Agent": _user_agent()}) as client:
            response = client.request(method, url, headers=dict(headers), json=body)
            content = response.content
    except httpx.TimeoutException:
        return ProbeResult(False, None, _ms(started), f"{url} did not answer within {timeout:g} s", url=url), None
    except httpx.HTTPError as failed:
        reason = _masked(str(failed) or type(failed).__name__, api_key)
        return ProbeResult(False, None, _ms(started), f"{url} could not be reached: {reason}", url=url), None
    latency = _ms(started)
    status = response.status_code
    if not 200 <= status < 300:
        text = _masked(" ".join(_said(content).split()), api_key)[:_ERROR_CHARS]
        refused = " (the key was refused)" if status in (401, 403) else ""
        problem = f"{url} answered HTTP {status}{refused}" + (f": {text}" if text else "")
        return ProbeResult(False, status, latency, problem, url=url), None
    if raw:
        return ProbeResult(True, status, latency, None, url=url), (response.headers.get("content-type", ""), content)
    try:
        data = json.loads(content)
    except ValueError:
        return ProbeResult(
            False, status, latency, f"{url} answered HTTP {status} with a body that is not JSON", url=url
        ), None
    return ProbeResult(True, status, latency, None, url=url), data


def _said(content: bytes) -> str:
    """What an error answer says: the message of an OpenAI-style ``{"error": {"message"}}`` (or a bare
    ``error`` / ``message`` text), else the body as it came."""
    text = content.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        return text
    error = data.get("error") if isinstance(data, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    if not isinstance(message, str) and isinstance(data, dict):
        message = data.get("message")
    return message if isinstance(message, str) and message.strip() else text


def _model_ids(data: Any) -> tuple[str, ...]:
    """The ids a list names: OpenAI's ``{"data": [{"id"}]}``, Together's bare list, Gemini's
    ``{"models": [{"name": "models/…"}]}``."""
    entries = data if isinstance(data, list) else None
    if isinstance(data, dict):
        entries = data.get("data") if isinstance(data.get("data"), list) else data.get("models")
    if not isinstance(entries, list):
        raise ValueError("no list of models (expected a 'data' or 'models' list)")
    ids = []
    for entry in entries:
        if isinstance(entry, dict):
            name = entry.get("id") or entry.get("name")
            if isinstance(name, str) and name:
                ids.append(name.removeprefix("models/"))
    return tuple(ids)


def _masked(text: str, api_key: str) -> str:
    return text.replace(api_key, "***") if api_key and len(api_key) >= 4 else text


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _user_agent() -> str:
    from modelreg.sync.http import USER_AGENT

    return USER_AGENT
