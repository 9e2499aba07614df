"""Forms of 民情日记: record a visit (under a minute on a phone) and correct one.

The household is offered as a plain select when the user may visit few (a central household head's 5–15),
otherwise as a search picker loaded on demand (``members:visit_pick``); either way the submitted id goes
through ``selectors_visits.resolve_household`` — the rule the API and the actions use too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone

from zongheng.core.errors import ActionError
from zongheng.demands.forms import PlainCharField

from .actions_visits import TEXT_MAX
from .models import Visit
from .selectors_visits import household_choices, household_label, resolve_household, visit_households


class HouseholdPickerWidget(forms.Widget):
    """A search box whose results (radio buttons named like the field) load on demand; the household chosen now
    is shown ticked (looked up among the user's households only, so a forged id shows nothing)."""

    template_name = "members/visits_household_picker.html"

    def __init__(self, *, url: str, user: Any, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.url, self.user = url, user

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        items = []
        pk = getattr(value, "pk", value)
        if str(pk or "").isdigit():
            chosen = visit_households(self.user).filter(pk=int(str(pk))).first()
            if chosen is not None:
                items = [(chosen, household_label(chosen), True)]
        context["widget"].update(url=self.url, items=items)
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False


class HouseholdField(forms.Field):
    """The household a visit names: ``resolve`` (value → household, or ActionError) decides what is accepted."""

    default_error_messages = {"required": "请选择走访的联系户"}

    def __init__(self, *args: Any, resolve: Callable[[Any], Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resolve = resolve

    def prepare_value(self, value: Any) -> Any:
        return getattr(value, "pk", value)

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if self.resolve is None:
            return value
        try:
            return self.resolve(value)
        except ActionError as exc:
            raise forms.ValidationError(exc.message, code="invalid_choice") from exc


class VisitForm(forms.Form):
    household = HouseholdField(label="联系户")
    visited_on = forms.DateField(label="走访日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                 error_messages={"required": "请填写走访日期", "invalid": "走访日期格式不正确"})
    raised = PlainCharField(label="群众反映的情况", required=False, max_length=TEXT_MAX,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="没有反映什么可以不填；最多 1000 个字")
    raise_demand = forms.BooleanField(label="转为居民诉求", required=False,
                                      help_text="勾选后，反映的情况马上登记为居民诉求（来源：民情日记），派给所在网格办理")
    follow_up = PlainCharField(label="跟进和答复", required=False, max_length=TEXT_MAX,
                               widget=forms.Textarea(attrs={"rows": 2}),
                               help_text="当场答复或后续跟进的情况，可以以后再补；最多 1000 个字")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("visited_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        field = self.fields["household"]
        field.resolve = lambda value: resolve_household(user, value)  # type: ignore[attr-defined]
        options, self.household_total = household_choices(user)
        if options is not None:
            field.widget = forms.Select(choices=[("", "请选择联系户"), *options])
        else:
            field.widget = HouseholdPickerWidget(url=reverse("members:visit_pick"), user=user)
            field.help_text = "点一下输入框列出您可走访的联系户，输入地址、户主或中心户名称筛选"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("raise_demand") and not (data.get("raised") or "").strip():
            self.add_error("raised", "转为居民诉求时，请填写群众反映的情况")
        return data


class VisitEditForm(forms.Form):
    raised = PlainCharField(label="群众反映的情况", required=False, max_length=TEXT_MAX,
                            widget=forms.Textarea(attrs={"rows": 3}))
    follow_up = PlainCharField(label="跟进和答复", required=False, max_length=TEXT_MAX,
                               widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, visit: Visit, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"raised": visit.raised, "follow_up": visit.follow_up})
        super().__init__(*args, **kwargs)
        if visit.demand_id:  # the concern became a demand: its text stands as it was
            self.fields["raised"].disabled = True
            self.fields["raised"].help_text = "已转为居民诉求，不能再修改"

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if not self.fields[k].disabled}
