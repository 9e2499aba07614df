"""述职评议 in the demo district, generated from the seed (never typed figures).

``build(district, seed, year)`` writes the article's year:

- the year-end 述职评议 of the community secretaries by the district (published): four rater groups with the
  district's weights that weight up service recipients and grassroots members (上级党组织 20 %, 同级书记 10 %,
  基层党员 30 %, 服务对象 40 %); the district's leadership rates everybody, each street's secretary the street's
  communities, the secretaries each other, five members of each community their own secretary online, and eight
  numbered paper sheets per community carry the residents' scores;
- a 双述双评 round of the street of the ``street`` demo account: its community secretaries and the secretaries of
  the stationed units on its council report to and rate each other;
- twelve 每月一评 rounds (one a month): each street's secretary and two paper sheets of residents per community
  rate the community secretaries.

``build_live(district, seed, today)`` writes last year's published 述职评议 (the ``community`` demo secretary
reads their own result) and this year's 述职评议 being scored now (the ``street``, ``community`` and ``member``
demo accounts have ratings to do; some votes and sheets are in).

Every vote is generated from a subject's latent standing plus noise, item by item within the item's maximum;
results are computed by ``scoring`` like any round's.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from zongheng.core.permissions import Role
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org, Person, Post

from .choices_evaluations import EvalKind, EvalState
from .demo_tasks import at
from .models_evaluations import (
    EvalBand,
    EvalGroup,
    EvalItem,
    EvalRater,
    EvalRound,
    EvalScore,
    EvalSheet,
    EvalSubject,
    EvalVote,
)
from .selectors_evaluations import leaders_of

ANNUAL_GROUPS = [("上级党组织", "20"), ("同级书记", "10"), ("基层党员", "30"), ("服务对象", "40")]
ANNUAL_ITEMS = [("履行抓党建第一责任人职责", "25"), ("基层党建重点任务落实", "30"), ("服务群众成效", "30"),
                ("作风建设和廉洁自律", "15")]
BANDS = [("好", "90"), ("较好", "80"), ("一般", "60"), ("差", "0")]
DUAL_GROUPS = [("社区党组织书记", "50"), ("驻区单位党组织书记", "50")]
DUAL_ITEMS = [("履职尽责情况", "40"), ("共驻共建成效", "40"), ("作风和形象", "20")]
MONTHLY_GROUPS = [("街道党工委", "60"), ("服务对象", "40")]
MONTHLY_ITEMS = [("当月工作实绩", "60"), ("群众评价", "40")]
MONTHLY_BANDS = [("优秀", "90"), ("良好", "80"), ("一般", "60"), ("较差", "0")]
MEMBERS_PER_COMMUNITY = 5
SHEETS_PER_COMMUNITY = 8
COMMENTS = ["为民办实事成效明显", "工作扎实，群众认可", "党建引领社区治理有思路", "联系群众还需更紧密",
            "建议加强对年轻党员的培养", "服务热情、办事公道", "网格化管理有特色", "居民议事协商开展得好",
            "带队伍能力强", "创新意识有待加强"]
REPORT = ("一年来，{org}党组织在街道党工委领导下，认真履行抓基层党建第一责任人职责。一是抓班子带队伍，"
          "落实“三会一课”{meet}次；二是推进网格化管理，划分网格{grid}个、设立党员中心户；三是开展为民服务，"
          "办理居民诉求{demand}件，满意率{rate}%；四是推动共驻共建，与驻区单位签订认领项目{item}个。"
          "存在的不足：{weak}。下一步将{next}。")
WEAK = ["党员教育管理方式不够新", "服务阵地利用率不高", "驻区单位参与的积极性有待提高", "年轻党员作用发挥不够"]
NEXT = ["持续深化“双联双管”", "打造社区党建品牌", "完善民心零距离服务机制", "推进标准化建设全覆盖"]


class _Builder:
    """Writes rounds with bulk inserts: a round and its formula, subjects, raters, votes and scores."""

    def __init__(self, district: Org, rng: random.Random) -> None:
        self.district, self.rng = district, rng
        self.votes: list[tuple[EvalVote, list[tuple[EvalItem, Decimal]]]] = []

    def round(self, org: Org, kind: str, title: str, year: int, month: int | None, state: str, since: dt.datetime,
              due_at: dt.datetime, groups: list[tuple[str, str]], items: list[tuple[str, str]],
              bands: list[tuple[str, str]], *, copied_from: EvalRound | None = None) -> EvalRound:
        r = EvalRound.objects.create(org=org, org_path=org.path, kind=kind, title=title, year=year, month=month,
                                     subject_level="community", anonymous=True, due_at=due_at, state=state,
                                     state_since=since, copied_from=copied_from)
        EvalGroup.objects.bulk_create([EvalGroup(round=r, name=n, weight=Decimal(w), order=i)
                                       for i, (n, w) in enumerate(groups)])
        EvalItem.objects.bulk_create([EvalItem(round=r, title=t, max_score=Decimal(m), order=i)
                                      for i, (t, m) in enumerate(items)])
        EvalBand.objects.bulk_create([EvalBand(round=r, label=label, min_score=Decimal(m)) for label, m in bands])
        return r

    def subjects(self, r: EvalRound, rows: list[tuple[int, int, str]], names: dict[int, str], now: dt.datetime
                 ) -> list[EvalSubject]:
        rng = self.rng
        out = []
        for person_id, org_id, path in rows:
            text = REPORT.format(org=names.get(org_id, ""), meet=rng.randint(36, 60), grid=rng.randint(4, 12),
                                 demand=rng.randint(80, 400), rate=rng.randint(92, 99), item=rng.randint(3, 12),
                                 weak=rng.choice(WEAK), next=rng.choice(NEXT))
            out.append(EvalSubject(round=r, person_id=person_id, org_id=org_id, org_path=path, report=text,
                                   reported_at=now))
        return EvalSubject.objects.bulk_create(out)

    def raters(self, r: EvalRound, group: EvalGroup, people: list[tuple[int, str]]) -> list[EvalRater]:
        seen = set(r.raters.values_list("person_id", flat=True))
        new = []
        for pid, within in people:
            if pid not in seen:
                seen.add(pid)
                new.append(EvalRater(round=r, group=group, person_id=pid, within=within))
        return EvalRater.objects.bulk_create(new)

    def scores(self, items: list[EvalItem], standing: float) -> list[tuple[EvalItem, Decimal]]:
        out = []
        for item in items:
            share = min(max((standing + self.rng.gauss(0, 6)) / 100, 0), 1)
            score = Decimal(round(float(item.max_score) * share * 2)) / 2
            out.append((item, min(score, item.max_score)))
        return out

    def vote(self, r: EvalRound, subject: EvalSubject, group_id: int, items: list[EvalItem], standing: float,
             when: dt.datetime, *, rater: EvalRater | None = None, sheet: EvalSheet | None = None) -> None:
        comment = self.rng.choice(COMMENTS) if self.rng.random() < 0.25 else ""
        self.votes.append((EvalVote(round=r, subject=subject, group_id=group_id, rater=rater, sheet=sheet,
                                    comment=comment, created_at=when, updated_at=when),
                           self.scores(items, standing)))

    def flush(self) -> int:
        votes = EvalVote.objects.bulk_create([v for v, _ in self.votes], batch_size=2000)
        EvalScore.objects.bulk_create([EvalScore(vote=v, item=item, score=score)
                                       for v, (_, scores) in zip(votes, self.votes, strict=True)
                                       for item, score in scores], batch_size=5000)
        n = len(votes)
        self.votes = []
        return n


def _secretaries(orgs: list[Org], day: dt.date) -> dict[int, int]:
    """{org id: the person holding its secretary post on ``day``} (one query)."""
    out: dict[int, int] = {}
    for org_id, person_id in (Post.objects.active(day).filter(role=Role.SECRETARY, org__in=orgs)
                              .order_by("starts_on", "pk").values_list("org_id", "person_id")):
        out.setdefault(org_id, person_id)
    return out


class _District:
    """The district's streets and townships, communities, their secretaries and the party members in each
    community's subtree (a few queries)."""

    def __init__(self, district: Org, day: dt.date, rng: random.Random) -> None:
        self.district = district
        regular = Org.objects.filter(path__startswith=district.path, kind=OrgKind.REGULAR)
        self.streets = list(regular.filter(depth=district.depth + 1).order_by("path"))
        self.communities = list(regular.filter(level__code="community").order_by("path"))
        self.names = {o.pk: o.name for o in self.communities}
        self.street_secretary = _secretaries(self.streets, day)
        self.secretary = _secretaries(self.communities, day)
        members: dict[int, list[int]] = {}
        by_path = {c.path: c.pk for c in self.communities}
        step = len(district.path)
        depth = self.communities[0].depth if self.communities else 0
        taken = set(self.secretary.values())
        for pid, path in (Person.objects.filter(org_path__startswith=district.path, is_party_member=True)
                          .order_by("pk").values_list("pk", "org_path")):
            org_id = by_path.get(path[:step * depth])
            if org_id is not None and pid not in taken:
                members.setdefault(org_id, []).append(pid)
        self.members = members
        self.standing = {c.pk: rng.uniform(72, 97) for c in self.communities}

    def subject_rows(self) -> list[tuple[int, int, str]]:
        return [(self.secretary[c.pk], c.pk, c.path) for c in self.communities if c.pk in self.secretary]

    def street_of(self, path: str) -> Org | None:
        return next((s for s in self.streets if path.startswith(s.path)), None)


