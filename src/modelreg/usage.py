"""Usage objects from provider responses -> modelreg's token counts.

modelreg's convention: ``input_tokens`` counts every prompt token (cache reads and writes, audio included),
``output_tokens`` every generated token (reasoning, audio and image output included); the other counts
are subsets of those two. Providers count differently:
  * OpenAI chat completions (and Mistral, DeepSeek, OpenRouter, which speak it): ``prompt_tokens``
    includes ``prompt_tokens_details.cached_tokens`` and ``.cache_write_tokens`` (Mistral's
    ``num_cached_tokens``, DeepSeek's ``prompt_cache_hit_tokens``); ``completion_tokens`` includes
    ``completion_tokens_details.reasoning_tokens`` and ``.audio_tokens``.
  * OpenAI responses: ``input_tokens`` includes ``input_tokens_details.cached_tokens`` and
    ``.cache_write_tokens``; ``output_tokens`` includes ``output_tokens_details.reasoning_tokens`` and
    ``.image_tokens`` (image generation).
  * Anthropic messages: ``input_tokens`` EXCLUDES ``cache_read_input_tokens`` and
    ``cache_creation_input_tokens``, which are added here; ``cache_creation`` splits the writes into
    ``ephemeral_5m_input_tokens`` and ``ephemeral_1h_input_tokens``; ``server_tool_use.web_search_requests``
    counts web searches.
  * Bedrock Converse: ``inputTokens`` EXCLUDES ``cacheReadInputTokens`` and ``cacheWriteInputTokens``
    (as Anthropic's); ``cacheDetails`` gives the writes per TTL (``5m`` / ``1h``).
  * Gemini: ``promptTokenCount`` includes ``cachedContentTokenCount`` but not
    ``toolUsePromptTokenCount``, which is added (billed as input); ``candidatesTokenCount`` EXCLUDES
    ``thoughtsTokenCount``, which is added. ``promptTokensDetails`` / ``candidatesTokensDetails`` /
    ``cacheTokensDetails`` give tokens per modality: AUDIO is billed at the audio price (cached audio at the
    cache price), an IMAGE candidate at the generated-image price; TEXT, IMAGE, VIDEO and DOCUMENT prompt
    tokens are input. Both camelCase and snake_case are read.

A field a shape does not know is never dropped silently: its path comes back in ``Usage.unread`` (and
then in ``Cost.unread``), as does a service tier that is not priced here (Anthropic's ``priority``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from modelreg.errors import ValidationError


class Usage(NamedTuple):
    """A usage object read: the counts ``Registry.cost`` takes, and the fields that were not understood."""

    shape: str
    counts: dict[str, int]
    unread: tuple[str, ...] = ()


# Per shape, every field it may carry: a nested mapping lists its own fields; None marks a leaf.
_CHAT_KNOWN: dict[str, Any] = {
    "prompt_tokens": None,
    "completion_tokens": None,
    "total_tokens": None,
    "prompt_tokens_details": {
        "cached_tokens": None,
        "cache_write_tokens": None,
        "audio_tokens": None,
        "text_tokens": None,
        "image_tokens": None,
    },
    "completion_tokens_details": {
        "reasoning_tokens": None,
        "audio_tokens": None,
        "accepted_prediction_tokens": None,  # predicted outputs: part of completion_tokens, billed as output
        "rejected_prediction_tokens": None,
        "text_tokens": None,
    },
    "num_cached_tokens": None,  # Mistral
    "prompt_cache_hit_tokens": None,  # DeepSeek: the cache hits among prompt_tokens
    "prompt_cache_miss_tokens": None,
}
_RESPONSES_KNOWN: dict[str, Any] = {
    "input_tokens": None,
    "output_tokens": None,
    "total_tokens": None,
    "input_tokens_details": {
        "cached_tokens": None,
        "cache_write_tokens": None,
        "text_tokens": None,
        "image_tokens": None,
    },
    "output_tokens_details": {"reasoning_tokens": None, "image_tokens": None, "text_tokens": None},
}
_ANTHROPIC_KNOWN: dict[str, Any] = {
    "input_tokens": None,
    "output_tokens": None,
    "cache_read_input_tokens": None,
    "cache_creation_input_tokens": None,
    "cache_creation": {"ephemeral_5m_input_tokens": None, "ephemeral_1h_input_tokens": None},
    "server_tool_use": {"web_search_requests": None, "web_fetch_requests": None},  # fetches cost no fee
    "service_tier": None,
}
_BEDROCK_KNOWN: dict[str, Any] = {
    "inputTokens": None,
    "outputTokens": None,
    "totalTokens": None,
    "cacheReadInputTokens": None,
    "cacheWriteInputTokens": None,
    "cacheDetails": None,
}
_GEMINI_FIELDS = (
    "promptTokenCount",
    "candidatesTokenCount",
    "totalTokenCount",
    "thoughtsTokenCount",
    "cachedContentTokenCount",
    "toolUsePromptTokenCount",
    "promptTokensDetails",
    "candidatesTokensDetails",
    "cacheTokensDetails",
    "toolUsePromptTokensDetails",
    "trafficType",
)
_GEMINI_KNOWN: dict[str, Any] = {name: None for name in _GEMINI_FIELDS} | {
    "".join("_" + c.lower() if c.isupper() else c for c in name): None for name in _GEMINI_FIELDS
}
_GEMINI_MODALITIES = {"TEXT", "IMAGE", "VIDEO", "AUDIO", "DOCUMENT", "MODALITY_UNSPECIFIED"}
_STANDARD_TIERS = {None, "standard", "default", "auto"}


def normalize(usage: Mapping[str, Any]) -> Usage:
    """Token counts in modelreg's convention from a provider's usage dict (OpenAI chat or responses,
    Anthropic, Gemini, Bedrock Converse, Mistral, DeepSeek), with the fields it could not read."""
    if not isinstance(usage, Mapping):
        raise ValidationError("usage must be a mapping (a provider response's usage object as a dict)")
    if "inputTokens" in usage or "outputTokens" in usage:
        return _bedrock(usage)
    if any(
        k in usage for k in ("promptTokenCount", "prompt_token_count", "candidatesTokenCount", "candidates_token_count")
    ):
        return _gemini(usage)
    if "prompt_tokens" in usage or "completion_tokens" in usage:
        return _openai_chat(usage)
    if any(k in usage for k in ("cache_read_input_tokens", "cache_creation_input_tokens", "cache_creation")) or any(
        k in usage for k in ("server_tool_use", "service_tier")
    ):
        return _anthropic(usage)
    if "input_tokens" in usage:
        # OpenAI responses and Anthropic messages share the field names; without cache fields the counts agree
        return _openai_responses(usage)
    raise ValidationError(
        "unrecognised usage object",
        [
            (
                "usage",
                "expected OpenAI (prompt_tokens / input_tokens), Anthropic, Gemini (promptTokenCount) or Bedrock "
                "Converse (inputTokens) fields",
            )
        ],
    )


def _get(usage: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if name in usage and usage[name] is not None:
            return usage[name]
    return None


def _count(value: Any, field: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError("bad token count in usage", [(field, f"expected a whole number >= 0, got {value!r}")])
    return value


def _details(value: Any, field: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError("bad usage details", [(field, f"expected an object, got {value!r}")])
    return value


def _unread(usage: Mapping[str, Any], known: dict[str, Any], prefix: str = "") -> list[str]:
    """Paths of the fields of ``usage`` that ``known`` does not list, where they say anything (not 0 or empty)."""
    out = []
    for name, value in usage.items():
        path = f"{prefix}{name}"
        if name not in known:
            if value not in (None, 0, "", {}, [], False):
                out.append(path)
        elif isinstance(known[name], dict) and isinstance(value, Mapping):
            out += _unread(value, known[name], f"{path}.")
    return out


def _tier(usage: Mapping[str, Any]) -> list[str]:
    tier = usage.get("service_tier")
    return [] if tier in _STANDARD_TIERS else [f"service_tier={tier}"]  # priority and flex prices are not modelled


def _openai_chat(usage: Mapping[str, Any]) -> Usage:
    prompt = _details(usage.get("prompt_tokens_details"), "prompt_tokens_details")
    completion = _details(usage.get("completion_tokens_details"), "completion_tokens_details")
    cached = _count(prompt.get("cached_tokens"), "prompt_tokens_details.cached_tokens")
    cached = cached or _count(usage.get("num_cached_tokens"), "num_cached_tokens")
    cached = cached or _count(usage.get("prompt_cache_hit_tokens"), "prompt_cache_hit_tokens")
    counts = {
        "input_tokens": _count(usage.get("prompt_tokens"), "prompt_tokens"),
        "output_tokens": _count(usage.get("completion_tokens"), "completion_tokens"),
        "cache_read_tokens": cached,
        "cache_write_tokens": _count(prompt.get("cache_write_tokens"), "prompt_tokens_details.cache_write_tokens"),
        "audio_input_tokens": _count(prompt.get("audio_tokens"), "prompt_tokens_details.audio_tokens"),
        "reasoning_tokens": _count(completion.get("reasoning_tokens"), "completion_tokens_details.reasoning_tokens"),
        "audio_output_tokens": _count(completion.get("audio_tokens"), "completion_tokens_details.audio_tokens"),
    }
    return Usage("openai chat", counts, tuple(_unread(usage, _CHAT_KNOWN)))


def _openai_responses(usage: Mapping[str, Any]) -> Usage:
    inputs = _details(usage.get("input_tokens_details"), "input_tokens_details")
    outputs = _details(usage.get("output_tokens_details"), "output_tokens_details")
    counts = {
        "input_tokens": _count(usage.get("input_tokens"), "input_tokens"),
        "output_tokens": _count(usage.get("output_tokens"), "output_tokens"),
        "cache_read_tokens": _count(inputs.get("cached_tokens"), "input_tokens_details.cached_tokens"),
        "cache_write_tokens": _count(inputs.get("cache_write_tokens"), "input_tokens_details.cache_write_tokens"),
        "reasoning_tokens": _count(outputs.get("reasoning_tokens"), "output_tokens_details.reasoning_tokens"),
        "image_output_tokens": _count(outputs.get("image_tokens"), "output_tokens_details.image_tokens"),
    }
    return Usage("openai responses", counts, tuple(_unread(usage, _RESPONSES_KNOWN)))


def _anthropic(usage: Mapping[str, Any]) -> Usage:
    read = _count(usage.get("cache_read_input_tokens"), "cache_read_input_tokens")
    creation = _details(usage.get("cache_creation"), "cache_creation")
    one_hour = _count(creation.get("ephemeral_1h_input_tokens"), "cache_creation.ephemeral_1h_input_tokens")
    five_minutes = _count(creation.get("ephemeral_5m_input_tokens"), "cache_creation.ephemeral_5m_input_tokens")
    # cache_creation_input_tokens is the sum of both lifetimes; an object may carry only the breakdown
    write = _count(usage.get("cache_creation_input_tokens"), "cache_creation_input_tokens") or one_hour + five_minutes
    if one_hour + five_minutes > write:
        raise ValidationError(
            "usage does not add up", [("cache_creation", "the 5m and 1h writes exceed cache_creation_input_tokens")]
        )
    tools = _details(usage.get("server_tool_use"), "server_tool_use")
    counts = {
        "input_tokens": _count(usage.get("input_tokens"), "input_tokens") + read + write,
        "output_tokens": _count(usage.get("output_tokens"), "output_tokens"),
        "cache_read_tokens": read,
        "cache_write_tokens": write,
        "cache_write_1h_tokens": one_hour,
        "web_searches": _count(tools.get("web_search_requests"), "server_tool_use.web_search_requests"),
    }
    return Usage("anthropic", counts, tuple(_unread(usage, _ANTHROPIC_KNOWN) + _tier(usage)))


def _bedrock(usage: Mapping[str, Any]) -> Usage:
    read = _count(usage.get("cacheReadInputTokens"), "cacheReadInputTokens")
    write = _count(usage.get("cacheWriteInputTokens"), "cacheWriteInputTokens")
    one_hour = 0
    unread = _unread(usage, _BEDROCK_KNOWN)
    for i, detail in enumerate(usage.get("cacheDetails") or ()):
        detail = _details(detail, f"cacheDetails[{i}]")
        tokens = _count(detail.get("inputTokens"), f"cacheDetails[{i}].inputTokens")
        if detail.get("ttl") == "1h":
            one_hour += tokens
        elif detail.get("ttl") != "5m":
            unread.append(f"cacheDetails[{i}].ttl={detail.get('ttl')}")
    write = write or sum(
        _count(_details(d, "cacheDetails").get("inputTokens"), "cacheDetails") for d in usage.get("cacheDetails") or ()
    )
    if one_hour > write:
        raise ValidationError("usage does not add up", [("cacheDetails", "the 1h writes exceed cacheWriteInputTokens")])
    counts = {
        "input_tokens": _count(usage.get("inputTokens"), "inputTokens") + read + write,
        "output_tokens": _count(usage.get("outputTokens"), "outputTokens"),
        "cache_read_tokens": read,
        "cache_write_tokens": write,
        "cache_write_1h_tokens": one_hour,
    }
    return Usage("bedrock converse", counts, tuple(unread))


def _modalities(usage: Mapping[str, Any], camel: str, snake: str, unread: list[str]) -> dict[str, int]:
    """Gemini's per-modality token list (``[{"modality": "AUDIO", "tokenCount": 12}, …]``) as a dict."""
    out: dict[str, int] = {}
    for i, item in enumerate(_get(usage, camel, snake) or ()):
        item = _details(item, f"{camel}[{i}]")
        modality = str(item.get("modality", "MODALITY_UNSPECIFIED"))
        if modality not in _GEMINI_MODALITIES:
            unread.append(f"{camel}[{i}].modality={modality}")
        count = _count(_get(item, "tokenCount", "token_count"), f"{camel}[{i}].tokenCount")
        out[modality] = out.get(modality, 0) + count
    return out


