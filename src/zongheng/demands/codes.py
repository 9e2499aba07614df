"""Tracking codes a resident can read out, copy and type (issue 13, item 11).

A code is 12 characters from an alphabet without look-alikes (no 0/O, 1/I/l), shown in groups
of four: ``K7MP-4XQ2-9HTR`` (31¹² ≈ 2⁵⁹ codes). Input is accepted with or without dashes or
spaces, in any case, full-width or half-width (NFKC).

Only a keyed hash is stored (HMAC-SHA256 under the field-encryption key, ``crypto.blind_index``),
so a copy of the database alone does not let anyone try codes offline; with it, the first four
characters (``PREFIX``) let staff find a demand whose code a resident reads out. Codes issued
before this format (22 URL-safe characters, stored as an unkeyed SHA-256, see
``models.hash_code``) keep working.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 12
GROUP = 4
PREFIX = 4
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―_·.]+")
_VALID = re.compile(f"[{ALPHABET}]+")


def new_code() -> str:
    """A fresh code in its grouped form, e.g. ``K7MP-4XQ2-9HTR``."""
    return group("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))


def group(plain: str) -> str:
    return "-".join(plain[i:i + GROUP] for i in range(0, len(plain), GROUP))


def squeeze(text: str) -> str:
    """NFKC, separators dropped, upper case: ``ｋ７ｍｐ－４xq2 9htr`` → ``K7MP4XQ29HTR``."""
    if not isinstance(text, str):
        return ""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()


def normalize(text: str) -> str | None:
    """The 12 characters of a code in the current format, or None when ``text`` is not one."""
    plain = squeeze(text)
    return plain if len(plain) == LENGTH and _VALID.fullmatch(plain) else None


def partial(text: str) -> str | None:
    """What staff typed of a code a resident reads out (at least the prefix), squeezed; else None."""
    plain = squeeze(text)
    return plain if PREFIX <= len(plain) <= LENGTH and _VALID.fullmatch(plain) else None


def keyed_hash(plain: str) -> str:
    from zongheng.core import crypto

    return crypto.blind_index(f"demand-code:{plain}") or ""  # never empty: ``plain`` is not
