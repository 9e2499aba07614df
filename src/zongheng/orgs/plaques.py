"""挂牌亮相 plaques: a printable PDF per grid, or for every grid under a community, street or district.

Each plaque shows what the public directory shows of a grid — its party organisation and where
it lies, its 书记 and 网格长 (name and masked phone), its party-member central households
(户主 and masked phone, number of linked households), the places it covers — and a QR code
that opens the demand form with the grid already chosen (an absolute URL built from the
request). Two layouts: ``a4`` (one grid a page) and ``card`` (eight cards an A4 page).

The data for any number of grids comes from a constant number of queries (``plaques``);
the QR codes are SVG (segno) and the PDF is drawn by WeasyPrint (Pango, ``fonts-noto-cjk``).
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.template.loader import render_to_string

from zongheng.core.permissions import Role

from . import places, selectors
from .models import Org, Post
from .models_places import GridPlace

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # no "Step 1 …" lines per PDF in the logs
CARDS_PER_PAGE = 8  # one flex container per page: WeasyPrint lays out each page's cards on their own
LAYOUTS = {"a4": "A4 挂牌（每页一个网格）", "card": "小卡片（每页八个）"}


@dataclass
class Household:
    name: str
    heads: list[selectors.Contact]
    linked: int


@dataclass
class Plaque:
    grid: Org
    trail: list[str]
    secretaries: list[selectors.Contact] = field(default_factory=list)
    leaders: list[selectors.Contact] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    places: str = ""
    url: str = ""
    qr_svg: str = ""  # a data: URI of the SVG


def grids_under(org: Org) -> list[Org]:
    """The open regular grids at or below ``org``, in tree order (what the directory shows)."""
    return list(selectors.public_orgs().filter(path__startswith=org.path, level__code="grid"))


def qr_data_uri(url: str) -> str:
    """The QR code of ``url`` as an SVG data URI (error correction M, dark on white)."""
    import segno

    return str(segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=2))


def plaques(grids: list[Org], absolute_url: Callable[[str], str]) -> list[Plaque]:
    """The plaques of ``grids`` in six queries whatever their number (``absolute_url`` makes the QR's URL)."""
    if not grids:
        return []
    by_pk = {g.pk: g for g in grids}
    ancestors = selectors.ancestors_by_path(grids)
    posts: dict[int, list[Post]] = defaultdict(list)
    for post in (Post.objects.active().filter(org_id__in=by_pk, role__in=[Role.SECRETARY, Role.GRID_LEADER])
                 .select_related("person").only(*selectors._PUBLIC_PERSON_FIELDS).order_by("role", "starts_on", "pk")):
        posts[post.org_id].append(post)
    grid_paths = {g.path: g.pk for g in grids}
    min_depth = min(g.depth for g in grids)
    root_prefix = places.common_parent(grids)
    candidates = selectors._open_regular_orgs().filter(level__code="household", depth__gt=min_depth)
    if root_prefix is not None:
        candidates = candidates.filter(path__startswith=root_prefix.path)
    households = list(candidates.annotate(linked=Count("linked_households")).order_by("path"))
    households = [h for h in households if h.path[: -Org.steplen] in grid_paths]
    heads: dict[int, list[Post]] = defaultdict(list)
    for post in (Post.objects.active().filter(org_id__in=[h.pk for h in households], role=Role.HOUSEHOLD_HEAD)
                 .select_related("person").only(*selectors._PUBLIC_PERSON_FIELDS).order_by("starts_on", "pk")):
        heads[post.org_id].append(post)
    by_grid: dict[int, list[Household]] = defaultdict(list)
    for h in households:
        by_grid[grid_paths[h.path[: -Org.steplen]]].append(
            Household(h.name, selectors.public_contacts(heads[h.pk], Role.HOUSEHOLD_HEAD), getattr(h, "linked", 0)))
    covered: dict[int, list[GridPlace]] = defaultdict(list)
    for place in GridPlace.objects.filter(grid_id__in=by_pk).order_by("kind", "name", "number_from"):
        covered[place.grid_id].append(place)
    out = []
    for grid in grids:
        trail = [ancestors[p].name for p in (grid.path[:end] for end in range(Org.steplen, len(grid.path), Org.steplen))
                 if p in ancestors and ancestors[p].level.code in selectors.PUBLIC_LEVELS]
        leaders = selectors.public_contacts(posts[grid.pk], Role.GRID_LEADER)
        link = places.report_url(grid.pk)
        url = absolute_url(link) if link else ""
        out.append(Plaque(
            grid=grid, trail=trail, leaders=leaders,
            secretaries=selectors.public_contacts(posts[grid.pk], Role.SECRETARY) or leaders,
            households=by_grid[grid.pk], places=places.describe(covered[grid.pk]), url=url,
            qr_svg=qr_data_uri(url) if url else "",
        ))
    return out


def html(items: list[Plaque], layout: str, title: str) -> str:
    """The plaques as one HTML document for WeasyPrint (no external resources)."""
    pages = [items[i:i + CARDS_PER_PAGE] for i in range(0, len(items), CARDS_PER_PAGE)]
    return render_to_string("orgs/plaques.html", {"plaques": items, "pages": pages, "layout": layout,
                                                  "title": title, "card": layout == "card"})


def stylesheet(layout: str) -> str:
    """The print styles of a layout (a template of its own: the HTML carries no ``<style>``)."""
    return render_to_string("orgs/plaques.css", {"card": layout == "card"})


def pdf(items: list[Plaque], layout: str, title: str) -> bytes:
    """The PDF of the plaques (WeasyPrint), kept by the content it shows.

    Drawing a PDF costs about a second of CPU a grid; the HTML costs a few queries. The PDF is
    stored under the SHA-256 of its HTML (``MEDIA_ROOT/plaques/cache/``, shared by every app
    server), so printing the same plaques again — or a stranger asking for a public plaque a
    thousand times — draws it once; any change of a name, post or household makes a new key.
    """
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from weasyprint import CSS, HTML

    document = html(items, layout, title)
    style = stylesheet(layout)
    name = f"plaques/cache/{hashlib.sha256((style + document).encode()).hexdigest()}.pdf"
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as cached:
            return bytes(cached.read())
    data: Any = HTML(string=document).write_pdf(stylesheets=[CSS(string=style)])
    try:
        default_storage.save(name, ContentFile(bytes(data)))
    except OSError:  # a full or read-only disk costs speed, not the plaque
        pass
    return bytes(data)


CHUNK = 24  # plaques drawn per step of a background job (progress is reported after each)
INLINE_MAX = 20  # up to this many grids a PDF is drawn in the request; more go to the worker


def render_job(job_id: int) -> str:
    """Draws a PlaqueJob's PDF in chunks (progress after each), then joins the pages. Returns the status."""
    from django.utils import timezone
    from weasyprint import CSS, HTML

    from .models_places import PlaqueJob

    job = PlaqueJob.objects.select_related("org").get(pk=job_id)
    if job.is_finished:
        return job.status
    try:
        grids = grids_under(job.org)
        PlaqueJob.objects.filter(pk=job.pk).update(status=PlaqueJob.RUNNING, total=len(grids), done=0)
        base = job.base_url.rstrip("/")
        items = plaques(grids, lambda path: base + path)
        documents = []
        step = CHUNK - CHUNK % CARDS_PER_PAGE  # whole card pages in every chunk
        for start in range(0, len(items), step):
            chunk = items[start:start + step]
            documents.append(HTML(string=html(chunk, job.layout, f"{job.org.name} 挂牌亮相")).render(
                stylesheets=[CSS(string=stylesheet(job.layout))]))
            PlaqueJob.objects.filter(pk=job.pk).update(done=start + len(chunk))
        if documents:
            pages = [page for doc in documents for page in doc.pages]
            data = bytes(documents[0].copy(pages).write_pdf())
        else:
            data = pdf([], job.layout, job.org.name)
        PlaqueJob.objects.filter(pk=job.pk).update(status=PlaqueJob.DONE, pdf=data, finished_at=timezone.now())
        return PlaqueJob.DONE
    except Exception as e:  # the job must end in a state the page can show
        PlaqueJob.objects.filter(pk=job.pk).update(status=PlaqueJob.FAILED, error=f"生成失败：{type(e).__name__}"[:300],
                                                   finished_at=timezone.now())
        raise
