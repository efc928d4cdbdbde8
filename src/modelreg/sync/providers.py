"""The model lists of the providers' own APIs -> SourceRecords, one small class per API dialect.

Each needs its key in the environment (``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``, ``GEMINI_API_KEY``,
``XAI_API_KEY``, ``MISTRAL_API_KEY``, ``GROQ_API_KEY``, ``TOGETHER_API_KEY``, ``FIREWORKS_API_KEY``,
``DEEPSEEK_API_KEY``, ``CEREBRAS_API_KEY``); without it the source is skipped (``SourceSkipped``). A
record's key and model string are the id the API lists (Gemini's without ``models/``); its
``upstream_provider`` is our platform id (``together_ai``, ``fireworks_ai``, …).

Facts are only what each list states:

* every list: ``lifecycle.release_date`` from ``created``/``created_at`` (when positive), and a
  ``size_b`` read from the name (``size_estimated``) where the API states none;
* Anthropic: ``display_name``;
* Gemini: ``display_name``, ``description``, ``limits`` (``inputTokenLimit`` -> ``max_input_tokens`` and
  ``context_window``, ``outputTokenLimit`` -> ``max_output_tokens``), ``capabilities`` (``chat`` and
  ``streaming`` for ``generateContent``, ``embedding`` for ``embedContent``, ``prompt_caching`` for
  ``createCachedContent``, ``batch`` for ``batchGenerateContent``, ``reasoning`` for ``thinking``),
  ``parameters.temperature`` (0 to ``maxTemperature``); models that neither generate content nor embed
  (Imagen, Veo, AQA) are left out, with a note;
* Mistral: ``description``, ``limits.context_window`` (``max_context_length``), ``capabilities``
  (``completion_chat``, ``completion_fim``, ``function_calling``, ``vision``, ``fine_tuning``),
  ``modalities_in``, ``lifecycle.deprecation_date`` (``deprecation``), fine-tunes' ``tags``/``base_model``;
* Groq: ``limits`` (``context_window``, ``max_completion_tokens``);
* Together: ``display_name``, ``limits.context_window``, ``capabilities`` from ``type``, ``pricing``
  (``input``/``output``, already USD per 1M; a price of 0 for both is a model not billed per token —
  dedicated-only or an image model — and is left out);
* Fireworks: ``limits.context_window``, ``capabilities`` from ``supports_chat``/``supports_tools``/
  ``supports_image_input``, where the list states them.

Not mapped (no fact the merge reads): ``owned_by``; Mistral's ``aliases``, ``name``,
``deprecation_replacement_model`` (a Mistral name, not our model id), ``default_model_temperature``;
Groq's ``active``; Together's ``organization``, ``license``, ``link``; Gemini's ``version``,
``topP``/``topK``; Fireworks' ``kind``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from modelreg.errors import SourceError
from modelreg.sync.records import SourceRecord, decimal
from modelreg.sync.upstream import Upstream, add_size, obj, positive_int, release_date

_MAX_PAGES = 100  # a list that never ends is a broken API, not a big one


class ModelList(Upstream):
    """An OpenAI-compatible ``GET …/models``: ``{"object": "list", "data": [{"id", "created", …}]}``,
    read with ``Authorization: Bearer $KEY``. Subclasses set the class attributes and may add facts."""

    platform: ClassVar[str]
    path: ClassVar[str] = "/v1/models"
    key_env: ClassVar[str]
    label: ClassVar[str]  # "OpenAI's model list", for messages
    optional: ClassVar[tuple[str, ...]] = ()  # fields every entry should state (a note when none does)

    def read(self) -> list[SourceRecord]:
        key = self.api_key(self.key_env, self.label)
        url = self.endpoint(self.path)
        entries = list(self.list_entries(url, key))
        self.note_missing(entries, self.optional)
        return [self.record(entry) for entry in entries]

    def headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"} if key else {}

    def list_entries(self, url: str, key: str) -> Iterator[dict[str, Any]]:
        data = self.get_json(url, headers=self.headers(key), key_env=self.key_env)
        yield from self.entries(self.expect(data, "data", list, url), url)

    def record(self, entry: dict[str, Any]) -> SourceRecord:
        model = self.model_string(entry)
        return SourceRecord(
            source=self.name,
            key=model,
            upstream_provider=self.platform,
            model_string=model,
            as_of="",
            facts=self.facts(entry),
        )

    def model_string(self, entry: dict[str, Any]) -> str:
        return str(entry["id"])

    def facts(self, entry: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        lifecycle = release_date(entry.get("created"))
        if lifecycle:
            out["lifecycle"] = lifecycle
        add_size(out, self.model_string(entry).rpartition("/")[2])
        return out


class OpenAISource(ModelList):
    name, platform, key_env, label = "openai", "openai", "OPENAI_API_KEY", "OpenAI's model list"
    default_url = "https://api.openai.com"


class XAISource(ModelList):
    name, platform, key_env, label = "xai", "xai", "XAI_API_KEY", "xAI's model list"
    default_url = "https://api.x.ai"


class DeepSeekSource(ModelList):
    name, platform, key_env, label = "deepseek", "deepseek", "DEEPSEEK_API_KEY", "DeepSeek's model list"
    default_url = "https://api.deepseek.com"
    path = "/models"


class CerebrasSource(ModelList):
    name, platform, key_env, label = "cerebras", "cerebras", "CEREBRAS_API_KEY", "Cerebras' model list"
    default_url = "https://api.cerebras.ai"


class GroqSource(ModelList):
    name, platform, key_env, label = "groq", "groq", "GROQ_API_KEY", "Groq's model list"
    default_url = "https://api.groq.com"
    path = "/openai/v1/models"
    optional = ("context_window",)

    def facts(self, entry: dict[str, Any]) -> dict[str, Any]:
        out = super().facts(entry)
        _limits(out, context_window=entry.get("context_window"), max_output_tokens=entry.get("max_completion_tokens"))
        return out


class FireworksSource(ModelList):
    name, platform, key_env, label = "fireworks", "fireworks_ai", "FIREWORKS_API_KEY", "Fireworks' model list"
    default_url = "https://api.fireworks.ai"
    path = "/inference/v1/models"

    def facts(self, entry: dict[str, Any]) -> dict[str, Any]:
        out = super().facts(entry)
        _limits(out, context_window=entry.get("context_length"))
        flags = {
            "supports_chat": ("chat", "streaming"),
            "supports_tools": ("tools",),
            "supports_image_input": ("vision",),
        }
        if any(isinstance(entry.get(flag), bool) for flag in flags):
            out["capabilities"] = {cap for flag, caps in flags.items() if entry.get(flag) is True for cap in caps}
            if entry.get("supports_image_input") is True:
                out["modalities_in"] = ["text", "image"]
        return out


class MistralSource(ModelList):
    name, platform, key_env, label = "mistral", "mistral", "MISTRAL_API_KEY", "Mistral's model list"
    default_url = "https://api.mistral.ai"
    optional = ("max_context_length", "capabilities")
    _FLAGS: ClassVar[dict[str, tuple[str, ...]]] = {
        "completion_chat": ("chat", "streaming"),
        "completion_fim": ("completion",),
        "function_calling": ("tools",),
        "vision": ("vision",),
        "fine_tuning": ("fine_tuning",),
    }

    def facts(self, entry: dict[str, Any]) -> dict[str, Any]:
        out = super().facts(entry)
        if isinstance(entry.get("description"), str) and entry["description"]:
            out["description"] = entry["description"]
        _limits(out, context_window=entry.get("max_context_length"))
        flags = entry.get("capabilities")
        if isinstance(flags, dict):
            out["capabilities"] = {cap for flag, caps in self._FLAGS.items() if flags.get(flag) is True for cap in caps}
            if flags.get("vision") is True:
                out["modalities_in"] = ["text", "image"]
        deprecation = release_date(entry.get("deprecation"))
        if deprecation:
            out.setdefault("lifecycle", {})["deprecation_date"] = deprecation["release_date"]
        if entry.get("type") == "fine-tuned":
            out["tags"] = ["fine-tuned"]
            if isinstance(entry.get("root"), str) and entry["root"]:
                out["base_model"] = entry["root"]
        return out


class TogetherSource(ModelList):
    """Together's ``/v1/models``: a bare JSON array (an object with ``data`` is read too)."""

    name, platform, key_env, label = "together", "together_ai", "TOGETHER_API_KEY", "Together's model list"
    default_url = "https://api.together.xyz"
    optional = ("context_length", "pricing", "type")
    _TYPES: ClassVar[dict[str, tuple[str, ...]]] = {
        "chat": ("chat", "streaming"),
        "language": ("completion", "streaming"),
        "code": ("completion", "streaming"),
        "embedding": ("embedding",),
        "rerank": ("rerank",),
        "image": ("image_generation",),
    }

    def list_entries(self, url: str, key: str) -> Iterator[dict[str, Any]]:
        data = self.get_json(url, headers=self.headers(key), key_env=self.key_env)
        items = data if isinstance(data, list) else self.expect(data, "data", list, url)
        yield from self.entries(items, url)

    def facts(self, entry: dict[str, Any]) -> dict[str, Any]:
        out = super().facts(entry)
        if isinstance(entry.get("display_name"), str) and entry["display_name"]:
            out["display_name"] = entry["display_name"]
        _limits(out, context_window=entry.get("context_length"))
        kind = entry.get("type")
        if kind in self._TYPES:
            out["capabilities"] = set(self._TYPES[kind])
        if kind == "image":
            out["modalities_out"] = ["image"]
        prices = obj(entry.get("pricing"))
        pricing = {k: decimal(prices.get(k)) for k in ("input", "output") if isinstance(prices.get(k), int | float)}
        if any(pricing.values()):
            out["pricing"] = pricing
        return out


