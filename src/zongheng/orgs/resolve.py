"""One scoped lookup per kind of reference (DESIGN: "Three doors, one check").

A foreign key that arrives from a form, the API or an import row goes through the function
of its kind below, which checks scope and kind (level, type) in one query. A missing row,
a row out of scope and a row of the wrong kind are refused with the SAME Chinese message,
so no door tells a user that an organisation outside their scope exists.

Each kind has a ``*_choices`` queryset (what a form lists) and a ``resolve_*`` (what every
door accepts): the resolver picks from the choices, so a page can never offer, nor the API
accept, what the other refuses. Forms use ``ResolvedChoiceField`` to call the resolver.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet

from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm

from .choices import OrgKind
from .models import Level, Org, Person

# Levels a member registers with (双联双管报到): a community or a village.
REGISTER_LEVELS = ("community", "village")
# Levels that send a 书记助理 down to a community (派出单位).
SENDING_LEVELS = ("street", "township")


def as_pk(value: Any) -> int | None:
    """An id from a form (text), the API (int) or a model instance; None when it is not one."""
    if isinstance(value, Org | Person):
        value = value.pk
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**63 else None
    text = str(value).strip()
    return int(text) if text.isdigit() and 0 < int(text) < 2**63 else None


def pick_one(queryset: QuerySet[Any], value: Any, refused: str) -> Any:
    """The row of ``queryset`` (the choices a user may reference) with the id ``value``; one Chinese
    refusal for anything else — not an id, missing, or outside the choices alike."""
    pk = as_pk(value)
    found = queryset.filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise ActionError(refused)
    return found


def _level_names(levels: Iterable[str]) -> str:
    names = dict(Level.objects.filter(code__in=list(levels)).values_list("code", "name"))
    return "或".join(names.get(code, code) for code in levels)


def refusal(label: str, *, scoped: bool = True, levels: Iterable[str] | None = None) -> str:
    """The one message for missing, out of scope and wrong kind alike."""
    text = f"{label}不存在或不在您的管辖范围内" if scoped else f"找不到该{label}"
    if levels:
        text += f"（须为{_level_names(levels)}）"
    return text


# ---------------------------------------------------------------- organisations


def org_choices(
    user: Any,
    perm: str | None,
    *,
    levels: Iterable[str] | None = None,
    kinds: Iterable[str] | None = None,
    exclude_levels: Iterable[str] | None = None,
) -> QuerySet[Org]:
    """Organisations a reference may name: in the user's scope for ``perm`` (any org when None), of the kinds given."""
    qs = Org.objects.all() if perm is None else Org.objects.restrict(user, perm)
    if levels is not None:
        qs = qs.filter(level__code__in=list(levels))
    if exclude_levels is not None:
        qs = qs.exclude(level__code__in=list(exclude_levels))
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    return qs.select_related("level").order_by("path")


def resolve_org(
    user: Any,
    perm: str | None,
    value: Any,
    *,
    levels: Iterable[str] | None = None,
    kinds: Iterable[str] | None = None,
    exclude_levels: Iterable[str] | None = None,
    label: str = "组织",
) -> Org:
    """The organisation with id ``value`` among ``org_choices(...)``; else ActionError (one message for all)."""
    levels = tuple(levels) if levels is not None else None
    pk = as_pk(value)
    org = (
        org_choices(user, perm, levels=levels, kinds=kinds, exclude_levels=exclude_levels).filter(pk=pk).first()
        if pk is not None else None
    )
    if org is None:
        raise ActionError(refusal(label, scoped=perm is not None, levels=levels))
    return org


def resolve_orgs_by_text(
    choices: QuerySet[Org], texts: Iterable[str]
) -> dict[str, list[Org]]:
    """For an import: {text: the orgs among ``choices`` whose code, else whose full name, is that text}.

    One query per 400 texts, whatever the number of rows; a text that names nothing maps to [].
    """
    from django.db.models import Q

    wanted = sorted({t for t in texts if t})
    found: dict[str, list[Org]] = {t: [] for t in wanted}
    for start in range(0, len(wanted), 400):
        chunk = wanted[start:start + 400]
        by_code: dict[str, Org] = {}
        by_name: dict[str, list[Org]] = {}
        for org in choices.filter(Q(code__in=chunk) | Q(name__in=chunk)):
            if org.code in found:
                by_code[org.code] = org
            if org.name in found:
                by_name.setdefault(org.name, []).append(org)
        for text in chunk:
            found[text] = [by_code[text]] if text in by_code else by_name.get(text, [])
    return found


