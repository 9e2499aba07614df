"""Background work of 一纵: large member imports run in the django-tasks worker."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import(job_id: int) -> str:
    """Validates and imports one ImportJob (all or nothing); returns its final status."""
    from .importer import run_job

    return run_job(job_id).status
