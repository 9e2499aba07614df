"""Forms of claim agreements, items and pairings. Every reference goes through a scoped lookup
(``cobuild.resolve``; the linked demands through ``selectors_agreements.resolve_item_demands``): the
pickers list a few choices on demand, the resolver decides what is accepted."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse

from zongheng.core.errors import ActionError
from zongheng.orgs.models import Org
from zongheng.orgs.picker import PickerWidget
from zongheng.orgs.resolve import ResolvedChoiceField, as_pk

from . import resolve
from .actions_agreements import OUTSIDE_REGIONS
from .choices import ActivityKind, AgreementState, ItemKind, PartnerKind
from .models import UNIT_LEVEL, AgreementItem, Unit

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PICK_FIELDS = ("org", "community", "unit")


def pick_url(field: str) -> str:
    return f"{reverse('cobuild:agr_pick')}?field={field}"


def pick_targets(user: Any, field: str) -> QuerySet[Org]:
    """What each picker searches: streets/communities where the user holds cobuild.change, communities
    only, or the nodes of the member units (any unit of the district, ``resolve_any_unit``)."""
    if field == "community":
        return resolve.side_org_choices(user, levels=resolve.COMMUNITY_LEVELS)
    if field == "unit":
        return Org.objects.filter(level__code=UNIT_LEVEL, unit__isnull=False).select_related("level")
    return resolve.side_org_choices(user)


def resolve_unit_node(value: Any) -> Unit:
    """The unit picker submits the unit's node; the unit itself is accepted by ``resolve_any_unit``."""
    pk = as_pk(value)
    unit_pk = Unit.objects.filter(org_id=pk).values_list("pk", flat=True).first() if pk is not None else None
    return resolve.resolve_any_unit(unit_pk if unit_pk is not None else "")


class _UnitPicked:
    """The form field shows the unit's node as chosen (the picker lists nodes)."""

    def _unit_widget(self, user: Any, help_text: str) -> None:
        fields: Any = self.fields  # type: ignore[attr-defined]
        field = fields["unit"]
        field.widget = PickerWidget(url=pick_url("unit"), targets=pick_targets(user, "unit"), help_text=help_text)
        field.resolve = resolve_unit_node


class AgreementForm(_UnitPicked, forms.Form):
    org = ResolvedChoiceField(label="街道/社区（输入名称搜索）", error_messages={"required": "请选择街道或社区"})
    unit = ResolvedChoiceField(label="认领单位（输入名称搜索）", error_messages={"required": "请选择认领单位"})
    title = forms.CharField(label="名称", max_length=200, help_text="如：2018年度共驻共建项目认领书")
    signed_on = forms.DateField(label="签订日期", widget=DATE)
    starts_on = forms.DateField(label="履行开始", widget=DATE)
    ends_on = forms.DateField(label="履行结束", widget=DATE)
    state = forms.ChoiceField(label="状态", choices=[(AgreementState.ACTIVE, "履行中"), (AgreementState.DRAFT, "草拟")])
    note = forms.CharField(label="说明", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org: Any = self.fields["org"]
        org.widget = PickerWidget(url=pick_url("org"), targets=pick_targets(user, "org"),
                                  help_text="点一下输入框列出您管辖的街道和社区，输入文字筛选。")
        org.resolve = lambda value: resolve.resolve_side_org(user, value)
        self._unit_widget(user, "点一下输入框列出驻区单位，输入文字筛选；区内任何驻区单位均可认领。")


class AgreementEditForm(forms.Form):
    title = forms.CharField(label="名称", max_length=200)
    signed_on = forms.DateField(label="签订日期", widget=DATE)
    starts_on = forms.DateField(label="履行开始", widget=DATE)
    ends_on = forms.DateField(label="履行结束", widget=DATE)
    note = forms.CharField(label="说明", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class TransitionForm(forms.Form):
    state = forms.ChoiceField(choices=AgreementState.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=ItemKind.choices)
    title = forms.CharField(label="项目", max_length=200)
    target = forms.CharField(label="目标", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    org_owner = forms.CharField(label="街道/社区责任人", max_length=50)
    unit_owner = forms.CharField(label="单位责任人", max_length=50)
    due_on = forms.DateField(label="完成时限", widget=DATE)


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label="进度（%）", min_value=0, max_value=100,
                                  widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 5}))
    note = forms.CharField(label="进展情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class CompleteForm(forms.Form):
    completed_on = forms.DateField(label="完成日期", widget=DATE)
    problems_solved = forms.IntegerField(label="解决问题数", min_value=0, max_value=100000, initial=0)
    result = forms.CharField(label="完成情况", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    demands = forms.CharField(label="解决的诉求（诉求编号，以逗号分隔，可不填）", max_length=2000, required=False,
                              help_text="可填写您管辖范围内的诉求，或吹哨报到给该单位的诉求")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, user: Any, item: AgreementItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.item = user, item

    def clean_demands(self) -> Any:
        from .selectors_agreements import resolve_item_demands

        try:
            return resolve_item_demands(self.user, self.item, self.cleaned_data.get("demands") or "")
        except ActionError as exc:
            raise forms.ValidationError(exc.message) from exc


class DropForm(forms.Form):
    reason = forms.CharField(label="取消原因", max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class PairingForm(_UnitPicked, forms.Form):
    org = ResolvedChoiceField(label="社区（输入名称搜索）", error_messages={"required": "请选择社区"})
    partner_kind = forms.ChoiceField(label="结对对象", choices=PartnerKind.choices, widget=forms.RadioSelect,
                                     initial=PartnerKind.UNIT)
    unit = ResolvedChoiceField(label="结对单位（结对对象为驻区单位党组织时选择）", required=False)
    partner_name = forms.CharField(label="外地社区名称（结对对象为外地先进社区时填写）", max_length=100, required=False)
    partner_region = forms.ChoiceField(label="所在省市", required=False,
                                       choices=[("", "—")] + [(r, r) for r in OUTSIDE_REGIONS])
    starts_on = forms.DateField(label="结对日期", widget=DATE)
    required_per_year = forms.IntegerField(label="每年至少活动次数", min_value=1, max_value=52, initial=4,
                                           help_text="默认 4 次；调整须由组织部配置")
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org: Any = self.fields["org"]
        org.widget = PickerWidget(url=pick_url("community"), targets=pick_targets(user, "community"),
                                  help_text="点一下输入框列出您管辖的社区，输入文字筛选。")
        org.resolve = lambda value: resolve.resolve_community(user, value)
        self._unit_widget(user, "点一下输入框列出驻区单位，输入文字筛选。")


class ActivityForm(forms.Form):
    held_on = forms.DateField(label="活动日期", widget=DATE)
    kind = forms.ChoiceField(label="活动类型", choices=ActivityKind.choices)
    content = forms.CharField(label="活动内容", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    participants = forms.IntegerField(label="参加人数", min_value=0, max_value=1_000_000, initial=0)
    residents_reached = forms.IntegerField(label="服务群众人数", min_value=0, max_value=1_000_000, initial=0)