class AnthropicSource(ModelList):
    """Anthropic's ``/v1/models``, a page at a time (``has_more``/``last_id`` -> ``after_id``)."""

    name, platform, key_env, label = "anthropic", "anthropic", "ANTHROPIC_API_KEY", "Anthropic's model list"
    default_url = "https://api.anthropic.com"
    optional = ("display_name", "created_at")
    VERSION = "2023-06-01"

    def headers(self, key: str) -> dict[str, str]:
        return {"x-api-key": key, "anthropic-version": self.VERSION} if key else {}

    def list_entries(self, url: str, key: str) -> Iterator[dict[str, Any]]:
        params: dict[str, str | int] = {"limit": 1000}
        for _ in range(_MAX_PAGES):
            data = self.get_json(url, headers=self.headers(key), params=params, key_env=self.key_env)
            yield from self.entries(self.expect(data, "data", list, url), url)
            last = data.get("last_id")
            if self.from_file or data.get("has_more") is not True or not isinstance(last, str) or not last:
                return
            params = {"limit": 1000, "after_id": last}
        raise SourceError(self.name, f"{url} kept answering has_more after {_MAX_PAGES} pages")

    def facts(self, entry: dict[str, Any]) -> dict[str, Any]:
        out = super().facts(entry)
        if isinstance(entry.get("display_name"), str) and entry["display_name"]:
            out["display_name"] = entry["display_name"]
        lifecycle = release_date(entry.get("created_at"))
        if lifecycle:
            out["lifecycle"] = lifecycle
        return out


