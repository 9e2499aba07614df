"""What 一横 registers with the ground (``CobuildConfig.ready``): each part (units and councils, agreements
and pairings, the lists) registers its navigation, landing, warning rules, to-do items, figures and audit
labels from its own ``hooks_*`` module; ``metrics`` registers 一张网's horizontal figures."""

from __future__ import annotations

from typing import Any

from zongheng.core.nav import register_nav
from zongheng.core.permissions import Perm

from . import hooks_agreements, hooks_lists, hooks_units


def register() -> None:
    from zongheng.core.paths import register_on_move, register_path_copy

    from . import models as m

    register_path_copy(m.Unit, "org_path")
    for side in (m.Council, m.Need, m.Service):
        register_path_copy(side, "org_path")
    for both in (m.Agreement, m.AgreementItem, m.Pairing):
        register_path_copy(both, "org_path", "unit_path")
    register_path_copy(m.Resource, "unit_path", "place_path")
    register_on_move("cobuild.unit_place", _unit_moved)
    register_nav(45, "cobuild:home", "共驻共建", Perm.COBUILD_VIEW)  # one entry: the hub links every part
    hooks_units.register()
    hooks_agreements.register()
    hooks_lists.register()
    from . import metrics

    metrics.register()  # 一张网's horizontal panel


def _unit_moved(org: Any, new_parent: Any) -> None:
    """A unit's node moved in the tree (组织体系 › 调整隶属): the unit now sits where its node hangs."""
    from .models import Unit

    Unit.objects.filter(org=org).update(place=new_parent)
