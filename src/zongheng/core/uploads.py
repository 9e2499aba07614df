"""A cap on request bodies, enforced before they are read.

``UploadLimitMiddleware`` refuses a request whose declared ``Content-Length`` exceeds
``UPLOAD_MAX_BYTES`` (413, in Chinese, before Django parses anything). A body sent without
a length (chunked) is counted while it streams by ``LimitedUploadHandler``, which stops the
upload as soon as the cap is passed (400). Per-purpose limits (a roster, a photo) are
checked again by the module that reads the file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

TOO_BIG = "上传的内容过大（上限 {mb} MB），请压缩或拆分后再试。"


def _message() -> str:
    return TOO_BIG.format(mb=settings.UPLOAD_MAX_BYTES // (1024 * 1024))


class UploadLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.UPLOAD_MAX_BYTES:
            if request.path.startswith(("/api/", "/open311/")):
                return JsonResponse({"detail": _message()}, status=413)
            response = render(request, "core/error.html",
                              {"title": "上传内容过大", "message": _message()}, status=413)
            response["Connection"] = "close"
            return response
        return self.get_response(request)


class LimitedUploadHandler(FileUploadHandler):
    """Counts the bytes of every file in one request; past the cap the upload stops (400)."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            raise RequestDataTooBig(_message())
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
