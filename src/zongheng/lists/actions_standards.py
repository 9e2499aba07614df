"""Writes of 标准化建设: scoring an assessed indicator (人工评分) with its evidence.

``do_assess`` runs in one transaction, locks the existing score (two assessors at once leave one row: the
unique (indicator, organisation, quarter) key, and a re-score updates it), checks that the assessor holds
``standard.assess`` strictly above the organisation, that the indicator is an assessed one of the
organisation's card in the active framework and the score within its maximum, writes the audit record, and
raises ``ActionError`` (Chinese) when refused — then nothing is written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from zongheng.core import audit
from zongheng.core.errors import ActionError
from zongheng.core.errors import checked_text as _text
from zongheng.core.indicators import Quarter
from zongheng.orgs.models import Org

from . import selectors_standards as sel
from . import standards
from .actions_tasks import _check_upload as check_upload
from .models_standards import Assessment, Method, StandardIndicator

FIELDS = ["score", "evidence", "assessor", "assessed_at"]
REFUSED = "您不能为该组织评分：须在其上级组织担任可评分的职务（不能给本组织自评）"


def assessable(org: Org, fw: standards.Framework | None = None) -> list[StandardIndicator]:
    """The assessed indicators on ``org``'s card in the active framework."""
    fw = fw or standards.active_framework()
    target = standards.targets(Org.objects.filter(pk=org.pk))[0]
    return [ind for _, ind in fw.indicators_for(target) if ind.method == Method.ASSESSED]


def _snapshot(row: Assessment) -> dict[str, Any]:
    return audit.snapshot(row, FIELDS) | {"evidence_file": row.evidence_file.name or ""}


def _score(value: Any, maximum: Decimal) -> Decimal:
    try:
        score = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ActionError("得分须为数字，最多一位小数") from None
    if not score.is_finite() or score < 0 or score > maximum:
        raise ActionError(f"得分须在 0 到 {maximum} 分之间")
    return score


@transaction.atomic
def do_assess(user: Any, org: Org, quarter: Quarter, indicator: StandardIndicator | int, data: dict[str, Any],
              now: dt.datetime | None = None) -> Assessment:
    """人工评分: ``data`` holds score, evidence (required) and, optionally, evidence_file."""
    now = now or timezone.now()
    org = Org.objects.get(pk=org.pk)
    if not sel.may_assess(user, org.path):
        raise ActionError(REFUSED)
    if quarter.start > timezone.localtime(now).date():
        raise ActionError(sel.FUTURE)
    wanted = indicator.pk if isinstance(indicator, StandardIndicator) else indicator
    ind = next((i for i in assessable(org) if i.pk == wanted), None)
    if ind is None:
        raise ActionError("该指标不是本组织需人工评分的指标")
    score = _score(data.get("score"), ind.max_score)
    evidence = _text(data.get("evidence"), "评分依据", 2000, required=True)
    upload = data.get("evidence_file")
    if upload:
        check_upload(upload, "佐证材料")
    row = Assessment.objects.select_for_update().filter(indicator=ind, org=org, period=quarter.key).first()
    before = _snapshot(row) if row is not None else None
    if row is None:
        row = Assessment(indicator=ind, org=org, org_path=org.path, period=quarter.key)
    row.score, row.evidence, row.assessor, row.assessed_at = score, evidence, user, now
    if upload:
        row.evidence_file.save(getattr(upload, "name", "evidence"), upload, save=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # another assessor's first score landed first: refuse, nothing written
        raise ActionError("该指标刚刚已有人评分，请刷新后再评") from None
    audit.record(user, "lists.standard_assess", row, object_repr=f"{org.name} {quarter.label} {ind.name}",
                 before=before, after=_snapshot(row))
    return row
