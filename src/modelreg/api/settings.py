"""The service's settings, read once from the environment.

| variable                     | meaning                                           | default     |
| ---------------------------- | ------------------------------------------------- | ----------- |
| MODELREG_REQUIRE_READ_KEY    | "1": reads need an API key too (any role)         | open reads  |
| MODELREG_CACHE_CONTROL       | the Cache-Control header on GET answers           | no-cache    |
| MODELREG_MAX_BODY_BYTES      | larger request bodies get 413, unread             | 1048576     |
| MODELREG_FAST_ANSWERS        | "0": hot answers through FastAPI too (to compare) | on          |
| MODELREG_OTEL                | "1": FastAPI's OpenTelemetry (needs a provider)   | off         |
| MODELREG_SYNC_EVERY          | sync upstream in the background this often (24h)  | no schedule |
| MODELREG_SYNC_SOURCES        | the sources it syncs, comma-separated             | every one   |
| MODELREG_HEALTH_EVERY        | probe platforms' model lists this often (5m)      | no checks   |
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple

from modelreg.durations import parse_duration

MIB = 1024 * 1024


class ApiSettings(NamedTuple):
    require_read_key: bool = False
    cache_control: str = "no-cache"
    max_body_bytes: int = MIB
    fast_answers: bool = True
    telemetry: bool = False
    sync_every: float | None = None  # seconds
    sync_sources: tuple[str, ...] = ()
    health_every: float | None = None  # seconds

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
            sync_every=parse_duration(env["MODELREG_SYNC_EVERY"], field="MODELREG_SYNC_EVERY")
            if env.get("MODELREG_SYNC_EVERY")
            else None,
            sync_sources=tuple(s.strip() for s in env.get("MODELREG_SYNC_SOURCES", "").split(",") if s.strip()),
            health_every=parse_duration(env["MODELREG_HEALTH_EVERY"], field="MODELREG_HEALTH_EVERY")
            if env.get("MODELREG_HEALTH_EVERY")
            else None,
        )
