"""The early-warning sweep on PostgreSQL at demo scales 1 and 10.

Usage (its own database; the data in it is replaced):

    .venv/bin/python bench/warnings_sweep.py --scale 1 [--orgs-only] \
        [--url postgres://postgres@127.0.0.1:5432/zh_bench_warn] [--reuse]

Drops and recreates the database (unless ``--reuse``; ``demo --reset`` cannot be used: it is refused
while merged demands exist, see the report of issue 7), migrates, runs ``manage.py demo --scale s``
(the whole demo: orgs, the demands year and live slice of the first district, and whatever the other
modules' demos add; ``--reuse`` keeps a build of the same scale), then empties the warnings table and
times ``core.warnings.sweep(now)`` per rule — a first sweep (every warning opened) and a second run
(nothing to change) — with the rows opened and the queries. Prints one JSON line per scale at the end
(``bench/todo_home.py`` measures the to-do home on the same database afterwards). ``--orgs-only``
builds only the tree and people (``orgs.demo.build``): the rules then run over an empty module
data set, which measures what grows with the tree (the meeting rule is per organisation and period).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/zh_bench_warn"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--orgs-only", action="store_true",
                        help="build only the tree and people (orgs.demo.build), not the modules' demo rows")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.url
    sys.path.insert(0, str(HERE))
    from run import ensure_pg_database

    if not args.reuse:
        import psycopg
        from psycopg import sql

        head, _, name = args.url.rpartition("/")
        with psycopg.connect(head + "/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    if not ensure_pg_database(args.url):
        raise SystemExit("PostgreSQL is needed")
    from common import setup_django

    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from zongheng.core import warnings
    from zongheng.core.models import EarlyWarning
    from zongheng.orgs.models import Org, Person

    call_command("migrate", verbosity=0)
    out = []
    for scale in [args.scale]:
        if not (args.reuse and Org.objects.exists()):
            started = time.perf_counter()
            if args.orgs_only:
                from zongheng.orgs import demo

                demo.build(scale=scale)
            else:
                call_command("demo", scale=scale, stdout=io.StringIO())
            print(f"scale {scale}: demo built in {time.perf_counter() - started:.1f} s", flush=True)
        EarlyWarning.objects.all().delete()
        now = timezone.now()
        result: dict[str, object] = {"scale": scale, "orgs": Org.objects.count(), "people": Person.objects.count()}
        for run in ("first", "second"):
            per_rule = {}
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                for rule in warnings.rules():
                    rule_started = time.perf_counter()
                    opened, cleared = warnings.sweep_rule(rule, now)
                    per_rule[rule.code] = {"ms": round((time.perf_counter() - rule_started) * 1000),
                                           "opened": opened, "cleared": cleared}
                total = time.perf_counter() - started
            result[run] = {"ms": round(total * 1000), "queries": len(ctx.captured_queries), "rules": per_rule}
            print(f"scale {scale} {run} sweep: {total * 1000:.0f} ms, {len(ctx.captured_queries)} queries, "
                  f"{per_rule}", flush=True)
        result["open_rows"] = EarlyWarning.objects.open().count()
        out.append(result)
    for result in out:
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
