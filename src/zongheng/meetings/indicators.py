"""The meetings module's standardisation indicator (registered in ``hooks.py``): 会议按期召开率.

For each organisation, every meeting it had to hold (each enabled type that applies to it, each period of
the type's cadence that ends inside the quarter and is over) counts once; those held on time (with quorum,
before the period's end) count as met — the same ``compliance`` the compliance page and the warning rule
read, over the organisations the type applies to. A few queries per type and period, whatever the number of
organisations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from urllib.parse import urlencode

from django.urls import reverse

from zongheng.core.indicators import OrgRef, Quarter, Reading
from zongheng.orgs.models import Org

from .choices import Compliance
from .models import MeetingType
from .periods import periods_of_year
from .selectors import applicable_orgs, compliance

CODE = "meeting.on_time"


def due_in(mtype: MeetingType, quarter: Quarter, now: dt.datetime) -> list[object]:
    """The type's periods that end inside the quarter and are over at ``now``."""
    return [p for p in periods_of_year(mtype.cadence, quarter.year)
            if quarter.start < p.end <= quarter.end and p.ends_at <= now
            and (not mtype.since or mtype.since <= p.start)]


def on_time(orgs: Sequence[OrgRef], quarter: Quarter, now: dt.datetime) -> dict[int, Reading]:
    ids = [o.id for o in orgs]
    org_qs = Org.objects.filter(pk__in=ids)
    held: dict[int, int] = dict.fromkeys(ids, 0)
    due: dict[int, int] = dict.fromkeys(ids, 0)
    for mtype in MeetingType.objects.filter(enabled=True).order_by("id"):
        for period in due_in(mtype, quarter, now):
            required = applicable_orgs(mtype, org_qs, period).only("pk")  # type: ignore[arg-type]
            for org_id, cell in compliance(mtype, period, required, now).items():  # type: ignore[arg-type]
                if cell.status in (Compliance.ON_TIME, Compliance.LATE, Compliance.NOT_HELD):
                    due[org_id] += 1
                    held[org_id] += cell.status == Compliance.ON_TIME
    url = reverse("meetings:list")
    return {o.id: Reading.ratio(held[o.id], due[o.id], f"{url}?{urlencode({'org': o.id, 'status': 'held'})}")
            for o in orgs}


def register() -> None:
    from zongheng.core.indicators import register_indicator

    register_indicator(CODE, "会议按期召开率", (), on_time,
                       "本季度内到期的各类会议（联席会议、三会一课等按配置的周期），按期召开（达到法定人数）的占比")
