"""一传到底 on PostgreSQL: a notice to everyone under the district at scales 1, 10 and 100.

Usage (its own database; the data in it is replaced):

    .venv/bin/python bench/notices.py [--scales 1,10,100] \
        [--url postgres://postgres@127.0.0.1:5432/zh_bench_notices] [--reuse] [--drop]

1. Creates the database when missing, migrates, builds the demo district once (``orgs.demo.build``,
   scale 1: ~20,000 people; ``--reuse`` keeps an existing one).
2. For each scale s, the district's people are multiplied set-based: ``INSERT … SELECT … FROM
   orgs_person CROSS JOIN generate_series(1, s - 1)`` (copies in the same organisations, ID
   hash left empty), so scale 100 is ~2 M people in the demo tree — the tree stays the demo's.
3. As the ``district`` demo account (组织部, notice.send at the district): ``do_create_notice(...,
   send=True)`` to the whole district — time and queries; then 70 % read and 45 % acknowledged
   set-based (one UPDATE each), and the progress page ``/notices/<pk>/progress/`` for the district
   and drilled down to a street (Django test client: time and queries), the rows page of the
   non-responders, and the warning rule ``notice.ack_overdue`` evaluated after the due time.
``--drop`` drops the database at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/zh_bench_notices"
COPY = "bench-copy"


def _copy_people(cursor, scale: int) -> None:
    cursor.execute("SELECT count(*) FILTER (WHERE workplace = %s), count(*) FILTER (WHERE workplace <> %s) "
                   "FROM orgs_person", [COPY, COPY])
    copies, base = cursor.fetchone()
    if copies == base * (scale - 1):
        return  # already at this scale (--reuse)
    cursor.execute("DELETE FROM orgs_person WHERE workplace = %s", [COPY])
    if scale <= 1:
        return
    cols = ["name", "gender", "birth_year", "phone_enc", "phone_masked", "id_enc", "id_masked", "is_party_member",
            "member_type", "joined_on", "standing", "confirmed_on", "ethnicity", "education", "address_enc",
            "address_masked", "org_id", "org_path", "registered_org_id", "registered_path", "created_at",
            "updated_at"]
    names = ", ".join(cols)
    picked = ", ".join(f"p.{c}" for c in cols)
    cursor.execute(
        f"INSERT INTO orgs_person ({names}, workplace) SELECT {picked}, %s FROM orgs_person p "  # noqa: S608
        "CROSS JOIN generate_series(1, %s) AS g WHERE p.workplace <> %s", [COPY, scale - 1, COPY])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--url", default=os.environ.get("BENCH_NOTICES_URL", DEFAULT_URL))
    parser.add_argument("--reuse", action="store_true", help="keep an existing demo district")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    opts = parser.parse_args()

    sys.path.insert(0, str(HERE))
    from common import pg_demo

    pg_demo(opts.url, opts.reuse)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from zongheng.accounts.models import User
    from zongheng.notices.actions import Audience, do_create_notice
    from zongheng.notices.hooks import ack_overdue
    from zongheng.notices.models import NoticeRecipient
    from zongheng.orgs.models import Org, Person

    user = User.objects.get(username="district")
    district = Org.objects.get(path=Person.objects.get(pk=user.person_id).org_path[:4])
    streets = list(Org.objects.filter(path__startswith=district.path, depth=2).order_by("path"))
    client = Client()
    client.force_login(user)
    rows = []
    for scale in [int(s) for s in opts.scales.split(",")]:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE notices_noticerecipient, notices_noticeattachment, notices_notice")
            start = time.perf_counter()
            _copy_people(cursor, scale)
            cursor.execute("ANALYZE orgs_person")
        people = Person.objects.filter(org_path__startswith=district.path).count()
        print(f"scale {scale}: {people:,} people under {district.name} ({time.perf_counter() - start:.1f} s to copy)")
        now = timezone.now()
        user = User.objects.get(pk=user.pk)  # a fresh scope cache
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            notice = do_create_notice(
                user, {"title": "关于开展“一纵一横一清单”城市基层党建工作的通知", "body": "各街道党工委：……",
                       "sender_org": district, "needs_ack": True, "due_at": now + dt.timedelta(days=3)},
                Audience(orgs=(district,)), send=True, now=now)
            send_s = time.perf_counter() - start
        send_q = len(ctx.captured_queries)
        recipients = NoticeRecipient.objects.filter(notice=notice).count()
        print(f"  send: {recipients:,} recipients in {send_s:.2f} s, {send_q} queries")
        with connection.cursor() as cursor:
            cursor.execute("UPDATE notices_noticerecipient SET read_at = %s WHERE notice_id = %s "
                           "AND (person_id * 7919) %% 100 < 70", [now, notice.pk])
            cursor.execute("UPDATE notices_noticerecipient SET acked_at = %s WHERE notice_id = %s "
                           "AND read_at IS NOT NULL AND (person_id * 7919) %% 100 < 45", [now, notice.pk])
            cursor.execute("ANALYZE notices_noticerecipient")
        figures = []
        for label, url in [("progress (district)", reverse("notices:progress", args=[notice.pk])),
                           ("progress (a street)", reverse("notices:progress", args=[notice.pk])
                            + f"?org={streets[0].pk}"),
                           ("non-responders, page 1", reverse("notices:rows", args=[notice.pk])
                            + "?state=unacked"),
                           ("API progress", reverse("api:notice_progress", kwargs={"id": notice.pk}))]:
            client.get(url)  # warm-up
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = client.get(url)
                took = time.perf_counter() - start
            assert response.status_code == 200, (url, response.status_code)
            figures.append((label, took, len(ctx.captured_queries)))
            print(f"  {label}: {took * 1000:.0f} ms, {len(ctx.captured_queries)} queries")
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            warnings = list(ack_overdue(now + dt.timedelta(days=4)))
            rule_s = time.perf_counter() - start
        print(f"  rule notice.ack_overdue: {len(warnings)} warnings in {rule_s:.2f} s, {len(ctx.captured_queries)} "
              "queries")
        rows.append((scale, recipients, send_s, send_q, figures, len(warnings), rule_s))
    print("\n| scale | recipients | send (s) | send queries | progress district (ms / q) | progress street (ms / q) "
          "| non-responders page (ms / q) | API progress (ms / q) | ack_overdue (warnings, s) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for scale, n, send_s, send_q, figs, warn_n, rule_s in rows:
        cells = " | ".join(f"{t * 1000:.0f} / {q}" for _, t, q in figs)
        print(f"| {scale} | {n:,} | {send_s:.2f} | {send_q} | {cells} | {warn_n}, {rule_s:.2f} |")
    if opts.drop:
        connection.close()
        import psycopg

        head, _, name = opts.url.rpartition("/")
        with psycopg.connect(head + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        print(f"dropped database {name}")


if __name__ == "__main__":
    main()
