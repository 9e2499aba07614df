"""挂牌亮相: the public directory, no login.

A resident finds their grid (street → community → grid, or by searching a community,
village or grid name) and sees its party organisation, 书记 and 网格长, and its
party-member central households with the number of households each links. Of a person,
only the name and the masked phone are ever read or shown. Read-only: GET and HEAD.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from zongheng.core.permissions import Role

from . import places, selectors
from .models import GridPlace, Org

MAX_QUERY = 50  # characters of a search that are used; longer input is cut
PAGE_SIZE = 50


@dataclass(frozen=True)
class Crumb:
    name: str
    url: str


def clean_query(raw: str) -> tuple[str, bool]:
    """Search text without control characters or runs of spaces, at most MAX_QUERY long.

    Returns (text, was_cut).
    """
    text = "".join(" " if unicodedata.category(ch).startswith(("C", "Z")) else ch for ch in raw)
    text = " ".join(text.split())
    return text[:MAX_QUERY].strip(), len(text) > MAX_QUERY


def _district_of(org: Org, ancestors: dict[str, Org]) -> Org | None:
    """The nearest district-level ancestor (or the nearest ancestor at all, for a tree without districts)."""
    chain = [ancestors[p] for p in _ancestor_paths(org) if p in ancestors]
    for anc in reversed(chain):
        if anc.level.code == "district":
            return anc
    return chain[-1] if chain else None


def _ancestor_paths(org: Org) -> list[str]:
    return [org.path[:end] for end in range(Org.steplen, len(org.path), Org.steplen)]


def _crumbs(org: Org, ancestors: dict[str, Org]) -> list[Crumb]:
    """Directory › district › street › community, for the page of ``org`` (not itself)."""
    crumbs = [Crumb("挂牌亮相", reverse("orgs:directory"))]
    district = _district_of(org, ancestors)
    for path in _ancestor_paths(org):
        anc = ancestors.get(path)
        if anc is None or (district is not None and anc.depth < district.depth):
            continue
        if anc is district:
            crumbs.append(Crumb(anc.name, f"{reverse('orgs:directory')}#d{anc.pk}"))
        elif anc.kind == "regular" and anc.level.code in selectors.PUBLIC_LEVELS:
            crumbs.append(Crumb(anc.name, reverse("orgs:directory_org", args=[anc.pk])))
        else:
            crumbs.append(Crumb(anc.name, ""))
    return crumbs


def _trail(org: Org, ancestors: dict[str, Org]) -> list[str]:
    """Names from the street/township down to ``org``'s parent: 宜城路街道 › 先锋社区."""
    names = []
    for path in _ancestor_paths(org):
        anc = ancestors.get(path)
        if anc is not None and anc.level.code in selectors.PUBLIC_LEVELS:
            names.append(anc.name)
    return names


@require_safe
def directory(request: HttpRequest) -> HttpResponse:
    """The streets and townships of each district, and the search over communities, villages and grids."""
    q, cut = clean_query(request.GET.get("q", ""))
    if q:
        return _search(request, q, cut)
    tops = list(selectors.public_tops())
    parents = selectors.ancestors_by_path(tops)
    groups: dict[str, dict[str, Any]] = {}
    for top in tops:
        parent_path = top.path[: -Org.steplen]
        group = groups.setdefault(parent_path, {"parent": parents.get(parent_path), "items": []})
        group["items"].append(top)
    return render(request, "orgs/directory.html", {"groups": list(groups.values()), "q": "", "max_query": MAX_QUERY})


def _search(request: HttpRequest, q: str, cut: bool) -> HttpResponse:
    page = Paginator(selectors.public_search(q.split()), PAGE_SIZE).get_page(request.GET.get("page"))
    found = list(page.object_list)
    ancestors = selectors.ancestors_by_path(found)
    rows = [{"org": org, "trail": _trail(org, ancestors),
             "report": places.report_url(org.pk) if org.level.code == "grid" else None} for org in found]
    return render(
        request, "orgs/directory_results.html",
        {"q": q, "cut": cut, "max_query": MAX_QUERY, "page": page, "rows": rows, "query": urlencode({"q": q})},
    )


@require_safe
def directory_org(request: HttpRequest, pk: int) -> HttpResponse:
    """A street/township (its communities and villages), a community/village (its grids), or a grid's card."""
    org = get_object_or_404(selectors.public_orgs(), pk=pk)
    ancestors = selectors.ancestors_by_path([org])
    # Public office phones, nearest first: the grid's (if any), its community's, its street's.
    offices = [o for o in [org, *(ancestors[p] for p in reversed(_ancestor_paths(org)) if p in ancestors)]
               if o.office_phone and o.level.code in selectors.PUBLIC_LEVELS]
    context: dict[str, Any] = {"org": org, "crumbs": _crumbs(org, ancestors), "offices": offices}
    if org.level.code == "grid":
        return _grid(request, org, context)
    counts = selectors.public_grandchild_counts(org)
    context["rows"] = [{"org": child, "n": counts.get(child.path, 0),
                        "report": places.report_url(child.pk) if child.level.code == "grid" else None}
                       for child in selectors.public_children(org)]
    context["is_top"] = org.level.code in selectors.PUBLIC_TOP_LEVELS
    return render(request, "orgs/directory_org.html", context)


def _grid(request: HttpRequest, grid: Org, context: dict[str, Any]) -> HttpResponse:
    posts = list(selectors.public_grid_posts(grid))
    leaders = selectors.public_contacts(posts, Role.GRID_LEADER)
    secretaries = selectors.public_contacts(posts, Role.SECRETARY) or leaders
    households = [
        {"name": h.name, "heads": selectors.public_contacts(h.public_posts, Role.HOUSEHOLD_HEAD), "linked": h.linked}
        for h in selectors.public_households(grid)
    ]
    covered = GridPlace.objects.filter(grid=grid).order_by("kind", "name", "number_from")
    context.update({"secretaries": secretaries, "leaders": leaders, "households": households,
                    "report": places.report_url(grid.pk), "places": places.describe(covered)})
    return render(request, "orgs/directory_grid.html", context)
