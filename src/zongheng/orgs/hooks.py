"""What the tree registers with the ground (``OrgsConfig.ready``): its navigation entries and
its landings — a cadre who maintains an organisation lands on its page, a household head on
their household's page, a member without a post on their own record.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from zongheng.core.access import scope_paths
from zongheng.core.landing import register_landing
from zongheng.core.nav import register_nav
from zongheng.core.permissions import Perm

from .models import Org


def _top_org(user: Any, perm: str) -> str | None:
    paths = scope_paths(user, perm)
    if not paths:
        return None
    org = Org.objects.filter(path=paths[0]).only("pk").first()
    return reverse("orgs:org", args=[org.pk]) if org else None


def _own_record(user: Any) -> str | None:
    return reverse("orgs:person", args=[user.person_id]) if user.person_id else None


def register() -> None:
    register_nav(10, "orgs:tree", "组织体系", Perm.ORG_VIEW)
    register_nav(20, "orgs:people", "人员", Perm.PERSON_VIEW)
    register_landing(10, "orgs.maintained_org", lambda user: _top_org(user, Perm.ORG_CHANGE))
    register_landing(30, "orgs.viewed_org", lambda user: _top_org(user, Perm.ORG_VIEW))
    register_landing(95, "orgs.own_record", _own_record)
