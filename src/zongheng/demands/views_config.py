"""诉求配置: categories, their deadline rules and the holiday / 调休 calendar (district organisation department).

Configuration is platform-wide data: ``require_at_root(user, Perm.DEMAND_CONFIGURE)`` — the right held at the root
of the tree (the district organisation department); held nowhere, or only below the root → 403. There is no
per-org scope, so every row is visible to whoever holds the right at the root. Writes go through the audited
``do_save_category`` / ``do_save_rule`` / ``do_save_calendar_day`` / ``do_delete_calendar_day`` actions.
Due dates already stored on demands are not recomputed (DESIGN: ``due_at`` is computed once).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zongheng.core.access import require_at_root
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm

from . import actions
from .choices import Clock, Urgency
from .models import CalendarDay, Category, DeadlineRule

WORKDAY_MINUTES = 9 * 60  # 08:30–17:30, as in worktime / defaults
URGENCY_ORDER = {value: i for i, value in enumerate(Urgency.values)}


def span(minutes: int, clock: str) -> str:
    """A limit as people say it: "2 小时", "7 个工作日", "4 个工作小时"."""
    if clock == Clock.WORKING:
        if minutes % WORKDAY_MINUTES == 0:
            return f"{minutes // WORKDAY_MINUTES} 个工作日"
        unit = "个工作小时"
    else:
        if minutes % (24 * 60) == 0 and minutes >= 48 * 60:
            return f"{minutes // (24 * 60)} 天"
        unit = "小时"
    if minutes % 60 == 0:
        return f"{minutes // 60} {unit}"
    return f"{minutes / 60:.1f} {unit}（{minutes} 分钟）"


class CategoryForm(forms.Form):
    name = forms.CharField(label="名称", max_length=40, error_messages={"required": "请填写类别名称"})
    code = forms.SlugField(label="对外接口代码", max_length=32,
                           help_text="供其他系统对接（Open311）使用，居民看不到；英文字母、数字和连字符",
                           error_messages={"required": "请填写类别代码",
                                           "invalid": "类别代码只能由英文字母、数字、连字符和下划线组成"})
    keywords = forms.CharField(label="关键词", max_length=400, required=False,
                               help_text="以空格分隔，用于根据居民描述推荐类别")
    active = forms.BooleanField(label="启用", required=False, initial=True)
    order = forms.IntegerField(label="显示顺序", min_value=0, max_value=32767, initial=0,
                               help_text="数字小的排在前面",
                               error_messages={"required": "请填写显示顺序", "invalid": "显示顺序应为整数",
                                               "min_value": "显示顺序不能小于 0", "max_value": "显示顺序太大"})


class RuleForm(forms.Form):
    clock = forms.ChoiceField(label="计时方式", choices=Clock.choices, widget=forms.RadioSelect,
                              error_messages={"required": "请选择计时方式", "invalid_choice": "请选择计时方式"})
    response_minutes = forms.IntegerField(
        label="响应时限（分钟）", min_value=1, help_text="工作时间每个工作日按 9 小时（540 分钟）计",
        error_messages={"required": "请填写响应时限", "invalid": "响应时限应为整数分钟",
                        "min_value": "响应时限必须大于0"})
    resolution_minutes = forms.IntegerField(
        label="办结时限（分钟）", min_value=1,
        error_messages={"required": "请填写办结时限", "invalid": "办结时限应为整数分钟",
                        "min_value": "办结时限必须大于0"})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        response, resolution = data.get("response_minutes"), data.get("resolution_minutes")
        if response is not None and resolution is not None and resolution < response:
            self.add_error("resolution_minutes", "办结时限不能短于响应时限")
        return data


class CalendarDayForm(forms.Form):
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"required": "请填写日期", "invalid": "日期格式应为 2026-10-01"})
    is_workday = forms.TypedChoiceField(label="这一天", choices=[("0", "休息"), ("1", "上班")],
                                        coerce=lambda v: v == "1", widget=forms.RadioSelect,
                                        error_messages={"required": "请选择上班或休息",
                                                        "invalid_choice": "请选择上班或休息"})
    note = forms.CharField(label="说明", max_length=40, required=False, help_text="例如：国庆节、国庆调休上班",
                           error_messages={"max_length": "说明最多40个字"})


@login_required
def config(request: HttpRequest) -> HttpResponse:
    """Categories with their three rules."""
    require_at_root(request.user, Perm.DEMAND_CONFIGURE)
    categories = list(Category.objects.prefetch_related(Prefetch("rules", queryset=DeadlineRule.objects.all())))
    rows = []
    for category in categories:
        rules = sorted(category.rules.all(), key=lambda r: URGENCY_ORDER.get(r.urgency, 99))
        rows.append({"category": category, "rules": [
            {"rule": r, "response": span(r.response_minutes, r.clock),
             "resolution": span(r.resolution_minutes, r.clock)} for r in rules]})
    return render(request, "demands/config.html", {"rows": rows})


def _category_form(request: HttpRequest, category: Category | None) -> HttpResponse:
    initial = ({"name": category.name, "code": category.code, "keywords": category.keywords,
                "active": category.active, "order": category.order} if category else None)
    form = CategoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.do_save_category(request.user, category, form.cleaned_data)
        except ActionError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, f"已保存类别“{saved.name}”")
            return redirect("demands:config")
    return render(request, "demands/config_category.html", {"form": form, "category": category})


@login_required
def category_create(request: HttpRequest) -> HttpResponse:
    require_at_root(request.user, Perm.DEMAND_CONFIGURE)
    return _category_form(request, None)


@login_required
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_at_root(request.user, Perm.DEMAND_CONFIGURE)
    return _category_form(request, get_object_or_404(Category, pk=pk))


@login_required
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_at_root(request.user, Perm.DEMAND_CONFIGURE)
    rule = get_object_or_404(DeadlineRule.objects.select_related("category"), pk=pk)
    initial = {"clock": rule.clock, "response_minutes": rule.response_minutes,
               "resolution_minutes": rule.resolution_minutes}
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_rule(request.user, rule, form.cleaned_data)
        except ActionError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, f"已保存“{rule.category.name}·{rule.get_urgency_display()}”的办理时限")
            return redirect("demands:config")
    return render(request, "demands/config_rule.html", {
        "form": form, "rule": rule,
        "response": span(rule.response_minutes, rule.clock), "resolution": span(rule.resolution_minutes, rule.clock),
    })


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    """节假日与调休 of one year; add or change one day."""
    require_at_root(request.user, Perm.DEMAND_CONFIGURE)
    year = _year(request)
    form = CalendarDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            day = actions.do_save_calendar_day(request.user, d["date"], d["is_workday"], d["note"])
        except ActionError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, f"已保存 {day.date}：{'上班' if day.is_workday else '休息'}")
            return redirect(f"{reverse('demands:config_calendar')}?year={day.date.year}")
    days = CalendarDay.objects.filter(date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31))
    return render(request, "demands/config_calendar.html", {
        "form": form, "days": days, "year": year, "prev_year": year - 1, "next_year": year + 1,
    })


@login_required
@require_POST
def calendar_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_at_root(request.user, Perm.DEMAND_CONFIGURE)
    day = get_object_or_404(CalendarDay, pk=pk)
    try:
        actions.do_delete_calendar_day(request.user, day)
    except ActionError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"已删除 {day.date} 的节假日设置，该日恢复按周一至周五上班计算")
    return redirect(f"{reverse('demands:config_calendar')}?year={day.date.year}")
