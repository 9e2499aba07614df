"""Permission-matrix rows of 述职评议 (concatenated by tests/lists/matrix.py): pages and API.

Inside ``community`` the owner (its secretary: evaluation.run and list.view on the community) runs three rounds of
the community: a draft, one being scored where the owner also rates a grid's secretary, and a published one where
the owner is themselves a subject (their own result, report and notice). Nobody without a right or an assignment
reaches the rounds (403); a round outside the owner's scope and assignments answers 404."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from tests.factories import make_person, make_post
from zongheng.core.permissions import Role
from zongheng.lists.choices_evaluations import EvalKind, EvalState
from zongheng.lists.models_evaluations import EvalBand, EvalGroup, EvalItem, EvalRater, EvalRound, EvalSubject


def _round(community: Any, state: str, title: str) -> EvalRound:
    r = EvalRound.objects.create(org=community, org_path=community.path, kind=EvalKind.MONTHLY, month=3, year=2018,
                                 title=title, state=state, state_since=timezone.now())
    EvalGroup.objects.create(round=r, name="上级党组织", weight=100)
    EvalItem.objects.create(round=r, title="工作成效", max_score=100)
    EvalBand.objects.create(round=r, label="好", min_score=0)
    return r


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    draft = _round(community, EvalState.DRAFT, f"{community.name}草稿评议")
    scoring = _round(community, EvalState.SCORING, f"{community.name}三月每月一评")
    published = _round(community, EvalState.PUBLISHED, f"{community.name}二月每月一评")
    grid_secretary = make_person(grid)
    make_post(grid_secretary, grid, Role.SECRETARY)
    subject = EvalSubject.objects.create(round=scoring, person=grid_secretary, org=grid, org_path=grid.path)
    rater = EvalRater.objects.create(round=scoring, group=scoring.groups.get(), person_id=owner.person_id)
    own = EvalSubject.objects.create(round=published, person_id=owner.person_id, org=community,
                                     org_path=community.path)
    return {"ev_draft": draft, "ev_open": scoring, "ev_published": published, "ev_subject": subject,
            "ev_rater": rater, "ev_own": own}


def routes(Route: Any) -> list[Any]:
    d = lambda o: {"pk": o["ev_draft"].pk}  # noqa: E731
    s = lambda o: {"pk": o["ev_open"].pk}  # noqa: E731
    p = lambda o: {"pk": o["ev_published"].pk}  # noqa: E731
    subj = lambda o: {"pk": o["ev_open"].pk, "subject_pk": o["ev_subject"].pk}  # noqa: E731
    return [
        Route("lists:evals"),
        Route("lists:eval_new"),
        Route("lists:eval_org_pick"),
        Route("lists:eval_round", s),
        Route("lists:eval_edit", s),
        Route("lists:eval_formula", d),
        Route("lists:eval_subjects_add", d, method="post", in_scope=None),
        Route("lists:eval_subject", subj),
        Route("lists:eval_subject_remove", subj, method="post", in_scope=None),
        Route("lists:eval_notice", lambda o: {"pk": o["ev_published"].pk, "subject_pk": o["ev_own"].pk}),
        Route("lists:eval_raters", s),
        Route("lists:eval_member_org_pick", s),
        Route("lists:eval_rater_people", s),
        Route("lists:eval_rater_remove", lambda o: {"pk": o["ev_open"].pk, "rater_pk": o["ev_rater"].pk},
              method="post", in_scope=None),
        Route("lists:eval_move", lambda o: {"pk": o["ev_open"].pk, "move": "close"}, method="post", in_scope=None),
        Route("lists:eval_rate", s),
        Route("lists:eval_rate_subject", subj),
        Route("lists:eval_sheet", s),
        Route("lists:eval_my_report", p),
        Route("lists:eval_my_result", p),
        Route("lists:eval_export", p),
        Route("api:list_eval_rounds", api=True),
        Route("api:my_pending_ratings", api=True),
        Route("api:get_eval_round", lambda o: {"id": o["ev_open"].pk}, api=True),
        Route("api:eval_results", lambda o: {"id": o["ev_published"].pk}, api=True),
        Route("api:submit_eval_vote", lambda o: {"id": o["ev_open"].pk}, method="post", api=True, in_scope=None),
    ]


BODIES = {
    "api:submit_eval_vote": lambda o: {"subject": o["ev_subject"].pk, "scores": {}},
}
