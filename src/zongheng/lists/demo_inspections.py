"""巡查 in the demo district, generated from the seed (never typed figures).

``build(district, seed, year)``: the article's year — two rounds by the district (上半年 over the streets and
some communities, 下半年 over other communities), three teams each led by county-level cadres, findings on the
secretaries' duty to govern the party strictly, rectification items owned by the target (or a community below a
street), each reported with evidence text and verified; most closed in time, some late, some returned once
before they were closed. Both rounds are completed (every item 已销号: a year long over warns about nothing).

``build_live(district, seed, today)``: a district round in 整改中 around today over the home street and its
communities (the ``street`` and ``community`` demo accounts) and a few others — items due soon, some overdue,
some returned, reports waiting for verification (some too long) — and a street round by the home street in
巡查中, so the demo accounts see to-do items and warnings.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from zongheng.orgs.models import Org, Person

from .choices_inspections import FOCUSES, RectMove, RectState, RoundMove, RoundState
from .demo_tasks import World, at, cadres, world
from .models_inspections import (
    Finding,
    InspectionEvent,
    InspectionRound,
    InspectionTarget,
    InspectionTeam,
    Rectification,
    RectificationReport,
)

PROBLEMS = [
    ("“三会一课”记录不全，{org}部分支部组织生活会流于形式", "建立“三会一课”台账，逐月补齐记录并由书记签字"),
    ("{org}书记履行第一责任人职责不到位，全年专题研究党建工作次数偏少", "每季度至少召开一次党建专题会议并形成纪要"),
    ("{org}党员发展计划执行滞后，入党积极分子培养考察记录缺失", "完善积极分子培养考察档案，明确培养联系人"),
    ("{org}党费收缴不及时，存在补缴现象", "按月收缴党费并公示，清理补缴情况"),
    ("{org}党务公开栏内容长期未更新", "更新党务公开栏，建立按月更新制度"),
    ("{org}在职党员进社区报到后参与活动不多", "制定在职党员服务清单，按季度通报参与情况"),
    ("{org}落实基层党建工作重点任务清单进度滞后", "对照清单倒排工期，按月报送进展"),
    ("{org}网格党支部作用发挥不充分，民情日记记录简单", "规范民情日记填写，开展网格党支部书记培训"),
    ("{org}党群服务中心开放时间不足，群众反映办事不便", "落实错时延时服务，公示值班表"),
    ("{org}廉政风险点排查不细，制度执行有短板", "重新排查廉政风险点，完善防控措施"),
]
REPORTS = ["已按要求完成整改：{fix}。相关台账和照片已上传。", "{fix}，已建立长效机制，整改到位。"]
RETURNS = ["整改材料不完整，请补充会议纪要", "整改措施未落实到位，请补充佐证材料",
           "台账记录与实际不符，请核实后重新报告"]
TEAMS = ("第一巡查组", "第二巡查组", "第三巡查组")


@dataclass
class _Book:
    rng: random.Random
    rounds: list[InspectionRound] = field(default_factory=list)
    teams: list[tuple[InspectionTeam, list[int]]] = field(default_factory=list)
    targets: list[InspectionTarget] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    rects: list[Rectification] = field(default_factory=list)
    reports: list[RectificationReport] = field(default_factory=list)
    events: list[InspectionEvent] = field(default_factory=list)
    by: Any = None
    # per rectification (index in ``rects``): its history [(move, from, to, note, at, by)]
    history: dict[int, list[tuple[str, str, str, str, dt.datetime, Any]]] = field(default_factory=dict)


def _round(book: _Book, org: Org, year: int, period: str, starts: dt.date, ends: dt.date, state: str,
           since: dt.datetime) -> InspectionRound:
    rnd = InspectionRound(org=org, org_path=org.path, year=year, period=period,
                          title=f"{org.name}{year}年{period}党建巡查", focus=book.rng.choice(FOCUSES[:2]),
                          starts_on=starts, ends_on=ends, state=state, state_since=since)
    book.rounds.append(rnd)
    return rnd


def _people(w: World, district: Org, seed: int, year: int) -> list[Person]:
    people = list(cadres(district, seed, year))
    if len(people) < 6:
        people += list(Person.objects.filter(org=district).exclude(pk__in=[p.pk for p in people]).order_by("pk")[:12])
    return people


def _plan(book: _Book, w: World, rnd: InspectionRound, people: list[Person], targets: list[Org],
          stamp: dt.datetime) -> list[tuple[InspectionTarget, Org]]:
    """Teams (three, each a leader and two members) and the targets dealt out to them."""
    rng = book.rng
    crew = rng.sample(people, min(len(people), 9))
    out = []
    for i, name in enumerate(TEAMS):
        group = crew[i * 3:i * 3 + 3] or crew[:1]
        team = InspectionTeam(round=rnd, name=name, leader=group[0])
        book.teams.append((team, [p.pk for p in group[1:]]))
        for org in targets[i::len(TEAMS)]:
            target = InspectionTarget(round=rnd, team=team, org=org, org_path=org.path,
                                      secretary_id=w.secretary.get(org.pk))
            book.targets.append(target)
            out.append((target, org))
    book.events.append(InspectionEvent(round=rnd, move="create", to_state=RoundState.PREPARING, at=stamp,
                                       by=book.by))
    return out


def _findings(book: _Book, w: World, rnd: InspectionRound, pairs: list[tuple[InspectionTarget, Org]],
              found_on: dt.date, due: tuple[int, int]) -> list[int]:
    """1–3 findings per target, each one or two items; returns the indexes of the new items."""
    rng = book.rng
    new = []
    for target, org in pairs:
        below = [o for o in w.below.get(org.pk, []) if o.pk in w.secretary]
        for problem, fix in rng.sample(PROBLEMS, rng.randint(1, 3)):
            when = at(found_on + dt.timedelta(days=rng.randint(0, 20)), 10, rng.randint(0, 59))
            finding = Finding(round=rnd, target=target, org_path=target.org_path, text=problem.format(org=org.name),
                              recorded_at=when, recorded_by=book.by)
            book.findings.append(finding)
            for n in range(rng.choice([1, 1, 2])):
                owner = rng.choice(below) if below and n else org
                person = w.secretary.get(owner.pk) or w.secretary.get(org.pk)
                if person is None:
                    continue
                if owner.pk not in w.secretary:
                    owner = org
                rect = Rectification(round=rnd, target=target, finding=finding, title=fix if not n else
                                     f"{owner.name}：{fix}", org=owner, org_path=owner.path, responsible_id=person,
                                     due_on=when.date() + dt.timedelta(days=rng.randint(*due)),
                                     state=RectState.PENDING, state_since=when, created_at=when)
                book.rects.append(rect)
                book.history[len(book.rects) - 1] = [("create", "", RectState.PENDING, "", when, book.by)]
                new.append(len(book.rects) - 1)
    return new


def _walk(book: _Book, w: World, i: int, moves: Sequence[tuple[str, dt.datetime]]) -> None:
    """Walk an item along the table: each (move, when); reports get their text, returns their reason."""
    from .choices_inspections import RECT_TRANSITIONS

    rect = book.rects[i]
    fix = rect.title.split("：", 1)[-1]
    filer = w.filer.get(rect.org_id)
    for move, when in moves:
        note = ""
        if move == RectMove.REPORT:
            book.reports.append(RectificationReport(rectification=rect, text=book.rng.choice(REPORTS).format(fix=fix),
                                                    filed_at=when, filed_by=filer))
        elif move == RectMove.RETURN:
            note = book.rng.choice(RETURNS)
        to = RECT_TRANSITIONS[move][1]
        book.history[i].append((move, rect.state, to, note, when, filer if move == RectMove.REPORT else book.by))
        rect.state, rect.state_since = to, when
        rect.closed_on = when.date() if to == RectState.CLOSED else None


def _write(book: _Book) -> None:
    InspectionRound.objects.bulk_create(book.rounds)
    teams = [t for t, _ in book.teams]
    InspectionTeam.objects.bulk_create(teams)
    through = InspectionTeam.members.through
    through.objects.bulk_create([through(inspectionteam_id=t.pk, person_id=pid)
                                 for t, pids in book.teams for pid in pids], ignore_conflicts=True)
    for obj in book.targets:
        obj.round_id, obj.team_id = obj.round.pk, obj.team.pk
    InspectionTarget.objects.bulk_create(book.targets)
    for f in book.findings:
        f.round_id, f.target_id = f.round.pk, f.target.pk
    Finding.objects.bulk_create(book.findings)
    for r in book.rects:
        r.round_id, r.target_id, r.finding_id = r.round.pk, r.target.pk, r.finding.pk
    Rectification.objects.bulk_create(book.rects)
    for rep in book.reports:
        rep.rectification_id = rep.rectification.pk
    RectificationReport.objects.bulk_create(book.reports)
    for e in book.events:
        e.round_id = e.round.pk
    events = list(book.events)
    for i, steps in book.history.items():
        rect = book.rects[i]
        events += [InspectionEvent(round_id=rect.round_id, rectification_id=rect.pk, move=move, from_state=src,
                                   to_state=to, note=note, at=when, by=by) for move, src, to, note, when, by in steps]
    InspectionEvent.objects.bulk_create(events, batch_size=1000)


def _round_moves(book: _Book, rnd: InspectionRound, times: list[dt.datetime]) -> None:
    states = [RoundState.PREPARING, RoundState.INSPECTING, RoundState.RECTIFYING, RoundState.COMPLETED]
    for n, (move, when) in enumerate(zip([RoundMove.START, RoundMove.RECTIFY, RoundMove.COMPLETE], times,
                                         strict=False)):
        book.events.append(InspectionEvent(round=rnd, move=move, from_state=states[n], to_state=states[n + 1],
                                           at=when, by=book.by))


def build(district: Org, seed: int = 2018, year: int = 2018, log: Callable[[str], None] | None = None) -> None:
    log = log or (lambda _msg: None)
    if InspectionRound.objects.filter(org=district, year=year).exists():
        log(f"{year} 年巡查已存在，不再生成")
        return
    rng = random.Random(seed * 31 + 9)
    w = world(district)
    book = _Book(rng, by=w.reviewer)
    people = _people(w, district, seed, year)
    communities = [o for orgs in w.below.values() for o in orgs]
    rng.shuffle(communities)
    home = [w.home[1]] if w.home else []
    first = w.streets + [c for c in communities if c not in home][:6]
    second = home + [c for c in communities if c not in home][6:14]
    for period, targets, start in (("上半年", first, dt.date(year, 4, 2)), ("下半年", second, dt.date(year, 9, 3))):
        ends = start + dt.timedelta(days=45)
        started = at(start, 9, 0)
        rnd = _round(book, district, year, period, start, ends, RoundState.COMPLETED, started)
        pairs = _plan(book, w, rnd, people, targets, started - dt.timedelta(days=10))
        new = _findings(book, w, rnd, pairs, start, (30, 75))
        last = started
        for n, i in enumerate(new):
            rect = book.rects[i]
            due = at(rect.due_on, 17, 0)
            late = n == 0 or rng.random() < 0.2  # the first one late, the second returned, the others by chance
            report_at = due + dt.timedelta(days=rng.randint(3, 25)) if late else due - dt.timedelta(
                days=rng.randint(1, 20))
            report_at = max(report_at, rect.created_at + dt.timedelta(days=2))
            moves = [(RectMove.REPORT, report_at)]
            if n == 1 or rng.random() < 0.15:  # returned once, then reported again
                back = report_at + dt.timedelta(days=rng.randint(2, 6))
                again = back + dt.timedelta(days=rng.randint(3, 12))
                moves += [(RectMove.RETURN, back), (RectMove.REPORT, again)]
            moves.append((RectMove.ACCEPT, moves[-1][1] + dt.timedelta(days=rng.randint(1, 8))))
            _walk(book, w, i, moves)
            last = max(last, moves[-1][1])
        done = last + dt.timedelta(days=5)
        rnd.state_since = done
        _round_moves(book, rnd, [started, at(ends, 17, 0), done])
    _write(book)
    log(f"{year} 年巡查：{len(book.rounds)} 轮，被巡查对象 {len(book.targets)} 个，发现问题 {len(book.findings)} 个，"
        f"整改事项 {len(book.rects)} 项")


def build_live(district: Org, seed: int = 2018, log: Callable[[str], None] | None = None,
               today: dt.date | None = None) -> None:
    log = log or (lambda _msg: None)
    today = today or timezone.localdate()
    if InspectionRound.objects.filter(org=district, year=today.year).exists():
        log(f"{today.year} 年巡查已存在，不再生成")
        return
    rng = random.Random(seed * 37 + today.toordinal())
    w = world(district)
    book = _Book(rng, by=w.reviewer)
    people = _people(w, district, seed, today.year)
    now = at(today, 8, 0)
    street, community = w.home if w.home else (w.streets[0], w.below[w.streets[0].pk][0])
    others = [c for c in w.below.get(street.pk, []) if c.pk != community.pk]
    far = [o for s in w.streets if s.pk != street.pk for o in w.below.get(s.pk, [])]
    start = today - dt.timedelta(days=75)
    rnd = _round(book, district, today.year, "下半年", start, start + dt.timedelta(days=40), RoundState.RECTIFYING,
                 at(start + dt.timedelta(days=40), 17, 0))
    pairs = _plan(book, w, rnd, people, [street, community, *others[:2], *rng.sample(far, min(4, len(far)))],
                  at(start, 9, 0) - dt.timedelta(days=10))
    new = _findings(book, w, rnd, pairs, start, (20, 90))
    # Every kind of live work at least once, the home community's first: one item due soon, one overdue, one
    # report waiting for verification longer than allowed; the others stand where the dice put them.
    new.sort(key=lambda i: (book.rects[i].org_id != community.pk, not book.rects[i].org_path.startswith(street.path)))
    forced = dict(zip(new[:3], ("soon", "overdue", "waiting"), strict=False))
    for i, kind in forced.items():
        rect = book.rects[i]
        rect.due_on = today + dt.timedelta(days={"soon": 6, "overdue": -9, "waiting": 25}[kind])
        if kind == "waiting":
            _walk(book, w, i, [(RectMove.REPORT, max(now - dt.timedelta(days=13), rect.created_at))])
    for i in new[3:]:  # where each item stands today, by its deadline
        rect = book.rects[i]
        due = at(rect.due_on, 17, 0)
        roll = rng.random()
        if rect.due_on < today:  # past due: most closed, some still open (overdue), some returned
            if roll < 0.55:
                report = min(due - dt.timedelta(days=rng.randint(1, 10)), now - dt.timedelta(days=2))
                report = max(report, rect.created_at + dt.timedelta(days=1))
                _walk(book, w, i, [(RectMove.REPORT, report), (RectMove.ACCEPT,
                                                               min(report + dt.timedelta(days=3), now))])
            elif roll < 0.75:
                report = max(min(due - dt.timedelta(days=2), now - dt.timedelta(days=8)),
                             rect.created_at + dt.timedelta(days=1))
                _walk(book, w, i, [(RectMove.REPORT, report), (RectMove.RETURN, report + dt.timedelta(days=4))])
        elif roll < 0.4:  # reported, waiting for verification (some for too long)
            report = max(now - dt.timedelta(days=rng.randint(1, 16)), rect.created_at + dt.timedelta(days=1))
            _walk(book, w, i, [(RectMove.REPORT, report)])
    _round_moves(book, rnd, [at(start, 9, 0), at(start + dt.timedelta(days=40), 17, 0)])
    # The home street's own round, under way.
    s_start = today - dt.timedelta(days=12)
    srnd = _round(book, street, today.year, "第四季度", s_start, s_start + dt.timedelta(days=30),
                  RoundState.INSPECTING, at(s_start, 9, 0))
    s_people = list(Person.objects.filter(org=street).order_by("pk")[:9]) or people
    s_pairs = _plan(book, w, srnd, s_people, [community, *others[2:4]], at(s_start, 9, 0) - dt.timedelta(days=5))
    for i in _findings(book, w, srnd, s_pairs, s_start, (10, 40)):
        rect = book.rects[i]
        if rng.random() < 0.5:
            report = max(now - dt.timedelta(days=rng.randint(1, 5)), rect.created_at + dt.timedelta(hours=2))
            if report < now:
                _walk(book, w, i, [(RectMove.REPORT, report)])
    _round_moves(book, srnd, [at(s_start, 9, 0)])
    # Nothing lies in the future: a finding recorded "later" this month stands as recorded this morning.
    for obj in book.findings:
        obj.recorded_at = min(obj.recorded_at, now)
    for r in book.rects:
        r.created_at, r.state_since = min(r.created_at, now), min(r.state_since, now)
    for steps in book.history.values():
        steps[:] = [(m, s, t, n, min(when, now), by) for m, s, t, n, when, by in steps]
    _write(book)
    log(f"{today.year} 年巡查（进行中）：{len(book.rounds)} 轮，整改事项 {len(book.rects)} 项")
