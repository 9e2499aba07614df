"""一清单 at scales 1 and 10 — time and queries: the import of the 87-task sheet, the exports (.xlsx list, .docx
month's reports and annual review), and the pages that roll the list up (the hub, the task list, a task's page).

Usage (each scale in a subprocess of its own, on its own database; the data in it is replaced):

    .venv/bin/python bench/lists_files.py [--scales 1,10] [--url postgres://postgres@127.0.0.1:5432/zh_bench_lists]

Without ``--url`` each scale runs on a temporary SQLite file. For scale s:

1. the demo district (``orgs.demo.build``, scale 1) and its 2018 task list (``lists.demo_tasks.build``: 87
   tasks split to streets and communities, 147 standards, the 1+7 documents, twelve months of reports and the
   annual review), untimed;
2. the list exported as the ``district`` demo account (组织部, list.configure) — the sheet; at scale s its
   任务清单 rows are repeated s times (copy k's codes prefixed ``k-``), the documents and standards once;
3. the sheet imported into the district's 2031 list — median of ``BENCH_REPEAT`` runs after one warm-up (each
   run after the first replaces the list the previous one wrote: nothing happened on it), and its queries;
   checked: the scale-1 import reproduces the demo's list (every field, the tree);
4. the demo's March reports and annual reviews copied onto the imported pieces (bulk, untimed), then the
   exports of that list: the .xlsx, the March reports .docx and the annual review .docx — time and queries
   (``bench/common.timed``); then the hub, the task list page and a top-level task's page, whole requests
   through the test client as the district account. The query counts must not grow with the data.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SEED = int(os.environ.get("BENCH_SEED", "2018"))
YEAR = 2031


def scaled_sheet(content: bytes, scale: int) -> bytes:
    """The exported workbook with its task rows repeated ``scale`` times (codes of copy k prefixed ``k-``)."""
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content))
    ws = wb["任务清单"]
    rows = [list(r) for r in ws.iter_rows(min_row=3, values_only=True)]
    for k in range(2, scale + 1):
        for row in rows:
            copy = list(row)
            copy[0] = f"{k}-{copy[0]}"
            copy[1] = f"{k}-{copy[1]}" if copy[1] else copy[1]
            ws.append(copy)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def one(scale: int) -> dict[str, Any]:
    """One scale on the database named by DATABASE_URL (runs in the subprocess)."""
    sys.path.insert(0, str(HERE))
    from common import setup_django, timed

    setup_django()
    import datetime as dt
    import io

    from django.core.management import call_command
    from django.db import connection
    from tests.lists.factories_files import snapshot

    from zongheng.accounts.models import User
    from zongheng.lists import demo_tasks, exports_tasks, importer_tasks
    from zongheng.lists.models import AnnualReview, Milestone, ProgressReport, Task, TaskList
    from zongheng.orgs import demo
    from zongheng.orgs.models import Org

    call_command("migrate", verbosity=0)
    if Org.objects.exists():
        TaskList.objects.all().delete()
        demo.reset()
    start = time.perf_counter()
    built = demo.build(seed=SEED, scale=1)
    district = built.districts[0]
    demo_list, _ = demo_tasks.build(district, seed=SEED, year=2018)
    out: dict[str, Any] = {"vendor": connection.vendor, "scale": scale, "rows": [],
                           "setup_s": round(time.perf_counter() - start, 1)}
    user = User.objects.get(username="district")
    sheet = scaled_sheet(exports_tasks.task_list_xlsx(user, demo_list, dt.date(2018, 12, 31)), scale)
    out["sheet_kb"] = len(sheet) // 1024
    out["rows_in_sheet"] = Task.objects.filter(task_list=demo_list).count() * scale

    def do_import() -> Any:
        plan = importer_tasks.do_import_task_list(user, district, YEAR, io.BytesIO(sheet),
                                                  report_day=demo_list.report_day)
        assert plan.ok, plan.messages[:5]
        return plan

    ms, queries, _plan = timed(do_import)  # each run replaced the list the one before wrote
    out["rows"].append({"what": f"import ({out['rows_in_sheet']:,} task rows)", "ms": round(ms), "queries": queries})
    imported = TaskList.objects.get(org=district, year=YEAR)
    if scale == 1:
        def as_plan(snap: dict[str, Any]) -> dict[str, Any]:
            for task in snap["tasks"].values():
                task["milestones"] = sorted((d, t, w, None) for d, t, w, _ in task["milestones"])
            return snap

        out["round_trip_equal"] = as_plan(snapshot(imported)) == as_plan(snapshot(demo_list))
    _copy_cycle(demo_list, imported, scale, Task, Milestone, ProgressReport, AnnualReview)
    march = dt.date(2018, 3, 1)
    for what, fn in (
        ("export .xlsx", lambda: exports_tasks.task_list_xlsx(user, imported, dt.date(2018, 12, 31))),
        ("export March reports .docx", lambda: exports_tasks.reports_docx(user, imported, march)),
        ("export annual review .docx", lambda: exports_tasks.annual_docx(user, imported)),
    ):
        ms, queries, content = timed(fn)
        out["rows"].append({"what": f"{what} ({len(content) // 1024} KB)", "ms": round(ms), "queries": queries})
    out["rows"] += _pages(user, imported, timed)
    return out


def _pages(user: Any, task_list: Any, timed: Any) -> list[dict[str, Any]]:
    """The pages with the weighted roll-up, as the district's 组织部 opens them (test client, whole request)."""
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(user)
    top = task_list.tasks.filter(parent__isnull=True).order_by("code").first()
    rows = []
    for what, url in (("page: the hub (roll-up, status counts)", f"{reverse('lists:home')}?year={YEAR}"),
                      ("page: the task list (first 50, status, progress)", f"{reverse('lists:tasks')}?year={YEAR}"),
                      ("page: a top-level task (its pieces, reports)", reverse("lists:task", args=[top.pk]))):
        ms, queries, response = timed(lambda url=url: client.get(url))
        assert response.status_code == 200, (url, response.status_code)
        rows.append({"what": what, "ms": round(ms), "queries": queries})
    return rows


