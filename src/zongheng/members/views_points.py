"""Pages of the points part (积分).

- ``points``: for a user holding ``member.view``, an organisation of their scope for a year — its members,
  points, average and distribution, per child organisation, and a table of its members (by name or points);
  never anything beyond the scope. A plain member is sent to their own page.
- ``my_points``: the member's own ledger by year and 八带头 item, each entry tracing to its deed (linked when
  the viewer may open it), their claims and the claim button; ``points_person``: a member's ledger for a cadre
  in scope (404 otherwise), with corrections for those holding ``member.change``.
- Claims: submit (a member, from a phone), withdraw, the reviewers' list, one claim's page with its review.
- Rules (read with ``member.view``, changed at the root with ``member.configure``) and yearly closing.
- Exports (.xlsx): the totals of an organisation and its members, the ledger of its members.

Reads through scoped querysets and lookups (out of scope → 404, no right → 403); every write is one ``do_*``
action whose ``ActionError`` is shown in Chinese and changes nothing. Each page runs a constant number of
queries.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from zongheng.core.access import NotAuthenticated, at_root, has_perm, require, require_at_root
from zongheng.core.errors import ActionError
from zongheng.core.paging import filter_query
from zongheng.core.permissions import Perm
from zongheng.orgs.models import Org, Person
from zongheng.orgs.picker import path_labels

from . import actions_points as actions
from . import exports_points as exports
from . import selectors_points as sel
from .choices import ClaimState, Deed
from .forms_points import AddRuleForm, ClaimForm, CloseForm, CorrectForm, ReviewForm, RuleForm, close_org_choices
from .models import YearClosing
from .points import net_points

PAGE_SIZE = 50
FIRST_YEAR = 2017


def _year(request: HttpRequest) -> int:
    text = request.GET.get("year", "")
    if text.isdigit() and len(text) == 4 and FIRST_YEAR <= int(text) <= timezone.localdate().year + 1:
        return int(text)
    return timezone.localdate().year


def _years() -> list[int]:
    return list(range(timezone.localdate().year, FIRST_YEAR - 1, -1))


def _lookup(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """A scoped lookup for a page: missing or out of scope → 404."""
    try:
        return fn(*args, **kwargs)
    except ActionError as exc:
        raise Http404(exc.message) from exc


def _closed(org_path: str, year: int) -> bool:
    from .models import ancestor_paths

    return YearClosing.objects.filter(year=year, org_path__in=ancestor_paths(org_path)).exists()


# ---------------------------------------------------------------- an organisation's totals


def _scope_org(request: HttpRequest) -> Org:
    user = request.user
    pk = request.GET.get("org", "").strip()
    if pk:
        return _lookup(sel.resolve_scope_org, user, pk)
    org = sel.default_org(user)
    if org is None:
        raise Http404
    return org


@login_required
def points(request: HttpRequest) -> HttpResponse:
    """积分统计: one organisation of the user's scope for a year; its children; its members' table."""
    user = request.user
    if not has_perm(user, Perm.MEMBER_VIEW):
        return redirect("members:my_points")
    org = _scope_org(request)
    year = _year(request)
    order = request.GET.get("order", "name")
    order = order if order in sel.MEMBER_ORDERS else "name"
    q = request.GET.get("q", "").strip()[:50]
    page = Paginator(sel.member_rows(org, year, order, q), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = sel.with_totals(page.object_list, year)
    total = sel.org_totals(org, year)
    children = sel.child_totals(org, year)
    top = max([*total.bands, 1])
    return render(request, "members/points_totals.html", {
        "section": "points", "org": org, "year": year, "years": _years(), "total": total, "children": children,
        "bands": sel.BANDS, "band_rows": [(label, n, round(100 * n / top)) for label, n in total.band_rows()],
        "page": page, "order": order, "orders": sel.MEMBER_ORDERS, "q": q, "query": filter_query(request),
        "parent": sel.parent_in_scope(user, org), "closed": _closed(org.path, year),
        "export_query": urlencode({"org": org.pk, "year": year}),
        "org_items": [(org, path_labels([org])[org.pk], True)],
        "pick_url": reverse("members:points_pick") + "?name=org",
        "can_configure": has_perm(user, Perm.MEMBER_CONFIGURE), "has_person": bool(getattr(user, "person_id", None)),
    })


@login_required
def points_pick(request: HttpRequest) -> HttpResponse:
    """The organisation picker (htmx): regular organisations of the view scope, or of the closing scope
    (``perm=configure``)."""
    from zongheng.orgs.picker import render_pick
    from zongheng.orgs.resolve import org_choices

    if request.GET.get("perm") == "configure":
        require(request.user, Perm.MEMBER_CONFIGURE)
        return render_pick(request, close_org_choices(request.user), name="org", multiple=False)
    require(request.user, Perm.MEMBER_VIEW)
    from zongheng.orgs.choices import OrgKind

    targets = org_choices(request.user, Perm.MEMBER_VIEW, kinds=[OrgKind.REGULAR, OrgKind.FUNCTIONAL])
    return render_pick(request, targets, name="org", multiple=False)


@login_required
def points_totals_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.MEMBER_VIEW)
    org = _scope_org(request)
    year = _year(request)
    return exports.totals_xlsx(org, year, sel.org_totals(org, year), sel.child_totals(org, year),
                               sel.member_rows(org, year, "name"))


@login_required
def points_ledger_export(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.MEMBER_VIEW)
    org = _scope_org(request)
    year = _year(request)
    return exports.ledger_xlsx(org, year)


# ---------------------------------------------------------------- a member's ledger


def _ledger_context(user: Any, person: Person, year: int) -> dict[str, Any]:
    today = timezone.localdate()
    led = sel.ledger(person.pk, year)
    links = sel.source_links(user, led.entries)
    for e in led.entries:  # each entry traces to its deed: a link where the viewer may open the deed's row
        e.link = links.get(e.source)  # type: ignore[attr-defined]
    return {"person": person, "year": year, "years": sel.member_years(person.pk, today), "ledger": led,
            "rules": sel.rule_set_of(person),
            "claims": list(sel.own_claims(person.pk, year)[:100]),
            "closed": _closed(person.org_path, year) or bool(person.registered_path
                                                             and _closed(person.registered_path, year))}


@login_required
def my_points(request: HttpRequest) -> HttpResponse:
    """我的积分: the member's own ledger, their rule set (what is asked of them), their claims."""
    user = request.user
    person = getattr(user, "person", None)
    if person is None or not person.is_party_member:
        return render(request, "members/points_mine.html", {"section": "points", "person": person, "ledger": None})
    context = _ledger_context(user, person, _year(request))
    return render(request, "members/points_mine.html", {"section": "points", "mine": True, **context})


