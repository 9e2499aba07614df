"""What duty campaigns (认领) register with the ground (called by ``members.hooks.register``): the hub's section
(open campaigns, shifts still short, members on duty today) and the member's own (campaigns open to them,
their upcoming shifts), the to-do items (a member's shift to check in to or out of; a cadre's open campaign
with shifts short within 48 hours), the warning rule ``members.campaign_gap`` (a shift on now still short), the
deed source of checked-out shifts (积分), audit labels and links."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from zongheng.core.access import own_paths, path_q, scope_paths
from zongheng.core.audit_display import register_actions, register_object_url, url_by_pk
from zongheng.core.permissions import Perm
from zongheng.core.todo import TODO_LIMIT, Todo, register_todo
from zongheng.core.warnings import Due, register_rule

from .deeds import DeedRecord, register_deed_source
from .hub import HubFigure, Section, register_mine, register_section

AUDIT_ACTIONS = {
    "members.campaign_create": "发起认领活动", "members.campaign_update": "修改认领活动",
    "members.campaign_transition": "变更认领活动状态", "members.campaign_clone": "复制认领活动",
    "members.campaign_generate": "批量生成段和班次", "members.segment_add": "添加认领段（岗）",
    "members.segment_update": "修改认领段（岗）", "members.segment_delete": "删除认领段（岗）",
    "members.shift_add": "添加班次", "members.shift_update": "修改班次", "members.shift_delete": "删除班次",
    "members.duty_claim": "认领班次", "members.duty_release": "退领班次", "members.duty_check_in": "值守签到",
    "members.duty_check_out": "值守签退", "members.duty_companions": "登记带动群众",
}
SOON_HOURS = 48  # a cadre's to-do: shifts still short starting within this many hours
CHECK_IN_HOURS = 24  # a member's to-do: a shift starting within this many hours


def hub_section(user: Any, today: dt.date) -> Section | None:
    """认领 over the cadre's scope: open campaigns, shifts still short (not ended), members on duty today.
    Three queries."""
    from .choices import CampaignState, DutyState
    from .models import Campaign, DutyClaim, Shift
    from .selectors_campaigns import day_bounds

    paths = scope_paths(user, Perm.MEMBER_VIEW)
    if not paths:
        return None
    now = timezone.now()
    open_count = Campaign.objects.restrict(user).filter(state=CampaignState.OPEN).count()
    short = (Shift.objects.filter(path_q("campaign__org_path", paths), campaign__state=CampaignState.OPEN,
                                  ends_at__gt=now, claimed__lt=F("capacity")).count())
    start, end = day_bounds(today)
    on_duty = (DutyClaim.objects.filter(path_q("campaign__org_path", paths), state=DutyState.CLAIMED,
                                        starts_at__lt=end, ends_at__gt=start).count())
    campaigns = reverse("members:campaigns")
    shifts = reverse("members:campaign_shifts")
    figures = [
        HubFigure("认领中的活动", str(open_count), f"{campaigns}?state=open"),
        HubFigure("尚缺人的班次", str(short), f"{shifts}?state=open&short=1", "认领中的活动里未结束、未认满的"),
        HubFigure("今日值守", f"{on_duty} 人次", f"{reverse('members:campaign_roster')}?day={today:%Y-%m-%d}"),
    ]
    links = [("认领活动", campaigns)]
    if scope_paths(user, Perm.MEMBER_CHANGE):
        links.append(("发起认领活动", reverse("members:campaign_new")))
    return Section("认领", figures, links)


def mine_section(user: Any, person: Any, today: dt.date) -> Section | None:
    """A party member's own: campaigns open to them (with a link to claim), their upcoming shifts and the next
    one. Three queries."""
    from .actions_campaigns import span_text
    from .choices import CampaignState, DutyState
    from .models import Campaign, DutyClaim

    if person is None or not person.is_party_member:
        return None
    now = timezone.now()
    open_count = Campaign.objects.open_to(person).filter(state=CampaignState.OPEN).count()
    mine = DutyClaim.objects.filter(person_id=person.pk, state=DutyState.CLAIMED, ends_at__gt=now)
    upcoming = mine.count()
    if not open_count and not upcoming:
        return None
    next_claim = mine.select_related("shift__segment", "campaign").order_by("starts_at", "id").first()
    figures = [HubFigure("可认领的活动", str(open_count), f"{reverse('members:campaigns')}?state=open"),
               HubFigure("我认领的班次", str(upcoming), reverse("members:duty_claims"), "未结束的")]
    text = (f"下一个班次：{next_claim.campaign.title} {next_claim.shift.segment.name} "
            f"{span_text(next_claim.starts_at, next_claim.ends_at)}" if next_claim else "")
    links = [("认领值守班次", f"{reverse('members:campaign_shifts')}?state=open&short=1")] if open_count else []
    links.append(("我的认领", reverse("members:duty_claims")))
    return Section("认领值守", figures, links, text)


def my_duty(user: Any, now: dt.datetime) -> list[Todo]:
    """To-dos: for the member, a shift starting within 24 hours (or on now) to check in to, one checked in and
    not yet checked out; for a cadre, each open campaign of their own organisation with shifts still short
    starting within 48 hours. Two queries."""
    if not (user and user.is_authenticated):
        return []
    from .actions_campaigns import CHECK_OUT_LATE, span_text
    from .choices import DutyState
    from .models import DutyClaim
    from .selectors_campaigns import short_soon

    out: list[Todo] = []
    if getattr(user, "person_id", None):
        rows = (DutyClaim.objects.filter(person_id=user.person_id, state=DutyState.CLAIMED,
                                         checked_out_at__isnull=True,
                                         starts_at__lte=now + dt.timedelta(hours=CHECK_IN_HOURS))
                .filter(Q(checked_in_at__isnull=True, ends_at__gt=now)
                        | Q(checked_in_at__isnull=False, ends_at__gt=now - CHECK_OUT_LATE))
                .order_by("starts_at", "id")
                .values_list("campaign__title", "shift__segment__name", "starts_at", "ends_at", "checked_in_at")
                [:TODO_LIMIT])
        url = reverse("members:duty_claims")
        for title, segment, starts_at, ends_at, checked_in_at in rows:
            where = f"{title} {segment} {span_text(starts_at, ends_at)}"
            if checked_in_at is None:
                out.append(Todo("值守待签到", where, url, starts_at))
            else:
                out.append(Todo("值守待签退", where, url, ends_at + CHECK_OUT_LATE))
    paths = own_paths(user, Perm.MEMBER_CHANGE)
    shifts = reverse("members:campaign_shifts")
    for row in short_soon(paths, now, SOON_HOURS)[:TODO_LIMIT]:
        out.append(Todo("认领班次缺人", f"{row['campaign__title']}：{SOON_HOURS} 小时内有 {row['n']} 个班次未认满",
                        f"{shifts}?campaign={row['campaign_id']}&short=1", row["first"]))
    return out


GAP_RULE = "members.campaign_gap"


def find_gaps(now: dt.datetime) -> list[Due]:
    """认领班次缺人: each open campaign with a shift on now that still has places left — late since the first
    such shift began; responsible: the organisation running the campaign. One query."""
    from django.db.models import Count, Min

    from .choices import CampaignState
    from .models import Shift

    rows = (Shift.objects.filter(campaign__state=CampaignState.OPEN, starts_at__lte=now, ends_at__gt=now,
                                 claimed__lt=F("capacity"))
            .values("campaign_id", "campaign__title", "campaign__org_path", "campaign__org__name")
            .annotate(n=Count("id"), first=Min("starts_at")).order_by("campaign_id"))
    shifts = reverse("members:campaign_shifts")
    return [Due(key=str(r["campaign_id"]), org_path=r["campaign__org_path"], org_name=r["campaign__org__name"],
                title=f"认领班次缺人：{r['campaign__title']}，正在进行的 {r['n']} 个班次未认满",
                url=f"{shifts}?campaign={r['campaign_id']}&short=1", due_at=r["first"]) for r in rows]


def duty_deeds(start: dt.date, end: dt.date) -> Iterator[DeedRecord]:
    """Confirmed deeds of duty: every live claim checked out whose shift started in [start, end) (local days)."""
    from .actions_campaigns import span_text
    from .choices import Deed, DutyState
    from .models import DutyClaim

    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(end, dt.time.min))
    rows = (DutyClaim.objects.filter(state=DutyState.CLAIMED, checked_out_at__isnull=False, starts_at__gte=lo,
                                     starts_at__lt=hi)
            .values_list("pk", "person_id", "starts_at", "ends_at", "campaign__title", "shift__segment__name")
            .order_by("pk"))
    for pk, person_id, starts_at, ends_at, title, segment in rows.iterator(chunk_size=5000):
        yield DeedRecord(person_id=person_id, deed=Deed.DUTY, source=f"duty.claim:{pk}",
                         occurred_on=timezone.localtime(starts_at).date(),
                         note=f"{title} {segment} {span_text(starts_at, ends_at)}"[:200])


def claim_links(user: Any, ids: list[int]) -> dict[int, str]:
    """A ledger's duty entries link to their campaign: the user's own claims, or claims in scope."""
    from .models import DutyClaim

    rows = DutyClaim.objects.restrict(user).filter(pk__in=ids).values_list("pk", "campaign_id")
    return {pk: reverse("members:campaign", args=[campaign]) for pk, campaign in rows}


def register() -> None:
    from .selectors_points import register_source_link

    register_source_link("duty.claim", claim_links)
    register_section(40, "campaigns", hub_section)
    register_mine(40, "campaigns", mine_section)
    register_todo(46, "members.campaigns", my_duty)
    register_rule(GAP_RULE, "认领班次缺人", Perm.MEMBER_VIEW, find_gaps)
    register_deed_source("campaigns", duty_deeds)
    register_actions(AUDIT_ACTIONS)
    register_object_url("members.campaign", url_by_pk("members:campaign"), Perm.MEMBER_VIEW)
    register_object_url("members.segment", url_by_pk("members:campaign_segment"), Perm.MEMBER_VIEW)
    register_object_url("members.shift", url_by_pk("members:campaign_shift"), Perm.MEMBER_VIEW)
