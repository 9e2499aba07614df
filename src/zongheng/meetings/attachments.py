"""Attachments of minutes: checked by content (PDF, Word, Excel, JPG, PNG), at most 10 MB each."""

from __future__ import annotations

import secrets
import zipfile
from typing import Any

from django.core.files.base import ContentFile

from zongheng.core.errors import ActionError

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
CONTENT_TYPES = {
    "pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def sniff(upload: Any) -> str | None:
    """The kind of the file from its bytes, whatever its name says; None when not accepted."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            upload.seek(0)
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return None


def clean_attachment(upload: Any) -> tuple[str, ContentFile]:
    """(display name, file to store under a random name) or ActionError in Chinese."""
    label = (getattr(upload, "name", "") or "附件").replace("/", "_").replace("\\", "_")[-120:]
    if upload.size > MAX_BYTES:
        raise ActionError(f"附件“{label}”超过 10 MB，请压缩后再上传")
    kind = sniff(upload)
    if kind is None:
        raise ActionError(f"“{label}”不是可接受的附件格式（PDF、Word、Excel、JPG 或 PNG）")
    upload.seek(0)
    return label, ContentFile(upload.read(), name=f"{secrets.token_hex(8)}.{kind}")
