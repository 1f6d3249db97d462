"""Keeps secrets out of the logs: a structlog processor that masks API keys and stream tokens wherever they appear."""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

from litestar.logging.config import StructLoggingConfig

MASK = "*****"
_SECRET_PARAMS = frozenset({"token", "api_key", "apikey", "key", "access_token", "authorization"})
# An API key (`cvk_` + 43 url-safe characters) and a stream token (`<key id hex>.<expiry>.<signature>`).
_SECRET = re.compile(r"cvk_[A-Za-z0-9_\-]{16,}|\b[0-9a-f]{32}\.\d{9,}\.[A-Za-z0-9_\-]{20,}")


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _SECRET.sub(MASK, value) if ("cvk_" in value or "." in value) else value
    if isinstance(value, dict):
        return {k: MASK if str(k).lower() in _SECRET_PARAMS else _scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_scrub(v) for v in value)
    return value


def redact_secrets(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Mask secret-looking query parameters (a `?token=` sent to the wrong URL is still logged by the request
    logger) and any API key or stream token inside a logged value, e.g. an exception message."""
    for name, value in event_dict.items():
        event_dict[name] = _scrub(value)
    return event_dict


def with_redaction(config: StructLoggingConfig) -> StructLoggingConfig:
    """The config with `redact_secrets` just before the renderer (after exceptions are formatted into text)."""
    processors = list(config.processors or [])
    config.processors = [*processors[:-1], redact_secrets, *processors[-1:]]
    return config