# The kinds of organisation reference, each with its rule.


def person_org_choices(user: Any) -> QuerySet[Org]:
    """所在（管理）组织 of a person: any organisation where the user may change people."""
    return org_choices(user, Perm.PERSON_CHANGE)


def resolve_person_org(user: Any, value: Any) -> Org:
    return resolve_org(user, Perm.PERSON_CHANGE, value, label="所选组织")


def registered_org_choices() -> QuerySet[Org]:
    """报到社区 (双联双管): any regular community or village — a member registers outside their own tree."""
    return org_choices(None, None, levels=REGISTER_LEVELS, kinds=[OrgKind.REGULAR])


def resolve_registered_org(value: Any) -> Org:
    return resolve_org(None, None, value, levels=REGISTER_LEVELS, kinds=[OrgKind.REGULAR], label="报到社区")


def resolve_post_org(user: Any, value: Any) -> Org:
    """任职组织: where the user may appoint (post.change)."""
    return resolve_org(user, Perm.POST_CHANGE, value, label="任职组织")


def move_parent_choices(user: Any) -> QuerySet[Org]:
    """新的上级组织: a regular organisation in the user's org.move scope (level checked by the action)."""
    return org_choices(user, Perm.ORG_MOVE, kinds=[OrgKind.REGULAR])


def resolve_move_parent(user: Any, value: Any) -> Org:
    return resolve_org(user, Perm.ORG_MOVE, value, kinds=[OrgKind.REGULAR], label="所选组织")


def sent_from_choices(org: Org) -> QuerySet[Org]:
    """派出单位 of a 书记助理 posted to ``org``: the street (or township) above it, and nothing else."""
    ancestors = [org.path[:end] for end in range(Org.steplen, len(org.path) + 1, Org.steplen)]
    return (
        Org.objects.filter(path__in=ancestors, level__code__in=SENDING_LEVELS, kind=OrgKind.REGULAR)
        .select_related("level").order_by("path")
    )


def resolve_sent_from(org: Org, value: Any) -> Org:
    return pick_one(sent_from_choices(org), value, "派出单位须为该组织所在的街道（乡镇）党组织")


# ---------------------------------------------------------------- people


def person_choices(user: Any, perm: str = Perm.PERSON_VIEW) -> QuerySet[Person]:
    return Person.objects.restrict(user, perm).select_related("org")


def resolve_person(user: Any, value: Any, *, perm: str = Perm.PERSON_VIEW, label: str = "所选人员") -> Person:
    return pick_one(person_choices(user, perm), value, refusal(label))


# ---------------------------------------------------------------- the form door


class _Indented:
    """Organisations listed with their depth shown by indentation."""

    def label_from_instance(self, obj: Any) -> str:
        depth = getattr(obj, "depth", None)
        return ("　" * max(depth - 1, 0) + obj.name) if depth else str(obj)


class ResolvedChoiceField(_Indented, forms.ModelChoiceField):
    """A select whose submitted value is checked by the same resolver as the API and the import.

    ``queryset`` is only what the page lists; ``resolve`` (value → object, or ActionError)
    decides what is accepted, and its Chinese message becomes the field's error.
    """

    def __init__(self, *args: Any, resolve: Callable[[Any], Any] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Org.objects.none())
        super().__init__(*args, **kwargs)
        self.resolve = resolve


    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if self.resolve is None:
            return super().to_python(value)
        try:
            return self.resolve(value)
        except ActionError as exc:
            raise forms.ValidationError(exc.message, code="invalid_choice") from exc

    def validate(self, value: Any) -> None:
        forms.Field.validate(self, value)


class ResolvedMultipleChoiceField(_Indented, forms.ModelMultipleChoiceField):
    """The multiple-choice sibling: ``resolve`` takes the list of submitted values, returns the objects."""

    def __init__(self, *args: Any, resolve: Callable[[list[Any]], list[Any]] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Org.objects.none())
        super().__init__(*args, **kwargs)
        self.resolve = resolve


    def clean(self, value: Any) -> Any:
        if self.resolve is None:
            return super().clean(value)
        value = self.prepare_value(value)
        if not value:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        if not isinstance(value, list | tuple):
            raise forms.ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        try:
            return self.resolve(list(value))
        except ActionError as exc:
            raise forms.ValidationError(exc.message, code="invalid_choice") from exc
