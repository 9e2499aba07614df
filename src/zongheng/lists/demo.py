"""一清单's part of the demo district: the year's task list and project list, then the slice around today.

``build`` writes the article's year (the 1+7 documents, 87 tasks, 147 standards, lead cadres, the monthly,
quarterly and yearly cycle, the two wheels of projects, the six special projects and the three brands);
``build_live`` writes this year's list and projects as they stand today, so that the pages and the to-do list
have live work. See ``demo_tasks`` and ``demo_projects``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction

from . import (
    demo_cadres,
    demo_evaluations,
    demo_funds,
    demo_inspections,
    demo_projects,
    demo_standards,
    demo_tasks,
)


def build(district: Any, seed: int = 2018, year: int = 2018, log: Callable[[str], None] | None = None) -> None:
    with transaction.atomic():
        demo_tasks.build(district, seed=seed, year=year, log=log)
        demo_projects.build(district, seed=seed, year=year, log=log)
        demo_funds.build(district, seed=seed, year=year, log=log)
        demo_inspections.build(district, seed=seed, year=year, log=log)
        demo_evaluations.build(district, seed=seed, year=year, log=log)
        demo_cadres.build(district, seed=seed, year=year, log=log)
        demo_standards.build(district, seed=seed, year=year, log=log)


def build_live(district: Any, seed: int = 2018, log: Callable[[str], None] | None = None,
               today: dt.date | None = None) -> None:
    with transaction.atomic():
        demo_tasks.build_live(district, seed=seed, log=log, today=today)
        demo_projects.build_live(district, seed=seed, log=log, today=today)
        demo_funds.build_live(district, seed=seed, log=log, today=today)
        demo_inspections.build_live(district, seed=seed, log=log, today=today)
        demo_evaluations.build_live(district, seed=seed, log=log, today=today)
        demo_cadres.build_live(district, seed=seed, log=log, today=today)
        demo_standards.build_live(district, seed=seed, log=log, today=today)


def accounts() -> list[dict[str, str]]:
    """The lists demo's own account (``lead``: a lead cadre without a post), as the demo command prints accounts.
    It is not among ``orgs.demo.DEMO_ACCOUNTS`` (the login page's list and the tests that walk every account)."""
    from zongheng.accounts.models import User

    user = User.objects.filter(username="lead", is_demo=True).select_related("person__org").first()
    if user is None or user.person is None:
        return []
    return [{"username": "lead", "label": "领衔县处级干部（无职务）", "org": user.person.org.name,
             "name": user.person.name}]
