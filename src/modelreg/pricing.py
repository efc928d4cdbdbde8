"""Usage -> cost, exactly: Decimal USD end to end.

Billing rules, as the providers state them:
  * ``input_tokens`` counts every prompt token; cache reads, cache writes and audio input are subsets of
    it, billed at their own prices where the model has them (OpenAI and Anthropic pricing pages).
  * ``cache_write_1h_tokens`` are the cache writes (a subset of ``cache_write_tokens``) kept for an hour:
    billed at ``cache_write_1h``, and where the model has no such price at twice the input price, which is
    Anthropic's rule ("1-hour cache write tokens are 2 times the base input tokens price",
    https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#pricing); only Claude models offer
    a 1-hour cache, on every platform that serves them.
  * ``reasoning_tokens``, ``audio_output_tokens`` and ``image_output_tokens`` are subsets of
    ``output_tokens``; each costs the output price unless the model prices that kind apart.
  * ``web_searches`` are billed per search at ``web_search`` (Anthropic: $10 per 1,000 searches).
  * Usage of a kind the model has no price of its own for (audio or image tokens billed at the text price,
    web searches with no price) is named in ``Cost.unpriced``: the total is then a lower bound.
  * Long-context tiers (Anthropic, Gemini): once the prompt exceeds a tier's threshold, the whole request
    moves to the tier's prices — input, output and cache alike — not just the tokens above it.
  * Batch: the provider's batch discount comes off every token price (not per-item charges).

The hot path works on ``PriceTable``: the prices of one model as plain Decimals, built once per model.
``PriceTable.cost`` checks every count and works every part out; ``PriceTable.quote`` (input and output
tokens, checked by the caller) defers the arithmetic to the first read of the ``Cost``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple, TypedDict

from modelreg.errors import ValidationError

ZERO = Decimal(0)
MILLION = Decimal(1_000_000)


COST_PARTS = (
    "input",
    "cache_read",
    "cache_write",
    "cache_write_1h",
    "output",
    "reasoning",
    "audio_input",
    "audio_output",
    "output_image",
    "images",
    "web_search",
    "requests",
)
"""The kinds of charge a Cost is split into, in the order people read them."""


class CostOptions(TypedDict, total=False):
    """What ``Registry.cost`` takes besides the model and its input and output tokens."""

    cache_read_tokens: int
    cache_write_tokens: int
    reasoning_tokens: int
    audio_input_tokens: int
    audio_output_tokens: int
    images: int
    requests: int
    batch: bool
    at: dt.date | None
    cache_write_1h_tokens: int
    image_output_tokens: int
    web_searches: int


COST_OPTION_NAMES = CostOptions.__optional_keys__
"""The names ``Registry.cost`` takes in ``**usage``."""


_FIELDS = (
    "model",
    "input",
    "cache_read",
    "cache_write",
    "output",
    "reasoning",
    "audio_input",
    "audio_output",
    "images",
    "requests",
    "tier",
    "batch",
    "cache_write_1h",
    "output_image",
    "web_search",
    "unpriced",
    "unread",
)


class Cost:
    """The cost of one call in USD, by kind; ``total`` is their sum. Read-only.

    ``unpriced`` names the kinds of usage the model has no price of its own for (see the module docstring),
    ``unread`` the fields of a provider's usage object that were not understood: when either is not empty,
    the total may be low. ``tier`` is the threshold of the long-context tier applied, if any.

    A cost made by ``PriceTable.quote`` works its parts out the first time one is read: pricing a call
    is then a dict lookup and this object, and the Decimal arithmetic is paid by whoever reads the result.
    """

    __slots__ = (*_FIELDS, "_table", "_in", "_out", "_total")
    _fields = _FIELDS

    model: str
    input: Decimal
    cache_read: Decimal
    cache_write: Decimal
    output: Decimal
    reasoning: Decimal
    audio_input: Decimal
    audio_output: Decimal
    images: Decimal
    requests: Decimal
    tier: int | None
    batch: bool
    cache_write_1h: Decimal
    output_image: Decimal
    web_search: Decimal
    unpriced: tuple[str, ...]
    unread: tuple[str, ...]
    _table: PriceTable | None  # a quote's prices and counts, until its parts are worked out
    _in: int
    _out: int
    _total: Decimal | None  # the sum, once asked for

    def __init__(
        self,
        model: str,
        input: Decimal,
        cache_read: Decimal,
        cache_write: Decimal,
        output: Decimal,
        reasoning: Decimal,
        audio_input: Decimal,
        audio_output: Decimal,
        images: Decimal,
        requests: Decimal,
        tier: int | None = None,
        batch: bool = False,
        cache_write_1h: Decimal = ZERO,
        output_image: Decimal = ZERO,
        web_search: Decimal = ZERO,
        unpriced: tuple[str, ...] = (),
        unread: tuple[str, ...] = (),
    ) -> None:
        self.model, self.input, self.cache_read, self.cache_write = model, input, cache_read, cache_write
        self.output, self.reasoning, self.audio_input, self.audio_output = output, reasoning, audio_input, audio_output
        self.images, self.requests, self.tier, self.batch = images, requests, tier, batch
        self.cache_write_1h, self.output_image, self.web_search = cache_write_1h, output_image, web_search
        self.unpriced, self.unread = unpriced, unread
        self._table = self._total = None

    def __getattr__(self, name: str) -> Any:
        # Only reached for a field not set yet: a quote whose parts nobody has read. Work them all out.
        table = self._table if name in _FIELDS else None
        if table is None:
            raise AttributeError(f"'Cost' object has no attribute {name!r}")
        table.work_out(self, self._in, self._out)
        return getattr(self, name)

    @property
    def total(self) -> Decimal:
        """The sum of every part."""
        table = self._table
        if table is not None:  # a quote: its parts and total are worked out now
            return table.work_out(self, self._in, self._out)
        total = self._total
        if total is None:
            total = self._total = self._sum()
        return total

    def _sum(self) -> Decimal:
        return (
            self.input
            + self.cache_read
            + self.cache_write
            + self.cache_write_1h
            + self.output
            + self.reasoning
            + self.audio_input
            + self.audio_output
            + self.output_image
            + self.images
            + self.web_search
            + self.requests
        )

    def as_dict(self) -> dict[str, str | int | bool | list[str] | None]:
        """Every part as a string of exact USD, plus ``total``: for JSON."""
        parts: dict[str, str | int | bool | list[str] | None] = {name: _usd(getattr(self, name)) for name in COST_PARTS}
        parts.update(model=self.model, total=_usd(self.total), tier=self.tier, batch=self.batch)
        parts.update(unpriced=list(self.unpriced), unread=list(self.unread))
        return parts

    def _asdict(self) -> dict[str, Any]:
        """Every field by name, as the values are (Decimals, tuples)."""
        return {field: getattr(self, field) for field in _FIELDS}

    def _replace(self, **changes: Any) -> Cost:
        """A copy with ``changes`` made (``cost._replace(unread=…)``)."""
        return Cost(**{**self._asdict(), **changes})

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, field) for field in _FIELDS)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cost) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return "Cost(" + ", ".join(f"{field}={getattr(self, field)!r}" for field in _FIELDS) + ")"

    def __reduce__(self) -> tuple[Any, ...]:
        return Cost, self._values()


_blank = object.__new__


class Rates(NamedTuple):
    """Per-token prices (USD) for one price level: the base, or one long-context tier."""

    input: Decimal
    output: Decimal
    cache_read: Decimal
    cache_write: Decimal
    cache_write_1h: Decimal


class PriceTable(NamedTuple):
    """One model's prices, per token, ready for arithmetic. Build with ``PriceTable.of``."""

    model: str
    base: Rates
    tiers: tuple[tuple[int, Rates], ...]  # (above_tokens, rates), highest threshold first
    reasoning: Decimal | None
    audio_input: Decimal | None
    audio_output: Decimal | None
    image: Decimal
    request: Decimal
    batch_factor: Decimal | None  # 1 - batch_discount
    output_image: Decimal | None = None
    web_search: Decimal | None = None

    def quote(self, input_tokens: int, output_tokens: int) -> Cost:
        """The cost of a call with these input and output tokens alone (ints >= 0, which the caller has made
        sure of), its parts worked out when first read: what ``Registry.cost`` answers on its short path."""
        cost = _blank(Cost)
        cost._table, cost._in, cost._out = self, input_tokens, output_tokens
        return cost

    def work_out(self, cost: Cost, input_tokens: int, output_tokens: int) -> Decimal:
        """Fill in the parts of a ``quote`` (what ``cost(input_tokens, output_tokens)`` gives) and return its
        total."""
        tier, spent, made, asked = self._plain(input_tokens, output_tokens)
        cost.model, cost.input, cost.output, cost.requests, cost.tier = self.model, spent, made, asked, tier
        cost.cache_read = cost.cache_write = cost.cache_write_1h = cost.reasoning = ZERO
        cost.audio_input = cost.audio_output = cost.output_image = cost.images = cost.web_search = ZERO
        cost.batch, cost.unpriced, cost.unread = False, (), ()
        total = cost._total = spent + made + asked
        cost._table = None
        return total

    def total(self, input_tokens: int, output_tokens: int) -> Decimal:
        """``quote(input_tokens, output_tokens).total`` without making the Cost (for ranking many prices)."""
        _, spent, made, asked = self._plain(input_tokens, output_tokens)
        return spent + made + asked

    def _plain(self, input_tokens: int, output_tokens: int) -> tuple[int | None, Decimal, Decimal, Decimal]:
        """A call of input and output tokens alone: the tier its prompt reaches, what its input and output
        cost at that tier's rates, and the price per request (the billing rules of ``cost``)."""
        rates, tier = self.base, None
        for above, tier_rates in self.tiers:
            if input_tokens > above:
                rates, tier = tier_rates, above
                break
        spent = input_tokens * rates.input if input_tokens else ZERO
        made = output_tokens * rates.output if output_tokens else ZERO
        return tier, spent, made, self.request or ZERO

    @classmethod
    def of(cls, model_id: str, pricing: Mapping[str, Any]) -> PriceTable:
        """The table for one model from its prices as a mapping (a ``Pricing.model_dump()`` or the index's
        JSON form, where amounts are strings): USD per 1M tokens in, USD per token out."""

        def per_token(value: Any, fallback: Decimal = ZERO) -> Decimal:
            return fallback if value is None else Decimal(value) / MILLION

        def amount(value: Any) -> Decimal | None:
            return None if value is None else Decimal(value)

        base_input = per_token(pricing.get("input"))
        base = Rates(
            input=base_input,
            output=per_token(pricing.get("output")),
            cache_read=per_token(pricing.get("cache_read"), base_input),  # no cache price: billed as input
            cache_write=per_token(pricing.get("cache_write"), base_input),
            cache_write_1h=per_token(pricing.get("cache_write_1h"), 2 * base_input),  # Anthropic's rule: 2x input
        )

        def tier_rates(tier: Mapping[str, Any]) -> Rates:
            tier_input = per_token(tier.get("input"), base.input)
            one_hour = base.cache_write_1h if pricing.get("cache_write_1h") is not None else 2 * tier_input
            return Rates(
                input=tier_input,
                output=per_token(tier.get("output"), base.output),
                cache_read=per_token(tier.get("cache_read"), base.cache_read),
                cache_write=per_token(tier.get("cache_write"), base.cache_write),
                cache_write_1h=per_token(tier.get("cache_write_1h"), one_hour),
            )

        tiers = tuple(
            (int(tier["above_tokens"]), tier_rates(tier))
            for tier in sorted(pricing.get("tiers") or (), key=lambda t: int(t["above_tokens"]), reverse=True)
        )
        discount = amount(pricing.get("batch_discount"))
        reasoning, audio_in, audio_out, image_out = (
            amount(pricing.get(k)) for k in ("reasoning", "input_audio", "output_audio", "output_image")
        )
        return cls(
            model=model_id,
            base=base,
            tiers=tiers,
            reasoning=None if reasoning is None else reasoning / MILLION,
            audio_input=None if audio_in is None else audio_in / MILLION,
            audio_output=None if audio_out is None else audio_out / MILLION,
            image=amount(pricing.get("image")) or ZERO,
            request=amount(pricing.get("request")) or ZERO,
            batch_factor=None if discount is None else 1 - discount,
            output_image=None if image_out is None else image_out / MILLION,
            web_search=amount(pricing.get("web_search")),
        )

    def cost(
        self,
        input_tokens: int,
        output_tokens: int = 0,
        cache_read_tokens: int = 0,
        cache_write_tokens: int = 0,
        reasoning_tokens: int = 0,
        audio_input_tokens: int = 0,
        audio_output_tokens: int = 0,
        images: int = 0,
        requests: int = 1,
        batch: bool = False,
        cache_write_1h_tokens: int = 0,
        image_output_tokens: int = 0,
        web_searches: int = 0,
    ) -> Cost:
        """The cost of one call with these counts (see the module docstring for the billing rules)."""
        try:  # ints only: `|` refuses None, str, float (NaN too) and Decimal; the result is < 0 iff one is
            bad = (
                (
                    input_tokens
                    | output_tokens
                    | cache_read_tokens
                    | cache_write_tokens
                    | reasoning_tokens
                    | audio_input_tokens
                    | audio_output_tokens
                    | images
                    | requests
                    | cache_write_1h_tokens
                    | image_output_tokens
                    | web_searches
                )
                < 0
                or input_tokens.__class__ is bool  # a flag where a count belongs: not one token
                or output_tokens.__class__ is bool
                or cache_read_tokens.__class__ is bool
                or cache_write_tokens.__class__ is bool
                or reasoning_tokens.__class__ is bool
                or audio_input_tokens.__class__ is bool
                or audio_output_tokens.__class__ is bool
                or images.__class__ is bool
                or requests.__class__ is bool
                or cache_write_1h_tokens.__class__ is bool
                or image_output_tokens.__class__ is bool
                or web_searches.__class__ is bool
            )
        except TypeError:
            bad = True
        if bad:
            from modelreg.validation import arguments

            raise arguments(
                {
                    "input_tokens": input_tokens,
                    "output_tokens": output_tokens,
                    "cache_read_tokens": cache_read_tokens,
                    "cache_write_tokens": cache_write_tokens,
                    "reasoning_tokens": reasoning_tokens,
                    "audio_input_tokens": audio_input_tokens,
                    "audio_output_tokens": audio_output_tokens,
                    "images": images,
                    "requests": requests,
                    "cache_write_1h_tokens": cache_write_1h_tokens,
                    "image_output_tokens": image_output_tokens,
                    "web_searches": web_searches,
                }
            )
        rates, tier = self.base, None
        for above, tier_rates in self.tiers:
            if input_tokens > above:
                rates, tier = tier_rates, above
                break
        # Each part is multiplied only when its count is not zero: Decimal arithmetic is the cost of a call.
        unpriced: tuple[str, ...] = ()
        plain_input = input_tokens - cache_read_tokens - cache_write_tokens
        plain_output = output_tokens
        reasoning = audio_in = audio_out = image_out = searched = ZERO
        if audio_input_tokens:
            if self.audio_input is not None:
                plain_input -= audio_input_tokens
                audio_in = audio_input_tokens * self.audio_input
            else:
                unpriced += ("audio_input",)
        if reasoning_tokens and self.reasoning is not None:
            plain_output -= reasoning_tokens
            reasoning = reasoning_tokens * self.reasoning
        if audio_output_tokens:
            if self.audio_output is not None:
                plain_output -= audio_output_tokens
                audio_out = audio_output_tokens * self.audio_output
            else:
                unpriced += ("audio_output",)
        if image_output_tokens:
            if self.output_image is not None:
                plain_output -= image_output_tokens
                image_out = image_output_tokens * self.output_image
            else:
                unpriced += ("output_image",)
        if plain_input < 0 or plain_output < 0 or cache_write_1h_tokens > cache_write_tokens:
            raise ValidationError(
                "token counts do not add up",
                [("input_tokens", "must include cache read, cache write and audio input tokens")]
                if plain_input < 0
                else [("output_tokens", "must include reasoning, audio and image output tokens")]
                if plain_output < 0
                else [("cache_write_1h_tokens", "are part of cache_write_tokens")],
            )
        if web_searches:
            if self.web_search is not None:
                searched = web_searches * self.web_search
            else:
                unpriced += ("web_search",)
        parts = [
            plain_input * rates.input if plain_input else ZERO,
            cache_read_tokens * rates.cache_read if cache_read_tokens else ZERO,
            (cache_write_tokens - cache_write_1h_tokens) * rates.cache_write if cache_write_tokens else ZERO,
            plain_output * rates.output if plain_output else ZERO,
            reasoning,
            audio_in,
            audio_out,
            cache_write_1h_tokens * rates.cache_write_1h if cache_write_1h_tokens else ZERO,
            image_out,
        ]
        if batch:
            if batch is not True:
                raise ValidationError(
                    "batch is True or False", [("batch", f"expected a bool, got {type(batch).__name__} {batch!r:.40}")]
                )
            if self.batch_factor is None:
                raise ValidationError(f"{self.model} has no batch price", [("batch", "not offered for this model")])
            parts = [part * self.batch_factor for part in parts]
        return Cost(
            self.model,
            parts[0],
            parts[1],
            parts[2],
            parts[3],
            parts[4],
            parts[5],
            parts[6],
            images * self.image if images and self.image else ZERO,
            requests * self.request if requests and self.request else ZERO,
            tier,
            batch,
            parts[7],
            parts[8],
            searched,
            unpriced,
        )


def _usd(amount: Decimal) -> str:
    """An amount as exact plain digits, "0" for nothing (most parts of most calls)."""
    return format(amount.normalize(), "f") if amount else "0"
