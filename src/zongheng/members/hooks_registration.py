"""What 双联双管报到 registers with the ground (called by ``members.hooks.register``): audit labels and links,
the to-do (applications waiting for the community cadres who can confirm them), the hub section (figures over
the user's scope), the member's own section (their registration and the action they can take), and the
periodic job that keeps the managing side's path copy in step with the member's organisation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from zongheng.core.access import has_perm, own_paths
from zongheng.core.audit_display import register_actions, register_object_url, url_by_pk
from zongheng.core.periodic import register_periodic
from zongheng.core.permissions import Perm
from zongheng.core.todo import TODO_LIMIT, Todo, register_todo

from . import hub

AUDIT_ACTIONS = {
    "members.registration_apply": "申请到社区报到", "members.registration_enter": "社区代为登记报到",
    "members.registration_confirm": "确认报到", "members.registration_decline": "不同意报到",
    "members.registration_withdraw": "撤回报到申请", "members.registration_end": "结束报到",
    "members.registration_lookup": "按姓名和身份证号码查找党员（代为登记报到）",
    "members.registration_demo": "生成演示报到记录",
    "members.registration_roster": "按名册中的报到社区同步报到记录",
}


def pending_todos(user: Any, now: dt.datetime) -> list[Todo]:
    """待确认报到: applications to the communities where the user holds a post with member.change themselves
    (a community's secretary, deputy or assistant — not every cadre above). One query."""
    if not (user and user.is_authenticated):
        return []
    from .selectors_registration import pending_for

    paths = own_paths(user, Perm.MEMBER_CHANGE)
    today = timezone.localtime(now).date()
    out = []
    for pk, name, community, applied_on in pending_for(paths, TODO_LIMIT):
        waited = (today - applied_on).days
        since = f"，已等待 {waited} 天" if waited > 0 else ""
        out.append(Todo("待确认报到", f"{name}申请到{community}报到（{applied_on:%Y-%m-%d}{since}）",
                        reverse("members:registration", args=[pk])))
    return out


def section(user: Any, today: dt.date) -> hub.Section | None:
    """The hub's 双联双管报到: applications waiting, members registered with the communities in scope, the
    communities, and the members the user's organisations manage who are registered elsewhere. Four queries."""
    if not has_perm(user, Perm.MEMBER_VIEW):
        return None
    from .selectors_registration import figures

    f = figures(user)
    regs = reverse("members:registrations")
    s = hub.Section("双联双管报到", text="在职党员到居住地社区报到：社区确认后，党员所在党组织和报到社区都能看到他。")
    s.figures = [
        hub.HubFigure("待确认的报到申请", f"{f.pending} 件", f"{regs}?side=community&state=applied"),
        hub.HubFigure("到辖区社区报到的党员", f"{f.registered} 名", f"{regs}?side=community&state=confirmed"),
        hub.HubFigure("社区（村）", f"{f.communities} 个", reverse("members:registration_counts"),
                      note="各社区管理党员、报到党员和待确认申请"),
        hub.HubFigure("本辖区党员在外报到", f"{f.out} 名", f"{regs}?side=member&state=confirmed"),
    ]
    s.links = [("报到记录", regs)]
    if has_perm(user, Perm.MEMBER_CHANGE):
        s.links.append(("代为登记报到", reverse("members:registration_enter")))
    return s


def mine(user: Any, person: Any, today: dt.date) -> hub.Section | None:
    """我的报到: the member's registration (open, else the latest) and the one thing they can do now. Two queries."""
    if person is None or not person.is_party_member:
        return None
    from .selectors_registration import current_of

    reg = current_of(person)
    s = hub.Section("双联双管报到")
    apply = reverse("members:registration_apply")
    if reg is None:
        home = _managing_community(person)
        if home is not None:  # managed where they live, as a rule: registering elsewhere is for those who moved
            s.text = (f"您的组织关系在{home.name}，不需要向{home.name}报到；居住在其他社区（村）的，"
                      "可以向居住地社区申请报到。")
        else:
            s.text = ("您还没有到居住地社区报到。在职党员可以向居住地所在的社区（村）申请报到，"
                      "社区确认后参加社区的活动和服务。")
        s.links = [("申请报到", apply)]
        return s
    url = reverse("members:registration", args=[reg.pk])
    if reg.state == "applied":
        s.text = f"您于 {reg.applied_on:%Y-%m-%d} 申请到{reg.community.name}报到，等待社区确认。"
        s.links = [("查看或撤回申请", url)]
    elif reg.state == "confirmed":
        s.text = f"您已于 {reg.confirmed_on:%Y-%m-%d} 到{reg.community.name}报到（双联双管）。"
        s.links = [("查看我的报到", url)]
    else:
        reason = f"（{reg.reason}）" if reg.reason else ""
        s.text = f"您到{reg.community.name}的报到{reg.get_state_display()}{reason}。可以重新申请报到。"
        s.links = [("重新申请报到", apply), ("查看记录", url)]
    return s


def _managing_community(person: Any) -> Any:
    """The community (or village) above the member's own organisation, if any (one query)."""
    from zongheng.orgs.models import Org
    from zongheng.orgs.picker import UNIT_LEVELS
    from zongheng.orgs.resolve import REGISTER_LEVELS

    from .models import ancestor_paths

    rows = list(Org.objects.filter(path__in=ancestor_paths(person.org_path)).select_related("level")
                .order_by("-depth"))
    if rows and rows[0].path == person.org_path and rows[0].level.code in UNIT_LEVELS:
        return None  # a stationed unit's member: the community it sits in does not manage them
    return next((o for o in rows if o.level.code in REGISTER_LEVELS), None)


def sync_paths(now: dt.datetime) -> str:
    from .actions_registration import sync_member_paths, sync_with_roster

    paths = sync_member_paths(now)
    ended, created = sync_with_roster(now)
    return f"报到记录的党员所在组织已同步 {paths} 条；按名册结束报到 {ended} 条、补记报到 {created} 条"


def register() -> None:
    register_actions(AUDIT_ACTIONS)
    register_object_url("members.registration", url_by_pk("members:registration"), Perm.MEMBER_VIEW)
    register_todo(15, "members.registrations", pending_todos)
    hub.register_section(10, "registration", section)
    hub.register_mine(10, "registration", mine)
    register_periodic("members.registration_paths", sync_paths)
