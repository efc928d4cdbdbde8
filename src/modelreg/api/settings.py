"""The service's settings, read once from the environment.

| variable                     | meaning                                           | default     |
| ---------------------------- | ------------------------------------------------- | ----------- |
| MODELREG_REQUIRE_READ_KEY    | "1": reads need an API key too (any role)         | open reads  |
| MODELREG_CACHE_CONTROL       | the Cache-Control header on GET answers           | no-cache    |
| MODELREG_MAX_BODY_BYTES      | larger request bodies get 413, unread             | 1048576     |
| MODELREG_FAST_ANSWERS        | "0": hot answers through FastAPI too (to compare) | on          |
| MODELREG_OTEL                | "1": FastAPI's OpenTelemetry (needs a provider)   | off         |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple

MIB = 1024 * 1024


class ApiSettings(NamedTuple):
    require_read_key: bool = False
    cache_control: str = "no-cache"
    max_body_bytes: int = MIB
    fast_answers: bool = True
    telemetry: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ApiSettings:
        env = os.environ if env is None else env
        limit = env.get("MODELREG_MAX_BODY_BYTES") or str(MIB)
        if not limit.isdigit():
            from modelreg.errors import ValidationError

            raise ValidationError(
                f"MODELREG_MAX_BODY_BYTES must be a number of bytes, not {limit!r}",
                [("MODELREG_MAX_BODY_BYTES", "a whole number of bytes, e.g. 1048576")],
            )
        return cls(
            require_read_key=env.get("MODELREG_REQUIRE_READ_KEY", "").lower() in ("1", "true", "yes"),
            cache_control=env.get("MODELREG_CACHE_CONTROL", "no-cache"),
            max_body_bytes=int(limit),
            fast_answers=env.get("MODELREG_FAST_ANSWERS", "1").lower() not in ("0", "false", "no"),
            telemetry=env.get("MODELREG_OTEL", "").lower() in ("1", "true", "yes"),
        )
