"""Load benchmark on the real server: gunicorn (2 sync workers) + PostgreSQL, 8 concurrent loopback clients.

Usage:

    .venv/bin/python bench/load.py --demands 10000            # build, serve, measure, sweep
    .venv/bin/python bench/load.py --demands 100000 --requests 240
    .venv/bin/python bench/load.py --reuse                    # measure the database built last time

1. Build (unless ``--reuse``): drops and creates ``zh_bench_load`` on the local PostgreSQL server
   (``--server``), migrates, runs ``manage.py demo --no-live`` (the demo district and its 2018 year of
   demands), then adds ``--demands`` demands in bulk (``bench/demands.py: bulk_demands``: the demo's status
   mix, spread over 2018 and the grids, each with its receive/assign events).
2. Serve: gunicorn with ``--workers`` sync workers, ``bench/load_settings.py`` (the base settings: DEBUG off,
   persistent connections; plus ``ZONGHENG_BENCH_TIMING=1``, which adds the per-request CPU and query-count
   headers that only these settings define).
3. Drive: for each scenario, ``--concurrency`` threads, each with its own keep-alive connection and cookie
   jar, logged in through the real login form (CSRF token from the page), send ``--requests`` requests in
   total. Prints req/s, p50, p95 (wall, client side) and the median app CPU ms and queries per request.
   The public form and Open311 POSTs each come from a resident of their own: a random address in
   ``X-Real-IP``, read as a reverse proxy passes it (``ZONGHENG_CLIENT_IP_HEADER``), so each is counted
   against its own hourly limit, as residents are. ``--split``: the box's CPU per request by side
   (gunicorn, PostgreSQL, this client), from ``/proc``.
   The last three scenarios run as ``bench-city``, a superuser created here: the whole tree (a city's, on a
   database built at a larger scale: ``--reuse --db`` of ``bench/net.py --scale 100``'s, with
   ``--add-demands 100000`` to give the city a year of demands over all its grids).
   PostgreSQL's parallel plans are off for the database (``max_parallel_workers_per_gather = 0``, as
   ``docs/deployment.md`` recommends on a box whose cores serve the requests); ``--pg-parallel`` keeps them.
4. Sweep: ``manage.py demands_sweep`` over every open overdue demand (escalations/s), then a second sweep.

Figures, not tests: nothing asserts a time.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv/bin/python")
PASSWORD = "zongheng-demo"  # noqa: S105 - the demo accounts' password (demo mode only)
ROLES = ["district", "street", "community", "grid", "household", "member", "auditor", "assistant"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------- build


def build(env: dict[str, str], server: str, name: str, demands: int) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    start = time.perf_counter()
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    subprocess.run([PY, "manage.py", "demo", "--no-live", "-v0"], cwd=ROOT, env=env, check=True,  # noqa: S603
                   stdout=subprocess.DEVNULL)
    demo = time.perf_counter() - start
    took = add_demands(env, demands)
    print(f"build: migrate + demo --no-live {demo:.0f} s; {demands:,} demands in bulk {took:.0f} s")


def add_demands(env: dict[str, str], demands: int) -> float:
    """``demands`` demands in bulk over the database's grids (``bench/demands.py``), then VACUUM ANALYZE; seconds."""
    start = time.perf_counter()
    code = ("import sys; sys.argv = ['x']; sys.path.insert(0, 'bench'); import demands; "
            f"demands.bulk_demands({demands}, seed=14)")
    subprocess.run([PY, "-c", code], cwd=ROOT, env=env, check=True)  # noqa: S603
    subprocess.run([PY, "manage.py", "dbshell"], cwd=ROOT, env=env, check=True, input=b"VACUUM ANALYZE;\n",  # noqa: S603
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


CITY = "bench-city"  # a superuser: its scope is the whole tree (above scale 1, the city)


def fixtures(env: dict[str, str]) -> dict[str, Any]:
    """A district API token, a grid, some open demands' ids in the district account's scope, the counts, and the
    city-wide account with its token (read in a Django shell)."""
    code = (
        "from zongheng.accounts.actions import do_create_token\n"
        "from zongheng.accounts.models import User\n"
        f"u, _ = User.objects.update_or_create(username='{CITY}', defaults={{'is_superuser': True, "
        "'must_change_password': False})\n"
        f"u.set_password('{PASSWORD}'); u.save()\n"
        "from zongheng.orgs.models import Org\n"
        "from zongheng.demands.models import Demand, Category\n"
        "from zongheng.demands.choices import OPEN_STATUSES\n"
        "print(do_create_token(User.objects.get(username='district'), 'bench-load')[1])\n"
        "print(Org.objects.filter(level__code='grid', kind='regular').order_by('path').first().pk)\n"
        "print(Category.objects.filter(active=True).order_by('order', 'id').first().pk)\n"
        "district = User.objects.get(username='district')\n"  # its demands only: a city holds others' too
        "print(','.join(str(p) for p in Demand.objects.restrict(district).filter(status__in=OPEN_STATUSES)"
        ".order_by('?').values_list('pk', flat=True)[:200]))\n"
        "print(Demand.objects.count())\n"
        "print(do_create_token(u, 'bench-load')[1])\n"
    )
    out = subprocess.run([PY, "manage.py", "shell", "-v0", "-c", code], cwd=ROOT, env=env,  # noqa: S603
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()[-6:]
    return {"token": out[0], "grid": int(out[1]), "category": int(out[2]),
            "open": [int(p) for p in out[3].split(",") if p], "total": int(out[4]), "city_token": out[5]}


# ---------------------------------------------------------------- client


class Client:
    """One keep-alive HTTP/1.1 connection with a cookie jar (no redirects followed)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str, float]:
        head = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields).encode()
            head["Content-Type"] = "application/x-www-form-urlencoded"
            if "csrftoken" in self.cookies:
                head["X-CSRFToken"] = self.cookies["csrftoken"]
        for attempt in (1, 2):
            try:
                start = time.perf_counter()
                self.conn.request(method, path, body=body, headers=head)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                took = time.perf_counter() - start
                break
            except (http.client.HTTPException, OSError):
                if attempt == 2:
                    raise
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        for key, value in response.getheaders():
            if key.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                k, _, v = pair.partition("=")
                if v in ('""', ""):
                    self.cookies.pop(k.strip(), None)
                else:
                    self.cookies[k.strip()] = v
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text, took

    def csrf(self, path: str) -> str:
        status, _, text, _ = self.request("GET", path)
        m = CSRF.search(text)
        if not m:
            raise RuntimeError(f"no CSRF token on {path} (HTTP {status})")
        return m.group(1)

    def login(self, username: str) -> tuple[int, dict[str, str], str, float]:
        token = self.csrf("/accounts/login/")
        result = self.request("POST", "/accounts/login/",
                              {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD})
        if result[0] != 302:
            raise RuntimeError(f"login as {username} failed: HTTP {result[0]}")
        return result


Step = Callable[[Client, int], tuple[int, dict[str, str], str, float]]


def _proc_cpu(pid: int) -> tuple[int, str, float]:
    """(parent pid, command name, user + system CPU seconds) of a live process, from /proc."""
    head, _, rest = Path(f"/proc/{pid}/stat").read_text().rpartition(")")
    fields = rest.split()
    return int(fields[1]), head.partition("(")[2], (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_by_side(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the gunicorn server (master and workers), PostgreSQL (every
    ``postgres`` process on the box) and this client process: where a scenario's box CPU went."""
    sides = {"server": 0.0, "postgres": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid, name, cpu = _proc_cpu(int(entry.name))
        except (OSError, ValueError, IndexError):  # gone meanwhile
            continue
        if int(entry.name) == server_pid or ppid == server_pid:
            sides["server"] += cpu
        elif name == "postgres":
            sides["postgres"] += cpu
    own = os.times()
    sides["client"] = own.user + own.system
    return sides


def run(port: int, label: str, step: Step, *, requests: int, concurrency: int,
        prepare: Callable[[Client], None] | None = None, ok: tuple[int, ...] = (200,),
        server_pid: int = 0) -> dict[str, Any]:
    clients = [Client(port) for _ in range(concurrency)]
    for c in clients:
        if prepare:
            prepare(c)
    for i, c in enumerate(clients):  # one warm-up request each (first-use costs, caches)
        step(c, i)
    samples: list[tuple[float, float, int]] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def worker(c: Client) -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            status, headers, _text, took = step(c, i)
            with lock:
                if status not in ok:
                    errors.append(str(status))
                samples.append((took * 1000, float(headers.get("x-bench-cpu", "nan")),
                                int(headers.get("x-bench-queries", "-1"))))

    before = cpu_by_side(server_pid) if server_pid else {}
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, clients))
    wall = time.perf_counter() - start
    after = cpu_by_side(server_pid) if server_pid else {}
    for c in clients:
        c.conn.close()
    lat = sorted(s[0] for s in samples)
    cpu = [s[1] for s in samples]
    queries = sorted({s[2] for s in samples})
    row = {"what": label, "n": len(samples), "rps": len(samples) / wall, "p50": lat[len(lat) // 2],
           "p95": lat[min(len(lat) - 1, int(0.95 * len(lat)))], "cpu": statistics.median(cpu),
           "queries": "/".join(map(str, queries)), "errors": len(errors)}
    note = f"  {len(errors)} errors ({', '.join(sorted(set(errors)))})" if errors else ""
    if after:  # the box's CPU per request, by side (the app's own CPU is inside "server")
        split = {k: (after[k] - before[k]) * 1000 / len(samples) for k in after}
        row["split"] = split
        note += ("  box CPU per request: server {server:.1f} · PostgreSQL {postgres:.1f} · client {client:.1f} ms"
                 .format(**split))
    print(f"| {label:<38} | {row['rps']:7.1f} | {row['p50']:7.0f} | {row['p95']:7.0f} | {row['cpu']:7.1f} "
          f"| {row['queries']:>7} |{note}", flush=True)
    return row


def scenarios(port: int, fx: dict[str, Any], requests: int, concurrency: int, only: set[str],
              server_pid: int = 0) -> None:
    def logged_in(user: str) -> Callable[[Client], None]:
        return lambda c: (c.login(user), None)[1]

    def get(path: str) -> Step:
        return lambda c, _i: c.request("GET", path)

    def detail(c: Client, i: int) -> Any:
        return c.request("GET", f"/demands/{fx['open'][i % len(fx['open'])]}/")

    def api(c: Client, _i: int) -> Any:
        return c.request("GET", "/api/v1/demands?limit=50", headers={"Authorization": f"Bearer {fx['token']}"})

    def api_city(c: Client, _i: int) -> Any:
        return c.request("GET", "/api/v1/demands?limit=50", headers={"Authorization": f"Bearer {fx['city_token']}"})

    send_fields = {"step": "send", "description": "小区门口的路灯坏了，晚上很黑，请尽快修理", "address": "人民路 1 号",
                   "grid": str(fx["grid"]), "category": str(fx["category"]), "phone": "13800001111"}

    def public_prepare(c: Client) -> None:
        c.csrf("/demands/new/")

    def resident() -> dict[str, str]:  # each submission from its own resident, as the proxy passes it
        return {"X-Real-IP": socket.inet_ntoa(random.getrandbits(32).to_bytes(4, "big"))}

    def public_send(c: Client, _i: int) -> Any:
        return c.request("POST", "/demands/new/", send_fields | {"csrfmiddlewaretoken": c.cookies["csrftoken"]},
                         headers=resident())

    o311 = {"service_code": "municipal", "description": "路灯不亮，晚上很黑", "address_string": "测试路 1 号",
            "attribute[grid]": str(fx["grid"]), "phone": "13800001111"}

    def open311(c: Client, _i: int) -> Any:
        return c.request("POST", "/open311/v2/requests.json", o311, headers=resident())

    def login(c: Client, i: int) -> Any:
        c.cookies.clear()
        return c.login(ROLES[i % len(ROLES)])

    def landing(c: Client, _i: int) -> Any:
        _status, headers, _text, _took = c.request("GET", "/start/")
        target = urllib.parse.urlsplit(headers.get("location", "/")).path
        return c.request("GET", target)

    table: list[tuple[str, Step, Callable[[Client], None] | None, tuple[int, ...]]] = [
        ("queue · district", get("/demands/"), logged_in("district"), (200,)),
        ("queue · community", get("/demands/"), logged_in("community"), (200,)),
        ("a demand's page · district", detail, logged_in("district"), (200,)),
        ("figures 2018 · district", get("/demands/figures/?period=2018"), logged_in("district"), (200,)),
        ("API list (limit 50) · district token", api, None, (200,)),
        ("public form, last step (POST)", public_send, public_prepare, (200,)),
        ("Open311 POST (anonymous)", open311, None, (200, 201)),
        ("login (POST)", login, None, (302,)),
    ]
    table += [(f"home (/start/ → landing) · {r}", landing, logged_in(r), (200,)) for r in ROLES]

    def home_figures(c: Client, _i: int) -> Any:  # 今日数据: the home's section htmx loads when it is scrolled to
        return c.request("GET", "/todo/figures/", headers={"HX-Request": "true"})

    table += [(f"home 今日数据 (htmx) · {r}", home_figures, logged_in(r), (200,)) for r in ("district", "community")]
    def net(c: Client, _i: int) -> Any:  # 一张网 as the nav opens it: /net/ → the top organisation, latest period
        _status, headers, _text, _took = c.request("GET", "/net/")
        return c.request("GET", urllib.parse.urlsplit(headers.get("location", "/")).path)

    table += [("一张网 (/net/ → dashboard) · district", net, logged_in("district"), (200,))]
    table += [  # the whole tree: at scale 1 the district again, above it the city
        ("queue · city-wide", get("/demands/"), logged_in(CITY), (200,)),
        ("figures 2018 · city-wide", get("/demands/figures/?period=2018"), logged_in(CITY), (200,)),
        ("API list (limit 50) · city-wide token", api_city, None, (200,)),
        ("一张网 (/net/ → dashboard) · city-wide", net, logged_in(CITY), (200,)),
    ]
    print(f"| {'what':<38} | {'req/s':>7} | {'p50 ms':>7} | {'p95 ms':>7} | {'CPU ms':>7} | {'queries':>7} |")
    print(f"|{'-' * 40}|{'-' * 9}:|{'-' * 9}:|{'-' * 9}:|{'-' * 9}:|{'-' * 9}:|")
    for label, step, prepare, ok in table:
        if only and not any(o in label for o in only):
            continue
        n = requests if not ("home" in label or "一张网" in label) else max(requests // 4, concurrency * 4)
        run(port, label, step, requests=n, concurrency=concurrency, prepare=prepare, ok=ok, server_pid=server_pid)


def sweep(env: dict[str, str]) -> None:
    count = ("from zongheng.demands.models import Demand\nfrom zongheng.demands.selectors import overdue_q\n"
             "from django.utils import timezone\nprint(Demand.objects.filter(overdue_q(timezone.now())).count())")
    overdue = subprocess.run([PY, "manage.py", "shell", "-v0", "-c", count], cwd=ROOT, env=env,  # noqa: S603
                             capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    for label in ("sweep", "second sweep"):
        start = time.perf_counter()
        out = subprocess.run([PY, "manage.py", "demands_sweep"], cwd=ROOT, env=env,  # noqa: S603
                             capture_output=True, text=True, check=True).stdout.strip()
        took = time.perf_counter() - start
        print(f"{label}: {took:.1f} s wall (process start included), over {overdue} open overdue demands: {out}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--demands", type=int, default=10_000, help="demands added in bulk to the demo's")
    parser.add_argument("--requests", type=int, default=160, help="requests per scenario")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="zh_bench_load")
    parser.add_argument("--reuse", action="store_true", help="measure the database as it is (no build)")
    parser.add_argument("--add-demands", type=int, default=0,
                        help="with --reuse: first add this many demands in bulk over its grids (e.g. to a database "
                             "built by bench/net.py --scale 100, whose demo year is the first district's only)")
    parser.add_argument("--no-sweep", dest="sweep", action="store_false")
    parser.add_argument("--only", default="", help="comma-separated parts of scenario names to run")
    parser.add_argument("--split", action="store_true",
                        help="print each scenario's box CPU per request: server, PostgreSQL, client (from /proc)")
    parser.add_argument("--pg-parallel", action="store_true",
                        help="keep PostgreSQL's parallel plans (docs/deployment.md recommends them off on a small box)")
    parser.add_argument("--src", default=str(ROOT / "src"),
                        help="the source tree gunicorn serves (e.g. an exported older commit, for a 'before')")
    parser.add_argument("--log", default=str(Path(tempfile.gettempdir()) / "zh_bench_load_server.log"),
                        help="gunicorn's error log")
    opts = parser.parse_args()
    env = dict(os.environ, DATABASE_URL=f"{opts.server}/{opts.db}", ZONGHENG_DEMO="1", LOG_LEVEL="WARNING",
               DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost", ZONGHENG_CLIENT_IP_HEADER="HTTP_X_REAL_IP",
               DJANGO_DEBUG="0")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if not opts.reuse:
        build(env, opts.server, opts.db, opts.demands)
    else:  # the code may have new migrations since the build
        subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
        if opts.add_demands:
            print(f"added {opts.add_demands:,} demands in bulk: {add_demands(env, opts.add_demands):.0f} s")
    import psycopg

    with psycopg.connect(f"{opts.server}/postgres", autocommit=True) as conn:  # the deployment's recommendation
        setting = "RESET max_parallel_workers_per_gather" if opts.pg_parallel else \
            "SET max_parallel_workers_per_gather = 0"
        conn.execute(f'ALTER DATABASE "{opts.db}" {setting}')
    fx = fixtures(env)
    print(f"database {opts.db}: {fx['total']:,} demands; PostgreSQL parallel plans "
          f"{'on' if opts.pg_parallel else 'off (docs/deployment.md)'}")
    port = free_port()
    served = dict(env, DJANGO_SETTINGS_MODULE="load_settings", ZONGHENG_BENCH_TIMING="1",
                  PYTHONPATH=f"{ROOT / 'bench'}:{opts.src}")
    log = open(opts.log, "w")  # closed when the server has stopped
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [str(ROOT / ".venv/bin/gunicorn"), "zongheng.wsgi:application", "--chdir", opts.src, "--bind",
         f"127.0.0.1:{port}", "--workers", str(opts.workers), "--log-level", "warning", "--timeout", "120"],
        cwd=ROOT, env=served, stdout=log, stderr=log)
    try:
        for _ in range(150):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        print(f"gunicorn {opts.workers} sync workers, concurrency {opts.concurrency}, "
              f"{opts.requests} requests per scenario (home pages and 一张网: a quarter)")
        scenarios(port, fx, opts.requests, opts.concurrency, {o for o in opts.only.split(",") if o},
                  server.pid if opts.split else 0)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    print(f"server log: {opts.log}")
    if opts.sweep:
        sweep(env)


if __name__ == "__main__":
    sys.exit(main())
