"""What the inspections (巡查) register with the ground (called by ``lists.hooks.register``): the path copies an
organisation's move rewrites, audit labels and links, the two warning rules of ``warnings_inspections``, the
to-do items (rectifications to report for their owner, reports to verify for the organiser side and the team)
and the hub's section (open rounds, my rectifications, the overdue count — each linking to its rows)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.urls import reverse

from zongheng.core.access import path_q, scope_paths
from zongheng.core.audit_display import register_actions, register_object_url, url_by_pk
from zongheng.core.permissions import Perm
from zongheng.core.todo import TODO_LIMIT, Todo

AUDIT_ACTIONS = {
    "lists.inspection_create": "创建巡查轮次", "lists.inspection_move": "巡查轮次流转",
    "lists.inspection_team": "组建巡查组", "lists.inspection_target": "确定被巡查对象",
    "lists.finding_record": "登记巡查发现问题", "lists.rectification_create": "登记整改事项",
    "lists.rectification_move": "整改事项流转（报告、销号、退回）",
}


def to_report(user: Any, now: dt.datetime) -> list[Todo]:
    """整改待报告: my organisations' items (where I report) and those I answer for, 待整改 or 退回. One query."""
    from .choices_inspections import RectState
    from .models_inspections import Rectification
    from .selectors_inspections import mine_q
    from .warnings_tasks import day_end

    if not (user and user.is_authenticated):
        return []
    rows = (Rectification.objects.filter(mine_q(user), state__in=[RectState.PENDING, RectState.RETURNED])
            .order_by("due_on", "pk").values_list("pk", "title", "state", "org__name", "due_on")[:TODO_LIMIT])
    return [Todo("整改被退回" if state == RectState.RETURNED else "整改待报告", f"{title}（{org}）",
                 reverse("lists:inspection_rect", args=[pk]), day_end(due_on))
            for pk, title, state, org, due_on in rows]


def to_verify(user: Any, now: dt.datetime) -> list[Todo]:
    """整改待核验: reports of rounds the user organises (inspection.run there or above) or of their team's
    targets — except the items of their own side (the owner never verifies its own report). One query."""
    from .choices_inspections import VERIFY_DAYS, RectState
    from .models_inspections import InspectionTeam, Rectification
    from .selectors_inspections import is_owner_side

    if not (user and user.is_authenticated):
        return []
    q = path_q("round__org_path", scope_paths(user, Perm.INSPECT_RUN))
    if user.person_id:
        q |= Q(target__team_id__in=InspectionTeam.objects.filter(
            Q(leader_id=user.person_id) | Q(members__id=user.person_id)).values("pk"))
    rows = [r for r in Rectification.objects.filter(q, state=RectState.REPORTED)
            .select_related("org").only("title", "org_path", "responsible_id", "state_since", "org__name")
            .order_by("state_since", "pk")[:TODO_LIMIT * 2] if not is_owner_side(user, r)]
    return [Todo("整改待核验", f"{r.title}（{r.org.name}）", reverse("lists:inspection_rect", args=[r.pk]),
                 r.state_since + dt.timedelta(days=VERIFY_DAYS)) for r in rows[:TODO_LIMIT]]


def home_section(user: Any, year: int | None, today: dt.date) -> Any:
    """The hub's 巡查 section: open rounds, my rectifications (open), overdue items — three counts, each a link."""
    from .choices_inspections import OPEN_STATES, RoundState
    from .models_inspections import Rectification
    from .selectors_inspections import may_view, mine_q, overdue_q, rounds_in_scope
    from .views_home import HomeSection

    if not may_view(user):
        return None
    rects = Rectification.objects.restrict(user)
    base = reverse("lists:inspection_rects")
    return HomeSection("lists/inspections/_home.html", {
        "open_rounds": rounds_in_scope(user).exclude(state=RoundState.COMPLETED).count(),
        "rounds_url": f"{reverse('lists:inspections')}?open=1",
        "mine": rects.filter(mine_q(user), state__in=OPEN_STATES).count(), "mine_url": f"{base}?mine=1",
        "overdue": rects.filter(overdue_q(today)).count(), "overdue_url": f"{base}?overdue=1",
        "ledger_url": base,
    })


def register() -> None:
    from zongheng.core.paths import register_path_copy
    from zongheng.core.todo import register_todo
    from zongheng.core.warnings import register_rule

    from . import warnings_inspections as w
    from .models_inspections import Finding, InspectionRound, InspectionTarget, Rectification
    from .views_home import register_home_section

    for model in (InspectionRound, InspectionTarget, Finding, Rectification):
        register_path_copy(model, "org_path")
    register_home_section(40, "inspections", home_section, "巡查和整改")
    register_actions(AUDIT_ACTIONS)
    register_object_url("lists.inspectionround", url_by_pk("lists:inspection"), Perm.LIST_VIEW)
    register_object_url("lists.inspectiontarget", url_by_pk("lists:inspection_target"), Perm.LIST_VIEW)
    register_object_url("lists.rectification", url_by_pk("lists:inspection_rect"), Perm.LIST_VIEW)
    register_rule(w.RECT_OVERDUE, "整改事项逾期未销号", Perm.LIST_VIEW, w.find_overdue)
    register_rule(w.RECT_UNVERIFIED, "整改报告待核验超期", Perm.INSPECT_RUN, w.find_unverified)
    register_todo(67, "lists.rectifications_to_report", to_report)
    register_todo(68, "lists.rectifications_to_verify", to_verify)
