"""Keeps tracking codes and Open311 ``api_key`` values out of every log line this process writes.

Codes no longer travel in URLs (the tracking page is reached by POST), but an old saved link
(``/demands/track/<code>/``) or a client that sends ``code=``/``api_key=`` in a query string
would otherwise put them in the request log (``django.server`` under runserver,
``gunicorn.access`` under gunicorn, ``django.request`` for 4xx/5xx). ``install()`` (called
from the app's ``ready``) adds ``RedactFilter`` to those loggers and to every handler of the
root logger, so a record is rewritten before any handler formats it.

A reverse proxy in front keeps its own access log: configure it to drop the query string of
``/open311/`` and ``/demands/`` requests (see docs/demands.md).
"""

from __future__ import annotations

import logging
import re

MASK = "***"
_PATTERNS = [
    # /demands/track/<code>/ (old saved links)
    (re.compile(r"(/demands/track/)(?!\s)[^/?#\s\"]+"), r"\1" + MASK),
    # api_key=…, code=…, tracking code in query strings or bodies, raw or percent-encoded
    (re.compile(r"(?i)((?:^|[?&;\s\"'])(?:api_key|api%5Fkey|code)=)[^&;\s\"']*"), r"\1" + MASK),
]
LOGGERS = ("django.server", "django.request", "gunicorn.access", "gunicorn.error", "zongheng.sms")


def redact(text: str) -> str:
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


class RedactFilter(logging.Filter):
    """Rewrites the record's message with codes and keys masked (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is left for logging to report
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


_FILTER = RedactFilter()


def install() -> None:
    """Idempotent: adds the filter to the request loggers and to the root logger's handlers."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
