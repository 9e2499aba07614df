from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from zongheng.core.access import require
from zongheng.core.permissions import Perm

from . import selectors
from .models import Org


def tree(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.ORG_VIEW)
    roots = selectors.scope_roots(request.user)
    return render(request, "orgs/tree.html", {"roots": roots})


def org_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.ORG_VIEW)
    org = get_object_or_404(Org.objects.restrict(request.user).select_related("level"), pk=pk)
    children = list(selectors.children_of(org))
    counts = selectors.child_counts(org)
    rows = [(child, counts.get(child.path, {})) for child in children]
    return render(request, "orgs/org_detail.html", {"org": org, "rows": rows, "own": counts.get(org.path, {})})


def people(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.PERSON_VIEW)
    qs = selectors.filter_people(selectors.people_in_scope(request.user), request.GET)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "orgs/people.html", {"page": page})


def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Perm.PERSON_VIEW)
    person = get_object_or_404(selectors.people_in_scope(request.user), pk=pk)
    return render(request, "orgs/person_detail.html", {"person": person})
