"""Benchmarks of the demo district: build time, subtree counts, pages and API lists.

Runs ``bench/measure.py`` in a subprocess per (database, scale) and prints one table:
scale 1 on SQLite (a temporary database file) and scale 10 on PostgreSQL (database
``zh_bench``, created when missing). See bench/README.md for the environment variables.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/zh_bench")
SEED = os.environ.get("BENCH_SEED", "2018")


def ensure_pg_database(url: str) -> bool:
    """Creates the benchmark database when missing; False when PostgreSQL is unreachable."""
    import psycopg
    from psycopg import sql

    head, _, name = url.rpartition("/")
    try:
        with psycopg.connect(head + "/postgres", autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"created database {name}")
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL unreachable at {head}: {exc}".strip())
        return False
    return True


def measure(database_url: str, scale: int) -> dict[str, Any]:
    env = os.environ | {"DATABASE_URL": database_url}
    proc = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(HERE / "measure.py"), str(scale), SEED],
        env=env, capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"benchmark failed on {database_url} at scale {scale}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    runs: list[dict[str, Any]] = []
    plan = os.environ.get("BENCH_PLAN", "sqlite:1,postgres:1,postgres:10")
    with tempfile.TemporaryDirectory(prefix="zh-bench-") as tmp:
        pg_ok: bool | None = None
        for item in plan.split(","):
            vendor, _, scale = item.partition(":")
            if vendor == "sqlite":
                url = f"sqlite:///{tmp}/bench-{scale}.sqlite3"
            else:
                if pg_ok is None:
                    pg_ok = ensure_pg_database(PG_URL)
                if not pg_ok:
                    print(f"skipped {item}: PostgreSQL not available")
                    continue
                url = PG_URL
            print(f"running {item} …", flush=True)
            runs.append(measure(url, int(scale)))

    print()
    print(f"{'db':<10}{'scale':>5}  {'orgs':>7}{'people':>9}  {'build':>8}")
    for r in runs:
        build = "reused" if r["build_s"] is None else f"{r['build_s']:.1f} s"
        print(f"{r['vendor']:<10}{r['scale']:>5}  {r['orgs']:>7,}{r['people']:>9,}  {build:>8}")
    print()
    print(f"{'db':<10}{'scale':>5}  {'what':<30}{'as':<18}{'ms':>9}{'queries':>9}  note")
    for r in runs:
        for row in r["rows"]:
            note = row.get("note", "" if row.get("status", 200) == 200 else f"HTTP {row['status']}")
            print(f"{r['vendor']:<10}{r['scale']:>5}  {row['what']:<30}{row['as']:<18}"
                  f"{row['ms']:>9.1f}{row['queries']:>9}  {note}")


if __name__ == "__main__":
    main()
