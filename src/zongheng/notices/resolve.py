"""The scoped lookups of 一传到底: the sending organisation, the target subtrees, a saved list.

Every door (the compose page, the API) goes through these, so a forged id is refused with the
same Chinese message as a missing one, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from zongheng.core.errors import ActionError
from zongheng.core.permissions import Perm, Role
from zongheng.orgs.models import Level, Org, Person
from zongheng.orgs.resolve import as_pk, org_choices, pick_one, refusal, resolve_org

from .models import RecipientList


def sender_org_choices(user: Any) -> QuerySet[Org]:
    return org_choices(user, Perm.NOTICE_SEND)


def resolve_sender_org(user: Any, value: Any) -> Org:
    """The organisation in whose name the notice goes: the user must hold notice.send there."""
    return resolve_org(user, Perm.NOTICE_SEND, value, label="发文组织")


def resolve_owner_org(user: Any, value: Any) -> Org:
    """所属组织 of a saved list: an organisation where the user holds notice.send."""
    return resolve_org(user, Perm.NOTICE_SEND, value, label="所属组织")


def resolve_targets(user: Any, sender_org: Org, values: Iterable[Any], *, label: str = "接收组织") -> list[Org]:
    """The subtrees the notice (or a saved list) goes to: each inside the sender (owner) organisation, and
    so in scope. One query."""
    raw = list(values)
    pks = {as_pk(v) for v in raw}
    if None in pks:
        raise ActionError(refusal(label))
    if not pks:
        return []
    found = list(sender_org_choices(user).filter(pk__in=pks, path__startswith=sender_org.path))
    if len(found) != len(pks):
        raise ActionError(refusal(label) + f"（须在{sender_org.name}之下）")
    return found


def resolve_levels(values: Iterable[str]) -> list[str]:
    codes = sorted({str(v) for v in values if str(v)})
    known = set(Level.objects.filter(code__in=codes).values_list("code", flat=True))
    if set(codes) - known:
        raise ActionError("所选层级不存在")
    return codes


def resolve_roles(values: Iterable[str]) -> list[str]:
    roles = sorted({str(v) for v in values if str(v)})
    if set(roles) - set(Role.values):
        raise ActionError("所选职务不存在")
    return roles


def list_choices(user: Any) -> QuerySet[RecipientList]:
    return RecipientList.objects.restrict(user, Perm.NOTICE_SEND).select_related("owner_org")


def resolve_list(user: Any, value: Any) -> RecipientList | None:
    if value in (None, "", 0, "0"):
        return None
    return pick_one(list_choices(user), value, refusal("名单"))


def people_choices(user: Any) -> QuerySet[Person]:
    """People a saved list may name: those of the subtrees where the user holds notice.send."""
    from zongheng.core.access import path_q, scope_paths

    return Person.objects.filter(path_q("org_path", scope_paths(user, Perm.NOTICE_SEND)))


def resolve_people(owner_org: Org, values: Iterable[Any]) -> list[Person]:
    """People of a saved list: each inside ``owner_org``'s subtree (one query; one message for all)."""
    pks = {as_pk(v) for v in values}
    if None in pks:
        raise ActionError(refusal("人员"))
    found = list(Person.objects.filter(pk__in=pks, org_path__startswith=owner_org.path))
    if len(found) != len(pks):
        raise ActionError(refusal("人员") + f"（须在{owner_org.name}之下）")
    return found
