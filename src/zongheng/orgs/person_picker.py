"""The person search (选人): a name search loaded on demand, for every form that names people from a set the
server decides (an inspection team's members, an item's responsible person, a round's raters …).

The widget shows the people chosen now, looked up among the form's ``people`` only (a forged id shows nothing);
its search answers ``render_people`` over the same set — a screenful of names with masked phones, the ticked ones
kept on top. Neither decides what is accepted: a form or an action resolves the submitted ids through its scoped
lookup, as with ``orgs.picker`` for organisations.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Person
from .resolve import as_pk

SEARCH_LIMIT = 20  # names a search answers at once
CHOSEN_LIMIT = 30  # people one field takes at a time


class PersonPickWidget(forms.Widget):
    """A name search (``url`` answers ``render_people``) with the people chosen now shown ticked."""

    template_name = "orgs/_person_pick.html"

    def __init__(self, *, url: str, people: QuerySet[Person], multiple: bool = False,
                 attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.url, self.people, self.multiple = url, people, multiple

    def format_value(self, value: Any) -> list[Any]:  # type: ignore[override]  # several values
        if value in (None, ""):
            return []
        return [getattr(v, "pk", v) for v in (value if isinstance(value, list | tuple) else [value])]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        pks = [pk for pk in (as_pk(v) for v in context["widget"]["value"][:CHOSEN_LIMIT]) if pk is not None]
        chosen = list(self.people.filter(pk__in=pks).select_related("org").order_by("name", "pk")) if pks else []
        context["widget"].update(url=self.url, people=[(p, True) for p in chosen], multiple=self.multiple)
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if self.multiple:
            return data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        return data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False


class PersonField(forms.Field):
    """An id (or, for a multiple widget, up to ``CHOSEN_LIMIT`` ids) from the person search; the form or the
    action resolves them through its scoped lookup."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [as_pk(v) for v in value if as_pk(v) is not None][:CHOSEN_LIMIT]
        return as_pk(value)


def people_search(people: QuerySet[Person], q: str, limit: int = SEARCH_LIMIT) -> tuple[list[Person], int]:
    """Up to ``limit`` of ``people`` whose name holds every word of ``q`` (three at most), and how many match."""
    qs = people
    for word in q.split()[:3]:
        qs = qs.filter(name__icontains=word[:20])
    rows = list(qs.select_related("org").order_by("name", "pk")[:limit])
    return rows, (len(rows) if len(rows) < limit else qs.count())


def render_people(request: HttpRequest, people: QuerySet[Person], *, name: str, multiple: bool) -> HttpResponse:
    """The search's answer (htmx) for the field ``name``: the ticked people first, then the matches."""
    q = request.GET.get("person_q", "").strip()[:40]
    ticked = [pk for pk in (as_pk(v) for v in request.GET.getlist(name)[:CHOSEN_LIMIT]) if pk is not None]
    kept = list(people.filter(pk__in=ticked).select_related("org").order_by("name", "pk")) if ticked else []
    found, total = people_search(people.exclude(pk__in=[p.pk for p in kept]), q)
    return render(request, "orgs/_people.html", {
        "people": [(p, True) for p in kept] + [(p, False) for p in found], "name": name, "multiple": multiple,
        "q": q, "more": max(total - len(found), 0)})
