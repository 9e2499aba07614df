"""Residents' writes from the public pages: a new demand with photos, or "add me to this one";
and the per-client limits of anonymous callers.

One bucket per client: a web-form submission, a "this is my problem too" and an Open311 POST
without ``api_key`` all count against the same ``DEMAND_PUBLIC_PER_HOUR`` (``client_of`` gives
the same key for both doors). Each is counted in the database (``ClientHit``), in the same
transaction as the write, after locking the client's ``ClientBucket`` row, so concurrent
submissions of one client are counted one after the other (the limit holds across processes
and machines) and a refused or failed submission is not counted. Failed tracking-code lookups
are counted the same way (``DEMAND_TRACK_FAILS_PER_HOUR``, default 30); past the limit every
lookup of that client is refused for the rest of the hour. The demand itself is written by
``actions.do_submit_demand`` / ``actions.do_follow_demand``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from zongheng.core import audit
from zongheng.core.errors import ActionError
from zongheng.core.middleware import client_ip

from . import actions, suggest
from .choices import Channel
from .models import ClientBucket, ClientHit, Demand, DemandPhoto
from .photos import CleanPhoto

WINDOW = dt.timedelta(hours=1)
KEEP = dt.timedelta(days=1)
SUBMIT, TRACK = "submit", "track"


def limit() -> int:
    return int(getattr(settings, "DEMAND_PUBLIC_PER_HOUR", 5))


def track_limit() -> int:
    return int(getattr(settings, "DEMAND_TRACK_FAILS_PER_HOUR", 30))


def client_key(address: str) -> str:
    """A keyed hash of the client's address: countable, but the address is not stored."""
    return hmac.new(settings.SECRET_KEY.encode(), f"demand-client:{address}".encode(), hashlib.sha256).hexdigest()


def client_of(request: HttpRequest) -> str:
    """The client key of an anonymous request — the same for the web form, tracking and Open311,
    from the address the audit log records (``core.middleware.client_ip``: behind a proxy, the
    header named by ``CLIENT_IP_HEADER``)."""
    return client_key(client_ip(request) or "")


def _lock_bucket(client: str, now: dt.datetime) -> None:
    """Takes the client's bucket row lock in one statement: ``INSERT … ON CONFLICT (client) DO UPDATE``
    creates the row on first use or updates it, and either way holds its lock until the transaction
    ends (a concurrent request of the same client waits for it; PostgreSQL and SQLite alike).

    Written as SQL (table and column names from the model): it runs on every public submission.
    """
    qn, table = connection.ops.quote_name, ClientBucket._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(table)} (client, touched_at) VALUES (%s, %s) "  # noqa: S608
            "ON CONFLICT (client) DO UPDATE SET touched_at = excluded.touched_at",
            [client, connection.ops.adapt_datetimefield_value(now)],
        )


def _count_and_add(client: str, kind: str, now: dt.datetime, below: int) -> bool:
    """Adds one hit of ``kind`` for ``client`` if it has fewer than ``below`` in the last hour; one
    statement (``INSERT … SELECT … WHERE (SELECT COUNT(*) …) < below``). False: refused, nothing added."""
    qn, table = connection.ops.quote_name, ClientHit._meta.db_table
    at, since = (connection.ops.adapt_datetimefield_value(t) for t in (now, now - WINDOW))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(table)} (client, kind, at) SELECT %s, %s, %s "  # noqa: S608
            f"WHERE (SELECT COUNT(*) FROM {qn(table)} WHERE client = %s AND kind = %s AND at > %s) < %s",
            [client, kind, at, client, kind, since, below],
        )
        return cursor.rowcount == 1


def _count(client: str, kind: str, now: dt.datetime) -> int:
    return ClientHit.objects.filter(client=client, kind=kind, at__gt=now - WINDOW).count()


def _throttle(client: str, now: dt.datetime) -> None:
    """Counts one submission of ``client`` (call inside the submission's transaction) or refuses it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("_throttle must run inside the submission's transaction")
    _lock_bucket(client, now)  # hits older than a day are dropped by the sweep (purge_client_hits)
    if not _count_and_add(client, SUBMIT, now, limit()):
        raise ActionError(
            f"您在一小时内已经提交了 {limit()} 次，请过一会儿再试。"
            "如果情况紧急，请直接拨打社区电话或到民心驿站反映。"
        )


def track_blocked(client: str, *, now: dt.datetime | None = None) -> bool:
    """Has ``client`` used up its failed tracking-code lookups for this hour?"""
    return _count(client, TRACK, now or timezone.now()) >= track_limit()


@transaction.atomic
def record_track_failure(client: str, *, now: dt.datetime | None = None) -> None:
    """One wrong tracking code tried by ``client`` (nothing of the code is kept)."""
    now = now or timezone.now()
    _lock_bucket(client, now)
    ClientHit.objects.filter(client=client, at__lt=now - KEEP).delete()
    ClientHit.objects.create(client=client, kind=TRACK, at=now)


def purge_client_hits(now: dt.datetime | None = None) -> int:
    """Drops counted hits and idle buckets older than a day (run by the periodic sweep)."""
    now = now or timezone.now()
    hits, _ = ClientHit.objects.filter(at__lt=now - KEEP).delete()
    ClientBucket.objects.filter(touched_at__lt=now - KEEP).delete()
    return hits


def receiver_for(address: str) -> Any:
    """The organisation that receives a demand whose grid is unknown (never None once grids exist)."""
    receiver = suggest.intake_org(address)
    if receiver is None:
        raise ActionError("暂时无法受理：还没有设置网格，请直接联系所在社区")
    return receiver


@transaction.atomic
def do_submit_public(data: dict[str, Any], photos: list[CleanPhoto], client: str, *,
                     now: dt.datetime | None = None) -> tuple[Demand, str]:
    """A resident's own demand from the online form (channel 网上提交), with up to three clean photos.

    ``data["grid"]`` None ("我不清楚"): the demand goes to ``suggest.intake_org`` of its address (the
    community, street or district), received, for staff to assign its grid.
    """
    now = now or timezone.now()
    _throttle(client, now)
    data = {**data, "channel": Channel.WEB}
    if data.get("grid") is None:
        data["grid"] = receiver_for(data.get("address", ""))
    demand, code = actions.submit_demand(None, data, now=now, allow_unplaced=True)  # in this transaction
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
