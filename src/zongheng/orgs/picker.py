"""The searchable organisation picker, loaded on demand (shared by demands, meetings and notices).

A page never holds the full list of organisations: the widget renders a search box (and the few
organisations chosen now); focusing or typing asks the module's own htmx endpoint, which answers
``render_pick(request, targets, ...)`` over the scoped queryset of what may be chosen there. What the
form submits (radio or checkbox values named like the field) still goes through the module's
scoped resolver, so the picker decides nothing about what is accepted.

Pieces: ``PickerWidget`` (the form widget), ``rank_targets`` (matching and ordering, two queries),
``path_labels`` (the path above each organisation, one query), ``render_pick`` (the endpoint's answer)
and the templates ``orgs/_picker.html``, ``_picker_results.html``, ``_picker_widget.html``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .choices import TEMPORARY_KINDS, OrgKind
from .models import Org
from .resolve import as_pk

PICK_LIMIT = 20
MAX_TICKED = 200  # ticked choices carried along by a multiple picker's search

# Level codes ranked with the functional organisations: 驻区单位 (stationed units).
UNIT_LEVELS = ("unit",)


def rank_targets(targets: QuerySet[Org], q: str, *, anchors: Iterable[str] | None = None, limit: int = PICK_LIMIT
                 ) -> tuple[list[Org], int]:
    """Up to ``limit`` of ``targets`` matching the typed text ``q``, sensible ones first; and how many match.

    Each word of ``q`` must occur in the name (or ``q`` is the org's code). Order: an exact name,
    then the ``anchors`` (paths, e.g. a demand grid's community and street, nearest first), then
    stationed units (level ``unit``) and functional organisations, then the other standing
    organisations (higher levels first), then temporary ones. Two queries whatever the number of
    organisations (one when fewer than ``limit`` match).
    """
    anchors = list(anchors or [])
    qs = targets
    words = q.split()[:5]
    if words:
        match = Q()
        for w in words:
            match &= Q(name__icontains=w[:40])
        qs = qs.filter(match | Q(code__iexact=q.strip()[:40]))
    whens = [When(name=q.strip(), then=Value(0))] if q.strip() else []
    if anchors:
        whens.append(When(path__in=anchors, then=Value(1)))
    whens += [When(kind__in=list(TEMPORARY_KINDS), then=Value(4)),
              When(kind=OrgKind.FUNCTIONAL, then=Value(2)), When(level__code__in=UNIT_LEVELS, then=Value(2))]
    ranked = qs.annotate(rank=Case(*whens, default=Value(3), output_field=IntegerField()))
    # Anchors: the nearest (the community) before the street above it.
    rows = list(ranked.select_related("level").order_by("rank", "depth", "path")[:limit])
    rows.sort(key=lambda o: (o.rank, -o.depth if o.rank == 1 else o.depth, o.path))  # type: ignore[attr-defined]
    total = len(rows) if len(rows) < limit else qs.count()
    return rows, total


def path_labels(orgs: list[Org]) -> dict[int, str]:
    """{org pk: "街道 › 社区"} — the organisations above each one (below the root), which tell same-named
    organisations apart (one query)."""
    step = Org.steplen
    prefixes = {o.path[:i] for o in orgs for i in range(step, len(o.path), step)}
    names = dict(Org.objects.filter(path__in=prefixes, depth__gt=1).values_list("path", "name")) if prefixes else {}
    return {
        o.pk: " › ".join(names[o.path[:i]] for i in range(step, len(o.path), step) if o.path[:i] in names)
        for o in orgs
    }


def chosen_items(targets: QuerySet[Org], values: Iterable[Any], *, limit: int = MAX_TICKED
                 ) -> list[tuple[Org, str, bool]]:
    """The organisations chosen now (ids among ``targets`` only: a forged id shows nothing), as picker
    items (org, path, checked). Two queries."""
    pks = [pk for pk in (as_pk(v) for v in list(values)[:limit]) if pk is not None]
    if not pks:
        return []
    kept = list(targets.filter(pk__in=pks).select_related("level").order_by("path"))
    paths = path_labels(kept)
    return [(o, paths[o.pk], True) for o in kept]


def render_pick(request: HttpRequest, targets: QuerySet[Org], *, name: str, multiple: bool,
                anchors: Iterable[str] = (), fixed: list[tuple[str, str, bool]] | None = None) -> HttpResponse:
    """The picker endpoint's answer (htmx): the targets matching ``pick_q`` (sensible first, with their
    paths); the ones already ticked (sent back as ``name``) stay on top and ticked; ``fixed`` (value,
    text, checked) choices such as "全部" come first. ``targets`` must already be the user's scoped choices."""
    q = request.GET.get("pick_q", "").strip()[:40]
    ticked = [pk for pk in (as_pk(v) for v in request.GET.getlist(name)[:MAX_TICKED]) if pk is not None]
    kept = list(targets.filter(pk__in=ticked).select_related("level").order_by("path")) if ticked else []
    if not multiple:
        kept = kept[:1]
    found, total = rank_targets(targets.exclude(pk__in=[o.pk for o in kept]), q, anchors=anchors)
    paths = path_labels(kept + found)
    items = [(o, paths[o.pk], True) for o in kept] + [(o, paths[o.pk], False) for o in found]
    context = {"items": items, "name": name, "multiple": multiple, "q": q, "more": max(total - len(found), 0),
               "fixed": fixed or []}
    return render(request, "orgs/_picker_results.html", context)


class PickerWidget(forms.Widget):
    """A searchable picker of organisations, loaded on demand.

    Renders a search box and the organisations chosen now; typing (or focusing) asks ``url`` (an
    htmx GET answered by ``render_pick``) for the matching targets. When ``targets`` (the scoped
    choices) is given, the current value is shown ticked — looked up among ``targets`` only, so a
    forged id in a re-rendered form shows nothing. What is submitted is checked by the field's resolver.
    """

    template_name = "orgs/_picker_widget.html"

    def __init__(self, *, url: str = "", multiple: bool = False, targets: QuerySet[Org] | None = None,
                 help_text: str = "", attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.url, self.multiple, self.targets, self.help_text = url, multiple, targets, help_text

    def format_value(self, value: Any) -> list[Any]:  # type: ignore[override]  # several values
        if value in (None, ""):
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return [getattr(v, "pk", v) for v in values]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        items = chosen_items(self.targets, context["widget"]["value"]) if self.targets is not None else []
        if not self.multiple:
            items = items[:1]
        context["widget"].update(url=self.url, multiple=self.multiple, items=items, help=self.help_text)
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if self.multiple:
            return data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        return data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False