def _copy_cycle(source: Any, target: Any, scale: int, Task: Any, Milestone: Any, ProgressReport: Any,
                AnnualReview: Any) -> None:
    """The demo's March reports and annual reviews, onto every copy of their piece in ``target``."""
    import datetime as dt

    march = dt.date(2018, 3, 1)
    ids = dict(Task.objects.filter(task_list=target).values_list("code", "id"))
    paths = dict(Task.objects.filter(task_list=target).values_list("id", "org_path"))
    milestones = {(task_id, due, title): pk for pk, task_id, due, title in Milestone.objects.filter(
        task__task_list=target).values_list("pk", "task_id", "due_on", "title")}
    reports, reviews = [], []
    prefixes = [""] + [f"{k}-" for k in range(2, scale + 1)]
    for r in ProgressReport.objects.filter(task__task_list=source, month=march).select_related("task", "milestone"):
        for prefix in prefixes:
            task_id = ids[prefix + r.task.code]
            ms = (milestones.get((task_id, r.milestone.due_on, r.milestone.title)) if r.milestone else None)
            reports.append(ProgressReport(task_id=task_id, org_path=paths[task_id], month=march, done=r.done,
                                          milestone_id=ms, problems=r.problems, evidence=r.evidence,
                                          filed_at=r.filed_at, result=r.result, review_note=r.review_note,
                                          reviewed_at=r.reviewed_at))
    for a in AnnualReview.objects.filter(task__task_list=source).select_related("task"):
        for prefix in prefixes:
            task_id = ids[prefix + a.task.code]
            reviews.append(AnnualReview(task_id=task_id, org_path=paths[task_id], score=a.score, comments=a.comments,
                                        reviewed_at=a.reviewed_at))
    ProgressReport.objects.bulk_create(reports, batch_size=1000)
    AnnualReview.objects.bulk_create(reviews, batch_size=1000)


def _report(result: dict[str, Any]) -> None:
    scale = result["scale"]
    same = result.get("round_trip_equal")
    print(f"scale {scale} ({result['vendor']}): setup {result['setup_s']} s; sheet {result['sheet_kb']} KB, "
          f"{result['rows_in_sheet']:,} task rows"
          + ("" if same is None else f"; the demo's export imports to the same list: {same}"), flush=True)


def main() -> None:
    sys.path.insert(0, str(HERE))
    from common import run_scales

    results = run_scales(__file__, one, "lists", _report)
    print("\n| db | scale | what | ms | queries |")
    print("|---|---:|---|---:|---:|")
    for r in results:
        for row in r["rows"]:
            print(f"| {r['vendor']} | {r['scale']} | {row['what']} | {row['ms']} | {row['queries']} |")


if __name__ == "__main__":
    main()
