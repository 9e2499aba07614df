"""Forms of the 一纵 pages. They validate input; the view then calls one ``do_*`` action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from zongheng.core.access import roles_grantable_on
from zongheng.core.masking import normalize_phone, validate_id_number, validate_phone
from zongheng.core.permissions import Role

from . import resolve
from .choices import TEMPORARY_KINDS, Bond, Gender, MemberType, OrgKind, Standing, TempPurpose
from .models import Level, Org, Person
from .resolve import ResolvedChoiceField

_BLANK: list[tuple[str, str]] = [("", "——")]
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# ---------------------------------------------------------------- organisations


class OrgForm(forms.Form):
    """新建/编辑党组织. ``parent`` limits the levels offered (only levels below it)."""

    name = forms.CharField(label="名称", max_length=100)
    level = forms.ModelChoiceField(label="层级", queryset=Level.objects.none(),
                                   error_messages={"invalid_choice": "请选择有效的层级"})
    kind = forms.ChoiceField(label="类型", choices=OrgKind.choices, initial=OrgKind.REGULAR)
    code = forms.CharField(label="区划/组织代码", max_length=32, required=False)
    address = forms.CharField(label="地址", max_length=200, required=False)
    office_phone = forms.CharField(label="办公电话（公开）", max_length=32, required=False,
                                   help_text="在挂牌亮相上完整显示，供居民联系，例如 0556-5512345；请勿填写个人手机")
    purpose = forms.ChoiceField(label="设立用途（临时党组织）", choices=_BLANK + TempPurpose.choices, required=False)
    opened_on = forms.DateField(label="成立日期", required=False, widget=_DATE)
    closed_on = forms.DateField(label="撤销日期", required=False, widget=_DATE)
    bond = forms.ChoiceField(label="纽带（功能型党组织）", choices=_BLANK + Bond.choices, required=False)
    description = forms.CharField(label="简介", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, parent: Org | None = None, instance: Org | None = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(instance, name) for name in self.base_fields if name != "level"}
            kwargs["initial"]["level"] = instance.level_id
        super().__init__(*args, **kwargs)
        if instance is not None:
            # Level and kind define where an org sits; they are fixed once it exists.
            del self.fields["level"]
            del self.fields["kind"]
        else:
            rank = parent.level.rank if parent is not None else -1
            levels = Level.objects.filter(rank__gt=rank)
            self.fields["level"].queryset = levels  # type: ignore[attr-defined]
            first = levels.first()
            if first is not None:
                self.fields["level"].initial = first.pk

    def clean_code(self) -> str | None:
        code = (self.cleaned_data.get("code") or "").strip() or None
        if code:
            clash = Org.objects.filter(code=code)
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise forms.ValidationError("该代码已被其他组织使用")
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind") or (self.instance.kind if self.instance else OrgKind.REGULAR)
        if kind not in TEMPORARY_KINDS:
            data["purpose"] = ""
        if kind != OrgKind.FUNCTIONAL:
            data["bond"] = ""
        return data

    def action_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in self.fields}


class OrgMoveForm(forms.Form):
    """调整隶属: the new parent, among orgs in the user's org.move scope."""

    new_parent = ResolvedChoiceField(label="新的上级组织", queryset=Org.objects.none())

    def __init__(self, *args: Any, user: Any, choices: QuerySet[Org], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["new_parent"]
        field.queryset = choices  # type: ignore[attr-defined]
        field.resolve = lambda value: resolve.resolve_move_parent(user, value)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- people


class RosterDateField(forms.DateField):
    """A date written as the import reads it (2018-07-01, 2018/7/1, 2018年7月1日, 2018.07, 2018年7月)."""

    widget = _DATE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        label = kwargs.get("label", "日期")
        self.error_messages["invalid"] = (
            f"{label}无法识别（可填 2018-07-01、2018/7/1、2018年7月1日、2018.07 或 2018年7月）")

    def to_python(self, value: Any) -> Any:
        from .importer import parse_date
        from .roster import norm_text

        if value in self.empty_values:
            return None
        if isinstance(value, str):
            day = parse_date(norm_text(value))
            if day is None:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            return day
        return super().to_python(value)


def _text_field(label: str, limit: int, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, max_length=limit, required=False, help_text=help_text,
                           error_messages={"max_length": f"{label}不能超过 {limit} 字"})


class PersonForm(forms.Form):
    """新增/编辑人员. Phone and ID number are validated here and again by the action; the roster
    fields (正式/预备 … 家庭住址) by the action, with the import's checks."""

    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=Gender.choices)
    birth_year = forms.IntegerField(label="出生年份", required=False, min_value=1900, max_value=2100)
    phone = forms.CharField(label="电话", max_length=20, required=False)
    id_number = forms.CharField(label="身份证号码", max_length=18, required=False)
    is_party_member = forms.BooleanField(label="党员", required=False, initial=True)
    member_type = forms.ChoiceField(label="党员类型", choices=_BLANK + MemberType.choices, required=False)
    joined_on = RosterDateField(label="入党日期", required=False)
    standing = forms.ChoiceField(label="正式/预备", choices=_BLANK + Standing.choices, required=False,
                                 error_messages={"invalid_choice": "正式/预备应为“正式党员”或“预备党员”"})
    confirmed_on = RosterDateField(label="转正日期", required=False,
                                   help_text="预备党员转为正式党员的日期；由预备转正式时必填")
    ethnicity = _text_field("民族", 16, "如“汉族”")
    education = _text_field("学历", 20)
    workplace = _text_field("工作单位", 100)
    address = _text_field("家庭住址", 200)
    clear_address = forms.BooleanField(label="删除已登记的家庭住址", required=False)
    org = ResolvedChoiceField(label="所在（管理）组织")
    registered_org = ResolvedChoiceField(label="报到社区（双联双管）", required=False)

    def __init__(self, *args: Any, user: Any, instance: Person | None = None, **kwargs: Any) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name, "gender": instance.gender, "birth_year": instance.birth_year,
                "is_party_member": instance.is_party_member, "member_type": instance.member_type,
                "joined_on": instance.joined_on, "org": instance.org_id, "registered_org": instance.registered_org_id,
                "standing": instance.standing, "confirmed_on": instance.confirmed_on,
                "ethnicity": instance.ethnicity, "education": instance.education, "workplace": instance.workplace,
            }
        super().__init__(*args, **kwargs)
        # The same lookups as the API and the import (orgs/resolve.py).
        org, registered = self.fields["org"], self.fields["registered_org"]
        org.queryset = resolve.person_org_choices(user)  # type: ignore[attr-defined]
        org.resolve = lambda value: resolve.resolve_person_org(user, value)  # type: ignore[attr-defined]
        registered.queryset = resolve.registered_org_choices()  # type: ignore[attr-defined]
        registered.resolve = resolve.resolve_registered_org  # type: ignore[attr-defined]
        if instance is not None:
            keep = "留空则保留原号码（{}）"
            self.fields["phone"].help_text = keep.format(instance.phone_masked or "未填")
            self.fields["id_number"].help_text = keep.format(instance.id_masked or "未填")
            # The clear address is never put in the page (seeing it is an audited reveal).
            self.fields["address"].help_text = "留空则保留原地址（{}）".format(instance.address_masked or "未填")
            if not instance.address_masked:
                del self.fields["clear_address"]
        else:
            del self.fields["clear_address"]

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data.get("phone") or "")
        if msg := validate_phone(phone):
            raise forms.ValidationError(msg)
        return phone

    def clean_id_number(self) -> str:
        value = (self.cleaned_data.get("id_number") or "").strip().upper()
        if msg := validate_id_number(value):
            raise forms.ValidationError(msg)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("is_party_member"):
            if not data.get("member_type"):
                self.add_error("member_type", "党员须选择党员类型")
        else:
            data["member_type"] = ""
            data["standing"] = ""
        return data

    def action_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        clear = data.pop("clear_address", False)
        if self.instance is not None and not data.get("address"):
            if clear:
                data["address"] = ""
            else:
                data.pop("address", None)  # blank keeps the stored address
        return data


