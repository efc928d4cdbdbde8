"""Durations as people write them: ``90s``, ``30m``, ``1h``, ``1h30m``, ``1d``, ``2w``, or a number of seconds.

    >>> parse_duration("1h30m")
    5400.0

Used by ``modelreg.load(refresh=…)`` and for intervals on the command line (``--sync-every 24h``).
"""

from __future__ import annotations

import datetime as dt
import math
import re

from modelreg.errors import ValidationError

UNITS = {"w": 604_800.0, "d": 86_400.0, "h": 3_600.0, "m": 60.0, "s": 1.0}

_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
# units largest first, each at most once: "1h30m", never "30m1h" or "1h1h"
_DURATION = re.compile("".join(f"(?:(?P<{unit}>{_NUMBER}){unit})?" for unit in UNITS))
_EXAMPLES = "a number of seconds, or amounts with units w, d, h, m, s such as '90s', '30m', '1h30m', '1d'"


def parse_duration(value: str | float | dt.timedelta, *, field: str = "duration") -> float:
    """``value`` in seconds: text such as ``"1h30m"`` or ``"90"``, a number of seconds, or a timedelta.

    Units are ``w`` (weeks), ``d``, ``h``, ``m`` (minutes) and ``s``, written largest first, with no
    spaces; case is ignored. Anything else, and any duration that is not more than zero, raises
    ``ValidationError`` naming ``field``."""
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool):  # a bool is an int to Python, never a duration to a person
        raise _invalid(field, value, f"expected {_EXAMPLES}")
    elif isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _parse_text(value, field)
    else:
        raise _invalid(field, value, f"expected {_EXAMPLES}")
    if not math.isfinite(seconds) or seconds <= 0:
        raise _invalid(field, value, "a duration must be more than zero")
    return seconds


def _parse_text(text: str, field: str) -> float:
    cleaned = text.strip().lower()
    if re.fullmatch(_NUMBER, cleaned):
        return float(cleaned)
    found = _DURATION.fullmatch(cleaned)
    if not cleaned or found is None or not any(found.groupdict().values()):
        raise _invalid(field, text, f"expected {_EXAMPLES}")
    return sum(float(amount) * UNITS[unit] for unit, amount in found.groupdict().items() if amount)


def _invalid(field: str, value: object, why: str) -> ValidationError:
    return ValidationError(f"{value!r} is not a duration", [(field, why)])
