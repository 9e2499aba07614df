"""Forms of the project list: create a project (书记认领 / 基层申报 / 常委领衔专题项目), edit it, make a move
(a return's reason, an evaluation's text), name or edit a brand.

Every reference goes through the scoped lookup of ``selectors_projects`` (the API and the actions use the
same): the implementing organisation through a picker loaded on demand (``lists:project_org_pick``), the lead
from the short list of the committee's members, the brand's projects among the evaluated ones in scope.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone

from zongheng.demands.forms import PlainCharField
from zongheng.orgs.picker import PickerWidget
from zongheng.orgs.resolve import ResolvedChoiceField, ResolvedMultipleChoiceField

from . import selectors_projects as selectors
from .models import Brand, Project


class ProjectForm(forms.Form):
    kind = forms.ChoiceField(label="项目类型", choices=())
    org = ResolvedChoiceField(label="实施单位")
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    title = PlainCharField(label="项目名称", max_length=120)
    summary = PlainCharField(label="项目内容", max_length=4000, widget=forms.Textarea(attrs={"rows": 5}),
                             help_text="目标、主要措施、时间安排；最多 4000 个字")
    budget = forms.DecimalField(label="预算（万元）", min_value=0, max_digits=10, decimal_places=2, required=False)
    lead = ResolvedChoiceField(label="领衔常委", required=False, help_text="常委领衔专题项目必填")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("year", timezone.localdate().year)
        super().__init__(*args, **kwargs)
        self.user = user
        kinds = selectors.kinds_for(user)
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]
        org = self.fields["org"]
        org.resolve = self._resolve_org  # type: ignore[attr-defined]
        special = any(k == "special" for k, _ in kinds)
        org.widget = PickerWidget(url=reverse("lists:project_org_pick"),
                                  targets=selectors.project_org_choices(user, "special" if special else None),
                                  help_text="点一下输入框列出可选的组织，输入文字筛选")
        if any(k == "special" for k, _ in kinds):
            lead = self.fields["lead"]
            choices = list(selectors.lead_choices(user).values_list("pk", "name"))
            lead.widget = forms.Select(choices=[("", "请选择"), *choices])
            lead.resolve = lambda value: selectors.resolve_lead(user, value)  # type: ignore[attr-defined]
        else:
            del self.fields["lead"]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0][0]

    def _resolve_org(self, value: Any) -> Any:
        return selectors.resolve_project_org(self.user, value, self.data.get("kind") or None)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == "special" and not data.get("lead") and "lead" in self.fields:
            self.add_error("lead", "专题项目须选择领衔的常委")
        return data


class ProjectEditForm(forms.Form):
    title = PlainCharField(label="项目名称", max_length=120)
    summary = PlainCharField(label="项目内容", max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))
    budget = forms.DecimalField(label="预算（万元）", min_value=0, max_digits=10, decimal_places=2, required=False)
    outcome = PlainCharField(label="实施成效", max_length=4000, required=False,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             help_text="完成后写明做成了什么；品牌页面会公开项目的名称、内容和实施成效")

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"title": project.title, "summary": project.summary, "budget": project.budget,
                                      "outcome": project.outcome})
        super().__init__(*args, **kwargs)


class MoveForm(forms.Form):
    note = PlainCharField(label="说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}),
                          help_text="退回须写明理由；评估时填写评估意见")


class BrandForm(forms.Form):
    name = PlainCharField(label="品牌名称", max_length=60)
    slug = forms.CharField(label="网址标识", max_length=60,
                           help_text="公开页面的网址 /brands/<标识>/，只用小写字母、数字和连字符，如 yangguang-360")
    org = ResolvedChoiceField(label="所属单位")
    summary = PlainCharField(label="品牌简介", max_length=4000, widget=forms.Textarea(attrs={"rows": 5}),
                             help_text="居民能在公开页面上看到；不要写入个人信息")
    projects = ResolvedMultipleChoiceField(label="品牌项目", help_text="已评估的项目，可多选")

    def __init__(self, *args: Any, user: Any, brand: Brand | None = None, **kwargs: Any) -> None:
        if brand is not None:
            kwargs.setdefault("initial", {"name": brand.name, "slug": brand.slug, "org": brand.org_id,
                                          "summary": brand.summary,
                                          "projects": list(brand.projects.values_list("pk", flat=True))})
        super().__init__(*args, **kwargs)
        org = self.fields["org"]
        org.resolve = lambda value: selectors.resolve_brand_org(user, value)  # type: ignore[attr-defined]
        org.widget = PickerWidget(url=reverse("lists:brand_org_pick"), targets=selectors.brand_org_choices(user))
        projects = self.fields["projects"]
        projects.resolve = lambda values: selectors.resolve_brand_projects(user, values)  # type: ignore[attr-defined]
        # The latest 200 evaluated projects in scope, and always the brand's own (an edit never drops one unseen).
        offered = selectors.brand_project_choices(user)
        listed = list(offered[:200])
        if brand is not None:
            listed += list(offered.filter(brands=brand).exclude(pk__in=[p.pk for p in listed]))
        choices = [(p.pk, f"{p.year} {p.title}（{p.org.name}）") for p in listed]
        projects.widget = forms.CheckboxSelectMultiple(choices=choices)
