"""Forms of 述职评议: create a round (or copy one), its formula (three short texts: one group, item or band a
line), add raters, and a rater's vote. References go through the scoped lookups of ``selectors_evaluations``
(the API and the actions use the same)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone

from zongheng.core.errors import ActionError
from zongheng.demands.forms import PlainCharField
from zongheng.orgs.person_picker import PersonField, PersonPickWidget
from zongheng.orgs.picker import PickerWidget
from zongheng.orgs.resolve import ResolvedChoiceField

from . import selectors_evaluations as selectors
from .choices_evaluations import EvalKind
from .models_evaluations import EvalRound

LINE = re.compile(r"^(.+?)[\s,，:：]+([0-9]+(?:\.[0-9]+)?)\s*%?$")


def parse_lines(text: str, label: str) -> list[tuple[str, str]]:
    """"名称 数字" a line (a space, comma or colon between; a trailing % allowed) → [(name, number text)]."""
    out = []
    for n, raw in enumerate(str(text or "").replace("\x00", "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        found = LINE.match(line)
        if not found:
            raise ActionError(f"{label}第 {n} 行应为“名称 数字”，如“基层党员 30”")
        out.append((found.group(1).strip(), found.group(2)))
    return out


def formula_text(pairs: list[tuple[str, Any]]) -> str:
    return "\n".join(f"{name} {value}" for name, value in pairs)


class RoundForm(forms.Form):
    org = ResolvedChoiceField(label="组织评议的党组织")
    kind = forms.ChoiceField(label="评议类型", choices=EvalKind.choices)
    title = PlainCharField(label="名称", max_length=100)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    month = forms.IntegerField(label="月份（每月一评）", min_value=1, max_value=12, required=False)
    anonymous = forms.BooleanField(label="匿名（结果和导出不显示评议人姓名）", required=False, initial=True)
    due_at = forms.DateTimeField(label="评分截止时间", required=False,
                                 widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                            format="%Y-%m-%dT%H:%M"))
    copy_from = forms.ModelChoiceField(label="复制以往轮次的评议办法", queryset=EvalRound.objects.none(),
                                       required=False, help_text="复制其评议主体和权重、评分项、等次")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("year", timezone.localdate().year)
        super().__init__(*args, **kwargs)
        self.user = user
        org = self.fields["org"]
        org.widget = PickerWidget(url=reverse("lists:eval_org_pick"), targets=selectors.round_org_choices(user),
                                  help_text="点一下输入框列出可选的组织，输入文字筛选")
        org.resolve = lambda value: selectors.resolve_round_org(user, value)  # type: ignore[attr-defined]
        copy = self.fields["copy_from"]
        copy.queryset = selectors.copy_choices(user)  # type: ignore[attr-defined]
        copy.widget.choices = [("", "不复制"), *((r.pk, f"{r.period} {r.title}") for r in  # type: ignore[attr-defined]
                                                   selectors.copy_choices(user)[:50])]

    def clean_copy_from(self) -> Any:
        return self.cleaned_data.get("copy_from")

    def clean_due_at(self) -> Any:
        return self.cleaned_data.get("due_at")


class RoundEditForm(forms.Form):
    title = PlainCharField(label="名称", max_length=100)
    anonymous = forms.BooleanField(label="匿名（结果和导出不显示评议人姓名）", required=False)
    due_at = forms.DateTimeField(label="评分截止时间", required=False,
                                 widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                            format="%Y-%m-%dT%H:%M"))


class FormulaForm(forms.Form):
    groups = PlainCharField(label="评议主体和权重（%）", max_length=2000, widget=forms.Textarea(attrs={"rows": 5}),
                            help_text="一行一个，如“服务对象 40”；权重合计须为 100")
    items = PlainCharField(label="评分项和满分", max_length=4000, widget=forms.Textarea(attrs={"rows": 6}),
                           help_text="一行一个，如“履行抓党建第一责任人职责 30”")
    bands = PlainCharField(label="等次和最低分", max_length=1000, widget=forms.Textarea(attrs={"rows": 4}),
                           help_text="一行一个，如“好 90”；最低的等次填 0")

    def parsed(self) -> tuple[list[Any], list[Any], list[Any]]:
        d = self.cleaned_data
        return (parse_lines(d["groups"], "评议主体"), parse_lines(d["items"], "评分项"),
                parse_lines(d["bands"], "等次"))


SOURCES = [("leaders", "本组织班子成员（上级党组织）"), ("subjects", "全体述职人（同级互评）"),
           ("members", "所选组织的党员（基层党员，只评本组织内的述职人）"), ("people", "指定人员（输入姓名查找）")]


class RatersForm(forms.Form):
    group = forms.ChoiceField(label="评议主体", choices=())
    source = forms.ChoiceField(label="评议人来源", choices=SOURCES)
    org = ResolvedChoiceField(label="组织（来源为所选组织的党员时）", required=False)
    people = PersonField(label="人员（来源为指定人员时）", required=False)

    def __init__(self, *args: Any, user: Any, round_: EvalRound, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [(g.pk, g.name) for g in round_.groups.all()]  # type: ignore[attr-defined]
        org = self.fields["org"]
        org.widget = PickerWidget(url=reverse("lists:eval_member_org_pick", args=[round_.pk]),
                                  targets=selectors.member_org_choices(user, round_),
                                  help_text="点一下输入框列出可选的组织，输入文字筛选")
        org.resolve = lambda value: selectors.pick_one(  # type: ignore[attr-defined]
            selectors.member_org_choices(user, round_), value, selectors.refusal("组织"))
        self.fields["people"].widget = PersonPickWidget(
            url=reverse("lists:eval_rater_people", args=[round_.pk]), multiple=True,
            people=selectors.rater_people_choices(user, round_))


class VoteForm(forms.Form):
    """The score sheet: one decimal field per item (within its maximum) and a comment."""

    comment = PlainCharField(label="评议意见（选填）", max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, round_: EvalRound, prefix_items: str = "item", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(round_.items.all())
        fields = {}
        for item in self.items:
            fields[f"{prefix_items}_{item.pk}"] = forms.DecimalField(
                label=f"{item.title}（满分 {item.max_score}）", min_value=0, max_value=item.max_score,
                max_digits=5, decimal_places=1)
        comment = self.fields.pop("comment")
        self.fields.update(fields)
        self.fields["comment"] = comment
        self.prefix_items = prefix_items

    def values(self) -> dict[int, Any]:
        return {item.pk: self.cleaned_data[f"{self.prefix_items}_{item.pk}"] for item in self.items}
