"""Attachments of a notice: checked by size, name and content (documents, sheets, PDFs and pictures)."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.core.files.base import ContentFile

from zongheng.core.errors import ActionError

MAX_FILES = 5
MAX_BYTES = 10 * 1024 * 1024
# extension → the first bytes its content must start with
KINDS: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "docx": (b"PK\x03\x04",), "xlsx": (b"PK\x03\x04",), "pptx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0",), "xls": (b"\xd0\xcf\x11\xe0",),
    "jpg": (b"\xff\xd8\xff",), "jpeg": (b"\xff\xd8\xff",), "png": (b"\x89PNG\r\n\x1a\n",),
}


def clean_attachment(upload: Any) -> tuple[str, ContentFile]:
    """(display name, file to store under a random name); ActionError in Chinese otherwise."""
    label = os.path.basename(getattr(upload, "name", "") or "附件")[:200]
    ext = label.rsplit(".", 1)[-1].lower() if "." in label else ""
    if ext not in KINDS:
        raise ActionError(f"附件“{label}”的类型不支持（可上传 PDF、Word、Excel、PPT 和 JPG/PNG 图片）")
    if upload.size > MAX_BYTES:
        raise ActionError(f"附件“{label}”超过 10 MB")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in KINDS[ext]):
        raise ActionError(f"附件“{label}”的内容与其类型不符")
    return label, ContentFile(upload.read(), name=f"{secrets.token_hex(8)}.{ext}")


def clean_attachments(uploads: list[Any]) -> list[tuple[str, ContentFile]]:
    if len(uploads) > MAX_FILES:
        raise ActionError(f"最多上传 {MAX_FILES} 个附件")
    return [clean_attachment(u) for u in uploads]
