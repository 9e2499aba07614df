"""Forms of the three lists. Every organisation or unit they reference goes through the scoped lookups
(``cobuild.resolve`` and ``selectors_lists``); pickers load on demand (``views_lists.lists_pick``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse

from zongheng.orgs.picker import PickerWidget
from zongheng.orgs.resolve import ResolvedChoiceField

from . import resolve, selectors_lists
from .choices import ResourceKind
from .matching import kind_unit

KIND_HELP = "按类别计：场地为平方米，志愿者、专业技能为人次，资金为元，物资为件，其他为项"
QUANTITY_MAX = 10**9


def _picker(field: Any, kind: str, targets: Any, help_text: str) -> None:
    field.widget = PickerWidget(url=reverse(f"cobuild:lists_pick_{kind}"), targets=targets, help_text=help_text)


class NeedForm(forms.Form):
    org = ResolvedChoiceField(label="社区（输入名称搜索）", error_messages={"required": "请选择社区"})
    kind = forms.ChoiceField(label="类别", choices=ResourceKind.choices)
    title = forms.CharField(label="需求", max_length=200)
    detail = forms.CharField(label="说明", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    quantity = forms.IntegerField(label="数量", min_value=1, max_value=QUANTITY_MAX, help_text=KIND_HELP)
    demand = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    listening_session = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["org"]
        _picker(field, "community", resolve.side_org_choices(user, levels=resolve.COMMUNITY_LEVELS),
                "点一下输入框列出您可登记需求的社区，输入文字筛选。")
        field.resolve = lambda value: resolve.resolve_community(user, value)
        self.user = user

    def action_data(self) -> dict[str, Any]:
        """The cleaned data, with the demand / session resolved through their scoped lookups."""
        data = dict(self.cleaned_data)
        data["demand"] = (selectors_lists.resolve_demand_for_need(self.user, data["demand"])
                          if data.get("demand") else None)
        data["listening_session"] = (selectors_lists.resolve_session_for_need(self.user, data["listening_session"])
                                     if data.get("listening_session") else None)
        return data


class NeedEditForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=ResourceKind.choices)
    title = forms.CharField(label="需求", max_length=200)
    detail = forms.CharField(label="说明", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    quantity = forms.IntegerField(label="数量", min_value=1, max_value=QUANTITY_MAX, help_text=KIND_HELP)


class ResourceForm(forms.Form):
    unit = ResolvedChoiceField(label="提供单位（输入名称搜索）", error_messages={"required": "请选择提供单位"})
    kind = forms.ChoiceField(label="类别", choices=ResourceKind.choices)
    title = forms.CharField(label="资源", max_length=200, help_text="如：党员活动室（周末开放）、青年志愿者、共建资金")
    detail = forms.CharField(label="说明", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    capacity = forms.IntegerField(label="可提供数量", min_value=1, max_value=QUANTITY_MAX, help_text=KIND_HELP)
    area_m2 = forms.IntegerField(label="面积（平方米）", min_value=1, max_value=QUANTITY_MAX, required=False)
    availability = forms.CharField(label="开放时间", max_length=100, required=False, help_text="如：周六、周日全天")
    place = ResolvedChoiceField(label="提供地点（街道或社区，不选则为单位所在地）", required=False)
    idle = forms.BooleanField(label="闲置资源（原本闲置、经共建盘活）", required=False)
    active = forms.BooleanField(label="可用", required=False, initial=True)

    def __init__(self, *args: Any, user: Any, edit: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if edit:
            del self.fields["unit"]
        else:
            unit: Any = self.fields["unit"]
            _picker(unit, "unit", selectors_lists.unit_node_choices(user),
                    "点一下输入框列出您管辖范围内的驻区单位，输入文字筛选。")
            unit.resolve = lambda value: selectors_lists.resolve_unit_for_resource(user, value, by_node=True)
        place: Any = self.fields["place"]
        _picker(place, "place", selectors_lists.place_choices(user), "不选则为单位所在的街道或社区。")
        place.resolve = lambda value: selectors_lists.resolve_place(user, value)


class ServiceForm(forms.Form):
    org = ResolvedChoiceField(label="社区（输入名称搜索）", error_messages={"required": "请选择社区"})
    kind = forms.ChoiceField(label="类别", choices=ResourceKind.choices, initial=ResourceKind.OTHER)
    title = forms.CharField(label="服务", max_length=200, help_text="如：代办证照、四点半课堂、法律咨询")
    detail = forms.CharField(label="说明", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    schedule = forms.CharField(label="服务时间", max_length=100, required=False)
    active = forms.BooleanField(label="提供中", required=False, initial=True)

    def __init__(self, *args: Any, user: Any, edit: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if edit:
            del self.fields["org"]
            return
        field: Any = self.fields["org"]
        _picker(field, "community", resolve.side_org_choices(user, levels=resolve.COMMUNITY_LEVELS),
                "点一下输入框列出您可登记服务的社区，输入文字筛选。")
        field.resolve = lambda value: resolve.resolve_community(user, value)


class AcceptForm(forms.Form):
    resource = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    quantity = forms.IntegerField(label="对接数量", min_value=1, max_value=QUANTITY_MAX, required=False)


def quantity_label(kind: str) -> str:
    return kind_unit(kind)