def _demo_person(username: str) -> int | None:
    from zongheng.accounts.models import User

    return User.objects.filter(username=username, is_demo=True).values_list("person_id", flat=True).first()


def _annual(b: _Builder, d: _District, year: int, state: str, since: dt.datetime, due_at: dt.datetime,
            created: dt.datetime, *, share: float = 1.0, sheets_share: float = 1.0,
            copied_from: EvalRound | None = None, forced_raters: dict[str, list[tuple[int, str]]] | None = None
            ) -> EvalRound:
    """年度述职评议 of the community secretaries by the district, with its four rater groups."""
    rng = b.rng
    title = f"{year}年度社区党组织书记抓基层党建工作述职评议"
    r = b.round(d.district, EvalKind.ANNUAL, title, year, None, state, since, due_at, ANNUAL_GROUPS, ANNUAL_ITEMS,
                BANDS, copied_from=copied_from)
    groups = {g.name: g for g in r.groups.all()}
    items = list(r.items.all())
    subjects = b.subjects(r, d.subject_rows(), d.names, created)
    upper = [(pid, "") for pid in leaders_of(r, since.date())]
    upper += [(pid, s.path) for s in d.streets if (pid := d.street_secretary.get(s.pk))]
    members = []
    for c in d.communities:
        pool = d.members.get(c.pk, [])
        members += [(pid, c.path) for pid in rng.sample(pool, min(MEMBERS_PER_COMMUNITY, len(pool)))]
    for name, extra in (forced_raters or {}).items():
        if name == "基层党员":
            members = extra + members
    raters = (b.raters(r, groups["上级党组织"], upper) + b.raters(r, groups["同级书记"], [(s.person_id, "")
                                                                                   for s in subjects])
              + b.raters(r, groups["基层党员"], members))
    skip = {pid for people in (forced_raters or {}).values() for pid, _ in people}
    for rater in raters:
        if rater.person_id in skip:
            continue  # a demo account's ratings are left for them to do
        for s in subjects:
            if s.person_id != rater.person_id and s.org_path.startswith(rater.within) and rng.random() < share:
                b.vote(r, s, rater.group_id, items, d.standing[s.org_id], created, rater=rater)
    service = groups["服务对象"]
    n = 0
    for s in subjects:
        for _ in range(SHEETS_PER_COMMUNITY):
            if rng.random() < sheets_share:
                n += 1
                sheet = EvalSheet.objects.create(round=r, group=service, number=f"FW-{n:04d}", entered_at=created)
                b.vote(r, s, service.pk, items, d.standing[s.org_id] + rng.uniform(-3, 3), created, sheet=sheet)
    b.flush()
    return r


