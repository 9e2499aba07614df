"""Permission-matrix rows of the ground's linkage pages: 我的待办 and its figures, the warnings list and export,
the API.

Every signed-in user may open them (``any_user``): each reads only the warnings addressed to the
user or lying in their scope; a warning of another community answers 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from zongheng.core.models import EarlyWarning
from zongheng.core.permissions import Perm


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    at = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)
    warning = EarlyWarning.objects.create(
        rule="demand.overdue", key=f"matrix:{grid.pk}", perm=Perm.DEMAND_VIEW, org_path=grid.path,
        org_name=grid.name, title=f"{grid.name} 的测试预警", url=reverse("orgs:org", args=[grid.pk]),
        due_at=at - dt.timedelta(days=1), opened_at=at)
    return {"warning": warning}


def routes(Route: Any) -> list[Any]:
    return [
        Route("core:todo", any_user=True),
        Route("core:todo_figures", any_user=True),  # the figures of the user's own scope only
        Route("core:warnings", any_user=True),
        Route("core:warnings_export", any_user=True),
        Route("api:list_warnings", api=True, any_user=True),
        Route("api:get_warning", lambda o: {"id": o["warning"].pk}, api=True, any_user=True),
    ]