# ---------------------------------------------------------------- posts


class PostForm(forms.Form):
    """任职: a person in the user's scope takes a role in the org."""

    person = ResolvedChoiceField(label="人员", queryset=Person.objects.none())
    role = forms.ChoiceField(label="职务", choices=Role.choices, error_messages={
        "invalid_choice": "您不能任免该职务：只能任免权限不超过您在该组织所拥有权限的职务"})
    starts_on = forms.DateField(label="任职日期", widget=_DATE)
    ends_on = forms.DateField(label="离任日期", required=False, widget=_DATE)
    sent_from = ResolvedChoiceField(label="派出单位（书记助理）", required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, org: Org, person_shown: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the roles this user may grant on this org are offered (and accepted).
        grantable = set(roles_grantable_on(user, org.path))
        self.fields["role"].choices = [(v, label) for v, label in Role.choices if v in grantable]  # type: ignore[attr-defined]
        field = self.fields["person"]
        field.queryset = resolve.person_choices(user)  # type: ignore[attr-defined]
        field.resolve = lambda value: resolve.resolve_person(user, value)  # type: ignore[attr-defined]
        # Validation checks the whole scope; the select only lists the people found by the search.
        field.widget.choices = [("", "——请选择——")] + [
            (p.pk, f"{p.name}（{p.org.name}{'，' + p.phone_masked if p.phone_masked else ''}）")
            for p in person_shown
        ]
        sent_from = self.fields["sent_from"]
        sent_from.queryset = resolve.sent_from_choices(org)  # type: ignore[attr-defined]
        sent_from.resolve = lambda value: resolve.resolve_sent_from(org, value)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("role") == Role.SECRETARY_ASSISTANT:
            if not data.get("sent_from") and "sent_from" not in self.errors:
                self.add_error("sent_from", "书记助理须填写派出单位")
        else:
            data["sent_from"] = None
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "离任日期不能早于任职日期")
        return data


