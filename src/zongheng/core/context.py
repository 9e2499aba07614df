from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .access import has_perm
from .nav import badges, nav_items, register_badge, register_nav
from .permissions import Perm
from .urlcache import fixed_url

register_nav(0, "core:todo", "我的待办", None)
register_nav(80, "core:audit", "审计日志", Perm.AUDIT_VIEW)
register_nav(90, "accounts:profile", "我的账号", None)


def _todo_badge(user: Any) -> int:
    from .views_todo import badge_count  # the open warnings on the user: one count

    return badge_count(user)


register_badge(0, "core:todo", "逾期", _todo_badge)


def platform(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    nav = []
    counters = []
    if user is not None and user.is_authenticated:
        for item in nav_items():
            if item.visible(user) if item.visible is not None else item.perm is None or has_perm(user, item.perm):
                url = fixed_url(item.url_name)
                nav.append({"url": url, "label": item.label, "active": False})
        # One current item: the longest nav URL the path lies under (诉求配置, not also 居民诉求).
        under = [n for n in nav if request.path.startswith(str(n["url"]))]
        if under:
            max(under, key=lambda n: len(str(n["url"])))["active"] = True
        for badge in badges():
            count = badge.count(user)
            if count:
                url = fixed_url(badge.url_name)
                counters.append({"url": url, "label": badge.label, "count": count})
    return {"nav": nav, "DEMO_MODE": settings.DEMO_MODE, "badges": counters}
