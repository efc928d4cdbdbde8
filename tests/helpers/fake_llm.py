"""A fake OpenAI-compatible LLM server: a real HTTP server on 127.0.0.1, for probes, health checks,
auto-registration and verification tests.

    with fake_llm(models=("gpt-test", "gpt-test-mini"), api_key="sk-test") as llm:
        llm.base_url      # http://127.0.0.1:PORT              (what $MODELREG_SOURCE_<NAME>_URL takes)
        llm.openai_base   # http://127.0.0.1:PORT/v1           (what an OpenAI client takes as base_url)
        llm.fail(Failure(500))                 # the next request gets a 500, then it answers again
        llm.fail_always(Failure(timeout=True))  # every request hangs until the client gives up
        llm.recover()                          # answer normally again
        llm.seen                               # every request: method, path, headers, JSON body, status

It speaks:

* ``GET …/models`` (any path ending in ``/models``: ``/v1/models``, ``/openai/v1/models``,
  ``/inference/v1/models``, ``/v1beta/models``): ``{"object": "list", "data": [{"id", "object": "model",
  "created", "owned_by"}]}``.
* ``POST …/chat/completions``: an OpenAI chat completion of the model asked for, answering ``content``
  (cut to ``max_tokens`` / ``max_completion_tokens`` words), with ``usage`` (``prompt_tokens``: the
  words in the messages, ``completion_tokens``, ``total_tokens``). A model it does not serve is a 404
  ``model_not_found``, a body that is not JSON or has no messages a 400. What a request asks for is
  answered as OpenAI does:

  * ``stream: true``: server-sent events (``text/event-stream``): a role chunk, one chunk per word, a
    finish chunk, a usage chunk when ``stream_options.include_usage``, then ``data: [DONE]``;
  * ``tools``: a ``tool_calls`` answer calling the tool ``tool_choice`` names (else the first), its
    arguments a JSON object with a sample value for each required property;
  * ``response_format`` ``json_object`` / ``json_schema``: ``json_content`` as the content;
  * image parts (``{"type": "image_url", "image_url": {"url": "data:image/png;base64,…"}}``): each must
    be a base64 data URL of an image (or an http(s) URL), else a 400.

  ``unsupported`` names features (``streaming``, ``tools``, ``json_mode``, ``vision``) refused with a 400
  naming them, as a model without them is; ``ignored`` names features answered as if not asked (a
  server that drops ``stream``, ``tools`` or ``response_format`` without a word).

With ``api_key`` set, a request must carry it — as ``Authorization: Bearer``, ``x-api-key`` (Anthropic)
or ``x-goog-api-key`` (Gemini) — or gets a 401 in OpenAI's error shape. Anything else is a 404.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class Failure:
    """One answer in place of the normal one: ``status`` with an OpenAI-shaped error body (``message``),
    or, with ``timeout``, no answer for ``hang`` seconds (longer than the client waits) and then none."""

    status: int = 500
    message: str = "the server had an error while processing your request"
    timeout: bool = False
    hang: float = 5.0


@dataclass(slots=True)
class Request:
    """One request the server received, and the status it answered (0: it never answered)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any  # the JSON body, None when there was none (or it was not JSON)
    status: int = 0