@login_required
def points_person(request: HttpRequest, pk: int) -> HttpResponse:
    """A member's ledger for a cadre holding member.view over them (404 otherwise)."""
    user = request.user
    require(user, Perm.MEMBER_VIEW)
    person = _lookup(sel.resolve_member, user, pk)
    if person.pk == getattr(user, "person_id", None):
        return redirect(reverse("members:my_points") + f"?year={_year(request)}")
    context = _ledger_context(user, person, _year(request))
    return render(request, "members/points_mine.html", {
        "section": "points", "mine": False, "can_correct": actions.may_correct(user, person), **context})


@login_required
def points_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """更正 one deed's points (a new entry; the reason required)."""
    user = request.user
    require(user, Perm.MEMBER_CHANGE)
    entry = _lookup(sel.resolve_entry, user, pk)
    original = entry.corrects or entry
    _, now_counts = net_points(original.person_id, original.source)
    form = CorrectForm(request.POST or None, initial={"counts_as": now_counts})
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_correct(user, entry, form.cleaned_data["counts_as"], form.cleaned_data["reason"])
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已更正：该事项现计 {form.cleaned_data['counts_as']} 分")
            return redirect(reverse("members:points_person", args=[original.person_id]) + f"?year={original.year}")
    return render(request, "members/points_correct.html", {
        "section": "points", "form": form, "entry": original, "person": entry.person, "now_counts": now_counts,
        "deed_label": sel.deed_label(original.deed)}, status=400 if form.errors else 200)


