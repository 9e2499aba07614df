"""Periodic jobs (定时任务): modules register them, one command runs them all, then the warnings sweep.

A module registers ``register_periodic(name, fn)`` in its ``hooks.py``, ``fn(now)`` doing its
time-driven work (the demands module: escalate overdue demands, close timed-out ratings). The
``manage.py sweep`` command (cron, or ``--loop 60`` in the worker loop of ``make run``) calls
``run_all(now)``: every job in name order, then ``core.warnings.sweep(now)`` — so the warnings
see the state the jobs left. Each job must be safe to run twice or after a crash (the demands
sweep is); a job that raises is logged and the others still run.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import warnings

log = logging.getLogger(__name__)

Job = Callable[[dt.datetime], Any]
_JOBS: dict[str, Job] = {}


def register_periodic(name: str, fn: Job) -> None:
    """Add (or replace, by name) a periodic job."""
    _JOBS[name] = fn


def jobs() -> list[tuple[str, Job]]:
    return sorted(_JOBS.items())


@dataclass
class RunResult:
    results: dict[str, Any] = field(default_factory=dict)  # job name → what it returned
    failed: dict[str, str] = field(default_factory=dict)  # job name → the error
    warnings: dict[str, tuple[int, int]] = field(default_factory=dict)  # rule → (opened, cleared)

    def __str__(self) -> str:
        parts = [f"{name}：{result}" for name, result in self.results.items()]
        parts += [f"{name} 出错：{error}" for name, error in self.failed.items()]
        opened = sum(o for o, _ in self.warnings.values())
        cleared = sum(c for _, c in self.warnings.values())
        parts.append(f"预警新增 {opened} 条、解除 {cleared} 条")
        return "；".join(parts)


def run_all(now: dt.datetime) -> RunResult:
    """Every registered job, then the warnings sweep (all rules), at ``now``."""
    out = RunResult()
    for name, fn in jobs():
        try:
            out.results[name] = fn(now)
        except Exception as exc:  # one failing job must not stop the others nor the warnings
            log.exception("periodic job %s failed", name)
            out.failed[name] = str(exc) or exc.__class__.__name__
    try:
        out.warnings = warnings.sweep(now)
    except Exception as exc:
        log.exception("warnings sweep failed")
        out.failed["warnings"] = str(exc) or exc.__class__.__name__
    return out
