"""Residents' photos: checked by content (JPEG or PNG only), size-limited, re-encoded without metadata.

Re-encoding with Pillow drops EXIF (GPS position, camera, time) and every other metadata
chunk: only the pixels are kept. The picture is turned upright first (EXIF orientation) so
that dropping the tag does not leave it on its side, and very large pictures are scaled down.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from zongheng.core.errors import ActionError

MAX_PHOTOS = 3
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs long before Pillow's own limit
MAX_SIDE = 2560  # longer side after re-encoding

_JPEG = b"\xff\xd8\xff"
_PNG = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class CleanPhoto:
    """A re-encoded picture ready to be saved: file name and bytes."""

    name: str
    content: bytes

    def as_file(self) -> ContentFile:
        return ContentFile(self.content, name=self.name)


def sniff(head: bytes) -> str | None:
    """"jpeg" or "png" from the first bytes of a file, whatever its name says; None otherwise."""
    if head.startswith(_JPEG):
        return "jpeg"
    if head.startswith(_PNG):
        return "png"
    return None


def clean_photo(upload: Any) -> CleanPhoto:
    """Check one uploaded file and re-encode it; raises ActionError with a Chinese message."""
    label = getattr(upload, "name", "") or "照片"
    if upload.size > MAX_BYTES:
        raise ActionError(f"照片“{label}”超过 5 MB，请换一张较小的照片")
    upload.seek(0)
    kind = sniff(upload.read(16))
    upload.seek(0)
    if kind is None:
        raise ActionError(f"“{label}”不是 JPG 或 PNG 格式的照片")
    try:
        with Image.open(upload) as probe:
            if probe.format not in ("JPEG", "PNG"):
                raise ActionError(f"“{label}”不是 JPG 或 PNG 格式的照片")
            if probe.width * probe.height > MAX_PIXELS:
                raise ActionError(f"照片“{label}”尺寸过大")
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as img:
            img.load()
            picture = ImageOps.exif_transpose(img)
    except ActionError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ActionError(f"“{label}”无法识别为照片，可能已损坏") from exc
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    return _encode(picture, kind)


def _encode(picture: Image.Image, kind: str) -> CleanPhoto:
    # A new image of the same pixels: no info dict, so no EXIF, XMP, ICC or text chunks travel along.
    if kind == "jpeg":
        mode = "L" if picture.mode in ("L", "1") else "RGB"
        pixels = picture.convert(mode)
        bare = Image.new(mode, pixels.size)
        bare.paste(pixels)
        out = io.BytesIO()
        bare.save(out, format="JPEG", quality=85, optimize=True)
        ext = "jpg"
    else:
        mode = picture.mode if picture.mode in ("RGB", "RGBA", "L", "LA") else "RGBA"
        pixels = picture.convert(mode)
        bare = Image.new(mode, pixels.size)
        bare.paste(pixels)
        out = io.BytesIO()
        bare.save(out, format="PNG", optimize=True)
        ext = "png"
    return CleanPhoto(name=f"{secrets.token_hex(8)}.{ext}", content=out.getvalue())


def clean_photos(uploads: list[Any]) -> list[CleanPhoto]:
    if len(uploads) > MAX_PHOTOS:
        raise ActionError(f"最多上传 {MAX_PHOTOS} 张照片")
    return [clean_photo(u) for u in uploads]


THUMB_SIDE = 240


def thumbnail_data_uri(stored: Any, side: int = THUMB_SIDE) -> str | None:
    """A small JPEG of a stored photo as a ``data:`` URI (the CSP allows ``img-src data:``).

    The tracking page shows its submitter their photos this way: the code never goes into a URL,
    so the picture cannot be fetched by a link; None when the file is missing or unreadable.
    """
    import base64

    try:
        with stored.open("rb") as handle, Image.open(handle) as picture:
            picture.thumbnail((side, side))
            out = io.BytesIO()
            picture.convert("RGB").save(out, "JPEG", quality=75)
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()
