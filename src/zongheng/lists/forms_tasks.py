"""Forms of the task list's pages. They only check the shape of the input; every rule lives in the ``do_*``
actions of ``actions_tasks`` (their ``ActionError`` is shown on the form)."""

from __future__ import annotations

from typing import Any

from django import forms

from zongheng.orgs.models import Org, Person

from .choices import ReviewResult
from .models import Milestone, Task

DATE = forms.DateInput(attrs={"type": "date"})


class SplitForm(forms.Form):
    org = forms.ModelChoiceField(label="承担组织", queryset=Org.objects.none(),
                                 error_messages={"required": "请选择承担这部分任务的组织",
                                                 "invalid_choice": "请选择承担这部分任务的组织"})
    weight = forms.IntegerField(label="权重", min_value=1, max_value=100, initial=1,
                                help_text="在同一项任务分解出的各部分之间的比重")
    title = forms.CharField(label="任务名称", max_length=200, required=False, help_text="不填则沿用上级任务名称")
    goal = forms.CharField(label="目标", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, task: Task, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The organisations right below the carrying one (a district's streets, a street's communities).
        depth = len(task.org_path) // Org.steplen + 1
        field = self.fields["org"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = Org.objects.filter(path__startswith=task.org_path, depth=depth).order_by("path")


class PlanForm(forms.Form):
    goal = forms.CharField(label="目标", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    measures = forms.CharField(label="主要措施", max_length=4000, required=False,
                               widget=forms.Textarea(attrs={"rows": 5}))
    plan_file = forms.FileField(label="计划书附件（可选，替换原附件）", required=False)
    pledge_by = forms.ModelChoiceField(label="责任状签订人", queryset=Person.objects.none(), required=False,
                                       empty_label="（未签订）")
    pledge_on = forms.DateField(label="责任状签订日期", required=False, widget=DATE)
    pledge_text = forms.CharField(label="责任状内容", max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    pledge_file = forms.FileField(label="责任状签字盖章件（可选，替换原附件）", required=False)

    def __init__(self, *args: Any, task: Any, **kwargs: Any) -> None:
        from .selectors_tasks import pledge_signers

        super().__init__(*args, **kwargs)
        self.fields["pledge_by"].queryset = pledge_signers(task)  # type: ignore[attr-defined]


class MilestoneForm(forms.Form):
    title = forms.CharField(label="节点", max_length=200)
    due_on = forms.DateField(label="节点时间", widget=DATE)
    weight = forms.IntegerField(label="权重", min_value=1, max_value=100, initial=1)


class MeetForm(forms.Form):
    done_on = forms.DateField(label="完成日期", widget=DATE)
    evidence = forms.CharField(label="佐证材料", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    evidence_file = forms.FileField(label="佐证附件（可选）", required=False)


class ReportForm(forms.Form):
    month = forms.DateField(label="月份", input_formats=["%Y-%m"], widget=forms.DateInput(
        attrs={"type": "month"}, format="%Y-%m"), error_messages={"invalid": "请按 年-月 填写月份"})
    done = forms.CharField(label="本月完成情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    milestone = forms.ModelChoiceField(label="对应节点", queryset=Milestone.objects.none(), required=False)
    problems = forms.CharField(label="存在问题", max_length=2000, required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.CharField(label="佐证材料", max_length=2000, required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, task: Task, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["milestone"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101
        field.queryset = Milestone.objects.filter(task=task)
        if editing:
            del self.fields["month"]


class ReviewForm(forms.Form):
    result = forms.ChoiceField(label="审核结果", choices=ReviewResult.choices, widget=forms.RadioSelect)
    note = forms.CharField(label="审核意见", max_length=500, required=False, help_text="退回补充时必填")


class AnnualForm(forms.Form):
    score = forms.DecimalField(label="得分", min_value=0, max_value=100, decimal_places=1)
    comments = forms.CharField(label="述评意见", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class QuarterForm(forms.Form):
    quarter = forms.TypedChoiceField(label="季度", coerce=int, choices=[(q, f"第{q}季度") for q in range(1, 5)])
    held_on = forms.DateField(label="召开日期", widget=DATE)
    summary = forms.CharField(label="调度情况", max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))
