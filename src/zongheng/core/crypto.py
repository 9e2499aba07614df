"""Encryption at rest for personal fields (AES-256-GCM) and blind indexes (HMAC-SHA256).

Ciphertext format: ``v1:`` + base64(nonce(12) || ciphertext+tag). The blind index lets the
database enforce uniqueness of an ID number and find duplicates without storing it in clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings


@lru_cache(maxsize=4)
def _keys(raw: str) -> tuple[bytes, bytes]:
    key = base64.b64decode(raw)
    if len(key) != 32:
        raise ValueError("ZONGHENG_FIELD_KEY must be 32 bytes, base64-encoded")
    enc = hmac.new(key, b"zongheng-encryption", hashlib.sha256).digest()
    idx = hmac.new(key, b"zongheng-blind-index", hashlib.sha256).digest()
    return enc, idx


def encrypt(plain: str) -> str:
    if not plain:
        return ""
    enc, _ = _keys(settings.FIELD_ENCRYPTION_KEY)
    nonce = os.urandom(12)
    data = AESGCM(enc).encrypt(nonce, plain.encode(), b"zongheng")
    return "v1:" + base64.b64encode(nonce + data).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    enc, _ = _keys(settings.FIELD_ENCRYPTION_KEY)
    raw = base64.b64decode(token.removeprefix("v1:"))
    return AESGCM(enc).decrypt(raw[:12], raw[12:], b"zongheng").decode()


def blind_index(plain: str) -> str | None:
    """HMAC of the normalised value (NFKC, no whitespace, upper case): one index however it is written."""
    plain = re.sub(r"\s", "", unicodedata.normalize("NFKC", plain or "")).upper()
    if not plain:
        return None
    _, idx = _keys(settings.FIELD_ENCRYPTION_KEY)
    return hmac.new(idx, plain.encode(), hashlib.sha256).hexdigest()
