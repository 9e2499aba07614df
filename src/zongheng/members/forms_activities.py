"""Forms of activities: the activity (organisation picked on demand, its team), cancelling with a reason, a
resident's sign-up by the organiser or online, and the attendance sheet. Every reference goes through the
scoped lookups of ``selectors_activities``; the forms only shape the input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse

from zongheng.core.errors import ActionError
from zongheng.orgs.picker import PickerWidget
from zongheng.orgs.resolve import ResolvedChoiceField

from . import selectors_activities as selectors
from .actions_activities import MAX_CAPACITY
from .choices import ActivityKind, ActivityState

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def pick_url(perm: str = "") -> str:
    url = reverse("members:activity_pick")
    return f"{url}?perm=change" if perm == "change" else url


class ActivityForm(forms.Form):
    org = ResolvedChoiceField(label="组织单位（输入名称搜索）", error_messages={"required": "请选择组织单位"})
    team = forms.ChoiceField(label="活动队伍（可不选）", required=False)
    kind = forms.ChoiceField(label="活动类型", choices=ActivityKind.choices)
    title = forms.CharField(label="活动名称", max_length=100)
    description = forms.CharField(label="活动内容", max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    place = forms.CharField(label="地点", max_length=200)
    starts_at = forms.DateTimeField(label="开始时间", widget=DATETIME, input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label="结束时间", widget=DATETIME, input_formats=DATETIME_FORMATS)
    capacity = forms.IntegerField(label="人数上限", required=False, min_value=1, max_value=MAX_CAPACITY,
                                  help_text="不填为不限人数", widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    open_to_residents = forms.BooleanField(label="接受居民报名", required=False, initial=True)
    publish = forms.BooleanField(label="保存后立即发布（发布后党员和居民即可报名，不能再修改）", required=False)

    def __init__(self, *args: Any, user: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        org: Any = self.fields["org"]
        org.widget = PickerWidget(url=pick_url("change"), targets=selectors.org_choices(user),
                                  help_text="点一下输入框列出您可组织活动的党组织（功能型党组织、社区、网格等），输入文字筛选。")
        org.resolve = lambda value: selectors.resolve_org(user, value)
        teams = list(selectors.team_choices(user)[:selectors.TEAM_CHOICES_LIMIT])
        team: Any = self.fields["team"]
        team.choices = [("", "—")] + [(str(t.pk), f"{t.name}（{t.org.name}）") for t in teams]
        if editing:
            del self.fields["publish"]

    def clean_team(self) -> Any:
        value = self.cleaned_data.get("team")
        if not value:
            return None
        try:
            return selectors.resolve_team(self.user, value)
        except ActionError as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", "结束时间不能早于开始时间")
        return data


class TransitionForm(forms.Form):
    state = forms.ChoiceField(choices=ActivityState.choices)
    from_state = forms.ChoiceField(choices=ActivityState.choices, widget=forms.HiddenInput)
    reason = forms.CharField(label="取消原因", max_length=200, required=False)


class ResidentForm(forms.Form):
    name = forms.CharField(label="居民姓名", max_length=50)
    phone = forms.CharField(label="联系电话（可不填）", max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))


class PublicSignUpForm(forms.Form):
    name = forms.CharField(label="您的姓名", max_length=50)
    phone = forms.CharField(label="手机号码", max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
                            help_text="仅供组织者联系您，不会公开")