@dataclass
class FakeLLM:
    """The server's state: what it serves, how it fails, what it saw. Change it while it runs."""

    models: tuple[str, ...] = ("gpt-test",)
    api_key: str | None = None
    content: str = "OK"
    owned_by: str = "fake"
    base_url: str = ""
    json_content: str = '{"ok": true}'  # the content of an answer in JSON mode
    unsupported: set[str] = field(default_factory=set)  # features refused with a 400
    ignored: set[str] = field(default_factory=set)  # features answered as if not asked
    seen: list[Request] = field(default_factory=list)
    _queued: list[Failure] = field(default_factory=list)
    _always: Failure | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _closed: threading.Event = field(default_factory=threading.Event)  # cuts a hang short at shutdown

    @property
    def openai_base(self) -> str:
        """The base URL an OpenAI client takes: ``{base_url}/v1``."""
        return f"{self.base_url}/v1"

    def fail(self, *failures: Failure) -> None:
        """Answer the next requests with ``failures``, one each, then normally again."""
        with self._lock:
            self._queued.extend(failures)

    def fail_always(self, failure: Failure) -> None:
        """Answer every request with ``failure`` until ``recover()``."""
        with self._lock:
            self._always = failure

    def recover(self) -> None:
        """Forget every failure: answer normally from now on."""
        with self._lock:
            self._queued.clear()
            self._always = None

    def requests_to(self, suffix: str) -> list[Request]:
        """The requests whose path ends with ``suffix`` (``"/models"``, ``"/chat/completions"``)."""
        return [r for r in self.seen if r.path.endswith(suffix)]

    # -- answering ------------------------------------------------------------------------------------------

    def answer(self, request: Request) -> tuple[int, dict[str, Any] | Events | None, Failure | None]:
        """(status, JSON body or the events of a stream, the failure to act out) for one request."""
        with self._lock:
            self.seen.append(request)
            failure = self._queued.pop(0) if self._queued else self._always
        if failure is not None:
            return failure.status, _error(failure.message, "server_error"), failure
        if self.api_key is not None and self.api_key not in _keys(request.headers):
            return 401, _error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"), None
        if request.method == "GET" and request.path.endswith("/models"):
            return 200, self._model_list(), None
        if request.method == "POST" and request.path.endswith("/chat/completions"):
            return self._completion(request.body)
        return 404, _error(f"no route {request.method} {request.path}", "invalid_request_error"), None

    def _model_list(self) -> dict[str, Any]:
        return {
            "object": "list",
            "data": [
                {"id": m, "object": "model", "created": 1_700_000_000 + i, "owned_by": self.owned_by}
                for i, m in enumerate(self.models)
            ],
        }

    def _completion(self, body: Any) -> tuple[int, dict[str, Any] | Events | None, None]:
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or not body["messages"]:
            return 400, _error("'messages' is required", "invalid_request_error"), None
        model = body.get("model")
        if model not in self.models:
            message = f"The model `{model}` does not exist or you do not have access to it."
            return 404, _error(message, "invalid_request_error", "model_not_found"), None
        asked = _features(body)
        refused = sorted(asked & self.unsupported)
        if refused:
            message = f"This model does not support {', '.join(FEATURE_NAMES[f] for f in refused)}."
            return 400, _error(message, "invalid_request_error", "unsupported_feature"), None
        used = asked - self.ignored
        if "vision" in used:
            bad = _bad_image(body["messages"])
            if bad:
                return 400, _error(f"Invalid image: {bad}", "invalid_request_error", "invalid_image"), None
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        full = (self.json_content if "json_mode" in used else self.content).split()
        words = full[:limit] if isinstance(limit, int) and limit > 0 else full
        prompt = sum(len(_text(m.get("content")).split()) for m in body["messages"] if isinstance(m, dict))
        reply: dict[str, Any] = {"role": "assistant", "content": " ".join(words)}
        finish = "length" if len(words) < len(full) else "stop"
        if "tools" in used:
            reply = {"role": "assistant", "content": None, "tool_calls": [_tool_call(body)]}
            finish = "tool_calls"
        usage = {"prompt_tokens": prompt, "completion_tokens": len(words), "total_tokens": prompt + len(words)}
        if "streaming" in used:
            with_usage = isinstance(body.get("stream_options"), dict) and body["stream_options"].get("include_usage")
            return 200, _stream(model, reply, finish, usage if with_usage else None), None
        return (
            200,
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "message": reply, "finish_reason": finish}],
                "usage": usage,
            },
            None,
        )


class Events(list[dict[str, Any]]):
    """The chunks of a streamed answer, sent as server-sent events and closed with ``data: [DONE]``."""


FEATURE_NAMES = {
    "streaming": "streaming",
    "tools": "tools (function calling)",
    "json_mode": "response_format (JSON mode)",
    "vision": "image input",
}


def _features(body: dict[str, Any]) -> set[str]:
    """The features a chat request asks for, by the names of ``modelreg.schema.Capability``."""
    asked = set()
    if body.get("stream") is True:
        asked.add("streaming")
    if body.get("tools"):
        asked.add("tools")
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") in ("json_object", "json_schema"):
        asked.add("json_mode")
    if _images(body["messages"]):
        asked.add("vision")
    return asked


def _images(messages: list[Any]) -> list[Any]:
    return [
        part.get("image_url")
        for m in messages
        if isinstance(m, dict) and isinstance(m.get("content"), list)
        for part in m["content"]
        if isinstance(part, dict) and part.get("type") == "image_url"
    ]


