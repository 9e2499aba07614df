"""What 一横's agreements part registers with the ground (called by ``cobuild.hooks.register``): the warning
rules ``cobuild.pairing_behind_pace`` (``pace.find_behind``) and ``cobuild.item_overdue``, the to-do items
(认领项目 due within 14 days or overdue), navigation, audit labels and links."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from zongheng.core.access import own_paths
from zongheng.core.audit_display import register_actions, register_object_url, url_by_pk
from zongheng.core.permissions import Perm
from zongheng.core.todo import TODO_LIMIT, Todo, register_todo
from zongheng.core.warnings import Due, register_rule

ITEM_OVERDUE = "cobuild.item_overdue"

AUDIT_ACTIONS = {
    "cobuild.agreement_create": "登记项目认领书", "cobuild.agreement_update": "修改项目认领书",
    "cobuild.agreement_transition": "变更认领书状态", "cobuild.item_add": "添加认领项目",
    "cobuild.item_progress": "更新认领项目进度", "cobuild.item_complete": "认领项目完成",
    "cobuild.item_drop": "取消认领项目", "cobuild.pairing_create": "登记结对共建",
    "cobuild.activity_add": "登记共建活动",
}


def _day_end(day: dt.date) -> dt.datetime:
    """The deadline of a due date: the midnight after it, local time."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def find_item_overdue(now: dt.datetime) -> list[Due]:
    """认领项目逾期: every open item of an agreement in force past its due date — one Due for the
    street/community side and one for the unit side (distinct keys). One query."""
    from .choices import AgreementState, ItemState
    from .models import AgreementItem

    today = timezone.localtime(now).date()
    rows = (AgreementItem.objects.filter(state=ItemState.OPEN, due_on__lt=today,
                                         agreement__state=AgreementState.ACTIVE)
            .values_list("pk", "title", "due_on", "org_path", "agreement__org__name", "unit_path",
                         "agreement__unit__name").order_by("pk"))
    out = []
    for pk, title, due_on, org_path, org_name, unit_path, unit_name in rows.iterator(chunk_size=2000):
        text = f"认领项目逾期未完成：{title[:80]}（{org_name} · {unit_name}）"
        url, due_at = reverse("cobuild:item", args=[pk]), _day_end(due_on)
        out.append(Due(key=f"{pk}:org", org_path=org_path, org_name=org_name, title=text, url=url, due_at=due_at))
        out.append(Due(key=f"{pk}:unit", org_path=unit_path, org_name=unit_name, title=text, url=url, due_at=due_at))
    return out


def my_items(user: Any, now: dt.datetime) -> list[Todo]:
    """认领项目 due within 14 days or overdue, of the organisations where the user holds a post with
    cobuild.progress themselves (a liaison: their unit; a community secretary: their community). One query."""
    if not (user and user.is_authenticated):
        return []
    from .choices import AgreementState, ItemState
    from .models import AgreementItem
    from .selectors_agreements import DUE_SOON_DAYS

    paths = own_paths(user, Perm.COBUILD_PROGRESS)
    if not paths:
        return []
    today = timezone.localtime(now).date()
    rows = (AgreementItem.objects.filter(Q(org_path__in=paths) | Q(unit_path__in=paths), state=ItemState.OPEN,
                                         agreement__state=AgreementState.ACTIVE,
                                         due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS))
            .order_by("due_on", "id").values_list("pk", "title", "due_on", "progress", "agreement__unit__name",
                                                  "agreement__org__name")[:TODO_LIMIT])
    return [Todo("认领项目逾期" if due_on < today else "认领项目即将到期",
                 f"{title}（{org} · {unit}，进度 {progress}%）", reverse("cobuild:item", args=[pk]), _day_end(due_on))
            for pk, title, due_on, progress, unit, org in rows]


def register() -> None:
    from . import indicators
    from .pace import RULE, find_behind

    register_rule(RULE, "结对共建活动落后于进度", Perm.COBUILD_VIEW, find_behind)
    indicators.register()
    register_rule(ITEM_OVERDUE, "认领项目逾期", Perm.COBUILD_VIEW, find_item_overdue)
    register_todo(40, "cobuild.items", my_items)
    register_actions(AUDIT_ACTIONS)
    register_object_url("cobuild.agreement", url_by_pk("cobuild:agreement"), Perm.COBUILD_VIEW)
    register_object_url("cobuild.agreementitem", url_by_pk("cobuild:item"), Perm.COBUILD_VIEW)
    register_object_url("cobuild.pairing", url_by_pk("cobuild:pairing"), Perm.COBUILD_VIEW)
