"""Permission-matrix rows of the inspections (concatenated by tests/lists/matrix.py): pages and API.

Inside ``community`` a round organised by the street above it inspects the community (the owner: its secretary,
list.view and list.report); the round's pages, its report and the ledger are read by the target's side, which sees
its own target only. The team and target set-up pages and their pickers belong to the organiser side (the street's
inspection.run): the community's secretary gets 403 there, and those rows are exercised by test_inspections_pages.
An auditor holds none of these rights (403)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from zongheng.lists.models_inspections import (
    Finding,
    InspectionRound,
    InspectionTarget,
    InspectionTeam,
    Rectification,
    RectificationEvidence,
    RectificationReport,
)
from zongheng.orgs.models import Org


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    street = Org.objects.get(path=community.path[:-Org.steplen])
    now = timezone.now()
    rnd = InspectionRound.objects.create(org=street, org_path=street.path, year=2018, period=f"第{community.pk}轮",
                                         title=f"{street.name}巡查", focus="书记落实全面从严治党主体责任",
                                         starts_on=dt.date(2018, 4, 1), ends_on=dt.date(2018, 5, 1),
                                         state="rectifying", state_since=now)
    team = InspectionTeam.objects.create(round=rnd, name="第一巡查组", leader=owner.person)
    target = InspectionTarget.objects.create(round=rnd, team=team, org=community, org_path=community.path)
    finding = Finding.objects.create(round=rnd, target=target, org_path=community.path, text="台账不全",
                                     recorded_at=now)
    rect = Rectification.objects.create(round=rnd, target=target, finding=finding, title="补齐台账", org=community,
                                        org_path=community.path, responsible=owner.person,
                                        due_on=dt.date(2018, 6, 30), state="pending", state_since=now,
                                        created_at=now)
    report = RectificationReport.objects.create(rectification=rect, text="已补齐", filed_at=now)
    evidence = RectificationEvidence(report=report, name="台账.pdf")
    evidence.file.save("台账.pdf", ContentFile(b"%PDF-1.4 x"), save=True)
    return {"in_round": rnd, "in_team": team, "in_target": target, "in_finding": finding, "in_rect": rect,
            "in_evidence": evidence}


def routes(Route: Any) -> list[Any]:
    r = lambda o: {"pk": o["in_round"].pk}  # noqa: E731
    t = lambda o: {"pk": o["in_target"].pk}  # noqa: E731
    x = lambda o: {"pk": o["in_rect"].pk}  # noqa: E731
    return [
        Route("lists:inspections"),
        Route("lists:inspection_new", holder="dept"),
        Route("lists:inspection", r),
        Route("lists:inspection_move", lambda o: {"pk": o["in_round"].pk, "move": "complete"}, method="post",
              in_scope=None),
        # The organiser side's set-up: the community's secretary is refused (403); out of scope 404.
        Route("lists:inspection_people", r, in_scope=403),
        Route("lists:inspection_target_pick", r, in_scope=403),
        Route("lists:inspection_team_new", r, in_scope=403),
        Route("lists:inspection_target_new", lambda o: {"pk": o["in_team"].pk}, in_scope=403),
        Route("lists:inspection_docx", r),
        Route("lists:inspection_target", t),
        # The holder leads the team (by assignment): they record findings there.
        Route("lists:inspection_target_people", t),
        Route("lists:inspection_owner_pick", t),
        Route("lists:inspection_finding_new", t),
        Route("lists:inspection_rect_new", lambda o: {"pk": o["in_finding"].pk}),
        Route("lists:inspection_rects"),
        Route("lists:inspection_rects_export"),
        Route("lists:inspection_rect", x),
        Route("lists:inspection_rect_report", x, method="post", in_scope=None),
        Route("lists:inspection_rect_verify", lambda o: {"pk": o["in_rect"].pk, "move": "accept"}, method="post",
              in_scope=None),
        Route("lists:inspection_evidence", lambda o: {"pk": o["in_evidence"].pk}),
        Route("api:list_inspections", api=True),
        Route("api:get_inspection", lambda o: {"id": o["in_round"].pk}, api=True),
        Route("api:list_inspection_targets", lambda o: {"id": o["in_round"].pk}, api=True),
        Route("api:list_inspection_findings", lambda o: {"id": o["in_round"].pk}, api=True),
        Route("api:list_rectifications", api=True),
        Route("api:get_rectification", lambda o: {"id": o["in_rect"].pk}, api=True),
        Route("api:report_rectification", lambda o: {"id": o["in_rect"].pk}, method="post", api=True,
              in_scope=None),
        Route("api:verify_rectification", lambda o: {"id": o["in_rect"].pk}, method="post", api=True,
              in_scope=None),
    ]


BODIES = {
    "api:report_rectification": lambda o: {"text": "已补齐台账"},
    "api:verify_rectification": lambda o: {"move": "accept"},
}
