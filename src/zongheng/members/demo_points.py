"""积分 in the demo district: the claims of a year, and the year's ledger reconciled from every confirmed deed.

``build(district, seed, year)`` runs last among the parts (``members.demo``): it writes a few claims per
community (积分申报 of the year's members: most approved by the community's secretary, some declined with a
reason, a few withdrawn or still pending), then reconciles the year (``points.reconcile``): every deed the
other parts' demos confirmed — attended sign-ups, duty served, visits logged — every demand the demands demo
closed (its handler), and the approved claims earn their points under the rule sets, capped per period, in one
bulk pass. So every demo point traces to a confirmed deed or an approved claim; none is typed.

``build_live(district, seed)``: claims of 先锋社区's members waiting for the ``community`` demo account's review
(its to-do list and hub have something), and for the ``member`` demo account two claims approved this month
through the real actions (fresh points on their page) and one pending; then this year's reconciliation, so the
live slice of the other parts earns its points too.

Claims are written with ``bulk_create`` (demo history; one audit record tells the build); the same seed gives
the same rows.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from zongheng.core import audit, bulk
from zongheng.core.permissions import Role
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org, Person, Post
from zongheng.orgs.resolve import REGISTER_LEVELS

from . import points
from .choices import ClaimState
from .defaults import ensure_installed
from .models import PointClaim, PointItem

C = ClaimState
DEEDS = {
    "study": ["组织楼栋党员学习党的十九大精神", "带领居民学习垃圾分类新规", "为老党员上门送学"],
    "service": ["帮助独居老人代购药品、陪同就医", "为小区居民义务维修水电", "帮残疾居民办理补贴申请"],
    "volunteer": ["参加周末社区环境整治志愿服务", "在“四点半课堂”辅导小学生作业", "参加无偿献血"],
    "duty": ["暴雨夜协助转移低洼地带群众", "参加防汛巡堤", "参与扑救小区车棚火情"],
    "civilized": ["劝导不文明养犬和乱停车", "参与文明城市创建入户宣传", "清理小区楼道小广告"],
    "harmony": ["调解楼上楼下漏水纠纷", "化解邻里因楼道堆物引起的矛盾", "劝和一起家庭纠纷"],
    "law": ["向居民宣传防范电信诈骗", "协助开展普法宣传进小区", "劝阻居民参与非法集资"],
    "governance": ["参加小区业主委员会换届并提出停车管理建议", "参与“每月一听”并整理居民意见",
                   "协助开展小区物业满意度调查"],
}
DECLINED = ["已按活动出勤记分，不再重复申报", "情况无法核实，请补充时间、地点和见证人", "不属于八带头事项范围"]
# state, weight
STATES = [(C.APPROVED, 60), (C.DECLINED, 22), (C.WITHDRAWN, 6), (C.PENDING, 12)]


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(8, 21), rng.randint(0, 59))))


def _communities(district: Org) -> list[Org]:
    return list(Org.objects.filter(path__startswith=district.path, level__code__in=REGISTER_LEVELS,
                                   kind=OrgKind.REGULAR).order_by("path"))


def _reviewers(communities: list[Org]) -> dict[str, Any]:
    """Each community's secretary's account (who reviews), made for the simulation where missing."""
    from zongheng.demands.demo import account_of

    posts = (Post.objects.filter(org__in=communities, role=Role.SECRETARY, ends_on__isnull=True)
             .select_related("person", "org").order_by("org__path", "starts_on", "id"))
    out: dict[str, Any] = {}
    for post in posts:
        if post.org.path not in out:
            out[post.org.path] = account_of(post.person)
    return out


Made = list[tuple[PointClaim, dt.datetime]]


def _claims(rng: random.Random, people: list[int], items: list[PointItem], start: dt.date, end: dt.date,
            reviewer: Any, n: int, states: Sequence[tuple[str, int]], today: dt.date) -> Made:
    """``n`` claims of ``people`` on days in [start, end] (each with the time it was made)."""
    out = []
    for pid in rng.sample(people, min(n, len(people))):
        it = rng.choice(items)
        day = start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))
        made = min(_at(day + dt.timedelta(days=rng.randint(0, 6)), rng), _at(today, rng))
        state = rng.choices([s for s, _ in states], [w for _, w in states])[0]
        claim = PointClaim(person_id=pid, item=it, occurred_on=day, description=rng.choice(DEEDS[it.code]),
                           state=state)
        if state in (C.APPROVED, C.DECLINED):
            claim.reviewed_by = reviewer
            claim.reviewed_at = made + dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 6))
            claim.review_note = rng.choice(DECLINED) if state == C.DECLINED else ""
        out.append((claim, made))
    return out


def _write(rows: Made) -> list[PointClaim]:
    claims = PointClaim.objects.bulk_create([c for c, _ in rows])
    for claim, (_, made) in zip(claims, rows, strict=True):  # auto_now_add wrote today: the day it was made
        claim.created_at = made
    bulk.update(claims, ["created_at"])
    return claims


def build(district: Org, seed: int = 2018, year: int = 2018, log: Callable[[str], None] | None = None
          ) -> dict[str, int]:
    log = log or (lambda _msg: None)
    ensure_installed()
    rng = random.Random(f"{seed}:points:{year}")
    items = list(PointItem.objects.order_by("order", "id"))
    communities = _communities(district)
    reviewers = _reviewers(communities)
    members: dict[str, list[int]] = defaultdict(list)
    paths = {c.path for c in communities}
    depth = len(communities[0].path) if communities else 0
    for pk, org_path in (Person.objects.filter(org_path__startswith=district.path, is_party_member=True)
                         .order_by("pk").values_list("pk", "org_path")):
        if org_path[:depth] in paths:
            members[org_path[:depth]].append(pk)
    rows = []
    for community in communities:
        if members[community.path]:
            rows += _claims(rng, members[community.path], items, dt.date(year, 1, 1), dt.date(year, 12, 20),
                            reviewers.get(community.path), rng.randint(2, 6), STATES, dt.date(year, 12, 31))
    with transaction.atomic():
        claims = _write(rows)
        result = points.reconcile(dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
        states = Counter(c.state for c in claims)
        counts = {"claims": len(claims), **{f"claims_{s}": states[s] for s in C.values}, "deeds": result.deeds,
                  "entries": result.awarded, "points": result.points}
        audit.record(None, "members.points_demo", district, after={"seed": seed, "year": year} | counts)
    log(f"积分：申报 {len(claims)} 条（通过 {states[C.APPROVED]}、未通过 {states[C.DECLINED]}、"
        f"待审核 {states[C.PENDING]}）；{year} 年已确认事项 {result.deeds:,} 件，记账 {result.awarded:,} 条，"
        f"共 {result.points:,} 分")
    return counts


def build_live(district: Org, seed: int = 2018, log: Callable[[str], None] | None = None,
               now: dt.datetime | None = None) -> dict[str, int]:
    from zongheng.accounts.models import User
    from zongheng.orgs.demo import DEMO_ACCOUNTS

    from . import actions_points as actions

    log = log or (lambda _msg: None)
    ensure_installed()
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    rng = random.Random(f"{seed}:points-live:{today.isoformat()}")
    home_name = next(a["org"] for a in DEMO_ACCOUNTS if a["username"] == "community")
    home = Org.objects.filter(path__startswith=district.path, name=home_name, level__code__in=REGISTER_LEVELS).first()
    reviewer = User.objects.filter(username="community").select_related("person").first()
    mine = User.objects.filter(username="member").select_related("person").first()
    if home is None or reviewer is None:
        return {}
    items = list(PointItem.objects.order_by("order", "id"))
    people = list(Person.objects.filter(org_path__startswith=home.path, is_party_member=True)
                  .exclude(pk__in=[reviewer.person_id, mine.person_id if mine else 0])
                  .order_by("pk").values_list("pk", flat=True)[:500])
    start = max(dt.date(today.year, 1, 1), today - dt.timedelta(days=20))
    with transaction.atomic():
        waiting = _write(_claims(rng, people, items, start, today, None, rng.randint(4, 6), [(C.PENDING, 1)], today))
        approved = 0
        if mine is not None and mine.person is not None and mine.person.is_party_member:
            for code, back in (("service", 12), ("harmony", 5), ("law", 1)):
                day = max(dt.date(today.year, 1, 1), today - dt.timedelta(days=back))
                claim = actions.do_submit_claim(mine, {"item": next(i for i in items if i.code == code),
                                                       "occurred_on": day,
                                                       "description": rng.choice(DEEDS[code])}, today=today)
                if back > 1:  # the last one waits for the community
                    actions.do_review_claim(reviewer, claim, "approve", "情况属实", now=now)
                    approved += 1
        result = points.reconcile(dt.date(today.year, 1, 1), today + dt.timedelta(days=1))
    log(f"积分：{home.name}待审核的申报 {len(waiting) + (1 if mine else 0)} 条；member 账号本月通过申报 {approved} 条；"
        f"{today.year} 年补记积分 {result.awarded:,} 条")
    return {"pending": len(waiting), "approved": approved, "entries": result.awarded}
