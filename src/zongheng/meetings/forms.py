from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse

from zongheng.orgs.models import Org
from zongheng.orgs.picker import PickerWidget
from zongheng.orgs.resolve import ResolvedChoiceField, ResolvedMultipleChoiceField

from . import resolve
from .models import MeetingType

DT_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
D_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MEETING_LEVELS = ("district", "street", "township", "community", "village")


def schedule_org_choices(user: Any) -> QuerySet[Org]:
    """What the 召开组织 picker searches (``views.pick``): the organisations of the meeting levels where
    the user holds meeting.change. What is accepted is ``resolve.resolve_meeting_org``."""
    return resolve.meeting_org_choices(user).filter(level__code__in=MEETING_LEVELS)


class ScheduleForm(forms.Form):
    type = forms.ModelChoiceField(label="会议类型", queryset=MeetingType.objects.none(), to_field_name="code")
    org = ResolvedChoiceField(label="召开组织（输入名称搜索）", error_messages={"required": "请选择召开组织"})
    period = forms.CharField(label="所属期间", max_length=10,
                             help_text="如 2026-11（月）、2026-Q4（季度）、2026-H2（半年）、2026（年）；"
                                       "补开往期会议时填写所补期间")
    scheduled_at = forms.DateTimeField(label="召开时间", widget=DT_WIDGET)
    place = forms.CharField(label="地点", max_length=200)
    agenda = forms.CharField(label="议程", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = MeetingType.objects.filter(enabled=True)  # type: ignore[attr-defined]
        # A picker loaded on demand (views.pick): the page carries only the organisation chosen now.
        field: Any = self.fields["org"]
        field.widget = PickerWidget(url=reverse("meetings:pick"), targets=resolve.meeting_org_choices(user),
                                    help_text="点一下输入框列出您可安排会议的组织，输入文字筛选；同名组织按上级路径区分。")
        field.resolve = lambda value: resolve.resolve_meeting_org(user, value)


class EditForm(forms.Form):
    scheduled_at = forms.DateTimeField(label="召开时间", widget=DT_WIDGET)
    place = forms.CharField(label="地点", max_length=200)
    agenda = forms.CharField(label="议程", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class CancelForm(forms.Form):
    reason = forms.CharField(label="取消原因", max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class RecordForm(forms.Form):
    held_at = forms.DateTimeField(label="实际召开时间", widget=DT_WIDGET)
    minutes = forms.CharField(label="会议纪要", max_length=20000, widget=forms.Textarea(attrs={"rows": 10}),
                              help_text="纯文本，空行分段")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class ResolutionForm(forms.Form):
    text = forms.CharField(label="议定事项", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    owner_org = ResolvedChoiceField(label="责任组织")
    owner_person = forms.IntegerField(label="责任人编号（可不填）", required=False, min_value=1)
    due_on = forms.DateField(label="完成时限", widget=D_WIDGET)

    def __init__(self, *args: Any, user: Any, org: Org, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The meeting's organisation and the ones directly below it (a light list; any org in scope is accepted).
        self.fields["owner_org"].queryset = resolve.meeting_org_choices(user).filter(  # type: ignore[attr-defined]
            path__startswith=org.path, depth__lte=org.depth + 1)[:100]
        owner: Any = self.fields["owner_org"]
        owner.resolve = lambda value: resolve.resolve_owner_org(user, value)
        self.user = user

    def clean_owner_person(self) -> Any:
        value = self.cleaned_data.get("owner_person")
        if value in (None, ""):
            return None
        from zongheng.core.errors import ActionError

        try:
            return resolve.resolve_owner_person(self.user, value)
        except ActionError as exc:
            raise forms.ValidationError(exc.message) from exc


class ProgressForm(forms.Form):
    text = forms.CharField(label="进展情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    done = forms.BooleanField(label="已办结", required=False)


class TypeForm(forms.Form):
    enabled = forms.BooleanField(label="启用", required=False)
    opt_in = forms.BooleanField(label="仅对选定组织启用", required=False)
    quorum_num = forms.IntegerField(label="法定人数（分子）", min_value=0, max_value=100)
    quorum_den = forms.IntegerField(label="法定人数（分母）", min_value=1, max_value=100)
    add_orgs = ResolvedMultipleChoiceField(label="添加选定组织（输入名称搜索，可多选）", required=False)
    remove_orgs = forms.MultipleChoiceField(label="移出", required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, user: Any, mtype: MeetingType, shown: list[Org], **kwargs: Any) -> None:
        """``shown``: the selected organisations listed on this page (each with a 移出 box)."""
        super().__init__(*args, **kwargs)
        targets = resolve.opt_in_choices(user, mtype)
        field: Any = self.fields["add_orgs"]
        field.widget = PickerWidget(url=f"{reverse('meetings:pick')}?kind=opt&type={mtype.pk}", multiple=True,
                                    targets=targets,
                                    help_text="仅在“仅对选定组织启用”时生效；只列出适用层级的组织。")
        field.resolve = lambda values: resolve.resolve_opt_in_orgs(user, mtype, values)
        remove: Any = self.fields["remove_orgs"]
        remove.choices = [(str(o.pk), o.name) for o in shown]
