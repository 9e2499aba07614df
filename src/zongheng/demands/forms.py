"""Forms of the staff workbench: they validate, then the view calls one ``do_*`` action."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from zongheng.core.masking import normalize_phone, validate_phone
from zongheng.orgs.models import Org
from zongheng.orgs.picker import PickerWidget
from zongheng.orgs.resolve import ResolvedChoiceField, ResolvedMultipleChoiceField

from . import resolve, selectors
from .choices import Channel, Urgency
from .models import Category, Demand, ListeningSession, Station

RECENT_SESSION_DAYS = 62  # the staff entry form lists the 每月一听 sessions of about the last two months


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return "　" * max(obj.depth - 1, 0) + obj.name


class OrgMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return "　" * max(obj.depth - 1, 0) + obj.name


class PlainCharField(forms.CharField):
    """Text whose limit is said in plain words, and never cut in the browser (issue 13, item 11).

    An over-long text is refused with "答复内容最多 4000 个字，现在是 4523 个字……" and the page
    shows the form again with what was typed; a textarea gets no ``maxlength`` (a browser
    would silently cut a pasted text), the help text says the limit instead.
    """

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        if self.max_length is not None:
            label = self.label or "内容"
            self.error_messages["max_length"] = (
                f"{label}最多 {self.max_length} 个字，现在是 %(show_value)d 个字，请删减后再提交（您输入的内容已保留）")
            if isinstance(self.widget, forms.Textarea) and not self.help_text:
                self.help_text = f"最多 {self.max_length} 个字"

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.Textarea):
            attrs.pop("maxlength", None)
        return attrs


class VersionForm(forms.Form):
    """Every action form carries the version the page was rendered at (a stale form is refused)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class NoteForm(VersionForm):
    note = PlainCharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class AnswerForm(VersionForm):
    answer = PlainCharField(label="答复内容", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
                             error_messages={"required": "请填写答复内容"})


class ReasonForm(VersionForm):
    reason = PlainCharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=500,
                             error_messages={"required": "请说明理由"})


# What the assign / whistle pickers say under their search box.
DISPATCH_HELP = ("点一下输入框列出常用单位（本网格所在的社区、街道在前，再是驻区单位和功能型党组织），输入文字筛选；"
                 "同名组织按上级路径区分。")


class AssignForm(VersionForm):
    org = ResolvedChoiceField(label="派至（输入名称搜索）", error_messages={"required": "请选择承办组织"})
    note = PlainCharField(label="说明", required=False, max_length=500)

    def __init__(self, *args: Any, user: Any, pick_url: str = "", **kw: Any) -> None:
        """The org goes through ``resolve.resolve_dispatch_target`` (the API's lookup); the page shows a picker."""
        super().__init__(*args, **kw)
        field = self.fields["org"]
        field.widget = PickerWidget(url=pick_url, help_text=DISPATCH_HELP)
        field.resolve = lambda value: resolve.resolve_dispatch_target(user, value)  # type: ignore[attr-defined]


class WhistleForm(VersionForm):
    orgs = ResolvedMultipleChoiceField(label="报到单位（可多选，输入名称搜索）", queryset=Org.objects.none(),
                                       error_messages={"required": "请选择至少一个报到单位"})
    note = PlainCharField(label="说明", required=False, max_length=500)

    def __init__(self, *args: Any, targets: QuerySet[Org], pick_url: str = "", **kw: Any) -> None:
        """``targets``: ``selectors.whistle_targets(demand)``, as the API's ``resolve_whistle_targets`` uses."""
        super().__init__(*args, **kw)
        field = self.fields["orgs"]
        field.widget = PickerWidget(url=pick_url, multiple=True, help_text=DISPATCH_HELP)
        field.queryset = targets  # type: ignore[attr-defined]  # what the picker searches (never rendered)
        field.resolve = lambda values: resolve.pick_whistle_targets(targets, values)  # type: ignore[attr-defined]


class ReportForm(VersionForm):
    summons = forms.IntegerField(widget=forms.HiddenInput)
    report = PlainCharField(label="报到情况", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
                             error_messages={"required": "请填写报到情况"})


class MergeForm(VersionForm):
    into = PlainCharField(label="合并到（诉求编号）", max_length=20, error_messages={"required": "请填写诉求编号"})


class BulkAssignForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=(), error_messages={"required": "请勾选要派单的诉求"})
    org = ResolvedChoiceField(label="派至", error_messages={"required": "请选择承办组织"})

    def __init__(self, *args: Any, user: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["org"].resolve = (  # type: ignore[attr-defined]
            lambda value: resolve.resolve_dispatch_target(user, value))
        ids = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(i, i) for i in ids]  # type: ignore[attr-defined]
        self.fields["ids"].error_messages["invalid_choice"] = "诉求编号不正确"


STAFF_CHANNELS = [(Channel.STATION, Channel.STATION.label), (Channel.PHONE, Channel.PHONE.label),
                  (Channel.LISTENING, Channel.LISTENING.label)]


