"""What 一清单 registers with the ground (``ListsConfig.ready``): the path copies a move rewrites; each part
(tasks, projects) registers its navigation, audit labels, to-do items and warning rules from its ``hooks_*``
module; ``metrics`` registers the figures of 一张网's panel "lists"."""

from __future__ import annotations

import importlib

PARTS: tuple[str, ...] = (
    "hooks_tasks",
    "hooks_projects",
    "hooks_warnings",
    "hooks_files",
    "hooks_funds",
    "hooks_inspections",
    "hooks_evaluations",
    "hooks_cadres",
    "hooks_standards",
)


def register() -> None:
    from zongheng.core.paths import register_path_copy

    from . import models as m

    for model in (m.TaskList, m.Task, m.ProgressReport, m.AnnualReview, m.Project, m.Brand):
        register_path_copy(model, "org_path")
    for part in PARTS:
        importlib.import_module(f"{__package__}.{part}").register()
    from . import metrics

    metrics.register()  # 一张网's panel "lists"
