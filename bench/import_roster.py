"""Benchmark of the member import: a 20,000-row 花名册 through preview and confirmation.

Usage (a scratch SQLite database by default; its data is replaced):

    .venv/bin/python bench/import_roster.py [--rows 20000] [--update-share 0.1]

1. Builds the demo district (``demo.build``) in a scratch database (``BENCH_IMPORT_DB``, default
   ``var/bench_import.sqlite3``; ``DATABASE_URL`` wins when set), and an 组织部 account at the district.
2. Writes a roster the way clerks keep them: a merged title row, a merged two-row header
   (联系方式 › 手机 / 固定电话), synonyms (公民身份号码, 所在党支部, 人员类别, 入党时间 …), branch
   names in their common variants, year-month dates, a totals row and a signature footer.
3. Times what the clerk waits for, in the worker's code path (``importer.run_job``): the quick row
   count of the upload form, the preview (read + check + match), and the confirmation (read + check
   again + write in one transaction). Progress updates are recorded with their time, so the
   largest gap between two updates shows whether the bar moves steadily.
4. Then an update-mode run: the same people with a share of them changed (phone and 学历), plus
   5 new ones, previewed and confirmed.

Prints one figure per step; nothing is asserted (DESIGN: benchmarks print, tests do not time).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import itertools
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = os.environ.get("BENCH_IMPORT_DB", str(ROOT / "var" / "bench_import.sqlite3"))
if "DATABASE_URL" not in os.environ:  # a scratch database, made afresh each run
    for suffix in ("", "-wal", "-shm"):
        Path(SCRATCH + suffix).unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH}"

from common import setup_django  # noqa: E402

setup_django()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from zongheng.core import crypto  # noqa: E402
from zongheng.core.masking import id_check_char  # noqa: E402
from zongheng.core.permissions import Role  # noqa: E402
from zongheng.orgs import demo, importer  # noqa: E402
from zongheng.orgs.models import ImportJob, Org, Person  # noqa: E402

VARIANTS = ["{name}", "{name}党支部", "{parent}{name}党支部", "中共{parent}{name}支部委员会", "{parent} {name}"]


def _account(district: Org) -> Any:
    from zongheng.accounts.models import User
    from zongheng.orgs.models import Post

    person = Person.objects.filter(org_path__startswith=district.path).first()
    user, _ = User.objects.get_or_create(username="bench-import", defaults={"person": person})
    Post.objects.get_or_create(person=person, role=Role.ORG_DEPT, org=district,
                               defaults={"starts_on": dt.date(2018, 1, 1)})
    return user


def _id(rng: random.Random, used: set[str]) -> str:
    while True:
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(50 * 365))
        first17 = f"340802{birth:%Y%m%d}{rng.randrange(1000):03d}"
        number = first17 + id_check_char(first17)
        if number not in used:
            used.add(number)
            return number


def roster(people: list[tuple[str, str, str, str, str]]) -> bytes:
    """(name, id, phone, branch text, 学历) rows in a 花名册 layout."""
    wb = Workbook()
    ws = wb.active
    ws.title = "党员花名册"
    ws.append(["迎江区党员花名册"] + [None] * 9)
    ws.append(["序号", "姓名", "性别", "公民身份号码", "联系方式", None, "所在党支部", "人员类别", "入党时间", "学历"])
    ws.append([None, None, None, None, "手机", "固定电话", None, None, None, None])
    for ref in ("A1:J1", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:F2", "G2:G3", "H2:H3", "I2:I3", "J2:J3"):
        ws.merge_cells(ref)
    for i, (name, number, phone, branch, education) in enumerate(people, start=1):
        gender = "男" if int(number[16]) % 2 else "女"
        joined = f"{int(number[6:10]) + 25}.{(i % 12) + 1:02d}"
        ws.append([i, name, gender, number, phone, None, branch, "正式党员", joined, education])
    ws.append(["合计", f"{len(people)} 人"])
    ws.append(["填表人：", None, None, "审核人：", None, None, "（盖章）"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run(user: Any, district: Org, data: bytes, label: str) -> ImportJob:
    marks: list[tuple[float, int]] = []
    real_set = importer._set

    def spy(job: ImportJob, **fields: Any) -> None:
        real_set(job, **fields)
        if "processed_rows" in fields:
            marks.append((time.perf_counter(), fields["processed_rows"]))

    importer._set = spy  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        rows = importer.count_rows(io.BytesIO(data), "roster.xlsx")
        counted = time.perf_counter() - start
        job = importer.do_create_job(user, district, SimpleUploadedFile("花名册.xlsx", data), rows)
        start = time.perf_counter()
        marks.clear()
        job = importer.run_job(job.pk)
        preview = time.perf_counter() - start
        gaps_preview = _gaps(start, marks)
        counts = job.preview.get("counts")
        importer.do_change_options(user, job, lambda options: None, confirm=True)
        start = time.perf_counter()
        marks.clear()
        job = importer.run_job(job.pk)
        gaps_write = _gaps(start, marks)
        write = time.perf_counter() - start
    finally:
        importer._set = real_set  # type: ignore[assignment]
    print(f"{label}: {rows:,} rows counted in {counted:.2f} s; preview {preview:.1f} s "
          f"(progress updates {gaps_preview[0]}, largest gap {gaps_preview[1]:.1f} s); "
          f"confirm {write:.1f} s (updates {gaps_write[0]}, largest gap {gaps_write[1]:.1f} s, "
          f"then {gaps_write[2]:.1f} s writing in one transaction); "
          f"total {preview + write:.1f} s — {counts} → {job.status}: created {job.created_count}, "
          f"updated {job.updated_count}, unchanged {job.unchanged_count}, refused {job.refused_count}")
    sys.stdout.flush()
    return job


def _gaps(start: float, marks: list[tuple[float, int]]) -> tuple[int, float, float]:
    """Updates, the largest gap between two of them, and the time after the last one (the write)."""
    times = [start] + [t for t, _ in marks]
    return (len(marks), max((b - a for a, b in itertools.pairwise(times)), default=0.0),
            time.perf_counter() - times[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--update-share", type=float, default=0.1)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if Org.objects.exists():
        demo.reset()
    start = time.perf_counter()
    built = demo.build(seed=2018)
    district = built.districts[0] if built.districts else built.root
    print(f"demo district built in {time.perf_counter() - start:.1f} s "
          f"({Person.objects.count():,} people already in it)")
    user = _account(district)
    grids = list(Org.objects.filter(path__startswith=district.path, level__code="grid", kind="regular"))
    parents = dict(Org.objects.filter(path__startswith=district.path).values_list("path", "name"))
    rng = random.Random(15)
    used = {crypto.decrypt(t) for t in Person.objects.values_list("id_enc", flat=True) if t}
    people = []
    for i in range(args.rows):
        grid = grids[i % len(grids)]
        branch = rng.choice(VARIANTS).format(name=grid.name, parent=parents.get(grid.path[:-4], ""))
        people.append((f"导入{i}", _id(rng, used), f"139{i:08d}", branch, rng.choice(["大学本科", "大专", "高中"])))

    run(user, district, roster(people), f"new roster, {args.rows:,} people")

    changed = int(len(people) * args.update_share)
    edited = [(n, number, f"137{i:08d}" if i < changed else phone, branch, "硕士研究生" if i < changed else edu)
              for i, (n, number, phone, branch, edu) in enumerate(people)]
    edited += [(f"新{i}", _id(rng, used), f"135{i:08d}", people[i][3], "大专") for i in range(5)]
    run(user, district, roster(edited), f"update mode, {len(edited):,} rows ({changed:,} changed, 5 new)")


if __name__ == "__main__":
    main()
