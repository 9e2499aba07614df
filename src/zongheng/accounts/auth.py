"""API authentication: bearer tokens (``Authorization: Bearer zh_…``) and the session cookie.

Both return the user (``request.auth``) or None; when every method returns None the API
answers 401. A token is looked up by the SHA-256 of its key (the key itself is never
stored); a revoked token or an inactive user does not authenticate.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from .middleware import MUST_CHANGE_MESSAGE, must_change_password
from .models import ApiToken

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def user_for_key(key: str) -> Any | None:
    """The active user owning the unrevoked token ``key``, or None (one query)."""
    if not key or not key.startswith("zh_") or len(key) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return token.user if token else None


class TokenAuth(HttpBearer):
    """``Authorization: Bearer zh_…`` — an API token created on the profile page."""

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = user_for_key(token.strip())
        if user is not None and must_change_password(user):
            raise HttpError(403, MUST_CHANGE_MESSAGE)
        if user is not None:
            # Code downstream (audit, scope) reads request.user as on the pages.
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The logged-in session of the pages. Unsafe methods must carry the CSRF token.

    Unlike ninja's ``django_auth``, the CSRF check runs only for an authenticated session,
    so an anonymous request gets 401 (not 403) whatever its method.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(403, "CSRF 校验失败：请刷新页面后重试，或改用 API 令牌")
        return user
