from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .access import NotAuthenticated
from .context_vars import RequestInfo, current_request


def client_ip(request: HttpRequest) -> str | None:
    """The client address: the one the audit log records and the residents' per-client limits count.

    Behind a reverse proxy, ``CLIENT_IP_HEADER`` names the ``META`` key of the header the proxy sets
    (``HTTP_X_REAL_IP`` for ``X-Real-IP``; see docs/deployment.md); its first address is taken. Without
    it, or when a request lacks the header or its first entry is not an address (a misconfigured proxy passing
    on what the client sent: the audit log's column holds addresses only), the peer address (``REMOTE_ADDR``).
    """
    header = settings.CLIENT_IP_HEADER
    forwarded = str(request.META.get(header, "")).split(",")[0].strip() if header else ""
    if forwarded:
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Gives each request an id (echoed as X-Request-ID) and remembers it for the audit log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = current_request.set(RequestInfo(request_id=request_id, ip=client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = request_id
        return response


class LoginRequiredMiddleware:
    """Turns ``access.NotAuthenticated`` from a page into a redirect to the login page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotAuthenticated):
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        return None


# One policy for every response (pages, API, errors, static files): scripts and styles only from
# the platform's own files — no inline <script>, no on* handler, no style="", no eval.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
NO_STORE = "no-store, private"


class SecurityHeadersMiddleware:
    """Sends the Content-Security-Policy on every response, and ``Cache-Control: no-store`` on every
    response that may hold personal data: anything answered to an authenticated user (session or
    API token) and anything on a path that carries a resident's tracking code
    (``settings.NO_STORE_PATH_PREFIXES``). Static files are exempt from no-store.

    Placed before WhiteNoise so that static files get the policy too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        from django.conf import settings

        self.get_response = get_response
        self.static_prefix = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else f"/{settings.STATIC_URL}"
        self.no_store_prefixes = tuple(getattr(settings, "NO_STORE_PATH_PREFIXES", ()))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        if not request.path.startswith(self.static_prefix) and (
            request.path.startswith(self.no_store_prefixes) or _authenticated(request)
        ):
            response["Cache-Control"] = NO_STORE
        return response


def _authenticated(request: HttpRequest) -> bool:
    auth = getattr(request, "auth", None)  # django-ninja: the user behind an API token or session
    if getattr(auth, "is_authenticated", False):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)
