"""Forms of the points part: a member's claim (phone-first), a review, a correction, a rule, a yearly closing.
Every referenced id goes through the scoped lookups of ``selectors_points`` (one message for missing and out of
scope)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone

from zongheng.core.permissions import Perm
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.picker import PickerWidget
from zongheng.orgs.resolve import ResolvedChoiceField, org_choices, resolve_org

from .choices import CapPeriod, Deed
from .models import PointItem
from .selectors_points import resolve_item

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CLOSE_LEVELS = ("district", "street", "township", "community", "village")


def _item_choices() -> list[tuple[str, str]]:
    """Read when a form renders (a callable: no query at import)."""
    return [("", "请选择")] + [(str(i.pk), i.name) for i in PointItem.objects.order_by("order", "id")]


class ItemField(forms.ChoiceField):
    """A 八带头 item, accepted through ``resolve_item`` (a forged id gets the Chinese refusal)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, choices=_item_choices, **kwargs)

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        from zongheng.core.errors import ActionError

        try:
            return resolve_item(value)
        except ActionError as exc:
            raise forms.ValidationError(exc.message, code="invalid_choice") from exc

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class ClaimForm(forms.Form):
    item = ItemField(label="八带头事项", error_messages={"required": "请选择八带头事项"})
    occurred_on = forms.DateField(label="事项日期", widget=DATE, error_messages={"required": "请填写事项日期",
                                                                               "invalid": "日期格式不正确"})
    description = forms.CharField(label="做了什么", max_length=1000, widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text="写明时间、地点和经过，便于组织核实；组织审核通过后按积分办法计分",
                                  error_messages={"required": "请写明做了什么",
                                                  "max_length": "事项经过不能超过 1000 字"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class ReviewForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", "通过"), ("decline", "不予通过")],
                               error_messages={"required": "请选择通过或不予通过", "invalid_choice": "审核动作不正确"})
    note = forms.CharField(label="审核意见", max_length=200, required=False,
                           help_text="不予通过时必填", error_messages={"max_length": "审核意见不能超过 200 字"})


class CorrectForm(forms.Form):
    counts_as = forms.IntegerField(label="更正后该事项计分", min_value=0, max_value=1000,
                                   error_messages={"required": "请填写更正后的积分", "invalid": "积分应为整数",
                                                   "min_value": "积分不能小于 0"})
    reason = forms.CharField(label="更正原因", max_length=200, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "请填写更正原因", "max_length": "更正原因不能超过 200 字"})


class RuleForm(forms.Form):
    item = ItemField(label="计入的八带头事项", error_messages={"required": "请选择八带头事项"},
                     help_text="申报事项计入党员所申报的那一项，此处仅为默认")
    points = forms.IntegerField(label="每次积分", min_value=0, max_value=100,
                                error_messages={"required": "请填写每次积分", "invalid": "积分应为整数",
                                                "min_value": "积分不能小于 0", "max_value": "每次积分不能超过 100"})
    cap = forms.IntegerField(label="周期上限（分）", min_value=1, max_value=10_000, required=False,
                             help_text="不填为不设上限", error_messages={"invalid": "上限应为整数",
                                                                   "min_value": "上限至少为 1 分"})
    cap_period = forms.ChoiceField(label="上限周期", choices=CapPeriod.choices, initial=CapPeriod.YEAR)


class AddRuleForm(RuleForm):
    deed = forms.ChoiceField(label="积分来源（已确认的事项）", choices=Deed.choices)
    field_order = ["deed", "item", "points", "cap", "cap_period"]

    def __init__(self, *args: Any, taken: set[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["deed"]
        field.choices = [(v, label) for v, label in Deed.choices if v not in (taken or set())]


def close_org_choices(user: Any) -> Any:
    return org_choices(user, Perm.MEMBER_CONFIGURE, levels=CLOSE_LEVELS, kinds=[OrgKind.REGULAR])


class CloseForm(forms.Form):
    org = ResolvedChoiceField(label="结算组织（输入名称搜索）", error_messages={"required": "请选择组织"})
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100,
                              error_messages={"required": "请填写年度", "invalid": "年度应为四位数字"})

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["org"]
        field.widget = PickerWidget(url=reverse("members:points_pick") + "?perm=configure&name=org",
                                    targets=close_org_choices(user),
                                    help_text="点一下输入框列出您可以结算的区、街道和社区，输入文字筛选")
        field.resolve = lambda value: resolve_org(user, Perm.MEMBER_CONFIGURE, value, levels=CLOSE_LEVELS,
                                                  kinds=[OrgKind.REGULAR], label="组织")
