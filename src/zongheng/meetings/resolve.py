"""Scoped lookups for references arriving from forms and the API (one door each, one message)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm
from zongheng.orgs.choices import OrgKind
from zongheng.orgs.models import Org, Person
from zongheng.orgs.resolve import as_pk, org_choices, pick_one, refusal, resolve_org

from .models import MeetingType


def meeting_org_choices(user: Any) -> QuerySet[Org]:
    """Organisations whose meetings the user may schedule and record."""
    return org_choices(user, Perm.MEETING_CHANGE, kinds=[OrgKind.REGULAR], exclude_levels=["household"])


def resolve_meeting_org(user: Any, value: Any) -> Org:
    return resolve_org(user, Perm.MEETING_CHANGE, value, kinds=[OrgKind.REGULAR], exclude_levels=["household"],
                       label="召开组织")


def resolve_owner_org(user: Any, value: Any) -> Org:
    """责任组织 of a resolution: any organisation in the user's meeting.change scope."""
    return resolve_org(user, Perm.MEETING_CHANGE, value, label="责任组织")


def owner_person_choices(user: Any) -> QuerySet[Person]:
    return Person.objects.restrict(user, Perm.PERSON_VIEW)


def resolve_owner_person(user: Any, value: Any) -> Person:
    return pick_one(owner_person_choices(user), value, refusal("责任人"))


def resolve_type(value: Any, *, enabled: bool = True) -> MeetingType:
    qs = MeetingType.objects.filter(enabled=True) if enabled else MeetingType.objects.all()
    found = qs.filter(code=str(value or "")[:32]).first() if not str(value or "").isdigit() else \
        qs.filter(pk=int(str(value))).first()
    if found is None:
        from zongheng.core.errors import ActionError

        raise ActionError("会议类型不存在或尚未启用")
    return found


def opt_in_choices(user: Any, mtype: MeetingType) -> QuerySet[Org]:
    """Organisations a type may be switched on for (opt-in): of its levels, where the user configures meetings."""
    return Org.objects.restrict(user, Perm.MEETING_CONFIGURE).filter(level__in=mtype.levels.all())


def resolve_opt_in_orgs(user: Any, mtype: MeetingType, values: list[Any]) -> list[Org]:
    """The organisations to add to a type's selection: each among ``opt_in_choices`` (one message for all)."""
    pks = {as_pk(v) for v in values}
    found = list(opt_in_choices(user, mtype).filter(pk__in=pks - {None}))
    if None in pks or len(found) != len(pks):
        raise ActionError(refusal("选定组织") + f"（须为“{mtype.name}”适用层级的组织）")
    return found
