"""Every write of the cadre records: select a monthly cadre star (月度干部之星), record a promotion (提拔重用), and
withdraw either (a correction). Each ``do_*`` runs in one transaction, checks ``cadre.record`` and the person
through the scoped lookup (``selectors_cadres.people_to_record``), checks every cited piece of front-line work
through ``frontline.resolve`` (the person's own work in the period, inside the recorder's scope), writes the audit
record, and raises ``ActionError`` (Chinese) when refused — then nothing is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from zongheng.core import audit
from zongheng.core.errors import ActionError
from zongheng.core.errors import checked_text as _text
from zongheng.orgs.resolve import pick_one, refusal

from . import frontline
from . import selectors_cadres as sel
from .models_cadres import CadreStar, Citation, Promotion, WorkKind

STAR_FIELDS = ["person", "org", "month", "deeds"]
PROMOTION_FIELDS = ["person", "org", "promoted_on", "from_post", "to_post", "doc_no", "reason"]
_FK: dict[str, str] = {WorkKind.TASK: "task_id", WorkKind.DEMAND: "demand_id", WorkKind.CAMPAIGN: "campaign_id",
       WorkKind.TEMP_ORG: "temp_org_id"}


def _check_right(user: Any) -> None:
    if not sel.may_record(user):
        raise ActionError(sel.NO_RECORD)


def _person(user: Any, value: Any) -> Any:
    return pick_one(sel.people_to_record(user), value, refusal("所选干部"))


def _citations(works: list[frontline.Work], **owner: Any) -> list[Citation]:
    return [Citation(kind=w.kind, label=w.label[:300], **{_FK[w.kind]: w.pk}, **owner)
            for w in works]


def _after(obj: Any, fields: list[str], works: list[frontline.Work]) -> dict[str, Any]:
    return {**audit.snapshot(obj, fields), "cited": [w.key for w in works]}


@transaction.atomic
def do_select_star(user: Any, data: dict[str, Any], *, now: dt.datetime | None = None) -> CadreStar:
    """评选月度干部之星: ``data``: person (id), month (a date or "YYYY-MM"), work (cited keys "kind:id"), deeds.
    One star per person per month; the month may not lie in the future."""
    _check_right(user)
    now = now or timezone.now()
    person = _person(user, data.get("person"))
    month = sel.parse_month(data.get("month"))
    if month is None:
        raise ActionError("请选择评选月份（如 2018-07）")
    if month > timezone.localtime(now).date():
        raise ActionError("不能评选尚未到来的月份")
    deeds = _text(data.get("deeds"), "事迹", 500, required=True)
    works = frontline.resolve(user, person, list(data.get("work") or []), *frontline.star_window(month))
    if CadreStar.objects.filter(person=person, month=month).exists():
        raise ActionError(f"{person.name}已是{month:%Y年%m月}的干部之星，同一人每月只能评选一次")
    try:
        with transaction.atomic():
            star = CadreStar.objects.create(person=person, org=person.org, org_path=person.org_path, month=month,
                                            deeds=deeds, selected_by=user, selected_at=now)
    except IntegrityError:
        raise ActionError(f"{person.name}已是{month:%Y年%m月}的干部之星，同一人每月只能评选一次") from None
    Citation.objects.bulk_create(_citations(works, star=star))
    audit.record(user, "lists.star_select", star, after=_after(star, STAR_FIELDS, works))
    return star


@transaction.atomic
def do_withdraw_star(user: Any, star: CadreStar) -> None:
    """撤销: a star recorded by mistake is withdrawn (with its citations); the audit keeps what it was."""
    _check_right(user)
    star = CadreStar.objects.select_for_update().filter(pk=star.pk).first()  # type: ignore[assignment]
    if star is None or not sel.people_to_record(user).filter(pk=star.person_id).exists():
        raise ActionError("该干部之星记录不存在或不在您的管辖范围内")
    before = _after(star, STAR_FIELDS, [])
    before["cited"] = [c.key for c in star.citations.all()]
    audit.record(user, "lists.star_withdraw", star, before=before)
    star.delete()


@transaction.atomic
def do_record_promotion(user: Any, data: dict[str, Any], *, now: dt.datetime | None = None) -> Promotion:
    """记录提拔重用: ``data``: person (id), promoted_on (date), from_post, to_post, doc_no, reason, work (cited keys).
    The cited work lies in the three years before the promotion."""
    _check_right(user)
    now = now or timezone.now()
    person = _person(user, data.get("person"))
    day = data.get("promoted_on")
    if isinstance(day, dt.datetime):
        day = day.date()
    if not isinstance(day, dt.date):
        raise ActionError("请填写任职日期")
    if day > timezone.localtime(now).date() + dt.timedelta(days=366) or day.year < 2000:
        raise ActionError("任职日期不在合理范围内")
    from_post = _text(data.get("from_post"), "原职务", 100, required=True)
    to_post = _text(data.get("to_post"), "新职务", 100, required=True)
    doc_no = _text(data.get("doc_no"), "任职文号", 60)
    reason = _text(data.get("reason"), "提拔理由", 500, required=True)
    works = frontline.resolve(user, person, list(data.get("work") or []), *frontline.promotion_window(day))
    refused = f"{person.name}在{day:%Y年%m月%d日}任{to_post}的记录已存在"
    if Promotion.objects.filter(person=person, promoted_on=day, to_post=to_post).exists():
        raise ActionError(refused)
    try:
        with transaction.atomic():
            promotion = Promotion.objects.create(
                person=person, org=person.org, org_path=person.org_path, promoted_on=day, from_post=from_post,
                to_post=to_post, doc_no=doc_no, reason=reason, recorded_by=user, recorded_at=now)
    except IntegrityError:
        raise ActionError(refused) from None
    Citation.objects.bulk_create(_citations(works, promotion=promotion))
    audit.record(user, "lists.promotion_record", promotion, after=_after(promotion, PROMOTION_FIELDS, works))
    return promotion


@transaction.atomic
def do_withdraw_promotion(user: Any, promotion: Promotion) -> None:
    """撤销 a promotion recorded by mistake (with its citations); the audit keeps what it was."""
    _check_right(user)
    promotion = Promotion.objects.select_for_update().filter(pk=promotion.pk).first()  # type: ignore[assignment]
    if promotion is None or not sel.people_to_record(user).filter(pk=promotion.person_id).exists():
        raise ActionError("该提拔重用记录不存在或不在您的管辖范围内")
    before = _after(promotion, PROMOTION_FIELDS, [])
    before["cited"] = [c.key for c in promotion.citations.all()]
    audit.record(user, "lists.promotion_withdraw", promotion, before=before)
    promotion.delete()
