"""Background work of 民心零距离: the periodic escalation sweep.

``sweep()`` is the one place that runs the three time-driven steps in order; the
``demands_sweep`` command and the ``run_sweep`` task both call it. Each step handles one
demand per transaction and re-checks the condition under the row lock, so running the
sweep twice, or again after a crash half-way, changes nothing more than one run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.utils import timezone
from django_tasks import task


@dataclass
class SweepResult:
    escalated: int
    closed_unrated: int
    closed_rated: int

    def __str__(self) -> str:
        return (f"超时上报 {self.escalated} 件，超时未评价办结 {self.closed_unrated} 件，"
                f"重办期满办结 {self.closed_rated} 件")


def sweep(now: dt.datetime | None = None, *, limit: int | None = None) -> SweepResult:
    """Escalates overdue demands, then closes unrated answers and rated-but-unsatisfied ones.

    Also drops anonymous clients' rate-limit counters older than a day.
    """
    from . import actions
    from .actions_public import purge_client_hits

    now = now or timezone.now()
    purge_client_hits(now)  # rate-limit counters older than a day
    return SweepResult(
        escalated=actions.escalate_overdue(now, limit=limit),
        closed_unrated=actions.close_unrated(now),
        closed_rated=actions.close_rated(now),
    )


@task()
def run_sweep(now: str | None = None) -> dict[str, int]:
    """The sweep as a django-tasks job (``now``: ISO 8601, default the current time)."""
    when = dt.datetime.fromisoformat(now) if now else None
    if when is not None and timezone.is_naive(when):
        when = timezone.make_aware(when)
    return asdict(sweep(when))


@task()
def notify_holders(demand_id: int, org_id: int, text: str) -> int:
    """The notices of a new demand to the people of the organisation that holds it (``actions._holders``),
    sent by the worker after the resident's submission committed (the request does not wait for them)."""
    from zongheng.orgs.models import Org

    from .actions import _holders
    from .models import Demand, Notification

    org = Org.objects.filter(pk=org_id).first()
    if org is None or not Demand.objects.filter(pk=demand_id).exists():
        return 0
    made = Notification.objects.bulk_create([Notification(user=u, demand_id=demand_id, text=text[:200])
                                             for u in _holders(org)])
    return len(made)

