"""我的待办 for each demo account: time and queries of ``/todo/`` (and of ``/warnings/``).

Usage, on a database where the demo is built (e.g. after ``bench/warnings_sweep.py``):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zh_bench_warn .venv/bin/python bench/todo_home.py

Runs the warnings sweep once if no warning is open, then, for every demo account (Django test
``Client``, ``force_login``), the median of ``BENCH_REPEAT`` requests after a warm-up and the queries
of one; prints a Markdown table and one JSON line. The number of queries does not depend on the data
size: compare the output at scale 1 and at scale 10.
"""

from __future__ import annotations

import json

from common import setup_django, timed

setup_django()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from zongheng.accounts.models import User  # noqa: E402
from zongheng.core import warnings  # noqa: E402
from zongheng.core.models import EarlyWarning  # noqa: E402
from zongheng.orgs import demo  # noqa: E402
from zongheng.orgs.models import Org  # noqa: E402


def count_queries(fn: object) -> int:
    """Queries of one call, counted at the cursor (the request signals reset Django's query log)."""
    seen: list[str] = []

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        fn()  # type: ignore[operator]
    return len(seen)


def main() -> None:
    if not EarlyWarning.objects.open().exists():
        warnings.sweep(timezone.now())
    scale = Org.objects.filter(level__code="district").count()
    rows = []
    for spec in demo.DEMO_ACCOUNTS:
        user = User.objects.get(username=spec["username"])
        client = Client()
        client.force_login(user)
        for path in ("/todo/", "/warnings/"):
            def get(path: str = path, client: Client = client) -> int:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                return len(response.content)

            ms, _, _ = timed(get)
            queries = count_queries(get)
            rows.append({"scale": scale, "account": spec["username"], "path": path, "ms": round(ms, 1),
                         "queries": queries})
    print("| scale | account | page | ms | queries |\n|---:|---|---|---:|---:|")
    for row in rows:
        print(f"| {row['scale']} | {row['account']} | `{row['path']}` | {row['ms']} | {row['queries']} |")
    print(json.dumps(rows, ensure_ascii=False))


if __name__ == "__main__":
    main()
