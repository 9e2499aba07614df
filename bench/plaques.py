"""How long the 挂牌亮相 plaques take: one grid, a community, and the whole district (264 grids).

Prints wall times (s) for gathering the data (queries) and drawing the PDF with WeasyPrint, A4 and
cards. Run against a database holding the demo (``make run`` once, or ``manage.py demo``):

    .venv/bin/python bench/plaques.py            # DATABASE_URL as for the app

Above ``plaques.INLINE_MAX`` grids the page hands the PDF to the background worker
(``PlaqueJob``), which draws it in chunks of ``plaques.CHUNK`` and reports progress.
"""

from __future__ import annotations

import time

from common import setup_django


def main() -> None:
    setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zongheng.orgs import plaques
    from zongheng.orgs.models import Org

    district = Org.objects.filter(level__code="district").order_by("path").first()
    if district is None:
        raise SystemExit("no demo district: run `manage.py demo` first")
    community = Org.objects.filter(level__code="community", path__startswith=district.path).order_by("path").first()
    grids_all = plaques.grids_under(district)
    cases = [("one grid", grids_all[:1]), (community.name if community else "community",
                                           plaques.grids_under(community) if community else []),
             (f"{district.name} (all)", grids_all)]
    print(f"{'what':<16} {'grids':>5} {'data s':>7} {'queries':>7} {'A4 s':>7} {'card s':>7}")
    for label, grids in cases:
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            items = plaques.plaques(grids, lambda path: "http://127.0.0.1:8000" + path)
        data = time.perf_counter() - start
        times = []
        for layout in ("a4", "card"):
            start = time.perf_counter()
            plaques.pdf(items, layout, label)
            times.append(time.perf_counter() - start)
        queries = len(ctx.captured_queries)
        print(f"{label:<16} {len(grids):>5} {data:>7.2f} {queries:>7} {times[0]:>7.1f} {times[1]:>7.1f}")


if __name__ == "__main__":
    main()
