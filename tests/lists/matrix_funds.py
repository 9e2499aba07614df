"""Permission-matrix rows of 财政保障 (concatenated by tests/lists/matrix.py): pages and API.

Inside ``community`` the owner (its secretary: list.view and funds.manage there) sees an allocation from the
street to the community, a spending with its voucher, the year's office space with its evidence and a worker's
pay row. The pages take the organisation from ``?org=`` (default: the top of the viewer's scope), so they have
no out-of-scope row here; an out-of-scope ``?org=`` is covered by test_funds_pages. The configuration page is
for list.configure at the root (``dept``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile

from zongheng.core.access import steplen
from zongheng.lists.models_funds import FundAllocation, FundSpending, OfficeSpace, WorkerPay
from zongheng.orgs.models import Org


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    street = Org.objects.get(path=community.path[:-steplen()])
    alloc = FundAllocation.objects.create(year=2018, giver=street, giver_path=street.path, receiver=community,
                                          receiver_path=community.path, amount=Decimal("5000.00"),
                                          allocated_on=dt.date(2018, 3, 1), purpose="社区工作经费")
    spend = FundSpending(org=community, org_path=community.path, year=2018, spent_on=dt.date(2018, 4, 1),
                         amount=Decimal("800.00"), purpose="主题党日活动")
    spend.voucher.save("voucher.pdf", ContentFile(b"%PDF-1.4 voucher"), save=True)
    space = OfficeSpace(org=community, org_path=community.path, year=2018, area=Decimal("320"),
                        measured_on=dt.date(2018, 5, 1))
    space.evidence.save("plan.pdf", ContentFile(b"%PDF-1.4 plan"), save=True)
    pay = WorkerPay.objects.create(org=community, org_path=community.path, year=2018, worker_name="王小明",
                                   post="网格员", annual_pay=Decimal("42000"))
    return {"fd_alloc": alloc, "fd_spend": spend, "fd_space": space, "fd_pay": pay}


def routes(Route: Any) -> list[Any]:
    a = lambda o: {"pk": o["fd_alloc"].pk}  # noqa: E731
    s = lambda o: {"pk": o["fd_spend"].pk}  # noqa: E731
    api_a = lambda o: {"id": o["fd_alloc"].pk}  # noqa: E731
    api_s = lambda o: {"id": o["fd_spend"].pk}  # noqa: E731
    return [
        Route("lists:funds"),
        Route("lists:funds_budget"),
        Route("lists:funds_allocations"),
        Route("lists:funds_allocate"),
        Route("lists:funds_receiver_pick"),
        Route("lists:funds_allocation", a),
        Route("lists:funds_spendings"),
        Route("lists:funds_spend"),
        Route("lists:funds_spending", s),
        Route("lists:funds_voucher", s),
        Route("lists:funds_space"),
        Route("lists:funds_space_record"),
        Route("lists:funds_space_evidence", lambda o: {"pk": o["fd_space"].pk}),
        Route("lists:funds_pay"),
        Route("lists:funds_pay_record"),
        Route("lists:funds_pay_remove", lambda o: {"pk": o["fd_pay"].pk}, method="post", in_scope=None),
        Route("lists:funds_config", holder="dept", district_wide=True),
        Route("lists:funds_export"),
        Route("api:funds_figures", api=True),
        Route("api:funds_children", api=True),
        Route("api:funds_three", api=True),
        Route("api:budget_lines", api=True),
        Route("api:list_allocations", api=True),
        Route("api:get_allocation", api_a, api=True),
        Route("api:reverse_allocation", api_a, method="post", api=True, in_scope=None),
        Route("api:list_spending", api=True),
        Route("api:get_spending", api_s, api=True),
        Route("api:reverse_spending", api_s, method="post", api=True, in_scope=None),
        Route("api:get_space", api=True),
        Route("api:get_pay", api=True),
        Route("api:get_pay_row", lambda o: {"id": o["fd_pay"].pk}, api=True),
    ]


SHARED_PATH = {"api:set_budget": "api:budget_lines", "api:create_allocation": "api:list_allocations",
               "api:create_spending": "api:list_spending", "api:record_space": "api:get_space",
               "api:record_pay": "api:get_pay"}
BODIES = {
    "api:reverse_allocation": lambda o: {"reason": "填错了"},
    "api:reverse_spending": lambda o: {"reason": "填错了"},
}
