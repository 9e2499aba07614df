"""What the demands module registers with the ground (``DemandsConfig.ready``): its navigation
entries, the unread-notification badge, and its landing — whoever handles demands (and
maintains no organisation) lands on the workbench queue."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from zongheng.core.access import has_perm
from zongheng.core.landing import register_landing
from zongheng.core.nav import register_badge, register_nav
from zongheng.core.permissions import Perm


def _workbench(user: Any) -> str | None:
    return reverse("demands:queue") if has_perm(user, Perm.DEMAND_HANDLE) else None


def _unread(user: Any) -> int:
    from .selectors import notifications_for  # only notices of demands the user may open

    return notifications_for(user).filter(read_at__isnull=True).count()


def register() -> None:
    register_nav(30, "demands:queue", "居民诉求", Perm.DEMAND_VIEW)
    register_nav(40, "demands:config", "诉求配置", Perm.DEMAND_CONFIGURE)
    register_badge(10, "demands:notifications", "通知", _unread)
    register_landing(20, "demands.workbench", _workbench)
