"""What 一横's lists part registers with the ground (called by ``cobuild.hooks.register``): navigation (三张清单),
the home page's figures (需求对接率, 盘活闲置资源), audit labels, links from the audit log and where the
lists' rows belong in the tree (a resource: its unit's node; a match: the need's community)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from zongheng.core.access import in_scope
from zongheng.core.audit import register_org_path
from zongheng.core.audit_display import register_actions, register_object_url, url_by_pk
from zongheng.core.permissions import Perm
from zongheng.core.todo import register_figure

AUDIT_ACTIONS = {
    "cobuild.need_create": "登记需求", "cobuild.need_update": "修改需求", "cobuild.need_close": "关闭需求",
    "cobuild.resource_create": "登记资源", "cobuild.resource_update": "修改资源",
    "cobuild.service_create": "登记服务", "cobuild.service_update": "修改服务",
    "cobuild.match_accept": "确认资源对接", "cobuild.match_agreement": "资源对接新建认领书",
}


def _resource_path(resource: Any) -> str:
    return str(resource.unit_path)


def _match_path(match: Any) -> str:
    return str(match.need.org_path)


def register() -> None:
    from .figures_lists import home_figures

    register_actions(AUDIT_ACTIONS)
    register_org_path("cobuild.resource", _resource_path)
    register_org_path("cobuild.match", _match_path)
    register_object_url("cobuild.need", url_by_pk("cobuild:need_detail"), Perm.COBUILD_VIEW)
    register_object_url("cobuild.resource", url_by_pk("cobuild:resource_detail"), Perm.COBUILD_VIEW)
    register_object_url("cobuild.service", url_by_pk("cobuild:service_edit"), Perm.COBUILD_CHANGE)
    register_figure(45, "cobuild_lists", home_figures)
    from zongheng.demands.suggest import register_whistle_suggester

    from .matching import units_for_demand

    register_whistle_suggester("cobuild.units", lambda demand: [u.org_path for u in units_for_demand(demand)])
    from zongheng.demands.related import register_demand_link, register_session_link

    register_demand_link("cobuild.need", _demand_need_link)
    register_session_link("cobuild.need", _session_need_link)


def _demand_need_link(user: Any, demand: Any) -> tuple[str, str] | None:
    """On a demand's page, for who may list its community's needs: 转为需求清单 (one step), or the need it became."""
    from .models import Need

    if not in_scope(user, Perm.COBUILD_CHANGE, demand.grid_path):
        return None
    need_id = Need.objects.filter(demand=demand).values_list("pk", flat=True).first()
    if need_id:
        return "查看转成的需求", reverse("cobuild:need_detail", args=[need_id])
    return "转为需求清单", f"{reverse('cobuild:need_new')}?demand={demand.pk}"


def _session_need_link(user: Any, session: Any) -> tuple[str, str] | None:
    if not in_scope(user, Perm.COBUILD_CHANGE, session.org.path):
        return None
    return "把这次听到的需求列入需求清单", f"{reverse('cobuild:need_new')}?session={session.pk}"
