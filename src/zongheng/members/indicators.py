"""The members module's standardisation indicator (registered in ``hooks_visits.py``): 联系户走访覆盖率.

Front-line work at the household level (党员中心户 visiting the 5–15 households linked to it, 民情日记): for
each organisation (its subtree), of the linked households, those visited at least once in the quarter (by
its reading day). Two GROUP BYs per depth (``core.indicators.prefix_groups``), whatever the number of
organisations; the value opens the 民情日记 list of that organisation and year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from zongheng.core.indicators import OrgRef, Quarter, Reading, prefix_groups
from zongheng.orgs.models import LinkedHousehold

from .models import Visit

CODE = "member.visit_coverage"


def coverage(orgs: Sequence[OrgRef], quarter: Quarter, now: dt.datetime) -> dict[int, Reading]:
    households = prefix_groups(LinkedHousehold.objects.all(), "central__path", orgs, n=Count("pk"))
    visits = Visit.objects.filter(visited_on__gte=quarter.start, visited_on__lte=quarter.reading_day(now))
    visited = prefix_groups(visits, "org_path", orgs, n=Count("household_id", distinct=True))
    url = reverse("members:visits")
    return {o.id: Reading.ratio(visited.get(o.id, {}).get("n", 0), households.get(o.id, {}).get("n", 0),
                                f"{url}?{urlencode({'org': o.id, 'year': quarter.year})}") for o in orgs}


def register() -> None:
    from zongheng.core.indicators import register_indicator

    register_indicator(CODE, "联系户走访覆盖率", (), coverage,
                       "本组织及下级党员中心户的联系户中，本季度至少走访过一次（民情日记）的占比")
