"""挂牌亮相 plaques as PDF (``orgs/plaques.py``).

- ``/directory/<grid>/plaque.pdf`` — one grid, **public**: a plaque shows exactly what the public
  directory page of the grid shows (names, masked phones, household counts), so a grid leader
  or a resident may print it without an account, and the directory can link it.
- ``/orgs/<org>/plaques.pdf`` — every grid at or below an organisation (a community, a street, the
  whole district: 264 plaques in one PDF), for staff holding ``org.view`` on that organisation
  (out of scope → 404, like every scoped row). Up to ``plaques.INLINE_MAX`` grids (a community,
  a small street) the PDF is drawn in the request; more (a district: 75 s on two busy cores, bench/plaques.py) go to
  the django-tasks worker as a ``PlaqueJob`` with a progress page that refreshes itself, and the PDF
  is fetched from it (only by whoever asked for it, while the organisation stays in their scope).

``?layout=a4`` (default; one grid a page) or ``?layout=card`` (eight small cards a page). The QR
code's URL is absolute, built from the request (``build_absolute_uri``), so it opens this site's
form with the grid chosen. Any other layout value answers 400 with a Chinese message.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from zongheng.core.access import require
from zongheng.core.permissions import Perm

from . import plaques, selectors
from .models import Org
from .models_places import PlaqueJob


def _layout(request: HttpRequest) -> str | None:
    layout = request.GET.get("layout", "a4")
    return layout if layout in plaques.LAYOUTS else None


def _bad_layout(request: HttpRequest) -> HttpResponse:
    return render(request, "orgs/plaques_bad.html", {"layouts": plaques.LAYOUTS}, status=400)


def _pdf(request: HttpRequest, org: Org, grids: list[Org], layout: str) -> HttpResponse:
    items = plaques.plaques(grids, request.build_absolute_uri)
    title = f"{org.name} 挂牌亮相"
    response = HttpResponse(plaques.pdf(items, layout, title), content_type="application/pdf")
    suffix = "卡片" if layout == "card" else "挂牌"
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(f'{org.name}-{suffix}.pdf')}"
    return response


@require_safe
def grid_plaque(request: HttpRequest, pk: int) -> HttpResponse:
    """One grid's plaque (public: only what the directory shows)."""
    grid = get_object_or_404(selectors.public_orgs().filter(level__code="grid"), pk=pk)
    layout = _layout(request)
    if layout is None:
        return _bad_layout(request)
    return _pdf(request, grid, [grid], layout)


@login_required
@require_safe
def org_plaques(request: HttpRequest, pk: int) -> HttpResponse:
    """Every grid at or below an organisation in the user's ``org.view`` scope, in one PDF."""
    require(request.user, Perm.ORG_VIEW)
    org = get_object_or_404(Org.objects.restrict(request.user, Perm.ORG_VIEW).select_related("level"), pk=pk)
    layout = _layout(request)
    if layout is None:
        return _bad_layout(request)
    grids = plaques.grids_under(org)
    if not grids:
        return render(request, "orgs/plaques_bad.html", {"org": org, "no_grids": True}, status=404)
    if len(grids) <= plaques.INLINE_MAX:
        return _pdf(request, org, grids, layout)
    user: Any = request.user
    job = PlaqueJob.objects.create(org=org, layout=layout, requested_by=user, total=len(grids),
                                   base_url=request.build_absolute_uri("/").rstrip("/"))
    from .tasks import render_plaques

    render_plaques.enqueue(job.pk)
    return redirect("orgs:plaque_job", job.pk)


def _job(request: HttpRequest, pk: int) -> PlaqueJob:
    require(request.user, Perm.ORG_VIEW)
    return get_object_or_404(PlaqueJob.objects.restrict(request.user).select_related("org").defer("pdf"), pk=pk)


@login_required
@require_safe
def plaque_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress of a large print job (refreshes itself), then the link to the PDF."""
    job = _job(request, pk)
    return render(request, "orgs/plaque_job.html", {"job": job, "layouts": plaques.LAYOUTS})


@login_required
@require_safe
def plaque_job_status(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "orgs/plaque_job_status.html", {"job": _job(request, pk)})


@login_required
@require_safe
def plaque_job_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    data = PlaqueJob.objects.filter(pk=job.pk, status=PlaqueJob.DONE).values_list("pdf", flat=True).first()
    if data is None:
        raise Http404("挂牌还没有生成完成")
    response = HttpResponse(bytes(data), content_type="application/pdf")
    suffix = "卡片" if job.layout == "card" else "挂牌"
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(f'{job.org.name}-{suffix}.pdf')}"
    return response
