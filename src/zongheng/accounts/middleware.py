from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect


def start_idle_clock(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """``user_logged_in``: the idle clock starts at login, in the session the login writes anyway (the
    first page after it has nothing to write)."""
    if request is not None and hasattr(request, "session"):
        request.session["last_seen"] = int(time.time())


class IdleTimeoutMiddleware:
    """Logs a user out after SESSION_IDLE_SECONDS without a request (30 minutes).

    The time of the last request is written to the session at most once a minute (``TOUCH_SECONDS``):
    writing it on every request made every page save its session (an UPDATE in a transaction) for
    a clock that needs no finer grain than the minute.
    """

    TOUCH_SECONDS = 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get("last_seen")
            if last is not None and now - int(last) > settings.SESSION_IDLE_SECONDS:
                logout(request)
            elif last is None or now - int(last) >= self.TOUCH_SECONDS:
                request.session["last_seen"] = now
        return self.get_response(request)


MUST_CHANGE_MESSAGE = "请先登录网页修改初始密码，再使用本账号的会话或 API 令牌。"


def must_change_password(user: object) -> bool:
    """An account still on its initial password (demo accounts excepted)."""
    return bool(getattr(user, "must_change_password", False)) and not getattr(user, "is_demo", False)


class ForcePasswordChangeMiddleware:
    """Accounts with an initial password may only reach the password-change page.

    The API is not exempt: a session of such an account gets 403 there, and so does its
    API token (``accounts.auth.TokenAuth``).
    """

    ALLOWED_PREFIXES = ("/accounts/password/", "/accounts/logout/", "/static/", "/healthz")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and must_change_password(user)
            and not request.path.startswith(self.ALLOWED_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": MUST_CHANGE_MESSAGE}, status=403)
            return redirect("accounts:password_change")
        return self.get_response(request)
