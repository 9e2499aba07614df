"""Pluggable SMS: settings.SMS_BACKEND is a dotted path to a callable(phone, text).

The default writes messages to the log (with the phone masked); a deployment plugs in its
operator's gateway.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from zongheng.core.masking import mask_phone

log = logging.getLogger("zongheng.sms")


def log_backend(phone: str, text: str) -> None:
    log.info("SMS to %s: %s", mask_phone(phone), text)


def send(phone: str, text: str) -> None:
    backend = import_string(getattr(settings, "SMS_BACKEND", "zongheng.demands.sms.log_backend"))
    backend(phone, text)
