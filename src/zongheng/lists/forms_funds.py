"""Forms of 财政保障. The organisation acted for (the giver, the spender, the community) comes from the page's
``?org=`` through the scoped lookup; the one free reference, the allocation's receiver, is a picker loaded on
demand (``lists:funds_receiver_pick``) and checked by ``selectors_funds.resolve_receiver`` — the API's check."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone

from zongheng.demands.forms import PlainCharField
from zongheng.orgs.models import Org
from zongheng.orgs.picker import PickerWidget
from zongheng.orgs.resolve import ResolvedChoiceField

from . import selectors_funds as sel
from .models_funds import BudgetCategory

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_ERRORS = {"invalid": "请填写数字", "max_decimal_places": "最多保留两位小数",
                "max_digits": "金额过大", "min_value": "须大于零", "max_whole_digits": "金额过大"}


def _today() -> Any:
    return timezone.localdate()


class BudgetForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    category = forms.ChoiceField(label="类别", choices=BudgetCategory.choices)
    amount = forms.DecimalField(label="金额（元）", help_text="填 0 删除该类别", error_messages=MONEY_ERRORS,
                                min_value=0, max_digits=14, decimal_places=2)
    note = PlainCharField(label="说明", max_length=200, required=False)


class AllocateForm(forms.Form):
    receiver = ResolvedChoiceField(label="接收单位")
    amount = forms.DecimalField(label="金额（元）", error_messages=MONEY_ERRORS, min_value=0, max_digits=14,
                                decimal_places=2)
    allocated_on = forms.DateField(label="下拨日期", widget=DATE, error_messages={"invalid": "请按 年-月-日 填写日期"})
    purpose = PlainCharField(label="用途", max_length=200)

    def __init__(self, *args: Any, user: Any, giver: Org, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("allocated_on", _today())
        super().__init__(*args, **kwargs)
        field = self.fields["receiver"]
        field.resolve = lambda value: sel.resolve_receiver(user, giver, value)  # type: ignore[attr-defined]
        field.widget = PickerWidget(url=f"{reverse('lists:funds_receiver_pick')}?giver={giver.pk}",
                                    targets=sel.receiver_choices(user, giver),
                                    help_text="点一下输入框列出本单位的下级组织，输入文字筛选")


class SpendForm(forms.Form):
    amount = forms.DecimalField(label="金额（元）", error_messages=MONEY_ERRORS, min_value=0, max_digits=14,
                                decimal_places=2)
    spent_on = forms.DateField(label="支出日期", widget=DATE, error_messages={"invalid": "请按 年-月-日 填写日期"})
    purpose = PlainCharField(label="用途", max_length=200)
    voucher = forms.FileField(label="凭证（可选）", required=False, help_text="发票、支出审批单的扫描件")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("spent_on", _today())
        super().__init__(*args, **kwargs)


class ReverseForm(forms.Form):
    reason = PlainCharField(label="冲销理由", max_length=180)


class SpaceForm(forms.Form):
    area = forms.DecimalField(label="面积（平方米）", min_value=0, max_digits=8, decimal_places=2,
                              error_messages=MONEY_ERRORS)
    measured_on = forms.DateField(label="测量日期", widget=DATE, error_messages={"invalid": "请按 年-月-日 填写日期"})
    note = PlainCharField(label="说明", max_length=200, required=False)
    evidence = forms.FileField(label="佐证附件（可选）", required=False, help_text="房产证明、平面图等")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("measured_on", _today())
        super().__init__(*args, **kwargs)


class PayForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    worker_name = PlainCharField(label="姓名", max_length=50)
    post = PlainCharField(label="岗位", max_length=40)
    annual_pay = forms.DecimalField(label="年报酬（元）", max_digits=9, decimal_places=2, min_value=0,
                                    error_messages=MONEY_ERRORS)


class StandardForm(forms.Form):
    min_area = forms.DecimalField(label="社区办公用房最低面积（平方米）", min_value=0, max_digits=8, decimal_places=2,
                                  error_messages=MONEY_ERRORS)


class ReferenceForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    city = PlainCharField(label="城市", max_length=40)
    annual_pay = forms.DecimalField(label="全市社区工作者人均年报酬（元）", max_digits=9, decimal_places=2, min_value=0,
                                    error_messages=MONEY_ERRORS)
