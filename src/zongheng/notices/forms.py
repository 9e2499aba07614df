"""Forms of 一传到底. References (organisations, saved lists) go through ``notices.resolve``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from zongheng.core.access import scope_paths
from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm, Role
from zongheng.orgs.models import Level, Org
from zongheng.orgs.resolve import ResolvedChoiceField

from . import resolve
from .actions import Audience


class UncheckedMultipleChoiceField(forms.MultipleChoiceField):
    """Checkboxes whose values are checked by a resolver in ``clean`` (one message for forged ids)."""

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


def target_choices(user: Any) -> list[Org]:
    """What the compose page lists: the organisations where the user holds notice.send, and their
    children (deeper subtrees are reached through the API or a saved list). One query."""
    roots = scope_paths(user, Perm.NOTICE_SEND)
    q = Q(pk__in=[])
    for path in roots:
        q |= Q(path=path) | Q(path__startswith=path, depth=len(path) // 4 + 1)
    return list(Org.objects.filter(q).order_by("path"))


class ComposeForm(forms.Form):
    sender_org = ResolvedChoiceField(label="发文组织", help_text="以哪个组织的名义发出（须为您可发送通知的组织）")
    title = forms.CharField(label="标题", max_length=200)
    body = forms.CharField(label="正文", required=False, widget=forms.Textarea(attrs={"rows": 8}),
                           help_text="纯文本，空一行分段")
    targets = UncheckedMultipleChoiceField(label="接收组织（含其下级）", required=False,
                                           widget=forms.CheckboxSelectMultiple)
    levels = UncheckedMultipleChoiceField(label="只发给这些层级", required=False, widget=forms.CheckboxSelectMultiple,
                                          help_text="不选则不限层级")
    roles = UncheckedMultipleChoiceField(label="只发给这些职务", required=False, widget=forms.CheckboxSelectMultiple,
                                         help_text="不选则发给范围内全部党员和干部")
    saved_list = ResolvedChoiceField(label="或保存的名单", required=False)
    needs_ack = forms.BooleanField(label="需要回执", required=False, initial=True)
    due_at = forms.DateTimeField(label="回执截止时间", required=False,
                                 widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                 input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    remind_interval_hours = forms.IntegerField(label="催办间隔（小时）", min_value=1, max_value=720, initial=24,
                                               help_text="同一人两次催办至少间隔这么久")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        choices = target_choices(user)
        roots = set(scope_paths(user, Perm.NOTICE_SEND))
        sender = self.fields["sender_org"]
        assert isinstance(sender, ResolvedChoiceField)  # noqa: S101
        sender.queryset = Org.objects.filter(path__in=roots).order_by("path")
        if len(roots) == 1 and not self.is_bound:
            sender.initial = sender.queryset.first()
        sender.resolve = lambda value: resolve.resolve_sender_org(user, value)
        saved = self.fields["saved_list"]
        assert isinstance(saved, ResolvedChoiceField)  # noqa: S101
        saved.queryset = resolve.list_choices(user)
        saved.resolve = lambda value: resolve.resolve_list(user, value)
        self.fields["targets"].choices = [(o.pk, ("　" if o.path not in roots else "") + o.name) for o in choices]  # type: ignore[attr-defined]
        self.fields["levels"].choices = [(lv.code, lv.name) for lv in Level.objects.all()]  # type: ignore[attr-defined]
        self.fields["roles"].choices = [(r, label) for r, label in Role.choices if r != Role.AUDITOR]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        sender_org = data.get("sender_org")
        if sender_org is None:
            return data
        try:
            data["audience"] = Audience(
                orgs=tuple(resolve.resolve_targets(self.user, sender_org, data.get("targets") or [])),
                levels=tuple(resolve.resolve_levels(data.get("levels") or [])),
                roles=tuple(resolve.resolve_roles(data.get("roles") or [])),
                saved=data.get("saved_list"),
            )
        except ActionError as exc:
            raise forms.ValidationError(exc.message) from exc
        return data


class AckForm(forms.Form):
    reply = forms.CharField(label="回执留言（选填）", max_length=200, required=False,
                            widget=forms.TextInput(attrs={"placeholder": "如：已收到，将按要求落实"}))
