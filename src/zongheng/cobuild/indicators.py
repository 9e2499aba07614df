"""The co-building module's standardisation indicator (registered in ``hooks_agreements.py``): 结对共建活动达标率.

For each organisation (its subtree): of the pairings (结对共建) running on the quarter's reading day (its last
day, or today while it runs), those keeping pace with their yearly minimum of joint activities — the one pace
rule of ``pace.py`` that the pairing pages and the warning rule read. One query for all the organisations
(the pairings are few: tens per district), folded by path prefix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse

from zongheng.core.access import steplen
from zongheng.core.indicators import OrgRef, Quarter, Reading, common_prefix

from .models import Pairing
from .pace import pace, with_held

CODE = "cobuild.pairing_pace"


def on_pace(orgs: Sequence[OrgRef], quarter: Quarter, now: dt.datetime) -> dict[int, Reading]:
    day = quarter.reading_day(now)
    by_path = {o.path: o.id for o in orgs}
    running = dict.fromkeys(by_path.values(), 0)
    kept = dict.fromkeys(by_path.values(), 0)
    running_q = Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))
    rows = with_held(Pairing.objects.filter(running_q, org_path__startswith=common_prefix(by_path)), day)
    step = steplen()
    for pairing in rows:
        behind = pace(pairing, day).behind
        for k in range(step, len(pairing.org_path) + 1, step):
            org_id = by_path.get(pairing.org_path[:k])
            if org_id is not None:
                running[org_id] += 1
                kept[org_id] += not behind
    url = reverse("cobuild:pairings")
    return {o.id: Reading.ratio(kept[o.id], running[o.id], f"{url}?{urlencode({'org': o.id, 'active': 1})}")
            for o in orgs}


def register() -> None:
    from zongheng.core.indicators import register_indicator

    register_indicator(CODE, "结对共建活动达标率", (), on_pace,
                       "本组织及下级在结的结对共建中，共建活动次数跟上每年最低次数进度的占比（与结对预警同一规则）")
