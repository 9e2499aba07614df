"""Pluggable SMS: settings.SMS_BACKEND is a dotted path to a callable(phone, text).

The default writes messages to the log (with the phone and any tracking code masked); a
deployment plugs in its operator's gateway. The message sent to the resident may carry their
code; a log line never does.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.utils.module_loading import import_string

from zongheng.core.masking import mask_phone

log = logging.getLogger("zongheng.sms")

# A code after the word 查询码 (whatever its format), or any long URL-safe token.
_AFTER_WORD = re.compile(
    r"(查询码\s*[:：]?\s*)[A-Za-z0-9_-][A-Za-z0-9_ -]*[A-Za-z0-9_-]|(查询码\s*[:：]?\s*)[A-Za-z0-9_-]")
_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{16,}(?![A-Za-z0-9_-])")


def mask_codes(text: str) -> str:
    """The SMS text with tracking codes replaced by ***."""
    text = _AFTER_WORD.sub(lambda m: (m.group(1) or m.group(2) or "") + "***", text)
    return _TOKEN.sub("***", text)


def log_backend(phone: str, text: str) -> None:
    log.info("SMS to %s: %s", mask_phone(phone), mask_codes(text))


def send(phone: str, text: str) -> None:
    backend = import_string(getattr(settings, "SMS_BACKEND", "zongheng.demands.sms.log_backend"))
    backend(phone, text)