class GeminiSource(ModelList):
    """The Gemini API's ``/v1beta/models``, a page at a time (``nextPageToken`` -> ``pageToken``)."""

    name, platform, key_env, label = "gemini", "gemini", "GEMINI_API_KEY", "the Gemini API's model list"
    default_url = "https://generativelanguage.googleapis.com"
    path = "/v1beta/models"
    optional = ("displayName", "inputTokenLimit", "outputTokenLimit")
    _METHODS: ClassVar[dict[str, tuple[str, ...]]] = {
        "generateContent": ("chat", "streaming"),
        "embedContent": ("embedding",),
        "createCachedContent": ("prompt_caching",),
        "batchGenerateContent": ("batch",),
    }

    def headers(self, key: str) -> dict[str, str]:
        return {"x-goog-api-key": key} if key else {}

    def list_entries(self, url: str, key: str) -> Iterator[dict[str, Any]]:
        params: dict[str, str | int] = {"pageSize": 1000}
        left_out: list[str] = []
        for _ in range(_MAX_PAGES):
            data = self.get_json(url, headers=self.headers(key), params=params, key_env=self.key_env)
            for entry in self.entries(self.expect(data, "models", list, url), url, id_field="name"):
                methods = entry.get("supportedGenerationMethods") or ()
                if "generateContent" in methods or "embedContent" in methods:
                    yield entry
                else:
                    left_out.append(self.model_string(entry))
            token = data.get("nextPageToken")
            if self.from_file or not isinstance(token, str) or not token:
                break
            params = {"pageSize": 1000, "pageToken": token}
        else:
            raise SourceError(self.name, f"{url} kept answering nextPageToken after {_MAX_PAGES} pages")
        if left_out:
            self.notes.append(
                f"left out {len(left_out)} model(s) that neither generate content nor embed: {', '.join(left_out)}"
            )

    def model_string(self, entry: dict[str, Any]) -> str:
        return str(entry["name"]).removeprefix("models/")

    def facts(self, entry: dict[str, Any]) -> dict[str, Any]:
        out = super().facts(entry)
        for field, key in (("displayName", "display_name"), ("description", "description")):
            if isinstance(entry.get(field), str) and entry[field]:
                out[key] = entry[field]
        context = positive_int(entry.get("inputTokenLimit"))
        _limits(out, context_window=context, max_input_tokens=context, max_output_tokens=entry.get("outputTokenLimit"))
        methods = entry.get("supportedGenerationMethods") or ()
        capabilities = {cap for method, caps in self._METHODS.items() if method in methods for cap in caps}
        if entry.get("thinking") is True:
            capabilities.add("reasoning")
        out["capabilities"] = capabilities
        top = entry.get("maxTemperature")
        if isinstance(top, int | float) and not isinstance(top, bool):
            out["parameters"] = {"temperature": {"supported": True, "min": 0, "max": top}}
        return out


def _limits(out: dict[str, Any], **limits: Any) -> None:
    stated = {name: value for name, raw in limits.items() if (value := positive_int(raw)) is not None}
    if stated:
        out["limits"] = stated


PROVIDERS: tuple[type[ModelList], ...] = (
    OpenAISource,
    AnthropicSource,
    GeminiSource,
    XAISource,
    MistralSource,
    GroqSource,
    TogetherSource,
    FireworksSource,
    DeepSeekSource,
    CerebrasSource,
)
