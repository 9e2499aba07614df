"""The JSON API, ``/api/v1/`` (OpenAPI schema at ``/api/v1/openapi.json``).

Authentication: an API token (``Authorization: Bearer zh_…``) or the session of the
pages (unsafe methods then need the CSRF token). Errors are JSON ``{"detail": …}``:

- 400 — an action refused the write (``ActionError``; Chinese message), or an unreadable body;
- 401 — not authenticated;
- 403 — the user has the right nowhere (``core.access.require``), or a failed CSRF check;
- 404 — the row does not exist or lies outside the user's scope (the two look the same);
- 422 — the input does not match the schema (ninja's default: ``detail`` is a list of
  pydantic errors, each with ``loc``, ``msg`` and ``type``).

Every operation declares each of these it can return, so the schema is an executable
contract (``tests/api/test_schemathesis.py``).
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from zongheng.accounts.auth import SessionAuth, TokenAuth
from zongheng.core.errors import ActionError
from zongheng.orgs.api import router as orgs_router

api = NinjaAPI(
    title="纵横 API",
    version="1",
    description=__doc__ or "",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "请先登录，或在请求头中提供 API 令牌（Authorization: Bearer …）"},
                               status=401)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "您没有此项权限"}, status=403)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "未找到，或不在您的管辖范围内"}, status=404)


@api.exception_handler(ObjectDoesNotExist)
def _does_not_exist(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _not_found(request, exc)


@api.exception_handler(ActionError)
def _action_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    assert isinstance(exc, ActionError)  # noqa: S101 — registered for ActionError only
    return api.create_response(request, {"detail": exc.message}, status=400)


api.add_router("/", orgs_router)
api.add_router("/", "zongheng.demands.api.router")
api.add_router("/", "zongheng.meetings.api.router")
api.add_router("/", "zongheng.notices.api.router")
api.add_router("/", "zongheng.cobuild.api.router")
api.add_router("/", "zongheng.members.api.router")
api.add_router("/", "zongheng.lists.api.router")
api.add_router("/", "zongheng.net.api_figures.router")
api.add_router("/", "zongheng.core.api.router")
api.add_router("/", "zongheng.net.api.router")
