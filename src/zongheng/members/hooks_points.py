"""What the points part (积分) registers (called by ``members.hooks.register``): two deed sources (approved
claims, demands handled to their close), links from an entry to its deed, the periodic reconciliation
``members.points``, the hub section and the member's own section, the reviewers' to-do, audit labels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from zongheng.core.access import has_perm, own_paths, post_org
from zongheng.core.audit_display import register_actions, register_object_url, url_by_pk
from zongheng.core.permissions import Perm
from zongheng.core.todo import TODO_LIMIT, Todo, register_todo

from .choices import ClaimState, Deed
from .deeds import DeedRecord, register_deed_source
from .hub import HubFigure, Section

AUDIT_ACTIONS = {
    "members.points_claim": "申报积分", "members.points_claim_withdraw": "撤回积分申报",
    "members.points_claim_approve": "积分申报审核通过", "members.points_claim_decline": "积分申报不予通过",
    "members.points_correct": "更正积分", "members.points_close_year": "年度积分结算",
    "members.points_rule_update": "修改积分细则", "members.points_rule_add": "增加积分细则",
    "members.points_rule_remove": "删除积分细则", "members.points_demo": "生成积分演示数据",
}
REVIEW_LEVELS = ("community", "village", "grid", "household")  # posts whose holders review claims day to day


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# ---------------------------------------------------------------- deed sources


def claim_deeds(start: dt.date, end: dt.date) -> Iterator[DeedRecord]:
    """积分申报 approved by the member's organisation (source ``claim:<id>``, the item as claimed)."""
    from .models import PointClaim

    rows = (PointClaim.objects.filter(state=ClaimState.APPROVED, occurred_on__gte=start, occurred_on__lt=end)
            .values_list("pk", "person_id", "occurred_on", "item_id", "description").order_by("pk"))
    for pk, person_id, day, item_id, description in rows.iterator(chunk_size=2000):
        yield DeedRecord(person_id, Deed.CLAIM, f"claim:{pk}", day, note=f"申报：{description}"[:100],
                         item_id=item_id)


def demand_deeds(start: dt.date, end: dt.date) -> Iterator[DeedRecord]:
    """办理群众诉求: a demand closed in [start, end) (rated, or closed when the rating timed out) earns its
    handler — whoever gave its last answer (答复; after a reopen, the one who answered again), not the
    dispatcher — when that is a party member (source ``demand:<id>``, on the day it closed). Two queries."""
    from zongheng.demands.choices import Status
    from zongheng.demands.models import Demand, DemandEvent
    from zongheng.orgs.models import Person

    last_answer = (DemandEvent.objects.filter(demand=OuterRef("pk"), action="answer").order_by("-seq")
                   .values("actor__person_id")[:1])
    rows = list(Demand.objects.filter(status=Status.CLOSED, closed_at__gte=_day_start(start),
                                      closed_at__lt=_day_start(end))
                .annotate(handler=Subquery(last_answer)).filter(handler__isnull=False)
                .values_list("pk", "handler", "closed_at", "ref").order_by("pk"))
    members = set(Person.objects.filter(pk__in={r[1] for r in rows}, is_party_member=True)
                  .values_list("pk", flat=True)) if rows else set()
    for pk, handler, closed_at, ref in rows:
        if handler in members:
            yield DeedRecord(handler, Deed.DEMAND, f"demand:{pk}", timezone.localtime(closed_at).date(),
                             note=f"诉求 {ref}")


# ---------------------------------------------------------------- links from an entry to its deed


def _demand_links(user: Any, ids: list[int]) -> dict[int, str]:
    from zongheng.demands.models import Demand

    if not has_perm(user, Perm.DEMAND_VIEW):
        return {}
    found = Demand.objects.restrict(user).filter(pk__in=ids).values_list("pk", flat=True)
    return {pk: reverse("demands:detail", args=[pk]) for pk in found}


def _claim_links(user: Any, ids: list[int]) -> dict[int, str]:
    from .models import PointClaim

    found = PointClaim.objects.restrict(user).filter(pk__in=ids).values_list("pk", flat=True)
    return {pk: reverse("members:points_claim", args=[pk]) for pk in found}


# ---------------------------------------------------------------- hub, own page, to-do


