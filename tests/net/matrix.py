"""Permission-matrix rows of 一张网: the dashboard, the rows behind a figure, and their API.

In scope: the community secretary's own community; out of scope: another street's community (404).
"""

from __future__ import annotations

from typing import Any


def objects(community: Any, grid: Any, owner: Any) -> dict[str, Any]:
    from django.core.files.base import ContentFile

    from zongheng.net.models import ReportJob

    job = ReportJob.objects.create(org=community, year=2018, requested_by=owner, status=ReportJob.DONE)
    job.docx.save(f"matrix-{job.pk}.docx", ContentFile(b"PK docx"))
    return {"report_job": job}


def _org(o: dict[str, Any]) -> dict[str, Any]:
    return {"org_id": o["org"].pk}


def _rows(o: dict[str, Any]) -> dict[str, Any]:
    return {"org_id": o["org"].pk, "code": "tree.grids"}


def routes(Route: Any) -> list[Any]:
    return [
        Route("net:home", in_scope=302),  # to the dashboard of the viewer's top organisation
        Route("net:dashboard", _org),
        Route("net:rows", _rows),
        Route("net:map", _org),  # the grid map's table (page; an htmx fragment under the dashboard's map)
        Route("net:map_data", _org),  # the grid map's GeoJSON
        Route("api:net_figures", _org, api=True),
        Route("api:net_rows", _rows, api=True),
        Route("net:report", _org),  # the annual report: read with net.view, generate with net.report
        Route("net:report_job", _job),
        Route("net:report_job_status", _job),
        Route("net:report_file", lambda o: _job(o) | {"fmt": "docx"}),
        Route("api:request_report", method="post", api=True, in_scope=None),  # tests/net/test_report.py
        Route("api:list_reports", _org, api=True),
        Route("api:get_report", lambda o: {"id": o["report_job"].pk}, api=True),
        Route("api:net_report_file", lambda o: {"id": o["report_job"].pk, "fmt": "docx"}, api=True),
    ]


def _job(o: dict[str, Any]) -> dict[str, Any]:
    return {"pk": o["report_job"].pk}


BODIES = {"api:request_report": lambda o: {"org": o["org"].pk, "year": 2018}}
