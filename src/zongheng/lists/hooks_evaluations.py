"""What 述职评议 registers with the ground (called by ``lists.hooks.register``): its section on the 一清单 hub
(open rounds, the viewer's pending ratings, their own published results), the rater's to-do (待评议 N 人),
audit labels and links, and the path copies an organisation move rewrites."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from zongheng.core.audit_display import register_actions, register_object_url, url_by_pk
from zongheng.core.permissions import Perm
from zongheng.core.todo import Todo, register_todo

AUDIT_ACTIONS = {
    "lists.eval_create": "新建评议轮次", "lists.eval_update": "修改评议轮次", "lists.eval_formula": "设置评议办法",
    "lists.eval_subjects": "确定述职人", "lists.eval_subject_remove": "移除述职人", "lists.eval_raters": "指定评议人",
    "lists.eval_rater_remove": "移除评议人", "lists.eval_report": "提交述职报告", "lists.eval_move": "评议轮次流转",
    "lists.eval_vote": "网上评分", "lists.eval_vote_amend": "修改评分", "lists.eval_sheet": "录入纸质评分表",
}


def my_ratings(user: Any, now: dt.datetime) -> list[Todo]:
    """待评议: one item per open round where the user still has subjects to rate (two queries)."""
    from .selectors_evaluations import pending_for

    if not (user and user.is_authenticated):
        return []
    return [Todo("待评议", f"{p.title}：待评议 {p.left} 人", reverse("lists:eval_rate", args=[p.round_id]), p.due_at)
            for p in pending_for(user)]


def home_section(user: Any, year: int | None, today: dt.date) -> Any:
    """The hub's 述职评议 section: rounds being scored in the viewer's scope, their pending ratings, their own
    published results (four queries)."""
    from .choices_evaluations import EvalState
    from .models_evaluations import EvalRound
    from .selectors_evaluations import may_use, my_results, pending_for
    from .views_home import HomeSection

    if not may_use(user):
        return None
    open_rounds = list(EvalRound.objects.restrict(user, Perm.LIST_VIEW).filter(state=EvalState.SCORING)
                       .order_by("due_at", "-id").values_list("pk", "title", "due_at")[:10])
    return HomeSection("lists/evaluations/_home.html", {
        "open": open_rounds, "pending": pending_for(user),
        "mine": list(my_results(user).values_list("round_id", "round__title")[:5]),
        "all_url": reverse("lists:evals")})


def register() -> None:
    from zongheng.core.paths import register_path_copy

    from .models_evaluations import EvalRater, EvalRound, EvalSubject
    from .views_home import register_home_section

    for model in (EvalRound, EvalSubject):
        register_path_copy(model, "org_path")
    register_path_copy(EvalRater, "within")
    register_home_section(30, "evaluations", home_section, "述职评议")
    register_actions(AUDIT_ACTIONS)
    register_object_url("lists.evalround", url_by_pk("lists:eval_round"), Perm.LIST_VIEW)
    register_todo(67, "lists.evaluations", my_ratings)