def hub_section(user: Any, today: dt.date) -> Section | None:
    """积分: over the user's scope — members with points this year, the points, claims awaiting review."""
    if not has_perm(user, Perm.MEMBER_VIEW):
        return None
    from .selectors_points import scope_figures

    f = scope_figures(user, today.year)
    url = reverse("members:points") + f"?year={today.year}"
    figures = [HubFigure(f"{today.year}年积分", f"{f.points:,} 分", url, "管辖范围内党员本年积分合计"),
               HubFigure("有积分的党员", f"{f.with_points:,} / {f.members:,}", url, "本年有积分的党员 / 党员总数")]
    if f.pending is not None:
        figures.insert(0, HubFigure("待审核积分申报", f"{f.pending}", reverse("members:points_claims") + "?review=1",
                                    "由您审核的党员申报"))
    return Section("积分", figures, links=[("积分统计", url), ("积分规则", reverse("members:points_rules"))],
                   text="积分只来自已确认的事项和审核通过的申报；只在本组织范围内统计，不设公开排名。")


def mine_section(user: Any, person: Any, today: dt.date) -> Section | None:
    """我的积分: what the community asks of members like them this year — the 八带头 items of their rule set,
    each with the deeds that count into it — and the points they have earned under each; the claim button."""
    if person is None or not person.is_party_member:
        return None
    from .selectors_points import item_points, items, rule_set_of, rule_text

    view = rule_set_of(person)
    got = item_points(person.pk, today.year)
    mine = reverse("members:my_points") + f"?year={today.year}"
    asked: dict[int, list[str]] = {}
    claim_text = ""
    for rule in view.rules if view is not None else []:
        if rule.deed == Deed.CLAIM:  # a claim counts into the item it names
            claim_text = f"记录里没有的事项可以申报，审核通过后{rule_text(rule)}。"
        else:
            asked.setdefault(rule.item_id, []).append(f"{rule.get_deed_display()}：{rule_text(rule)}")
    figures = [HubFigure(item.name, f"{got.get(item.pk, 0)} 分", mine, "；".join(asked.get(item.pk, [])))
               for item in items() if item.pk in asked or got.get(item.pk)]
    text = (f"{today.year}年共 {sum(got.values())} 分。适用《{view.rule_set.name}》，积分只来自已确认的事项。"
            f"{claim_text}" if view is not None else "您适用的积分办法尚未配置。")
    links = [("查看积分明细", mine), ("申报积分", reverse("members:points_claim_new"))]
    return Section("我的积分", figures, links=links, text=text)


def claims_todo(user: Any, now: dt.datetime) -> list[Todo]:
    """积分申报待审核: pending claims of the members of the community (or grid, household) where the user holds
    a post with member.change themselves — the street and the district review on the claims page. One query
    (none for a post elsewhere)."""
    if not (user and user.is_authenticated) or not has_perm(user, Perm.MEMBER_CHANGE):
        return []
    from zongheng.core.access import path_q

    from .selectors_points import pending_to_review

    orgs = (post_org(user, path) for path in own_paths(user, Perm.MEMBER_CHANGE))
    paths = [org.path for org in orgs if org is not None and org.level in REVIEW_LEVELS]
    if not paths:
        return []
    rows = (pending_to_review(user).filter(path_q("person__org_path", paths) | path_q("person__registered_path", paths))
            .order_by("created_at", "id").values_list("pk", "person__name", "item__name", "occurred_on")[:TODO_LIMIT])
    return [Todo("积分申报待审核", f"{name}：{item}（{day:%Y-%m-%d}）", reverse("members:points_claim", args=[pk]))
            for pk, name, item, day in rows]


def register() -> None:
    from zongheng.core.periodic import register_periodic

    from .actions_points import reconcile_recent
    from .selectors_points import register_source_link

    register_deed_source("claims", claim_deeds)
    register_deed_source("demands", demand_deeds)
    register_source_link("demand", _demand_links)
    register_source_link("claim", _claim_links)
    register_periodic("members.points", reconcile_recent)
    from .hub import register_mine, register_section

    register_section(50, "points", hub_section)
    register_mine(50, "points", mine_section)
    register_todo(55, "members.points_claims", claims_todo)
    register_actions(AUDIT_ACTIONS)
    register_object_url("members.pointclaim", url_by_pk("members:points_claim"), Perm.MEMBER_VIEW)