def _bad_image(messages: list[Any]) -> str | None:
    """Why an image part is not an image (None when every one is)."""
    for image in _images(messages):
        url = image.get("url") if isinstance(image, dict) else image
        if not isinstance(url, str):
            return "image_url.url is required"
        if url.startswith(("http://", "https://")):
            continue
        head, _, data = url.partition(",")
        if not head.startswith("data:image/") or not head.endswith(";base64"):
            return "expected a base64 data URL of an image"
        try:
            decoded = base64.b64decode(data, validate=True)
        except binascii.Error:
            return "the data URL is not valid base64"
        if not decoded.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8", b"RIFF")):
            return "the data is not a PNG, JPEG, GIF or WebP image"
    return None


def _text(content: Any) -> str:
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return str(content or "")


def _tool_call(body: dict[str, Any]) -> dict[str, Any]:
    tools = [t.get("function") or {} for t in body["tools"] if isinstance(t, dict)]
    choice = body.get("tool_choice")
    named = choice.get("function", {}).get("name") if isinstance(choice, dict) else None
    tool = next((t for t in tools if t.get("name") == named), tools[0] if tools else {})
    schema = tool.get("parameters") or {}
    properties = schema.get("properties") or {}
    samples = {"string": "x", "integer": 1, "number": 1, "boolean": True, "array": [], "object": {}}
    arguments = {name: samples.get(properties.get(name, {}).get("type"), "x") for name in schema.get("required", [])}
    return {
        "id": "call_fake",
        "type": "function",
        "function": {"name": tool.get("name", ""), "arguments": json.dumps(arguments)},
    }


def _stream(model: str, reply: dict[str, Any], finish: str, usage: dict[str, Any] | None) -> Events:
    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }

    events = Events([chunk({"role": "assistant", "content": ""})])
    if reply.get("tool_calls"):
        events.append(chunk({"tool_calls": [{"index": 0, **call} for call in reply["tool_calls"]]}))
    words = (reply.get("content") or "").split()
    events += [chunk({"content": word if n == 0 else f" {word}"}) for n, word in enumerate(words)]
    events.append(chunk({}, finish))
    if usage is not None:
        events.append({**chunk({}), "choices": [], "usage": usage})
    return events


def _keys(headers: Mapping[str, str]) -> set[str]:
    bearer = headers.get("authorization", "")
    return {
        bearer.removeprefix("Bearer ").strip(),
        headers.get("x-api-key", ""),
        headers.get("x-goog-api-key", ""),
    } - {""}


def _error(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


@contextmanager
def fake_llm(
    *,
    models: tuple[str, ...] = ("gpt-test",),
    api_key: str | None = None,
    content: str = "OK",
    unsupported: Iterable[str] = (),
    ignored: Iterable[str] = (),
) -> Iterator[FakeLLM]:
    """A ``FakeLLM`` listening on 127.0.0.1 (``base_url``) for the length of the block."""
    llm = FakeLLM(models=models, api_key=api_key, content=content, unsupported=set(unsupported), ignored=set(ignored))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = Request(self.command, urlsplit(self.path).path, headers, body)
            status, data, failure = llm.answer(request)
            if failure is not None and failure.timeout:
                llm._closed.wait(failure.hang)  # the client has given up by now
                self.close_connection = True
                return
            request.status = status
            if isinstance(data, Events):
                kind = "text/event-stream"
                payload = b"".join(f"data: {json.dumps(e)}\n\n".encode() for e in data) + b"data: [DONE]\n\n"
            else:
                kind, payload = "application/json", json.dumps(data).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass

        do_GET = do_POST = _handle

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    llm.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield llm
    finally:
        llm._closed.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def add_gpu_box(reg: Any, llm: FakeLLM, *, platform: str = "gpu-box", key_env: str = "GPU_BOX_KEY") -> str:
    """Store a platform of our own in ``reg``: an OpenAI-compatible server (``llm``) whose key is in
    ``$key_env``. Returns its id."""
    reg.create(
        "platform",
        {
            "id": platform,
            "name": "Our GPU box",
            "kind": "local",
            "base_url": llm.openai_base,
            "auth_env": [key_env],
            "features": {"openai_compatible": True},
        },
        actor="alice",
    )
    return platform
