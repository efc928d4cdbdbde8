"""Numbers written the way people read them: 128K tokens, $2.50 per 1M. Shared by the CLI and the page."""

from __future__ import annotations

from decimal import Decimal

_KI, _MI = 1024, 1024 * 1024


def tokens(count: int | None) -> str:
    """``128000`` -> ``128K``, ``131072`` -> ``128K``, ``1048576`` -> ``1M``, ``None`` -> ``-``."""
    if count is None:
        return "-"
    for unit, suffix in ((1_000_000, "M"), (_MI, "M"), (1000, "K"), (_KI, "K")):
        if count >= unit and count % unit == 0:
            return f"{count // unit}{suffix}"
    if count >= 1_000_000:
        return f"{count / 1_000_000:.1f}M"
    if count >= 1000:
        return f"{count / 1000:.1f}K"
    return str(count)


def usd(amount: Decimal | None) -> str:
    """``Decimal('2.5')`` -> ``$2.50``; small amounts keep their significant digits; None -> ``-``."""
    if amount is None:
        return "-"
    if amount == 0 or abs(amount) >= Decimal("0.01"):
        return f"${amount:,.2f}" if amount == amount.quantize(Decimal("0.01")) else f"${amount.normalize():f}"
    return f"${amount.normalize():f}"
