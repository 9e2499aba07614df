"""Forms of the inspections (巡查): a round, a team (leader and members from a person search loaded on demand),
a target (an organisation picker loaded on demand), a finding with its first rectification item, another item,
a report (text and evidence files) and a verification (a return's reason).

Every reference goes through the scoped lookup of ``selectors_inspections`` (the API and the actions use the
same ones); the pickers decide nothing about what is accepted.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from zongheng.demands.forms import PlainCharField
from zongheng.demands.forms_public import MultipleFileField, MultipleFileInput
from zongheng.orgs.models import Org, Person
from zongheng.orgs.person_picker import PersonField, PersonPickWidget
from zongheng.orgs.picker import PickerWidget
from zongheng.orgs.resolve import ResolvedChoiceField

from . import selectors_inspections as sel
from .actions_tasks import EVIDENCE_TYPES
from .choices_inspections import FOCUSES
from .models_inspections import InspectionRound, InspectionTarget


class RoundForm(forms.Form):
    org = ResolvedChoiceField(label="组织单位", queryset=Org.objects.none(),
                              error_messages={"required": "请选择组织巡查的单位"})
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    period = PlainCharField(label="批次", max_length=20, help_text="如 上半年、下半年、第一轮")
    title = PlainCharField(label="巡查名称", max_length=100)
    focus = PlainCharField(label="巡查重点", max_length=200, help_text="如：" + "；".join(FOCUSES))
    starts_on = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"year": timezone.localdate().year, "focus": FOCUSES[0]})
        super().__init__(*args, **kwargs)
        field: Any = self.fields["org"]
        field.queryset = sel.organiser_choices(user)  # districts and streets: a short list
        field.resolve = lambda value: sel.resolve_organiser(user, value)


class TeamForm(forms.Form):
    name = PlainCharField(label="组名", max_length=40, help_text="如 第一巡查组")
    leader = PersonField(label="组长", error_messages={"required": "请选择组长"})
    members = PersonField(label="组员", required=False)

    def __init__(self, *args: Any, rnd: InspectionRound, url: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rnd = rnd
        people = sel.team_people(rnd)
        self.fields["leader"].widget = PersonPickWidget(url=f"{url}?field=leader", people=people)
        self.fields["members"].widget = PersonPickWidget(url=f"{url}?field=members", people=people, multiple=True)


class TargetForm(forms.Form):
    org = ResolvedChoiceField(label="被巡查组织", help_text="组织单位的下级组织；其在任书记一并记录")

    def __init__(self, *args: Any, rnd: InspectionRound, url: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["org"]
        field.resolve = lambda value: sel.resolve_target_org(rnd, value)
        field.widget = PickerWidget(url=url, targets=sel.target_choices(rnd),
                                    help_text="点一下输入框列出可选的组织，输入文字筛选")


class ItemForm(forms.Form):
    title = PlainCharField(label="整改事项", max_length=200)
    org = ResolvedChoiceField(label="整改责任单位")
    responsible = PersonField(label="整改责任人", error_messages={"required": "请选择整改责任人"})
    due_on = forms.DateField(label="整改时限", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, target: InspectionTarget, org_url: str, people_url: str, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"org": target.org_id})
        super().__init__(*args, **kwargs)
        field: Any = self.fields["org"]
        field.resolve = lambda value: sel.resolve_owner(target, value)
        field.widget = PickerWidget(url=org_url, targets=sel.owner_choices(target),
                                    help_text="默认为被巡查组织；点一下输入框可选其下级组织")
        self.fields["responsible"].widget = PersonPickWidget(
            url=f"{people_url}?field=responsible", people=Person.objects.filter(org_path__startswith=target.org_path))

    def item(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"title": d["title"], "org": d["org"], "responsible": d["responsible"], "due_on": d["due_on"]}


class FindingForm(ItemForm):
    text = PlainCharField(label="问题描述", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    field_order = ["text", "title", "org", "responsible", "due_on"]


class ReportForm(forms.Form):
    text = PlainCharField(label="整改情况", max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    evidence = MultipleFileField(label="佐证附件", required=False,
                            widget=MultipleFileInput(attrs={"multiple": True, "accept": ",".join(
                                f".{t}" for t in EVIDENCE_TYPES)}),
                            help_text="最多 5 个文件，每个不超过 10 MB；PDF、图片、Word 或 Excel")


class VerifyForm(forms.Form):
    note = PlainCharField(label="核验意见", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