class EndPostForm(forms.Form):
    ends_on = forms.DateField(label="离任日期", required=False, widget=_DATE)


# ---------------------------------------------------------------- 活动队伍 and 联系户


class TeamForm(forms.Form):
    """新增/编辑活动队伍."""

    name = forms.CharField(label="名称", max_length=100, error_messages={"required": "请填写活动队伍名称"})
    activity = forms.CharField(label="活动内容", max_length=200, required=False)
    founded_on = forms.DateField(label="成立日期", required=False, widget=_DATE,
                                 error_messages={"invalid": "请填写有效的日期，如 2018-07-01"})

    def __init__(self, *args: Any, instance: Any = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {"name": instance.name, "activity": instance.activity,
                                 "founded_on": instance.founded_on}
        super().__init__(*args, **kwargs)


class ParticipantForm(forms.Form):
    """加入队伍: a person in the user's scope (the select lists only the people found)."""

    person = forms.ModelChoiceField(label="人员", queryset=Person.objects.none(),
                                    error_messages={"invalid_choice": "所选人员不存在或不在您的管辖范围内",
                                                    "required": "请选择要加入队伍的人员"})

    def __init__(self, *args: Any, person_qs: QuerySet[Person], person_shown: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        field.queryset = person_qs  # type: ignore[attr-defined]
        field.widget.choices = [("", "——请选择——")] + [
            (p.pk, f"{p.name}（{p.org.name}{'，' + p.phone_masked if p.phone_masked else ''}）")
            for p in person_shown
        ]


class ResidentForm(forms.Form):
    """新建居民并加入队伍: a non-member resident, managed by the functional org's community."""

    name = forms.CharField(label="姓名", max_length=50, error_messages={"required": "请填写居民姓名"})
    gender = forms.ChoiceField(label="性别", choices=Gender.choices)
    birth_year = forms.IntegerField(label="出生年份", required=False, min_value=1900, max_value=2100)
    phone = forms.CharField(label="电话", max_length=20, required=False)

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data.get("phone") or "")
        if msg := validate_phone(phone):
            raise forms.ValidationError(msg)
        return phone


class LinkedHouseholdForm(forms.Form):
    """登记/编辑联系户."""

    address = forms.CharField(label="住址", max_length=200, error_messages={"required": "请填写联系户住址"})
    contact_name = forms.CharField(label="户主", max_length=50, required=False)

    def __init__(self, *args: Any, instance: Any = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {"address": instance.address, "contact_name": instance.contact_name}
        super().__init__(*args, **kwargs)
