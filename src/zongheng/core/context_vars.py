"""Per-request context (request id, client IP) for audit records, set by middleware."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    request_id: str = ""
    ip: str | None = None


_NO_REQUEST = RequestInfo()
current_request: contextvars.ContextVar[RequestInfo] = contextvars.ContextVar("zongheng_request", default=_NO_REQUEST)
