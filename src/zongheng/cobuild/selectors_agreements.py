"""Reads of claim agreements, items and pairings: every list and page starts from ``restrict`` (a row
outside the user's scope is not there: 404), with its filters, in a constant number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet

from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.demands.models import Demand, Summons
from zongheng.orgs.models import Org

from .choices import AgreementState, ItemKind, ItemState, PartnerKind
from .models import Agreement, AgreementItem, Pairing
from .pace import pace_of, with_held

DUE_SOON_DAYS = 14  # an open item due within this many days is 即将到期 (and a to-do)
MAX_LINKED_DEMANDS = 50


def _year(params: Any) -> int | None:
    text = str(params.get("year") or "").strip()
    return int(text) if text.isdigit() and len(text) == 4 else None


def _org_filter(qs: QuerySet[Any], params: Any, user: Any, *fields: str) -> QuerySet[Any]:
    """``org`` (an organisation id): rows whose side lies under that organisation (in scope, else none)."""
    text = str(params.get("org") or "").strip()
    if not text:
        return qs
    path = (Org.objects.restrict(user, Perm.COBUILD_VIEW).filter(pk=int(text)).values_list("path", flat=True).first()
            if text.isdigit() and len(text) <= 18 else None)
    if not path:
        return qs.none()
    q = Q(pk__in=[])
    for field in fields:
        q |= Q(**{f"{field}__startswith": path})
    return qs.filter(q)


# ---------------------------------------------------------------- agreements


def agreements_in_scope(user: Any, perm: str = Perm.COBUILD_VIEW) -> QuerySet[Agreement]:
    return Agreement.objects.restrict(user, perm).select_related("org", "unit")


def agreement_list(user: Any, params: Any) -> QuerySet[Agreement]:
    """认领书 in scope with their item counts; filters: state, year (signed), org, unit, q."""
    qs = agreements_in_scope(user)
    state = str(params.get("state") or "").strip()
    if state:
        qs = qs.filter(state=state) if state in AgreementState.values else qs.none()
    if (year := _year(params)) is not None:
        qs = qs.filter(signed_on__year=year)
    elif str(params.get("year") or "").strip():
        qs = qs.none()
    if (unit := str(params.get("unit") or "").strip()):
        qs = qs.filter(unit_id=int(unit)) if unit.isdigit() and len(unit) <= 18 else qs.none()
    qs = _org_filter(qs, params, user, "org_path", "unit_path")
    if q := str(params.get("q") or "").strip()[:50]:
        qs = qs.filter(Q(title__contains=q) | Q(unit__name__contains=q) | Q(org__name__contains=q))
    return qs.annotate(
        item_count=Count("items", distinct=True),
        done_count=Count("items", filter=Q(items__state=ItemState.DONE), distinct=True),
    ).order_by("-signed_on", "-id")


# ---------------------------------------------------------------- items


def items_in_scope(user: Any, perm: str = Perm.COBUILD_VIEW) -> QuerySet[AgreementItem]:
    return AgreementItem.objects.restrict(user, perm).select_related("agreement", "agreement__org",
                                                                     "agreement__unit")


def item_list(user: Any, params: Any, today: dt.date) -> QuerySet[AgreementItem]:
    """认领项目 in scope; ``state``: open / due (open, due within 14 days, not overdue) / overdue / done /
    dropped; ``kind``; ``agreement``; ``org``; ``q``."""
    qs = items_in_scope(user)
    state = str(params.get("state") or "").strip()
    if state == "open":
        qs = qs.filter(state=ItemState.OPEN)
    elif state == "due":
        qs = qs.filter(state=ItemState.OPEN, due_on__gte=today, due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS))
    elif state == "overdue":
        qs = qs.filter(state=ItemState.OPEN, due_on__lt=today)
    elif state == "attention":  # due soon or overdue: the to-do
        qs = qs.filter(state=ItemState.OPEN, due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS))
    elif state in (ItemState.DONE, ItemState.DROPPED):
        qs = qs.filter(state=state)
    elif state:
        qs = qs.none()
    if kind := str(params.get("kind") or "").strip():
        qs = qs.filter(kind=kind) if kind in ItemKind.values else qs.none()
    if agreement := str(params.get("agreement") or "").strip():
        qs = qs.filter(agreement_id=int(agreement)) if agreement.isdigit() and len(agreement) <= 18 else qs.none()
    if (year := _year(params)) is not None:
        qs = qs.filter(due_on__year=year)
    qs = _org_filter(qs, params, user, "org_path", "unit_path")
    if q := str(params.get("q") or "").strip()[:50]:
        qs = qs.filter(Q(title__contains=q) | Q(agreement__unit__name__contains=q)
                       | Q(agreement__org__name__contains=q))
    return qs.order_by("state", "due_on", "id")


def item_flags(item: AgreementItem, today: dt.date) -> dict[str, bool]:
    open_ = item.state == ItemState.OPEN
    return {"overdue": open_ and item.due_on < today,
            "due_soon": open_ and today <= item.due_on <= today + dt.timedelta(days=DUE_SOON_DAYS)}


def demand_choices(user: Any, item: AgreementItem) -> QuerySet[Demand]:
    """The demands a completed item may be linked to: those in the user's demand scope, or those summoned
    (吹哨报到) to the item's unit."""
    summoned = Summons.objects.filter(org__path=item.unit_path).values("demand_id")
    return Demand.objects.filter(Q(pk__in=Demand.objects.restrict(user, Perm.DEMAND_VIEW).values("pk"))
                                 | Q(pk__in=summoned))


