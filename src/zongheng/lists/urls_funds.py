"""Routes of 财政保障 (included by ``lists.urls``)."""

from django.urls import URLPattern, path

from . import views_funds as v

urlpatterns: list[URLPattern] = [
    path("lists/funds/", v.overview, name="funds"),
    path("lists/funds/budget/", v.budget_list, name="funds_budget"),
    path("lists/funds/allocations/", v.allocation_list, name="funds_allocations"),
    path("lists/funds/allocations/new/", v.allocate, name="funds_allocate"),
    path("lists/funds/allocations/pick/", v.receiver_pick, name="funds_receiver_pick"),
    path("lists/funds/allocations/<int:pk>/", v.allocation_detail, name="funds_allocation"),
    path("lists/funds/spending/", v.spending_list, name="funds_spendings"),
    path("lists/funds/spending/new/", v.spend, name="funds_spend"),
    path("lists/funds/spending/<int:pk>/", v.spending_detail, name="funds_spending"),
    path("lists/funds/spending/<int:pk>/voucher/", v.spending_voucher, name="funds_voucher"),
    path("lists/funds/space/", v.space, name="funds_space"),
    path("lists/funds/space/new/", v.space_record, name="funds_space_record"),
    path("lists/funds/space/<int:pk>/evidence/", v.space_evidence, name="funds_space_evidence"),
    path("lists/funds/pay/", v.pay, name="funds_pay"),
    path("lists/funds/pay/new/", v.pay_record, name="funds_pay_record"),
    path("lists/funds/pay/<int:pk>/remove/", v.pay_remove, name="funds_pay_remove"),
    path("lists/funds/configure/", v.configure, name="funds_config"),
    path("lists/funds/export.xlsx", v.export, name="funds_export"),
]
