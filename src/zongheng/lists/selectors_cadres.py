"""Reads of the cadre records (月度干部之星, 提拔重用): who may see and write, a month's stars, a year's promotions, a
person's record, the people a recorder may name, and the figures (one function each, computed from records).

- read: ``list.view`` on the subtree of the person's organisation as recorded (``CadreQuerySet.restrict``), and
  the person themselves (their own record page);
- write: ``cadre.record`` (组织部), on people inside that right's scope; the cited work must lie inside the
  recorder's scope too (``frontline.resolve``).
A record or person out of scope answers 404 like a missing one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from zongheng.core.access import NotAuthenticated, has_perm, path_q, scope_paths
from zongheng.core.permissions import Perm
from zongheng.orgs.choices import TEMPORARY_KINDS
from zongheng.orgs.models import Org, Person

from . import frontline
from .models_cadres import CadreStar, Citation, Promotion

NO_ACCESS = "干部之星和提拔重用记录只对负有一清单职责的组织开放，您没有查看权限"
NO_RECORD = "评选月度干部之星、记录提拔重用须由区委组织部负责，您没有此项权限"


def require_view(user: Any) -> None:
    if not (user and user.is_authenticated):
        raise NotAuthenticated
    if not has_perm(user, Perm.LIST_VIEW):
        raise PermissionDenied(NO_ACCESS)


def require_view_own(user: Any) -> None:
    """A person's record page: ``list.view`` holders, and anybody with a person record (their own record)."""
    if not (user and user.is_authenticated):
        raise NotAuthenticated
    if not (has_perm(user, Perm.LIST_VIEW) or getattr(user, "person_id", None)):
        raise PermissionDenied(NO_ACCESS)


def may_record(user: Any) -> bool:
    return has_perm(user, Perm.CADRE_RECORD)


def require_record(user: Any) -> None:
    if not (user and user.is_authenticated):
        raise NotAuthenticated
    if not may_record(user):
        raise PermissionDenied(NO_RECORD)


# ---------------------------------------------------------------- periods


def parse_month(value: Any) -> dt.date | None:
    """``"2018-07"`` (or a date) as the month's first day; None for anything else."""
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value or "").strip()
    year, _, month = text.partition("-")
    if len(year) == 4 and year.isdigit() and month.isdigit() and 2000 <= int(year) <= 2100 and 1 <= int(month) <= 12:
        return dt.date(int(year), int(month), 1)
    return None


def parse_year(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else None


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


# ---------------------------------------------------------------- rows


def stars(user: Any) -> QuerySet[CadreStar]:
    return CadreStar.objects.restrict(user).select_related("person", "org")


def promotions(user: Any) -> QuerySet[Promotion]:
    return Promotion.objects.restrict(user).select_related("person", "org")


def stars_in(user: Any, start: dt.date, end: dt.date) -> QuerySet[CadreStar]:
    return stars(user).filter(month__gte=start.replace(day=1), month__lte=end).order_by("-month", "org_path", "id")


def promotions_in(user: Any, start: dt.date, end: dt.date) -> QuerySet[Promotion]:
    return promotions(user).filter(promoted_on__gte=start, promoted_on__lte=end).order_by("-promoted_on", "-id")


def star_for(user: Any, pk: int) -> CadreStar:
    star = stars(user).filter(pk=pk).first()
    if star is None:
        raise Http404
    return star


def promotion_for(user: Any, pk: int) -> Promotion:
    promotion = promotions(user).filter(pk=pk).first()
    if promotion is None:
        raise Http404
    return promotion


def people_to_record(user: Any) -> QuerySet[Person]:
    """The cadres a recorder may name: people inside their ``cadre.record`` scope."""
    return Person.objects.restrict(user, Perm.CADRE_RECORD).select_related("org")


def person_for_record(user: Any, pk: int) -> Person:
    """A person whose record the user may read: in their ``list.view`` subtree, named by a record they may read,
    or themselves; 404 otherwise."""
    paths = scope_paths(user, Perm.LIST_VIEW)
    pid = getattr(user, "person_id", None)
    q = path_q("org_path", paths) | Q(pk__in=CadreStar.objects.restrict(user).values("person_id")) \
        | Q(pk__in=Promotion.objects.restrict(user).values("person_id"))
    if pid:
        q |= Q(pk=pid)
    person = Person.objects.filter(q, pk=pk).select_related("org").first() if 0 < pk < 2**63 else None
    if person is None:
        raise Http404
    return person


@dataclass(frozen=True)
class Cited:
    """A citation as a page shows it: its label and kind, and the link when the viewer may open the record."""

    kind_label: str
    label: str
    url: str | None


def cited(user: Any, records: list[Any]) -> dict[tuple[str, int], list[Cited]]:
    """{("star" | "promotion", pk): citations} for the records, each link only when the viewer may open the cited
    record (two queries for the citations, then one per kind present)."""
    star_ids = [r.pk for r in records if isinstance(r, CadreStar)]
    promo_ids = [r.pk for r in records if isinstance(r, Promotion)]
    if not star_ids and not promo_ids:
        return {}
    rows = list(Citation.objects.filter(Q(star_id__in=star_ids) | Q(promotion_id__in=promo_ids)).order_by("id"))
    seen = frontline.visible(user, [(c.kind, c.target_id or 0) for c in rows])
    out: dict[tuple[str, int], list[Cited]] = {}
    for c in rows:
        owner = ("star", c.star_id) if c.star_id else ("promotion", c.promotion_id or 0)
        ref = (c.kind, c.target_id or 0)
        out.setdefault(owner, []).append(
            Cited(c.get_kind_display(), c.label, frontline.url(*ref) if ref in seen else None))
    return out


# ---------------------------------------------------------------- figures (one function each)


def stars_count(user: Any, start: dt.date, end: dt.date) -> int:
    """月度干部之星 selected for the months from ``start`` to ``end`` in the user's scope."""
    return stars_in(user, start, end).count()


def promotions_count(user: Any, start: dt.date, end: dt.date) -> int:
    """提拔重用 recorded with a date from ``start`` to ``end`` in the user's scope."""
    return promotions_in(user, start, end).count()


def promoted_with_star(user: Any, start: dt.date, end: dt.date) -> tuple[int, int]:
    """(promoted cadres who had been a 月度干部之星 in a month before their promotion, promoted cadres) among the
    promotions from ``start`` to ``end`` in the user's scope — distinct people."""
    earlier = CadreStar.objects.filter(person_id=OuterRef("person_id"), month__lte=OuterRef("promoted_on"))
    rows = promotions_in(user, start, end).annotate(starred=Exists(earlier)).values_list("person_id", "starred")
    people: dict[int, bool] = {}
    for pid, starred in rows:
        people[pid] = people.get(pid, False) or bool(starred)
    return sum(people.values()), len(people)


def temp_orgs_opened(user: Any, start: dt.date, end: dt.date) -> dict[str, int]:
    """临时党支部 / 临时党小组 opened from ``start`` to ``end`` in the user's ``list.view`` subtree (from ``orgs``)."""
    rows = (Org.objects.filter(path_q("path", scope_paths(user, Perm.LIST_VIEW)))
            .filter(kind__in=list(TEMPORARY_KINDS), opened_on__gte=start, opened_on__lte=end)
            .values("kind").annotate(n=Count("id")).values_list("kind", "n"))
    counts = {str(kind): 0 for kind in TEMPORARY_KINDS}
    counts.update(dict(rows))
    return counts


def share_text(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.0f}%" if whole else "—"
