"""党员带头: the module's one entry in the navigation. Cadres see the hub — the figures of their scope, each
opening its rows; a member sees their own page (``me``): their registration, what the community asks of
people like them, the activities and campaigns open to them, their visits and their points."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from zongheng.core.access import has_perm
from zongheng.core.permissions import Perm

from . import hub


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has_perm(user, Perm.MEMBER_VIEW):
        return redirect("members:me")
    today = timezone.localdate()
    return render(request, "members/home.html", {
        "sections": hub.sections(user, today), "has_person": bool(getattr(user, "person_id", None))})


@login_required
def me(request: HttpRequest) -> HttpResponse:
    user = request.user
    person = getattr(user, "person", None)
    today = timezone.localdate()
    sections = hub.mine(user, person, today) if person is not None else []
    return render(request, "members/me.html", {
        "person": person, "sections": sections, "is_member": bool(person and person.is_party_member),
        "can_view": has_perm(user, Perm.MEMBER_VIEW)})
