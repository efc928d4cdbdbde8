"""Hugging Face model cards (``GET /api/models/{repo_id}``) for the repositories you name -> SourceRecords.

Hugging Face holds far too many models to list: the source reads the ids in ``config["models"]`` (or
``$MODELREG_HF_MODELS``, comma-separated); with none it is skipped. ``$HF_TOKEN``, when set, is sent as a
Bearer token (gated and private repositories need it). A record's key and model string are the repo id
(``Qwen/Qwen2.5-1.5B-Instruct``); its upstream provider is ``huggingface``.

Facts: ``size_b`` (``safetensors.total`` parameters in billions; else read from the name, then
``size_estimated``), ``open_weights`` (True: the weights are published), ``capabilities`` and
``modalities_in``/``modalities_out`` from ``pipeline_tag`` (and the ``conversational`` tag),
``base_model`` (``cardData.base_model``, the first when several), ``limits.context_window``
(``config.max_position_embeddings``, present only in some cards), ``lifecycle.release_date``
(``createdAt``), ``pipeline_tag`` and ``license`` (``cardData.license``). The last two are not fields of
the Model schema: the merge does not read them yet. Not mapped: downloads, likes, ``library_name``,
``siblings``, ``gated``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

from modelreg.sync.records import SourceRecord
from modelreg.sync.upstream import SourceSkipped, Upstream, add_size, obj, positive_int, release_date

SOURCE = "huggingface"

_PIPELINES: dict[str, tuple[tuple[str, ...], list[str], list[str]]] = {
    # pipeline_tag: (capabilities, modalities in, modalities out)
    "text-generation": (("completion", "streaming"), ["text"], ["text"]),
    "image-text-to-text": (("chat", "streaming", "vision"), ["text", "image"], ["text"]),
    "feature-extraction": (("embedding",), ["text"], ["text"]),
    "sentence-similarity": (("embedding",), ["text"], ["text"]),
    "text-ranking": (("rerank",), ["text"], ["text"]),
    "text-to-image": (("image_generation",), ["text"], ["image"]),
}


class HuggingFaceSource(Upstream):
    """The model cards of the repositories named in ``config["models"]`` or ``$MODELREG_HF_MODELS``."""

    name = SOURCE
    default_url = "https://huggingface.co"

    def model_ids(self) -> list[str]:
        configured = self.config.get("models")
        if configured is None:
            configured = [part.strip() for part in self.env.get("MODELREG_HF_MODELS", "").split(",")]
        return [str(m).strip() for m in configured if str(m).strip()]

    def read(self) -> list[SourceRecord]:
        ids = self.model_ids()
        if not ids:
            raise SourceSkipped(
                self.name, "skipped: name the repositories to read in $MODELREG_HF_MODELS (comma-separated)"
            )
        token = self.env.get("HF_TOKEN", "").strip()
        headers = {"Authorization": f"Bearer {token}"} if token else None
        records = []
        for repo_id in ids:
            url = self.endpoint(f"/api/models/{quote(repo_id, safe='/')}")
            card = self.get_json(url, headers=headers, key_env="HF_TOKEN" if token else None)
            stated_id = self.expect(card, "id", str, url)
            records.append(
                SourceRecord(
                    source=SOURCE,
                    key=stated_id,
                    upstream_provider=SOURCE,
                    model_string=stated_id,
                    as_of="",
                    facts=facts(card),
                    url=f"https://huggingface.co/{stated_id}",
                )
            )
        return records


def facts(card: dict[str, Any]) -> dict[str, Any]:
    """The facts one model card states, in modelreg's units and names."""
    out: dict[str, Any] = {"open_weights": True}
    pipeline = card.get("pipeline_tag")
    tags = [t for t in card.get("tags") or () if isinstance(t, str)]
    if isinstance(pipeline, str) and pipeline:
        out["pipeline_tag"] = pipeline
        if pipeline in _PIPELINES:
            capabilities, m_in, m_out = _PIPELINES[pipeline]
            out["capabilities"] = set(capabilities)
            if "conversational" in tags and pipeline == "text-generation":
                out["capabilities"].add("chat")
            out["modalities_in"], out["modalities_out"] = list(m_in), list(m_out)
    safetensors = obj(card.get("safetensors"))
    total = positive_int(safetensors.get("total"))
    stated = (Decimal(total) / 10**9).quantize(Decimal("0.001")).normalize() if total else None
    add_size(out, str(card["id"]).rpartition("/")[2], stated)
    card_data = obj(card.get("cardData"))
    base = card_data.get("base_model")
    if isinstance(base, list):
        base = next((b for b in base if isinstance(b, str)), None)
    if isinstance(base, str) and base:
        out["base_model"] = base
    if isinstance(card_data.get("license"), str) and card_data["license"]:
        out["license"] = card_data["license"]
    config = obj(card.get("config"))
    context = positive_int(config.get("max_position_embeddings"))
    if context:
        out["limits"] = {"context_window": context}
    lifecycle = release_date(card.get("createdAt"))
    if lifecycle:
        out["lifecycle"] = lifecycle
    return out
