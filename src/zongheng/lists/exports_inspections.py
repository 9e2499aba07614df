"""Exports of the inspections (巡查): a round's report (巡查情况报告, .docx: teams, targets, findings, the state of
each rectification item, the overdue ones) and the rectification ledger (整改台账, .xlsx: the ledger page's filters).

Rows come through the scoped querysets (a target exports its own findings only); a constant number of queries
whatever the round's size; overdue is ``selectors_inspections.overdue_q`` (the one reading of 逾期).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.http import HttpResponse

from zongheng.core.exports import xlsx_response

from . import selectors_inspections as sel
from .choices_inspections import RectState
from .exports_tasks import DOCX_MIME, _document, _labelled, _piece, _save, download
from .models_inspections import Finding, InspectionRound, Rectification

LEDGER_MAX = 20_000
LEDGER_HEADERS = ["巡查", "被巡查组织", "问题", "整改事项", "整改责任单位", "整改责任人", "整改时限", "状态",
                  "是否逾期", "销号日期"]
_STATE = dict(RectState.choices)


def ledger_rows(user: Any, f: sel.RectFilters, today: dt.date) -> list[list[Any]]:
    """The ledger's rows (one query): the ledger page's filters, the user's scope."""
    rows = sel.rect_list(user, f, today).select_related(None).values_list(
        "round__title", "target__org__name", "finding__text", "title", "org__name", "responsible__name", "due_on",
        "state", "closed_on")[:LEDGER_MAX]
    return [[rnd, target, finding, title, org, person, due_on, _STATE.get(state, state),
             "是" if state != RectState.CLOSED and due_on < today else "否", closed_on or ""]
            for rnd, target, finding, title, org, person, due_on, state, closed_on in rows]


def ledger_response(user: Any, f: sel.RectFilters, today: dt.date) -> HttpResponse:
    return xlsx_response("整改台账.xlsx", "整改台账", LEDGER_HEADERS, ledger_rows(user, f, today))


def round_report(user: Any, rnd: InspectionRound, today: dt.date) -> bytes:
    """巡查情况报告: the round, its teams (for the organiser side), then per target the viewer may read its
    findings and each item's state, and the overdue items. Five queries."""
    doc = _document(f"{rnd.title}\n巡查情况报告")
    doc.add_paragraph(f"组织单位：{rnd.org.name}；{rnd.year}年{rnd.period}；巡查重点：{rnd.focus}；"
                      f"时间：{rnd.starts_on:%Y-%m-%d} 至 {rnd.ends_on:%Y-%m-%d}；状态：{rnd.get_state_display()}。")
    targets = list(sel.targets_of(user, rnd))
    rects = list(Rectification.objects.filter(target__in=[t.pk for t in targets])
                 .select_related("org", "responsible").order_by("finding_id", "id"))
    findings = list(Finding.objects.filter(target__in=[t.pk for t in targets]).order_by("target_id", "id"))
    states = Counter(r.state for r in rects)
    overdue = [r for r in rects if sel.is_overdue(r, today)]
    doc.add_paragraph(f"被巡查对象 {len(targets)} 个，发现问题 {len(findings)} 个，整改事项 {len(rects)} 项："
                      + "，".join(f"{label} {states.get(code, 0)} 项" for code, label in RectState.choices)
                      + f"；逾期未销号 {len(overdue)} 项。")
    if sel.may_run(user, rnd):
        doc.add_heading("巡查组", level=2)
        for team in rnd.teams.select_related("leader").prefetch_related("members").order_by("id"):
            members = "、".join(p.name for p in team.members.all()) or "无"
            doc.add_paragraph(f"{team.name}：组长 {team.leader.name}；组员 {members}")
    by_finding: dict[int, list[Rectification]] = defaultdict(list)
    for r in rects:
        by_finding[r.finding_id].append(r)
    by_target: dict[int, list[Finding]] = defaultdict(list)
    for f in findings:
        by_target[f.target_id].append(f)
    doc.add_heading("被巡查对象和发现问题", level=2)
    for t in targets:
        lines = [f"巡查组：{t.team.name}；书记：{t.secretary.name if t.secretary else '未记录'}"]
        for n, f in enumerate(by_target.get(t.pk, []), 1):
            lines.append(_labelled(f"问题{n}", f.text))
            for r in by_finding.get(f.pk, []):
                late = "（逾期）" if sel.is_overdue(r, today) else ""
                lines.append(f"  整改事项：{r.title}；责任单位：{r.org.name}；责任人：{r.responsible.name}；"
                             f"时限：{r.due_on:%Y-%m-%d}；状态：{r.get_state_display()}{late}")
        if len(lines) == 1:
            lines.append("未发现问题")
        _piece(doc, t.org.name, lines)
    doc.add_heading("逾期未销号的整改事项", level=2)
    if not overdue:
        doc.add_paragraph("无")
    for r in overdue:
        doc.add_paragraph(f"{r.title}（{r.org.name}，责任人 {r.responsible.name}，时限 {r.due_on:%Y-%m-%d}，"
                          f"{r.get_state_display()}）")
    return _save(doc)


def round_report_response(user: Any, rnd: InspectionRound, today: dt.date) -> HttpResponse:
    return download(round_report(user, rnd, today), DOCX_MIME, f"{rnd.title}_巡查情况报告.docx")
