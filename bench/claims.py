"""Claiming under load (认领, issue 10 item 8): gunicorn + PostgreSQL, a loopback load generator firing 1,000
concurrent claims by distinct members at a 110-segment levee whose places are fewer than the demand, plus
deliberate overlaps; then the over-claims found in the database, which must be 0.

Usage:

    .venv/bin/python bench/claims.py                       # build zh_bench_claims, serve, fire, check
    .venv/bin/python bench/claims.py --reuse               # keep the demo district; a fresh campaign and members
    .venv/bin/python bench/claims.py --claims 1000 --overlaps 100 --workers 4 --concurrency 64

1. Build (unless ``--reuse`` finds the district): drops and creates ``zh_bench_claims`` (``--server``, ``--db``),
   migrates, builds the orgs demo (迎江区, 20,000-odd people; no other module's demo).
2. Set up: a district campaign ``压测防汛值守`` made by the real actions — 55 km of levee in 110 segments
   (K0+000–K0+500 …), one day of two 12-hour shifts, 2 places each: 220 shifts, 440 places. ``--claims``
   distinct party members of the district, each with an account and an API token (bulk-created). Each member
   targets one shift at random; ``--overlaps`` of them also target a second shift at the same time on another
   segment (a deliberate overlap, fired concurrently with their first).
3. Serve: gunicorn, ``--workers`` sync workers, ``bench/load_settings.py`` with the per-request CPU and query
   headers (``ZONGHENG_BENCH_TIMING=1``).
4. Fire: ``--concurrency`` client threads, each with its own keep-alive connection, released together, take
   the requests from one shuffled queue: ``POST /api/v1/duty/shifts/{id}/claim`` with the member's Bearer token.
   Prints throughput, p50/p95/max latency (client wall time), the median worker CPU and the queries per request,
   and the answers: 201 accepted, 400 refused (full / overlap / other), anything else.
5. Check, in the database after the run: shifts whose live claims exceed their capacity, shifts whose counter
   differs from their live claims, members holding two overlapping live claims — each must be 0 — and that
   the accepted answers equal the live claims.

Figures, not tests: nothing asserts a time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv/bin/python")
TITLE = "压测防汛值守"
PREFIX = "bench-claim-"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------- build and set-up (in this process)


def build(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import setup_django

    setup_django()


def prepare(claims: int, overlaps: int, seed: int) -> dict[str, Any]:
    """The campaign, the members with their tokens, and the requests to fire (as [token, shift id])."""
    import datetime as dt

    from django.core.management import call_command
    from django.db.models import Q
    from django.utils import timezone

    from zongheng.accounts.models import ApiToken, User
    from zongheng.members import actions_campaigns as actions
    from zongheng.members.choices import CampaignState
    from zongheng.members.models import Campaign, DutyClaim, Shift
    from zongheng.orgs import demo
    from zongheng.orgs.models import Org, Person

    call_command("migrate", verbosity=0, skip_checks=True)
    district = Org.objects.filter(name="迎江区").first()
    if district is None:
        start = time.perf_counter()
        district = demo.build(seed=2018).districts[0]
        print(f"orgs demo built in {time.perf_counter() - start:.0f} s")
    old = Campaign.objects.filter(title=TITLE)
    DutyClaim.objects.filter(campaign__in=old).delete()
    old.delete()
    ApiToken.objects.filter(user__username__startswith=PREFIX).delete()
    cadre = User.objects.filter(username="district").first()
    day = timezone.localdate() + dt.timedelta(days=1)
    campaign = actions.do_create_campaign(cadre, {"org": district, "kind": "flood", "title": TITLE,
                                                  "starts_on": day, "ends_on": day})
    actions.do_generate(cadre, campaign, {"segment_mode": "chainage", "total_km": "55", "step_km": "0.5",
                                          "shifts_from": day, "shifts_to": day,
                                          "slots": "08:00-20:00\n20:00-08:00", "capacity": 2})
    actions.do_transition_campaign(cadre, campaign, CampaignState.OPEN)
    shifts = list(Shift.objects.filter(campaign=campaign).values_list("pk", "segment_id", "starts_at"))
    rng = random.Random(seed)
    people = list(Person.objects.filter(org_path__startswith=district.path, is_party_member=True)
                  .filter(Q(user__isnull=True) | Q(user__username__startswith=PREFIX))
                  .order_by("pk").values_list("pk", flat=True))
    chosen = rng.sample(people, claims)
    existing = {u.person_id: u for u in User.objects.filter(username__startswith=PREFIX, person_id__in=chosen)}
    new = [User(username=f"{PREFIX}{pk}", person_id=pk, must_change_password=False, is_active=True)
           for pk in chosen if pk not in existing]
    for u in new:
        u.set_unusable_password()
    made = {u.person_id: u for u in User.objects.bulk_create(new)}
    users = [existing.get(pk) or made[pk] for pk in chosen]
    keys = [ApiToken.new_key() for _ in users]
    ApiToken.objects.bulk_create([ApiToken(user=u, name="bench", prefix=k[3:11], key_hash=ApiToken.hash_key(k))
                                  for u, k in zip(users, keys, strict=True)])
    requests: list[tuple[str, int, str]] = []
    by_time: dict[Any, list[tuple[int, int]]] = {}
    for pk, seg, at in shifts:
        by_time.setdefault(at, []).append((pk, seg))
    for i, key in enumerate(keys):
        pk, seg, at = rng.choice(shifts)
        requests.append((key, pk, "first"))
        if i < overlaps:  # a second claim at the same time on another segment: an overlap, fired concurrently
            other = rng.choice([s for s, g in by_time[at] if g != seg])
            requests.append((key, other, "overlap"))
    rng.shuffle(requests)
    capacity = sum(s.capacity for s in Shift.objects.filter(campaign=campaign))
    print(f"campaign {campaign.pk}: {len(shifts)} shifts over 110 segments, {capacity} places; "
          f"{claims} members ({overlaps} of them also claiming an overlapping shift): {len(requests)} requests")
    return {"campaign": campaign.pk, "requests": requests, "capacity": capacity}


def check(campaign_id: int, accepted: int) -> dict[str, int]:
    """What the database holds after the run (raw SQL: the claims themselves, not the counters)."""
    from django.db import connection

    with connection.cursor() as cur:  # the tables of members.Shift and members.DutyClaim
        cur.execute("""SELECT count(*) FROM (SELECT s.id FROM members_shift s JOIN members_dutyclaim c
                       ON c.shift_id = s.id AND c.state = 'claimed' WHERE s.campaign_id = %s
                       GROUP BY s.id, s.capacity HAVING count(c.id) > s.capacity) x""", [campaign_id])
        over = cur.fetchone()[0]
        cur.execute("""SELECT count(*) FROM members_shift s WHERE s.campaign_id = %s AND s.claimed <>
                       (SELECT count(*) FROM members_dutyclaim c WHERE c.shift_id = s.id AND c.state = 'claimed')""",
                    [campaign_id])
        drift = cur.fetchone()[0]
        cur.execute("""SELECT count(*) FROM members_dutyclaim a JOIN members_dutyclaim b ON a.person_id = b.person_id
                       AND a.id < b.id AND a.state = 'claimed' AND b.state = 'claimed'
                       AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
                       WHERE a.campaign_id = %s OR b.campaign_id = %s""", [campaign_id, campaign_id])
        overlapping = cur.fetchone()[0]
        cur.execute("SELECT count(*), count(DISTINCT person_id) FROM members_dutyclaim WHERE campaign_id = %s "
                    "AND state = 'claimed'", [campaign_id])
        live, members = cur.fetchone()
        cur.execute("SELECT coalesce(sum(capacity), 0), count(*) FILTER (WHERE claimed >= capacity) "
                    "FROM members_shift WHERE campaign_id = %s", [campaign_id])
        capacity, full = cur.fetchone()
    return {"over_capacity_shifts": over, "counter_drift_shifts": drift, "overlapping_pairs": overlapping,
            "live_claims": live, "members": members, "accepted_answers": accepted, "capacity": capacity,
            "full_shifts": full}


# ---------------------------------------------------------------- firing


def fire(port: int, requests: list[tuple[str, int, str]], concurrency: int) -> dict[str, Any]:
    conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=300) for _ in range(concurrency)]
    for c in conns:  # warm-up: open the keep-alive connection
        c.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
        c.getresponse().read()
    queue = list(requests)
    lock = threading.Lock()
    barrier = threading.Barrier(concurrency + 1)
    samples: list[tuple[float, int, str, str, float, int]] = []

    def worker(conn: http.client.HTTPConnection) -> None:
        barrier.wait()
        while True:
            with lock:
                if not queue:
                    return
                key, shift, kind = queue.pop()
            head = {"Host": "127.0.0.1", "Authorization": f"Bearer {key}", "Content-Type": "application/json"}
            start = time.perf_counter()
            try:
                conn.request("POST", f"/api/v1/duty/shifts/{shift}/claim", body=b"{}", headers=head)
                response = conn.getresponse()
                body = response.read().decode("utf-8", "replace")
                status = response.status
                cpu = float(response.getheader("X-Bench-Cpu", "nan"))
                queries = int(response.getheader("X-Bench-Queries", "-1"))
            except (http.client.HTTPException, OSError) as exc:
                body, status, cpu, queries = str(exc), 0, float("nan"), -1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", conn.port, timeout=300)
            took = (time.perf_counter() - start) * 1000
            detail = ""
            if status == 400:
                try:
                    detail = json.loads(body).get("detail", "")
                except ValueError:
                    detail = body[:80]
            with lock:
                samples.append((took, status, kind, detail, cpu, queries))

    threads = [threading.Thread(target=worker, args=(c,)) for c in conns]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    for c in conns:
        c.close()
    return {"samples": samples, "wall": wall}


def report(result: dict[str, Any]) -> int:
    samples, wall = result["samples"], result["wall"]
    lat = sorted(s[0] for s in samples)
    statuses = Counter(s[1] for s in samples)

    def reason(detail: str) -> str:
        if "已认满" in detail:
            return "full"
        if "重叠" in detail or "已认领该班次" in detail:
            return "overlap"
        return "other: " + detail[:40]

    refused = Counter(reason(s[3]) for s in samples if s[1] == 400)
    by_kind = Counter((s[2], s[1]) for s in samples)
    cpu = [s[4] for s in samples if s[4] == s[4]]
    queries = Counter(s[5] for s in samples)
    print(f"requests {len(samples)} in {wall:.2f} s: {len(samples) / wall:.1f} req/s; latency p50 "
          f"{lat[len(lat) // 2]:.0f} ms, p95 {lat[int(0.95 * (len(lat) - 1))]:.0f} ms, max {lat[-1]:.0f} ms; "
          f"worker CPU median {statistics.median(cpu) if cpu else float('nan'):.1f} ms")
    print(f"answers: {dict(sorted(statuses.items()))}; refused: {dict(refused)}")
    print(f"by request: {dict(sorted(by_kind.items()))}")
    print(f"queries per request: {dict(sorted(queries.items()))}")
    return statuses.get(201, 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=1000, help="distinct members, one claim each")
    parser.add_argument("--overlaps", type=int, default=100, help="members who also claim an overlapping shift")
    parser.add_argument("--concurrency", type=int, default=64, help="client threads (connections) in flight")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="zh_bench_claims")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--reuse", action="store_true", help="keep the database (the demo district) if built")
    parser.add_argument("--log", default=str(Path(tempfile.gettempdir()) / "zh_bench_claims_server.log"))
    opts = parser.parse_args()
    url = f"{opts.server}/{opts.db}"
    if not opts.reuse:
        build(opts.server, opts.db)
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from run import ensure_pg_database

        if not ensure_pg_database(url):
            sys.exit("PostgreSQL is needed")
    django_setup(url)
    plan = prepare(opts.claims, opts.overlaps, opts.seed)
    from django.db import connections

    connections.close_all()
    env = dict(os.environ, DATABASE_URL=url, ZONGHENG_DEMO="1", LOG_LEVEL="WARNING", DJANGO_DEBUG="0",
               DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost", DJANGO_SETTINGS_MODULE="load_settings",
               ZONGHENG_BENCH_TIMING="1", PYTHONPATH=f"{ROOT / 'bench'}:{ROOT / 'src'}")
    port = free_port()
    log = open(opts.log, "w")  # closed when the server has stopped
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [str(ROOT / ".venv/bin/gunicorn"), "zongheng.wsgi:application", "--chdir", str(ROOT / "src"), "--bind",
         f"127.0.0.1:{port}", "--workers", str(opts.workers), "--log-level", "warning", "--timeout", "300",
         "--backlog", "2048"], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        for _ in range(300):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        print(f"gunicorn {opts.workers} sync workers; {opts.concurrency} client connections")
        result = fire(port, plan["requests"], opts.concurrency)
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
    accepted = report(result)
    found = check(plan["campaign"], accepted)
    print("after the run: " + ", ".join(f"{k} {v}" for k, v in found.items()))
    bad = found["over_capacity_shifts"] + found["counter_drift_shifts"] + found["overlapping_pairs"]
    bad += abs(found["live_claims"] - accepted)
    print("over-claims found: " + ("0 — none" if not bad else f"{bad} — WRONG"))
    print(f"server log: {opts.log}")


if __name__ == "__main__":
    sys.exit(main())