def _dual(builder: _Builder, d: _District, year: int) -> EvalRound | None:
    """双述双评 of the ``street`` demo account's street: its community secretaries and its council's member units'
    secretaries report to and rate each other."""
    from zongheng.cobuild.models import Unit

    street_pid = _demo_person("street")
    street = next((s for s in d.streets if d.street_secretary.get(s.pk) == street_pid), None) or \
        (d.streets[0] if d.streets else None)
    if street is None:
        return None
    rng = builder.rng
    since, created = at(dt.date(year, 12, 28), 16, 0), at(dt.date(year, 12, 10), 9, 0)
    r = builder.round(street, EvalKind.DUAL, f"{year}年度{street.name}双述双评", year, None, EvalState.PUBLISHED, since,
                      at(dt.date(year, 12, 25), 18, 0), DUAL_GROUPS, DUAL_ITEMS, BANDS)
    groups = {g.name: g for g in r.groups.all()}
    community_rows = [row for row in d.subject_rows() if row[2].startswith(street.path)]
    units = list(Unit.objects.filter(org_path__startswith=street.path, secretary__isnull=False)
                 .exclude(secretary_id__in=[p for p, _, _ in community_rows]).order_by("org_path")
                 .values_list("secretary_id", "org_id", "org_path", "name")[:12])
    names = d.names | {org_id: name for _, org_id, _, name in units}
    subjects = builder.subjects(r, community_rows + [(p, o, path) for p, o, path, _ in units], names, created)
    standing = {s.pk: d.standing.get(s.org_id, rng.uniform(75, 95)) for s in subjects}
    unit_orgs = {o for _, o, _, _ in units}
    raters = (builder.raters(r, groups["社区党组织书记"], [(s.person_id, "") for s in subjects
                                                          if s.org_id not in unit_orgs])
              + builder.raters(r, groups["驻区单位党组织书记"], [(s.person_id, "") for s in subjects
                                                               if s.org_id in unit_orgs]))
    items = list(r.items.all())
    for rater in raters:
        for s in subjects:
            if s.person_id != rater.person_id:
                builder.vote(r, s, rater.group_id, items, standing[s.pk], created, rater=rater)
    builder.flush()
    return r


