"""Masking and validation of personal numbers (phone, 居民身份证号码)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII only: other scripts' digits are not an ID number
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def mask_phone(phone: str) -> str:
    """138****5678: first three and last four digits."""
    if not phone:
        return ""
    digits = phone.replace("-", "")
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_id_number(id_number: str) -> str:
    """340802**********12: region prefix and last two characters only."""
    if not id_number:
        return ""
    return id_number[:6] + "*" * (len(id_number) - 8) + id_number[-2:]


def normalize_phone(value: str) -> str:
    """NFKC (full-width digits become ASCII), then no spaces."""
    return re.sub(r"[\s]", "", unicodedata.normalize("NFKC", value or ""))


def normalize_id_number(value: str) -> str:
    """The one written form of an ID number: NFKC (full-width ０-９ and Ｘ), no spaces, upper case.

    The blind index, the stored ciphertext and the masked copy all start from this form, so
    "34080219900101123x", "３４０８０２…１２３Ｘ" and "340802 19900101 123X" are one person.
    """
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", value or "")).upper()


def validate_phone(value: str) -> str | None:
    """Returns a Chinese error message, or None when valid."""
    if value and not PHONE_RE.match(value):
        return "手机号码格式不正确（应为 11 位手机号或带区号的固话）"
    return None


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_id_number(value: str) -> str | None:
    """GB 11643 居民身份证号码: 18 characters, a valid birth date and checksum."""
    if not value:
        return None
    value = normalize_id_number(value)
    if not ID_RE.match(value):
        return "身份证号码应为 18 位（前 17 位数字，末位数字或 X）"
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "身份证号码中的出生日期无效"
    if id_check_char(value[:17]) != value[17]:
        return "身份证号码校验位错误"
    return None


def mask_address(address: str) -> str:
    """宜城路街道先锋****: the first part (road, community) only; the rest starred."""
    if not address:
        return ""
    keep = min(6, len(address) // 2)
    return address[:keep] + "****"
