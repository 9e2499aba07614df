"""Background work of 一纵: large member imports run in the django-tasks worker."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import(job_id: int) -> str:
    """Validates and imports one ImportJob (all or nothing); returns its final status."""
    from .importer import run_job

    return run_job(job_id).status


@task()
def render_plaques(job_id: int) -> str:
    """Draws the plaques PDF of one PlaqueJob (a street's or a district's grids); returns its final status."""
    from .plaques import render_job

    return render_job(job_id)