def _monthly(b: _Builder, d: _District, year: int, month: int) -> EvalRound:
    """每月一评 of the community secretaries: each street's secretary and two residents' sheets per community."""
    rng = b.rng
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    r = b.round(d.district, EvalKind.MONTHLY, f"{year}年{month}月社区书记每月一评", year, month, EvalState.PUBLISHED,
                at(nxt + dt.timedelta(days=9), 17, 0), at(nxt + dt.timedelta(days=5), 18, 0), MONTHLY_GROUPS,
                MONTHLY_ITEMS, MONTHLY_BANDS)
    groups = {g.name: g for g in r.groups.all()}
    items = list(r.items.all())
    when = at(nxt + dt.timedelta(days=rng.randint(1, 4)), 10, 0)
    subjects = b.subjects(r, d.subject_rows(), d.names, at(first + dt.timedelta(days=25), 9, 0))
    raters = b.raters(r, groups["街道党工委"], [(pid, s.path) for s in d.streets
                                               if (pid := d.street_secretary.get(s.pk))])
    drift = {s.pk: d.standing[s.org_id] + rng.uniform(-4, 4) for s in subjects}
    for rater in raters:
        for s in subjects:
            if s.org_path.startswith(rater.within) and s.person_id != rater.person_id:
                b.vote(r, s, rater.group_id, items, drift[s.pk], when, rater=rater)
    service = groups["服务对象"]
    sheets = []
    for n in range(2 * len(subjects)):
        sheets.append(EvalSheet(round=r, group=service, number=f"M{month:02d}-{n + 1:04d}", entered_at=when))
    sheets = EvalSheet.objects.bulk_create(sheets)
    for n, s in enumerate(subjects):
        for sheet in sheets[2 * n:2 * n + 2]:
            b.vote(r, s, service.pk, items, drift[s.pk], when, sheet=sheet)
    b.flush()
    return r


