"""Forms of 一传到底. References (organisations, saved lists, people) go through ``notices.resolve``.

The receiving organisations and a saved list's organisations are picked with the shared searchable
picker (``orgs.picker``, endpoint ``views.pick``) over the whole subtree of the organisations where
the user holds notice.send; a saved list's people with a person search limited to the owner
organisation's subtree (``views.list_people``, personal data masked). What is submitted is checked by
the resolvers, never by what a page showed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse

from zongheng.core.access import scope_paths
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm, Role
from zongheng.orgs.models import Level, Org, Person
from zongheng.orgs.picker import PickerWidget
from zongheng.orgs.resolve import ResolvedChoiceField, as_pk

from . import resolve
from .actions import Audience

TARGETS_HELP = "点一下输入框列出可发送的组织，输入文字筛选，可多选；选中的组织含其全部下级。同名组织按上级路径区分。"


class UncheckedMultipleChoiceField(forms.MultipleChoiceField):
    """Checkboxes whose values are checked by a resolver in ``clean`` (one message for forged ids)."""

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class PickedField(UncheckedMultipleChoiceField):
    """Values of a picker (ids, checked later by a resolver): any list of text is taken as it is."""

    def valid_value(self, value: Any) -> bool:
        return True


def picker_targets(user: Any) -> QuerySet[Org]:
    """What the organisation pickers search: the whole subtree of every organisation where the user
    holds notice.send (``resolve.sender_org_choices``, the resolvers' own choices)."""
    return resolve.sender_org_choices(user)


def _sender_field(field: forms.Field, user: Any, bound: bool, *, owner: bool = False) -> None:
    """发文组织 / 所属组织: the organisations where the user holds notice.send (a few: a select)."""
    assert isinstance(field, ResolvedChoiceField)  # noqa: S101
    roots = set(scope_paths(user, Perm.NOTICE_SEND))
    field.queryset = Org.objects.filter(path__in=roots).order_by("path")
    if len(roots) == 1 and not bound:
        field.initial = field.queryset.first()
    field.resolve = (lambda value: resolve.resolve_owner_org(user, value)) if owner else \
        (lambda value: resolve.resolve_sender_org(user, value))


class ComposeForm(forms.Form):
    sender_org = ResolvedChoiceField(label="发文组织", help_text="以哪个组织的名义发出（须为您可发送通知的组织）",
                                     error_messages={"required": "请选择发文组织"})
    title = forms.CharField(label="标题", max_length=200, error_messages={"required": "请填写通知标题"})
    body = forms.CharField(label="正文", required=False, widget=forms.Textarea(attrs={"rows": 8}),
                           help_text="纯文本，空一行分段")
    targets = PickedField(label="接收组织（含其下级，输入名称搜索）", required=False)
    levels = UncheckedMultipleChoiceField(label="只发给这些层级", required=False, widget=forms.CheckboxSelectMultiple,
                                          help_text="不选则不限层级")
    roles = UncheckedMultipleChoiceField(label="只发给这些职务", required=False, widget=forms.CheckboxSelectMultiple,
                                         help_text="不选则发给范围内全部党员和干部")
    saved_list = ResolvedChoiceField(label="或保存的名单", required=False)
    needs_ack = forms.BooleanField(label="需要回执", required=False, initial=True)
    due_at = forms.DateTimeField(label="回执截止时间", required=False,
                                 widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                                 input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                 error_messages={"invalid": "回执截止时间格式不正确"})
    remind_interval_hours = forms.IntegerField(label="催办间隔（小时）", min_value=1, max_value=720, initial=24,
                                               help_text="同一人两次催办至少间隔这么久")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        _sender_field(self.fields["sender_org"], user, self.is_bound)
        saved = self.fields["saved_list"]
        assert isinstance(saved, ResolvedChoiceField)  # noqa: S101
        saved.queryset = resolve.list_choices(user)
        saved.resolve = lambda value: resolve.resolve_list(user, value)
        self.fields["targets"].widget = PickerWidget(url=reverse("notices:pick"), multiple=True,
                                                     targets=picker_targets(user), help_text=TARGETS_HELP)
        self.fields["levels"].choices = [(lv.code, lv.name) for lv in Level.objects.all()]  # type: ignore[attr-defined]
        self.fields["roles"].choices = [(r, label) for r, label in Role.choices if r != Role.AUDITOR]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        sender_org = data.get("sender_org")
        if sender_org is None:
            return data
        try:
            data["audience"] = Audience(
                orgs=tuple(resolve.resolve_targets(self.user, sender_org, (data.get("targets") or [])[:200])),
                levels=tuple(resolve.resolve_levels(data.get("levels") or [])),
                roles=tuple(resolve.resolve_roles(data.get("roles") or [])),
                saved=data.get("saved_list"),
            )
        except ActionError as exc:
            raise forms.ValidationError(exc.message) from exc
        return data

    def action_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"title": d["title"], "body": d["body"], "sender_org": d["sender_org"], "needs_ack": d["needs_ack"],
                "due_at": d["due_at"], "remind_interval_hours": d["remind_interval_hours"] or 24}