def resolve_item_demands(user: Any, item: AgreementItem, values: Any) -> list[Demand]:
    """The demands named by id or by 编号 (ref), each through ``demand_choices``; one Chinese message for a
    missing one and one out of reach alike."""
    if isinstance(values, str):
        values = values.replace("，", ",").replace("、", ",").replace(" ", ",").split(",")
    wanted = [str(v).strip() for v in (values or []) if str(v).strip()]
    wanted = list(dict.fromkeys(wanted))
    if not wanted:
        return []
    if len(wanted) > MAX_LINKED_DEMANDS:
        raise ActionError(f"一次最多关联 {MAX_LINKED_DEMANDS} 件诉求")
    ids = [int(v) for v in wanted if v.isdigit() and len(v) <= 18]
    refs = [v[:20] for v in wanted if not (v.isdigit() and len(v) <= 18)]
    found = list(demand_choices(user, item).filter(Q(pk__in=ids) | Q(ref__in=refs + [str(i) for i in ids])))
    by_key: dict[str, Demand] = {}
    for d in found:
        by_key[str(d.pk)] = by_key.get(str(d.pk), d)
        by_key[d.ref] = d
    missing = [v for v in wanted if v not in by_key]
    if missing:
        raise ActionError(f"诉求不存在或不在您的管辖范围内：{'、'.join(missing[:5])}")
    return list({by_key[v].pk: by_key[v] for v in wanted}.values())


def summoned_demands(item: AgreementItem, limit: int = 20) -> list[Demand]:
    """The latest demands summoned to the item's unit (suggested links on the completion form)."""
    return list(Demand.objects.filter(summons__org__path=item.unit_path).order_by("-id")
                .only("pk", "ref", "description", "status")[:limit])


# ---------------------------------------------------------------- pairings


def pairings_in_scope(user: Any, perm: str = Perm.COBUILD_VIEW) -> QuerySet[Pairing]:
    return Pairing.objects.restrict(user, perm).select_related("org", "unit")


def pairing_list(user: Any, params: Any, today: dt.date) -> QuerySet[Pairing]:
    """结对 in scope, each with ``held_this_year`` (one query); filters: partner (unit/outside), region, org,
    q, ``active=1`` (running today), ``pace=behind`` (落后于进度, decided by ``pace.pace_of`` over the filtered
    rows: one more query)."""
    qs = pairings_in_scope(user)
    partner = str(params.get("partner") or "").strip()
    if partner:
        qs = qs.filter(partner_kind=partner) if partner in PartnerKind.values else qs.none()
    if region := str(params.get("region") or "").strip()[:20]:
        qs = qs.filter(partner_region=region)
    if str(params.get("active") or "") == "1":
        qs = qs.filter(starts_on__lte=today).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    qs = _org_filter(qs, params, user, "org_path", "unit_path")
    if q := str(params.get("q") or "").strip()[:50]:
        qs = qs.filter(Q(org__name__contains=q) | Q(unit__name__contains=q) | Q(partner_name__contains=q))
    qs = with_held(qs, today)
    if str(params.get("pace") or "") == "behind":
        rows = qs.values_list("pk", "required_per_year", "held_this_year", "starts_on", "ends_on")
        behind = [pk for pk, req, held, start, end in rows if pace_of(req, held, today, start, end).behind]
        qs = with_held(pairings_in_scope(user).filter(pk__in=behind), today)
    return qs.order_by("org_path", "id")
