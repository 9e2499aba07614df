from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from .access import has_perm
from .permissions import Perm

# (url name, label, permission needed or None for any logged-in user)
NAV = [
    ("orgs:tree", "组织体系", Perm.ORG_VIEW),
    ("orgs:people", "人员", Perm.PERSON_VIEW),
    ("demands:queue", "居民诉求", Perm.DEMAND_VIEW),
    ("demands:config", "诉求配置", Perm.DEMAND_CONFIGURE),
    ("core:audit", "审计日志", Perm.AUDIT_VIEW),
    ("accounts:profile", "我的账号", None),
]


def platform(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    nav = []
    unread = 0
    if user is not None and user.is_authenticated:
        from zongheng.demands.models import Notification

        unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
        for name, label, perm in NAV:
            if perm is None or has_perm(user, perm):
                url = reverse(name)
                nav.append({"url": url, "label": label, "active": request.path.startswith(url)})
    return {"nav": nav, "DEMO_MODE": settings.DEMO_MODE, "unread_notifications": unread}
