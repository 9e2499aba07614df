"""Forms of 一横's units part. Every reference goes through the scoped lookups (``cobuild.resolve``,
``orgs.resolve``): the pages list a few choices, the resolver decides what is accepted."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse

from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org, Person
from zongheng.orgs.picker import PickerWidget
from zongheng.orgs.resolve import ResolvedChoiceField, resolve_person, resolve_sent_from, sent_from_choices

from . import resolve
from .choices import PartyManagement, Rank, SeatKind, UnitLevel, UnitType
from .models import Council, Unit

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PICK_HELP = "点一下输入框列出您管辖的街道和社区，输入文字筛选；同名组织按上级路径区分。"
MAX_UNIT_CHOICES = 300


def pick_url(perm: str = "view", name: str = "place") -> str:
    """The picker endpoint (``views_units.unit_pick``): streets and communities in the view or change scope;
    ``name`` is the field the chosen one is submitted as."""
    return reverse("cobuild:unit_pick") + f"?perm={perm}&name={name}"


class UnitForm(forms.Form):
    place = ResolvedChoiceField(label="所在街道/社区（输入名称搜索）",
                                error_messages={"required": "请选择所在街道或社区"})
    name = forms.CharField(label="单位名称", max_length=100)
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    type = forms.ChoiceField(label="单位类型", choices=UnitType.choices)
    level = forms.ChoiceField(label="隶属层级", choices=UnitLevel.choices)
    address = forms.CharField(label="地址", max_length=200, required=False)
    party_management = forms.ChoiceField(label="党组织管理方式", choices=PartyManagement.choices,
                                         initial=PartyManagement.LOCAL)
    party_org_name = forms.CharField(label="党组织名称", max_length=100, required=False)
    secretary_name = forms.CharField(label="党组织书记姓名", max_length=50, required=False)
    members_count = forms.IntegerField(label="党员人数", min_value=0, max_value=1_000_000, required=False)
    joined_on = forms.DateField(label="加入共建日期", required=False, widget=DATE)

    def __init__(self, *args: Any, user: Any, unit: Unit | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if unit is not None:  # editing: the place stays (a unit that moves is moved in the tree)
            del self.fields["place"]
            return
        field: Any = self.fields["place"]
        field.widget = PickerWidget(url=pick_url("change"), targets=resolve.side_org_choices(user),
                                    help_text=PICK_HELP)
        field.resolve = lambda value: resolve.resolve_side_org(user, value)


class LiaisonForm(forms.Form):
    """任命联络员: a person of the roster (their 人员编号, or one of the unit's people), or a new person."""

    person = forms.CharField(label="人员编号（已在名册中的人员）", max_length=20, required=False,
                             help_text="人员编号见人员页面地址；不在名册中的，填写下面的姓名和手机号码")
    name = forms.CharField(label="姓名（新登记人员）", max_length=50, required=False)
    phone = forms.CharField(label="手机号码", max_length=20, required=False)
    starts_on = forms.DateField(label="任职日期", widget=DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_person(self) -> Person | None:
        value = (self.cleaned_data.get("person") or "").strip()
        if not value:
            return None
        try:
            return resolve_person(self.user, value)
        except ActionError as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("person") and not (data.get("name") or "").strip() and "person" not in self.errors:
            self.add_error("name", "请填写人员编号，或新联络员的姓名")
        return data


class EndForm(forms.Form):
    ends_on = forms.DateField(label="离任日期", required=False, widget=DATE)


class CouncilForm(forms.Form):
    org = ResolvedChoiceField(label="街道/社区（输入名称搜索）", error_messages={"required": "请选择街道或社区"})
    name = forms.CharField(label="名称", max_length=100, required=False,
                           help_text="不填则为“××街道大工委”或“××社区大党委”")
    term_starts_on = forms.DateField(label="本届开始", widget=DATE)
    term_ends_on = forms.DateField(label="本届结束", required=False, widget=DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["org"]
        field.widget = PickerWidget(url=pick_url("change", "org"), targets=resolve.side_org_choices(user),
                                    help_text=PICK_HELP)
        field.resolve = lambda value: resolve.resolve_side_org(user, value)


class CouncilEditForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    term_starts_on = forms.DateField(label="本届开始", widget=DATE)
    term_ends_on = forms.DateField(label="本届结束", required=False, widget=DATE)


class MemberForm(forms.Form):
    seat = forms.ChoiceField(label="席位", choices=SeatKind.choices)
    unit = ResolvedChoiceField(label="所在单位（驻区单位兼职委员）", queryset=Unit.objects.none(), required=False)
    sent_from = ResolvedChoiceField(label="派出街道（街道下派干部）", required=False)
    name = forms.CharField(label="姓名", max_length=50, required=False, help_text="填写了人员编号的，可不填")
    person = forms.CharField(label="人员编号（可不填）", max_length=20, required=False,
                             help_text="在名册中的人员填写编号，用于统计其会议出席")
    rank = forms.ChoiceField(label="职级", choices=Rank.choices, initial=Rank.OTHER)
    post = forms.CharField(label="单位职务", max_length=100, required=False, help_text="如：市总工会党组成员、副主席")
    council_post = forms.CharField(label="委员会职务", max_length=50, required=False, initial="兼职委员")
    starts_on = forms.DateField(label="任职日期", required=False, widget=DATE, help_text="不填则为本届开始日期")

    def __init__(self, *args: Any, user: Any, council: Council, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        unit: Any = self.fields["unit"]
        # The units around the council's street (a light list); any member unit of the district is accepted.
        community = council.org.level.code in resolve.COMMUNITY_LEVELS
        street = council.org_path[:-Org.steplen] if community else council.org_path
        unit.queryset = Unit.objects.filter(org_path__startswith=street).order_by("name")[:MAX_UNIT_CHOICES]
        unit.resolve = resolve.resolve_any_unit
        sent: Any = self.fields["sent_from"]
        sent.queryset = sent_from_choices(council.org)
        sent.resolve = lambda value: resolve_sent_from(council.org, value)

    def clean_person(self) -> Person | None:
        value = (self.cleaned_data.get("person") or "").strip()
        if not value:
            return None
        try:
            return resolve_person(self.user, value, perm=Perm.PERSON_VIEW)
        except ActionError as exc:
            raise forms.ValidationError(exc.message) from exc


class ImportForm(forms.Form):
    file = forms.FileField(label="驻区单位名册（.xlsx，不超过 5 MB）",
                           error_messages={"required": "请选择要上传的文件", "empty": "上传的文件是空的"})

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("只能上传 .xlsx 格式的 Excel 文件（.xls 请先另存为 .xlsx）")
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError("文件超过 5 MB，请拆分后分批导入")
        return upload
