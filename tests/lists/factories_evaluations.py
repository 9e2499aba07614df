"""A small world for 述职评议: the district's organisation department runs a round of the four community
secretaries of the test tree, with four rater groups (上级 20 %, 同级书记 10 %, 基层党员 30 %, 服务对象 40 %), a
three-item sheet (30 + 30 + 40) and four bands; the district's secretary, the four secretaries (rating each other)
and two members of each community rate their own secretary online; residents come on paper sheets."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tests.factories import Tree, make_person, make_post, make_user, user_with_post
from zongheng.core.permissions import Role
from zongheng.lists import actions_evaluations as actions
from zongheng.lists.choices_evaluations import EvalKind, EvalMove
from zongheng.lists.models_evaluations import EvalRater, EvalRound, EvalSubject

T0 = dt.datetime(2018, 12, 20, 1, 0, tzinfo=dt.UTC)
GROUPS = [("上级党组织", "20"), ("同级书记", "10"), ("基层党员", "30"), ("服务对象", "40")]
ITEMS = [("履行第一责任人职责", "30"), ("抓基层党建工作成效", "30"), ("群众满意度", "40")]
BANDS = [("好", "90"), ("较好", "80"), ("一般", "60"), ("差", "0")]


@dataclass
class EvalWorld:
    tree: Tree
    dept: Any  # 组织部 at the district: evaluation.run on the whole tree
    leader: Any  # the district's secretary (a user): the 上级党组织 rater
    secretaries: list[Any]  # the four community secretaries (users): subjects, and raters of each other
    members: list[Any] = field(default_factory=list)  # two members of each community (users): 基层党员
    street_secretary: Any = None  # a street's secretary: evaluation.run on the street only
    auditor: Any = None
    round: EvalRound | None = None


def make_world(tree: Tree) -> EvalWorld:
    dept = user_with_post(tree.district, Role.ORG_DEPT)
    leader = user_with_post(tree.district, Role.SECRETARY)
    secretaries = [user_with_post(c, Role.SECRETARY) for c in tree.communities]
    members = [make_user(make_person(c)) for c in tree.communities for _ in range(2)]
    return EvalWorld(tree, dept, leader, secretaries, members,
                     street_secretary=user_with_post(tree.streets[0], Role.SECRETARY),
                     auditor=user_with_post(tree.district, Role.AUDITOR))


def make_round(w: EvalWorld, *, anonymous: bool = True, open_: bool = True, title: str = "2018年度社区书记述职评议",
               now: dt.datetime = T0) -> EvalRound:
    r = actions.do_create_round(w.dept, {"org": w.tree.district, "kind": EvalKind.ANNUAL, "title": title,
                                         "year": 2018, "anonymous": anonymous}, now=now)
    actions.do_set_formula(w.dept, r, GROUPS, ITEMS, BANDS)
    actions.do_add_subjects(w.dept, r, "community", today=dt.date(2018, 12, 1))
    groups = {g.name: g for g in r.groups.all()}
    actions.do_add_raters(w.dept, r, groups["上级党组织"], [w.leader.person_id])
    actions.do_add_raters(w.dept, r, groups["同级书记"], [u.person_id for u in w.secretaries])
    for community in w.tree.communities:  # members rate their own community's secretary
        actions.do_add_raters(w.dept, r, groups["基层党员"],
                              [u.person_id for u in w.members if u.person.org_id == community.pk], within=community)
    if open_:
        r = actions.do_move_round(w.dept, r, EvalMove.OPEN, now=now)
    w.round = r
    return r


def subject_of(r: EvalRound, user: Any) -> EvalSubject:
    return EvalSubject.objects.get(round=r, person_id=user.person_id)


def random_scores(rng: random.Random, r: EvalRound) -> dict[int, Decimal]:
    return {i.pk: Decimal(rng.randint(0, int(i.max_score * 10))) / 10 for i in r.items.all()}


def vote_all(w: EvalWorld, r: EvalRound, rng: random.Random, *, share: float = 1.0, sheets: int = 3) -> None:
    """Every online rater scores every subject they rate (a ``share`` of them), and ``sheets`` paper sheets of
    the 服务对象 group each rate a random subset of subjects."""
    users = {u.person_id: u for u in [w.leader, *w.secretaries, *w.members]}
    subjects = list(r.subjects.select_related("person"))
    for rater in EvalRater.objects.filter(round=r):
        for s in subjects:
            if s.person_id != rater.person_id and s.org_path.startswith(rater.within) and rng.random() < share:
                actions.do_vote(users[rater.person_id], r, s, random_scores(rng, r),
                                rng.choice(["", "工作扎实", "群众认可"]), now=T0)
    service = r.groups.get(name="服务对象")
    for n in range(sheets):
        chosen = [s for s in subjects if rng.random() < 0.7] or subjects[:1]
        actions.do_enter_sheet(w.dept, r, service, f"FW-{n + 1:03d}",
                               {s: (random_scores(rng, r), rng.choice(["", "服务热情"])) for s in chosen}, now=T0)


def make_secretary_elsewhere(tree: Tree) -> Any:
    person = make_person(tree.grids[0])
    make_post(person, tree.grids[0], Role.SECRETARY)
    return make_user(person)
