"""Warning rules of the inspections (registered by ``hooks_inspections``), set-based and reading the clock passed in:

- ``lists.rectification_overdue`` 整改事项逾期未销号: an item past its deadline (``due_on``) and not 已销号 —
  addressed to its owner organisation and its responsible person; the levels above (the organiser among them)
  see it through ``list.view`` on their subtree. A report followed by 销号 clears it; a return past due keeps
  (or reopens) it.
- ``lists.rectification_unverified`` 整改报告待核验超期: a report waiting for verification more than
  ``VERIFY_DAYS`` days — addressed to the organising organisation (seen with ``inspection.run`` there or above)
  and to the target's team leader.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse

from zongheng.core.warnings import Due

from .choices_inspections import VERIFY_DAYS, RectState
from .warnings_tasks import day_end, today_of

RECT_OVERDUE = "lists.rectification_overdue"
RECT_UNVERIFIED = "lists.rectification_unverified"


def find_overdue(now: dt.datetime) -> Iterator[Due]:
    """One query."""
    from .models_inspections import Rectification
    from .selectors_inspections import overdue_q

    rows = (Rectification.objects.filter(overdue_q(today_of(now)))
            .values_list("pk", "title", "due_on", "org_path", "org__name", "responsible_id", "round__title")
            .order_by("pk"))
    for pk, title, due_on, path, org_name, person_id, round_title in rows.iterator(chunk_size=2000):
        yield Due(key=str(pk), org_path=path, org_name=org_name, person_id=person_id,
                  title=f"{org_name}：{round_title[:40]}整改事项“{title[:60]}”{due_on:%Y-%m-%d}到期未销号",
                  url=reverse("lists:inspection_rect", args=[pk]), due_at=day_end(due_on))


def find_unverified(now: dt.datetime) -> Iterator[Due]:
    """One query."""
    from .models_inspections import Rectification

    rows = (Rectification.objects.filter(state=RectState.REPORTED,
                                         state_since__lt=now - dt.timedelta(days=VERIFY_DAYS))
            .values_list("pk", "title", "state_since", "org__name", "round__org_path", "round__org__name",
                         "target__team__leader_id")
            .order_by("pk"))
    for pk, title, since, owner, path, organiser, leader_id in rows.iterator(chunk_size=2000):
        yield Due(key=f"{pk}:{since:%Y%m%d%H%M%S}", org_path=path, org_name=organiser, person_id=leader_id,
                  title=f"{owner}整改事项“{title[:60]}”的整改报告逾{VERIFY_DAYS}日未核验",
                  url=reverse("lists:inspection_rect", args=[pk]), due_at=since + dt.timedelta(days=VERIFY_DAYS))