# ---------------------------------------------------------------- claims


@login_required
def points_claims(request: HttpRequest) -> HttpResponse:
    """积分申报: the claims of the members in scope (pending first by default); review=1 those the user reviews."""
    user = request.user
    require(user, Perm.MEMBER_VIEW)
    qs = sel.claim_list(user, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    state = request.GET.get("state", ClaimState.PENDING)
    return render(request, "members/points_claims.html", {
        "section": "points", "page": page, "query": filter_query(request), "states": ClaimState.choices,
        "state": state, "review": request.GET.get("review") == "1", "q": request.GET.get("q", "")[:50],
        "can_review": has_perm(user, Perm.MEMBER_CHANGE)})


@login_required
def points_claim_new(request: HttpRequest) -> HttpResponse:
    """申报积分 (a member, on a phone): item, date, what they did."""
    user = request.user
    person = getattr(user, "person", None)
    if person is None:
        raise PermissionDenied("您的账号没有关联人员信息，不能申报积分")
    form = ClaimForm(request.POST or None, initial={"occurred_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            claim = actions.do_submit_claim(user, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已提交申报，等待组织审核")
            return redirect("members:points_claim", pk=claim.pk)
    return render(request, "members/points_claim_form.html", {
        "section": "points", "form": form, "person": person, "rules": sel.rule_set_of(person)
        if person.is_party_member else None}, status=400 if form.errors else 200)


def _require_someone(user: Any) -> None:
    """Self-service pages: a user with a person record, or one holding member.view (else 403)."""
    if not (user and user.is_authenticated):
        raise NotAuthenticated
    if not getattr(user, "person_id", None) and not has_perm(user, Perm.MEMBER_VIEW):
        raise PermissionDenied("您的账号没有关联人员信息")


@login_required
def points_claim(request: HttpRequest, pk: int) -> HttpResponse:
    """One claim: what was claimed, its state, the review; the review form for a reviewer, withdraw for the
    member while pending."""
    user = request.user
    _require_someone(user)
    claim = _lookup(sel.resolve_claim, user, pk)
    own = claim.person_id == getattr(user, "person_id", None)
    entries = []
    if claim.state == ClaimState.APPROVED:
        from .models import PointEntry

        entries = list(PointEntry.objects.filter(person_id=claim.person_id, source=f"claim:{claim.pk}")
                       .order_by("id"))
    pending = claim.state == ClaimState.PENDING
    return render(request, "members/points_claim.html", {
        "section": "points", "claim": claim, "own": own, "entries": entries,
        "may_review": pending and sel.may_review(user, claim), "may_withdraw": pending and own,
        "form": ReviewForm(), "person_link": not own and has_perm(user, Perm.MEMBER_VIEW)})


@login_required
@require_POST
def points_claim_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    _require_someone(user)
    claim = _lookup(sel.resolve_own_claim, user, pk)
    try:
        actions.do_withdraw_claim(user, claim)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已撤回申报")
    return redirect("members:points_claim", pk=claim.pk)


@login_required
@require_POST
def points_claim_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(user, Perm.MEMBER_CHANGE)
    claim = _lookup(sel.resolve_claim, user, pk, review=True)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("members:points_claim", pk=claim.pk)
    try:
        claim, entry = actions.do_review_claim(user, claim, form.cleaned_data["action"],
                                               form.cleaned_data.get("note") or "")
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        if claim.state == ClaimState.DECLINED:
            messages.success(request, f"已审核：{claim.person.name}的申报不予通过")
        elif entry is None:
            messages.success(request, f"已通过；{claim.person.name}适用的积分办法对申报事项不计分")
        else:
            messages.success(request, f"已通过：{claim.person.name}记 {entry.points} 分"
                             + (f"（{entry.note.rpartition('；')[2]}）" if "上限" in entry.note else ""))
    nxt = request.POST.get("next", "")
    if nxt == "list":
        return redirect(reverse("members:points_claims") + "?review=1")
    return redirect("members:points_claim", pk=claim.pk)


# ---------------------------------------------------------------- rules


@login_required
def points_rules(request: HttpRequest) -> HttpResponse:
    """积分规则: every rule set (member type) and its rules, built on the 八带头 items."""
    user = request.user
    require(user, Perm.MEMBER_VIEW)
    return render(request, "members/points_rules.html", {
        "section": "points", "sets": sel.rule_sets(), "items": sel.items(), "deed_count": len(Deed.values),
        "can_configure": at_root(user, Perm.MEMBER_CONFIGURE)})


@login_required
def points_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require_at_root(user, Perm.MEMBER_CONFIGURE)
    rule = _lookup(sel.resolve_rule, pk)
    initial = {"item": rule.item_id, "points": rule.points, "cap": rule.cap, "cap_period": rule.cap_period}
    form = RuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_rule(user, rule, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已保存“{rule.rule_set.name}”的“{rule.get_deed_display()}”细则")
            return redirect(reverse("members:points_rules") + f"#set-{rule.rule_set_id}")
    return render(request, "members/points_rule_form.html", {
        "section": "points", "form": form, "rule": rule, "rule_set": rule.rule_set,
        "title": f"修改细则：{rule.get_deed_display()}"}, status=400 if form.errors else 200)


@login_required
def points_rule_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require_at_root(user, Perm.MEMBER_CONFIGURE)
    rule_set = _lookup(sel.resolve_rule_set, pk)
    taken = set(rule_set.rules.values_list("deed", flat=True))
    form = AddRuleForm(request.POST or None, taken=taken, initial={"cap_period": "year"})
    if not form.fields["deed"].choices:  # type: ignore[attr-defined]
        messages.info(request, f"“{rule_set.name}”的每种积分来源都已有细则")
        return redirect(reverse("members:points_rules") + f"#set-{rule_set.pk}")
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_add_rule(user, rule_set, form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已为“{rule_set.name}”增加细则")
            return redirect(reverse("members:points_rules") + f"#set-{rule_set.pk}")
    return render(request, "members/points_rule_form.html", {
        "section": "points", "form": form, "rule_set": rule_set, "title": f"增加细则：{rule_set.name}"},
        status=400 if form.errors else 200)


@login_required
@require_POST
def points_rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require_at_root(user, Perm.MEMBER_CONFIGURE)
    rule = _lookup(sel.resolve_rule, pk)
    try:
        actions.do_remove_rule(user, rule)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已删除“{rule.rule_set.name}”的“{rule.get_deed_display()}”细则")
    return redirect(reverse("members:points_rules") + f"#set-{rule.rule_set_id}")


# ---------------------------------------------------------------- yearly closing


@login_required
def points_closings(request: HttpRequest) -> HttpResponse:
    """年度积分结算: the closings in scope and the form to close a finished year for an organisation."""
    user = request.user
    require(user, Perm.MEMBER_CONFIGURE)
    form = CloseForm(request.POST or None, user=user, initial={"year": timezone.localdate().year - 1})
    if request.method == "POST" and form.is_valid():
        org, year = form.cleaned_data["org"], form.cleaned_data["year"]
        try:
            actions.do_close_year(user, org, year)
        except ActionError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已结算{org.name} {year} 年度积分")
            return redirect("members:points_closings")
    from zongheng.core.access import path_q, scope_paths

    closings = list(YearClosing.objects.filter(path_q("org_path", scope_paths(user, Perm.MEMBER_CONFIGURE)))
                    .select_related("org", "closed_by").order_by("-year", "org_path")[:200])
    return render(request, "members/points_closings.html", {"section": "points", "form": form,
                                                            "closings": closings},
                  status=400 if form.errors else 200)
