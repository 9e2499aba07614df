"""Exports of the points part (.xlsx): an organisation's totals for a year (its children, then one row per
member with the points per 八带头 item) and its members' ledger (one row per entry). Inside the user's scope
only: the views pass an organisation already resolved in it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import QuerySet, Sum
from django.http import HttpResponse
from django.utils import timezone

from zongheng.core.exports import attachment, workbook_bytes
from zongheng.orgs.models import Org, Person

from .choices import Deed
from .models import PointEntry
from .selectors_points import BANDS, ChildRow, Totals, items, members_below

EXPORT_MAX = 50_000  # rows of one sheet; a larger organisation exports its children one by one
TRUNCATED = "（仅导出前 {n:,} 行：请选择下级组织分别导出）"


def _totals_cells(label: str, t: Totals) -> list[Any]:
    return [label, t.members, t.points, round(t.average, 1) if t.average is not None else "", t.with_points,
            *t.bands]


def totals_xlsx(org: Org, year: int, total: Totals, children: list[ChildRow], members: QuerySet[Person]
                ) -> HttpResponse:
    """积分统计: sheet 1 the organisation and each child (members, points, average, distribution); sheet 2
    each member's points per 八带头 item and in all."""
    head = ["组织", "党员数", "积分合计", "人均积分", "有积分的党员", *[label for _, _, label in BANDS]]
    summary = [_totals_cells(f"{org.name}（合计）", total)] + [_totals_cells(c.label, c.totals) for c in children]
    people = list(members[:EXPORT_MAX + 1])
    cut = len(people) > EXPORT_MAX
    people = people[:EXPORT_MAX]
    all_items = items()
    per_item: dict[int, dict[int | None, int]] = defaultdict(dict)
    below = Person.objects.filter(members_below(org.path))
    for person_id, item_id, pts in (PointEntry.objects.filter(year=year, person__in=below)
                                      .values("person_id", "item_id").annotate(s=Sum("points")).order_by()
                                      .values_list("person_id", "item_id", "s")):
        per_item[person_id][item_id] = pts or 0
    member_rows: list[list[Any]] = [
        [p.name, p.org.name, p.registered_org.name if p.registered_org else "", p.get_member_type_display(),
         *[per_item[p.pk].get(i.pk, 0) for i in all_items], sum(per_item[p.pk].values())] for p in people]
    if cut:
        member_rows.append([TRUNCATED.format(n=EXPORT_MAX)])
    content = workbook_bytes([
        (f"{year}年积分统计", head, summary),
        ("党员积分", ["姓名", "所在组织", "报到社区（双联双管）", "党员类型", *[i.name for i in all_items], "合计"],
         member_rows),
    ])
    return attachment(content, f"{org.name}{year}年党员积分统计.xlsx")


def ledger_xlsx(org: Org, year: int) -> HttpResponse:
    """积分台账: every entry of ``year`` of the organisation's members, corrections included."""
    deeds = dict(Deed.choices)
    rows = (PointEntry.objects.filter(year=year, person__in=Person.objects.filter(members_below(org.path)))
            .order_by("person__org_path", "person_id", "occurred_on", "id")
            .values_list("person__name", "person__org__name", "occurred_on", "item__name", "deed", "points",
                         "source", "note", "corrects_id", "created_at")[:EXPORT_MAX + 1])

    def cells() -> Iterable[Sequence[Any]]:
        for n, (name, org_name, day, item, deed, pts, source, note, corrects, created) in enumerate(
                rows.iterator(chunk_size=5000)):
            if n == EXPORT_MAX:
                yield [TRUNCATED.format(n=EXPORT_MAX)]
                return
            at = timezone.localtime(created).replace(tzinfo=None) if created else ""
            yield [name, org_name, day, item or "", deeds.get(deed, deed), pts, source, "更正" if corrects else "",
                   note, at]

    content = workbook_bytes([(f"{year}年积分台账", ["姓名", "所在组织", "事项日期", "八带头事项", "积分来源", "积分",
                                             "来源记录", "类别", "说明", "记账时间"], cells())])
    return attachment(content, f"{org.name}{year}年积分台账.xlsx")