class StaffDemandForm(forms.Form):
    """A demand received at a 民心驿站, by phone or at a 每月一听 session."""

    channel = forms.ChoiceField(label="来源", choices=STAFF_CHANNELS)
    station = ResolvedChoiceField(label="民心驿站", queryset=Station.objects.none(), required=False,
                                  help_text="来源为民心驿站时必选")
    listening_session = ResolvedChoiceField(label="每月一听", queryset=ListeningSession.objects.none(),
                                            required=False, help_text="来源为每月一听时必选")
    grid = ResolvedChoiceField(label="所属网格（输入名称搜索）", queryset=Org.objects.none(),
                               error_messages={"required": "请选择诉求所在的网格"})
    category = forms.ModelChoiceField(label="类别", queryset=Category.objects.none(),
                                      error_messages={"required": "请选择类别"})
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL)
    description = PlainCharField(label="诉求内容", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000,
                                  error_messages={"required": "请填写诉求内容"})
    address = PlainCharField(label="地址", max_length=200, error_messages={"required": "请填写地址"})
    contact_name = PlainCharField(label="联系人", max_length=50, required=False)
    phone = PlainCharField(label="联系电话", max_length=20, required=False,
                            help_text="选填；只用于短信告知办理进度，页面上只显示部分数字")

    def __init__(self, *args: Any, user: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        # What the page lists, and the lookups every door uses (demands/resolve.py).
        station, session, grid = self.fields["station"], self.fields["listening_session"], self.fields["grid"]
        station.queryset = selectors.stations_in_scope(user)  # type: ignore[attr-defined]
        station.resolve = lambda value: resolve.resolve_station(user, value)  # type: ignore[attr-defined]
        # The page lists the recent sessions (and the one chosen), never every session of the past years;
        # any session in scope is still accepted (resolve), e.g. from a session's own page (?session=).
        chosen = self.data.get("listening_session") if self.is_bound else self.initial.get("listening_session")
        recent = Q(held_on__gte=timezone.localdate() - dt.timedelta(days=RECENT_SESSION_DAYS))
        if str(chosen or "").isdigit():
            recent |= Q(pk=int(str(chosen)))
        session.queryset = selectors.sessions_in_scope(user).filter(recent).order_by(  # type: ignore[attr-defined]
            "-held_on", "-id")
        session.resolve = lambda value: resolve.resolve_listening_session(user, value)  # type: ignore[attr-defined]
        # The grid: a picker loaded on demand (demands:pick?kind=entry), never the district's 264 grids.
        grid.widget = PickerWidget(url=f"{reverse('demands:pick')}?kind=entry", targets=selectors.entry_grids(user),
                                   help_text="点一下输入框列出网格，输入名称筛选（如 先锋 第3网格）。")
        grid.resolve = lambda value: resolve.resolve_entry_grid(user, value)  # type: ignore[attr-defined]
        self.fields["category"].queryset = selectors.categories()  # type: ignore[attr-defined]

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data.get("phone") or "")
        if msg := validate_phone(phone):
            raise forms.ValidationError(msg)
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        channel = data.get("channel")
        if channel == Channel.STATION and not data.get("station"):
            self.add_error("station", "来源为民心驿站时，请选择驿站")
        if channel == Channel.LISTENING and not data.get("listening_session"):
            self.add_error("listening_session", "来源为每月一听时，请选择是哪一次")
        if channel != Channel.STATION:
            data["station"] = None
        if channel != Channel.LISTENING:
            data["listening_session"] = None
        return data

    def action_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {k: d[k] for k in ("channel", "station", "listening_session", "grid", "category", "urgency",
                                  "description", "address", "contact_name", "phone")}


class StationForm(forms.Form):
    org = OrgChoiceField(label="所属组织", queryset=Org.objects.none(),
                         error_messages={"required": "请选择所属组织", "invalid_choice": "请选择您管辖范围内的组织"})
    name = PlainCharField(label="驿站名称", max_length=100, error_messages={"required": "请填写驿站名称"})
    address = PlainCharField(label="地址", max_length=200, required=False)

    def __init__(self, *args: Any, targets: QuerySet[Org], **kw: Any) -> None:
        super().__init__(*args, **kw)
        _pick_org(self.fields["org"], targets, "station")


def _pick_org(field: Any, targets: QuerySet[Org], kind: str) -> None:
    """An organisation field picked on demand (demands:pick?kind=…) among ``targets``, never listed whole; the
    submitted id is still checked against ``targets`` (the field's queryset)."""
    field.queryset = targets
    field.label = f"{field.label}（输入名称搜索）"
    field.widget = PickerWidget(url=f"{reverse('demands:pick')}?kind={kind}", targets=targets,
                                help_text="点一下输入框列出组织，输入名称筛选。")


class ListeningSessionForm(forms.Form):
    org = OrgChoiceField(label="组织", queryset=Org.objects.none(),
                         error_messages={"required": "请选择组织", "invalid_choice": "请选择您管辖范围内的组织"})
    held_on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"required": "请填写日期", "invalid": "日期格式应为 2018-03-05"})
    place = PlainCharField(label="地点", max_length=200, error_messages={"required": "请填写地点"})
    attendees = PlainCharField(label="参加人员", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    summary = PlainCharField(label="情况记录", required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, targets: QuerySet[Org], **kw: Any) -> None:
        super().__init__(*args, **kw)
        _pick_org(self.fields["org"], targets, "session")


def merge_target(user: Any, ref: str) -> Demand | None:
    from zongheng.core.permissions import Perm

    return selectors.demands_in_scope(user, Perm.DEMAND_DISPATCH).filter(ref=ref.strip()).first()