def draft_initial(notice: Any) -> dict[str, Any]:
    """The compose form's values for a draft (修改草稿)."""
    from django.utils import timezone

    spec = notice.audience or {}
    saved = spec.get("list") or {}
    return {"sender_org": notice.sender_org_id, "title": notice.title, "body": notice.body,
            "targets": [o["id"] for o in spec.get("orgs", [])], "levels": spec.get("levels", []),
            "roles": spec.get("roles", []), "saved_list": saved.get("id"), "needs_ack": notice.needs_ack,
            "due_at": timezone.localtime(notice.due_at) if notice.due_at else None,
            "remind_interval_hours": notice.remind_interval_hours}


class AckForm(forms.Form):
    reply = forms.CharField(label="回执留言（选填）", max_length=200, required=False,
                            widget=forms.TextInput(attrs={"placeholder": "如：已收到，将按要求落实"}))


# ---------------------------------------------------------------- saved lists (保存的名单)


class PersonPickerWidget(forms.Widget):
    """A search box for people (``views.list_people``, limited to the owner organisation's subtree) and
    the people chosen now, looked up among ``people`` only (names and masked phones, nothing else)."""

    template_name = "notices/_person_picker_widget.html"

    def __init__(self, *, url: str, people: QuerySet[Person], attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.url, self.people = url, people

    def format_value(self, value: Any) -> list[Any]:  # type: ignore[override]  # several values
        if value in (None, ""):
            return []
        return [getattr(v, "pk", v) for v in (value if isinstance(value, list | tuple) else [value])]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        pks = [pk for pk in (as_pk(v) for v in context["widget"]["value"][:5000]) if pk is not None]
        chosen = list(self.people.filter(pk__in=pks).select_related("org").order_by("name", "pk")) if pks else []
        context["widget"].update(url=self.url, people=[(p, True) for p in chosen])
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False


class ListForm(forms.Form):
    name = forms.CharField(label="名单名称", max_length=100, error_messages={"required": "请填写名单名称"})
    owner_org = ResolvedChoiceField(label="所属组织", help_text="名单中的组织和人员须在该组织之下",
                                    error_messages={"required": "请选择所属组织"})
    orgs = PickedField(label="组织（含其下级，输入名称搜索）", required=False)
    persons = PickedField(label="人员（输入姓名搜索）", required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        _sender_field(self.fields["owner_org"], user, self.is_bound, owner=True)
        self.fields["owner_org"].widget.attrs["id"] = "id_owner_org"
        self.fields["orgs"].widget = PickerWidget(url=reverse("notices:pick") + "?field=orgs", multiple=True,
                                                  targets=picker_targets(user), help_text=TARGETS_HELP)
        self.fields["persons"].widget = PersonPickerWidget(url=reverse("notices:list_people"),
                                                           people=resolve.people_choices(user))

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        owner = data.get("owner_org")
        if owner is None:
            return data
        try:
            data["orgs"] = resolve.resolve_targets(self.user, owner, data.get("orgs") or [], label="组织")
            data["persons"] = resolve.resolve_people(owner, data.get("persons") or [])
        except ActionError as exc:
            raise forms.ValidationError(exc.message) from exc
        return data
