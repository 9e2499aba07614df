"""The first `make run` on a fresh clone, timed step by step (the venv already installed).

Runs, on a new SQLite database in a temporary var/ folder, exactly the steps `make run`
takes before it serves: migrate, `demo --if-empty` (the 2018 district, its year of demands
and the live slice of the last three weeks), collectstatic. Prints each step and the total.

    .venv/bin/python bench/first_run.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = [
    ("migrate", ["migrate", "--noinput", "-v0"]),
    ("demo (district + year + live slice)", ["demo", "--if-empty"]),
    ("collectstatic", ["collectstatic", "--noinput", "-v0"]),
]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="zh-first-run-") as var:
        env = {**os.environ, "ZONGHENG_DEMO": "1", "ZONGHENG_VAR_DIR": var,
               "DATABASE_URL": f"sqlite:///{var}/zongheng.sqlite3"}
        total = 0.0
        for label, args in STEPS:
            started = time.perf_counter()
            subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True,  # noqa: S603
                           stdout=subprocess.DEVNULL)
            elapsed = time.perf_counter() - started
            total += elapsed
            print(f"{label:<40}{elapsed:8.1f} s")
        print(f"{'first make run, before serving':<40}{total:8.1f} s  (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
