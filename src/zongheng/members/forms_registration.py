"""Forms of 双联双管报到. The community a form names goes through the same scoped lookup as the API
(``selectors_registration.resolve_*``); the picker only lists, the resolver decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone

from zongheng.orgs.picker import PickerWidget
from zongheng.orgs.resolve import ResolvedChoiceField

from . import selectors_registration as selectors
from .actions_registration import TEXT_LIMIT, TRANSITIONS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SKILLS_HELP = "如：法律咨询、义诊、文艺、电脑维修、周末可参加志愿服务（选填）"


def pick_url(purpose: str) -> str:
    """The community picker (``views_registration.pick``): ``apply`` (the member's district), ``enter`` (the
    cadre's member.change scope) or ``filter`` (the lists' filter)."""
    return reverse("members:registration_pick") + f"?for={purpose}"


class NoEchoInput(forms.TextInput):
    """A text input that never renders its value back (an ID number is not written into a re-rendered page)."""

    def format_value(self, value: Any) -> str | None:
        return None


class ApplyForm(forms.Form):
    community = ResolvedChoiceField(label="报到社区（居住地所在的社区或村，输入名称搜索）",
                                    error_messages={"required": "请选择您居住地所在的社区或村"})
    skills = forms.CharField(label="特长和可提供的服务", max_length=TEXT_LIMIT, required=False, help_text=SKILLS_HELP)
    note = forms.CharField(label="说明", max_length=TEXT_LIMIT, required=False,
                           help_text="如居住的小区、楼栋，方便社区联系（选填）")

    def __init__(self, *args: Any, person: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["community"]
        field.widget = PickerWidget(url=pick_url("apply"), targets=selectors.apply_choices(person),
                                    help_text="点一下输入框列出本区的社区和村，输入名称筛选；同名的按所在街道区分。")
        field.resolve = lambda value: selectors.resolve_apply_community(person, value)


class EnterForm(forms.Form):
    name = forms.CharField(label="党员姓名", max_length=50)
    id_number = forms.CharField(label="身份证号码（18 位）", max_length=30, widget=NoEchoInput(
        attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "text"}),
        help_text="姓名和身份证号码都与党员名册相符才能登记；未找到时不显示任何人员信息。")
    community = ResolvedChoiceField(label="报到社区", error_messages={"required": "请选择报到社区"})
    applied_on = forms.DateField(label="申请日期", widget=DATE, required=False, help_text="不填为今天")
    skills = forms.CharField(label="特长和可提供的服务", max_length=TEXT_LIMIT, required=False, help_text=SKILLS_HELP)
    note = forms.CharField(label="说明", max_length=TEXT_LIMIT, required=False)
    confirm = forms.BooleanField(label="同时确认报到（党员已到社区当面报到）", required=False, initial=True)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("applied_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        field: Any = self.fields["community"]
        choices = selectors.enter_choices(user)
        only = list(choices[:2])
        if len(only) == 1 and not self.is_bound:  # a community cadre: their community, chosen already
            self.initial.setdefault("community", only[0].pk)
        field.widget = PickerWidget(url=pick_url("enter"), targets=choices,
                                    help_text="点一下输入框列出您管辖的社区和村，输入名称筛选。")
        field.resolve = lambda value: selectors.resolve_enter_community(user, value)


class TransitionForm(forms.Form):
    action = forms.ChoiceField(choices=[(k, t.label) for k, t in TRANSITIONS.items()],
                               error_messages={"invalid_choice": "未知的报到操作", "required": "未知的报到操作"})
    state = forms.CharField(max_length=16, required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label="原因", max_length=TEXT_LIMIT, required=False)
