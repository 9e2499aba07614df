"""Instructions per request, counted by valgrind (callgrind): the app's CPU cost, the same on a busy box as on an idle.

Usage, on a database where the demo is built (e.g. ``bench/load.py``'s ``zh_bench_load``, or a copy of it):

    .venv/bin/python bench/instructions.py --db zh_bench_load [--src /tmp/old/src] [--src src] [--n 10] \\
        [--only home,queue]

Wall and CPU times on these shared 2-core machines move by ±40% between two runs of the same code, and by 2×
between machines (``bench/README.md``). The number of instructions the process executes does not: callgrind
counts them exactly, and two runs of the same tree on the same database agree to 0.01%. So the budgets of
issue 14 are read as a ratio: a tree whose page executes 0.70× the instructions of a tree measured on an idle,
fast machine would take about 0.70× that tree's CPU milliseconds there.

For each source tree (``--src``, default this checkout's ``src``) and each scenario, one Python process runs
Django in process (test client, the server's settings: DEBUG off), sends a few warm-up requests, then ``--n``
requests with callgrind's instrumentation switched on (``callgrind_control -i on``) around them only: start-up
and warm-up are not counted. Scenarios: 我的待办 (the home) of each demo role, the queue (district, community),
a demand's page (open demands of the district, in turn), the figures page (2018, district), the public form's
last step and Open311 POST (urlencoded, as ``bench/load.py`` sends them). Prints instructions per request per
tree and, with two trees, the ratio of the last to the first. The form and Open311 each add ``--n`` + 5 demands.
Figures, not tests. Needs ``valgrind`` (Debian's package).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROLES = ["district", "street", "community", "grid", "household", "member", "auditor", "assistant"]


def drive(kind: str, arg: str, n: int) -> None:
    """Runs inside valgrind: Django on the tree in ``sys.path``, warm-up, then ``n`` counted requests."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zongheng.settings.base")
    os.environ.setdefault("ZONGHENG_DEMO", "1")  # development keys; never point this at production
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()
    import gc
    import time
    from urllib.parse import urlencode

    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    if kind == "post":
        from zongheng.demands.models import Category
        from zongheng.orgs.models import Org

        settings.DEMAND_PUBLIC_PER_HOUR = 10**9  # each request from its own address; the count still runs
        grid = Org.objects.filter(level__code="grid", kind="regular").order_by("path")[5]
        category = Category.objects.get(code="municipal")
        base = int(time.time() * 1000) % 10**6 * 100
        url, fields = ("/demands/new/", {
            "step": "send", "description": "小区门口的路灯坏了，晚上很黑，请尽快修理", "address": "人民路 1 号",
            "grid": str(grid.pk), "category": str(category.pk), "phone": "13800001111",
        }) if arg == "form" else ("/open311/v2/requests.json", {
            "service_code": category.code, "description": "路灯不亮，晚上很黑", "address_string": "测试路 1 号",
            "attribute[grid]": str(grid.pk), "phone": "13800001111",
        })
        body = urlencode(fields)

        def request(i: int) -> int:
            i += base
            addr = f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"
            form = "application/x-www-form-urlencoded"
            return client.post(url, body, content_type=form, REMOTE_ADDR=addr).status_code

    else:
        from zongheng.accounts.models import User

        client.force_login(User.objects.get(username=os.environ["BENCH_USER"]))
        urls = arg.split(",")

        def request(i: int) -> int:
            return client.get(urls[i % len(urls)]).status_code

    for i in range(5):
        status = request(i)
        if status not in (200, 201):
            raise SystemExit(f"{kind} {arg}: HTTP {status}")
    gc.collect()
    switch = ["callgrind_control", "-i"]
    subprocess.run([*switch, "on", str(os.getpid())], check=True, capture_output=True)  # noqa: S603
    for i in range(5, 5 + n):
        request(i)
    subprocess.run([*switch, "off", str(os.getpid())], check=True, capture_output=True)  # noqa: S603


def count(src: str, db_url: str, kind: str, arg: str, n: int, user: str = "") -> int:
    """Instructions per request of one scenario on one tree."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONHASHSEED": "0", "DATABASE_URL": db_url, "BENCH_USER": user,
               "PYTHONPATH": f"{src}:{ROOT}"}
        out = subprocess.run(  # noqa: S603
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={tmp}/out",  # noqa: S607
             sys.executable, __file__, "--drive", kind, arg, str(n)],
            env=env, capture_output=True, text=True, check=False)
        found = re.search(r"Collected : (\d+)", out.stderr)
        if out.returncode or not found:
            raise SystemExit(f"{kind} {arg} ({src}): {out.stdout[-2000:]}{out.stderr[-2000:]}")
        return int(found.group(1)) // n


def open_demands(db_url: str) -> str:
    """Five open demands of the district (the same ones for every tree)."""
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
           "DJANGO_SETTINGS_MODULE": "zongheng.settings.base", "ZONGHENG_DEMO": "1"}
    code = ("import django; django.setup()\nfrom zongheng.demands.models import Demand\n"
            "from zongheng.demands.choices import OPEN_STATUSES\n"
            "print(','.join(f'/demands/{pk}/' for pk in Demand.objects.filter(status__in=OPEN_STATUSES)"
            ".order_by('pk').values_list('pk', flat=True)[100:105]))")
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,  # noqa: S603
                          check=True).stdout.strip().splitlines()[-1]


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--drive":
        drive(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="zh_bench_load")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--src", action="append", default=[], help="a source tree (repeat; default: this src)")
    parser.add_argument("--n", type=int, default=10, help="counted requests per scenario")
    parser.add_argument("--only", default="", help="comma-separated parts of scenario names")
    opts = parser.parse_args()
    trees = [str(Path(s).resolve()) for s in opts.src] or [str(ROOT / "src")]
    db_url = f"{opts.server}/{opts.db}"
    table: list[tuple[str, str, str, str]] = [(f"home · {r}", "get", "/todo/", r) for r in ROLES]
    table += [(f"queue · {r}", "get", "/demands/", r) for r in ("district", "community")]
    table += [("a demand's page · district", "get", open_demands(db_url), "district"),
              ("figures 2018 · district", "get", "/demands/figures/?period=2018", "district"),
              ("public form, last step (POST)", "post", "form", ""), ("Open311 POST", "post", "open311", "")]
    only = [part for part in opts.only.split(",") if part]
    if only:
        table = [row for row in table if any(part in row[0] for part in only)]
    head = " | ".join(Path(t).parent.name or t for t in trees)
    print(f"database {opts.db}; {opts.n} counted requests per scenario; instructions per request (millions)")
    print(f"| what | {head} |{' ratio |' if len(trees) > 1 else ''}")
    print(f"|---|{'---:|' * len(trees)}{'---:|' if len(trees) > 1 else ''}")
    for label, kind, arg, user in table:
        counts = [count(tree, db_url, kind, arg, opts.n, user) for tree in trees]
        ratio = f" {counts[-1] / counts[0]:.3f} |" if len(trees) > 1 else ""
        print(f"| {label} | {' | '.join(f'{c / 1e6:.1f}' for c in counts)} |{ratio}", flush=True)


if __name__ == "__main__":
    main()
