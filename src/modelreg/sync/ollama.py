"""A local Ollama server's models (``GET /api/tags``, then ``POST /api/show`` for each) -> SourceRecords.

No key. The server is ``http://127.0.0.1:11434`` unless told otherwise; when nothing answers there the
source is skipped (``SourceSkipped``: start Ollama or point the source elsewhere), since most machines
run no Ollama. A record's key and model string are the tag's name (``llama3.2:latest``).

Facts: ``capabilities`` (``completion`` -> ``chat``, ``completion`` and ``streaming``; ``tools``;
``vision``, with ``modalities_in``; ``embedding``; ``thinking`` -> ``reasoning``), ``limits.context_window``
(``model_info["<architecture>.context_length"]``), ``size_b`` (``general.parameter_count``, else the tag's
``parameter_size`` such as ``"3.2B"``; else read from the name, then ``size_estimated``),
``open_weights`` (a model Ollama runs is weights on this disk), ``quantization`` (``Q4_K_M``),
``architecture`` (the family: ``llama``), ``file_size_bytes`` (the tag's ``size``). The last three are
not fields of the Model schema: the merge does not read them yet. A model whose ``/api/show`` fails is
kept with its tag's facts alone, and a note says so.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from modelreg.errors import SourceError
from modelreg.sync.http import Unreachable
from modelreg.sync.records import SourceRecord, decimal
from modelreg.sync.upstream import SourceSkipped, Upstream, add_size, positive_int

SOURCE = "ollama"

_CAPABILITIES = {
    "completion": ("chat", "completion", "streaming"),
    "tools": ("tools",),
    "vision": ("vision",),
    "embedding": ("embedding",),
    "thinking": ("reasoning",),
}
_UNITS = {"B": Decimal(1), "M": Decimal("0.001"), "K": Decimal("0.000001")}


class OllamaSource(Upstream):
    """The models a local Ollama server holds."""

    name = SOURCE
    default_url = "http://127.0.0.1:11434"

    def read(self) -> list[SourceRecord]:
        url = self.endpoint("/api/tags")
        try:
            # a server that is not running will not start while we wait: ask once
            data = self.get_json(url, retry_unreachable=False)
        except Unreachable as exc:
            raise SourceSkipped(
                self.name,
                f"skipped: no Ollama server at {self.location} (start one, or set MODELREG_SOURCE_OLLAMA_URL)",
            ) from exc
        tags = self.entries(self.expect(data, "models", list, url), url, id_field="name")
        records = []
        for tag in tags:
            shown: dict[str, Any] = {}
            if not self.from_file:
                try:
                    answer = self.post_json(self.endpoint("/api/show"), {"model": tag["name"]})
                    shown = answer if isinstance(answer, dict) else {}
                except SourceError as exc:
                    self.notes.append(f"{tag['name']}: /api/show failed ({exc}); kept the tag's facts only")
            records.append(
                SourceRecord(
                    source=SOURCE,
                    key=tag["name"],
                    upstream_provider=SOURCE,
                    model_string=tag["name"],
                    as_of="",
                    facts=facts(tag, shown),
                )
            )
        return records


def facts(tag: dict[str, Any], shown: dict[str, Any]) -> dict[str, Any]:
    """The facts one model states: its entry in ``/api/tags`` and its ``/api/show`` answer."""
    details = {**_dict(tag.get("details")), **_dict(shown.get("details"))}
    info = _dict(shown.get("model_info"))
    out: dict[str, Any] = {"open_weights": True}
    stated = shown.get("capabilities")
    if isinstance(stated, list):
        out["capabilities"] = {cap for name in stated if name in _CAPABILITIES for cap in _CAPABILITIES[name]}
        if "vision" in stated:
            out["modalities_in"] = ["text", "image"]
    architecture = info.get("general.architecture") or details.get("family")
    context = positive_int(info.get(f"{architecture}.context_length")) if architecture else None
    if context:
        out["limits"] = {"context_window": context}
    count = positive_int(info.get("general.parameter_count"))
    size = (Decimal(count) / 10**9).quantize(Decimal("0.001")).normalize() if count else _size(details)
    add_size(out, str(tag["name"]).partition(":")[0], size)
    for field, key in (("quantization_level", "quantization"), ("family", "architecture")):
        if isinstance(details.get(field), str) and details[field]:
            out[key] = details[field]
    if positive_int(tag.get("size")):
        out["file_size_bytes"] = int(tag["size"])
    return out


def _size(details: dict[str, Any]) -> Decimal | None:
    """``parameter_size`` ("3.2B", "137M") in billions."""
    text = details.get("parameter_size")
    if not isinstance(text, str) or not text or text[-1].upper() not in _UNITS:
        return None
    try:
        number = decimal(text[:-1])
    except InvalidOperation:
        return None
    return None if number is None else (number * _UNITS[text[-1].upper()]).normalize()


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
