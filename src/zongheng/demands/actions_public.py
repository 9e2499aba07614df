"""Residents' writes from the public pages: a new demand with photos, or "add me to this one".

Each call is counted against the client's rate limit in the database (``ClientHit``), in the
same transaction as the write: a refused or failed submission is not counted, and the limit
holds across processes and machines. The demand itself is written by ``actions.do_submit_demand``
/ ``actions.do_follow_demand``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from zongheng.core import audit
from zongheng.core.errors import ActionError

from . import actions
from .choices import Channel
from .models import ClientHit, Demand, DemandPhoto
from .photos import CleanPhoto

WINDOW = dt.timedelta(hours=1)
KEEP = dt.timedelta(days=1)


def limit() -> int:
    return int(getattr(settings, "DEMAND_PUBLIC_PER_HOUR", 5))


def client_key(address: str) -> str:
    """A keyed hash of the client's address: countable, but the address is not stored."""
    return hmac.new(settings.SECRET_KEY.encode(), f"demand-client:{address}".encode(), hashlib.sha256).hexdigest()


def _throttle(client: str, now: dt.datetime) -> None:
    ClientHit.objects.filter(client=client, at__lt=now - KEEP).delete()
    if ClientHit.objects.filter(client=client, at__gt=now - WINDOW).count() >= limit():
        raise ActionError(
            f"您在一小时内已经提交了 {limit()} 次，请过一会儿再试。"
            "如果情况紧急，请直接拨打社区电话或到民心驿站反映。"
        )
    ClientHit.objects.create(client=client, at=now)


@transaction.atomic
def do_submit_public(data: dict[str, Any], photos: list[CleanPhoto], client: str, *,
                     now: dt.datetime | None = None) -> tuple[Demand, str]:
    """A resident's own demand from the online form (channel 网上提交), with up to three clean photos."""
    now = now or timezone.now()
    _throttle(client, now)
    demand, code = actions.do_submit_demand(None, {**data, "channel": Channel.WEB}, now=now)
    for photo in photos:
        DemandPhoto.objects.create(demand=demand, image=photo.as_file())
    if photos:
        audit.record(actions.RESIDENT, "demand.photos", demand, after={"photos": len(photos)})
    return demand, code


@transaction.atomic
def do_follow_public(demand: Demand, phone: str, client: str, *, now: dt.datetime | None = None) -> str:
    """"This is my problem too": the resident follows an open demand and gets their own tracking code."""
    _throttle(client, now or timezone.now())
    return actions.do_follow_demand(demand, phone)
