"""Every write of 民情日记 (visits): record a visit (optionally turning the concern raised into a resident demand
in the same step), correct it (its recorder: text fixed, follow-up added), turn its concern into a demand later
(once).

Each ``do_*`` runs in one transaction, checks who may act through the one rule of ``selectors_visits``
(``visit_households``), writes the audit record and raises ``ActionError`` (Chinese) when refused — then
nothing is written. A recorded visit earns its visitor the points of a 走访联系户 deed (``points.award``,
once per visit). Visits are never deleted.

A demand raised from a visit is a real demand, made by the demands module's intake (``submit_demand``) inside
this transaction: channel 民情日记, the grid above the central household, the household's address, the
concern as its description, the category suggested from it as the demands module does. The user's right to
record the visit is what lets them raise it (a registered member holds no ``demand.enter``): the concern was
heard on the visit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from zongheng.core import audit
from zongheng.core.errors import ActionError
from zongheng.orgs.models import LinkedHousehold, Org

from . import points
from .choices import Deed
from .models import Visit
from .selectors_visits import HOUSEHOLD_REFUSED, is_recorder, may_record_for

FIELDS = ["household", "central", "visitor", "visited_on", "raised", "follow_up", "demand"]
TEXT_MAX = 1000
BACKDATE_DAYS = 366  # a visit may be recorded up to a year after it happened


def _text(value: Any, label: str) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if len(text) > TEXT_MAX:
        raise ActionError(f"{label}最多 {TEXT_MAX} 个字，现在是 {len(text)} 个字")
    return text


def _visited_on(value: Any, today: dt.date) -> dt.date:
    if not isinstance(value, dt.date):
        raise ActionError("请填写走访日期")
    if isinstance(value, dt.datetime):
        value = value.date()
    if value > today:
        raise ActionError("走访日期不能晚于今天")
    if value < today - dt.timedelta(days=BACKDATE_DAYS):
        raise ActionError("只能补记一年以内的走访")
    return value


def grid_of(central: Org) -> Org:
    """The grid above a central household (the demand's grid); the nearest organisation above it when it hangs
    elsewhere (the demand is then received there and assigned to a grid by staff)."""
    step = Org.steplen
    above = [central.path[:i] for i in range(step, len(central.path), step)]
    orgs = sorted(Org.objects.filter(path__in=above).select_related("level"), key=lambda o: -o.depth)
    for org in orgs:
        if org.level.code in settings.DEMAND_GRID_LEVELS:
            return org
    if not orgs:
        raise ActionError("该中心户不在任何网格或社区之下，无法转为诉求")
    return orgs[0]


def _raise(user: Any, visit: Visit) -> tuple[Any, str]:
    """The demand of a visit's concern, through the demands module's intake (inside the caller's transaction)."""
    from zongheng.demands.actions import submit_demand
    from zongheng.demands.choices import Channel, Urgency
    from zongheng.demands.models import Category
    from zongheng.demands.suggest import suggest_category

    if not visit.raised.strip():
        raise ActionError("这次走访没有记录群众反映的情况，无法转为居民诉求")
    category = (suggest_category(visit.raised) or Category.objects.filter(code="other", active=True).first()
                or Category.objects.filter(active=True).order_by("id").first())
    if category is None:
        raise ActionError("诉求类别尚未配置，无法转为居民诉求，请联系管理员")
    grid = grid_of(visit.central)
    demand, code = submit_demand(user, {
        "channel": Channel.VISIT, "category": category, "urgency": Urgency.NORMAL,
        "description": visit.raised[:4000], "address": visit.household.address[:200],
        "contact_name": visit.household.contact_name[:50], "grid": grid,
    }, allow_unplaced=True)
    return demand, code


@transaction.atomic
def do_record_visit(user: Any, data: dict[str, Any], *, today: dt.date | None = None) -> tuple[Visit, str]:
    """记民情日记: ``data`` = household (a ``LinkedHousehold`` from ``resolve_household``), visited_on, raised,
    follow_up, raise_demand. Returns the visit and, when the concern became a demand, the resident's tracking
    code (shown once), else ""."""
    today = today or timezone.localdate()
    person_id = getattr(user, "person_id", None)
    if not person_id:
        raise ActionError("您的账号没有关联人员信息，不能记民情日记")
    household = data.get("household")
    if not isinstance(household, LinkedHousehold) or not may_record_for(user, household):
        raise ActionError(HOUSEHOLD_REFUSED)
    household = LinkedHousehold.objects.select_related("central").get(pk=household.pk)
    raised = _text(data.get("raised"), "群众反映的情况")
    follow_up = _text(data.get("follow_up"), "跟进和答复")
    visited_on = _visited_on(data.get("visited_on"), today)
    if data.get("raise_demand") and not raised:
        raise ActionError("转为居民诉求时，请填写群众反映的情况")
    visit = Visit.objects.create(
        household=household, central=household.central, org_path=household.central.path, visitor_id=person_id,
        visited_on=visited_on, raised=raised, follow_up=follow_up, created_by=user)
    code = ""
    if data.get("raise_demand"):
        visit.demand, code = _raise(user, visit)
        visit.save(update_fields=["demand"])
    audit.record(user, "members.visit_create", visit, after=audit.snapshot(visit, FIELDS))
    points.award(person_id, Deed.VISIT, f"visit:{visit.pk}", visited_on, by=user)
    return visit, code


def _locked(visit: Visit) -> Visit:
    return Visit.objects.select_for_update().select_related("household", "central").get(pk=visit.pk)


@transaction.atomic
def do_update_visit(user: Any, visit: Visit, data: dict[str, Any]) -> Visit:
    """更正: the recorder fixes what was raised (until it became a demand) or adds the follow-up. Only the keys
    given change; the date, household and visitor stay."""
    visit = _locked(visit)
    if not is_recorder(user, visit) or not may_record_for(user, visit.household):
        raise ActionError("只有记录人可以修改这条民情日记")
    before = audit.snapshot(visit, FIELDS)
    if "raised" in data:
        raised = _text(data["raised"], "群众反映的情况")
        if raised != visit.raised and visit.demand_id:
            raise ActionError("反映的情况已转为居民诉求，不能再修改；进展请写在跟进和答复中")
        visit.raised = raised
    if "follow_up" in data:
        visit.follow_up = _text(data["follow_up"], "跟进和答复")
    visit.save(update_fields=["raised", "follow_up"])
    audit.record(user, "members.visit_update", visit, before=before, after=audit.snapshot(visit, FIELDS))
    return visit


@transaction.atomic
def do_raise_demand(user: Any, visit: Visit) -> tuple[Visit, str]:
    """转为居民诉求 later, once: a user who may record visits to the household (its recorder, the grid leader,
    the community …) turns the concern raised on the visit into a demand. Returns the visit and the code."""
    visit = _locked(visit)
    if not may_record_for(user, visit.household):
        raise ActionError(HOUSEHOLD_REFUSED)
    if visit.demand_id:
        from zongheng.demands.models import Demand

        ref = Demand.objects.filter(pk=visit.demand_id).values_list("ref", flat=True).first() or ""
        raise ActionError(f"这条民情日记反映的情况已转为居民诉求 {ref}，不能重复转")
    before = audit.snapshot(visit, FIELDS)
    visit.demand, code = _raise(user, visit)
    visit.save(update_fields=["demand"])
    audit.record(user, "members.visit_demand", visit, before=before, after=audit.snapshot(visit, FIELDS))
    return visit, code
