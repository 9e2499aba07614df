"""One benchmark run against one database (run by ``bench/run.py`` in a subprocess).

Usage: DATABASE_URL=... python bench/measure.py SCALE SEED  → prints one JSON line of results.
Builds the demo at SCALE (after clearing the database; BENCH_REUSE=1 keeps a build of the
same scale), then times the subtree counts and the pages / API lists as the district account
(and, above scale 1, as a city-wide account).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

from common import setup_django, timed

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from zongheng.accounts.models import User  # noqa: E402
from zongheng.orgs import demo, selectors  # noqa: E402
from zongheng.orgs.models import Org, Person  # noqa: E402


def main() -> None:
    scale, seed = int(sys.argv[1]), int(sys.argv[2])
    out: dict[str, Any] = {"vendor": connection.vendor, "scale": scale, "rows": []}
    call_command("migrate", verbosity=0)
    root = Org.objects.filter(depth=1).first()
    reuse = os.environ.get("BENCH_REUSE") == "1" and root is not None and (
        Org.objects.filter(level__code="district").count() == scale)
    if reuse:
        out["build_s"] = None
    else:
        if root is not None:
            demo.reset()
        start = time.perf_counter()
        built = demo.build(seed=seed, scale=scale)
        out["build_s"] = round(time.perf_counter() - start, 1)
        root = built.root
    assert root is not None
    out["orgs"] = Org.objects.count()
    out["people"] = Person.objects.count()

    ms, queries, _ = timed(lambda: selectors.child_counts(root))
    out["rows"].append({"what": f"child_counts({root.name})", "as": "-", "ms": ms, "queries": queries})

    users = [("district", User.objects.get(username="district"))]
    if scale > 1:
        city, _ = User.objects.get_or_create(username="bench-city", defaults={
            "is_superuser": True, "must_change_password": False})
        users.append(("city (superuser)", city))
    district = Org.objects.get(code="340802")
    for label, user in users:
        client = Client()
        client.force_login(user)
        top = root if label != "district" else district
        for url in ["/orgs/", f"/orgs/{top.pk}/", "/people/", "/people/?q=王&page=3", "/api/v1/people?limit=50"]:
            def get(url: str = url, client: Client = client) -> Any:
                return client.get(url)
            ms, queries, response = timed(get)
            row = {"what": url, "as": label, "ms": ms, "queries": queries, "status": response.status_code}
            if response.status_code == 404 and url.startswith("/api/"):
                row["note"] = "API not present (404), skipped"
            out["rows"].append(row)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