def _gemini(usage: Mapping[str, Any]) -> Usage:
    unread = _unread(usage, _GEMINI_KNOWN)
    thoughts = _count(_get(usage, "thoughtsTokenCount", "thoughts_token_count"), "thoughtsTokenCount")
    candidates = _count(_get(usage, "candidatesTokenCount", "candidates_token_count"), "candidatesTokenCount")
    tool_prompt = _count(
        _get(usage, "toolUsePromptTokenCount", "tool_use_prompt_token_count"), "toolUsePromptTokenCount"
    )
    prompt = _modalities(usage, "promptTokensDetails", "prompt_tokens_details", unread)
    tool = _modalities(usage, "toolUsePromptTokensDetails", "tool_use_prompt_tokens_details", unread)
    cached = _modalities(usage, "cacheTokensDetails", "cache_tokens_details", unread)
    generated = _modalities(usage, "candidatesTokensDetails", "candidates_tokens_details", unread)
    cached_audio = cached.get("AUDIO", 0)
    counts = {
        "input_tokens": _count(_get(usage, "promptTokenCount", "prompt_token_count"), "promptTokenCount") + tool_prompt,
        "output_tokens": candidates + thoughts,
        "cache_read_tokens": _count(
            _get(usage, "cachedContentTokenCount", "cached_content_token_count"), "cachedContentTokenCount"
        ),
        "reasoning_tokens": thoughts,
        # cached audio is billed as a cache read, not twice
        "audio_input_tokens": max(prompt.get("AUDIO", 0) - cached_audio, 0) + tool.get("AUDIO", 0),
        "audio_output_tokens": generated.get("AUDIO", 0),
        "image_output_tokens": generated.get("IMAGE", 0),
    }
    return Usage("gemini", counts, tuple(unread))
