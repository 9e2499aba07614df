"""财政保障's pages as their users meet them: the overview's figures and links, the doors (an organisation out of
scope answers 404; a community cannot allocate to its sibling; a street cannot set the district's budget;
nobody allocates or spends more than the balance), reversals, vouchers served only in scope, masked worker
names, the configuration, the export and the hub's section. One shared ledger per module."""

from __future__ import annotations

import io
import os
import random
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import module_transaction
from tests.lists.factories_funds import funds_world, random_ledger
from zongheng.core.models import AuditLog
from zongheng.lists import actions_funds as actions
from zongheng.lists import funds
from zongheng.lists.models_funds import BudgetLine, FundAllocation, FundSpending, WorkerPay

SEED = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID")).randrange(1, 10**6)
pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(scope="module")
def w(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            world = funds_world()
            random_ledger(world, random.Random(SEED), year=TODAY.year, steps=30)
            t = world.tree
            # Make sure money reached communities[0] (the community secretary's) through its street.
            actions.do_set_budget(world.dept, t.district, TODAY.year, "other", Decimal("500000"))
            actions.do_allocate(world.dept, t.district, t.streets[0], Decimal("200000"), TODAY, "街道经费")
            actions.do_allocate(world.street, t.streets[0], t.communities[0], Decimal("50000"), TODAY, "社区经费")
            actions.do_record_pay(world.dept, t.communities[0], TODAY.year, "张三丰", "网格员", Decimal("42000"))
        yield world


def _url(name: str, org=None, **q) -> str:
    params = {"year": TODAY.year, **q}
    if org is not None:
        params["org"] = org.pk
    return reverse(name) + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def test_the_overview_shows_the_districts_figures_each_linked_to_its_rows(client, w):
    client.force_login(w.dept)
    page = client.get(_url("lists:funds"))
    text = page.content.decode()
    acc = funds.account(w.tree.district.path, TODAY.year)
    assert page.status_code == 200
    assert f"{acc.budget:,.2f}" in text and f"{acc.allocated:,.2f}" in text
    assert _url("lists:funds_allocations", w.tree.district, dir="out").split("?")[1].split("&")[0] in text
    for street in w.tree.streets:
        assert street.name in text  # the per-child table
    assert "编制预算" in text and "下拨经费" in text and "登记支出" in text


def test_a_viewer_without_funds_manage_sees_no_write_buttons(client, w):
    client.force_login(w.member)
    text = client.get(_url("lists:funds")).content.decode()
    assert "下拨经费" not in text and "登记支出" not in text and "编制预算" not in text
    assert client.get(_url("lists:funds_allocate", w.tree.communities[0])).status_code == 403


def test_the_overview_runs_a_constant_number_of_queries(client, w, django_assert_max_num_queries):
    client.force_login(w.dept)
    with django_assert_max_num_queries(30):
        assert client.get(_url("lists:funds")).status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(_url("lists:funds_spendings", all=1)).status_code == 200


@pytest.mark.parametrize("value", ["sibling", "0", "abc", "99999999999999999999999"])
def test_an_organisation_out_of_scope_or_malformed_answers_404(client, w, value):
    client.force_login(w.community)
    org = str(w.tree.communities[1].pk) if value == "sibling" else value
    for name in ("lists:funds", "lists:funds_space", "lists:funds_pay", "lists:funds_export"):
        assert client.get(reverse(name) + f"?org={org}").status_code == 404, name


def test_a_community_cannot_allocate_to_its_sibling(client, w):
    client.force_login(w.community)
    before = FundAllocation.objects.count()
    page = client.post(_url("lists:funds_allocate", w.tree.communities[0]), {
        "receiver": w.tree.communities[1].pk, "amount": "100", "allocated_on": TODAY.isoformat(), "purpose": "试"})
    assert page.status_code == 400 and "接收单位不存在或不在您的管辖范围内" in page.content.decode()
    assert FundAllocation.objects.count() == before


def test_a_street_cannot_set_the_districts_budget(client, w):
    client.force_login(w.street)
    assert client.get(_url("lists:funds_budget", w.tree.district)).status_code == 404
    own = client.post(_url("lists:funds_budget", w.tree.streets[0]),
                      {"year": TODAY.year, "category": "work", "amount": "1000"})
    assert own.status_code == 403
    with pytest.raises(actions.ActionError):
        actions.do_set_budget(w.street, w.tree.district, TODAY.year, "work", Decimal("1"))
    assert not BudgetLine.objects.filter(org_path=w.tree.streets[0].path).exists()


def test_the_district_sets_a_budget_line_and_the_figure_follows(client, w):
    client.force_login(w.dept)
    before = funds.budget(w.tree.district.path, TODAY.year + 1)
    page = client.post(_url("lists:funds_budget", w.tree.district),
                       {"year": TODAY.year + 1, "category": "site", "amount": "123456.78", "note": "阵地"})
    assert page.status_code == 302
    assert funds.budget(w.tree.district.path, TODAY.year + 1) == before + Decimal("123456.78")
    assert AuditLog.objects.filter(action="lists.budget_set").exists()


def test_nobody_allocates_or_spends_more_than_the_balance(client, w):
    client.force_login(w.street)
    street = w.tree.streets[0]
    left = funds.balance(street.path, TODAY.year)
    counts = FundAllocation.objects.count(), FundSpending.objects.count()
    page = client.post(_url("lists:funds_allocate", street), {
        "receiver": w.tree.communities[0].pk, "amount": str(left + Decimal("0.01")),
        "allocated_on": TODAY.isoformat(), "purpose": "超额"})
    assert page.status_code == 400 and "可下拨余额不足" in page.content.decode()
    page = client.post(_url("lists:funds_spend", street), {
        "amount": str(left + 1), "spent_on": TODAY.isoformat(), "purpose": "超额"})
    assert page.status_code == 400 and "余额不足" in page.content.decode()
    assert (FundAllocation.objects.count(), FundSpending.objects.count()) == counts
    assert funds.balance(street.path, TODAY.year) == left


def test_a_spending_with_its_voucher_is_served_only_in_scope(client, w):
    client.force_login(w.community)
    c = w.tree.communities[0]
    page = client.post(_url("lists:funds_spend", c), {
        "amount": "120.50", "spent_on": TODAY.isoformat(), "purpose": "主题党日",
        "voucher": SimpleUploadedFile("发票.pdf", b"%PDF-1.4 invoice", content_type="application/pdf")})
    assert page.status_code == 302
    row = FundSpending.objects.filter(org=c).latest("pk")
    assert row.amount == Decimal("120.50")
    got = client.get(reverse("lists:funds_voucher", args=[row.pk]))
    assert got.status_code == 200 and b"".join(got.streaming_content) == b"%PDF-1.4 invoice"
    client.force_login(w.sibling)
    assert client.get(reverse("lists:funds_voucher", args=[row.pk])).status_code == 404
    assert client.get(reverse("lists:funds_spending", args=[row.pk])).status_code == 404


def test_a_reversal_undoes_a_spending_once_and_the_ledger_keeps_both(client, w):
    c = w.tree.communities[0]
    row = actions.do_spend(w.community, c, Decimal("300"), TODAY, "误记")
    left = funds.balance(c.path, TODAY.year)
    client.force_login(w.community)
    page = client.post(reverse("lists:funds_spending", args=[row.pk]), {"reason": "重复登记"})
    assert page.status_code == 302
    assert funds.balance(c.path, TODAY.year) == left + Decimal("300")
    assert FundSpending.objects.filter(pk=row.pk).exists() and FundSpending.objects.get(reverses=row).amount == -300
    again = client.post(reverse("lists:funds_spending", args=[row.pk]), {"reason": "再冲"})
    assert again.status_code == 403
    assert FundSpending.objects.filter(reverses=row).count() == 1


def test_an_allocation_already_spent_below_cannot_be_reversed(w):
    t = w.tree
    row = actions.do_allocate(w.street, t.streets[0], t.communities[1], Decimal("1000"), TODAY, "经费")
    actions.do_spend(w.sibling, t.communities[1], funds.balance(t.communities[1].path, TODAY.year), TODAY, "全部用完")
    with pytest.raises(actions.ActionError, match="不能冲销"):
        actions.do_reverse_allocation(w.street, row, "拨错了")
    assert not FundAllocation.objects.filter(reverses=row).exists()


def test_worker_names_are_masked_to_those_who_do_not_manage_the_funds(client, w):
    c = w.tree.communities[0]
    client.force_login(w.member)
    text = client.get(_url("lists:funds_pay", c)).content.decode()
    assert "张**" in text and "张三丰" not in text
    client.force_login(w.community)
    assert "张三丰" in client.get(_url("lists:funds_pay", c)).content.decode()
    row = WorkerPay.objects.get(worker_name="张三丰")
    client.force_login(w.member)
    assert client.get(reverse("api:get_pay_row", args=[row.pk])).json()["worker_name"] == "张**"


def test_the_standard_is_configured_at_the_root_and_compliance_follows(client, w):
    c = w.tree.communities[0]
    actions.do_record_space(w.community, c, Decimal("280"), TODAY)
    assert not next(r for r in funds.space_rows(w.tree.district.path, TODAY.year) if r.org.pk == c.pk).meets
    client.force_login(w.street)
    assert client.get(reverse("lists:funds_config")).status_code == 403
    client.force_login(w.dept)
    assert client.post(reverse("lists:funds_config"), {"form": "standard", "min_area": "250"}).status_code == 302
    assert next(r for r in funds.space_rows(w.tree.district.path, TODAY.year) if r.org.pk == c.pk).meets
    assert client.post(reverse("lists:funds_config"), {"form": "standard", "min_area": "abc"}).status_code == 400


def test_the_export_holds_the_pages_figures(client, w):
    client.force_login(w.dept)
    response = client.get(_url("lists:funds_export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    sub = funds.subtree(w.tree.district.path, TODAY.year)
    assert Decimal(str(rows[2][3])) == sub.spent and Decimal(str(rows[2][1])) == sub.budget
    names = {r[0] for r in rows[3:]}
    assert {s.name for s in w.tree.streets} <= names


def test_the_hub_shows_this_years_budget_and_spent_share(client, w):
    client.force_login(w.dept)
    text = client.get(reverse("lists:home")).content.decode()
    assert "财政保障" in text
    assert f"{funds.budget(w.tree.district.path, TODAY.year):,.2f}" in text
    # A street draws up no budget of its own: its card shows what it received from above, opening those rows.
    client.force_login(w.street)
    text = client.get(reverse("lists:home")).content.decode()
    inflow = funds.subtree(w.tree.streets[0].path, TODAY.year).inflow
    assert inflow > 0 and f"{inflow:,.2f}" in text and "收到上级下拨" in text and "dir=inflow" in text


def test_a_voucher_that_is_not_a_document_or_an_image_is_refused_and_nothing_is_written(client, w):
    client.force_login(w.community)
    before = FundSpending.objects.count()
    page = client.post(_url("lists:funds_spend", w.tree.communities[0]), {
        "amount": "10", "spent_on": TODAY.isoformat(), "purpose": "活动",
        "voucher": SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")})
    assert page.status_code == 400 and "凭证须为 PDF、图片、Word 或 Excel 文件" in page.content.decode()
    assert FundSpending.objects.count() == before