def build(district: Any, seed: int = 2018, year: int = 2018, log: Callable[[str], None] | None = None) -> None:
    log = log or (lambda _msg: None)
    if EvalRound.objects.filter(org_path__startswith=district.path, year=year).exists():
        log(f"{year} 年述职评议已存在，不再生成")
        return
    rng = random.Random(seed * 31 + 9)
    d = _District(district, dt.date(year, 12, 1), rng)
    b = _Builder(district, rng)
    annual = _annual(b, d, year, EvalState.PUBLISHED, at(dt.date(year + 1, 1, 25), 16, 0),
                     at(dt.date(year + 1, 1, 15), 18, 0), at(dt.date(year + 1, 1, 8), 10, 0))
    dual = _dual(b, d, year)
    for month in range(1, 13):
        _monthly(b, d, year, month)
    log(f"{year} 年述职评议：年度述职评议 1 轮（{annual.subjects.count()} 名述职人，{annual.votes.count()} 票），"
        f"双述双评 {1 if dual else 0} 轮，每月一评 12 轮")


def build_live(district: Any, seed: int = 2018, log: Callable[[str], None] | None = None,
               today: dt.date | None = None) -> None:
    log = log or (lambda _msg: None)
    today = today or timezone.localdate()
    if EvalRound.objects.filter(org_path__startswith=district.path, year=today.year).exists():
        log(f"{today.year} 年述职评议已存在，不再生成")
        return
    rng = random.Random(seed * 37 + today.toordinal())
    d = _District(district, today, rng)
    b = _Builder(district, rng)
    last = today.year - 1
    source = EvalRound.objects.filter(org_path=district.path, kind=EvalKind.ANNUAL).order_by("-year").first()
    if not EvalRound.objects.filter(org_path__startswith=district.path, year=last, kind=EvalKind.ANNUAL).exists():
        _annual(b, d, last, EvalState.PUBLISHED, at(dt.date(today.year, 1, 24), 16, 0),
                at(dt.date(today.year, 1, 14), 18, 0), at(dt.date(today.year, 1, 6), 10, 0), copied_from=source)
    # This year's round, being scored now: some votes and sheets in; the demo accounts' ratings left to do.
    member = _demo_person("member")
    member_path = Person.objects.filter(pk=member).values_list("org_path", flat=True).first() if member else None
    member_org = next((c.path for c in d.communities if member_path and member_path.startswith(c.path)), None)
    # The ``member`` account joins the 基层党员 of their community; the ``street`` and ``community`` accounts rate
    # as the street's secretary and a fellow secretary. None of the three has voted yet.
    forced_people: dict[str, list[tuple[int, str]]] = {}
    if member and member_org:
        forced_people["基层党员"] = [(member, member_org)]
    for username in ("street", "community"):
        pid = _demo_person(username)
        if pid:
            forced_people[username] = [(pid, "")]
    since = at(today - dt.timedelta(days=3), 9, 0)
    r = _annual(b, d, today.year, EvalState.SCORING, since, at(today + dt.timedelta(days=10), 18, 0),
                since, share=0.4, sheets_share=0.5, copied_from=source, forced_raters=forced_people)
    left = [t for t in ("street", "community", "member") if _demo_person(t)]
    log(f"{today.year} 年度述职评议评分中：已收 {r.votes.count()} 票；演示账号 {'、'.join(left)} 有待评议")
