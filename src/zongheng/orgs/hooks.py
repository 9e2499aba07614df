"""What the tree registers with the ground (``OrgsConfig.ready``): the scope (posts in force,
roots, path geometry), where audited objects lie, its navigation entries, audit names and
links, and its landings — a cadre who maintains an organisation lands on its page, a household head on
their household's page, a member without a post on their own record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.urls import reverse

from zongheng.core import access, audit
from zongheng.core.access import scope_paths
from zongheng.core.audit_display import register_actions, register_object_url, register_org_finder, url_by_pk
from zongheng.core.landing import register_landing
from zongheng.core.nav import register_nav
from zongheng.core.paths import register_path_copy
from zongheng.core.permissions import Perm

from .models import Org, Person, Post


def _top_org(user: Any, perm: str) -> str | None:
    paths = scope_paths(user, perm)
    if not paths:
        return None
    org = access.post_org(user, paths[0]) or Org.objects.filter(path=paths[0]).only("pk").first()  # a superuser's root
    return reverse("orgs:org", args=[org.pk]) if org else None


def _own_record(user: Any) -> str | None:
    return reverse("orgs:person", args=[user.person_id]) if user.person_id else None


AUDIT_ACTIONS = {
    "org.create": "新建组织", "org.update": "修改组织", "org.move": "调整组织隶属",
    "person.create": "新建人员", "person.update": "修改人员", "person.import": "导入党员名册",
    "person.reveal.phone": "查看完整电话", "person.reveal.id_number": "查看完整身份证号",
    "person.reveal.address": "查看完整家庭住址",
    "post.create": "任职", "post.end": "离任",
    "team.create": "新建活动队伍", "team.update": "修改活动队伍", "team.delete": "撤销活动队伍",
    "team.participant.add": "加入活动队伍", "team.participant.remove": "退出活动队伍",
    "household.create": "添加联系户", "household.update": "修改联系户", "household.delete": "移除联系户",
    "demo.build": "生成演示数据", "org.grid_places_load": "导入网格地点和边界",
}


def _orgs_named(user: Any, text: str) -> list[str]:
    qs = Org.objects.restrict(user, Perm.AUDIT_VIEW).filter(name__contains=text[:40])
    return list(qs.values_list("path", flat=True)[:50])


def active_posts(person_id: int, today: dt.date) -> list[tuple[str, access.PostOrg]]:
    """(role, organisation) of a person's posts in force on ``today``: the tree's answer to core's scope."""
    rows = (Post.objects.filter(person_id=person_id, starts_on__lte=today)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
            .values_list("role", "org_id", "org__path", "org__name", "org__level__code", "org__level_id", "org__kind"))
    return [(role, access.PostOrg(pk, path, name, level, level_id, kind))
            for role, pk, path, name, level, level_id, kind in rows]


def root_paths() -> list[str]:
    return list(Org.objects.get_root_nodes().values_list("path", flat=True))


def org_names(paths: Any) -> dict[str, str]:
    """{path: name} of the organisations at ``paths`` (one query): core names child organisations with it."""
    return dict(Org.objects.filter(path__in=list(paths)).values_list("path", "name"))


def register() -> None:
    access.register_tree(steplen=Org.steplen, active_posts=active_posts, root_paths=root_paths, names=org_names)
    register_path_copy(Person, "org_path", "registered_path")
    # Where each audited object of this module lies in the tree (the auditor's scope).
    # Post, ActivityTeam, ImportJob (``org``) and Person (``org_path``) follow the conventions.
    audit.register_org_path("orgs.org", lambda org: org.path)
    audit.register_org_path("orgs.linkedhousehold", lambda household: household.central.path)
    register_actions(AUDIT_ACTIONS)
    register_object_url("orgs.org", url_by_pk("orgs:org"), Perm.ORG_VIEW)
    register_object_url("orgs.person", url_by_pk("orgs:person"), Perm.PERSON_VIEW)
    register_object_url("orgs.activityteam", url_by_pk("orgs:team"), Perm.ORG_VIEW)
    register_object_url("orgs.importjob", url_by_pk("orgs:import_job"), Perm.PERSON_IMPORT)
    register_org_finder(_orgs_named)
    register_nav(10, "orgs:tree", "组织体系", Perm.ORG_VIEW)
    from . import metrics

    metrics.register()
    register_nav(20, "orgs:people", "人员", Perm.PERSON_VIEW)
    register_landing(10, "orgs.maintained_org", lambda user: _top_org(user, Perm.ORG_CHANGE))
    register_landing(30, "orgs.viewed_org", lambda user: _top_org(user, Perm.ORG_VIEW))
    register_landing(95, "orgs.own_record", _own_record)
