"""Forms of duty campaigns (认领). The organisation is picked on demand and accepted by the scoped resolver
(``resolve_campaign_org``); every other check is the actions' (Chinese ``ActionError``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse

from zongheng.core.permissions import Perm
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org
from zongheng.orgs.picker import PickerWidget
from zongheng.orgs.resolve import ResolvedChoiceField, org_choices, resolve_org

from .actions_campaigns import MAX_CAPACITY, MAX_COMPANIONS, MAX_SEGMENTS
from .choices import CampaignKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
# Who runs a campaign: the district, a street (township) or a community (village).
CAMPAIGN_LEVELS = ("district", "street", "township", "community", "village")


def campaign_org_choices(user: Any) -> QuerySet[Org]:
    return org_choices(user, Perm.MEMBER_CHANGE, levels=CAMPAIGN_LEVELS, kinds=[OrgKind.REGULAR])


def resolve_campaign_org(user: Any, value: Any) -> Org:
    """The organisation running a campaign: a district, street or community where the user holds member.change."""
    return resolve_org(user, Perm.MEMBER_CHANGE, value, levels=CAMPAIGN_LEVELS, kinds=[OrgKind.REGULAR],
                       label="发起组织")


class CampaignForm(forms.Form):
    org = ResolvedChoiceField(label="发起组织（输入名称搜索）", error_messages={"required": "请选择发起组织"})
    kind = forms.ChoiceField(label="类型", choices=CampaignKind.choices, initial=CampaignKind.FLOOD)
    title = forms.CharField(label="名称", max_length=100, help_text="如：2018年防汛值守")
    starts_on = forms.DateField(label="开始日期", widget=DATE)
    ends_on = forms.DateField(label="结束日期", widget=DATE)
    description = forms.CharField(label="说明", max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org: Any = self.fields["org"]
        org.widget = PickerWidget(url=reverse("members:campaign_pick"), targets=campaign_org_choices(user),
                                  help_text="点一下输入框列出您管辖的区、街道和社区，输入文字筛选。")
        org.resolve = lambda value: resolve_campaign_org(user, value)


class CampaignEditForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=CampaignKind.choices)
    title = forms.CharField(label="名称", max_length=100)
    starts_on = forms.DateField(label="开始日期", widget=DATE)
    ends_on = forms.DateField(label="结束日期", widget=DATE)
    description = forms.CharField(label="说明", max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class GenerateForm(forms.Form):
    """批量生成段和班次 — e.g. 55 km of levee into 0.5 km segments, two 12-hour shifts a day of 2 people."""

    segment_mode = forms.ChoiceField(label="新增段（岗）", widget=forms.RadioSelect, required=False, initial="chainage",
                                     choices=[("chainage", "按桩号分段（堤段、路段）"), ("numbered", "按序号（岗位）"),
                                              ("", "不新增，只为已有的段生成班次")])
    start_km = forms.DecimalField(label="起点桩号（公里）", required=False, min_value=0, max_value=10000,
                                  decimal_places=3, initial=0)
    total_km = forms.DecimalField(label="总长度（公里）", required=False, min_value=0, max_value=10000,
                                  decimal_places=3, help_text="如 55")
    step_km = forms.DecimalField(label="每段长度（公里）", required=False, min_value=0, max_value=10000,
                                 decimal_places=3, help_text="如 0.5：55 公里分为 110 段，名称为 K0+000–K0+500 …")
    count = forms.IntegerField(label="岗位数", required=False, min_value=1, max_value=MAX_SEGMENTS)
    pattern = forms.CharField(label="岗位命名", required=False, max_length=80, initial="第{n}岗",
                              help_text="{n} 替换为序号，如“第{n}岗”")
    place = forms.CharField(label="位置（可不填）", required=False, max_length=100, help_text="如：长江大堤")
    shifts_from = forms.DateField(label="班次开始日期", required=False, widget=DATE)
    shifts_to = forms.DateField(label="班次结束日期", required=False, widget=DATE)
    slots = forms.CharField(label="每天的班次", required=False, initial="08:00-20:00\n20:00-08:00",
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="每行一个，如 08:00-20:00；结束早于开始为次日。不填则只新增段。")
    capacity = forms.IntegerField(label="每班人数", required=False, min_value=1, max_value=MAX_CAPACITY, initial=2)
    shift_segments = forms.ChoiceField(label="为哪些段生成班次", widget=forms.RadioSelect, initial="all",
                                       choices=[("all", "全部段"), ("new", "仅本次新增的段")])


class CloneForm(forms.Form):
    title = forms.CharField(label="新名称（可不填）", required=False, max_length=100,
                            help_text="不填时把名称中的年份改为新的年份")
    starts_on = forms.DateField(label="新的开始日期（可不填）", required=False, widget=DATE,
                                help_text="不填时所有日期顺延一年")


class SegmentForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100, help_text="如 K12+000–K12+500，或“东门岗”")
    place = forms.CharField(label="位置", max_length=200, required=False)
    order = forms.IntegerField(label="次序", min_value=0, max_value=100_000, required=False)
    length_km = forms.DecimalField(label="长度（公里）", required=False, min_value=0, max_value=10000,
                                   decimal_places=3, help_text="堤段等按长度划分的段填写，如 0.5；岗位不填")


class ShiftForm(forms.Form):
    starts_at = forms.DateTimeField(label="开始时间", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M",
                                                                                  "%Y-%m-%d %H:%M"])
    ends_at = forms.DateTimeField(label="结束时间", widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M",
                                                                                "%Y-%m-%d %H:%M"])
    capacity = forms.IntegerField(label="人数", min_value=1, max_value=MAX_CAPACITY, initial=2)


class CompanionsForm(forms.Form):
    names = forms.CharField(
        label="带动的群众", required=False, max_length=MAX_COMPANIONS * 160,
        widget=forms.Textarea(attrs={"rows": 5, "autocomplete": "off"}),
        help_text=f"每行一人，写姓名；可在逗号后加说明，如“王大妈，邻居”。最多 {MAX_COMPANIONS} 人。")
