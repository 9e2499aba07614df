"""一张网's background work: the annual report is made in the django-tasks worker."""

from __future__ import annotations

from django_tasks import task


@task()
def generate_report(job_id: int) -> str:
    """Makes one ReportJob's .docx, .xlsx and PDF; returns its final status."""
    from .actions import do_generate

    return do_generate(job_id)
