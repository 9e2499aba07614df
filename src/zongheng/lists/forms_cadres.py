"""Forms of the cadre records. They only check the shape of the input; the person, the cited work and every rule
are checked by the ``do_*`` actions of ``actions_cadres`` (their ``ActionError`` is shown on the form)."""

from __future__ import annotations

from typing import Any

from django import forms

DATE = forms.DateInput(attrs={"type": "date"})


class _CitingForm(forms.Form):
    """The person (a radio of the person search) and the cited work (checkboxes of the work picker) are read from
    the raw data and checked by the action; ``period`` names the field whose change reloads the work picker."""

    period = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from django.urls import reverse

        super().__init__(*args, **kwargs)
        self.fields[self.period].widget.attrs.update({
            "hx-get": reverse("lists:cadre_pick_work") + ("?for=promotion" if self.period == "promoted_on" else ""),
            "hx-include": include(self.period), "hx-target": "#work-results", "hx-trigger": "change"})

    def person(self) -> str:
        return str(self.data.get("person") or "")[:20]

    def cited(self) -> list[str]:
        return [str(v)[:40] for v in self.data.getlist("work")[:100]] if hasattr(self.data, "getlist") else []


class StarForm(_CitingForm):
    period = "month"
    month = forms.CharField(label="评选月份", max_length=7, widget=forms.TextInput(attrs={"type": "month"}),
                            error_messages={"required": "请选择评选月份"})
    deeds = forms.CharField(label="事迹（简要）", max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                            error_messages={"required": "请填写事迹", "max_length": "事迹最多 500 个字"})


class PromotionForm(_CitingForm):
    period = "promoted_on"
    promoted_on = forms.DateField(label="任职日期", widget=DATE,
                                  error_messages={"required": "请填写任职日期", "invalid": "请填写正确的日期"})
    from_post = forms.CharField(label="原职务", max_length=100, error_messages={"required": "请填写原职务"})
    to_post = forms.CharField(label="新职务", max_length=100, error_messages={"required": "请填写新职务"})
    doc_no = forms.CharField(label="任职文号（选填）", max_length=60, required=False)
    reason = forms.CharField(label="提拔理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请填写提拔理由", "max_length": "提拔理由最多 500 个字"})


def include(period: str) -> str:
    """What the work picker's request carries: the person, the period and the ticked work (never the CSRF token)."""
    return f"[name=person]:checked, [name={period}], [name=work]:checked"


def data_of(form: _CitingForm) -> dict[str, Any]:
    return {**form.cleaned_data, "person": form.person(), "work": form.cited()}
